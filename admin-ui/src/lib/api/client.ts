import { ApiError, PASSWORD_CHANGE_REQUIRED, TOTP_SETUP_REQUIRED, toApiError } from './problem';
import { withQuery, type QueryValue } from './query';

/**
 * The one way the console talks to /api: same-origin cookies, the CSRF header on state changes,
 * problem+json errors turned into ApiError, and global reactions to a lost session.
 */

export interface ApiHooks {
  /** A call (other than login/session) got 401: the session ended. */
  onUnauthenticated?: () => void;
  /** The account must change its password before anything else. */
  onPasswordChangeRequired?: () => void;
  /** The tenant requires TOTP and the account must set it up before anything else. */
  onTotpSetupRequired?: () => void;
  /** Fetches a fresh CSRF token (GET session) after a CSRF refusal; the call is retried once. */
  refreshCsrf?: () => Promise<void>;
}

let csrfToken = '';
let hooks: ApiHooks = {};
let fetchImpl: typeof fetch | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token ?? '';
}

export function getCsrfToken(): string {
  return csrfToken || readCsrfCookie();
}

export function setApiHooks(h: ApiHooks): void {
  hooks = h;
}

/** For tests. */
export function setFetch(f: typeof fetch | undefined): void {
  fetchImpl = f;
}

function readCsrfCookie(): string {
  if (typeof document === 'undefined') return '';
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'tsunagu_csrf' || k === '__Host-tsunagu_csrf') return decodeURIComponent(v.join('='));
  }
  return '';
}

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** JSON body. */
  body?: unknown;
  /** Raw body (e.g. a CSV file) with its content type. */
  raw?: { data: BodyInit; contentType: string };
  /** Do not trigger the global session hooks (login and session calls). */
  quiet?: boolean;
  /** Extra request headers (e.g. `X-File-Name` of a raw upload). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return send<T>(method, path, opts, false);
}

async function send<T>(method: string, path: string, opts: RequestOptions, retried: boolean): Promise<T> {
  const headers: Record<string, string> = {
    ...opts.headers,
    Accept: 'application/json, application/problem+json',
  };
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['Content-Type'] = opts.raw.contentType;
    body = opts.raw.data;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (UNSAFE.has(method)) headers['X-CSRF-Token'] = getCsrfToken();

  const f = fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await f(withQuery(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw toApiError(0, null);
  }

  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  const problem: unknown = await res.json().catch(() => null);
  const err = toApiError(res.status, problem);

  if (err.isCsrf && !retried && hooks.refreshCsrf) {
    await hooks.refreshCsrf();
    return send<T>(method, path, opts, true);
  }
  if (!opts.quiet) {
    if (err.status === 401) hooks.onUnauthenticated?.();
    else if (err.status === 403 && err.type === PASSWORD_CHANGE_REQUIRED) hooks.onPasswordChangeRequired?.();
    else if (err.status === 403 && err.type === TOTP_SETUP_REQUIRED) hooks.onTotpSetupRequired?.();
  }
  throw err;
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>, opts: Omit<RequestOptions, 'query'> = {}) =>
    request<T>('GET', path, { ...opts, query }),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) =>
    request<T>('POST', path, { ...opts, body: body ?? {} }),
  put: <T>(path: string, body?: unknown, opts: RequestOptions = {}) =>
    request<T>('PUT', path, { ...opts, body }),
  patch: <T>(path: string, body?: unknown, opts: RequestOptions = {}) =>
    request<T>('PATCH', path, { ...opts, body }),
  delete: <T = void>(path: string, opts: RequestOptions = {}) => request<T>('DELETE', path, opts),
};

export { ApiError };
