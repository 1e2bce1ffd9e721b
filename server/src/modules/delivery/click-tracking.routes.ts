import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { tokenDigest } from '../../platform/auth/tokens.js';
import { config } from '../../platform/config/config.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { readCookie } from '../../platform/http/cookies.js';
import { logger } from '../../platform/log/logger.js';
import { findTenantBySlug } from '../../platform/tenancy/tenants.js';
import type { Tenant } from '../../platform/tenancy/tenant.entity.js';
import { IdTokenError, verifyIdToken } from '../residents/id-token.js';

/**
 * The tracking links of deliveries (`/t/<slug>/r/<code>/<n>`; click-tracking.ts makes them,
 * docs/decisions/0005-click-tracking.md explains the choices). Served by the API itself, not by
 * resident-ui: the answer is a redirect or a page of a few hundred bytes, and it must work without
 * JavaScript.
 *
 * A multicast sends one identical message to 500 friends, so the link cannot say who clicked; the
 * clicker is identified here, and only as a recipient of that run:
 * 1. a resident session of the city (cookie of the LIFF pages): the click is recorded and the
 *    browser redirected at once (302);
 * 2. otherwise a tiny page: inside LINE, the city's LIFF app gives an ID token that the server
 *    verifies with LINE; outside LINE, when LIFF is not set up, or after a few seconds, the click
 *    is recorded as anonymous. Without JavaScript a meta refresh (and a link) does the anonymous
 *    click. The page replaces itself in the history, so "back" does not bounce.
 * Only the URL recorded for that run and number is ever redirected to (no open redirect). Link
 * previewers and crawlers are redirected without a record; prefetches and HEAD only see the page.
 * Each page view carries a signed one-time token, so a view is counted once whichever way it ends.
 */

const SLUG = /^[a-z][a-z0-9-]{1,30}$/;
const CODE = /^[A-Za-z0-9]{10}$/;
const N = /^[1-9][0-9]{0,3}$/;

/** Identification gives up after this long and the click counts as anonymous. */
const IDENTIFY_BUDGET_MS = 3000;
/** A page's view token is accepted this long (covers a LIFF login round trip). */
const VIEW_TOKEN_SECONDS = 15 * 60;
/** The same resident's repeated tap within this many seconds is one click. */
const DOUBLE_TAP_SECONDS = 10;

/**
 * Fetchers that are not a person following the link: link previews (LINE's included), crawlers,
 * command-line clients. They get the destination at once and are never counted.
 */
const BOT_UA =
  /\bbot\b|bot\/|slackbot|discordbot|telegrambot|whatsapp|crawler|spider|slurp|facebookexternalhit|line-poker|embedly|preview|curl\/|wget\/|python-requests|go-http-client|okhttp|java\/|httpclient|node-fetch|axios\//i;

export function isBot(req: Request): boolean {
  const ua = req.get('user-agent') ?? '';
  return ua.trim() === '' || BOT_UA.test(ua);
}

/** Speculative loads (browser prefetch, prerender, link-preview fetches that say so). */
function isPrefetch(req: Request): boolean {
  const purpose = `${req.get('sec-purpose') ?? ''} ${req.get('purpose') ?? ''} ${req.get('x-purpose') ?? ''} ${req.get('x-moz') ?? ''}`;
  return /prefetch|prerender|preview/i.test(purpose);
}

interface LinkRow {
  runId: string;
  n: number;
  url: string;
  channelKind: 'production' | 'test';
  liffId: string | null;
  loginChannelId: string | null;
}

async function findLink(
  slug: string,
  code: string,
  n: string,
): Promise<{ tenant: Tenant; link: LinkRow } | null> {
  if (!SLUG.test(slug) || !CODE.test(code) || !N.test(n)) return null;
  const tenant = await findTenantBySlug(slug);
  if (!tenant) return null;
  const rows: LinkRow[] = await withTenant(tenant.id, (m) =>
    m.query(
      `select r.id as "runId", l.n, l.url, r.channel_kind as "channelKind",
              c.liff_id as "liffId", c.login_channel_id as "loginChannelId"
         from delivery_run r
         join delivery_link l on l.tenant_id = r.tenant_id and l.run_id = r.id and l.n = $2
         left join line_channel c on c.tenant_id = r.tenant_id and c.kind = r.channel_kind
        where r.click_code = $1`,
      [code, Number(n)],
    ),
  );
  return rows[0] ? { tenant, link: rows[0] } : null;
}

