import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type SessionStage = 'totp' | 'active';

/** A staff session of one tenant; the id is the SHA-256 of the cookie token, never the token. */
@Entity('staff_session')
export class StaffSession {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ type: 'uuid', name: 'tenant_id' }) tenantId!: string;
  @Column({ type: 'uuid', name: 'staff_id', nullable: true }) staffId!: string | null;
  @Column({ type: 'uuid', name: 'vendor_account_id', nullable: true }) vendorAccountId!: string | null;
  @Column({ type: 'text', name: 'vendor_label', nullable: true }) vendorLabel!: string | null;
  @Column({ type: 'text', name: 'entry_reason', nullable: true }) entryReason!: string | null;
  @Column({ type: 'text' }) stage!: SessionStage;
  @Column({ type: 'text', name: 'csrf_token' }) csrfToken!: string;
  @Column({ type: 'text', nullable: true }) ip!: string | null;
  @Column({ type: 'text', name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'last_seen_at', default: () => 'now()' }) lastSeenAt!: Date;
  @Column({ type: 'timestamptz', name: 'expires_at' }) expiresAt!: Date;
}

@Entity('vendor_account')
export class VendorAccount {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text', name: 'login_id' }) loginId!: string;
  @Column({ type: 'text', name: 'display_name' }) displayName!: string;
  @Column({ type: 'text', name: 'password_hash' }) passwordHash!: string;
  @Column({ type: 'boolean', name: 'must_change_password' }) mustChangePassword!: boolean;
  @Column({ type: 'integer', name: 'failed_login_count' }) failedLoginCount!: number;
  @Column({ type: 'timestamptz', name: 'locked_at', nullable: true }) lockedAt!: Date | null;
  @Column({ type: 'text', name: 'totp_secret', nullable: true }) totpSecret!: string | null;
  @Column({ type: 'timestamptz', name: 'totp_enabled_at', nullable: true }) totpEnabledAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'last_login_at', nullable: true }) lastLoginAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'password_changed_at', nullable: true })
  passwordChangedAt!: Date | null;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

@Entity('vendor_session')
export class VendorSession {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ type: 'uuid', name: 'vendor_account_id' }) vendorAccountId!: string;
  @Column({ type: 'text' }) stage!: SessionStage;
  @Column({ type: 'text', name: 'csrf_token' }) csrfToken!: string;
  @Column({ type: 'text', nullable: true }) ip!: string | null;
  @Column({ type: 'text', name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column({ type: 'timestamptz', name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column({ type: 'timestamptz', name: 'last_seen_at', default: () => 'now()' }) lastSeenAt!: Date;
  @Column({ type: 'timestamptz', name: 'expires_at' }) expiresAt!: Date;
}
