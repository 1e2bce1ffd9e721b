import { z } from 'zod';
import type { FieldError } from '../../platform/http/errors.js';
import {
  CODE_PATTERN,
  indexOptions,
  OPTION_CODE_PATTERN,
  type AttributeItem,
} from '../attributes/attribute.model.js';
import { isIsoDate } from '../attributes/dates.js';

/**
 * A segment (SEG-6…8) is a tree of conditions over residents: groups `and` / `or` / `not` over
 * leaves. Leaves name attribute items and options by their stable codes, so a definition stays
 * right when labels change and reads the same in every tenant (templates can be shared).
 *
 * Leaves:
 * - option: the answer of a choice item is `in` any of / `not_in` any of / contains `all` of the
 *   codes. On a hierarchy item a node includes everything under it, unless `exact`.
 *   `not_in` also matches residents who did not answer.
 * - date: a date item's value is `before` / `after` a date (exclusive) or `between` two (inclusive).
 *   Each bound is a calendar date or a number of days from today (JST; negative: before today),
 *   so a saved "within the last 30 days" keeps moving with the calendar.
 * - age: years or months completed since a date item's value (a birthdate), between min and max
 *   inclusive, on today's JST date: "children under 3" is { unit: 'years', max: 2 }.
 *   For items with several dates (children's birthdates), `quantifier` says whether `any` date or
 *   `all` of them must match (`all` needs at least one date).
 * - number: compare a number item's value.
 * - answered: the item has / has no answer (the only condition on free text, which is encrypted).
 * - friend_status: the resident's status on the channel (friend, blocked, unknown).
 * - friend_period: friends for at least / at most n days, or since / until a date (JST).
 * - form_answer: an answer to a form (SEG-8): `question` is an item code of the form, `values` option
 *   codes (in, not_in), or one value to compare (eq, ne, lt…); non-personal items only (checked
 *   against the form by modules/forms/form-segments.ts). Any of the resident's responses may match.
 * - garbage: residents whose district (the calendar's district item) has a collection of (one of)
 *   `items` on the day `days` from today (JST) in a garbage-collection calendar (DEL-5): with a
 *   daily recurring delivery at 19:00, 「明日は燃やせるごみの収集日です」 to exactly those districts.
 */

export const MAX_DEPTH = 6;
export const MAX_LEAVES = 100;
export const MAX_CODES = 500;

const itemCode = z
  .string({ error: '項目を選んでください' })
  .regex(CODE_PATTERN, '項目のコードが正しくありません');
const date = (what: string) =>
  z
    .string({ error: `${what}を入力してください` })
    .refine(isIsoDate, `${what}は YYYY-MM-DD の正しい日付にしてください`);
const count = (what: string) =>
  z
    .number({ error: `${what}を数値で入力してください` })
    .int(`${what}は整数にしてください`)
    .min(0, `${what}は0以上にしてください`)
    .max(36500, `${what}が大きすぎます`);
const quantifier = z
  .enum(['any', 'all'], { error: '「いずれか」か「すべて」を選んでください' })
  .default('any');

const optionLeaf = z.strictObject({
  type: z.literal('option'),
  item: itemCode,
  op: z.enum(['in', 'not_in', 'all'], { error: '条件は in、not_in、all のいずれかにしてください' }),
  codes: z
    .array(z.string().regex(OPTION_CODE_PATTERN, '選択肢のコードが正しくありません'))
    .min(1, '選択肢を1つ以上選んでください')
    .max(MAX_CODES, `選択肢は${MAX_CODES}個までです`),
  exact: z.boolean().optional(),
});

/** Days from today (JST): negative is before today. About a hundred years either way. */
const offset = (what: string) =>
  z
    .number({ error: `${what}を数値で入力してください` })
    .int(`${what}は整数にしてください`)
    .min(-36500, `${what}が大きすぎます`)
    .max(36500, `${what}が大きすぎます`);

