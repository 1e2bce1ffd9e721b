/**
 * The recurrence builder's form state and the rule it sends (DEL-3). The rule's shape and every
 * check belong to the server (server/src/modules/delivery/schedule/recurrence.ts); the builder
 * sends what staff chose to /api/deliveries/schedule-preview and shows the server's Japanese
 * description, next dates and errors.
 */

export type RuleKind =
  'daily' | 'weekdays' | 'weekly' | 'monthlyDates' | 'monthEnd' | 'everyNDays' | 'nthWeekday';

export type HolidayPolicy = 'send' | 'skip' | 'next-business-day' | 'previous-business-day';

export const RULE_KINDS: Array<{ value: RuleKind; label: string }> = [
  { value: 'daily', label: '毎日' },
  { value: 'weekdays', label: '平日（月〜金）' },
  { value: 'weekly', label: '毎週・隔週（曜日を指定）' },
  { value: 'monthlyDates', label: '毎月（日付を指定）' },
  { value: 'monthEnd', label: '毎月末日' },
  { value: 'everyNDays', label: 'N日ごと' },
  { value: 'nthWeekday', label: '毎月第n曜日' },
];

export const HOLIDAY_POLICIES: Array<{ value: HolidayPolicy; label: string }> = [
  { value: 'send', label: '休日も配信する' },
  { value: 'skip', label: '休日は配信しない' },
  { value: 'next-business-day', label: '翌営業日に配信する' },
  { value: 'previous-business-day', label: '前営業日に配信する' },
];

/** Monday first, as Japanese calendars list them; values are JavaScript's (0 = Sunday). */
export const WEEKDAYS: Array<{ value: number; label: string }> = [
  { value: 1, label: '月' },
  { value: 2, label: '火' },
  { value: 3, label: '水' },
  { value: 4, label: '木' },
  { value: 5, label: '金' },
  { value: 6, label: '土' },
  { value: 0, label: '日' },
];

export const ORDINALS: Array<{ value: number; label: string }> = [
  { value: 1, label: '第1' },
  { value: 2, label: '第2' },
  { value: 3, label: '第3' },
  { value: 4, label: '第4' },
  { value: 5, label: '第5' },
  { value: -1, label: '最終' },
];

export interface RuleForm {
  kind: RuleKind;
  time: string;
  startDate: string;
  end: 'none' | 'date' | 'count';
  endDate: string;
  count: number;
  weekdays: number[];
  intervalWeeks: number;
  days: number[];
  intervalDays: number;
  ordinals: number[];
  excludeDates: string[];
  closedDates: string[];
  yearEndClosure: boolean;
  holidayPolicy: HolidayPolicy;
}

export function defaultRuleForm(today: string): RuleForm {
  return {
    kind: 'weekly',
    time: '09:00',
    startDate: today,
    end: 'none',
    endDate: '',
    count: 10,
    weekdays: [1],
    intervalWeeks: 1,
    days: [1],
    intervalDays: 7,
    ordinals: [2],
    excludeDates: [],
    closedDates: [],
    yearEndClosure: false,
    holidayPolicy: 'send',
  };
}

/** The rule object the server reads. */
export function toRule(f: RuleForm): Record<string, unknown> {
  const rule: Record<string, unknown> = {
    kind: f.kind,
    time: f.time,
    startDate: f.startDate,
    excludeDates: [...new Set(f.excludeDates.filter(Boolean))].sort(),
    closedDates: [...new Set(f.closedDates.filter(Boolean))].sort(),
    yearEndClosure: f.yearEndClosure,
    holidayPolicy: f.holidayPolicy,
  };
  if (f.end === 'date') rule.endDate = f.endDate;
  if (f.end === 'count') rule.count = f.count;
  if (f.kind === 'weekly') {
    rule.weekdays = f.weekdays;
    rule.intervalWeeks = f.intervalWeeks;
  }
  if (f.kind === 'nthWeekday') {
    rule.weekdays = f.weekdays;
    rule.ordinals = f.ordinals;
  }
  if (f.kind === 'monthlyDates') rule.days = [...f.days].sort((a, b) => a - b);
  if (f.kind === 'everyNDays') rule.intervalDays = f.intervalDays;
  return rule;
}

const numbers = (v: unknown): number[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null;
const dates = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** The form for a stored rule (a draft imported from CSV keeps one), or null for a `once` rule. */
export function fromRule(rule: Record<string, unknown> | null, today: string): RuleForm | null {
  if (!rule || typeof rule.kind !== 'string' || rule.kind === 'once') return null;
  const f = defaultRuleForm(today);
  if (!RULE_KINDS.some((k) => k.value === rule.kind)) return null;
  f.kind = rule.kind as RuleKind;
  if (typeof rule.time === 'string') f.time = rule.time;
  if (typeof rule.startDate === 'string') f.startDate = rule.startDate;
  if (typeof rule.endDate === 'string') {
    f.end = 'date';
    f.endDate = rule.endDate;
  } else if (typeof rule.count === 'number') {
    f.end = 'count';
    f.count = rule.count;
  }
  f.weekdays = numbers(rule.weekdays) ?? f.weekdays;
  f.ordinals = numbers(rule.ordinals) ?? f.ordinals;
  f.days = numbers(rule.days) ?? f.days;
  if (typeof rule.intervalWeeks === 'number') f.intervalWeeks = rule.intervalWeeks;
  if (typeof rule.intervalDays === 'number') f.intervalDays = rule.intervalDays;
  f.excludeDates = dates(rule.excludeDates);
  f.closedDates = dates(rule.closedDates);
  f.yearEndClosure = rule.yearEndClosure === true;
  if (HOLIDAY_POLICIES.some((p) => p.value === rule.holidayPolicy))
    f.holidayPolicy = rule.holidayPolicy as HolidayPolicy;
  return f;
}

/** A JST date and time from the form (`2026-04-01`, `09:00`) as the instant the API takes. */
export function jstIso(date: string, time: string): string {
  return `${date}T${time}:00+09:00`;
}
