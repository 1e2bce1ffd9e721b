import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  FORM_RESPONSE_FILTERS_MAX,
  FORM_RESPONSE_SOURCES,
  FORM_RESPONSE_STATUSES,
  formResponseFilterSchema,
  isIsoDate,
  type CompiledForm,
  type CompiledItem,
  type FormAnswers,
  type FormResponseFile,
  type FormResponseFilter,
  type FormResponseListItem,
  type FormResponseNeighbours,
  type FormResponseRef,
  type FormResponseSource,
  type FormResponseStatus,
} from '../../contracts/index.js';
import { TtlCache } from '../../platform/cache/ttl-cache.js';
import { decryptField } from '../../platform/crypto/tenant-keys.js';
import { HttpError, type FieldError } from '../../platform/http/errors.js';
import { isPersonalItem, rangePrefilter, searchQueryOf } from './form-answers.js';
import { NAME_PURPOSE } from './form-files.js';
import { MEMO_PURPOSE, readAnswers } from './form-submit.js';

/**
 * Reading responses for staff (FORM-7): the one WHERE clause the list, its count, the CSV export
 * and the statistics share (status, source, version, created/updated ranges on the JST calendar,
 * full text, filters on any item by code), server-side sorting and paging, and a response's
 * detail. Item filters are resolved against every published version (an item keeps its code from
 * version to version), so a filter finds the responses of all of them.
 */

export const RESPONSE_SORTS = ['submittedAt', 'updatedAt', 'receiptNumber', 'status'] as const;

const dateOrInstant = (what: string) =>
  z
    .string()
    .trim()
    .refine(
      (s) => isIsoDate(s) || !Number.isNaN(Date.parse(s)),
      `${what}は 2026-04-01 の形で指定してください`,
    )
    .optional();

const csv = <T extends string>(values: readonly [T, ...T[]], message: string) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      const parts = s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const bad = parts.filter((p) => !(values as readonly string[]).includes(p));
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return parts as T[];
    });

/** Query parameters of GET …/responses (and of the CSV export, statistics and cross tabulation). */
export const responseQuerySchema = z.object({
  q: z.string().trim().max(100, '検索語は100文字以内にしてください').optional(),
  status: csv(FORM_RESPONSE_STATUSES, '状態の指定が正しくありません'),
  source: csv(FORM_RESPONSE_SOURCES, '回答方法の指定が正しくありません'),
  version: z.coerce.number().int().min(1).optional(),
  createdFrom: dateOrInstant('受付日の開始'),
  createdTo: dateOrInstant('受付日の終了'),
  updatedFrom: dateOrInstant('更新日の開始'),
  updatedTo: dateOrInstant('更新日の終了'),
  /** JSON: [{item, op: equals|in|range|answered, …}] (FormResponseFilter). */
  filters: z
    .string()
    .max(20000, '絞り込み条件が長すぎます')
    .optional()
    .transform((s, ctx) => {
      if (!s) return [] as FormResponseFilter[];
      let raw: unknown;
      try {
        raw = JSON.parse(s);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: '絞り込み条件の形式が正しくありません（JSONの配列で指定してください）',
        });
        return z.NEVER;
      }
      const r = z
        .array(formResponseFilterSchema)
        .max(FORM_RESPONSE_FILTERS_MAX, `絞り込み条件は${FORM_RESPONSE_FILTERS_MAX}個までです`)
        .safeParse(raw);
      if (!r.success) {
        for (const i of r.error.issues)
          ctx.addIssue({ code: 'custom', path: i.path as PropertyKey[], message: i.message });
        return z.NEVER;
      }
      return r.data;
    }),
});
export type ResponseQuery = z.infer<typeof responseQuerySchema>;

