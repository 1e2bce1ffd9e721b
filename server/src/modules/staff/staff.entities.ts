import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const STAFF_ROLES = ['administrator', 'staff', 'operator', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

@Entity('staff_account')
export class StaffAccount {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'text', name: 'login_id' }) loginId!: string;
  @Column({ type: 'text', name: 'display_name' }) displayName!: string;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ type: 'text' }) role!: StaffRole;
  @Column({ type: 'text', name: 'password_hash' }) passwordHash!: string;
  @Column({ type: 'boolean', name: 'must_change_password' }) mustChangePassword!: boolean;
  @Column({ type: 'integer', name: 'failed_login_count' }) failedLoginCount!: number;
  @Column({ type: 'timestamptz', name: 'locked_at', nullable: true }) lockedAt!: Date | null;
  @Column({ type: 'text', name: 'totp_secret', nullable: true }) totpSecret!: string | null;
  @Column({ type: 'timestamptz', name: 'totp_enabled_at', nullable: true }) totpEnabledAt!: Date | null;
  @Column({ type: 'text', name: 'features_allow', array: true }) featuresAllow!: string[];
  @Column({ type: 'text', name: 'features_deny', array: true }) featuresDeny!: string[];
  @Column({ type: 'timestamptz', name: 'last_login_at', nullable: true }) lastLoginAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'password_changed_at', nullable: true })
  passwordChangedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

/** 課・グループ: owns resources; staff of one organisation do not see another's. */
@Entity('organisation')
export class Organisation {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'text' }) code!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'uuid', name: 'parent_id', nullable: true }) parentId!: string | null;
  @Column({ type: 'integer', name: 'sort_order' }) sortOrder!: number;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

/** A team carries feature toggles granted to every member. */
@Entity('team')
export class Team {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', array: true }) features!: string[];
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

@Entity('staff_membership')
export class StaffMembership {
  @PrimaryColumn({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn({ type: 'uuid', name: 'staff_id' }) staffId!: string;
  @PrimaryColumn({ type: 'uuid', name: 'organisation_id' }) organisationId!: string;
}

@Entity('staff_team')
export class StaffTeam {
  @PrimaryColumn({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn({ type: 'uuid', name: 'staff_id' }) staffId!: string;
  @PrimaryColumn({ type: 'uuid', name: 'team_id' }) teamId!: string;
}
