import express, { Router, type Request, type Response } from 'express';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { withTenant } from '../../platform/db/tenant-context.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { HttpError, sendProblem } from '../../platform/http/errors.js';
import { sendResult, StatusResult } from '../../platform/http/results.js';
import { parseBody } from '../../platform/http/validation.js';
import { logger } from '../../platform/log/logger.js';
import { mailConfigured } from '../../platform/mail/mailer.js';
import { withinRateLimit } from '../../platform/queue/redis.js';
import { findTenantBySlug } from '../../platform/tenancy/tenants.js';
import type { Tenant } from '../../platform/tenancy/tenant.entity.js';
import { emailLookupHash, normalizeEmail } from '../attributes/attributes.service.js';
import { enqueueConfirmation, sendConfirmation } from './confirmation.js';
import {
  confirmSubscription,
  formForSubscriber,
  managedBy,
  manageView,
  requestSubscription,
  saveManagedSettings,
  signupForm,
  unavailable,
  unsubscribe,
  type Requester,
} from './subscription.service.js';

/**
 * Public pages' API of subscriptions by e-mail (DEL-10), under /api/t/:slug/mail-subscription:
 * - GET    …                 the sign-up form (the city's public 受信設定 form that asks for an address)
 * - POST   …                 sign up {email, values}: 202, the same answer whether the address is known
 * - POST   …/confirm         {token} from the confirmation mail
 * - GET    …/manage          the subscription of a manage link (token in X-Mail-Token)
 * - PUT    …/manage          a subscriber's settings {values}
 * - POST   …/unsubscribe     stop the mails (X-Mail-Token, or `?token=` with the RFC 8058 one-click body)
 * No cookies: the tokens are the only credential and are never ambient, so there is no CSRF to
 * defend. Rate limits per IP and per address; every change is in the tenant's audit log.
 */

/** Sign-ups an IP may make in 10 minutes, and confirmation mails one address may get in an hour. */
export const SIGNUP_LIMITS = { perIp: 10, perIpWindow: 600, perAddress: 3, perAddressWindow: 3600 };
/** Requests with a token (confirm, manage, unsubscribe) an IP may make in 10 minutes. */
export const TOKEN_LIMITS = { perIp: 60, window: 600 };

const tooMany = () =>
  new HttpError(429, '短い時間に何度も送信されたため、受け付けを一時停止しています', {
    detail: 'しばらく時間をおいてから、もう一度お試しください。',
    headers: { 'Retry-After': '600' },
  });

async function mailTenant(slug: string): Promise<Tenant> {
  const t = await findTenantBySlug(slug);
  if (!t) throw new HttpError(404, '自治体が見つかりません');
  if (t.status === 'suspended')
    throw new HttpError(403, 'このサービスは現在ご利用いただけません', {
      type: 'urn:tsunagu:tenant-suspended',
    });
  // Deliveries by e-mail belong to the delivery module; the settings to the segments module.
  if (!t.modules.includes('delivery') || !t.modules.includes('segments')) throw unavailable();
  return t;
}

function requester(req: Request): Requester {
  return { ip: clientIp(req), userAgent: req.get('user-agent') ?? null };
}

/** Runs a public request in its tenant's transaction and renders the result or problem. */
function publicRoute(handler: (ctx: { req: Request; tenant: Tenant }) => Promise<unknown>) {
  return async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const tenant = await mailTenant(String(req.params.slug));
      sendResult(res, await handler({ req, tenant }));
    } catch (err) {
      if (err instanceof HttpError) return sendProblem(res, err);
      throw err;
    }
  };
}

async function tokenRateLimit(tenant: Tenant, req: Request): Promise<void> {
  if (
    !(await withinRateLimit(
      `mail-token:${tenant.id}:${clientIp(req)}`,
      TOKEN_LIMITS.perIp,
      TOKEN_LIMITS.window,
    ))
  )
    throw tooMany();
}

const tokenSchema = z
  .string({ error: 'リンクが正しくありません。メールのリンクをそのまま開いてください' })
  .trim()
  .min(20, 'リンクが正しくありません。メールのリンクをそのまま開いてください')
  .max(200, 'リンクが正しくありません。メールのリンクをそのまま開いてください');

function manageToken(req: Request): string {
  const raw = req.get('x-mail-token') ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
  const r = tokenSchema.safeParse(raw);
  if (!r.success)
    throw new HttpError(404, 'このリンクは無効です', {
      type: 'urn:tsunagu:mail-link-invalid',
      detail: 'メールのリンクをそのまま開いてください。',
    });
  return r.data;
}

const signupBody = z.strictObject({
  email: z
    .string({ error: 'メールアドレスを入力してください' })
    .trim()
    .min(1, 'メールアドレスを入力してください')
    .pipe(z.email('メールアドレスの形式が正しくありません').max(254, 'メールアドレスが長すぎます')),
  values: z.record(z.string(), z.unknown()).default({}),
  agree: z.literal(true, { error: '個人情報の取り扱いに同意してください' }),
});

