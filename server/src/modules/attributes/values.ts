import type { FieldError } from '../../platform/http/errors.js';
import {
  CHOICE_KINDS,
  indexOptions,
  type AttributeItem,
  type DateConfig,
  type DatesConfig,
  type HierarchyConfig,
  type MultiConfig,
  type NumberConfig,
  type TextConfig,
} from './attribute.model.js';
import { firstOfMonth, isIsoDate, jstDate } from './dates.js';

/**
 * A resident's answer to one item, as the API carries it:
 * single / hierarchy: an option code; multi: option codes; date: "YYYY-MM-DD" (month precision:
 * "YYYY-MM" also accepted); dates: a list of those; number: a number; text: a string.
 * `null` (or an empty string / list) means "not answered".
 */
export type AttributeValue = string | string[] | number;

export interface ValidatedEntry {
  item: AttributeItem;
  /** Normalised value, or null to clear the item. */
  value: AttributeValue | null;
}

export interface ValidationOutcome {
  entries: ValidatedEntry[];
  errors: FieldError[];
}

export interface ValidateOptions {
  /**
   * `replace`: the submission is the whole of `items` (a registration form): a missing key clears
   * the item. `patch`: only the keys present are changed (staff editing part of a resident's
   * settings). In both, a required item may not end up empty.
   */
  mode: 'replace' | 'patch';
  /** The clock for "not in the future" (JST calendar). */
  now: Date;
  /** The resident's current values by item code: an archived option already chosen may stay. */
  current?: Record<string, AttributeValue>;
  /** Prefix of error paths ("values" → "values.district"). */
  pathPrefix?: string;
}

const EMPTY = Symbol('empty');

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

function currentCodes(current: AttributeValue | undefined): Set<string> {
  if (typeof current === 'string') return new Set([current]);
  if (Array.isArray(current)) return new Set(current);
  return new Set();
}

/** Reads one date answer; month-precision items take "YYYY-MM" and keep the first of the month. */
function readDate(raw: unknown, config: DateConfig, today: string): { date: string } | { error: string } {
  if (typeof raw !== 'string') return { error: '日付を YYYY-MM-DD の形式で入力してください' };
  const s = config.precision === 'month' && /^\d{4}-\d{2}$/.test(raw) ? `${raw}-01` : raw;
  if (!isIsoDate(s))
    return {
      error:
        config.precision === 'month'
          ? '年月を YYYY-MM の形式で正しく入力してください'
          : '日付を YYYY-MM-DD の形式で正しく入力してください',
    };
  const date = config.precision === 'month' ? firstOfMonth(s) : s;
  if (config.notFuture && date > today) return { error: '未来の日付は登録できません' };
  if (config.minDate && date < (config.precision === 'month' ? firstOfMonth(config.minDate) : config.minDate))
    return { error: `${formatJa(config.minDate, config.precision)}以降の日付を入力してください` };
  if (config.maxDate && date > config.maxDate)
    return { error: `${formatJa(config.maxDate, config.precision)}以前の日付を入力してください` };
  return { date };
}

function formatJa(date: string, precision: 'day' | 'month'): string {
  const [y, m, d] = date.split('-').map(Number);
  return precision === 'month' ? `${y}年${m}月` : `${y}年${m}月${d}日`;
}

/** Checks one item's answer; returns the normalised value, EMPTY, or a Japanese message. */
function checkItem(
  item: AttributeItem,
  raw: unknown,
  today: string,
  current: AttributeValue | undefined,
): { value: AttributeValue | typeof EMPTY } | { error: string } {
  if (isEmpty(raw)) return { value: EMPTY };
  const name = `「${item.label}」`;
  switch (item.kind) {
    case 'single':
    case 'hierarchy': {
      if (typeof raw !== 'string') return { error: `${name}の選択肢を1つ選んでください` };
      const o = indexOptions(item).get(raw);
      if (!o) return { error: `${name}の選択肢が正しくありません` };
      if (o.archived && !currentCodes(current).has(raw))
        return { error: `${name}の選択肢「${o.label}」は現在選べません` };
      if (item.kind === 'hierarchy' && (item.config as HierarchyConfig).leafOnly && !o.isLeaf)
        return { error: `${name}は「${o.label}」の中からさらに選んでください` };
      return { value: raw };
    }
    case 'multi': {
      if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'string'))
        return { error: `${name}の選択肢を選んでください` };
      const codes = [...new Set(raw as string[])];
      const index = indexOptions(item);
      const had = currentCodes(current);
      for (const c of codes) {
        const o = index.get(c);
        if (!o) return { error: `${name}の選択肢が正しくありません` };
        if (o.archived && !had.has(c)) return { error: `${name}の選択肢「${o.label}」は現在選べません` };
      }
      const max = (item.config as MultiConfig).maxSelect;
      if (max !== undefined && codes.length > max) return { error: `${name}は${max}個まで選べます` };
      return { value: codes };
    }
    case 'date': {
      const r = readDate(raw, item.config as DateConfig, today);
      return 'error' in r ? { error: `${name}: ${r.error}` } : { value: r.date };
    }
    case 'dates': {
      const config = item.config as DatesConfig;
      if (!Array.isArray(raw)) return { error: `${name}は日付の一覧で入力してください` };
      const given = raw.filter((d) => !isEmpty(d));
      if (given.length > config.maxCount) return { error: `${name}は${config.maxCount}件まで登録できます` };
      const dates: string[] = [];
      for (const [i, d] of given.entries()) {
        const r = readDate(d, config, today);
        if ('error' in r) return { error: `${name}の${i + 1}件目: ${r.error}` };
        dates.push(r.date);
      }
      return dates.length ? { value: dates } : { value: EMPTY };
    }
    case 'number': {
      const config = item.config as NumberConfig;
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n)) return { error: `${name}は数値で入力してください` };
      if (config.integer && !Number.isInteger(n)) return { error: `${name}は整数で入力してください` };
      const unit = config.unit ?? '';
      if (config.min !== undefined && n < config.min)
        return { error: `${name}は${config.min}${unit}以上にしてください` };
      if (config.max !== undefined && n > config.max)
        return { error: `${name}は${config.max}${unit}以下にしてください` };
      return { value: n };
    }
    case 'text': {
      if (typeof raw !== 'string') return { error: `${name}は文字で入力してください` };
      const config = item.config as TextConfig;
      const text = config.multiline ? raw.replace(/\r\n?/g, '\n').trim() : raw.replace(/\s+/g, ' ').trim();
      if (!text) return { value: EMPTY };
      if ([...text].length > config.maxLength)
        return { error: `${name}は${config.maxLength}文字以内で入力してください` };
      return { value: text };
    }
  }
}

