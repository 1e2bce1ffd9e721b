/**
 * The resident's own API calls (same origin, the LIFF session cookie `rsid`):
 * - GET /api/t/:slug/me                       who is signed in, and the CSRF token for writes
 * - GET /api/t/:slug/registration             the forms, the resident's answers and e-mail
 * - GET /api/t/:slug/registration/:formCode   one form (also an unlisted one opened by its link)
 * - PUT /api/t/:slug/registration/:formCode   saves it (422 with errors[] per item)
 */
import type { ResidentState } from './liff.ts';
import { parseForm, parseValues, type AttributeValue, type RegistrationForm } from './registration.ts';

/** Same rule as the server's form codes. */
export function isFormCode(code: string): boolean {
  return /^[a-z][a-z0-9_-]{0,39}$/.test(code);
}

export const RESIDENT_LOGIN_TYPE = 'urn:tsunagu:resident-login';
export const CSRF_TYPE = 'urn:tsunagu:csrf';

export interface Problem {
  status: number;
  type: string;
  title: string;
  detail: string | null;
  errors: Array<{ path: string; message: string }>;
}

export type Outcome<T> =
  | { kind: 'ok'; data: T }
  /** No resident session (opened outside LINE, or it expired). */
  | { kind: 'signed-out' }
  | { kind: 'not-found'; problem: Problem }
  /** Refused as it is (validation 422, wrong passcode 403, CSRF 403). */
  | { kind: 'refused'; problem: Problem }
  /** Network failure or a server error: nothing to do but try again. */
  | { kind: 'unavailable'; status: number | null };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseProblem(status: number, body: unknown): Problem {
  const b = isRecord(body) ? body : {};
  return {
    status,
    type: typeof b.type === 'string' ? b.type : 'about:blank',
    title: typeof b.title === 'string' ? b.title : '',
    detail: typeof b.detail === 'string' ? b.detail : null,
    errors: Array.isArray(b.errors)
      ? b.errors.flatMap((e) =>
          isRecord(e) && typeof e.path === 'string' && typeof e.message === 'string'
            ? [{ path: e.path, message: e.message }]
            : [],
        )
      : [],
  };
}

async function call<T>(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  parse: (body: unknown) => T | null,
): Promise<Outcome<T>> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      credentials: 'same-origin',
      ...init,
      headers: { accept: 'application/json, application/problem+json', ...init.headers },
    });
  } catch {
    return { kind: 'unavailable', status: null };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.ok) {
    const data = parse(body);
    return data === null ? { kind: 'unavailable', status: res.status } : { kind: 'ok', data };
  }
  const problem = parseProblem(res.status, body);
  if (res.status === 401) return { kind: 'signed-out' };
  if (res.status === 404) return { kind: 'not-found', problem };
  if (res.status === 403 || res.status === 409 || res.status === 413 || res.status === 422)
    return { kind: 'refused', problem };
  return { kind: 'unavailable', status: res.status };
}

export interface Session {
  displayName: string | null;
  csrfToken: string;
}

export function fetchSession(slug: string, fetchFn: typeof fetch = fetch): Promise<Outcome<Session>> {
  return call(fetchFn, `/api/t/${slug}/me`, {}, (b) =>
    isRecord(b) && typeof b.csrfToken === 'string'
      ? {
          displayName:
            isRecord(b.resident) && typeof b.resident.displayName === 'string'
              ? b.resident.displayName
              : null,
          csrfToken: b.csrfToken,
        }
      : null,
  );
}

export interface RegistrationList {
  forms: RegistrationForm[];
  values: Record<string, AttributeValue>;
  email: string | null;
}

export interface RegistrationDetail {
  form: RegistrationForm;
  values: Record<string, AttributeValue>;
  email: string | null;
  /** DEL-10: a saved address receives mails once its owner opened the confirmation mail's link. */
  emailStatus: 'none' | 'pending' | 'confirmed';
}

function parseDetail(b: unknown): RegistrationDetail | null {
  if (!isRecord(b)) return null;
  const form = parseForm(b.form);
  return form
    ? {
        form,
        values: parseValues(b.values),
        email: typeof b.email === 'string' ? b.email : null,
        emailStatus: b.emailStatus === 'pending' || b.emailStatus === 'confirmed' ? b.emailStatus : 'none',
      }
    : null;
}

export function fetchRegistrations(
  slug: string,
  fetchFn: typeof fetch = fetch,
): Promise<Outcome<RegistrationList>> {
  return call(fetchFn, `/api/t/${slug}/registration`, {}, (b) =>
    isRecord(b) && Array.isArray(b.forms)
      ? {
          forms: b.forms.flatMap((f) => parseForm(f) ?? []),
          values: parseValues(b.values),
          email: typeof b.email === 'string' ? b.email : null,
        }
      : null,
  );
}

export function fetchRegistrationForm(
  slug: string,
  formCode: string,
  fetchFn: typeof fetch = fetch,
): Promise<Outcome<RegistrationDetail>> {
  return call(fetchFn, `/api/t/${slug}/registration/${encodeURIComponent(formCode)}`, {}, parseDetail);
}

export interface SaveBody {
  values: Record<string, AttributeValue | null>;
  /** Only for a form that asks for it; '' removes the address. */
  email?: string;
  passcode?: string;
}

export function saveRegistrationForm(
  slug: string,
  formCode: string,
  body: SaveBody,
  csrfToken: string,
  fetchFn: typeof fetch = fetch,
): Promise<Outcome<RegistrationDetail>> {
  return call(
    fetchFn,
    `/api/t/${slug}/registration/${encodeURIComponent(formCode)}`,
    {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    },
    parseDetail,
  );
}

/**
 * The CSRF token for the resident's writes: from the LIFF sign-in that just happened, or from a
 * session opened earlier (the page was reloaded, or opened again while the cookie lives).
 */
export async function residentCsrf(
  state: ResidentState,
  slug: string,
  fetchFn: typeof fetch = fetch,
): Promise<{ kind: 'ok'; csrfToken: string } | { kind: 'signed-out' } | { kind: 'unavailable' }> {
  if (state.kind === 'signed-in') return { kind: 'ok', csrfToken: state.csrfToken };
  const s = await fetchSession(slug, fetchFn);
  if (s.kind === 'ok') return { kind: 'ok', csrfToken: s.data.csrfToken };
  return s.kind === 'signed-out' ? { kind: 'signed-out' } : { kind: 'unavailable' };
}
