/**
 * The resident's calls for forms (issue 5; contract: the forms module, server/src/modules/forms):
 * - GET  /api/t/:slug/forms/:code            the published version, the state, my responses, my draft
 * - PUT  /api/t/:slug/forms/:code/draft      { version, answers } → { savedAt }; DELETE discards it
 * - POST /api/t/:slug/forms/:code/files      one file as the raw body (Content-Type, X-File-Name
 *                                            percent-encoded), ?item=<code> → { id, name, size, type }
 * - POST /api/t/:slug/forms/:code/responses  { version, answers } → { receiptNumber, completionMessage };
 *                                            409 { reason: 'version' } when a newer version is out
 * - GET  /api/t/:slug/postal/:digits7        { addresses: [{ prefecture, city, town }] }, 404 unknown
 * Writes carry the CSRF token of the LIFF session (or the one the form gave when it may be answered
 * without LINE login). What the server sends is checked before use: the definition by the engine
 * (compileForm), everything else here.
 */
import type { PostalAddress } from '@tsunagu/server/contracts';
import { parseProblem, type Problem } from '../resident-api.ts';

export type FormState = 'open' | 'not_yet' | 'closed' | 'limit_reached' | 'already_answered';
const STATES: readonly FormState[] = ['open', 'not_yet', 'closed', 'limit_reached', 'already_answered'];

export interface MyResponse {
  receiptNumber: string;
  submittedAt: string;
  version: number;
}

export interface FormDraft {
  version: number;
  answers: Record<string, unknown>;
  savedAt: string;
}

export interface ResidentFormView {
  form: { code: string; title: string; description: string; version: number; definition: unknown };
  state: FormState;
  opensAt: string | null;
  closesAt: string | null;
  answersPerResident: 'one' | 'many';
  /** With one answer per resident: it may be changed while the form is open (the draft is then the answer sent). */
  editableAfterSubmit: boolean;
  myResponses: MyResponse[];
  draft: FormDraft | null;
  /** Given when there is no LIFF session and the form may be answered without LINE login. */
  csrfToken: string | null;
}

export interface SubmitResult {
  receiptNumber: string;
  completionMessage: string;
  /** An answer sent earlier was changed (one answer per resident, changes allowed). */
  updated: boolean;
}

export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  type: string;
}

export type FormOutcome<T> =
  | { kind: 'ok'; data: T }
  | { kind: 'signed-out' }
  | { kind: 'not-found'; problem: Problem }
  /** Refused as it is: 422 (answers), 409 (`reason`: 'version' — a newer version), 403, 413. */
  | { kind: 'refused'; problem: Problem; reason: string | null }
  | { kind: 'unavailable'; status: number | null };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** Form codes as the server makes them (URL-safe, e.g. f-3k9x2a7q). */
export function isResidentFormCode(code: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(code);
}

function outcome<T>(status: number, body: unknown, parse: (b: unknown) => T | null): FormOutcome<T> {
  if (status >= 200 && status < 300) {
    const data = parse(body);
    return data === null ? { kind: 'unavailable', status } : { kind: 'ok', data };
  }
  const problem = parseProblem(status, body);
  if (status === 401) return { kind: 'signed-out' };
  if (status === 404) return { kind: 'not-found', problem };
  if ([403, 409, 413, 415, 422].includes(status))
    return { kind: 'refused', problem, reason: isRecord(body) ? str(body.reason) : null };
  return { kind: 'unavailable', status };
}

async function request<T>(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  parse: (b: unknown) => T | null,
): Promise<FormOutcome<T>> {
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
  return outcome(res.status, body, parse);
}

const base = (slug: string, code: string) => `/api/t/${slug}/forms/${encodeURIComponent(code)}`;

function parseDraft(v: unknown): FormDraft | null {
  if (!isRecord(v) || !isRecord(v.answers)) return null;
  const version = int(v.version);
  return version === null ? null : { version, answers: v.answers, savedAt: str(v.savedAt) ?? '' };
}

export function parseFormView(b: unknown): ResidentFormView | null {
  if (!isRecord(b) || !isRecord(b.form)) return null;
  const f = b.form;
  const code = str(f.code);
  const title = str(f.title);
  const version = int(f.version);
  const state = STATES.find((s) => s === b.state);
  if (code === null || title === null || version === null || !state || !isRecord(f.definition)) return null;
  return {
    form: { code, title, description: str(f.description) ?? '', version, definition: f.definition },
    state,
    opensAt: str(b.opensAt),
    closesAt: str(b.closesAt),
    answersPerResident: b.answersPerResident === 'many' ? 'many' : 'one',
    editableAfterSubmit: b.editableAfterSubmit === true,
    myResponses: Array.isArray(b.myResponses)
      ? b.myResponses.flatMap((r) => {
          if (!isRecord(r)) return [];
          const receiptNumber = str(r.receiptNumber);
          const submittedAt = str(r.submittedAt);
          return receiptNumber && submittedAt
            ? [{ receiptNumber, submittedAt, version: int(r.version) ?? version }]
            : [];
        })
      : [],
    draft: parseDraft(b.draft),
    csrfToken: str(b.csrfToken),
  };
}

