import {
  FORM_PERSONAL_TYPES,
  isIsoDate,
  type CompiledForm,
  type CompiledItem,
  type FormAddressAnswer,
  type FormAnswers,
  type FormAnswerValue,
  type FormEntryAnswers,
  type FormFileRef,
  type FormLocationAnswer,
} from '../../contracts/forms/index.js';

/**
 * How a response's answers are kept (docs/decisions/0011-form-responses.md):
 * - answers to personal items (FORM_PERSONAL_TYPES, or any item staff marked 個人情報) are sealed
 *   with the tenant's key and never reach an index, a facet or the search vector;
 * - every other answer stays in jsonb, so lists filter and sort, statistics count, and segment
 *   conditions (SEG-8) select on it in SQL;
 * - `facets` list what was answered (every item, personal ones too: that an item was answered says
 *   nothing of its content) and which options were chosen, `code=option` for the option itself and
 *   `code^option` for the options above it in a hierarchy, so "in 北部" finds 熊山, and coarse
 *   buckets of number and date answers (`code#1:3`, `code@2026-04`) that range filters narrow by;
 * - `search` is a tsvector of character bigrams of non-personal free text (Japanese has no spaces
 *   for PostgreSQL's parsers to split on), queried as phrases of bigrams.
 * Entries of repeating sections keep their positions in both halves ({} where one half has
 * nothing), so the halves merge back exactly.
 */

/** Personal data: by type (e-mail, phone, address, birthday, files, location…) or marked by staff. */
export function isPersonalItem(ci: CompiledItem): boolean {
  const item = ci.item;
  return FORM_PERSONAL_TYPES.has(item.type) || ('personal' in item && item.personal === true);
}

export interface SplitAnswers {
  plain: FormAnswers;
  /** Null when no personal item was answered. */
  personal: FormAnswers | null;
}

function isEntryList(form: CompiledForm, code: string, value: unknown): value is FormEntryAnswers[] {
  return Boolean(form.sections.get(code)?.section.repeat) && Array.isArray(value);
}

/** Splits clean answers (validateSubmission's) into the plain and the sealed half. */
export function splitAnswers(form: CompiledForm, answers: FormAnswers): SplitAnswers {
  const plain: FormAnswers = {};
  const personal: FormAnswers = {};
  let anyPersonal = false;
  for (const [code, value] of Object.entries(answers)) {
    if (isEntryList(form, code, value)) {
      const p: FormEntryAnswers[] = [];
      const s: FormEntryAnswers[] = [];
      let entryPersonal = false;
      for (const entry of value) {
        const pe: FormEntryAnswers = {};
        const se: FormEntryAnswers = {};
        for (const [k, v] of Object.entries(entry)) {
          const ci = form.items.get(k);
          if (ci && isPersonalItem(ci)) {
            se[k] = v;
            entryPersonal = true;
          } else pe[k] = v;
        }
        p.push(pe);
        s.push(se);
      }
      plain[code] = p;
      if (entryPersonal) {
        personal[code] = s;
        anyPersonal = true;
      }
      continue;
    }
    const ci = form.items.get(code);
    if (ci && isPersonalItem(ci)) {
      personal[code] = value;
      anyPersonal = true;
    } else plain[code] = value;
  }
  return { plain, personal: anyPersonal ? personal : null };
}

/** The inverse of splitAnswers. */
export function mergeAnswers(plain: FormAnswers, personal: FormAnswers | null): FormAnswers {
  const out: FormAnswers = { ...plain };
  if (!personal) return out;
  for (const [code, value] of Object.entries(personal)) {
    const mine = out[code];
    if (Array.isArray(value) && Array.isArray(mine) && isEntryArray(value) && isEntryArray(mine)) {
      const n = Math.max(value.length, mine.length);
      out[code] = Array.from({ length: n }, (_, i) => ({ ...(mine[i] ?? {}), ...(value[i] ?? {}) }));
    } else out[code] = value;
  }
  return out;
}

function isEntryArray(v: unknown[]): v is FormEntryAnswers[] {
  return v.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e));
}

