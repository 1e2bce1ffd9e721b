/**
 * A recurrence rule in one line of natural Japanese, for lists and confirmation dialogs, e.g.
 * 「毎月第2火曜 9:00（2026/12/08を除く・祝日は翌営業日）」.
 *
 * The pattern and time come first; the parenthesis holds what changes the plain pattern: the end
 * (「2027/03/31まで」 / 「全10回」), months without the chosen day, excluded dates and the holiday
 * policy. The start date is not repeated here: screens show it in its own column.
 */
import { formatDateWithWeekday, formatSlashDate, formatTime, WEEKDAY_NAMES_JA } from './jst.js';
import { namesWeekdays, type RecurrenceRule, type RepeatingRule } from './recurrence.js';

/** Excluded dates listed one by one up to this many; beyond, 「…ほかN日」. */
const LISTED_EXCLUSIONS = 3;

const sortNumbers = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/** 月・水・金 in calendar order starting on Monday, as Japanese schedules list them. */
function weekdayList(weekdays: readonly number[]): string {
  const mondayFirst = (wd: number) => (wd + 6) % 7;
  return [...weekdays]
    .sort((a, b) => mondayFirst(a) - mondayFirst(b))
    .map((wd) => WEEKDAY_NAMES_JA[wd])
    .join('・');
}

function ordinalList(ordinals: readonly number[]): string {
  const ordered = [...ordinals].sort((a, b) => (a === -1 ? 6 : a) - (b === -1 ? 6 : b));
  return ordered.map((n) => (n === -1 ? '最終' : `第${n}`)).join('・');
}

function pattern(rule: RepeatingRule): string {
  switch (rule.kind) {
    case 'daily':
      return '毎日';
    case 'weekdays':
      return '平日（月〜金）';
    case 'weekly': {
      const days = `${weekdayList(rule.weekdays)}曜`;
      if (rule.intervalWeeks === 1) return `毎週${days}`;
      if (rule.intervalWeeks === 2) return `隔週${days}`;
      return `${rule.intervalWeeks}週ごとの${days}`;
    }
    case 'monthlyDates':
      return `毎月${sortNumbers(rule.days)
        .map((d) => `${d}日`)
        .join('・')}`;
    case 'monthEnd':
      return '毎月末日';
    case 'everyNDays':
      return rule.intervalDays === 1 ? '毎日' : `${rule.intervalDays}日ごと`;
    case 'nthWeekday':
      return `毎月${ordinalList(rule.ordinals)}${weekdayList(rule.weekdays)}曜`;
  }
}

function holidayNote(rule: RepeatingRule): string | null {
  if (rule.holidayPolicy === 'send') return null;
  const daysOff = [namesWeekdays(rule) ? '祝日' : '土日祝'];
  if (rule.yearEndClosure) daysOff.push('年末年始');
  if (rule.closedDates.length > 0) daysOff.push('休業日');
  const what = daysOff.join('・');
  switch (rule.holidayPolicy) {
    case 'skip':
      return `${what}は配信しない`;
    case 'next-business-day':
      return `${what}は翌営業日`;
    case 'previous-business-day':
      return `${what}は前営業日`;
  }
}

function exclusionNote(dates: readonly string[]): string | null {
  const unique = [...new Set(dates)].sort();
  if (unique.length === 0) return null;
  const shown = unique.slice(0, LISTED_EXCLUSIONS).map(formatSlashDate).join('、');
  const rest = unique.length - LISTED_EXCLUSIONS;
  return rest > 0 ? `${shown}ほか${rest}日を除く` : `${shown}を除く`;
}

function missingDayNote(rule: RepeatingRule): string | null {
  if (rule.kind !== 'monthlyDates') return null;
  const sometimesMissing = sortNumbers(rule.days).filter((d) => d > 28);
  if (sometimesMissing.length === 0) return null;
  return `${sometimesMissing.map((d) => `${d}日`).join('・')}がない月はその日は配信しない`;
}

/** One line of Japanese describing `rule` (see the module comment). */
export function describeRule(rule: RecurrenceRule): string {
  if (rule.kind === 'once') return `${formatDateWithWeekday(rule.date)} ${formatTime(rule.time)}（1回のみ）`;
  const notes = [
    rule.endDate !== undefined ? `${formatSlashDate(rule.endDate)}まで` : null,
    rule.count !== undefined ? `全${rule.count}回` : null,
    missingDayNote(rule),
    exclusionNote(rule.excludeDates),
    holidayNote(rule),
  ].filter((n): n is string => n !== null);
  const head = `${pattern(rule)} ${formatTime(rule.time)}`;
  return notes.length > 0 ? `${head}（${notes.join('・')}）` : head;
}
