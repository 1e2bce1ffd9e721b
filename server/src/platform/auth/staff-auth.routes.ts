import { Router } from 'express';
import { z } from 'zod';
import QRCode from 'qrcode';
import { config } from '../config/config.js';
import { HttpError } from '../http/errors.js';
import { clearCookie, readCookie, setCookie } from '../http/cookies.js';
import { ProblemResult, RedirectResult } from '../http/results.js';
import { loadPermissions, staffRoute, tenantRoute, type TenantRequest } from '../http/tenant-route.js';
import { parseBody } from '../http/validation.js';
import { withinRateLimit } from '../queue/redis.js';
import { decryptField, encryptField } from '../crypto/tenant-keys.js';
import { StaffAccount } from '../../modules/staff/staff.entities.js';
import { canAdminister, buildAbility } from '../permissions/ability.js';
import type { StaffSession } from './session.entities.js';
import { attemptPassword, decoyHash, MAX_FAILED_LOGINS, verifyPassword } from './passwords.js';
import { createStaffSession, deleteStaffSessions } from './staff-sessions.js';
import { newToken, tokenDigest } from './tokens.js';
import { checkPasswordChange, passwordChangeBody } from './password-change.js';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.js';

const TOTP_PURPOSE = 'staff.totp';

const loginBody = z.object({
  loginId: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(200),
});

async function sessionView(ctx: Pick<TenantRequest, 'm' | 'tenant' | 'security'>, session: StaffSession) {
  const p = await loadPermissions(ctx, session);
  const ability = buildAbility({
    role: p.role,
    organisationIds: p.organisationIds,
    features: p.features,
    grants: p.grants,
  });
  return {
    authenticated: true,
    stage: session.stage,
    csrfToken: session.csrfToken,
    mustChangePassword: p.staff?.mustChangePassword ?? false,
    totpSetupRequired: Boolean(p.staff && ctx.security.totpRequired && !p.staff.totpEnabledAt),
    staff: p.staff
      ? {
          id: p.staff.id,
          loginId: p.staff.loginId,
          displayName: p.staff.displayName,
          role: p.staff.role,
          totpEnabled: p.staff.totpEnabledAt !== null,
        }
      : {
          id: null,
          loginId: null,
          displayName: session.vendorLabel,
          role: 'administrator',
          totpEnabled: true,
        },
    features: [...p.features].sort(),
    permissions: { administration: canAdminister(ability) },
    vendor: session.vendorAccountId ? { label: session.vendorLabel, reason: session.entryReason } : null,
  };
}

export const TOO_MANY_LOGINS = 'ログインの試行回数が多すぎます。しばらく待ってから再度お試しください';

export const badCredentials = () => new HttpError(401, 'ログインIDまたはパスワードが正しくありません');
export const lockedError = () =>
  new HttpError(423, 'アカウントがロックされています', {
    type: 'urn:tsunagu:account-locked',
    detail: 'パスワードを5回続けて間違えたため、ロックされました。管理者にロック解除を依頼してください。',
  });