export const responseListSchema = responseQuerySchema.extend({
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  /** submittedAt | updatedAt | receiptNumber | status | item:<code> */
  sort: z
    .string()
    .regex(
      /^(submittedAt|updatedAt|receiptNumber|status|item:[a-z][a-z0-9_]{0,39})$/,
      '並べ替えの指定が正しくありません',
    )
    .default('submittedAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

/** An item by code in the latest version that has it. */
export function itemAcross(versions: CompiledForm[], code: string): CompiledItem | null {
  for (let i = versions.length - 1; i >= 0; i--) {
    const ci = versions[i]!.items.get(code);
    if (ci && ci.input) return ci;
  }
  return null;
}

/** Start of a JST calendar day (or the instant itself). `end`: the start of the next day. */
function boundary(s: string, end: boolean): string {
  if (!isIsoDate(s)) return new Date(s).toISOString();
  const d = new Date(`${s}T00:00:00+09:00`);
  if (end) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

const problem = (errors: FieldError[]) => new HttpError(400, '検索条件が正しくありません', { errors });

/**
 * The WHERE clause over `form_response fr` for one form. Values are appended to `params` and
 * referenced as $n, after the caller's own.
 */
export function responseWhere(
  formId: string,
  versions: CompiledForm[],
  q: ResponseQuery,
  params: unknown[],
): string {
  const bind = (v: unknown, cast = '') => {
    params.push(v);
    return `$${params.length}${cast}`;
  };
  const parts = [`fr.form_id = ${bind(formId, '::uuid')}`];
  if (q.status?.length) parts.push(`fr.status = any(${bind(q.status, '::text[]')})`);
  if (q.source?.length) parts.push(`fr.source = any(${bind(q.source, '::text[]')})`);
  if (q.version) parts.push(`fr.version = ${bind(q.version, '::int')}`);
  if (q.createdFrom)
    parts.push(`fr.submitted_at >= ${bind(boundary(q.createdFrom, false), '::timestamptz')}`);
  if (q.createdTo) parts.push(`fr.submitted_at < ${bind(boundary(q.createdTo, true), '::timestamptz')}`);
  if (q.updatedFrom) parts.push(`fr.updated_at >= ${bind(boundary(q.updatedFrom, false), '::timestamptz')}`);
  if (q.updatedTo) parts.push(`fr.updated_at < ${bind(boundary(q.updatedTo, true), '::timestamptz')}`);
  if (q.q) {
    const tsq = searchQueryOf(q.q);
    const receipt = /^[A-Za-z]{1,3}-\d{4}-\d{6,}$/.test(q.q) ? q.q.toUpperCase() : null;
    const alternatives = [
      ...(tsq ? [`fr.search @@ ${bind(tsq, '::tsquery')}`] : []),
      ...(receipt ? [`fr.receipt_number = ${bind(receipt)}`] : []),
    ];
    parts.push(alternatives.length ? `(${alternatives.join(' OR ')})` : 'false');
  }
  const errors: FieldError[] = [];
  q.filters.forEach((f, i) => {
    const at = (field: string) => `filters.${i}.${field}`;
    const ci = itemAcross(versions, f.item);
    if (!ci) {
      errors.push({ path: at('item'), message: `項目「${f.item}」はこのフォームにありません` });
      return;
    }
    const sql = filterSql(ci, f, bind, (m) => errors.push({ path: at('op'), message: m }));
    if (sql) parts.push(sql);
  });
  if (errors.length) throw problem(errors);
  return parts.join(' AND ');
}

type Bind = (v: unknown, cast?: string) => string;

/** A jsonpath to an item's answers: the answer itself, or the item in every entry of its section. */
function pathTo(ci: CompiledItem): string {
  const repeat = ci.section.section.repeat ? `."${ci.section.code}"[*]` : '';
  return `$${repeat}."${ci.code}"`;
}

function filterSql(
  ci: CompiledItem,
  f: FormResponseFilter,
  bind: Bind,
  refuse: (m: string) => void,
): string | null {
  const label = ('label' in ci.item && ci.item.label) || ci.code;
  if (f.op === 'answered') {
    const has = `fr.facets @> ${bind([ci.code], '::text[]')}`;
    return f.answered ? has : `NOT (${has})`;
  }
  if (isPersonalItem(ci)) {
    refuse(`「${label}」は個人情報の項目のため、「回答あり・なし」でだけ絞り込めます`);
    return null;
  }
  const repeat = Boolean(ci.section.section.repeat);
  if (f.op === 'in') {
    if (!ci.options) {
      refuse(`「${label}」は選択肢の項目ではありません`);
      return null;
    }
    const facets = f.values.flatMap((v) => [`${ci.code}=${v}`, `${ci.code}^${v}`]);
    return `fr.facets && ${bind(facets, '::text[]')}`;
  }
  if (f.op === 'equals') {
    if (ci.options) {
      if (typeof f.value !== 'string') {
        refuse(`「${label}」は選択肢のコードで指定してください`);
        return null;
      }
      return `fr.facets @> ${bind([`${ci.code}=${f.value}`], '::text[]')}`;
    }
    let value: string | number = f.value;
    if (ci.item.type === 'number') {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) {
        refuse(`「${label}」は数値で指定してください`);
        return null;
      }
      value = n;
    } else value = String(value).trim();
    if (!repeat) return `fr.answers -> ${bind(ci.code)} = ${bind(JSON.stringify(value), '::jsonb')}`;
    return `jsonb_path_exists(fr.answers, ${bind(`${pathTo(ci)} ? (@ == $v)`, '::jsonpath')}, jsonb_build_object('v', ${bind(JSON.stringify(value), '::jsonb')}))`;
  }
  // range
  const numeric = ci.item.type === 'number';
  const dated = ci.item.type === 'date';
  if (!numeric && !dated) {
    refuse(`「${label}」は範囲で絞り込めません（数値と日付の項目だけです）`);
    return null;
  }
  const bounds: Array<[string, string | number]> = [];
  for (const [op, v] of [
    ['>=', f.min],
    ['<=', f.max],
  ] as const) {
    if (v === undefined) continue;
    if (numeric && typeof v !== 'number') {
      refuse(`「${label}」の範囲は数値で指定してください`);
      return null;
    }
    if (dated && !(typeof v === 'string' && isIsoDate(v))) {
      refuse(`「${label}」の範囲は 2026-04-01 の形の日付で指定してください`);
      return null;
    }
    bounds.push([op, v]);
  }
  // A closed range is first narrowed by the answers' range facets (an index lookup), then checked.
  const buckets =
    f.min !== undefined && f.max !== undefined
      ? rangePrefilter(ci.code, numeric ? 'number' : 'date', f.min, f.max)
      : null;
  const narrowed = buckets ? `fr.facets && ${bind(buckets, '::text[]')} AND ` : '';
  if (!repeat) {
    const key = bind(ci.code);
    const expr = numeric ? `(fr.answers ->> ${key})::numeric` : `(fr.answers ->> ${key})`;
    const guard = `jsonb_typeof(fr.answers -> ${key}) = ${numeric ? "'number'" : "'string'"}`;
    return `(${narrowed}${guard} AND ${bounds.map(([op, v]) => `${expr} ${op} ${bind(v, numeric ? '::numeric' : '::text')}`).join(' AND ')})`;
  }
  const conds = bounds.map(([op], i) => `@ ${op} $b${i}`).join(' && ');
  const vars = Object.fromEntries(bounds.map(([, v], i) => [`b${i}`, v]));
  return `(${narrowed}jsonb_path_exists(fr.answers, ${bind(`${pathTo(ci)} ? (${conds})`, '::jsonpath')}, ${bind(JSON.stringify(vars), '::jsonb')}))`;
}

/** ORDER BY for a list sort; items sort by their (non-personal, not repeated) answer, unanswered last. */
export function responseOrder(
  versions: CompiledForm[],
  sort: string,
  order: 'asc' | 'desc',
  params: unknown[],
): string {
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const tie = `fr.submitted_at ${dir}, fr.id ${dir}`;
  switch (sort) {
    case 'submittedAt':
      return tie;
    case 'updatedAt':
      return `fr.updated_at ${dir}, fr.id ${dir}`;
    case 'receiptNumber':
      return `fr.receipt_number ${dir}, fr.id ${dir}`;
    case 'status':
      return `fr.status ${dir}, ${tie}`;
  }
  const code = sort.slice('item:'.length);
  const ci = itemAcross(versions, code);
  if (!ci) throw problem([{ path: 'sort', message: `項目「${code}」はこのフォームにありません` }]);
  if (isPersonalItem(ci) || ci.section.section.repeat)
    throw problem([
      { path: 'sort', message: '個人情報の項目と繰り返しセクションの項目では並べ替えられません' },
    ]);
  params.push(code);
  return `fr.answers -> $${params.length} ${dir} NULLS LAST, ${tie}`;
}

export type ResponseListRow = FormResponseListItem<Date>;

export interface RawResponseRow {
  id: string;
  receipt_number: string;
  version: number;
  status: FormResponseStatus;
  source: FormResponseSource;
  resident_id: string | null;
  submitted_at: Date;
  updated_at: Date;
  answers: FormAnswers;
  personal_enc: string | null;
  memo_enc: string | null;
  updated_by: string | null;
  entered_by: string | null;
}

export const RAW_RESPONSE_COLUMNS = `fr.id, fr.receipt_number, fr.version, fr.status, fr.source, fr.resident_id,
  fr.submitted_at, fr.updated_at, fr.answers, fr.personal_enc, fr.memo_enc, fr.updated_by, fr.entered_by`;

/**
 * Counting a filter over a large form reads every matching row (about a second per million
 * responses on our hardware), while the page itself comes from an index in milliseconds. Staff
 * page through one filter many times: the count is kept for a minute under a key that changes with
 * every new or changed response (the form's response counter and the newest `updated_at`, both
 * read from the form row and an index), so a page never shows a count older than its rows.
 */
const filteredCounts = new TtlCache<number>(60_000, 2_000);

async function countResponses(
  m: EntityManager,
  form: { id: string; responses: number },
  where: string,
  params: unknown[],
): Promise<number> {
  const [stamp] = (await m.query(
    `select current_setting('app.tenant_id', true) as tenant,
            (select max(updated_at) from form_response where form_id = $1)::text as changed`,
    [form.id],
  )) as Array<{ tenant: string | null; changed: string | null }>;
  const key = createHash('sha256')
    .update(JSON.stringify([stamp?.tenant, form.id, form.responses, stamp?.changed, where, params]))
    .digest('base64url');
  return filteredCounts.get(key, async () => {
    const rows = (await m.query(
      `select count(*)::int as n from form_response fr where ${where}`,
      params,
    )) as Array<{
      n: number;
    }>;
    return Number(rows[0]!.n);
  });
}

/** How many responses a query finds: the form's counter when nothing narrows it. */
function totalOf(
  m: EntityManager,
  form: { id: string; responses: number },
  q: ResponseQuery,
  where: string,
  whereParams: unknown[],
): Promise<number> {
  const unfiltered =
    !q.q &&
    !q.status &&
    !q.source &&
    !q.version &&
    !q.createdFrom &&
    !q.createdTo &&
    !q.updatedFrom &&
    !q.updatedTo &&
    !q.filters.length;
  return unfiltered ? Promise.resolve(form.responses) : countResponses(m, form, where, whereParams);
}

/** A list's WHERE and ORDER BY with their parameters, and how many responses it holds. */
async function orderedList(
  m: EntityManager,
  form: { id: string; responses: number },
  versions: CompiledForm[],
  q: ResponseQuery & { sort: string; order: 'asc' | 'desc' },
): Promise<{ where: string; orderBy: string; params: unknown[]; total: number }> {
  const params: unknown[] = [];
  const where = responseWhere(form.id, versions, q, params);
  const whereParams = [...params];
  const orderBy = responseOrder(versions, q.sort, q.order, params);
  return { where, orderBy, params, total: await totalOf(m, form, q, where, whereParams) };
}

/** One page of responses with the total, answers opened (personal ones included: staff may read them). */
export async function listResponses(
  m: EntityManager,
  form: { id: string; responses: number },
  versions: CompiledForm[],
  q: z.infer<typeof responseListSchema>,
): Promise<{ items: ResponseListRow[]; total: number }> {
  const { where, orderBy, params, total } = await orderedList(m, form, versions, q);
  const rows: RawResponseRow[] = await m.query(
    `select ${RAW_RESPONSE_COLUMNS} from form_response fr where ${where} order by ${orderBy}
      limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`,
    params,
  );
  const items = await Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      receiptNumber: r.receipt_number,
      version: r.version,
      status: r.status,
      source: r.source,
      residentId: r.resident_id,
      submittedAt: r.submitted_at,
      updatedAt: r.updated_at,
      hasMemo: r.memo_enc !== null,
      answers: await readAnswers(r),
    })),
  );
  return { items, total };
}