export function fetchResidentForm(
  slug: string,
  code: string,
  fetchFn: typeof fetch = fetch,
): Promise<FormOutcome<ResidentFormView>> {
  return request(fetchFn, base(slug, code), {}, parseFormView);
}

export interface AnswersBody {
  version: number;
  answers: Record<string, unknown>;
}

/**
 * Saves the draft. `keepalive` lets the last save finish while the page closes (the LIFF window
 * closed, the phone switched apps).
 */
export function saveFormDraft(
  slug: string,
  code: string,
  body: AnswersBody,
  csrfToken: string,
  opts: { keepalive?: boolean; fetchFn?: typeof fetch } = {},
): Promise<FormOutcome<{ savedAt: string }>> {
  return request(
    opts.fetchFn ?? fetch,
    `${base(slug, code)}/draft`,
    {
      method: 'PUT',
      keepalive: opts.keepalive ?? false,
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    },
    (b) => (isRecord(b) ? { savedAt: str(b.savedAt) ?? new Date().toISOString() } : null),
  );
}

/** Discards the draft (「入力を消して最初からやり直す」). */
export function discardFormDraft(
  slug: string,
  code: string,
  csrfToken: string,
  fetchFn: typeof fetch = fetch,
): Promise<FormOutcome<true>> {
  return request(
    fetchFn,
    `${base(slug, code)}/draft`,
    { method: 'DELETE', headers: { 'x-csrf-token': csrfToken } },
    () => true,
  );
}

export function submitFormResponse(
  slug: string,
  code: string,
  body: AnswersBody,
  csrfToken: string,
  fetchFn: typeof fetch = fetch,
): Promise<FormOutcome<SubmitResult>> {
  return request(
    fetchFn,
    `${base(slug, code)}/responses`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    },
    (b) => {
      if (!isRecord(b)) return null;
      const receiptNumber = str(b.receiptNumber);
      return receiptNumber
        ? { receiptNumber, completionMessage: str(b.completionMessage) ?? '', updated: b.updated === true }
        : null;
    },
  );
}

/** The addresses of a postal code; [] when there is no such code; null when the lookup failed. */
export async function fetchPostalAddresses(
  slug: string,
  digits: string,
  fetchFn: typeof fetch = fetch,
): Promise<PostalAddress[] | null> {
  const r = await request(fetchFn, `/api/t/${slug}/postal/${digits}`, {}, (b) =>
    isRecord(b) && Array.isArray(b.addresses) ? b.addresses : null,
  );
  if (r.kind === 'not-found') return [];
  if (r.kind !== 'ok') return null;
  const postalCode = `${digits.slice(0, 3)}-${digits.slice(3)}`;
  return r.data.flatMap((a) =>
    isRecord(a) && typeof a.prefecture === 'string' && typeof a.city === 'string'
      ? [{ postalCode, prefecture: a.prefecture, city: a.city, town: str(a.town) ?? '' }]
      : [],
  );
}

// ---------------------------------------------------------------------------------------------
// Uploads with progress (fetch cannot report upload progress; XMLHttpRequest can)

/** The part of XMLHttpRequest an upload uses (a stand-in in unit tests). */
export interface UploadRequest {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  withCredentials: boolean;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface Upload {
  promise: Promise<FormOutcome<UploadedFile> | { kind: 'aborted' }>;
  abort(): void;
}

/**
 * Uploads one file as the raw request body; `onProgress` gets 0…1 as the bytes go out. The name
 * travels percent-encoded in X-File-Name (headers are ASCII only; names are Japanese).
 */
export function uploadFormFile(
  slug: string,
  code: string,
  item: string,
  file: Blob & { name: string },
  csrfToken: string,
  onProgress: (fraction: number) => void,
  makeRequest: () => UploadRequest = () => new XMLHttpRequest() as unknown as UploadRequest,
): Upload {
  const xhr = makeRequest();
  const promise = new Promise<FormOutcome<UploadedFile> | { kind: 'aborted' }>((resolve) => {
    xhr.open('POST', `${base(slug, code)}/files?item=${encodeURIComponent(item)}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('x-file-name', encodeURIComponent(file.name));
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.setRequestHeader('accept', 'application/json, application/problem+json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(Math.min(1, e.loaded / e.total));
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve(
        outcome(xhr.status, body, (b) => {
          if (!isRecord(b)) return null;
          const id = str(b.id);
          const size = int(b.size);
          return id && size !== null
            ? { id, name: str(b.name) ?? file.name, size, type: str(b.type) ?? file.type }
            : null;
        }),
      );
    };
    xhr.onerror = () => resolve({ kind: 'unavailable', status: null });
    xhr.onabort = () => resolve({ kind: 'aborted' });
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}