/** Every (item, value) of an answer set, entries of repeating sections included. */
export function* eachAnswer(
  form: CompiledForm,
  answers: FormAnswers,
): Generator<{ ci: CompiledItem; value: FormAnswerValue; entry: number | null }> {
  for (const [code, value] of Object.entries(answers)) {
    if (isEntryList(form, code, value)) {
      for (const [i, entry] of value.entries())
        for (const [k, v] of Object.entries(entry)) {
          const ci = form.items.get(k);
          if (ci) yield { ci, value: v, entry: i };
        }
      continue;
    }
    const ci = form.items.get(code);
    if (ci) yield { ci, value: value as FormAnswerValue, entry: null };
  }
}

/**
 * Range facets: coarse buckets of number and date answers, so a range filter over a million
 * responses is narrowed by the facet index before each row is checked (年齢 30–49 reads the
 * rows in buckets 30–39 and 40–49, not every row). A number gets one bucket per size
 * (`age#1:3` — tens; `#3:` thousands; `#5:` hundred-thousands), a date its month and its year
 * (`visit@2026-04`, `visit@2026`). The migration 1765324800000-forms-range-facets computes the same.
 */
export const NUMBER_BUCKET_EXPONENTS = [1, 3, 5] as const;
/** A range over more buckets than this is checked row by row (the prefilter would not narrow much). */
export const RANGE_BUCKETS_MAX = 16;
/** Numbers beyond this get no bucket (they would not fit the migration's bigint). */
const BUCKETED_NUMBER_MAX = 1e15;

/** The range facets of one answer of an item (none for other types, personal items are skipped by the caller). */
export function rangeFacetsOf(ci: CompiledItem, value: unknown): string[] {
  if (ci.item.type === 'number' && typeof value === 'number' && Math.abs(value) < BUCKETED_NUMBER_MAX)
    return NUMBER_BUCKET_EXPONENTS.map((k) => `${ci.code}#${k}:${Math.floor(value / 10 ** k) || 0}`);
  if (ci.item.type === 'date' && isIsoDate(value))
    return [`${ci.code}@${value.slice(0, 4)}`, `${ci.code}@${value.slice(0, 7)}`];
  return [];
}

/**
 * The range facets one of which a response with an answer between `min` and `max` (both given)
 * must have, or null when the range spans too many buckets to be worth it.
 */
export function rangePrefilter(
  code: string,
  type: 'number' | 'date',
  min: number | string,
  max: number | string,
): string[] | null {
  if (type === 'number') {
    if (typeof min !== 'number' || typeof max !== 'number' || min > max) return null;
    if (Math.max(Math.abs(min), Math.abs(max)) >= BUCKETED_NUMBER_MAX) return null;
    for (const k of NUMBER_BUCKET_EXPONENTS) {
      const lo = Math.floor(min / 10 ** k);
      const hi = Math.floor(max / 10 ** k);
      if (hi - lo + 1 <= RANGE_BUCKETS_MAX)
        return Array.from({ length: hi - lo + 1 }, (_, i) => `${code}#${k}:${lo + i || 0}`);
    }
    return null;
  }
  if (!isIsoDate(min) || !isIsoDate(max)) return null;
  if (min > max) return null;
  const [y1, m1] = [Number(min.slice(0, 4)), Number(min.slice(5, 7))];
  const [y2, m2] = [Number(max.slice(0, 4)), Number(max.slice(5, 7))];
  const months = (y2 - y1) * 12 + (m2 - m1) + 1;
  if (months <= RANGE_BUCKETS_MAX)
    return Array.from({ length: months }, (_, i) => {
      const n = y1 * 12 + (m1 - 1) + i;
      return `${code}@${String(Math.floor(n / 12)).padStart(4, '0')}-${String((n % 12) + 1).padStart(2, '0')}`;
    });
  if (y2 - y1 + 1 <= RANGE_BUCKETS_MAX)
    return Array.from({ length: y2 - y1 + 1 }, (_, i) => `${code}@${String(y1 + i).padStart(4, '0')}`);
  return null;
}

/** The facets of a clean answer set (see the module comment), sorted and unique. */
export function facetsOf(form: CompiledForm, answers: FormAnswers): string[] {
  const out = new Set<string>();
  for (const { ci, value } of eachAnswer(form, answers)) {
    out.add(ci.code);
    if (isPersonalItem(ci)) continue;
    for (const f of rangeFacetsOf(ci, value)) out.add(f);
    if (!ci.options) continue;
    const chosen = Array.isArray(value) ? (value as string[]) : typeof value === 'string' ? [value] : [];
    for (const code of chosen) {
      out.add(`${ci.code}=${code}`);
      const path = ci.options.get(code)?.path ?? [];
      for (const above of path.slice(0, -1)) out.add(`${ci.code}^${above}`);
    }
  }
  return [...out].sort();
}

