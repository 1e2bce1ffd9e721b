import { createHmac } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { parse as parseCookies, serialize } from 'cookie';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  evaluateForm,
  isBlankAnswer,
  type CompiledForm,
  type FormAnswers,
  type FormState,
} from '../../contracts/index.js';
import { safeEqual, tokenDigest, newToken } from '../../platform/auth/tokens.js';
import { config } from '../../platform/config/config.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { readCookie } from '../../platform/http/cookies.js';
import { HttpError, sendProblem } from '../../platform/http/errors.js';
import { sendResult, StatusResult } from '../../platform/http/results.js';
import { parseBody } from '../../platform/http/validation.js';
import { withinRateLimit } from '../../platform/queue/redis.js';
import { findTenantBySlug } from '../../platform/tenancy/tenants.js';
import type { Tenant } from '../../platform/tenancy/tenant.entity.js';
import { rawBody, uploadName } from './form-access.js';
import {
  FORM_UPLOAD_MAX_BYTES,
  fileIdsIn,
  fileItem,
  prepareUpload,
  saveUpload,
  type FileOwner,
} from './form-files.js';
import { enqueueNotifications } from './form-jobs.js';
import { readAnswers, stateRefusal, submitResponse } from './form-submit.js';
import {
  currentVersion,
  formState,
  loadFormByCode,
  residentDefinition,
  settingsOf,
  type FormRow,
} from './forms.service.js';
import { japanPostLookup } from './postal-lookup.js';

/**
 * Resident pages' API of forms (FORM-3…6, FORM-9), under /api/t/:slug:
 * - GET    forms/:code            the form as the resident sees it (staff-only parts removed), its
 *                                 state, the resident's earlier responses and resumable draft
 * - PUT    forms/:code/draft      saves a draft {version, answers}
 * - DELETE forms/:code/draft      discards it
 * - POST   forms/:code/files      an upload for a file item: the raw bytes as the body,
 *                                 `X-File-Name` the file name percent-encoded (encodeURIComponent),
 *                                 `?item=<code>`; answers {id, name, size, type}
 * - POST   forms/:code/responses  a submission {version, answers}: 201 {receiptNumber, completionMessage}
 * - GET    postal/:digits         a postal code's addresses (Japan Post data), for the address autofill
 *
 * Who answers: the LIFF session (cookie `rsid`, opened from a verified LINE ID token), or, on a
 * form that does not require LINE login, a browser identified by a random cookie of its own
 * (drafts, uploads and "my responses" belong to it). Writes need the CSRF token: the session's,
 * or for a browser an HMAC of its cookie given out by GET. Rate limits per IP and per person.
 */

interface Who extends FileOwner {
  channelKind: string | null;
  csrf: string;
  /** A browser without LINE login (only on forms that allow it). */
  anonymous: boolean;
}

const VISITOR_COOKIE_DAYS = 30;
const visitorCookieName = () => (config().COOKIE_SECURE ? '__Host-tsunagu_fvid' : 'tsunagu_fvid');

function visitorCsrf(token: string): string {
  return createHmac('sha256', config().masterKey).update(`form-visitor-csrf:${token}`).digest('base64url');
}

/**
 * Requests per 10 minutes (postal: per minute). Per IP generously, since many phones share one
 * address behind a carrier's NAT; per person (resident or browser) tighter.
 */
const LIMITS = {
  views: { n: 1000, window: 600 },
  drafts: { n: 2000, window: 600 },
  uploads: { n: 500, window: 600 },
  submits: { n: 300, window: 600 },
  postal: { n: 300, window: 60 },
};
export const PERSON_LIMITS = {
  drafts: { n: 300, window: 600 },
  uploads: { n: 60, window: 600 },
  submits: { n: 20, window: 600 },
};

const tooMany = () =>
  new HttpError(429, '短い時間に何度も送信されたため、受け付けを一時停止しています', {
    detail: 'しばらく時間をおいてから、もう一度お試しください。',
    headers: { 'Retry-After': '600' },
  });

