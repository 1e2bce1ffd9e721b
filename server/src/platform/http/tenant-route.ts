import type { NextFunction, Request, Response } from 'express';
import type { EntityManager } from 'typeorm';
import { withTenant } from '../db/tenant-context.js';
import { appendToChain, type AuditEntry } from '../audit/audit-chain.js';
import { findTenantBySubdomain } from '../tenancy/tenants.js';
import { Tenant, TenantSecurity } from '../tenancy/tenant.entity.js';
import type { StaffSession } from '../auth/session.entities.js';
import { findStaffSession } from '../auth/staff-sessions.js';
import { safeEqual } from '../auth/tokens.js';
import {
  buildAbility,
  canAdminister,
  type AppAbility,
  type GrantPermission,
} from '../permissions/ability.js';
import { StaffAccount, type StaffRole } from '../../modules/staff/staff.entities.js';
import { clientIp, ipAllowed } from './client-ip.js';
import { readCookie } from './cookies.js';
import { HttpError, sendProblem, unauthorized } from './errors.js';
import { sendResult } from './results.js';
import { logger } from '../log/logger.js';

export interface Actor {
  type: 'staff' | 'vendor' | 'anonymous';
  id: string | null;
  label: string | null;
}

export interface TenantRequest {
  req: Request;
  res: Response;
  m: EntityManager;
  tenant: Tenant;
  security: TenantSecurity;
  session: StaffSession | null;
  ip: string;
  userAgent: string | null;
  actor: Actor;
  /** Appends to the tenant's audit chain inside this request's transaction. */
  audit(entry: Omit<AuditEntry, 'actorType' | 'actorId' | 'actorLabel' | 'ip' | 'userAgent'>): Promise<void>;
}

export interface StaffRequest extends TenantRequest {
  session: StaffSession;
  staff: StaffAccount | null;
  role: StaffRole;
  organisationIds: string[];
  teamIds: string[];
  features: Set<string>;
  ability: AppAbility;
  isAdministrator: boolean;
}

export interface TenantRouteOptions {
  /** Skip the IP allow-list (the vendor-entry ticket endpoint only). */
  skipIpCheck?: boolean;
}