const dateLeaf = z
  .strictObject({
    type: z.literal('date'),
    item: itemCode,
    /**
     * `anniversary` (DEL-4, reminders on birthdays): the date's anniversary — the same month and
     * day in a later year; 29 February on 28 February in common years — falls `days` days from
     * today (3: in three days, 0: today, −7: a week ago). With a daily recurring delivery this is
     * 「お子さまの誕生日の3日前にお知らせ」.
     */
    op: z.enum(['before', 'after', 'between', 'anniversary'], {
      error: '条件は before、after、between、anniversary のいずれかにしてください',
    }),
    date: date('日付').optional(),
    from: date('開始日').optional(),
    to: date('終了日').optional(),
    /** Instead of `date` / `from` / `to`: that many days from today. */
    days: offset('日数').optional(),
    fromDays: offset('開始の日数').optional(),
    toDays: offset('終了の日数').optional(),
    quantifier,
  })
  .superRefine((l, ctx) => {
    const bound = (abs: string | undefined, rel: number | undefined, path: string, what: string) => {
      if (abs !== undefined && rel !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [path],
          message: `${what}は日付か日数のどちらかにしてください`,
        });
      else if (abs === undefined && rel === undefined)
        ctx.addIssue({ code: 'custom', path: [path], message: `${what}を入力してください` });
    };
    if (l.op === 'anniversary') {
      if (l.days === undefined)
        ctx.addIssue({ code: 'custom', path: ['days'], message: '何日後（前）の記念日かを入力してください' });
      else if (Math.abs(l.days) > 366)
        ctx.addIssue({
          code: 'custom',
          path: ['days'],
          message: '記念日までの日数は366日以内にしてください',
        });
      if ([l.date, l.from, l.to, l.fromDays, l.toDays].some((x) => x !== undefined))
        ctx.addIssue({
          code: 'custom',
          path: ['date'],
          message: '毎年の記念日の条件には日数だけを指定してください',
        });
    } else if (l.op === 'between') {
      bound(l.from, l.fromDays, 'from', '開始日');
      bound(l.to, l.toDays, 'to', '終了日');
      if (l.date !== undefined || l.days !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['date'],
          message: '期間の条件には開始日と終了日を指定してください',
        });
      if (
        (l.from && l.to && l.from > l.to) ||
        (l.fromDays !== undefined && l.toDays !== undefined && l.fromDays > l.toDays)
      )
        ctx.addIssue({ code: 'custom', path: ['to'], message: '終了日は開始日以降にしてください' });
    } else {
      bound(l.date, l.days, 'date', '日付');
      if ([l.from, l.to, l.fromDays, l.toDays].some((x) => x !== undefined))
        ctx.addIssue({
          code: 'custom',
          path: ['from'],
          message: '開始日と終了日は期間の条件にだけ指定できます',
        });
    }
  });

const ageLeaf = z
  .strictObject({
    type: z.literal('age'),
    item: itemCode,
    unit: z.enum(['years', 'months'], { error: '単位は years か months にしてください' }),
    min: count('下限').optional(),
    max: count('上限').optional(),
    quantifier,
  })
  .superRefine((l, ctx) => {
    if (l.min === undefined && l.max === undefined)
      ctx.addIssue({ code: 'custom', path: ['min'], message: '下限か上限を入力してください' });
    if (l.min !== undefined && l.max !== undefined && l.min > l.max)
      ctx.addIssue({ code: 'custom', path: ['max'], message: '上限は下限以上にしてください' });
  });

const finite = (what: string) => z.number({ error: `${what}を数値で入力してください` }).finite();
const numberLeaf = z
  .strictObject({
    type: z.literal('number'),
    item: itemCode,
    op: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between'], { error: '比較の方法が正しくありません' }),
    value: finite('値').optional(),
    min: finite('下限').optional(),
    max: finite('上限').optional(),
  })
  .superRefine((l, ctx) => {
    if (l.op === 'between') {
      if (l.min === undefined)
        ctx.addIssue({ code: 'custom', path: ['min'], message: '下限を入力してください' });
      if (l.max === undefined)
        ctx.addIssue({ code: 'custom', path: ['max'], message: '上限を入力してください' });
      if (l.min !== undefined && l.max !== undefined && l.min > l.max)
        ctx.addIssue({ code: 'custom', path: ['max'], message: '上限は下限以上にしてください' });
    } else if (l.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: '値を入力してください' });
  });