/** Entries per repeating section, for the CSV's columns. */
export function repeatCounts(form: CompiledForm, answers: FormAnswers): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, value] of Object.entries(answers))
    if (isEntryList(form, code, value)) out[code] = value.length;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Full-text search: character bigrams

/** Text as both the stored vector and the query see it: NFKC (full-width ＡＢＣ１ → ABC1), lower case. */
export function searchNormalise(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function words(text: string): string[][] {
  return searchNormalise(text)
    .split(/[\s\p{P}\p{S}]+/u)
    .filter(Boolean)
    .map((w) => [...w]);
}

function lexeme(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** tsvector positions stop at 16383 (PostgreSQL clamps larger ones); long answers are indexed that far. */
const MAX_POSITION = 16383;

/**
 * The search vector (a tsvector literal) of the free text of non-personal items: bigrams with
 * their positions, one-character words as themselves, a gap between words and between answers so
 * a phrase never runs across them.
 */
export function searchVectorOf(form: CompiledForm, answers: FormAnswers): string {
  const positions = new Map<string, number[]>();
  let pos = 1;
  const add = (token: string) => {
    if (pos > MAX_POSITION) return;
    const list = positions.get(token) ?? [];
    if (list.length < 256) list.push(pos);
    positions.set(token, list);
  };
  for (const { ci, value } of eachAnswer(form, answers)) {
    if (isPersonalItem(ci) || typeof value !== 'string') continue;
    if (ci.item.type !== 'shortText' && ci.item.type !== 'longText') continue;
    for (const w of words(value)) {
      if (w.length === 1) add(w[0]!);
      for (let i = 0; i + 1 < w.length; i++) {
        add(w[i]! + w[i + 1]!);
        pos++;
      }
      pos += 2;
    }
    pos += 2;
  }
  return [...positions].map(([t, p]) => `${lexeme(t)}:${p.join(',')}`).join(' ');
}

/**
 * A tsquery for what staff typed: every word must occur (AND), each word as a phrase of its
 * bigrams; a one-character word matches bigrams starting with it. Null when nothing searchable.
 */
export function searchQueryOf(q: string): string | null {
  const parts = words(q)
    .slice(0, 10)
    .map((w) => {
      if (w.length === 1) return `${lexeme(w[0]!)}:*`;
      const bigrams: string[] = [];
      for (let i = 0; i + 1 < w.length && bigrams.length < 30; i++) bigrams.push(lexeme(w[i]! + w[i + 1]!));
      return bigrams.length === 1 ? bigrams[0]! : `(${bigrams.join(' <-> ')})`;
    });
  return parts.length ? parts.join(' & ') : null;
}

// ---------------------------------------------------------------------------------------------
// An answer as people read it (CSV cells, list summaries)

function optionLabel(ci: CompiledItem, code: string): string {
  const o = ci.options?.get(code);
  if (!o) return code;
  if (o.path.length <= 1) return o.label;
  return o.path.map((c) => ci.options?.get(c)?.label ?? c).join('／');
}

/**
 * One answer as text for a spreadsheet: option labels (a hierarchy as 北部／熊山), several joined
 * with 「、」, addresses in one line, places as "lat,lng", files by name. Numbers stay numbers.
 */
export function answerCell(ci: CompiledItem, value: FormAnswerValue | undefined): string | number | null {
  if (value === undefined || value === null) return null;
  switch (ci.item.type) {
    case 'number':
      return typeof value === 'number' ? value : String(value);
    case 'singleChoice':
    case 'dropdown':
    case 'hierarchyChoice':
      return typeof value === 'string' ? optionLabel(ci, value) : null;
    case 'multipleChoice':
      return Array.isArray(value) ? (value as string[]).map((c) => optionLabel(ci, c)).join('、') : null;
    case 'address': {
      const a = value as FormAddressAnswer;
      return [a.prefecture + a.city + a.town, a.building].filter(Boolean).join(' ');
    }
    case 'location': {
      const l = value as FormLocationAnswer;
      return `${l.lat},${l.lng}`;
    }
    case 'file':
      return Array.isArray(value) ? (value as FormFileRef[]).map((f) => f.name).join('、') : null;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
