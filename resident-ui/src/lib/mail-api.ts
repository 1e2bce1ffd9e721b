/**
 * Subscriptions by e-mail (DEL-10), for people who do not use LINE: the public pages' API calls
 * (server/src/modules/mail-subscription/subscription.routes.ts). No LIFF session and no cookie:
 * a confirmation or manage link's token, taken from the URL's fragment, is the only credential.
 * - GET  /api/t/:slug/mail-subscription              the sign-up form
 * - POST /api/t/:slug/mail-subscription              sign up (202, the same answer for any address)
 * - POST /api/t/:slug/mail-subscription/confirm      open a confirmation link
 * - GET  /api/t/:slug/mail-subscription/manage       a subscription (X-Mail-Token)
 * - PUT  /api/t/:slug/mail-subscription/manage       a subscriber's settings
 * - POST /api/t/:slug/mail-subscription/unsubscribe  stop the mails
 */
import { parseProblem, type Problem } from './resident-api.ts';
import { parseItem, parseValues, type AttributeValue, type FormItem } from './registration.ts';

export type MailOutcome<T> =
  | { kind: 'ok'; data: T }
  /** The server refused, with a Japanese title (and detail, field errors) to show. */
  | { kind: 'problem'; problem: Problem }
  /** Network failure or a server error: nothing to do but try again. */
  | { kind: 'unavailable' };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function call<T>(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  parse: (body: unknown) => T | null,
): Promise<MailOutcome<T>> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      credentials: 'omit',
      ...init,
      headers: { accept: 'application/json, application/problem+json', ...init.headers },
    });
  } catch {
    return { kind: 'unavailable' };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.ok) {
    const data = parse(body);
    return data === null ? { kind: 'unavailable' } : { kind: 'ok', data };
  }
  if (res.status >= 500) return { kind: 'unavailable' };
  return { kind: 'problem', problem: parseProblem(res.status, body) };
}

/** The token of a confirmation or manage link: `#token=…` (never sent to a server by the browser). */
export function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && /^[A-Za-z0-9_.-]{20,200}$/.test(token) ? token : null;
}

const manageKey = (slug: string) => `tsunagu.mail-manage.${slug}`;

/**
 * The manage token of this tab (sessionStorage: gone when the tab closes), so the confirmation
 * page can link to the manage page without putting the token in a URL, and a reload keeps working.
 */
export function rememberManageToken(slug: string, token: string): void {
  try {
    sessionStorage.setItem(manageKey(slug), token);
  } catch {
    // Storage blocked (private mode): the mail's own link still works.
  }
}

export function rememberedManageToken(slug: string): string | null {
  try {
    const token = sessionStorage.getItem(manageKey(slug));
    return token && /^[A-Za-z0-9_.-]{20,200}$/.test(token) ? token : null;
  } catch {
    return null;
  }
}

export interface SignupForm {
  city: string;
  form: { code: string; name: string; introText: string; items: FormItem[] };
}

function parseFormPart(v: unknown): SignupForm['form'] | null {
  if (!isRecord(v) || typeof v.code !== 'string' || typeof v.name !== 'string') return null;
  return {
    code: v.code,
    name: v.name,
    introText: typeof v.introText === 'string' ? v.introText : '',
    items: Array.isArray(v.items) ? v.items.flatMap((i) => parseItem(i) ?? []) : [],
  };
}

export function fetchSignupForm(
  slug: string,
  fetchFn: typeof fetch = fetch,
): Promise<MailOutcome<SignupForm>> {
  return call(fetchFn, `/api/t/${slug}/mail-subscription`, {}, (b) => {
    if (!isRecord(b) || typeof b.city !== 'string') return null;
    const form = parseFormPart(b.form);
    return form ? { city: b.city, form } : null;
  });
}

export interface SignupBody {
  email: string;
  values: Record<string, AttributeValue | null>;
  agree: boolean;
}

/** What the server says after a sign-up (the same whether or not the address was known). */
export interface Accepted {
  title: string;
  detail: string;
}

const json = (method: string, body: unknown, token?: string): RequestInit => ({
  method,
  headers: {
    'content-type': 'application/json',
    ...(token ? { 'x-mail-token': token } : {}),
  },
  body: JSON.stringify(body),
});

export function signUp(
  slug: string,
  body: SignupBody,
  fetchFn: typeof fetch = fetch,
): Promise<MailOutcome<Accepted>> {
  return call(fetchFn, `/api/t/${slug}/mail-subscription`, json('POST', body), (b) =>
    isRecord(b) && typeof b.title === 'string'
      ? { title: b.title, detail: typeof b.detail === 'string' ? b.detail : '' }
      : null,
  );
}

export interface Confirmed {
  result: 'subscribed' | 'updated' | 'address_confirmed';
  recipient: 'subscriber' | 'line';
  manageToken: string;
}

export function confirmLink(
  slug: string,
  token: string,
  fetchFn: typeof fetch = fetch,
): Promise<MailOutcome<Confirmed>> {
  return call(fetchFn, `/api/t/${slug}/mail-subscription/confirm`, json('POST', { token }), (b) =>
    isRecord(b) &&
    (b.result === 'subscribed' || b.result === 'updated' || b.result === 'address_confirmed') &&
    (b.recipient === 'subscriber' || b.recipient === 'line') &&
    typeof b.manageToken === 'string'
      ? { result: b.result, recipient: b.recipient, manageToken: b.manageToken }
      : null,
  );
}

export interface Subscription {
  city: string;
  recipient: 'subscriber' | 'line';
  /** active: mails are sent; pending: the address is not confirmed yet; unsubscribed: stopped. */
  status: 'active' | 'pending' | 'unsubscribed';
  email: string;
  form: SignupForm['form'] | null;
  values: Record<string, AttributeValue>;
}

function parseSubscription(b: unknown): Subscription | null {
  if (!isRecord(b) || typeof b.city !== 'string' || typeof b.email !== 'string') return null;
  if (b.recipient !== 'subscriber' && b.recipient !== 'line') return null;
  if (b.status !== 'active' && b.status !== 'pending' && b.status !== 'unsubscribed') return null;
  return {
    city: b.city,
    recipient: b.recipient,
    status: b.status,
    email: b.email,
    form: parseFormPart(b.form),
    values: parseValues(b.values),
  };
}

export function fetchSubscription(
  slug: string,
  token: string,
  fetchFn: typeof fetch = fetch,
): Promise<MailOutcome<Subscription>> {
  return call(
    fetchFn,
    `/api/t/${slug}/mail-subscription/manage`,
    { headers: { 'x-mail-token': token } },
    parseSubscription,
  );
}

export function saveSubscription(
  slug: string,
  token: string,
  values: Record<string, AttributeValue | null>,
  fetchFn: typeof fetch = fetch,
): Promise<MailOutcome<Subscription>> {
  return call(
    fetchFn,
    `/api/t/${slug}/mail-subscription/manage`,
    json('PUT', { values }, token),
    parseSubscription,
  );
}

export function unsubscribe(
  slug: string,
  token: string,
  fetchFn: typeof fetch = fetch,
): Promise<MailOutcome<Subscription>> {
  return call(
    fetchFn,
    `/api/t/${slug}/mail-subscription/unsubscribe`,
    json('POST', {}, token),
    parseSubscription,
  );
}
