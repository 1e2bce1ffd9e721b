import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type FormStatus = 'draft' | 'published' | 'closed';

/**
 * A form owned by an organisation (課). Platform core uses it as the first resource guarded by
 * organisation ownership and per-resource grants; the forms module adds definitions and responses.
 */
@Entity('form')
export class Form {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'organisation_id' }) organisationId!: string;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'text' }) status!: FormStatus;
  @Column({ type: 'uuid', name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}
