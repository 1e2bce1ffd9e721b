/**
 * Recurrence rules of scheduled deliveries (DEL-3) and when they fire.
 *
 * A rule is data (validated by {@link recurrenceRuleSchema}, stored as JSON by the delivery
 * engine); the functions here are pure: they read the clock only through their arguments, so
 * the scheduler and the tests decide what "now" is.
 *
 * Kinds of rule (`kind`):
 * - `once`         one delivery at `date` `time` (予約配信). Holidays, periods and exclusions do
 *                  not apply: staff chose that exact moment.
 * - `daily`        every day (毎日).
 * - `weekdays`     Monday–Friday (平日).
 * - `weekly`       chosen weekdays, every `intervalWeeks` weeks (毎週 / 隔週 / N週ごと). Weeks
 *                  start on Monday and are counted from the week holding `startDate`, so with
 *                  interval 2 the week of the start date fires, the next does not, and so on.
 * - `monthlyDates` chosen days of the month (毎月1日・15日). A day the month lacks (31 in
 *                  April, 29–31 in February) does not fire that month; use `monthEnd` for 月末.
 * - `monthEnd`     the last day of every month (月末).
 * - `everyNDays`   every `intervalDays` days counted from `startDate` (N日ごと).
 * - `nthWeekday`   the nth weekday of the month (第2火曜, 第2・第4水曜, 最終金曜: ordinal -1).
 *
 * Every repeating rule also has:
 * - `time` (HH:MM, JST) and `startDate`; optionally `endDate` (inclusive) or `count` (number of
 *   deliveries, not both). The period selects the scheduled dates; a date moved by the holiday
 *   policy stays part of the period even if the move crosses `endDate`, but a delivery is never
 *   moved to before `startDate` (that occurrence is dropped instead).
 * - `excludeDates`: no delivery on these dates. A scheduled date that is excluded is dropped (it
 *   is not moved), and a holiday move never lands on an excluded date.
 * - `holidayPolicy` for scheduled dates that are days off:
 *   `send` (deliver anyway; the default), `skip`, `next-business-day`, `previous-business-day`.
 *   A business day is a day that is not Saturday, Sunday, a public holiday, one of the rule's
 *   `closedDates`, or (with `yearEndClosure`) 12/29–1/3.
 *   Which scheduled dates count as days off: for rules that name weekdays (`weekdays`,
 *   `weekly`, `nthWeekday`) only holidays and closed days — staff who chose 毎週土曜 meant
 *   Saturday — while for calendar-day rules (`daily`, `monthlyDates`, `monthEnd`, `everyNDays`)
 *   Saturdays and Sundays too (毎月15日、土日祝の場合は翌営業日).
 *   Two scheduled dates moved onto the same day give one delivery: a daily rule with
 *   `next-business-day` sends once on Monday, not three times.
 * - `closedDates`, `yearEndClosure`: extra days off of this rule (庁舎の休業日, 年末年始).
 */
import { z } from 'zod';
import { isYearEndClosure, japaneseHolidays, type HolidayCalendar } from './holidays.js';
import {
  dayNumber,
  fromDayNumber,
  isHhMm,
  isIsoDate,
  jstDate,
  jstInstant,
  weekdayOfDayNumber,
  type HhMm,
} from './jst.js';

export const HOLIDAY_POLICIES = ['send', 'skip', 'next-business-day', 'previous-business-day'] as const;
export type HolidayPolicy = (typeof HOLIDAY_POLICIES)[number];

export const RECURRENCE_KINDS = [
  'once',
  'daily',
  'weekdays',
  'weekly',
  'monthlyDates',
  'monthEnd',
  'everyNDays',
  'nthWeekday',
] as const;
export type RecurrenceKind = (typeof RECURRENCE_KINDS)[number];

/** 第1…第5 and 最終 (-1). */
export const NTH_ORDINALS = [1, 2, 3, 4, 5, -1] as const;

