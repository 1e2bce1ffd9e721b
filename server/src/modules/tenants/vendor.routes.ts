import { Router } from 'express';
import { z } from 'zod';
import { config } from '../../platform/config/config.js';
import { FEATURES } from '../../contracts/features.js';
import { VendorAccount } from '../../platform/auth/session.entities.js';
import { attemptPassword, decoyHash, verifyPassword } from '../../platform/auth/passwords.js';
import { badCredentials, lockedError, TOO_MANY_LOGINS } from '../../platform/auth/staff-auth.routes.js';
import { newToken, tokenDigest } from '../../platform/auth/tokens.js';
import { checkPasswordChange, passwordChangeBody } from '../../platform/auth/password-change.js';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { clearCookie, readCookie, setCookie } from '../../platform/http/cookies.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { ProblemResult, StatusResult } from '../../platform/http/results.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { withinRateLimit } from '../../platform/queue/redis.js';
import { Tenant } from '../../platform/tenancy/tenant.entity.js';
import { createTenant, listTenantsWithUsage, tenantInput, updateTenant } from './tenants.service.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { CHANNEL_KINDS, channelInput, describeChannels, saveChannel } from '../line/channels.service.js';
import { createVendorSession, vendorRoute, type VendorRequest } from './vendor-route.js';

function sessionView(ctx: Pick<VendorRequest, 'session' | 'account'>) {
  const { session, account } = ctx;
  if (!session || !account) return null;
  return {
    authenticated: true,
    stage: session.stage,
    csrfToken: session.csrfToken,
    mustChangePassword: account.mustChangePassword,
    vendor: { id: account.id, loginId: account.loginId, displayName: account.displayName },
  };
}

/** Writes to a tenant's own audit log from the vendor console (ops pool, explicit tenant). */
async function auditInTenant(
  ctx: VendorRequest,
  tenantId: string,
  action: string,
  detail: Record<string, unknown>,
) {
  await appendToChain(
    ctx.m,
    { name: 'audit_log', tenantId },
    {
      action,
      outcome: 'success',
      actorType: 'vendor',
      actorId: ctx.account?.id ?? null,
      actorLabel: ctx.account ? `ベンダーサポート ${ctx.account.displayName}` : null,
      targetType: 'tenant',
      targetId: tenantId,
      detail,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    },
  );
}

const listParams = listQuery(['slug', 'nameJa', 'createdAt'], 'slug').extend({
  q: z.string().trim().max(100).optional(),
  status: z.enum(['active', 'suspended']).optional(),
});
const reasonBody = z.object({ reason: z.string().trim().min(1, '理由を入力してください').max(500) });

/** What the vendor console shows of a tenant's channels (never the secrets) and the webhook URLs to enter at LINE. */
async function channelsView(t: Tenant) {
  const base = `${config().PUBLIC_ORIGIN.replace(/\/+$/, '')}/webhook/${t.slug}`;
  return {
    items: await withTenant(t.id, (m) => describeChannels(m)),
    webhookUrls: { production: base, test: `${base}/test` },
  };
}

function tenantUrl(t: Tenant, path: string): string {
  const origin = new URL(config().PUBLIC_ORIGIN);
  return `${origin.protocol}//${t.adminSubdomain}.admin.${config().ROOT_DOMAIN}${origin.port ? ':' + origin.port : ''}${path}`;
}

