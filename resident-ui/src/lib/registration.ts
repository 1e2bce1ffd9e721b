/**
 * The resident's 受信設定 forms (SEG-1, SEG-3, SEG-5): the shapes the API sends
 * (server/src/modules/attributes/resident-registration.routes.ts), what the form screen keeps
 * while the resident types (a "draft"), the checks run before the confirmation step and the
 * payload sent back. Pure: no DOM, no fetch.
 *
 * The client checks say the same as the server's (values.ts) so a resident sees the mistake
 * before confirming; the server still checks everything and its messages are shown the same way.
 */
import { t } from './i18n.ts';

export interface ChoiceOption {
  code: string;
  label: string;
}
export interface OptionNode extends ChoiceOption {
  children?: OptionNode[];
}

interface ItemBase {
  code: string;
  label: string;
  helpText: string;
  required: boolean;
}

export type FormItem =
  | (ItemBase & { kind: 'single'; config: { options: ChoiceOption[] } })
  | (ItemBase & {
      kind: 'multi';
      /** `minSelect`: forms only (受信設定 has no lower limit). */
      config: { options: ChoiceOption[]; maxSelect?: number; minSelect?: number };
    })
  | (ItemBase & { kind: 'hierarchy'; config: { options: OptionNode[]; leafOnly: boolean } })
  | (ItemBase & { kind: 'date'; config: DateConfig })
  | (ItemBase & { kind: 'dates'; config: DateConfig & { maxCount: number } })
  | (ItemBase & { kind: 'number'; config: NumberConfig })
  | (ItemBase & { kind: 'text'; config: { maxLength: number; multiline: boolean } })
  /**
   * A kind this page does not know (a newer server): not shown, and its current answer is sent
   * back unchanged, because saving a form replaces every item of it.
   */
  | (ItemBase & { kind: 'unsupported'; config: null });

export interface DateConfig {
  precision: 'day' | 'month';
  minDate?: string;
  maxDate?: string;
  notFuture: boolean;
}
export interface NumberConfig {
  min?: number;
  max?: number;
  integer: boolean;
  unit?: string;
}

export interface RegistrationForm {
  code: string;
  name: string;
  introText: string;
  askEmail: boolean;
  requiresPasscode: boolean;
  /** ISO timestamps of the first and the last save; null: never registered. */
  registration: { registeredAt: string; updatedAt: string } | null;
  items: FormItem[];
}

/** A stored answer: option code(s), "YYYY-MM-DD" date(s), a number or a text. */
export type AttributeValue = string | string[] | number;

// ---------------------------------------------------------------------------------------------
// Parsing what the API sends (defensive: a malformed part is dropped, never rendered)

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const optionalNumber = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const optionalDate = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined);

function parseOptions(v: unknown): ChoiceOption[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((o) =>
    isRecord(o) && typeof o.code === 'string' && typeof o.label === 'string'
      ? [{ code: o.code, label: o.label }]
      : [],
  );
}

function parseTree(v: unknown): OptionNode[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((o) => {
    if (!isRecord(o) || typeof o.code !== 'string' || typeof o.label !== 'string') return [];
    const children = parseTree(o.children);
    return [children.length ? { code: o.code, label: o.label, children } : { code: o.code, label: o.label }];
  });
}

function parseDateConfig(c: Record<string, unknown>): DateConfig {
  return {
    precision: c.precision === 'month' ? 'month' : 'day',
    minDate: optionalDate(c.minDate),
    maxDate: optionalDate(c.maxDate),
    notFuture: c.notFuture === true,
  };
}