/** How far a holiday move may go looking for a business day before the occurrence is dropped. */
export const MAX_SHIFT_DAYS = 31;
/** Open-ended rules are searched this far ahead; a rule that fires less often is treated as ended. */
export const SEARCH_HORIZON_DAYS = 3 * 366;
export const MAX_COUNT = 10_000;
export const MAX_LISTED_DATES = 1_000;
export const MAX_INTERVAL_DAYS = 366;
export const MAX_INTERVAL_WEEKS = 52;

// ---------------------------------------------------------------- schema

const dateField = (label: string) =>
  z
    .string({ error: `${label}を入力してください` })
    .refine(isIsoDate, `${label}は「2026-04-01」の形で、実在する日付を入力してください`);

const timeField = z
  .string({ error: '配信時刻を入力してください' })
  .refine(isHhMm, '配信時刻は「09:00」の形（00:00〜23:59）で入力してください');

const hasNoDuplicates = (values: readonly unknown[]) => new Set(values).size === values.length;

const dateList = (label: string) =>
  z
    .array(dateField(label), { error: `${label}は日付の一覧で指定してください` })
    .max(MAX_LISTED_DATES, `${label}は${MAX_LISTED_DATES}日までにしてください`)
    .default([]);

const weekdayList = z
  .array(
    z
      .number({ error: '曜日は0（日）〜6（土）の数で指定してください' })
      .int('曜日は0（日）〜6（土）の数で指定してください')
      .min(0, '曜日は0（日）〜6（土）の数で指定してください')
      .max(6, '曜日は0（日）〜6（土）の数で指定してください'),
    { error: '曜日を選んでください' },
  )
  .min(1, '曜日を1つ以上選んでください')
  .refine(hasNoDuplicates, '同じ曜日が2回指定されています');

const unknownKeys = (iss: { code?: string; keys?: string[] }) =>
  iss.code === 'unrecognized_keys' ? `使えない項目があります（${(iss.keys ?? []).join('、')}）` : undefined;

const repeating = {
  time: timeField,
  startDate: dateField('開始日'),
  endDate: dateField('終了日').optional(),
  count: z
    .number({ error: '回数は数で指定してください' })
    .int('回数は整数で指定してください')
    .min(1, '回数は1以上にしてください')
    .max(MAX_COUNT, `回数は${MAX_COUNT.toLocaleString('ja-JP')}回以下にしてください`)
    .optional(),
  excludeDates: dateList('除外日'),
  closedDates: dateList('休業日'),
  yearEndClosure: z.boolean({ error: '年末年始休業は「する」「しない」で指定してください' }).default(false),
  holidayPolicy: z
    .enum(HOLIDAY_POLICIES, {
      error: '祝日の扱いは「配信する」「配信しない」「翌営業日」「前営業日」から選んでください',
    })
    .default('send'),
};