/**
 * Validates a submission against the item definitions: the one check shared by residents' forms
 * and staff edits (SEG-3, SEG-4). Unknown items, wrong option codes, dates outside their range or
 * in the future, too many dates or choices, numbers out of range and empty required items each
 * give one Japanese message at `values.<code>`.
 */
export function validateSubmission(
  items: AttributeItem[],
  input: Record<string, unknown>,
  opts: ValidateOptions,
): ValidationOutcome {
  const prefix = opts.pathPrefix ?? 'values';
  const byCode = new Map(items.map((i) => [i.code, i]));
  const errors: FieldError[] = [];
  const entries: ValidatedEntry[] = [];
  const today = jstDate(opts.now);
  for (const code of Object.keys(input)) {
    if (!byCode.has(code)) errors.push({ path: `${prefix}.${code}`, message: 'この項目は登録できません' });
  }
  for (const item of items) {
    const present = Object.prototype.hasOwnProperty.call(input, item.code);
    if (opts.mode === 'patch' && !present) continue;
    const r = checkItem(item, input[item.code], today, opts.current?.[item.code]);
    if ('error' in r) {
      errors.push({ path: `${prefix}.${item.code}`, message: r.error });
      continue;
    }
    if (r.value === EMPTY) {
      if (item.required) {
        const verb = CHOICE_KINDS.has(item.kind) ? '選択' : '入力';
        errors.push({ path: `${prefix}.${item.code}`, message: `「${item.label}」を${verb}してください` });
        continue;
      }
      entries.push({ item, value: null });
    } else entries.push({ item, value: r.value });
  }
  return { entries, errors };
}

/** One row of resident_attribute_value (without tenant and resident). */
export interface ValueRow {
  itemId: string;
  optionCode: string | null;
  implied: boolean;
  dateValue: string | null;
  numberValue: number | null;
  /** Plain text; the service encrypts it before it is stored. */
  text: string | null;
  ordinal: number;
}

const row = (itemId: string, r: Partial<ValueRow>, ordinal = 0): ValueRow => ({
  itemId,
  optionCode: null,
  implied: false,
  dateValue: null,
  numberValue: null,
  text: null,
  ordinal,
  ...r,
});

/**
 * The rows of one answer: one per chosen option or date. A hierarchy answer also gets one
 * `implied` row per ancestor, so that a condition on a node finds everything under it.
 */
export function valueRows(item: AttributeItem, value: AttributeValue): ValueRow[] {
  switch (item.kind) {
    case 'single':
      return [row(item.id, { optionCode: value as string })];
    case 'hierarchy': {
      const o = indexOptions(item).get(value as string);
      const ancestors = o ? o.path.slice(0, -1) : [];
      return [
        row(item.id, { optionCode: value as string }),
        ...ancestors.map((code) => row(item.id, { optionCode: code, implied: true })),
      ];
    }
    case 'multi':
      return (value as string[]).map((code, i) => row(item.id, { optionCode: code }, i));
    case 'date':
      return [row(item.id, { dateValue: value as string })];
    case 'dates':
      return (value as string[]).map((d, i) => row(item.id, { dateValue: d }, i));
    case 'number':
      return [row(item.id, { numberValue: value as number })];
    case 'text':
      return [row(item.id, { text: value as string })];
  }
}