async function limit(kind: keyof typeof LIMITS, tenantId: string, ip: string): Promise<void> {
  const l = LIMITS[kind];
  if (!(await withinRateLimit(`form-${kind}:${tenantId}:${ip}`, l.n, l.window))) throw tooMany();
}

async function personLimit(kind: keyof typeof PERSON_LIMITS, tenantId: string, who: Who): Promise<void> {
  const l = PERSON_LIMITS[kind];
  const key = who.residentId ?? who.visitorHash!;
  if (!(await withinRateLimit(`form-${kind}-person:${tenantId}:${key}`, l.n, l.window))) throw tooMany();
}

async function formsTenant(slug: string): Promise<Tenant> {
  const t = await findTenantBySlug(slug);
  if (!t) throw new HttpError(404, '自治体が見つかりません');
  if (t.status === 'suspended')
    throw new HttpError(403, 'このサービスは現在ご利用いただけません', {
      type: 'urn:tsunagu:tenant-suspended',
    });
  if (!t.modules.includes('forms')) throw new HttpError(404, 'このページは現在ご利用いただけません');
  return t;
}

const unavailable = () => new HttpError(404, 'このフォームは現在ご利用いただけません');
const openFromLine = () =>
  new HttpError(401, 'LINEからページを開き直してください', { type: 'urn:tsunagu:resident-login' });

/** A published (or closed) form of the tenant by code; drafts never reach residents. */
async function openForm(m: EntityManager, code: string): Promise<FormRow> {
  const form = await loadFormByCode(m, code);
  if (!form || form.status === 'draft' || !form.publishedVersion) throw unavailable();
  return form;
}

interface Ctx {
  req: Request;
  res: Response;
  m: EntityManager;
  tenant: Tenant;
  form: FormRow;
  who: Who;
  ip: string;
}

/**
 * The person answering `form`: the LIFF session, else (if the form allows it) the browser's own
 * cookie, created on a GET. Writes check CSRF.
 */
async function whoAnswers(m: EntityManager, req: Request, res: Response, form: FormRow): Promise<Who> {
  const token = readCookie(req, 'rsid');
  if (token) {
    const rows: Array<{ resident_id: string; csrf_token: string; channel_kind: string }> = await m.query(
      `select s.resident_id, s.csrf_token, r.channel_kind from resident_session s join resident r on r.id = s.resident_id
        where s.id = $1 and s.expires_at > now()`,
      [tokenDigest(token)],
    );
    const s = rows[0];
    if (s)
      return {
        residentId: s.resident_id,
        visitorHash: null,
        staffId: null,
        channelKind: s.channel_kind,
        csrf: s.csrf_token,
        anonymous: false,
      };
  }
  if (settingsOf(form).requireLineLogin) throw openFromLine();
  let visitor = parseCookies(req.headers.cookie ?? '')[visitorCookieName()];
  if (!visitor || !/^[A-Za-z0-9_-]{43}$/.test(visitor)) {
    if (req.method !== 'GET')
      throw new HttpError(403, 'ページを開き直してから、もう一度お試しください', {
        type: 'urn:tsunagu:csrf',
      });
    visitor = newToken();
    res.append(
      'Set-Cookie',
      serialize(visitorCookieName(), visitor, {
        httpOnly: true,
        secure: config().COOKIE_SECURE,
        sameSite: 'lax',
        path: '/',
        maxAge: VISITOR_COOKIE_DAYS * 24 * 3600,
      }),
    );
  }
  return {
    residentId: null,
    visitorHash: tokenDigest(visitor),
    staffId: null,
    channelKind: null,
    csrf: visitorCsrf(visitor),
    anonymous: true,
  };
}

/** A handler's result with work to do once its transaction committed. */
class AfterCommit {
  constructor(
    readonly result: unknown,
    readonly after: () => Promise<void>,
  ) {}
}