const onceRule = z.strictObject(
  { kind: z.literal('once'), date: dateField('配信日'), time: timeField },
  { error: unknownKeys },
);
const dailyRule = z.strictObject({ kind: z.literal('daily'), ...repeating }, { error: unknownKeys });
const weekdaysRule = z.strictObject({ kind: z.literal('weekdays'), ...repeating }, { error: unknownKeys });
const weeklyRule = z.strictObject(
  {
    kind: z.literal('weekly'),
    weekdays: weekdayList,
    intervalWeeks: z
      .number({ error: '間隔（週）は数で指定してください' })
      .int('間隔（週）は整数で指定してください')
      .min(1, '間隔（週）は1以上にしてください')
      .max(MAX_INTERVAL_WEEKS, `間隔（週）は${MAX_INTERVAL_WEEKS}以下にしてください`)
      .default(1),
    ...repeating,
  },
  { error: unknownKeys },
);
const monthlyDatesRule = z.strictObject(
  {
    kind: z.literal('monthlyDates'),
    days: z
      .array(
        z
          .number({ error: '日付は1〜31の数で指定してください' })
          .int('日付は1〜31の整数で指定してください')
          .min(1, '日付は1〜31で指定してください')
          .max(31, '日付は1〜31で指定してください'),
        { error: '日付を選んでください' },
      )
      .min(1, '日付を1つ以上指定してください')
      .refine(hasNoDuplicates, '同じ日付が2回指定されています'),
    ...repeating,
  },
  { error: unknownKeys },
);
const monthEndRule = z.strictObject({ kind: z.literal('monthEnd'), ...repeating }, { error: unknownKeys });
const everyNDaysRule = z.strictObject(
  {
    kind: z.literal('everyNDays'),
    intervalDays: z
      .number({ error: '間隔（日）を数で指定してください' })
      .int('間隔（日）は整数で指定してください')
      .min(1, '間隔（日）は1以上にしてください')
      .max(MAX_INTERVAL_DAYS, `間隔（日）は${MAX_INTERVAL_DAYS}以下にしてください`),
    ...repeating,
  },
  { error: unknownKeys },
);
const nthWeekdayRule = z.strictObject(
  {
    kind: z.literal('nthWeekday'),
    ordinals: z
      .array(
        z
          .number({ error: '第nは1〜5または最終（-1）で指定してください' })
          .refine(
            (n) => (NTH_ORDINALS as readonly number[]).includes(n),
            '第nは1〜5または最終（-1）で指定してください',
          ),
        { error: '第何週かを選んでください' },
      )
      .min(1, '第何週か（第1〜第5・最終）を1つ以上選んでください')
      .refine(hasNoDuplicates, '同じ第nが2回指定されています'),
    weekdays: weekdayList,
    ...repeating,
  },
  { error: unknownKeys },
);

export const recurrenceRuleSchema = z
  .discriminatedUnion(
    'kind',
    [
      onceRule,
      dailyRule,
      weekdaysRule,
      weeklyRule,
      monthlyDatesRule,
      monthEndRule,
      everyNDaysRule,
      nthWeekdayRule,
    ],
    {
      error: (iss) =>
        iss.code === 'invalid_union'
          ? '配信の種類を選んでください'
          : iss.code === 'invalid_type'
            ? '配信の繰り返し設定を指定してください'
            : undefined,
    },
  )
  .superRefine((rule, ctx) => {
    if (rule.kind === 'once') return;
    // Refinements also run when a field failed; compare only real dates.
    if (isIsoDate(rule.endDate) && isIsoDate(rule.startDate) && rule.endDate < rule.startDate) {
      ctx.addIssue({ code: 'custom', path: ['endDate'], message: '終了日は開始日以降の日付にしてください' });
    }
    if (rule.endDate !== undefined && rule.count !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['count'],
        message: '終了日と回数はどちらか一方だけ指定してください',
      });
    }
  });

/** A validated rule (defaults filled in). Functions below expect this, not raw input. */
export type RecurrenceRule = z.output<typeof recurrenceRuleSchema>;
/** What a client may send (defaults optional). */
export type RecurrenceRuleInput = z.input<typeof recurrenceRuleSchema>;
export type RepeatingRule = Exclude<RecurrenceRule, { kind: 'once' }>;

// ---------------------------------------------------------------- engine

export interface ScheduleOptions {
  /** Holiday source; the Japanese public holidays by default. */
  holidays?: HolidayCalendar;
}

/** True for kinds whose staff chose weekdays explicitly (weekends on them are not days off). */
export function namesWeekdays(rule: RepeatingRule): boolean {
  return rule.kind === 'weekdays' || rule.kind === 'weekly' || rule.kind === 'nthWeekday';
}

interface CompiledRule {
  start: number;
  end: number | null;
  count: number | null;
  time: HhMm;
  policy: HolidayPolicy;
  weekendIsIntended: boolean;
  matches(day: number): boolean;
  isExcluded(day: number): boolean;
  isDayOff(day: number): boolean;
}

/** Day of the month (1–31) and the month's length for a day number. */
function monthPosition(day: number): { dom: number; length: number } {
  const d = new Date(day * 86_400_000);
  const length = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  return { dom: d.getUTCDate(), length };
}

/** Monday on or before `day`. */
const mondayOf = (day: number) => day - ((weekdayOfDayNumber(day) + 6) % 7);

