import { randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { config } from '../../platform/config/config.js';
import { validateMessage, type LineMessage } from '../../platform/line/messages.js';

/**
 * Click tracking of deliveries (DEL-8; docs/decisions/0005-click-tracking.md). When a run is
 * created, every http(s) link of its messages — URLs in text, uri actions of templates, quick
 * replies and Flex, imagemap links — is replaced by a short link on our public origin,
 * `<PUBLIC_ORIGIN>/t/<slug>/r/<click code>/<n>`, that names only the run (a random code) and the
 * link's number. The URLs are recorded in `delivery_link`; the redirect (click-tracking.routes.ts)
 * only ever sends a resident to the URL recorded for that run and number.
 *
 * The delivery keeps the URLs staff wrote; only the run's copy of the messages is rewritten, so a
 * copy of the delivery, the editor and its preview never see tracking links.
 */

/** LINE opens these itself (LIFF apps, line.me URL schemes, LINE's short links): never wrapped. */
const LINE_HOST = /^(?:(?:[a-z0-9-]+\.)*line\.me|lin\.ee)$/i;

/** What may appear in a URL in running text: RFC 3986 characters except `$` (LINE emoji placeholder). */
const TEXT_URL = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!&'()*+,;=%]+/g;

/**
 * A URL as LINE's autolinking sees it in text: punctuation that ends a sentence, and a closing
 * bracket without its opening one, are not part of it (「詳しくは https://example.jp/a.」).
 */
function trimUrl(candidate: string): string {
  let u = candidate;
  for (;;) {
    const last = u.at(-1);
    if (last && `.,:;!?'*`.includes(last)) u = u.slice(0, -1);
    else if (last === ')' && count(u, '(') < count(u, ')')) u = u.slice(0, -1);
    else if (last === ']' && count(u, '[') < count(u, ']')) u = u.slice(0, -1);
    else return u;
  }
}
const count = (s: string, c: string) => s.split(c).length - 1;

/** Is this a link we track: http(s), a real host, not one LINE opens itself, not ours already. */
export function isTrackable(url: string, trackingPrefix?: string): boolean {
  if (trackingPrefix && url.startsWith(trackingPrefix)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return u.hostname !== '' && !LINE_HOST.test(u.hostname);
}

/**
 * Replaces the URLs in a text message's text, moving its LINE emoji (`$` placeholders, indexed in
 * UTF-16 code units) by the length each replacement adds before them.
 */
function rewriteText(message: Record<string, unknown>, wrap: (url: string) => string | null): void {
  const text = message.text;
  if (typeof text !== 'string') return;
  const edits: Array<{ start: number; end: number; by: string }> = [];
  for (const m of text.matchAll(TEXT_URL)) {
    const url = trimUrl(m[0]);
    const by = wrap(url);
    if (by !== null) edits.push({ start: m.index, end: m.index + url.length, by });
  }
  if (!edits.length) return;
  let out = '';
  let from = 0;
  for (const e of edits) {
    out += text.slice(from, e.start) + e.by;
    from = e.end;
  }
  message.text = out + text.slice(from);
  const emojis = message.emojis;
  if (Array.isArray(emojis))
    for (const emoji of emojis as Array<{ index: number }>) {
      const shift = edits
        .filter((e) => e.end <= emoji.index)
        .reduce((sum, e) => sum + e.by.length - (e.end - e.start), 0);
      emoji.index += shift;
    }
}

/**
 * Replaces link targets anywhere in a message: `uri` actions (`uri`, `altUri.desktop`) wherever
 * they are (template buttons and default actions, image carousels, Flex components, quick
 * replies), imagemap `uri` actions (`linkUri`) and an imagemap video's `externalLink`.
 */
function rewriteActions(node: unknown, wrap: (url: string) => string | null): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteActions(item, wrap);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  const swap = (holder: Record<string, unknown>, key: string) => {
    const v = holder[key];
    if (typeof v !== 'string') return;
    const by = wrap(v);
    if (by !== null) holder[key] = by;
  };
  if (o.type === 'uri') {
    swap(o, 'uri');
    swap(o, 'linkUri');
    if (o.altUri && typeof o.altUri === 'object') swap(o.altUri as Record<string, unknown>, 'desktop');
  }
  if (o.externalLink && typeof o.externalLink === 'object')
    swap(o.externalLink as Record<string, unknown>, 'linkUri');
  for (const [key, value] of Object.entries(o))
    if (key !== 'altUri' && key !== 'externalLink' && value && typeof value === 'object')
      rewriteActions(value, wrap);
}

export interface RewriteResult {
  messages: LineMessage[];
  /** The tracked URLs; the link of `urls[i]` is number i + 1. */
  urls: string[];
}

/**
 * Rewrites every trackable link of the messages through `linkOf(n)` (the tracking URL of link
 * number n). One URL used several times is one link. A message that the longer links would make
 * unacceptable to LINE (a text near its 5,000 characters, a Flex bubble near its 30 KB) is kept
 * as written, untracked: a delivery is never refused because of its tracking.
 */
export function rewriteMessages(
  messages: LineMessage[],
  linkOf: (n: number) => string,
  trackingPrefix?: string,
): RewriteResult {
  const urls: string[] = [];
  const out: LineMessage[] = [];
  for (const original of messages) {
    const pending: string[] = [];
    let changed = false;
    const wrap = (url: string): string | null => {
      if (url.length > 2000 || !isTrackable(url, trackingPrefix)) return null;
      changed = true;
      let i = urls.indexOf(url);
      if (i < 0) {
        i = pending.indexOf(url);
        i = i < 0 ? urls.length + pending.push(url) - 1 : urls.length + i;
      }
      return linkOf(i + 1);
    };
    const copy = structuredClone(original) as unknown as Record<string, unknown>;
    if (copy.type === 'text') rewriteText(copy, wrap);
    rewriteActions(copy, wrap);
    if (!changed) out.push(original);
    else if (validateMessage(copy).ok) {
      urls.push(...pending);
      out.push(copy as unknown as LineMessage);
    } else {
      // Kept as written: its links stay untracked here (tracked where another message carries them).
      out.push(original);
    }
  }
  return { messages: out, urls };
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789';
/** A run's click code: 10 random characters (about 58 bits), so codes cannot be guessed or enumerated. */
export function newClickCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** The public path prefix of a tenant's tracking links. */
export function trackingPrefix(slug: string): string {
  return `${config().PUBLIC_ORIGIN.replace(/\/+$/, '')}/t/${slug}/r/`;
}

/**
 * Gives a new run its tracking links, in the transaction that created it (before any chunk can
 * be sent): rewrites the run's messages and records their URLs. Idempotent: a run that already
 * has a click code is left alone (createRun answers an existing run on a repeated firing).
 */
export async function trackRunLinks(m: EntityManager, tenantId: string, runId: string): Promise<number> {
  const rows: Array<{ messages: LineMessage[]; clickCode: string | null; slug: string }> = await m.query(
    `select r.messages, r.click_code as "clickCode", t.slug
       from delivery_run r join tenant t on t.id = r.tenant_id
      where r.id = $1 and r.status = 'snapshotting' for update of r`,
    [runId],
  );
  const run = rows[0];
  if (!run || run.clickCode) return 0;
  const code = newClickCode();
  const prefix = trackingPrefix(run.slug);
  const rewritten = rewriteMessages(run.messages, (n) => `${prefix}${code}/${n}`, prefix);
  if (!rewritten.urls.length) return 0;
  await m.query(`update delivery_run set messages = $2::jsonb, click_code = $3 where id = $1`, [
    runId,
    JSON.stringify(rewritten.messages),
    code,
  ]);
  await m.query(
    `insert into delivery_link (tenant_id, run_id, n, url)
     select $1, $2, u.n, u.url from unnest($3::text[]) with ordinality as u(url, n)`,
    [tenantId, runId, rewritten.urls],
  );
  return rewritten.urls.length;
}