export function vendorRouter(): Router {
  const r = Router();

  r.get(
    '/session',
    vendorRoute({ auth: 'none' }, async (ctx) => {
      const view = sessionView(ctx);
      if (view) return view;
      let csrf = readCookie(ctx.req, 'csrf');
      if (!csrf) {
        csrf = newToken();
        setCookie(ctx.res, 'csrf', csrf);
      }
      return { authenticated: false, csrfToken: csrf };
    }),
  );

  r.post(
    '/login',
    vendorRoute({ auth: 'none' }, async (ctx) => {
      if (!(await withinRateLimit(`vendor-login:${ctx.ip}`, config().LOGIN_RATE_LIMIT_PER_MINUTE, 60))) {
        return new ProblemResult(new HttpError(429, TOO_MANY_LOGINS, { headers: { 'Retry-After': '60' } }));
      }
      const body = parseBody(
        z.object({ loginId: z.string().trim().min(1).max(64), password: z.string().min(1).max(200) }),
        ctx.req.body,
      );
      const account = await ctx.m
        .createQueryBuilder(VendorAccount, 'v')
        .setLock('pessimistic_write')
        .where('lower(v.login_id) = lower(:id)', { id: body.loginId })
        .getOne();
      if (!account) {
        await verifyPassword(await decoyHash(), body.password);
        await ctx.audit({ action: 'vendor.login', outcome: 'failure', detail: { loginId: body.loginId } });
        return new ProblemResult(badCredentials());
      }
      const attempt = await attemptPassword(account, body.password);
      if (attempt.outcome !== 'ok') {
        await ctx.m.update(
          VendorAccount,
          { id: account.id },
          { failedLoginCount: attempt.failedLoginCount, lockedAt: attempt.lockedAt },
        );
        await ctx.audit({
          action: 'vendor.login',
          outcome: attempt.outcome === 'locked' ? 'denied' : 'failure',
          targetId: account.id,
          detail: { reason: attempt.outcome },
        });
        return new ProblemResult(attempt.outcome === 'wrong' ? badCredentials() : lockedError());
      }
      await ctx.m.update(VendorAccount, { id: account.id }, { failedLoginCount: 0, lastLoginAt: new Date() });
      const { token, session } = await createVendorSession(
        ctx.m,
        account.id,
        'active',
        ctx.ip,
        ctx.userAgent,
      );
      setCookie(ctx.res, 'sid', token);
      await ctx.audit({ action: 'vendor.login', outcome: 'success', targetId: account.id });
      return sessionView({ session, account });
    }),
  );

  r.post(
    '/logout',
    vendorRoute({ auth: 'none' }, async (ctx) => {
      if (ctx.session) {
        await ctx.m.query('delete from vendor_session where id = $1', [ctx.session.id]);
        await ctx.audit({ action: 'vendor.logout', outcome: 'success' });
      }
      clearCookie(ctx.res, 'sid');
      return undefined;
    }),
  );

  r.post(
    '/password',
    vendorRoute({ auth: 'session' }, async (ctx) => {
      const account = ctx.account!;
      const change = await checkPasswordChange(account, parseBody(passwordChangeBody, ctx.req.body));
      if (!change.ok) {
        await ctx.audit({ action: 'vendor.password_change', outcome: 'failure', targetId: account.id });
        return change.refusal;
      }
      await ctx.m.update(VendorAccount, { id: account.id }, change.columns);
      await ctx.m.query('delete from vendor_session where vendor_account_id = $1 and id <> $2', [
        account.id,
        ctx.session!.id,
      ]);
      await ctx.audit({ action: 'vendor.password_change', outcome: 'success', targetId: account.id });
      return undefined;
    }),
  );

  r.get(
    '/modules',
    vendorRoute({ auth: 'active' }, async () => ({ items: FEATURES })),
  );

  r.get(
    '/tenants',
    vendorRoute({ auth: 'active' }, async (ctx) =>
      listTenantsWithUsage(ctx.m, parseQuery(listParams, ctx.req.query)),
    ),
  );

  r.post(
    '/tenants',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const input = parseBody(tenantInput, ctx.req.body);
      const t = await createTenant(ctx.m, input);
      await ctx.audit({
        action: 'tenant.create',
        outcome: 'success',
        targetType: 'tenant',
        targetId: t.id,
        detail: { after: input },
      });
      await auditInTenant(ctx, t.id, 'tenant.create', { after: input });
      return new StatusResult(201, t);
    }),
  );

  r.get(
    '/tenants/:id',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const t = await ctx.m.findOne(Tenant, { where: { id: parseBody(uuidParam, ctx.req.params.id) } });
      if (!t) throw notFound('自治体');
      return t;
    }),
  );

  r.patch(
    '/tenants/:id',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const { before, after } = await updateTenant(ctx.m, id, parseBody(tenantInput.partial(), ctx.req.body));
      await ctx.audit({
        action: 'tenant.update',
        outcome: 'success',
        targetType: 'tenant',
        targetId: id,
        detail: { before, after },
      });
      await auditInTenant(ctx, id, 'tenant.update', { before, after });
      return after;
    }),
  );

  r.post(
    '/tenants/:id/suspend',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const { reason } = parseBody(reasonBody, ctx.req.body);
      const t = await ctx.m.findOne(Tenant, { where: { id } });
      if (!t) throw notFound('自治体');
      await ctx.m.update(
        Tenant,
        { id },
        { status: 'suspended', suspendedReason: reason, updatedAt: new Date() },
      );
      // Suspension ends every staff session of the tenant at once.
      await ctx.m.query('delete from staff_session where tenant_id = $1', [id]);
      await ctx.audit({
        action: 'tenant.suspend',
        outcome: 'success',
        targetType: 'tenant',
        targetId: id,
        detail: { reason },
      });
      await auditInTenant(ctx, id, 'tenant.suspend', { reason });
      return ctx.m.findOneOrFail(Tenant, { where: { id } });
    }),
  );

  r.post(
    '/tenants/:id/resume',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const t = await ctx.m.findOne(Tenant, { where: { id } });
      if (!t) throw notFound('自治体');
      await ctx.m.update(Tenant, { id }, { status: 'active', suspendedReason: null, updatedAt: new Date() });
      await ctx.audit({ action: 'tenant.resume', outcome: 'success', targetType: 'tenant', targetId: id });
      await auditInTenant(ctx, id, 'tenant.resume', {});
      return ctx.m.findOneOrFail(Tenant, { where: { id } });
    }),
  );

  r.get(
    '/tenants/:id/channels',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const tenant = await ctx.m.findOne(Tenant, { where: { id } });
      if (!tenant) throw notFound('自治体');
      return channelsView(tenant);
    }),
  );

  r.put(
    '/tenants/:id/channels/:kind',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const kind = parseBody(z.enum(CHANNEL_KINDS), ctx.req.params.kind);
      const tenant = await ctx.m.findOne(Tenant, { where: { id } });
      if (!tenant) throw notFound('自治体');
      const input = parseBody(channelInput, ctx.req.body);
      await withTenant(id, (m) => saveChannel(m, id, kind, input));
      const detail = {
        kind,
        channelId: input.channelId,
        botUserId: input.botUserId,
        loginChannelId: input.loginChannelId,
        forwardUrl: input.forwardUrl,
      };
      await ctx.audit({
        action: 'tenant.channel_set',
        outcome: 'success',
        targetType: 'tenant',
        targetId: id,
        detail,
      });
      await auditInTenant(ctx, id, 'tenant.channel_set', detail);
      return channelsView(tenant);
    }),
  );

  r.post(
    '/tenants/:id/enter',
    vendorRoute({ auth: 'active' }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const { reason } = parseBody(reasonBody, ctx.req.body);
      const t = await ctx.m.findOne(Tenant, { where: { id } });
      if (!t) throw notFound('自治体');
      if (t.status === 'suspended')
        throw new HttpError(409, '停止中の自治体には入れません。先に再開してください');
      const ticket = newToken();
      const account = ctx.account!;
      await ctx.m.query(
        `insert into vendor_entry_ticket (id, tenant_id, vendor_account_id, vendor_label, reason, expires_at)
         values ($1, $2, $3, $4, $5, now() + interval '2 minutes')`,
        [tokenDigest(ticket), id, account.id, `${account.displayName}（${account.loginId}）`, reason],
      );
      await ctx.audit({
        action: 'vendor.enter_requested',
        outcome: 'success',
        targetType: 'tenant',
        targetId: id,
        detail: { reason },
      });
      return { url: tenantUrl(t, `/api/auth/vendor-entry?ticket=${encodeURIComponent(ticket)}`) };
    }),
  );

  return r;
}