const answeredLeaf = z.strictObject({
  type: z.literal('answered'),
  item: itemCode,
  answered: z.boolean({ error: '回答あり・なしを選んでください' }),
});

export const FRIEND_STATUSES = ['friend', 'blocked', 'unknown'] as const;
const friendStatusLeaf = z.strictObject({
  type: z.literal('friend_status'),
  statuses: z
    .array(z.enum(FRIEND_STATUSES, { error: '友だちの状態は friend、blocked、unknown のいずれかです' }))
    .min(1, '友だちの状態を1つ以上選んでください'),
});

const friendPeriodLeaf = z
  .strictObject({
    type: z.literal('friend_period'),
    minDays: count('日数').optional(),
    maxDays: count('日数').optional(),
    since: date('開始日').optional(),
    until: date('終了日').optional(),
  })
  .superRefine((l, ctx) => {
    if (l.minDays === undefined && l.maxDays === undefined && !l.since && !l.until)
      ctx.addIssue({ code: 'custom', path: ['minDays'], message: '日数か日付を入力してください' });
    if (l.minDays !== undefined && l.maxDays !== undefined && l.minDays > l.maxDays)
      ctx.addIssue({ code: 'custom', path: ['maxDays'], message: '上限の日数は下限以上にしてください' });
    if (l.since && l.until && l.since > l.until)
      ctx.addIssue({ code: 'custom', path: ['until'], message: '終了日は開始日以降にしてください' });
  });

/** SEG-8: conditions on answers to a form (compiled over form_response by segment-sql.ts). */
const formAnswerLeaf = z.strictObject({
  type: z.literal('form_answer'),
  formId: z.string().uuid('フォームを選んでください'),
  question: z.string().min(1, '設問を選んでください').max(100),
  op: z.enum(['answered', 'not_answered', 'in', 'not_in', 'eq', 'ne', 'lt', 'lte', 'gt', 'gte']),
  values: z
    .array(z.union([z.string().max(500), z.number().finite()]))
    .max(MAX_CODES)
    .default([]),
});

/** Calendar codes (garbage_calendar.code): lower case, as attribute item codes, with `-` allowed. */
export const CALENDAR_CODE_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
export const GARBAGE_MAX_DAYS = 14;
export const GARBAGE_MAX_ITEMS = 50;

/**
 * DEL-5: a collection in the resident's district `days` days from today (1: tomorrow, for the
 * evening-before reminder; 0: today, for a morning one). `items` are the calendar's item names
 * (燃やせるごみ…); without them any collection counts. Item names are compared as the calendar
 * stores them: NFKC-normalised (full-width letters and digits folded), as the CSV reader does.
 */
const garbageLeaf = z.strictObject({
  type: z.literal('garbage'),
  calendar: z
    .string({ error: 'ごみカレンダーを選んでください' })
    .regex(CALENDAR_CODE_PATTERN, 'ごみカレンダーのコードが正しくありません'),
  items: z
    .array(
      z
        .string({ error: '品目を文字で指定してください' })
        .transform((s) => s.normalize('NFKC').trim())
        .pipe(z.string().min(1, '品目を入力してください').max(50, '品目は50文字以内にしてください')),
      { error: '品目を一覧で指定してください' },
    )
    .min(1, '品目を1つ以上選んでください（すべての品目なら指定しないでください）')
    .max(GARBAGE_MAX_ITEMS, `品目は${GARBAGE_MAX_ITEMS}個までです`)
    .optional(),
  days: z
    .number({ error: '何日後の収集日かを数値で入力してください' })
    .int('何日後の収集日かは整数にしてください')
    .min(0, '何日後の収集日かは0（今日）以上にしてください')
    .max(GARBAGE_MAX_DAYS, `何日後の収集日かは${GARBAGE_MAX_DAYS}日以内にしてください`),
});

