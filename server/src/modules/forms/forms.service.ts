import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  compileForm,
  DEFAULT_FORM_SETTINGS,
  formSettingsSchema,
  parseFormDefinition,
  type CompiledForm,
  type FormDefinition,
  type FormSettings,
  type FormState,
} from '../../contracts/index.js';
import { config } from '../../platform/config/config.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import type { FormStatus } from './form.entity.js';

/**
 * The forms module's reading of forms and versions (issue 5): rows with their draft and settings,
 * published versions (immutable, so compiled once per process and cached), what a resident's
 * page may show (state, the definition without staff-only parts) and the form's URLs.
 */

export interface FormRow {
  id: string;
  tenantId: string;
  organisationId: string;
  code: string;
  title: string;
  description: string;
  status: FormStatus;
  draft: unknown;
  draftUpdatedAt: Date;
  settings: Record<string, unknown>;
  publishedVersion: number | null;
  responses: number;
  repeatEntries: Record<string, number>;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const FORM_ROW_COLUMNS = `f.id, f.tenant_id as "tenantId", f.organisation_id as "organisationId", f.code,
  f.title, f.description, f.status, f.draft, f.draft_updated_at as "draftUpdatedAt", f.settings,
  f.published_version as "publishedVersion", f.response_count as "responses",
  f.repeat_entries as "repeatEntries", f.created_by as "createdBy", f.created_at as "createdAt",
  f.updated_at as "updatedAt"`;

/**
 * Rows of an UPDATE or DELETE … RETURNING: TypeORM answers those with [rows, affected count]
 * (other statements with the rows alone).
 */
export function updatedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return result as T[];
}

