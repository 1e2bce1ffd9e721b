/**
 * Calendar dates (YYYY-MM-DD strings) in Japan time for attribute values and segment conditions.
 * Ages, "days since" and "not in the future" are always judged on the JST calendar of a clock the
 * caller passes in, so tests control time and a server in UTC gives the same answers.
 */

export type IsoDate = string;

const JST_OFFSET_MS = 9 * 3600 * 1000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

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

/** The instant a JST calendar day begins (00:00 JST). */
export function jstStartOfDay(date: IsoDate): Date {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d) - JST_OFFSET_MS);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The same day `months` months earlier (negative: later), clamped to the end of a shorter month
 * (Civil Code art. 143: a period ending on a day the month lacks ends on its last day).
 */
export function subtractMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return format(year, month, Math.min(d, daysInMonth(year, month)));
}

export function subtractYears(date: IsoDate, years: number): IsoDate {
  return subtractMonths(date, years * 12);
}

/**
 * The latest birthdate of someone who has completed `n` years (or months) of age on `today`.
 * With the clamping above, a child born on 29 February turns one year older on 1 March in a
 * common year, as the law on counting age (年齢計算ニ関スル法律) has it.
 */
export function latestBirthdateForAge(today: IsoDate, n: number, unit: 'years' | 'months'): IsoDate {
  return unit === 'years' ? subtractYears(today, n) : subtractMonths(today, n);
}

/** First day of the month of a date (month-precision values are stored that way). */
export function firstOfMonth(date: IsoDate): IsoDate {
  return date.slice(0, 8) + '01';
}