// ----------------------------------------------------------------------------- view tokens

let viewKey: Buffer | undefined;
function key(): Buffer {
  viewKey ??= Buffer.from(
    hkdfSync('sha256', config().masterKey, '', 'tsunagu delivery click view token', 32),
  );
  return viewKey;
}
const mac = (payload: string) => createHmac('sha256', key()).update(payload).digest().subarray(0, 16);

/** A one-time token for one page view of one link: random, expiring, bound to tenant, run and link. */
export function newViewToken(tenantId: string, runId: string, n: number, now = Date.now()): string {
  const nonce = randomBytes(9).toString('base64url');
  const exp = Math.floor(now / 1000) + VIEW_TOKEN_SECONDS;
  return `${nonce}.${exp}.${mac(`${tenantId}|${runId}|${n}|${nonce}|${exp}`).toString('base64url')}`;
}

export function checkViewToken(token: unknown, tenantId: string, runId: string, n: number): boolean {
  if (typeof token !== 'string' || token.length > 100) return false;
  const [nonce, exp, sig] = token.split('.');
  if (!nonce || !exp || !sig || !/^\d{1,12}$/.test(exp)) return false;
  if (Number(exp) * 1000 < Date.now()) return false;
  const expected = mac(`${tenantId}|${runId}|${n}|${nonce}|${exp}`);
  const given = Buffer.from(sig, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// ---------------------------------------------------------------------------------- record

interface Clicker {
  residentId: string | null;
  via: 'session' | 'liff' | 'anonymous';
}

/**
 * Records one click. An identified resident's tap within a few seconds of their last one on the
 * same link is the same click; a page view (its token) is counted once whichever way it ends.
 */
async function recordClick(
  tenantId: string,
  link: LinkRow,
  who: Clicker,
  viewToken: string | null,
): Promise<void> {
  await withTenant(tenantId, (m) =>
    m.query(
      `insert into delivery_click (tenant_id, run_id, n, resident_id, via, view_token)
       select $1, $2, $3, $4, $5, $6
        where $4::uuid is null or not exists (
          select 1 from delivery_click c
           where c.tenant_id = $1 and c.run_id = $2 and c.n = $3 and c.resident_id = $4
             and c.clicked_at > now() - make_interval(secs => $7))
       on conflict (tenant_id, run_id, n, view_token) do nothing`,
      [tenantId, link.runId, link.n, who.residentId, who.via, viewToken, DOUBLE_TAP_SECONDS],
    ),
  );
}

/** The resident as a recipient LINE accepted this run's message for; null for anyone else. */
async function recipientOf(
  tenantId: string,
  link: LinkRow,
  find: { sessionDigest: string } | { lineUserId: string },
): Promise<string | null> {
  const rows: Array<{ id: string }> = await withTenant(tenantId, (m) =>
    'sessionDigest' in find
      ? m.query(
          `select s.resident_id as id from resident_session s
             join delivery_recipient dr on dr.tenant_id = s.tenant_id and dr.run_id = $2
                                        and dr.resident_id = s.resident_id and dr.status = 'sent'
            where s.id = $1 and s.expires_at > now()`,
          [find.sessionDigest, link.runId],
        )
      : m.query(
          `select res.id from resident res
             join delivery_recipient dr on dr.tenant_id = res.tenant_id and dr.run_id = $2
                                        and dr.resident_id = res.id and dr.status = 'sent'
            where res.channel_kind = $3 and res.line_user_id = $1`,
          [find.lineUserId, link.runId, link.channelKind],
        ),
  );
  return rows[0]?.id ?? null;
}

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
}

function redirect(res: Response, url: string): void {
  noStore(res);
  res.redirect(302, url);
}

// ------------------------------------------------------------------------------------ pages

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON inside a <script> element: nothing in it can close the element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

const STYLE = `body{margin:0;font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif;color:#1a1a1a;background:#fff;line-height:1.7}
main{max-width:32rem;margin:0 auto;padding:2rem 1.25rem}h1{font-size:1.25rem;margin:0 0 1rem}
a{color:#0b57d0;font-weight:bold}a:focus{outline:3px solid #0b57d0;outline-offset:2px}
.url{word-break:break-all;color:#444;font-size:.875rem}`;

// Runs in LINE's in-app browser and any phone browser: plain ES2017, no framework.
const SCRIPT = `(function () {
  var cfg = JSON.parse(document.getElementById('tsunagu-click').textContent);
  var done = false;
  function go(url) { if (done) return; done = true; location.replace(url); }
  var fallback = setTimeout(function () { go(cfg.go); }, cfg.budgetMs);
  function record(idToken) {
    clearTimeout(fallback);
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    var late = setTimeout(function () { if (ctl) ctl.abort(); go(cfg.go); }, cfg.budgetMs);
    fetch(cfg.click, {
      method: 'POST', credentials: 'same-origin', signal: ctl ? ctl.signal : undefined,
      headers: { 'content-type': 'application/json', 'x-requested-with': 'tsunagu' },
      body: JSON.stringify({ v: cfg.v, idToken: idToken || null })
    }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (b) { clearTimeout(late); go(b.location); })
      .catch(function () { clearTimeout(late); go(cfg.go); });
  }
  if (!cfg.liffId) return record(null);
  // LINE's in-app browser logs in to LINE without asking; elsewhere LIFF would show a login page.
  var inLine = /\\sLine\\//.test(navigator.userAgent);
  var triedKey = 'tsunagu-click-login:' + location.pathname, tried = false;
  try { tried = sessionStorage.getItem(triedKey) === '1'; sessionStorage.setItem(triedKey, '1'); } catch (e) {}
  var s = document.createElement('script');
  s.src = cfg.sdk;
  s.onerror = function () { record(null); };
  s.onload = function () {
    var liff = window.liff;
    if (!liff) return record(null);
    liff.init({ liffId: cfg.liffId, withLoginOnExternalBrowser: inLine && !tried }).then(function () {
      record(liff.isLoggedIn() ? liff.getIDToken() : null);
    }, function () { record(null); });
  };
  document.head.appendChild(s);
})();`;

function page(res: Response, status: number, title: string, body: string, head = ''): void {
  noStore(res);
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="ja"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width,initial-scale=1">` +
        `<meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)}</title>` +
        `<style>${STYLE}</style>${head}</head><body><main>${body}</main></body></html>`,
    );
}

