/**
 * Shapes of the admin API (docs/api/admin-api.md). Only what the console reads is typed;
 * optional fields cover values the contract leaves open.
 */

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Tenant {
  id: string;
  slug: string;
  nameJa: string;
  nameEn: string;
  prefectureJa: string;
  status: TenantStatus;
  modules: string[];
}

export type TenantStatus = 'active' | 'suspended' | (string & {});

export type Context = { kind: 'tenant'; tenant: Tenant } | { kind: 'vendor' };

export type StaffRole = 'administrator' | 'staff' | 'operator' | 'viewer';

export interface SessionStaff {
  /** null when vendor support entered the tenant. */
  id: string | null;
  loginId: string | null;
  displayName: string;
  role: StaffRole;
  totpEnabled: boolean;
}

export interface VendorAccount {
  id: string;
  loginId: string;
  displayName: string;
  totpEnabled?: boolean;
}

/** A vendor support member working inside a tenant (shown as a banner). */
export interface VendorSupport {
  label: string;
  reason: string;
}

export interface StaffSessionResponse {
  authenticated: boolean;
  stage?: 'totp' | 'active';
  csrfToken: string;
  mustChangePassword?: boolean;
  /** The tenant requires TOTP and this account has not set it up yet. */
  totpSetupRequired?: boolean;
  staff?: SessionStaff;
  features?: string[];
  permissions?: { administration: boolean };
  vendor?: VendorSupport | null;
}

export interface VendorSessionResponse {
  authenticated: boolean;
  stage?: 'totp' | 'active';
  csrfToken: string;
  mustChangePassword?: boolean;
  vendor?: VendorAccount;
}

export interface Named {
  id: string;
  name: string;
}

export interface Staff {
  id: string;
  loginId: string;
  displayName: string;
  email: string | null;
  role: StaffRole;
  organisations: Named[];
  teams: Named[];
  locked: boolean;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  featuresAllow: string[];
  featuresDeny: string[];
  lastLoginAt: string | null;
  createdAt: string;
}

export interface StaffInput {
  loginId?: string;
  displayName: string;
  email?: string | null;
  role: StaffRole;
  organisationIds: string[];
  teamIds: string[];
  featuresAllow: string[];
  featuresDeny: string[];
}

export interface ImportResult {
  applied: boolean;
  summary: { create: number; update: number; delete: number; unchanged: number };
  changes: { row: number; action: string; loginId: string }[];
  errors: { row: number; column?: string | null; message: string }[];
  temporaryPasswords?: { loginId: string; temporaryPassword: string }[];
}

export interface Organisation {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
  sortOrder: number;
  memberCount: number;
}

export interface Team {
  id: string;
  name: string;
  features: string[];
  memberCount: number;
}

export interface Feature {
  key: string;
  label: string;
}

export type AuditOutcome = 'success' | 'denied' | 'failure';

export interface AuditEntry {
  seq: number;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: AuditOutcome;
  detail: unknown;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  broken: null | { seq: number; reason: string };
}

export interface SecuritySettings {
  ipAllowlist: string[];
  emergencyOverride: boolean;
  emergencyOverrideReason: string | null;
  emergencyOverrideAt: string | null;
  totpRequired: boolean;
  yourIp: string;
}

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

export type FormStatus = 'draft' | 'published' | 'closed';

export interface FormItem {
  id: string;
  title: string;
  description?: string | null;
  status: FormStatus;
  organisationId: string;
  organisation?: Named | null;
  organisationName?: string | null;
  createdAt?: string;
  updatedAt?: string;
  /** The version residents answer (null: never published). */
  publishedVersion?: number | null;
  /** Answers received, all versions together. */
  responses?: number;
  /** What the current account may do with this form (list answers only). */
  can?: { update: boolean; delete: boolean; export: boolean };
}

export type GranteeType = 'organisation' | 'team' | 'staff';
export type GrantPermission = 'view' | 'edit' | 'export' | 'manage';

export interface Grant {
  granteeType: GranteeType;
  granteeId: string;
  granteeName?: string | null;
  permissions: GrantPermission[];
}

export interface TenantUsage {
  staffCount: number;
  activeSessions: number;
  auditEvents30d: number;
  lastLoginAt: string | null;
}

export interface VendorTenant {
  id: string;
  slug: string;
  nameJa: string;
  nameEn: string;
  prefectureJa: string;
  localGovCode: string;
  adminSubdomain: string;
  lineAccountId: string | null;
  status: TenantStatus;
  suspendedReason: string | null;
  modules: string[];
  createdAt: string;
  usage?: TenantUsage;
}

export interface VendorTenantInput {
  slug: string;
  nameJa: string;
  nameEn: string;
  prefectureJa: string;
  localGovCode: string;
  adminSubdomain: string;
  lineAccountId?: string | null;
  modules: string[];
}
