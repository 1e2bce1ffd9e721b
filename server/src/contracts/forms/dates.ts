/**
 * Calendar dates for forms: "YYYY-MM-DD" strings on the Japan (JST) calendar of a clock the
 * caller passes in, so the builder's preview, the resident's phone and the server (in UTC) give the
 * same answer for "today", an age or a date limit. Pure: no Node or DOM APIs.
 */

export type IsoDate = string;

const JST_OFFSET_MS = 9 * 3600 * 1000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A date limit in a form definition: a fixed date, or today (JST) give or take some days. */
const RELATIVE = /^today(?:([+-])(\d{1,5}))?$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True for a real calendar date between 1900 and 2199 written as YYYY-MM-DD. */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1900 && y <= 2199 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

function parts(date: IsoDate): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (!m) throw new Error(`not an ISO date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function format(y: number, m: number, d: number): IsoDate {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The JST calendar date of an instant. */
export function jstDate(instant: Date): IsoDate {
  return new Date(instant.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** `date` moved back by whole years, 29 February becoming 28 February in a common year. */
function yearsBefore(date: IsoDate, years: number): IsoDate {
  const [y, m, d] = parts(date);
  return format(y - years, m, Math.min(d, daysInMonth(y - years, m)));
}

/**
 * Completed years of age on `today` (満年齢). Someone born on 29 February is one year older from
 * 1 March in a common year, as the law on counting age (年齢計算ニ関スル法律) has it: the age is
 * the largest n with birthdate ≤ today − n years, where the subtraction clamps to 28 February.
 */
export function ageOn(birthdate: IsoDate, today: IsoDate): number {
  if (birthdate > today) return 0;
  const [by] = parts(birthdate);
  const [ty] = parts(today);
  let age = ty - by;
  while (age > 0 && yearsBefore(today, age) < birthdate) age--;
  return age;
}

/** True for a valid date limit: YYYY-MM-DD, `today`, `today+N` or `today-N` (N ≤ 36,600 days). */
export function isDateBound(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (isIsoDate(value)) return true;
  const m = RELATIVE.exec(value);
  return !!m && (m[2] === undefined || Number(m[2]) <= 36600);
}

/** The calendar date a limit stands for on `today`. */
export function resolveDateBound(bound: string, today: IsoDate): IsoDate {
  const m = RELATIVE.exec(bound);
  if (!m) return bound;
  if (m[2] === undefined) return today;
  return addDays(today, (m[1] === '-' ? -1 : 1) * Number(m[2]));
}

/** 2026-04-01 → 2026年4月1日 (how a date is written in messages to residents and staff). */
export function formatDateJa(date: IsoDate): string {
  const [y, m, d] = parts(date);
  return `${y}年${m}月${d}日`;
}

/** Reads what a resident typed as a date: 2026-4-1, 2026/04/01, ２０２６／４／１ → 2026-04-01. */
export function parseDateInput(raw: string): IsoDate | null {
  const s = raw.normalize('NFKC').trim();
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (!m) return null;
  const date = format(Number(m[1]), Number(m[2]), Number(m[3]));
  return isIsoDate(date) ? date : null;
}
