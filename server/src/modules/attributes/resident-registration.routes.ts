import express, { Router, type Request, type Response } from 'express';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { verifyPassword } from '../../platform/auth/passwords.js';
import { safeEqual, tokenDigest } from '../../platform/auth/tokens.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { readCookie } from '../../platform/http/cookies.js';
import { HttpError, sendProblem } from '../../platform/http/errors.js';
import { sendResult } from '../../platform/http/results.js';
import { parseBody } from '../../platform/http/validation.js';
import { withinRateLimit } from '../../platform/queue/redis.js';
import { findTenantBySlug } from '../../platform/tenancy/tenants.js';
import type { Tenant } from '../../platform/tenancy/tenant.entity.js';
import {
  loadResidentEmail,
  loadResidentValues,
  saveResidentEmail,
  writeResidentValues,
} from './attributes.service.js';
import {
  findFormByCode,
  formItems,
  formPasscodeHash,
  itemForResident,
  listForms,
  type RegistrationForm,
} from './registration.service.js';
import { validateSubmission, type AttributeValue } from './values.js';
import { emailStatusOf } from '../mail-subscription/subscription.service.js';

interface ResidentSession {
  residentId: string;
  csrfToken: string;
}

/**
 * The resident of the LIFF session cookie (opened by residents/resident-auth.routes.ts from a
 * verified LINE ID token), or null. RLS keeps other tenants' sessions invisible.
 */
async function residentSession(m: EntityManager, req: Request): Promise<ResidentSession | null> {
  const token = readCookie(req, 'rsid');
  if (!token) return null;
  const rows: Array<{ resident_id: string; csrf_token: string }> = await m.query(
    'select resident_id, csrf_token from resident_session where id = $1 and expires_at > now()',
    [tokenDigest(token)],
  );
  const s = rows[0];
  return s ? { residentId: s.resident_id, csrfToken: s.csrf_token } : null;
}

const openFromLine = () =>
  new HttpError(401, 'LINEからページを開き直してください', { type: 'urn:tsunagu:resident-login' });

/** Saves of a passcode-protected form a resident may try in 15 minutes. */
const PASSCODE_TRIES = 10;

async function residentTenant(slug: string): Promise<Tenant> {
  const t = await findTenantBySlug(slug);
  if (!t) throw new HttpError(404, '自治体が見つかりません');
  if (t.status === 'suspended')
    throw new HttpError(403, 'このサービスは現在ご利用いただけません', {
      type: 'urn:tsunagu:tenant-suspended',
    });
  // 受信設定 belongs to the segments module: a city without it has no such pages.
  if (!t.modules.includes('segments')) throw new HttpError(404, 'このページは現在ご利用いただけません');
  return t;
}

/** Runs a resident request in its tenant's transaction with the session checked (and CSRF on writes). */
function residentRoute(
  handler: (ctx: {
    req: Request;
    m: EntityManager;
    tenant: Tenant;
    session: ResidentSession;
  }) => Promise<unknown>,
) {
  return async (req: Request, res: Response) => {
    try {
      const tenant = await residentTenant(String(req.params.slug));
      const out = await withTenant(tenant.id, async (m) => {
        const session = await residentSession(m, req);
        if (!session) throw openFromLine();
        if (req.method !== 'GET' && !safeEqual(req.get('x-csrf-token') ?? '', session.csrfToken))
          throw new HttpError(403, '不正なリクエストです', {
            type: 'urn:tsunagu:csrf',
            detail: 'ページを開き直してから、もう一度お試しください。',
          });
        return handler({ req, m, tenant, session });
      });
      sendResult(res, out);
    } catch (err) {
      if (err instanceof HttpError) return sendProblem(res, err);
      throw err;
    }
  };
}

/** A form as the resident sees it, with what they registered. */
async function formView(
  m: EntityManager,
  forms: RegistrationForm[],
  residentId: string,
  values: Record<string, AttributeValue>,
) {
  const items = await formItems(
    m,
    forms.map((f) => f.id),
  );
  const registered: Array<{ form_id: string; registered_at: Date; updated_at: Date }> = await m.query(
    'select form_id, registered_at, updated_at from resident_registration where resident_id = $1',
    [residentId],
  );
  return forms.map((f) => {
    const r = registered.find((x) => x.form_id === f.id);
    return {
      code: f.code,
      name: f.name,
      introText: f.introText,
      askEmail: f.askEmail,
      requiresPasscode: f.hasPasscode,
      registration: r ? { registeredAt: r.registered_at, updatedAt: r.updated_at } : null,
      items: items.get(f.id)!.map((i) => itemForResident(i, values[i.code])),
    };
  });
}

async function openForm(m: EntityManager, code: string): Promise<RegistrationForm> {
  const form = /^[a-z][a-z0-9_-]{0,39}$/.test(code) ? await findFormByCode(m, code) : null;
  if (!form || form.status !== 'active') throw new HttpError(404, 'このフォームは現在ご利用いただけません');
  return form;
}