export function parseItem(v: unknown): FormItem | null {
  if (!isRecord(v) || typeof v.code !== 'string' || typeof v.label !== 'string') return null;
  const base: ItemBase = {
    code: v.code,
    label: v.label,
    helpText: typeof v.helpText === 'string' ? v.helpText : '',
    required: v.required === true,
  };
  const c = isRecord(v.config) ? v.config : {};
  switch (v.kind) {
    case 'single':
      return { ...base, kind: 'single', config: { options: parseOptions(c.options) } };
    case 'multi': {
      const maxSelect = optionalNumber(c.maxSelect);
      return {
        ...base,
        kind: 'multi',
        config: { options: parseOptions(c.options), ...(maxSelect ? { maxSelect } : {}) },
      };
    }
    case 'hierarchy':
      return {
        ...base,
        kind: 'hierarchy',
        config: { options: parseTree(c.options), leafOnly: c.leafOnly !== false },
      };
    case 'date':
      return { ...base, kind: 'date', config: parseDateConfig(c) };
    case 'dates':
      return {
        ...base,
        kind: 'dates',
        config: { ...parseDateConfig(c), maxCount: Math.max(1, optionalNumber(c.maxCount) ?? 1) },
      };
    case 'number': {
      const unit = typeof c.unit === 'string' && c.unit.trim() ? c.unit.trim() : undefined;
      return {
        ...base,
        kind: 'number',
        config: {
          min: optionalNumber(c.min),
          max: optionalNumber(c.max),
          integer: c.integer !== false,
          ...(unit ? { unit } : {}),
        },
      };
    }
    case 'text':
      return {
        ...base,
        kind: 'text',
        config: { maxLength: optionalNumber(c.maxLength) ?? 200, multiline: c.multiline === true },
      };
    default:
      return { ...base, kind: 'unsupported', config: null };
  }
}

export function parseForm(v: unknown): RegistrationForm | null {
  if (!isRecord(v) || typeof v.code !== 'string' || typeof v.name !== 'string') return null;
  const r = v.registration;
  return {
    code: v.code,
    name: v.name,
    introText: typeof v.introText === 'string' ? v.introText : '',
    askEmail: v.askEmail === true,
    requiresPasscode: v.requiresPasscode === true,
    registration:
      isRecord(r) && typeof r.registeredAt === 'string' && typeof r.updatedAt === 'string'
        ? { registeredAt: r.registeredAt, updatedAt: r.updatedAt }
        : null,
    items: Array.isArray(v.items) ? v.items.flatMap((i) => parseItem(i) ?? []) : [],
  };
}

export function parseValues(v: unknown): Record<string, AttributeValue> {
  if (!isRecord(v)) return {};
  const out: Record<string, AttributeValue> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x))) out[k] = x;
    else if (Array.isArray(x) && x.every((e) => typeof e === 'string')) out[k] = x as string[];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Options of a hierarchy (area → district …)

export interface FlatOption {
  code: string;
  label: string;
  /** Codes from the top down to this option (itself last). */
  path: string[];
  /** Labels along the path. */
  labels: string[];
  isLeaf: boolean;
}

export function flattenTree(nodes: readonly OptionNode[]): FlatOption[] {
  const out: FlatOption[] = [];
  const walk = (list: readonly OptionNode[], path: string[], labels: string[]) => {
    for (const n of list) {
      const p = [...path, n.code];
      const l = [...labels, n.label];
      out.push({ code: n.code, label: n.label, path: p, labels: l, isLeaf: !n.children?.length });
      if (n.children?.length) walk(n.children, p, l);
    }
  };
  walk(nodes, [], []);
  return out;
}

/** Codes from the top of the tree down to `code`, or [] when the tree lacks it. */
export function pathTo(nodes: readonly OptionNode[], code: string): string[] {
  return flattenTree(nodes).find((o) => o.code === code)?.path ?? [];
}

/** The options offered at each step of the picker: the top level, then the children of each choice. */
export function levelsFor(nodes: readonly OptionNode[], path: readonly string[]): OptionNode[][] {
  const levels: OptionNode[][] = [nodes as OptionNode[]];
  let current: readonly OptionNode[] = nodes;
  for (const code of path) {
    const n = current.find((o) => o.code === code);
    if (!n?.children?.length) break;
    levels.push(n.children);
    current = n.children;
  }
  return levels;
}

/** The path after choosing `code` at step `level` (an empty code clears that step and below). */
export function choosePath(path: readonly string[], level: number, code: string): string[] {
  const kept = path.slice(0, level);
  return code ? [...kept, code] : kept;
}

/** Letters compared by search: full-width to half-width, lower case, katakana as hiragana. */
export function foldForSearch(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60))
    .replace(/\s+/g, '');
}

/**
 * Options whose name contains the query (any step), choosable ones only: with `leafOnly`, the
 * last step. Matches at the start of the name first, then in tree order.
 */
export function searchTree(
  nodes: readonly OptionNode[],
  query: string,
  leafOnly: boolean,
  limit = 30,
): { matches: FlatOption[]; total: number } {
  const q = foldForSearch(query);
  if (!q) return { matches: [], total: 0 };
  const hits = flattenTree(nodes).filter(
    (o) => (!leafOnly || o.isLeaf) && foldForSearch(o.label).includes(q),
  );
  const starts = hits.filter((o) => foldForSearch(o.label).startsWith(q));
  const rest = hits.filter((o) => !foldForSearch(o.label).startsWith(q));
  return { matches: [...starts, ...rest].slice(0, limit), total: hits.length };
}