/** Runs a request on one form in its tenant's transaction; an AfterCommit's work runs once it committed. */
function formRoute(kind: keyof typeof LIMITS, handler: (ctx: Ctx) => Promise<unknown>) {
  return async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const tenant = await formsTenant(String(req.params.slug));
      const ip = clientIp(req);
      await limit(kind, tenant.id, ip);
      let after: (() => Promise<void>) | undefined;
      const out = await withTenant(tenant.id, async (m) => {
        const form = await openForm(m, String(req.params.code));
        const who = await whoAnswers(m, req, res, form);
        if (req.method !== 'GET' && !safeEqual(req.get('x-csrf-token') ?? '', who.csrf))
          throw new HttpError(403, '不正なリクエストです', {
            type: 'urn:tsunagu:csrf',
            detail: 'ページを開き直してから、もう一度お試しください。',
          });
        const r = await handler({ req, res, m, tenant, form, who, ip });
        if (!(r instanceof AfterCommit)) return r;
        after = r.after;
        return r.result;
      });
      if (after) await after();
      sendResult(res, out);
    } catch (err) {
      if (err instanceof HttpError) return sendProblem(res, err);
      throw err;
    }
  };
}

async function myResponses(m: EntityManager, form: FormRow, who: Who) {
  const column = who.residentId ? 'resident_id' : 'visitor_hash';
  const rows: Array<{
    id: string;
    receipt_number: string;
    submitted_at: Date;
    updated_at: Date;
    version: number;
    answers: FormAnswers;
    personal_enc: string | null;
  }> = await m.query(
    `select id, receipt_number, submitted_at, updated_at, version, answers, personal_enc from form_response
      where form_id = $1 and ${column} = $2 order by submitted_at`,
    [form.id, who.residentId ?? who.visitorHash],
  );
  return rows;
}

interface DraftRow {
  version: number;
  answers_enc: string;
  saved_at: Date;
}

const DRAFT_PURPOSE = (formId: string) => `form_draft.answers:${formId}`;

async function loadDraft(m: EntityManager, form: FormRow, who: Who): Promise<DraftRow | null> {
  const rows: DraftRow[] = await m.query(
    `select version, answers_enc, saved_at from form_draft where form_id = $1 and ${who.residentId ? 'resident_id' : 'visitor_hash'} = $2`,
    [form.id, who.residentId ?? who.visitorHash],
  );
  return rows[0] ?? null;
}

/**
 * What a draft keeps of what the page sent: everything the resident typed (even what does not
 * pass yet), minus answers the engine drops (hidden and staff-only items) and keys the version
 * does not know; file answers only with uploads this person made to this form.
 */
async function draftAnswers(
  m: EntityManager,
  compiled: CompiledForm,
  form: FormRow,
  who: Who,
  raw: Record<string, unknown>,
): Promise<{ answers: Record<string, unknown>; fileIds: string[] }> {
  const evaluation = evaluateForm(compiled, raw, {
    audience: 'resident',
    now: new Date(),
    hiddenAnswers: 'drop',
  });
  const dropped = new Set(evaluation.dropped);
  const keep: Record<string, unknown> = {};
  for (const [code, value] of Object.entries(raw)) {
    if (dropped.has(code) || isBlankAnswer(value)) continue;
    const section = compiled.sections.get(code);
    if (section?.section.repeat) {
      if (!Array.isArray(value)) continue;
      keep[code] = value.slice(0, section.section.repeat.max).map((entry, i) => {
        const e: Record<string, unknown> = {};
        if (entry && typeof entry === 'object' && !Array.isArray(entry))
          for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
            const ci = compiled.items.get(k);
            if (ci && ci.section === section && ci.input && !dropped.has(`${code}.${i}.${k}`)) e[k] = v;
          }
        return e;
      });
      continue;
    }
    const ci = compiled.items.get(code);
    if (ci && ci.input && !ci.section.section.repeat) keep[code] = value;
  }
  const ids = [...new Set(fileIdsIn(keep))];
  const mine: Array<{ id: string }> = ids.length
    ? await m.query(
        `select id from form_file where id = any($1::uuid[]) and form_id = $2 and response_id is null
           and ${who.residentId ? 'resident_id' : 'visitor_hash'} = $3`,
        [ids, form.id, who.residentId ?? who.visitorHash],
      )
    : [];
  const owned = new Set(mine.map((r) => r.id));
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const files = v.filter(
        (f) =>
          !(
            f &&
            typeof f === 'object' &&
            'id' in f &&
            'size' in f &&
            !owned.has(String((f as { id: unknown }).id))
          ),
      );
      return files.map(strip);
    }
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  return { answers: strip(keep) as Record<string, unknown>, fileIds: [...owned] };
}