const saveBody = z.strictObject({
  values: z.record(z.string(), z.unknown()).default({}),
  email: z
    .union([z.email('メールアドレスの形式が正しくありません').max(254), z.literal(''), z.null()])
    .optional(),
  passcode: z.string().max(64).optional(),
});

/**
 * The resident's 受信設定 (SEG-3, SEG-5) on LIFF pages:
 * - GET  /api/t/:slug/registration            public forms (and unlisted ones the resident registered with) + current values
 * - GET  /api/t/:slug/registration/:formCode  one form, also an unlisted one opened by its link
 * - PUT  /api/t/:slug/registration/:formCode  saves that form: its items' answers are replaced atomically
 */
export function residentRegistrationRouter(): Router {
  const r = Router();
  const json = express.json({ limit: '64kb' });

  r.get(
    '/:slug/registration',
    residentRoute(async ({ m, session }) => {
      const values = await loadResidentValues(m, session.residentId);
      const mine: Array<{ form_id: string }> = await m.query(
        'select form_id from resident_registration where resident_id = $1',
        [session.residentId],
      );
      const forms = (await listForms(m, 'active')).filter(
        (f) => f.visibility === 'public' || mine.some((x) => x.form_id === f.id),
      );
      return {
        forms: await formView(m, forms, session.residentId, values),
        values,
        email: await loadResidentEmail(m, session.residentId),
        // DEL-10: 'pending' until the link in the confirmation mail was opened.
        emailStatus: await emailStatusOf(m, session.residentId),
      };
    }),
  );

  r.get(
    '/:slug/registration/:formCode',
    residentRoute(async ({ req, m, session }) => {
      const form = await openForm(m, String(req.params.formCode));
      const values = await loadResidentValues(m, session.residentId);
      const [view] = await formView(m, [form], session.residentId, values);
      return {
        form: view,
        values,
        email: form.askEmail ? await loadResidentEmail(m, session.residentId) : null,
        emailStatus: form.askEmail ? await emailStatusOf(m, session.residentId) : 'none',
      };
    }),
  );

  r.put(
    '/:slug/registration/:formCode',
    json,
    residentRoute(async ({ req, m, tenant, session }) => {
      const form = await openForm(m, String(req.params.formCode));
      const body = parseBody(saveBody, req.body);
      if (form.hasPasscode) {
        // A passcode is short and shared: guesses are limited per resident and form.
        if (!(await withinRateLimit(`reg-passcode:${form.id}:${session.residentId}`, PASSCODE_TRIES, 900)))
          throw new HttpError(
            429,
            '合言葉を何度も送信したため、しばらく受け付けません。15分ほど待ってからお試しください',
          );
        const hash = await formPasscodeHash(m, form.id);
        if (!body.passcode || !hash || !(await verifyPassword(hash, body.passcode)))
          throw new HttpError(403, '合言葉が違います', {
            errors: [{ path: 'passcode', message: '合言葉が違います' }],
          });
      }
      // One save per resident at a time: two phones saving at once must not interleave.
      await m.query('select 1 from resident where id = $1 for update', [session.residentId]);
      const items = (await formItems(m, [form.id])).get(form.id)!;
      const current = await loadResidentValues(m, session.residentId);
      const { entries, errors } = validateSubmission(items, body.values, {
        mode: 'replace',
        now: new Date(),
        current,
      });
      if (!form.askEmail && body.email)
        errors.push({ path: 'email', message: 'このフォームではメールアドレスを登録できません' });
      if (errors.length) throw new HttpError(422, '入力内容を確認してください', { errors });
      const changed = await writeResidentValues(m, tenant.id, session.residentId, entries, current);
      const emailChanged =
        form.askEmail && body.email !== undefined
          ? await saveResidentEmail(m, tenant.id, session.residentId, body.email || null)
          : false;
      await m.query(
        `insert into resident_registration (tenant_id, resident_id, form_id, updated_by)
         values ($1, $2, $3, 'resident')
         on conflict (tenant_id, resident_id, form_id) do update set updated_at = now(), updated_by = 'resident'`,
        [tenant.id, session.residentId, form.id],
      );
      await appendToChain(
        m,
        { name: 'audit_log', tenantId: tenant.id },
        {
          actorType: 'resident',
          actorId: session.residentId,
          action: 'resident.registration_saved',
          outcome: 'success',
          targetType: 'registration_form',
          targetId: form.id,
          // Item codes only: the answers are personal data.
          detail: { form: form.code, items: changed, emailChanged },
          ip: clientIp(req),
          userAgent: req.get('user-agent') ?? null,
        },
      );
      const values = await loadResidentValues(m, session.residentId);
      const [view] = await formView(m, [form], session.residentId, values);
      return {
        form: view,
        values,
        email: form.askEmail ? await loadResidentEmail(m, session.residentId) : null,
        emailStatus: form.askEmail ? await emailStatusOf(m, session.residentId) : 'none',
      };
    }),
  );

  return r;
}
