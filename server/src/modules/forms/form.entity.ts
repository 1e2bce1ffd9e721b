import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type FormStatus = 'draft' | 'published' | 'closed';

/**
 * A form owned by an organisation (課). Platform core uses it as the first resource guarded by
 * organisation ownership and per-resource grants; the forms module adds definitions and responses.
 * The draft definition, settings and counters live in columns the entity does not map (lists
 * would otherwise carry every draft); forms.service.ts reads and writes them with SQL.
 */
@Entity('form')
export class Form {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'organisation_id' }) organisationId!: string;
  /** URL code of the resident page (`/t/<slug>/forms/<code>`), unique in the tenant. */
  @Column({ type: 'text' }) code!: string;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'text' }) status!: FormStatus;
  /** The latest published version (null until the first publication). */
  @Column({ type: 'integer', name: 'published_version', nullable: true, insert: false, update: false })
  publishedVersion!: number | null;
  @Column({ type: 'integer', name: 'response_count', insert: false, update: false }) responses!: number;
  @Column({ type: 'uuid', name: 'created_by', nullable: true }) createdBy!: string | null;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}