export function mailSubscriptionRouter(): Router {
  const r = Router();
  const json = express.json({ limit: '64kb' });

  r.get(
    '/:slug/mail-subscription',
    publicRoute(({ tenant }) =>
      withTenant(tenant.id, async (m) => {
        const signup = await signupForm(m);
        if (!signup || !mailConfigured()) throw unavailable();
        return { city: tenant.nameJa, form: formForSubscriber(signup.form, signup.items, {}) };
      }),
    ),
  );

  r.post(
    '/:slug/mail-subscription',
    json,
    publicRoute(async ({ req, tenant }) => {
      const ip = clientIp(req);
      if (
        !(await withinRateLimit(
          `mail-signup-ip:${tenant.id}:${ip}`,
          SIGNUP_LIMITS.perIp,
          SIGNUP_LIMITS.perIpWindow,
        ))
      )
        throw tooMany();
      const body = parseBody(signupBody, req.body);
      // Counted whether or not the address is known: the answer must not tell the two apart.
      const hash = emailLookupHash(tenant.id, normalizeEmail(body.email));
      if (
        !(await withinRateLimit(
          `mail-signup-addr:${tenant.id}:${hash}`,
          SIGNUP_LIMITS.perAddress,
          SIGNUP_LIMITS.perAddressWindow,
        ))
      )
        throw tooMany();
      if (!mailConfigured()) throw unavailable();
      const { confirmationId } = await withTenant(tenant.id, (m) =>
        requestSubscription(m, tenant.id, { email: body.email, values: body.values }, requester(req)),
      );
      // Sent now, after the commit, so the resident sees the mail at once; a failure is retried by
      // the worker and the answer stays the same.
      await sendConfirmation({ tenantId: tenant.id, confirmationId }).catch(async (err: unknown) => {
        logger.error({ err, tenantId: tenant.id, confirmationId }, 'confirmation mail failed; queued again');
        await enqueueConfirmation({ tenantId: tenant.id, confirmationId }, 30_000, 'retry').catch(
          () => undefined,
        );
      });
      return new StatusResult(202, {
        title: '確認のメールを送りました',
        detail:
          'メールに記載のリンクを24時間以内に開き、登録を完了してください。メールが届かない場合は、迷惑メールフォルダーや受信設定をご確認ください。',
      });
    }),
  );

  r.post(
    '/:slug/mail-subscription/confirm',
    json,
    publicRoute(async ({ req, tenant }) => {
      await tokenRateLimit(tenant, req);
      const body = parseBody(z.strictObject({ token: tokenSchema }), req.body);
      return withTenant(tenant.id, (m) => confirmSubscription(m, tenant.id, body.token, requester(req)));
    }),
  );

  r.get(
    '/:slug/mail-subscription/manage',
    publicRoute(async ({ req, tenant }) => {
      await tokenRateLimit(tenant, req);
      const token = manageToken(req);
      return withTenant(tenant.id, async (m: EntityManager) => ({
        city: tenant.nameJa,
        ...(await manageView(m, await managedBy(m, tenant.id, token))),
      }));
    }),
  );

  r.put(
    '/:slug/mail-subscription/manage',
    json,
    publicRoute(async ({ req, tenant }) => {
      await tokenRateLimit(tenant, req);
      const token = manageToken(req);
      const body = parseBody(z.strictObject({ values: z.record(z.string(), z.unknown()) }), req.body);
      return withTenant(tenant.id, async (m) => {
        const s = await managedBy(m, tenant.id, token);
        await saveManagedSettings(m, tenant.id, s, body.values, requester(req));
        return { city: tenant.nameJa, ...(await manageView(m, await managedBy(m, tenant.id, token))) };
      });
    }),
  );

  // RFC 8058: mail providers POST `List-Unsubscribe=One-Click` (form-encoded) to the header's URL.
  r.post(
    '/:slug/mail-subscription/unsubscribe',
    json,
    express.urlencoded({ extended: false, limit: '1kb' }),
    publicRoute(async ({ req, tenant }) => {
      await tokenRateLimit(tenant, req);
      const token = manageToken(req);
      const oneClick =
        (req.body as Record<string, unknown> | undefined)?.['List-Unsubscribe'] === 'One-Click';
      return withTenant(tenant.id, async (m) => {
        const s = await managedBy(m, tenant.id, token);
        await unsubscribe(m, tenant.id, s, { ...requester(req), via: oneClick ? 'one-click' : 'page' });
        // A LINE friend's address is gone now (the link no longer opens anything): say what happened.
        if (s.recipient === 'line')
          return {
            city: tenant.nameJa,
            recipient: s.recipient,
            status: 'unsubscribed',
            email: s.email,
            form: null,
            values: {},
          };
        return { city: tenant.nameJa, ...(await manageView(m, await managedBy(m, tenant.id, token))) };
      });
    }),
  );

  return r;
}
