import type {
  Context,
  StaffRole,
  StaffSessionResponse,
  VendorSessionResponse,
  VendorSupport,
} from '#lib/api/types.ts';

/** The signed-in account as both consoles see it (staff on a tenant host, vendor on the root host). */
export interface SessionUser {
  id: string;
  loginId: string;
  displayName: string;
  role: StaffRole | 'vendor';
  totpEnabled: boolean;
}

export interface AppSession {
  authenticated: boolean;
  /** "totp": password accepted, the second factor is still missing. */
  stage: 'totp' | 'active' | null;
  mustChangePassword: boolean;
  /** The tenant requires TOTP and this account must set it up first. */
  totpSetupRequired: boolean;
  user: SessionUser | null;
  features: string[];
  administration: boolean;
  /** Set when a vendor support member entered this tenant. */
  vendorSupport: VendorSupport | null;
  csrfToken: string;
}

export const ANONYMOUS: AppSession = {
  authenticated: false,
  stage: null,
  mustChangePassword: false,
  totpSetupRequired: false,
  user: null,
  features: [],
  administration: false,
  vendorSupport: null,
  csrfToken: '',
};

export type ConsoleKind = Context['kind'];

/** Normalises `GET /api/auth/session` and `GET /api/vendor/session` (and login answers). */
export function normaliseSession(
  kind: ConsoleKind,
  raw: StaffSessionResponse | VendorSessionResponse | null | undefined,
): AppSession {
  if (!raw || typeof raw !== 'object') return { ...ANONYMOUS };
  const csrfToken = typeof raw.csrfToken === 'string' ? raw.csrfToken : '';
  if (!raw.authenticated) return { ...ANONYMOUS, csrfToken };
  const stage = raw.stage === 'totp' ? 'totp' : 'active';
  if (kind === 'vendor') {
    const v = (raw as VendorSessionResponse).vendor;
    return {
      ...ANONYMOUS,
      authenticated: true,
      stage,
      csrfToken,
      mustChangePassword: Boolean(raw.mustChangePassword),
      user: v
        ? {
            id: v.id,
            loginId: v.loginId,
            displayName: v.displayName,
            role: 'vendor',
            totpEnabled: Boolean(v.totpEnabled),
          }
        : null,
      administration: true,
    };
  }
  const s = raw as StaffSessionResponse;
  return {
    authenticated: true,
    stage,
    csrfToken,
    mustChangePassword: Boolean(s.mustChangePassword),
    totpSetupRequired: Boolean(s.totpSetupRequired),
    user: s.staff
      ? {
          id: s.staff.id ?? '',
          loginId: s.staff.loginId ?? '',
          displayName: s.staff.displayName,
          role: s.staff.role,
          totpEnabled: Boolean(s.staff.totpEnabled),
        }
      : null,
    features: Array.isArray(s.features) ? s.features : [],
    administration: Boolean(s.permissions?.administration),
    vendorSupport: s.vendor && typeof s.vendor === 'object' ? s.vendor : null,
  };
}

/** Fully signed in (password and, if needed, the second factor). */
export function isActive(s: AppSession): boolean {
  return s.authenticated && s.stage === 'active';
}

/** Signed in with nothing left to do first (password change, required TOTP setup). */
export function inConsole(s: AppSession): boolean {
  return isActive(s) && !s.mustChangePassword && !s.totpSetupRequired;
}

export const ROLE_LABELS: Record<StaffRole | 'vendor', string> = {
  administrator: '管理者',
  staff: '職員',
  operator: '委託事業者',
  viewer: '閲覧者',
  vendor: 'ベンダーサポート',
};

export const STAFF_ROLES: StaffRole[] = ['administrator', 'staff', 'operator', 'viewer'];

export function roleLabel(role: string | null | undefined): string {
  return (role && ROLE_LABELS[role as StaffRole]) || role || '—';
}

/** Base path of the authentication endpoints for a console. */
export function authBase(kind: ConsoleKind): '/api/auth' | '/api/vendor' {
  return kind === 'vendor' ? '/api/vendor' : '/api/auth';
}