/** The list's query without its page, and where in the list the response was (1-based). */
export const neighbourQuerySchema = responseListSchema.omit({ page: true, pageSize: true }).extend({
  pos: z.coerce.number().int().min(1, '位置の指定が正しくありません').max(10_000_000),
});

/** How far a response may have moved in its list (new or changed responses) and still be found. */
const NEIGHBOUR_SLACK = 10;

/**
 * The responses before and after one in the list staff came from (same filters and sort), for
 * 前の回答・次の回答 on the detail page. The list is offset-paged, so the response is looked for
 * around the position it had; if responses arrived since, it is found a few places further on.
 * `position` is null when it is no longer in the list (its status changed out of a filter).
 */
export async function responseNeighbours(
  m: EntityManager,
  form: { id: string; responses: number },
  versions: CompiledForm[],
  q: z.infer<typeof neighbourQuerySchema>,
  responseId: string,
): Promise<FormResponseNeighbours> {
  const { where, orderBy, params, total } = await orderedList(m, form, versions, q);
  const window = async (offset: number, limit: number): Promise<FormResponseRef[]> => {
    const rows: Array<{ id: string; receipt_number: string }> = await m.query(
      `select fr.id, fr.receipt_number from form_response fr where ${where} order by ${orderBy}
        limit ${limit} offset ${offset}`,
      params,
    );
    return rows.map((r) => ({ id: r.id, receiptNumber: r.receipt_number }));
  };
  const offset = Math.max(0, q.pos - 1 - NEIGHBOUR_SLACK);
  const rows = await window(offset, q.pos - 1 - offset + NEIGHBOUR_SLACK + 1);
  const at = rows.findIndex((r) => r.id === responseId);
  if (at < 0) return { position: null, total, previous: null, next: null };
  const position = offset + at + 1;
  const previous =
    at > 0 ? rows[at - 1]! : position > 1 ? ((await window(position - 2, 1))[0] ?? null) : null;
  const next = rows[at + 1] ?? (position < total ? ((await window(position, 1))[0] ?? null) : null);
  return { position, total, previous, next };
}