const draftBody = z.strictObject({
  version: z.number({ error: 'フォームの版がありません。ページを開き直してください' }).int().min(1),
  answers: z.record(z.string(), z.unknown(), { error: '回答の形式が正しくありません' }),
});

const versionConflict = (version: number) =>
  new HttpError(409, 'フォームの内容が更新されました', {
    type: 'urn:tsunagu:form-version',
    detail: 'ページを読み込み直すと、入力済みの内容を引き継いで新しい内容で回答できます。',
    errors: [
      {
        path: 'version',
        message: 'このフォームは内容が更新されました。画面を読み込み直して、もう一度入力してください',
      },
    ],
    extra: { reason: 'version', version },
  });

export function residentFormsRouter(): Router {
  const r = Router();
  const json = express.json({ limit: '512kb' });

  r.get(
    '/:slug/forms/:code',
    formRoute('views', async ({ m, form, who }) => {
      const settings = settingsOf(form);
      const compiled = await currentVersion(m, form);
      const mine = await myResponses(m, form, who);
      const now = new Date();
      const state: FormState = formState(form, settings, now, mine.length);
      let draft: { version: number; answers: unknown; savedAt: Date } | null = null;
      const saved = state === 'open' ? await loadDraft(m, form, who) : null;
      if (saved)
        draft = {
          version: saved.version,
          answers: JSON.parse(await decryptField(saved.answers_enc, DRAFT_PURPOSE(form.id))),
          savedAt: saved.saved_at,
        };
      else if (state === 'open' && settings.answersPerResident === 'one' && mine[0]) {
        // A resident changing their answer starts from what they sent.
        draft = {
          version: mine[0].version,
          answers: await readAnswers(mine[0]),
          savedAt: mine[0].updated_at,
        };
      }
      return {
        form: {
          code: form.code,
          title: form.title,
          description: form.description,
          version: compiled.version,
          definition: residentDefinition(compiled.definition),
        },
        state,
        opensAt: settings.opensAt,
        closesAt: settings.closesAt,
        answersPerResident: settings.answersPerResident,
        editableAfterSubmit: settings.editableAfterSubmit,
        requireLineLogin: settings.requireLineLogin,
        myResponses: mine.map((x) => ({
          receiptNumber: x.receipt_number,
          submittedAt: x.submitted_at,
          version: x.version,
        })),
        draft,
        ...(who.anonymous ? { csrfToken: who.csrf } : {}),
      };
    }),
  );

  r.put(
    '/:slug/forms/:code/draft',
    json,
    formRoute('drafts', async ({ req, m, tenant, form, who }) => {
      await personLimit('drafts', tenant.id, who);
      const body = parseBody(draftBody, req.body);
      const settings = settingsOf(form);
      const mine = await myResponses(m, form, who);
      const state = formState(form, settings, new Date(), mine.length);
      if (state !== 'open') throw stateRefusal(state);
      const compiled = await currentVersion(m, form);
      if (body.version !== compiled.version) throw versionConflict(compiled.version);
      const { answers, fileIds } = await draftAnswers(m, compiled, form, who, body.answers);
      const sealed = await encryptField(JSON.stringify(answers), DRAFT_PURPOSE(form.id));
      const owner = who.residentId ? 'resident_id' : 'visitor_hash';
      const rows: Array<{ saved_at: Date }> = await m.query(
        `insert into form_draft (tenant_id, form_id, ${owner}, version, answers_enc, file_ids)
         values ($1, $2, $3, $4, $5, $6::uuid[])
         on conflict (tenant_id, form_id, ${owner}) where ${owner} is not null
         do update set version = excluded.version, answers_enc = excluded.answers_enc,
                       file_ids = excluded.file_ids, saved_at = now()
         returning saved_at`,
        [tenant.id, form.id, who.residentId ?? who.visitorHash, compiled.version, sealed, fileIds],
      );
      return { savedAt: rows[0]!.saved_at };
    }),
  );

  r.delete(
    '/:slug/forms/:code/draft',
    formRoute('drafts', async ({ m, form, who }) => {
      await m.query(
        `delete from form_draft where form_id = $1 and ${who.residentId ? 'resident_id' : 'visitor_hash'} = $2`,
        [form.id, who.residentId ?? who.visitorHash],
      );
      return undefined;
    }),
  );

  r.post(
    '/:slug/forms/:code/files',
    rawBody(FORM_UPLOAD_MAX_BYTES, `ファイルは${FORM_UPLOAD_MAX_BYTES / 1024 / 1024}MB以下にしてください`),
    formRoute('uploads', async ({ req, m, tenant, form, who }) => {
      await personLimit('uploads', tenant.id, who);
      const settings = settingsOf(form);
      const mine = await myResponses(m, form, who);
      const state = formState(form, settings, new Date(), mine.length);
      if (state !== 'open') throw stateRefusal(state);
      const item = typeof req.query.item === 'string' ? req.query.item : '';
      const compiled = await currentVersion(m, form);
      const ci = compiled.items.get(item);
      const fi = fileItem(ci);
      if (!fi || ci!.staffOnly)
        throw new HttpError(422, 'ファイルを添付する項目が見つかりません', {
          detail: 'ページを読み込み直してから、もう一度お試しください。',
        });
      const data = Buffer.isBuffer(req.body) ? (req.body as Buffer) : Buffer.alloc(0);
      const prepared = await prepareUpload(fi, data, uploadName(req));
      const ref = await saveUpload(m, tenant.id, form.id, item, who, prepared);
      return new StatusResult(201, ref);
    }),
  );

  r.post(
    '/:slug/forms/:code/responses',
    json,
    formRoute('submits', async ({ req, m, tenant, form, who, ip }) => {
      await personLimit('submits', tenant.id, who);
      const result = await submitResponse(m, tenant.id, form.id, req.body, {
        residentId: who.residentId,
        visitorHash: who.visitorHash,
        staffId: null,
        source: who.anonymous ? 'web' : 'line',
        actor: {
          type: who.anonymous ? 'anonymous' : 'resident',
          id: who.residentId,
          label: null,
          ip,
          userAgent: req.get('user-agent') ?? null,
        },
      });
      return new AfterCommit(
        new StatusResult(result.updated ? 200 : 201, {
          receiptNumber: result.receiptNumber,
          completionMessage: result.settings.completionMessage,
          updated: result.updated,
        }),
        // The outbox rows are committed now: the talk message and the department's mail go at once.
        () => enqueueNotifications(tenant.id, result.notifications),
      );
    }),
  );

  /** Addresses of a postal code (decision 0010: the browser never downloads the dataset). */
  r.get('/:slug/postal/:digits', async (req: Request, res: Response) => {
    try {
      const tenant = await formsTenant(String(req.params.slug));
      await limit('postal', tenant.id, clientIp(req));
      const digits = String(req.params.digits).replace(/-/g, '');
      if (!/^\d{7}$/.test(digits)) throw new HttpError(400, '郵便番号は7桁の数字で指定してください');
      const addresses = japanPostLookup(digits).map((a) => ({
        prefecture: a.prefecture,
        city: a.city,
        town: a.town,
      }));
      if (!addresses.length) throw new HttpError(404, 'この郵便番号は見つかりません');
      // The data changes only with the package: browsers may keep an answer for a day.
      res.setHeader('Cache-Control', 'public, max-age=86400');
      res.json({ addresses });
    } catch (err) {
      if (err instanceof HttpError) return sendProblem(res, err);
      throw err;
    }
  });

  return r;
}
