import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type TenantStatus = 'active' | 'suspended';

export interface TenantLink {
  kind: string;
  label: string;
  url: string;
}

/** A municipality. Global table: the app role may only read it; the vendor console writes it. */
@Entity('tenant')
export class Tenant {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) slug!: string;
  @Column({ type: 'text', name: 'name_ja' }) nameJa!: string;
  @Column({ type: 'text', name: 'name_en' }) nameEn!: string;
  @Column({ type: 'text', name: 'prefecture_ja' }) prefectureJa!: string;
  @Column({ type: 'text', name: 'local_gov_code' }) localGovCode!: string;
  @Column({ type: 'text', name: 'admin_subdomain' }) adminSubdomain!: string;
  @Column({ type: 'text', name: 'line_account_id', nullable: true }) lineAccountId!: string | null;
  @Column({ type: 'text' }) status!: TenantStatus;
  @Column({ type: 'text', name: 'suspended_reason', nullable: true }) suspendedReason!: string | null;
  @Column({ type: 'text', array: true }) modules!: string[];
  @Column({ type: 'jsonb' }) links!: TenantLink[];
  @Column({ type: 'jsonb', nullable: true }) boundary!: unknown;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

@Entity('tenant_security')
export class TenantSecurity {
  @PrimaryColumn({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'cidr', name: 'ip_allowlist', array: true }) ipAllowlist!: string[];
  @Column({ type: 'boolean', name: 'emergency_override' }) emergencyOverride!: boolean;
  @Column({ type: 'text', name: 'emergency_override_reason', nullable: true }) emergencyOverrideReason!:
    string | null;
  @Column({ type: 'timestamptz', name: 'emergency_override_at', nullable: true })
  emergencyOverrideAt!: Date | null;
  @Column({ type: 'boolean', name: 'totp_required' }) totpRequired!: boolean;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}