export type OptionLeaf = z.input<typeof optionLeaf>;
export type DateLeaf = z.input<typeof dateLeaf>;
export type AgeLeaf = z.input<typeof ageLeaf>;
export type NumberLeaf = z.input<typeof numberLeaf>;
export type AnsweredLeaf = z.input<typeof answeredLeaf>;
export type FriendStatusLeaf = z.input<typeof friendStatusLeaf>;
export type FriendPeriodLeaf = z.input<typeof friendPeriodLeaf>;
export type FormAnswerLeaf = z.input<typeof formAnswerLeaf>;
export type GarbageLeaf = z.input<typeof garbageLeaf>;
export type Leaf =
  | GarbageLeaf
  | OptionLeaf
  | DateLeaf
  | AgeLeaf
  | NumberLeaf
  | AnsweredLeaf
  | FriendStatusLeaf
  | FriendPeriodLeaf
  | FormAnswerLeaf;
/** Leaves as staff write them (defaults such as `quantifier: 'any'` may be left out). */
export type Group = { type: 'and' | 'or'; conditions: Condition[] } | { type: 'not'; condition: Condition };
export type Condition = Leaf | Group;
/** A saved or unsaved segment: one condition tree (usually an `and` group at the top). */
export type SegmentDefinition = Condition;

const LEAF_SCHEMAS = {
  option: optionLeaf,
  date: dateLeaf,
  age: ageLeaf,
  number: numberLeaf,
  answered: answeredLeaf,
  friend_status: friendStatusLeaf,
  friend_period: friendPeriodLeaf,
  form_answer: formAnswerLeaf,
  garbage: garbageLeaf,
} as const;

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .looseObject({ type: z.string({ error: '条件の種類を指定してください' }) })
    .transform((c, ctx): Condition => {
      let schema: z.ZodType;
      if (c.type === 'and' || c.type === 'or')
        schema = z.strictObject({
          type: z.literal(c.type),
          conditions: z
            .array(conditionSchema)
            .min(1, '条件を1つ以上指定してください')
            .max(MAX_LEAVES, `条件は${MAX_LEAVES}個までです`),
        });
      else if (c.type === 'not')
        schema = z.strictObject({ type: z.literal('not'), condition: conditionSchema });
      else if (c.type in LEAF_SCHEMAS) schema = LEAF_SCHEMAS[c.type as keyof typeof LEAF_SCHEMAS];
      else {
        ctx.addIssue({ code: 'custom', path: ['type'], message: `条件の種類「${c.type}」はありません` });
        return z.NEVER;
      }
      const r = schema.safeParse(c);
      if (!r.success) {
        for (const i of r.error.issues)
          ctx.addIssue({ code: 'custom', path: i.path as PropertyKey[], message: i.message });
        return z.NEVER;
      }
      return r.data as Condition;
    }),
);

function shape(c: Condition, depth = 1): { depth: number; leaves: number } {
  if (c.type === 'and' || c.type === 'or') {
    const parts = c.conditions.map((x) => shape(x, depth + 1));
    return {
      depth: Math.max(depth, ...parts.map((p) => p.depth)),
      leaves: parts.reduce((n, p) => n + p.leaves, 0),
    };
  }
  if (c.type === 'not') return shape(c.condition, depth + 1);
  return { depth, leaves: 1 };
}

/** The definition with its size limits (nesting, number of leaves) checked. */
export const segmentDefinitionSchema = conditionSchema.superRefine((c, ctx) => {
  const s = shape(c);
  if (s.depth > MAX_DEPTH)
    ctx.addIssue({ code: 'custom', path: [], message: `条件の入れ子は${MAX_DEPTH}段までです` });
  if (s.leaves > MAX_LEAVES)
    ctx.addIssue({ code: 'custom', path: [], message: `条件は全体で${MAX_LEAVES}個までです` });
});