export function staffAuthRouter(): Router {
  const r = Router();

  r.get(
    '/session',
    tenantRoute(async (ctx) => {
      if (ctx.session) return sessionView(ctx, ctx.session);
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
    tenantRoute(async (ctx) => {
      const { m, tenant } = ctx;
      if (
        !(await withinRateLimit(`login:${tenant.id}:${ctx.ip}`, config().LOGIN_RATE_LIMIT_PER_MINUTE, 60))
      ) {
        throw new HttpError(429, TOO_MANY_LOGINS, {
          headers: { 'Retry-After': '60' },
          audit: { action: 'auth.login', outcome: 'denied', detail: { reason: 'rate limited' } },
        });
      }
      const body = parseBody(loginBody, ctx.req.body);
      const staff = await m
        .createQueryBuilder(StaffAccount, 's')
        .setLock('pessimistic_write')
        .where('lower(s.login_id) = lower(:id)', { id: body.loginId })
        .getOne();
      if (!staff) {
        await verifyPassword(await decoyHash(), body.password);
        await ctx.audit({
          action: 'auth.login',
          outcome: 'failure',
          detail: { loginId: body.loginId, reason: 'unknown login id' },
        });
        return new ProblemResult(badCredentials());
      }
      ctx.actor.id = staff.id;
      ctx.actor.type = 'staff';
      ctx.actor.label = `${staff.displayName}（${staff.loginId}）`;
      const attempt = await attemptPassword(staff, body.password);
      if (attempt.outcome === 'locked') {
        await ctx.audit({
          action: 'auth.login',
          outcome: 'denied',
          targetType: 'staff',
          targetId: staff.id,
          detail: { reason: 'locked' },
        });
        return new ProblemResult(lockedError());
      }
      if (attempt.outcome !== 'ok') {
        await m.update(
          StaffAccount,
          { id: staff.id },
          { failedLoginCount: attempt.failedLoginCount, lockedAt: attempt.lockedAt },
        );
        await ctx.audit({
          action: 'auth.login',
          outcome: 'failure',
          targetType: 'staff',
          targetId: staff.id,
          detail: { reason: 'wrong password', failedCount: attempt.failedLoginCount },
        });
        if (attempt.outcome === 'now-locked') {
          await ctx.audit({
            action: 'auth.locked',
            outcome: 'success',
            targetType: 'staff',
            targetId: staff.id,
          });
          return new ProblemResult(lockedError());
        }
        return new ProblemResult(badCredentials());
      }
      await m.update(StaffAccount, { id: staff.id }, { failedLoginCount: 0, lastLoginAt: new Date() });
      if (ctx.session) await deleteStaffSessions(m, { id: ctx.session.id });
      const { token, session } = await createStaffSession(m, {
        tenantId: tenant.id,
        staffId: staff.id,
        stage: staff.totpEnabledAt ? 'totp' : 'active',
        ip: ctx.ip,
        userAgent: ctx.userAgent,
      });
      setCookie(ctx.res, 'sid', token);
      await ctx.audit({
        action: 'auth.login',
        outcome: 'success',
        targetType: 'staff',
        targetId: staff.id,
        detail: { stage: session.stage },
      });
      return sessionView(ctx, session);
    }),
  );

  r.post(
    '/totp',
    staffRoute({ allowTotpStage: true, allowPendingSetup: true }, async (ctx) => {
      const { code } = parseBody(z.object({ code: z.string().trim().max(10) }), ctx.req.body);
      const staff = ctx.staff;
      if (!staff || ctx.session.stage !== 'totp' || !staff.totpSecret) {
        throw new HttpError(400, '二要素認証の確認は不要です');
      }
      if (staff.lockedAt) return new ProblemResult(lockedError());
      const secret = await decryptField(staff.totpSecret, TOTP_PURPOSE);
      if (!verifyTotp(secret, code)) {
        const count = staff.failedLoginCount + 1;
        const lockedAt = count >= MAX_FAILED_LOGINS ? new Date() : null;
        await ctx.m.update(StaffAccount, { id: staff.id }, { failedLoginCount: count, lockedAt });
        await ctx.audit({
          action: 'auth.totp',
          outcome: 'failure',
          targetType: 'staff',
          targetId: staff.id,
          detail: { failedCount: count },
        });
        if (lockedAt) {
          await deleteStaffSessions(ctx.m, { staffId: staff.id });
          await ctx.audit({
            action: 'auth.locked',
            outcome: 'success',
            targetType: 'staff',
            targetId: staff.id,
          });
          return new ProblemResult(lockedError());
        }
        return new ProblemResult(new HttpError(401, '確認コードが正しくありません'));
      }
      await ctx.m.update(StaffAccount, { id: staff.id }, { failedLoginCount: 0 });
      ctx.session.stage = 'active';
      await ctx.m.save(ctx.session);
      await ctx.audit({ action: 'auth.totp', outcome: 'success', targetType: 'staff', targetId: staff.id });
      return sessionView(ctx, ctx.session);
    }),
  );

  r.post(
    '/logout',
    tenantRoute(async (ctx) => {
      if (ctx.session) {
        await deleteStaffSessions(ctx.m, { id: ctx.session.id });
        await ctx.audit({ action: 'auth.logout', outcome: 'success' });
      }
      clearCookie(ctx.res, 'sid');
      return undefined;
    }),
  );

  r.post(
    '/password',
    staffRoute({ allowPendingSetup: true }, async (ctx) => {
      const body = parseBody(passwordChangeBody, ctx.req.body);
      const staff = ctx.staff;
      if (!staff) throw new HttpError(400, 'ベンダーサポートのセッションではパスワードを変更できません');
      const change = await checkPasswordChange(staff, body);
      if (!change.ok) {
        await ctx.audit({
          action: 'auth.password_change',
          outcome: 'failure',
          targetType: 'staff',
          targetId: staff.id,
        });
        return change.refusal;
      }
      await ctx.m.update(StaffAccount, { id: staff.id }, change.columns);
      // Other sessions of the account end: whoever knew the old password is out.
      await ctx.m.query('delete from staff_session where staff_id = $1 and id <> $2', [
        staff.id,
        ctx.session.id,
      ]);
      await ctx.audit({
        action: 'auth.password_change',
        outcome: 'success',
        targetType: 'staff',
        targetId: staff.id,
      });
      return undefined;
    }),
  );

  r.post(
    '/totp/setup',
    staffRoute({ allowPendingSetup: true }, async (ctx) => {
      const staff = ctx.staff;
      if (!staff) throw new HttpError(400, 'ベンダーサポートのセッションでは設定できません');
      if (staff.totpEnabledAt) throw new HttpError(409, '二要素認証はすでに有効です');
      const secret = newTotpSecret();
      await ctx.m.update(
        StaffAccount,
        { id: staff.id },
        { totpSecret: await encryptField(secret, TOTP_PURPOSE) },
      );
      const uri = otpauthUri(secret, `tsunagu ${ctx.tenant.nameJa}`, staff.loginId);
      const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      return { secret, otpauthUri: uri, qrSvg };
    }),
  );

  r.post(
    '/totp/enable',
    staffRoute({ allowPendingSetup: true }, async (ctx) => {
      const { code } = parseBody(z.object({ code: z.string().trim().max(10) }), ctx.req.body);
      const staff = ctx.staff;
      if (!staff?.totpSecret || staff.totpEnabledAt)
        throw new HttpError(409, '先に二要素認証の設定を開始してください');
      if (!verifyTotp(await decryptField(staff.totpSecret, TOTP_PURPOSE), code)) {
        return new ProblemResult(
          new HttpError(422, '確認コードが正しくありません', {
            errors: [{ path: 'code', message: '確認コードが正しくありません' }],
          }),
        );
      }
      await ctx.m.update(StaffAccount, { id: staff.id }, { totpEnabledAt: new Date() });
      await ctx.audit({
        action: 'auth.totp_enable',
        outcome: 'success',
        targetType: 'staff',
        targetId: staff.id,
      });
      return undefined;
    }),
  );

  r.post(
    '/totp/disable',
    staffRoute({ allowPendingSetup: true }, async (ctx) => {
      const { password } = parseBody(z.object({ password: z.string().min(1).max(200) }), ctx.req.body);
      const staff = ctx.staff;
      if (!staff) throw new HttpError(400, 'ベンダーサポートのセッションでは設定できません');
      if (ctx.security.totpRequired)
        throw new HttpError(409, 'この自治体では二要素認証が必須のため、無効にできません');
      if (!(await verifyPassword(staff.passwordHash, password))) {
        return new ProblemResult(
          new HttpError(422, 'パスワードが正しくありません', {
            errors: [{ path: 'password', message: 'パスワードが正しくありません' }],
          }),
        );
      }
      await ctx.m.update(StaffAccount, { id: staff.id }, { totpSecret: null, totpEnabledAt: null });
      await ctx.audit({
        action: 'auth.totp_disable',
        outcome: 'success',
        targetType: 'staff',
        targetId: staff.id,
      });
      return undefined;
    }),
  );

  r.get(
    '/vendor-entry',
    tenantRoute(
      async (ctx) => {
        const ticket = typeof ctx.req.query.ticket === 'string' ? ctx.req.query.ticket : '';
        const rows: Array<{ vendor_account_id: string; vendor_label: string; reason: string }> =
          await ctx.m.query(
            `with used as (
             update vendor_entry_ticket set used_at = now()
              where id = $1 and used_at is null and expires_at > now()
              returning vendor_account_id, vendor_label, reason)
           select * from used`,
            [tokenDigest(ticket)],
          );
        const t = rows[0];
        if (!t) throw new HttpError(400, '入室用のリンクが無効か、有効期限が切れています');
        const { token } = await createStaffSession(ctx.m, {
          tenantId: ctx.tenant.id,
          staffId: null,
          vendor: { accountId: t.vendor_account_id, label: t.vendor_label, reason: t.reason },
          stage: 'active',
          ip: ctx.ip,
          userAgent: ctx.userAgent,
        });
        setCookie(ctx.res, 'sid', token);
        ctx.actor.type = 'vendor';
        ctx.actor.id = t.vendor_account_id;
        ctx.actor.label = t.vendor_label;
        await ctx.audit({ action: 'vendor.enter', outcome: 'success', detail: { reason: t.reason } });
        return new RedirectResult('/');
      },
      { skipIpCheck: true },
    ),
  );

  return r;
}