/** A form of the current tenant (RLS hides the others); `forUpdate` locks it for the transaction. */
export async function loadFormRow(m: EntityManager, id: string, forUpdate = false): Promise<FormRow | null> {
  const rows: FormRow[] = await m.query(
    `select ${FORM_ROW_COLUMNS} from form f where f.id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

export async function mustLoadForm(m: EntityManager, id: string, forUpdate = false): Promise<FormRow> {
  const row = await loadFormRow(m, id, forUpdate);
  if (!row) throw notFound('フォーム');
  return row;
}

export async function loadFormByCode(m: EntityManager, code: string): Promise<FormRow | null> {
  if (!/^[a-z0-9][a-z0-9-]{2,39}$/.test(code)) return null;
  const rows: FormRow[] = await m.query(`select ${FORM_ROW_COLUMNS} from form f where f.code = $1`, [code]);
  return rows[0] ?? null;
}

/** SQL: whether form `alias` may be answered in the talk (settings.talkMode, FORM-10). */
export const talkModeSql = (alias: string) => `coalesce(${alias}.settings->>'talkMode' = 'true', false)`;

/** What a rich-menu area needs of a form: its title, whether it is published and talkable. */
export interface MenuFormInfo {
  title: string;
  published: boolean;
  talkMode: boolean;
}

/** Forms of the current tenant by code (RLS hides the others), for rich-menu areas that open them. */
export async function formsForMenu(m: EntityManager, codes: string[]): Promise<Map<string, MenuFormInfo>> {
  const out = new Map<string, MenuFormInfo>();
  const unique = [...new Set(codes)];
  if (!unique.length) return out;
  const rows: Array<{ code: string; title: string; published: boolean; talk_mode: boolean }> = await m.query(
    `select f.code, f.title, f.status = 'published' and f.published_version is not null as published,
            ${talkModeSql('f')} as talk_mode
       from form f where f.code = any($1::text[])`,
    [unique],
  );
  for (const f of rows) out.set(f.code, { title: f.title, published: f.published, talkMode: f.talk_mode });
  return out;
}

/**
 * The stored settings over the defaults. Stored settings were checked when saved; should an
 * older document miss a field added since, its default fills in.
 */
export function settingsOf(row: Pick<FormRow, 'settings'>): FormSettings {
  const merged = { ...DEFAULT_FORM_SETTINGS, ...(row.settings ?? {}) };
  const parsed = formSettingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : { ...DEFAULT_FORM_SETTINGS, notifyEmails: [] };
}

/** A URL code for a new form: `f-` and eight characters, unique in the tenant. */
export async function newFormCode(m: EntityManager): Promise<string> {
  const alphabet = 'abcdefghijkmnopqrstuvwxyz23456789';
  for (let attempt = 0; attempt < 10; attempt++) {
    const bytes = randomBytes(8);
    const code = 'f-' + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    const taken: unknown[] = await m.query('select 1 from form where code = $1', [code]);
    if (!taken.length) return code;
  }
  throw new Error('could not find a free form code');
}

// ---------------------------------------------------------------------------------------------
// Versions

export interface VersionRow {
  version: number;
  definition: FormDefinition;
  publishedAt: Date;
  publishedBy: string | null;
  publishedByLabel: string | null;
}

export async function listVersions(
  m: EntityManager,
  formId: string,
): Promise<Omit<VersionRow, 'definition'>[]> {
  return m.query(
    `select version, published_at as "publishedAt", published_by as "publishedBy", published_by_label as "publishedByLabel"
       from form_version where form_id = $1 order by version`,
    [formId],
  );
}

export async function loadVersion(
  m: EntityManager,
  formId: string,
  version: number,
): Promise<VersionRow | null> {
  const rows: VersionRow[] = await m.query(
    `select version, definition, published_at as "publishedAt", published_by as "publishedBy",
            published_by_label as "publishedByLabel"
       from form_version where form_id = $1 and version = $2`,
    [formId, version],
  );
  return rows[0] ?? null;
}

/** Published versions never change: one compiled copy per process, by form and version. */
const compiled = new Map<string, CompiledForm>();
const CACHE_MAX = 500;

function remember(key: string, form: CompiledForm): CompiledForm {
  if (compiled.size >= CACHE_MAX) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, form);
  return form;
}

export async function compiledVersion(
  m: EntityManager,
  formId: string,
  version: number,
): Promise<CompiledForm> {
  const key = `${formId}:${version}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const row = await loadVersion(m, formId, version);
  if (!row) throw notFound('フォームの版');
  return remember(key, compileForm(row.definition, version));
}

/** Every published version, oldest first (CSV columns, filters and statistics span them all). */
export async function allCompiledVersions(m: EntityManager, formId: string): Promise<CompiledForm[]> {
  const versions = await listVersions(m, formId);
  const missing = versions.filter((v) => !compiled.has(`${formId}:${v.version}`)).map((v) => v.version);
  if (missing.length) {
    const rows: Array<{ version: number; definition: unknown }> = await m.query(
      'select version, definition from form_version where form_id = $1 and version = any($2::int[])',
      [formId, missing],
    );
    for (const r of rows) remember(`${formId}:${r.version}`, compileForm(r.definition, r.version));
  }
  return Promise.all(versions.map((v) => compiledVersion(m, formId, v.version)));
}

/** The version residents answer now: the latest published one. */
export async function currentVersion(m: EntityManager, form: FormRow): Promise<CompiledForm> {
  if (!form.publishedVersion) throw new HttpError(404, 'このフォームは現在ご利用いただけません');
  return compiledVersion(m, form.id, form.publishedVersion);
}

// ---------------------------------------------------------------------------------------------
// What residents see

/**
 * The definition as a resident's page gets it: staff-only sections and items removed, pages
 * left without sections removed, and a postal code's autofill dropped where its address was
 * staff-only. The engine gives the same result on the full definition with audience `resident`;
 * publishing checks that this reduced one still parses.
 */
export function residentDefinition(def: FormDefinition): FormDefinition {
  const removed = new Set<string>();
  for (const p of def.pages)
    for (const s of p.sections) for (const i of s.items) if (s.staffOnly || i.staffOnly) removed.add(i.code);
  const pages = def.pages
    .map((p) => ({
      ...p,
      sections: p.sections
        .filter((s) => !s.staffOnly)
        .map((s) => ({
          ...s,
          items: s.items
            .filter((i) => !i.staffOnly)
            .map((i) =>
              i.type === 'postalCode' && i.fillAddress && removed.has(i.fillAddress)
                ? (({ fillAddress: _, ...rest }) => rest)(i)
                : i,
            ),
        })),
    }))
    .filter((p) => p.sections.length > 0);
  return { ...def, pages };
}

export interface StateInput {
  status: FormStatus;
  publishedVersion: number | null;
  responses: number;
}

/**
 * What a resident may do now (FORM-5): `mine` is how many responses the resident (or this
 * browser) already sent. Closed and not-yet come first; a resident who may still change their
 * answer is `open` even when the limit is reached (it counts responses, not changes).
 */
export function formState(form: StateInput, settings: FormSettings, now: Date, mine: number): FormState {
  if (form.status === 'closed') return 'closed';
  if (settings.closesAt && now.getTime() >= Date.parse(settings.closesAt)) return 'closed';
  if (settings.opensAt && now.getTime() < Date.parse(settings.opensAt)) return 'not_yet';
  if (settings.answersPerResident === 'one' && mine > 0)
    return settings.editableAfterSubmit ? 'open' : 'already_answered';
  if (settings.responseLimit !== null && form.responses >= settings.responseLimit) return 'limit_reached';
  return 'open';
}

/** The resident page of a form, and its LIFF URL when the production channel has a LIFF app. */
export function formUrls(
  slug: string,
  liffId: string | null,
  code: string,
  /** `page`: open the form at this page (a talk hands over with the pages before it answered). */
  at: { page?: string } = {},
): { resident: string; liff: string | null } {
  const query = at.page ? `?${new URLSearchParams({ page: at.page }).toString()}` : '';
  return {
    resident: `${config().PUBLIC_ORIGIN.replace(/\/+$/, '')}/t/${slug}/forms/${code}${query}`,
    liff: liffId ? `https://liff.line.me/${liffId}/forms/${code}${query}` : null,
  };
}

export async function productionLiffId(m: EntityManager): Promise<string | null> {
  return channelLiffId(m, 'production');
}

/** The LIFF app of one of the city's channels: a link sent on the test channel opens the test app. */
export async function channelLiffId(m: EntityManager, kind: 'production' | 'test'): Promise<string | null> {
  const rows: Array<{ liff_id: string | null }> = await m.query(
    'select liff_id from line_channel where kind = $1',
    [kind],
  );
  return rows[0]?.liff_id ?? null;
}

/** The staff console's page of a response (the link in the department's notification mail). */
export function consoleUrl(adminSubdomain: string, path: string): string {
  const origin = new URL(config().PUBLIC_ORIGIN);
  return `${origin.protocol}//${adminSubdomain}.admin.${config().ROOT_DOMAIN}${origin.port ? ':' + origin.port : ''}${path}`;
}

/** A definition staff sent, parsed by the engine; 422 with its errors under `definition.`. */
export function parseDefinitionOr422(input: unknown, prefix = 'definition'): FormDefinition {
  const parsed = parseFormDefinition(input);
  if (parsed.ok) return parsed.definition;
  throw new HttpError(422, 'フォームの内容を確認してください', {
    errors: parsed.errors.map((e) => ({ path: e.path ? `${prefix}.${e.path}` : prefix, message: e.message })),
  });
}