function patternOf(rule: RepeatingRule, start: number): (day: number) => boolean {
  switch (rule.kind) {
    case 'daily':
      return () => true;
    case 'weekdays':
      return (day) => {
        const wd = weekdayOfDayNumber(day);
        return wd >= 1 && wd <= 5;
      };
    case 'weekly': {
      const weekdays = new Set(rule.weekdays);
      const firstMonday = mondayOf(start);
      const interval = rule.intervalWeeks;
      return (day) =>
        weekdays.has(weekdayOfDayNumber(day)) && ((mondayOf(day) - firstMonday) / 7) % interval === 0;
    }
    case 'monthlyDates': {
      const days = new Set(rule.days);
      return (day) => days.has(monthPosition(day).dom);
    }
    case 'monthEnd':
      return (day) => monthPosition(day + 1).dom === 1;
    case 'everyNDays': {
      const interval = rule.intervalDays;
      return (day) => (day - start) % interval === 0;
    }
    case 'nthWeekday': {
      const weekdays = new Set(rule.weekdays);
      const ordinals = new Set<number>(rule.ordinals);
      return (day) => {
        if (!weekdays.has(weekdayOfDayNumber(day))) return false;
        const { dom, length } = monthPosition(day);
        return ordinals.has(Math.ceil(dom / 7)) || (ordinals.has(-1) && dom + 7 > length);
      };
    }
  }
}

function compile(rule: RepeatingRule, options: ScheduleOptions | undefined): CompiledRule {
  const holidays = options?.holidays ?? japaneseHolidays;
  const start = dayNumber(rule.startDate);
  const excluded = new Set(rule.excludeDates.map(dayNumber));
  const closed = new Set(rule.closedDates.map(dayNumber));
  const dayOffCache = new Map<number, boolean>();
  return {
    start,
    end: rule.endDate !== undefined ? dayNumber(rule.endDate) : null,
    count: rule.count ?? null,
    time: rule.time,
    policy: rule.holidayPolicy,
    weekendIsIntended: namesWeekdays(rule),
    matches: patternOf(rule, start),
    isExcluded: (day) => excluded.has(day),
    isDayOff(day) {
      let off = dayOffCache.get(day);
      if (off === undefined) {
        const date = fromDayNumber(day);
        off =
          closed.has(day) || (rule.yearEndClosure && isYearEndClosure(date)) || holidays.name(date) !== null;
        dayOffCache.set(day, off);
      }
      return off;
    },
  };
}

function isWeekend(day: number): boolean {
  const wd = weekdayOfDayNumber(day);
  return wd === 0 || wd === 6;
}

/** The day a scheduled date is delivered on, or null when it is not delivered. */
function deliveryDayFor(c: CompiledRule, scheduled: number): number | null {
  if (c.isExcluded(scheduled)) return null;
  const offDuty = c.isDayOff(scheduled) || (!c.weekendIsIntended && isWeekend(scheduled));
  if (!offDuty || c.policy === 'send') return scheduled;
  if (c.policy === 'skip') return null;
  const step = c.policy === 'next-business-day' ? 1 : -1;
  for (let k = 1; k <= MAX_SHIFT_DAYS; k++) {
    const day = scheduled + step * k;
    if (day < c.start) return null;
    if (!isWeekend(day) && !c.isDayOff(day) && !c.isExcluded(day)) return day;
  }
  return null;
}

/**
 * Delivery days in chronological order, each once, for scheduled dates `scanFrom…scanTo`.
 *
 * Moved deliveries can overtake each other (a holiday Friday moved to Monday comes after a
 * Saturday delivery of a 毎週金・土 rule), so days are buffered until no later scheduled date
 * can produce an earlier delivery: with `previous-business-day` that is MAX_SHIFT_DAYS back,
 * otherwise a delivery is never earlier than its scheduled date.
 */