function notFoundPage(res: Response): void {
  page(
    res,
    404,
    'リンクが見つかりません',
    `<h1>リンクが見つかりません</h1><p>このリンクは正しくないか、使えなくなっています。` +
      `お知らせのメッセージからもう一度開くか、お知らせを送った自治体にお問い合わせください。</p>`,
  );
}

// ----------------------------------------------------------------------------------- routes

type Params = { slug: string; code: string; n: string };

export function clickTrackingRouter(): Router {
  const r = Router();
  // Tracking links live on the public origin only, like the resident pages.
  r.use((req, _res, next) => next(req.hostKind?.kind === 'public' ? undefined : 'router'));

  /** The tracking link itself. */
  r.get('/:slug/r/:code/:n', async (req: Request<Params>, res) => {
    const found = await findLink(req.params.slug, req.params.code, req.params.n);
    if (!found) return notFoundPage(res);
    const { tenant, link } = found;
    if (tenant.status === 'suspended' || isBot(req)) return redirect(res, link.url);
    const base = `/t/${req.params.slug}/r/${req.params.code}/${link.n}`;
    const speculative = req.method !== 'GET' || isPrefetch(req);

    // A resident who has a session of this city (LIFF pages) and received the run: at once.
    const session = readCookie(req, 'rsid');
    if (session && !speculative) {
      const residentId = await recipientOf(tenant.id, link, { sessionDigest: tokenDigest(session) });
      if (residentId) {
        await recordClick(tenant.id, link, { residentId, via: 'session' }, null);
        return redirect(res, link.url);
      }
    }

    const v = newViewToken(tenant.id, link.runId, link.n);
    const go = `${base}/go?v=${encodeURIComponent(v)}`;
    const cfg = {
      v,
      go,
      click: `${base}/click`,
      liffId: link.liffId && link.loginChannelId ? link.liffId : null,
      sdk: config().LIFF_SDK_URL,
      budgetMs: IDENTIFY_BUDGET_MS,
    };
    page(
      res,
      200,
      'リンク先を開いています',
      `<h1>リンク先を開いています</h1>` +
        `<p>${escapeHtml(tenant.nameJa)}からのお知らせのリンクです。自動で切り替わらないときは、次のリンクを押してください。</p>` +
        `<p><a href="${escapeHtml(go)}" rel="nofollow">リンク先を開く</a></p>` +
        `<p class="url">移動先: ${escapeHtml(link.url)}</p>` +
        `<script type="application/json" id="tsunagu-click">${scriptJson(cfg)}</script>` +
        `<script>${SCRIPT}</script>`,
      `<noscript><meta http-equiv="refresh" content="0;url=${escapeHtml(go)}"></noscript>`,
    );
  });

  /** The page's fallback (no JavaScript, identification failed or too slow): anonymous. */
  r.get('/:slug/r/:code/:n/go', async (req: Request<Params>, res) => {
    const found = await findLink(req.params.slug, req.params.code, req.params.n);
    if (!found) return notFoundPage(res);
    const { tenant, link } = found;
    const v = typeof req.query.v === 'string' ? req.query.v : null;
    if (
      tenant.status !== 'suspended' &&
      !isBot(req) &&
      !isPrefetch(req) &&
      checkViewToken(v, tenant.id, link.runId, link.n)
    ) {
      await recordClick(tenant.id, link, { residentId: null, via: 'anonymous' }, v);
    }
    redirect(res, link.url);
  });

  /** The page's script: with LIFF's ID token when LINE gave one. Answers where to go. */
  r.post('/:slug/r/:code/:n/click', express.json({ limit: '8kb' }), async (req: Request<Params>, res) => {
    const found = await findLink(req.params.slug, req.params.code, req.params.n);
    if (!found) {
      noStore(res);
      return void res.status(404).type('application/problem+json').json({
        type: 'about:blank',
        title: 'リンクが見つかりません',
        status: 404,
      });
    }
    const { tenant, link } = found;
    const body = z
      .object({ v: z.string().max(100), idToken: z.string().min(10).max(4096).nullable().optional() })
      .safeParse(req.body);
    // A cross-site form cannot set this header; a page of ours always does.
    const ours = req.get('x-requested-with') === 'tsunagu';
    if (
      ours &&
      body.success &&
      tenant.status !== 'suspended' &&
      !isBot(req) &&
      checkViewToken(body.data.v, tenant.id, link.runId, link.n)
    ) {
      let who: Clicker = { residentId: null, via: 'anonymous' };
      if (body.data.idToken && link.loginChannelId) {
        try {
          const claims = await verifyIdToken(body.data.idToken, link.loginChannelId);
          const residentId = await recipientOf(tenant.id, link, { lineUserId: claims.sub });
          if (residentId) who = { residentId, via: 'liff' };
        } catch (e) {
          // An ID token LINE does not confirm only makes the click anonymous.
          if (!(e instanceof IdTokenError))
            logger.warn({ tenantId: tenant.id, err: (e as Error).message }, 'click: ID token not verified');
        }
      }
      await recordClick(tenant.id, link, who, body.data.v);
    }
    noStore(res);
    res.json({ location: link.url });
  });

  return r;
}
