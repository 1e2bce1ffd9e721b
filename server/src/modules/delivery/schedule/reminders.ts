/**
 * Date-relative reminders (DEL-4, TZ ③コ: 「登録された日付（生年月日等）に対して…n日後にリマインド」;
 * reservations: 「予約した日を起点に0日〜9日前」). Pure: `today` is the caller's clock (a JST date).
 */
import { addDays, dateParts, daysInMonth, isIsoDate, isoDate, type IsoDate } from './jst.js';

export interface RelativeReminderOptions {
  /**
   * Repeat every year on the anniversary of `base` (birthdays). The first anniversary is one
   * year after `base`: a child registered with birthdate 2026-05-01 is first reminded about
   * 2027-05-01, not about the day of birth.
   */
  yearly?: boolean;
  /**
   * Anniversary of 29 February in a common year. Japanese law counts a year of age as complete
   * at the end of the day before the birthday (年齢計算ニ関スル法律), so 28 February is the
   * default; `mar1` is there for municipalities that celebrate on 1 March.
   */
  leapDayAnniversary?: 'feb28' | 'mar1';
}

/** Offsets beyond this are certainly a mistake (ten years). */
export const MAX_REMINDER_OFFSET_DAYS = 3660;

function anniversary(base: IsoDate, year: number, leapDay: 'feb28' | 'mar1'): IsoDate {
  const { month, day } = dateParts(base);
  if (month === 2 && day === 29 && daysInMonth(year, 2) === 28) {
    return leapDay === 'mar1' ? isoDate(year, 3, 1) : isoDate(year, 2, 28);
  }
  return isoDate(year, month, day);
}

/**
 * The date (JST) of the reminder `offsetDays` after `base` (negative: before), on or after
 * `today`; null when a one-off reminder's date has passed.
 *
 * - One-off: `base + offsetDays`, e.g. (予約日 2026-12-10, −3) → 2026-12-07.
 * - `yearly`: the reminder of the first anniversary whose reminder date is not before `today`,
 *   e.g. birthday 2020-02-29, −1, today 2027-01-01 → 2027-02-27 (anniversary 2027-02-28).
 *
 * A daily reminder job sends when the result equals today.
 */
export function relativeReminderDate(
  base: IsoDate,
  offsetDays: number,
  opts: RelativeReminderOptions = {},
  today: IsoDate,
): IsoDate | null {
  if (!isIsoDate(base)) throw new RangeError(`base is not a calendar date: ${String(base)}`);
  if (!isIsoDate(today)) throw new RangeError(`today is not a calendar date: ${String(today)}`);
  if (!Number.isInteger(offsetDays) || Math.abs(offsetDays) > MAX_REMINDER_OFFSET_DAYS) {
    throw new RangeError(`offsetDays must be an integer within ±${MAX_REMINDER_OFFSET_DAYS}`);
  }
  if (!opts.yearly) {
    const date = addDays(base, offsetDays);
    return date >= today ? date : null;
  }
  const leapDay = opts.leapDayAnniversary ?? 'feb28';
  const baseYear = dateParts(base).year;
  // The anniversary whose reminder is due on or after today lies within the offset's span in years.
  const spanYears = Math.ceil(Math.abs(offsetDays) / 365) + 1;
  const firstYear = Math.max(baseYear + 1, dateParts(today).year - spanYears);
  for (let year = firstYear; year <= firstYear + 2 * spanYears + 1; year++) {
    const date = addDays(anniversary(base, year, leapDay), offsetDays);
    if (date >= today) return date;
  }
  return null;
}