function* deliveryDays(c: CompiledRule, scanFrom: number, scanTo: number): Generator<number> {
  const lookBack = c.policy === 'previous-business-day' ? MAX_SHIFT_DAYS : 0;
  const pending: number[] = [];
  for (let day = Math.max(scanFrom, c.start); day <= scanTo; day++) {
    if (c.matches(day)) {
      const delivery = deliveryDayFor(c, day);
      if (delivery !== null) {
        let i = pending.length;
        while (i > 0 && pending[i - 1]! > delivery) i--;
        if (pending[i - 1] !== delivery) pending.splice(i, 0, delivery);
      }
    }
    const settledBelow = day + 1 - lookBack;
    while (pending.length > 0 && pending[0]! < settledBelow) yield pending.shift()!;
  }
  yield* pending;
}

/**
 * Where scanning scheduled dates must begin to find deliveries after `fromDay`: at the start
 * when a count has to be kept, otherwise far enough back to catch a date moved forward.
 */
function scanStart(c: CompiledRule, fromDay: number): number {
  return c.count !== null ? c.start : Math.max(c.start, fromDay - MAX_SHIFT_DAYS - 1);
}

function checkInstant(name: string, value: Date): number {
  const t = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

/**
 * The first delivery instant strictly after `after`, or null when the rule has ended (end date
 * or count reached, or nothing within {@link SEARCH_HORIZON_DAYS}). A delivery exactly at
 * `after` is not returned, so a scheduler can pass the instant it just fired.
 */
export function nextOccurrence(rule: RecurrenceRule, after: Date, options?: ScheduleOptions): Date | null {
  const afterMs = checkInstant('after', after);
  if (rule.kind === 'once') {
    const at = jstInstant(rule.date, rule.time);
    return at.getTime() > afterMs ? at : null;
  }
  const c = compile(rule, options);
  const afterDay = dayNumber(jstDate(after));
  const scanTo = c.end ?? Math.max(afterDay, c.start) + SEARCH_HORIZON_DAYS;
  let delivered = 0;
  for (const day of deliveryDays(c, scanStart(c, afterDay), scanTo)) {
    delivered++;
    if (c.count !== null && delivered > c.count) return null;
    if (day < afterDay) continue;
    const at = jstInstant(fromDayNumber(day), c.time);
    if (at.getTime() > afterMs) return at;
  }
  return null;
}

export const DEFAULT_OCCURRENCE_LIMIT = 1000;

/**
 * Delivery instants `t` with `from < t <= to`, in order, at most `limit`. The window is open at
 * the start and closed at the end so that consecutive windows (last run, now] never repeat or
 * miss a delivery; for a calendar preview pass `from` one millisecond before the first moment.
 */
export function occurrencesBetween(
  rule: RecurrenceRule,
  from: Date,
  to: Date,
  limit: number = DEFAULT_OCCURRENCE_LIMIT,
  options?: ScheduleOptions,
): Date[] {
  const fromMs = checkInstant('from', from);
  const toMs = checkInstant('to', to);
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  if (toMs <= fromMs) return [];
  if (rule.kind === 'once') {
    const at = jstInstant(rule.date, rule.time);
    return at.getTime() > fromMs && at.getTime() <= toMs ? [at] : [];
  }
  const c = compile(rule, options);
  const fromDay = dayNumber(jstDate(from));
  const toDay = dayNumber(jstDate(to));
  // With previous-business-day, dates scheduled after `to` can be delivered before it.
  const lookAhead = c.policy === 'previous-business-day' ? MAX_SHIFT_DAYS : 0;
  const scanTo = Math.min(c.end ?? Number.POSITIVE_INFINITY, toDay + lookAhead);
  const found: Date[] = [];
  let delivered = 0;
  for (const day of deliveryDays(c, scanStart(c, fromDay), scanTo)) {
    delivered++;
    if (c.count !== null && delivered > c.count) break;
    if (day < fromDay) continue;
    if (day > toDay) break;
    const at = jstInstant(fromDayNumber(day), c.time);
    if (at.getTime() <= fromMs) continue;
    if (at.getTime() > toMs) break;
    found.push(at);
    if (found.length >= limit) break;
  }
  return found;
}
