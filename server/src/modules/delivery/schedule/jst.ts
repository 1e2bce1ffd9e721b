/**
 * Japan-time calendar arithmetic for scheduling (DEL-3…5).
 *
 * Instants are stored in UTC (`Date`); people schedule in Japan time. Japan has had no daylight
 * saving time since 1951, so JST is always UTC+9 and a JST calendar date maps to exactly one
 * 24-hour UTC interval. That lets us do all calendar arithmetic on plain `YYYY-MM-DD` strings (or
 * on day numbers) without a time-zone database, and convert to an instant only at the end.
 *
 * Dates here are ISO calendar dates `YYYY-MM-DD` meaning a day in Japan, never an instant.
 * Functions throw `RangeError` on malformed input: callers validate user input first (the zod
 * schemas in recurrence.ts give Japanese messages) and these helpers guard against bugs.
 */

/** A JST calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;
/** A JST wall-clock time, `HH:MM` (00:00–23:59). */
export type HhMm = string;
/** 0 = Sunday … 6 = Saturday, as `Date#getUTCDay`. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** Years accepted anywhere: wide enough for birthdates of elderly residents and far-off end dates. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2199;

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Japanese one-character weekday names, index = {@link Weekday}. */
export const WEEKDAY_NAMES_JA = ['日', '月', '火', '水', '木', '金', '土'] as const;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True for a real calendar date `YYYY-MM-DD` between {@link MIN_YEAR} and {@link MAX_YEAR}. */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE_RE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return y >= MIN_YEAR && y <= MAX_YEAR && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** True for `HH:MM`, 00:00–23:59 (two-digit hour). */
export function isHhMm(value: unknown): value is HhMm {
  return typeof value === 'string' && HHMM_RE.test(value);
}

/** Year, month (1–12) and day of an ISO date. */
export function dateParts(date: IsoDate): { year: number; month: number; day: number } {
  if (!isIsoDate(date)) throw new RangeError(`not a calendar date: ${String(date)}`);
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Builds `YYYY-MM-DD` from parts (not checked: use {@link isIsoDate} on untrusted parts). */
export function isoDate(year: number, month: number, day: number): IsoDate {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/**
 * Day number: days since 1970-01-01 of a calendar date. Scheduling loops work on these integers
 * (adding one is the next day; no time zone is involved).
 */
export function dayNumber(date: IsoDate): number {
  const { year, month, day } = dateParts(date);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

/** The calendar date of a day number (inverse of {@link dayNumber}). */
export function fromDayNumber(n: number): IsoDate {
  const d = new Date(n * DAY_MS);
  return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** Weekday of a day number (1970-01-01 was a Thursday). */
export function weekdayOfDayNumber(n: number): Weekday {
  return ((((n + 4) % 7) + 7) % 7) as Weekday;
}

function checkInstant(instant: Date): number {
  const t = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new RangeError('invalid Date');
  return t;
}

/** The JST calendar date of an instant, e.g. 2026-12-07T23:30Z → '2026-12-08'. */
export function jstDate(instant: Date): IsoDate {
  const d = new Date(checkInstant(instant) + JST_OFFSET_MS);
  return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** The JST wall-clock time of an instant, `HH:MM` (seconds dropped). */
export function jstTime(instant: Date): HhMm {
  const d = new Date(checkInstant(instant) + JST_OFFSET_MS);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The instant of `time` JST on `date`, e.g. ('2026-12-08', '08:30') → 2026-12-07T23:30:00Z. */
export function jstInstant(date: IsoDate, time: HhMm): Date {
  if (!isHhMm(time)) throw new RangeError(`not a time HH:MM: ${String(time)}`);
  const { year, month, day } = dateParts(date);
  return new Date(
    Date.UTC(year, month - 1, day, Number(time.slice(0, 2)), Number(time.slice(3, 5))) - JST_OFFSET_MS,
  );
}

/** The instant JST midnight starts `date` (= 15:00 UTC the day before). */
export function jstStartOfDay(date: IsoDate): Date {
  return jstInstant(date, '00:00');
}

/** Weekday of a JST calendar date. */
export function jstWeekday(date: IsoDate): Weekday {
  return weekdayOfDayNumber(dayNumber(date));
}

export function addDays(date: IsoDate, days: number): IsoDate {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer: ${days}`);
  return fromDayNumber(dayNumber(date) + days);
}

/**
 * Adds calendar months; a day the target month lacks becomes that month's last day
 * (2026-01-31 + 1 month → 2026-02-28; 2028-02-29 + 12 months → 2029-02-28), as people expect
 * from "one month later".
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  if (!Number.isInteger(months)) throw new RangeError(`months must be an integer: ${months}`);
  const { year, month, day } = dateParts(date);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return isoDate(y, m, Math.min(day, daysInMonth(y, m)));
}

/** Last day of the month of `date`. */
export function endOfMonth(date: IsoDate): IsoDate {
  const { year, month } = dateParts(date);
  return isoDate(year, month, daysInMonth(year, month));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** `2026/12/08`, the way Japanese screens write a date. */
export function formatSlashDate(date: IsoDate): string {
  return date.replaceAll('-', '/');
}

/** `2026/12/08（火）`. */
export function formatDateWithWeekday(date: IsoDate): string {
  return `${formatSlashDate(date)}（${WEEKDAY_NAMES_JA[jstWeekday(date)]}）`;
}

/** `9:00` (hour without a leading zero), the way Japanese screens write a time. */
export function formatTime(time: HhMm): string {
  if (!isHhMm(time)) throw new RangeError(`not a time HH:MM: ${String(time)}`);
  return `${Number(time.slice(0, 2))}:${time.slice(3, 5)}`;
}