// ---------------------------------------------------------------------------------------------
// Dates, numbers, e-mail as residents type them

/** The calendar date in Japan (the server judges "not in the future" on the JST calendar). */
export function todayInJapan(now: Date): string {
  return new Date(now.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1900 && y <= 2199 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/**
 * A date as typed where the browser has no date picker ("2019/4/2", "２０１９年４月２日") to
 * "YYYY-MM-DD" ("YYYY-MM" for month precision); anything else is returned trimmed, unchanged.
 */
export function normaliseDateInput(raw: string, precision: 'day' | 'month'): string {
  const s = raw.normalize('NFKC').trim();
  const m =
    precision === 'month'
      ? /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$/.exec(s)
      : /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(s);
  if (!m) return s;
  const parts = m.slice(1).map((p, i) => (i === 0 ? p : p!.padStart(2, '0')));
  return parts.join('-');
}

/** "YYYY-MM-DD" (or "YYYY-MM") as residents read it: 2019年4月2日 / 2019年4月. */
export function formatDateJa(date: string, precision: 'day' | 'month'): string {
  const [y, m, d] = date.split('-').map(Number);
  return precision === 'month' || d === undefined ? `${y}年${m}月` : `${y}年${m}月${d}日`;
}

const JST_TIMESTAMP = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** When a form was last saved, in Japan time: 2026年5月3日 09:05. */
export function formatTimestampJa(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = Object.fromEntries(JST_TIMESTAMP.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}年${p.month}月${p.day}日 ${p.hour}:${p.minute}`;
}

/** A number as typed on a Japanese keyboard: full-width digits, thousands separators, spaces. */
export function normaliseNumber(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[−ー―‐]/g, '-')
    .replace(/[,\s]/g, '');
}

export function normaliseEmail(raw: string): string {
  return raw.normalize('NFKC').trim();
}

/** A first check only (the server has the last word): something@something.tld, no spaces. */
export function looksLikeEmail(email: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(email);
}

// ---------------------------------------------------------------------------------------------
// Drafts: what the form keeps while the resident types

/**
 * single: the option code ('' none); multi: codes; hierarchy: the chosen path; date: the input's
 * value; dates: one string per row; number, text: the text typed. `BAD_DATE` marks a date the
 * browser could not read (a half-typed date), so it is not mistaken for "no answer".
 */
export type DraftValue = string | string[];
export type Draft = Record<string, DraftValue>;

export const BAD_DATE = '?';

const asString = (v: DraftValue | undefined) => (typeof v === 'string' ? v : '');
const asList = (v: DraftValue | undefined) => (Array.isArray(v) ? v : []);

function dateForInput(value: string, precision: 'day' | 'month'): string {
  return precision === 'month' ? value.slice(0, 7) : value;
}

export function draftFromValues(items: readonly FormItem[], values: Record<string, AttributeValue>): Draft {
  const draft: Draft = {};
  for (const item of items) {
    const v = values[item.code];
    switch (item.kind) {
      case 'single':
      case 'text':
        draft[item.code] = typeof v === 'string' ? v : '';
        break;
      case 'multi':
        draft[item.code] = Array.isArray(v) ? [...v] : [];
        break;
      case 'hierarchy':
        draft[item.code] = typeof v === 'string' ? pathTo(item.config.options, v) : [];
        break;
      case 'date':
        draft[item.code] = typeof v === 'string' ? dateForInput(v, item.config.precision) : '';
        break;
      case 'dates': {
        const rows = Array.isArray(v) ? v.map((d) => dateForInput(d, item.config.precision)) : [];
        // One empty row to start with: the first answer needs no "add" tap.
        draft[item.code] = rows.length ? rows : [''];
        break;
      }
      case 'number':
        draft[item.code] = typeof v === 'number' ? String(v) : '';
        break;
      case 'unsupported':
        break;
    }
  }
  return draft;
}

/** The hierarchy answer of a path: its last code (the server checks whether it may be chosen). */
function hierarchyValue(path: readonly string[]): string | null {
  return path.length ? path[path.length - 1]! : null;
}

/**
 * The `values` of PUT /registration/:formCode. Every item of the form is present (the form is
 * saved as a whole; null clears an item); an item this page cannot show keeps its answer.
 */
export function valuesFromDraft(
  items: readonly FormItem[],
  draft: Draft,
  current: Record<string, AttributeValue>,
): Record<string, AttributeValue | null> {
  const out: Record<string, AttributeValue | null> = {};
  for (const item of items) {
    const d = draft[item.code];
    switch (item.kind) {
      case 'single':
        out[item.code] = asString(d) || null;
        break;
      case 'multi': {
        // In the order of the options, as the resident sees them.
        const chosen = new Set(asList(d));
        const codes = item.config.options.map((o) => o.code).filter((c) => chosen.has(c));
        out[item.code] = codes.length ? codes : null;
        break;
      }
      case 'hierarchy':
        out[item.code] = hierarchyValue(asList(d));
        break;
      case 'date': {
        const s = normaliseDateInput(asString(d), item.config.precision);
        out[item.code] = s || null;
        break;
      }
      case 'dates': {
        const rows = asList(d)
          .map((r) => normaliseDateInput(r, item.config.precision))
          .filter(Boolean);
        out[item.code] = rows.length ? rows : null;
        break;
      }
      case 'number': {
        const s = normaliseNumber(asString(d));
        const n = Number(s);
        out[item.code] = s === '' ? null : Number.isFinite(n) ? n : s;
        break;
      }
      case 'text': {
        const s = asString(d).trim();
        out[item.code] = s || null;
        break;
      }
      case 'unsupported':
        out[item.code] = current[item.code] ?? null;
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks before the confirmation step (same rules and words as the server)

export interface FieldProblem {
  message: string;
  /** For several dates: the row (0-based) to focus. */
  row?: number;
}

function dateProblem(value: string, config: DateConfig, today: string): string | null {
  if (value === BAD_DATE) return t('check.dateIncomplete');
  const month = config.precision === 'month';
  const s = month && /^\d{4}-\d{2}$/.test(value) ? `${value}-01` : value;
  if (!isRealDate(s)) return month ? t('check.monthFormat') : t('check.dateFormat');
  const date = month ? `${s.slice(0, 8)}01` : s;
  if (config.notFuture && date > today) return t('check.future');
  const min = config.minDate && (month ? `${config.minDate.slice(0, 8)}01` : config.minDate);
  if (min && date < min)
    return t('check.notBefore', { date: formatDateJa(config.minDate!, config.precision) });
  if (config.maxDate && date > config.maxDate)
    return t('check.notAfter', { date: formatDateJa(config.maxDate, config.precision) });
  return null;
}

function textLength(s: string, multiline: boolean): number {
  const text = multiline ? s.replace(/\r\n?/g, '\n').trim() : s.replace(/\s+/g, ' ').trim();
  return [...text].length;
}

function formatNumber(n: number): string {
  return String(n);
}

/** One item's problem, or null. */
export function checkItem(item: FormItem, value: DraftValue | undefined, today: string): FieldProblem | null {
  const label = item.label;
  const required = (verb: 'choose' | 'enter') =>
    item.required
      ? { message: t(verb === 'choose' ? 'check.requiredChoose' : 'check.requiredEnter', { label }) }
      : null;
  switch (item.kind) {
    case 'single':
      return asString(value) ? null : required('choose');
    case 'multi': {
      const n = asList(value).length;
      if (!n) return required('choose');
      const max = item.config.maxSelect;
      return max !== undefined && n > max ? { message: t('check.tooMany', { label, max }) } : null;
    }
    case 'hierarchy': {
      const path = asList(value);
      if (!path.length) return required('choose');
      const last = flattenTree(item.config.options).find((o) => o.code === path[path.length - 1]);
      if (last && item.config.leafOnly && !last.isLeaf)
        return { message: t('check.chooseFurther', { label, option: last.label }) };
      return null;
    }
    case 'date': {
      const s = normaliseDateInput(asString(value), item.config.precision);
      if (!s) return required('enter');
      const p = dateProblem(s, item.config, today);
      return p ? { message: t('check.dateOf', { label, problem: p }) } : null;
    }
    case 'dates': {
      const rows = asList(value).map((r) => normaliseDateInput(r, item.config.precision));
      const given = rows.map((r, row) => ({ r, row })).filter(({ r }) => r !== '');
      if (!given.length) return required('enter');
      if (given.length > item.config.maxCount)
        return { message: t('check.tooManyDates', { label, max: item.config.maxCount }) };
      for (const [i, { r, row }] of given.entries()) {
        const p = dateProblem(r, item.config, today);
        if (p) return { message: t('check.dateRow', { label, n: i + 1, problem: p }), row };
      }
      return null;
    }
    case 'number': {
      const s = normaliseNumber(asString(value));
      if (!s) return required('enter');
      const n = Number(s);
      if (!Number.isFinite(n)) return { message: t('check.notNumber', { label }) };
      if (item.config.integer && !Number.isInteger(n)) return { message: t('check.notInteger', { label }) };
      const unit = item.config.unit ?? '';
      if (item.config.min !== undefined && n < item.config.min)
        return { message: t('check.min', { label, min: formatNumber(item.config.min), unit }) };
      if (item.config.max !== undefined && n > item.config.max)
        return { message: t('check.max', { label, max: formatNumber(item.config.max), unit }) };
      return null;
    }
    case 'text': {
      const s = asString(value);
      if (!s.trim()) return required('enter');
      return textLength(s, item.config.multiline) > item.config.maxLength
        ? { message: t('check.tooLong', { label, max: item.config.maxLength }) }
        : null;
    }
    case 'unsupported':
      return null;
  }
}

/** Problems by field key (`item:<code>`, `email`, `passcode`), in the form's order. */
export type FieldProblems = Record<string, FieldProblem>;

export const itemKey = (code: string) => `item:${code}`;

export function checkDraft(
  form: Pick<RegistrationForm, 'items' | 'askEmail' | 'requiresPasscode'>,
  draft: Draft,
  extra: { email: string; passcode: string },
  today: string,
): FieldProblems {
  const out: FieldProblems = {};
  if (form.requiresPasscode && !extra.passcode.trim()) out.passcode = { message: t('check.passcode') };
  for (const item of form.items) {
    const p = checkItem(item, draft[item.code], today);
    if (p) out[itemKey(item.code)] = p;
  }
  const email = normaliseEmail(extra.email);
  if (form.askEmail && email && !looksLikeEmail(email)) out.email = { message: t('check.email') };
  return out;
}

/**
 * The server's `errors[]` (paths `values.<code>`, `email`, `passcode`) by field key; messages
 * whose path names no field of the form are returned apart, to be shown above the form.
 */
export function problemsFromServer(
  errors: ReadonlyArray<{ path: string; message: string }>,
  items: readonly FormItem[],
): { fields: FieldProblems; other: string[] } {
  const fields: FieldProblems = {};
  const other: string[] = [];
  const codes = new Set(items.map((i) => i.code));
  for (const e of errors) {
    const code = e.path.startsWith('values.') ? e.path.slice('values.'.length).split('.')[0]! : null;
    const key =
      code && codes.has(code) ? itemKey(code) : e.path === 'email' || e.path === 'passcode' ? e.path : null;
    if (key && !fields[key]) fields[key] = { message: e.message };
    else if (!key) other.push(e.message);
  }
  return { fields, other };
}

// ---------------------------------------------------------------------------------------------
// The confirmation step

/** What the resident chose, as lines to read back ([] = not answered). */
export function describeAnswer(item: FormItem, value: DraftValue | undefined): string[] {
  switch (item.kind) {
    case 'single': {
      const code = asString(value);
      const o = item.config.options.find((x) => x.code === code);
      return code ? [o?.label ?? code] : [];
    }
    case 'multi': {
      const chosen = new Set(asList(value));
      return item.config.options.filter((o) => chosen.has(o.code)).map((o) => o.label);
    }
    case 'hierarchy': {
      const path = asList(value);
      if (!path.length) return [];
      const flat = flattenTree(item.config.options).find((o) => o.code === path[path.length - 1]);
      return [flat ? flat.labels.join(' › ') : path.join(' › ')];
    }
    case 'date': {
      const s = normaliseDateInput(asString(value), item.config.precision);
      return s ? [formatDateJa(s, item.config.precision)] : [];
    }
    case 'dates':
      return asList(value)
        .map((r) => normaliseDateInput(r, item.config.precision))
        .filter(Boolean)
        .map((s) => formatDateJa(s, item.config.precision));
    case 'number': {
      const s = normaliseNumber(asString(value));
      return s ? [`${s}${item.config.unit ?? ''}`] : [];
    }
    case 'text': {
      const s = asString(value).trim();
      return s ? [s] : [];
    }
    case 'unsupported':
      return [];
  }
}