export interface StaffRouteOptions {
  /** Administration screens: staff, organisations, audit, security. */
  admin?: boolean;
  /** The feature (module) the route belongs to. */
  feature?: string;
  /** Allowed before the TOTP step of login is done. */
  allowTotpStage?: boolean;
  /** Allowed while the account must still change its password (or set up TOTP). */
  allowPendingSetup?: boolean;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function auditFor(ctx: Pick<TenantRequest, 'actor' | 'ip' | 'userAgent'>) {
  return (
    entry: Omit<AuditEntry, 'actorType' | 'actorId' | 'actorLabel' | 'ip' | 'userAgent'>,
  ): AuditEntry => ({
    ...entry,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    actorLabel: ctx.actor.label,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
  });
}

async function resolveTenant(req: Request): Promise<Tenant> {
  const kind = req.hostKind;
  if (kind?.kind !== 'tenant') throw new HttpError(404, 'ページが見つかりません');
  const tenant = await findTenantBySubdomain(kind.subdomain);
  if (!tenant) throw new HttpError(404, '自治体が見つかりません');
  if (tenant.status === 'suspended') {
    throw new HttpError(403, 'このサービスは現在ご利用いただけません', {
      type: 'urn:tsunagu:tenant-suspended',
      detail: 'ご契約の自治体のサービスは一時停止されています。お問い合わせは運用担当までご連絡ください。',
    });
  }
  return tenant;
}

/**
 * Runs a handler of the tenant's admin host in one tenant transaction, after the checks every
 * such request needs: tenant resolution and suspension, the IP allow-list (unless the emergency
 * override is on, or the caller is vendor support), and CSRF on state changes. A refusal that
 * carries `audit` is recorded in its own transaction, after the request's one rolled back.
 */
export function tenantRoute(
  handler: (ctx: TenantRequest) => Promise<unknown>,
  opts: TenantRouteOptions = {},
) {
  return async (req: Request, res: Response, next: NextFunction) => {
    let failedCtx: Pick<TenantRequest, 'actor' | 'ip' | 'userAgent'> | null = null;
    let tenantId: string | null = null;
    try {
      const tenant = await resolveTenant(req);
      tenantId = tenant.id;
      const ip = clientIp(req);
      const userAgent = req.get('user-agent') ?? null;
      const out = await withTenant(tenant.id, async (m) => {
        const security =
          (await m.findOne(TenantSecurity, { where: { tenantId: tenant.id } })) ??
          m.create(TenantSecurity, {
            tenantId: tenant.id,
            ipAllowlist: [],
            emergencyOverride: false,
            totpRequired: false,
          });
        const session = await findStaffSession(m, readCookie(req, 'sid'));
        const actor: Actor = session
          ? session.vendorAccountId
            ? { type: 'vendor', id: session.vendorAccountId, label: session.vendorLabel }
            : { type: 'staff', id: session.staffId, label: null }
          : { type: 'anonymous', id: null, label: null };
        const base = { req, res, m, tenant, security, session, ip, userAgent, actor };
        failedCtx = base;
        const toEntry = auditFor(base);
        const ctx: TenantRequest = {
          ...base,
          audit: (e) =>
            appendToChain(m, { name: 'audit_log', tenantId: tenant.id }, toEntry(e)).then(() => undefined),
        };

        const vendorSession = session?.vendorAccountId != null;
        if (
          !opts.skipIpCheck &&
          !vendorSession &&
          !security.emergencyOverride &&
          !ipAllowed(ip, security.ipAllowlist)
        ) {
          throw new HttpError(403, 'このネットワークからは管理画面を利用できません', {
            type: 'urn:tsunagu:ip-not-allowed',
            detail: `接続元IPアドレス（${ip}）は許可されていません。庁内ネットワークから接続してください。`,
            audit: {
              action: 'access.ip_refused',
              outcome: 'denied',
              detail: { path: req.path, method: req.method },
            },
          });
        }
        if (UNSAFE.has(req.method)) {
          const sent = req.get('x-csrf-token') ?? '';
          const expected = session ? session.csrfToken : (readCookie(req, 'csrf') ?? '');
          if (!sent || !expected || !safeEqual(sent, expected)) {
            throw new HttpError(403, '不正なリクエストです（CSRF）', {
              type: 'urn:tsunagu:csrf',
              detail: '画面を再読み込みしてから、もう一度お試しください。',
              audit: {
                action: 'access.csrf_refused',
                outcome: 'denied',
                detail: { path: req.path, method: req.method },
              },
            });
          }
        }
        return handler(ctx);
      });
      sendResult(res, out);
    } catch (err) {
      if (err instanceof HttpError && err.opts.audit && tenantId && failedCtx) {
        const entry = auditFor(failedCtx)(err.opts.audit);
        await withTenant(tenantId, (m) =>
          appendToChain(m, { name: 'audit_log', tenantId: tenantId! }, entry),
        ).catch((e: unknown) => logger.error({ err: e }, 'could not audit a refusal'));
      }
      if (err instanceof HttpError) return sendProblem(res, err);
      next(err);
    }
  };
}

/** Loads what the account may do: organisations, teams, features and resource grants. */
export async function loadPermissions(ctx: Pick<TenantRequest, 'm' | 'tenant'>, session: StaffSession) {
  const { m, tenant } = ctx;
  if (session.vendorAccountId) {
    return {
      staff: null,
      role: 'administrator' as StaffRole,
      organisationIds: [],
      teamIds: [],
      features: new Set(tenant.modules),
      grants: [],
    };
  }
  const staff = await m.findOne(StaffAccount, { where: { id: session.staffId! } });
  if (!staff) throw unauthorized();
  const orgRows: Array<{ organisation_id: string }> = await m.query(
    'select organisation_id from staff_membership where staff_id = $1',
    [staff.id],
  );
  const teamRows: Array<{ id: string; features: string[] }> = await m.query(
    'select t.id, t.features from staff_team st join team t on t.id = st.team_id where st.staff_id = $1',
    [staff.id],
  );
  const organisationIds = orgRows.map((r) => r.organisation_id);
  const teamIds = teamRows.map((r) => r.id);
  const granted = new Set<string>(staff.role === 'administrator' ? tenant.modules : []);
  for (const t of teamRows) for (const f of t.features) granted.add(f);
  for (const f of staff.featuresAllow) granted.add(f);
  for (const f of staff.featuresDeny) granted.delete(f);
  const features = new Set([...granted].filter((f) => tenant.modules.includes(f)));
  const grants: Array<{ resource_type: string; resource_id: string; permissions: GrantPermission[] }> =
    await m.query(
      `select resource_type, resource_id, permissions from resource_grant
      where (grantee_type = 'staff' and grantee_id = $1)
         or (grantee_type = 'organisation' and grantee_id = any($2::uuid[]))
         or (grantee_type = 'team' and grantee_id = any($3::uuid[]))`,
      [staff.id, organisationIds, teamIds],
    );
  return {
    staff,
    role: staff.role,
    organisationIds,
    teamIds,
    features,
    grants: grants.map((g) => ({
      resourceType: g.resource_type,
      resourceId: g.resource_id,
      permissions: g.permissions,
    })),
  };
}

/** A handler for a logged-in staff member (or vendor support who entered the tenant). */
export function staffRoute(opts: StaffRouteOptions, handler: (ctx: StaffRequest) => Promise<unknown>) {
  return tenantRoute(async (ctx) => {
    const session = ctx.session;
    if (!session) throw unauthorized();
    if (session.stage !== 'active' && !opts.allowTotpStage) throw unauthorized();
    const p = await loadPermissions(ctx, session);
    if (p.staff) ctx.actor.label = `${p.staff.displayName}（${p.staff.loginId}）`;
    const ability = buildAbility({
      role: p.role,
      organisationIds: p.organisationIds,
      features: p.features,
      grants: p.grants,
    });
    const staffCtx: StaffRequest = {
      ...ctx,
      session,
      staff: p.staff,
      role: p.role,
      organisationIds: p.organisationIds,
      teamIds: p.teamIds,
      features: p.features,
      ability,
      isAdministrator: canAdminister(ability),
    };
    if (p.staff && !opts.allowPendingSetup) {
      if (p.staff.mustChangePassword) {
        throw new HttpError(403, 'パスワードを変更してください', {
          type: 'urn:tsunagu:password-change-required',
        });
      }
      if (ctx.security.totpRequired && !p.staff.totpEnabledAt) {
        throw new HttpError(403, '二要素認証を設定してください', { type: 'urn:tsunagu:totp-setup-required' });
      }
    }
    if (opts.admin && !staffCtx.isAdministrator) {
      throw new HttpError(403, 'この画面は管理者のみ利用できます', {
        type: 'urn:tsunagu:forbidden',
        audit: {
          action: 'access.denied',
          outcome: 'denied',
          detail: { path: ctx.req.path, method: ctx.req.method, reason: 'administrators only' },
        },
      });
    }
    if (opts.feature && !staffCtx.features.has(opts.feature)) {
      throw new HttpError(403, 'この機能を利用する権限がありません', {
        type: 'urn:tsunagu:forbidden',
        audit: {
          action: 'access.denied',
          outcome: 'denied',
          detail: { path: ctx.req.path, method: ctx.req.method, feature: opts.feature },
        },
      });
    }
    return handler(staffCtx);
  });
}

/** Throws a 403 that is recorded in the audit log unless the ability allows the action. */
export function assertCan(
  ctx: StaffRequest,
  action: import('../permissions/ability.js').Action,
  subject: Parameters<AppAbility['can']>[1],
  target: { type: string; id: string | null },
): void {
  if (ctx.ability.can(action, subject)) return;
  throw new HttpError(403, 'この操作を行う権限がありません', {
    type: 'urn:tsunagu:forbidden',
    audit: {
      action: `${target.type}.${action}`,
      outcome: 'denied',
      targetType: target.type,
      targetId: target.id,
    },
  });
}

declare module 'express-serve-static-core' {
  interface Request {
    hostKind?: import('../tenancy/tenants.js').HostKind;
  }
}