/** Every leaf with its path in the tree ("conditions.0.condition"). */
export function leavesOf(c: Condition, path: string[] = []): Array<{ leaf: Leaf; path: string[] }> {
  if ('conditions' in c)
    return c.conditions.flatMap((x, i) => leavesOf(x, [...path, 'conditions', String(i)]));
  if ('condition' in c) return leavesOf(c.condition, [...path, 'condition']);
  return [{ leaf: c, path }];
}

const KINDS_OF_LEAF: Partial<Record<Leaf['type'], ReadonlyArray<AttributeItem['kind']>>> = {
  option: ['single', 'multi', 'hierarchy'],
  date: ['date', 'dates'],
  age: ['date', 'dates'],
  number: ['number'],
  answered: ['single', 'multi', 'hierarchy', 'date', 'dates', 'number', 'text'],
};

/** A garbage-collection calendar as a definition may name it (garbage module). */
export interface CalendarChoice {
  code: string;
  name: string;
  /** Item names with at least one collection (empty before the first upload). */
  items: string[];
}

/**
 * Checks a definition against the tenant's items: every item exists, the condition suits its
 * kind, option codes exist. Archived items and options are allowed (their answers remain).
 * With `calendars`, garbage leaves must name one of them and, once it has dates, its items.
 */
export function checkDefinitionAgainstItems(
  def: SegmentDefinition,
  items: AttributeItem[],
  pathPrefix = 'definition',
  calendars?: readonly CalendarChoice[],
): FieldError[] {
  const byCode = new Map(items.map((i) => [i.code, i]));
  const errors: FieldError[] = [];
  for (const { leaf, path } of leavesOf(def)) {
    const at = (field?: string) => [pathPrefix, ...path, ...(field ? [field] : [])].filter(Boolean).join('.');
    if (leaf.type === 'garbage') {
      if (!calendars) continue;
      const calendar = calendars.find((c) => c.code === leaf.calendar);
      if (!calendar) {
        errors.push({ path: at('calendar'), message: `ごみカレンダー「${leaf.calendar}」はありません` });
        continue;
      }
      const unknown = (leaf.items ?? []).filter(
        (i) => calendar.items.length > 0 && !calendar.items.includes(i.normalize('NFKC').trim()),
      );
      if (unknown.length)
        errors.push({
          path: at('items'),
          message: `ごみカレンダー「${calendar.name}」に品目 ${unknown.map((i) => `「${i}」`).join('、')} はありません`,
        });
      continue;
    }
    if (!('item' in leaf)) continue;
    const item = byCode.get(leaf.item);
    if (!item) {
      errors.push({ path: at('item'), message: `項目「${leaf.item}」はありません` });
      continue;
    }
    if (!KINDS_OF_LEAF[leaf.type]?.includes(item.kind)) {
      errors.push({ path: at('type'), message: `「${item.label}」にはこの条件を使えません` });
      continue;
    }
    if (leaf.type === 'option') {
      if (leaf.op === 'all' && item.kind !== 'multi')
        errors.push({ path: at('op'), message: `「すべて含む」は複数選択の項目にだけ使えます` });
      if (leaf.exact && item.kind !== 'hierarchy')
        errors.push({ path: at('exact'), message: '「下の階層を含めない」は階層選択の項目にだけ使えます' });
      const index = indexOptions(item);
      const unknown = leaf.codes.filter((c) => !index.has(c));
      if (unknown.length)
        errors.push({
          path: at('codes'),
          message: `「${item.label}」に選択肢 ${unknown.map((c) => `「${c}」`).join('、')} はありません`,
        });
    }
    if ((leaf.type === 'date' || leaf.type === 'age') && leaf.quantifier === 'all' && item.kind !== 'dates')
      errors.push({ path: at('quantifier'), message: '「すべての日付」は複数の日付の項目にだけ使えます' });
  }
  return errors;
}