export interface ResponseDetail extends ResponseListRow {
  memo: string;
  enteredBy: string | null;
  updatedBy: string | null;
  files: FormResponseFile[];
}

export async function loadResponse(
  m: EntityManager,
  formId: string,
  responseId: string,
  forUpdate = false,
): Promise<RawResponseRow | null> {
  if (!/^[0-9a-f-]{36}$/i.test(responseId)) return null;
  const rows: RawResponseRow[] = await m.query(
    `select ${RAW_RESPONSE_COLUMNS} from form_response fr where fr.id = $1 and fr.form_id = $2${forUpdate ? ' for update' : ''}`,
    [responseId, formId],
  );
  return rows[0] ?? null;
}

export async function responseDetail(m: EntityManager, row: RawResponseRow): Promise<ResponseDetail> {
  const files: Array<{
    id: string;
    item_code: string;
    name_enc: string;
    size: number;
    content_type: string;
  }> = await m.query(
    'select id, item_code, name_enc, size, content_type from form_file where response_id = $1 order by created_at',
    [row.id],
  );
  return {
    id: row.id,
    receiptNumber: row.receipt_number,
    version: row.version,
    status: row.status,
    source: row.source,
    residentId: row.resident_id,
    submittedAt: row.submitted_at,
    updatedAt: row.updated_at,
    hasMemo: row.memo_enc !== null,
    answers: await readAnswers(row),
    memo: row.memo_enc ? await decryptField(row.memo_enc, MEMO_PURPOSE(row.id)) : '',
    enteredBy: row.entered_by,
    updatedBy: row.updated_by,
    files: await Promise.all(
      files.map(async (f) => ({
        id: f.id,
        item: f.item_code,
        name: await decryptField(f.name_enc, NAME_PURPOSE(f.id)),
        size: f.size,
        type: f.content_type,
      })),
    ),
  };
}
