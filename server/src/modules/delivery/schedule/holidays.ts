/**
 * Japanese public holidays (国民の祝日, 振替休日, 国民の休日) for scheduling.
 *
 * The data come from `@holiday-jp/holiday_jp`, the npm build of the community-maintained
 * holiday-jp dataset (1970–2050, updated when the Cabinet Office announces changes). Everything
 * else in the delivery schedule talks to the small {@link HolidayCalendar} interface, so the
 * source can be swapped (another package, a table edited by the vendor) without touching the
 * recurrence logic, and tests can pass their own calendar.
 *
 * Caveat worth knowing: 春分の日 and 秋分の日 are fixed officially only in February of the
 * previous year; the dataset's later years hold the astronomical prediction, which has always
 * matched so far.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { addDays, isIsoDate, jstWeekday, type IsoDate } from './jst.js';

export interface HolidayCalendar {
  /** Japanese name of the holiday on `date`, or null on an ordinary day. */
  name(date: IsoDate): string | null;
  /** First and last year the calendar knows. Outside it every day counts as an ordinary day. */
  readonly coverage: { readonly firstYear: number; readonly lastYear: number };
}

const PACKAGE_HOLIDAYS: Readonly<Record<string, { name: string } | undefined>> = holidayJp.holidays;

/** The holiday's own name without the dataset's 振替 suffix: 「こどもの日 振替休日」 → 「こどもの日」. */
const baseName = (raw: string) => raw.replace(/\s*振替休日$/, '');

/**
 * The holiday a 振替休日 on `date` stands in for. 祝日法 3条2項 puts it on the first day after a
 * Sunday holiday that is not itself a holiday, so it is the Sunday holiday at the start of the
 * run of holidays just before `date`. The dataset's own label is not used for this: in Golden
 * Week it always names こどもの日, so 2026-05-06 is labelled 「こどもの日 振替休日」 although it
 * stands in for 憲法記念日 (Sunday 3 May 2026; likewise みどりの日 in 2025 and 2031).
 */
function substitutedHoliday(date: IsoDate): string | null {
  for (let day = addDays(date, -1), k = 0; k < 7; day = addDays(day, -1), k++) {
    const entry = PACKAGE_HOLIDAYS[day];
    if (!entry) return null;
    if (jstWeekday(day) === 0) return baseName(entry.name);
  }
  return null;
}

/**
 * Names as staff expect to read them: the citizens' holiday between two holidays, which the
 * dataset calls just 「休日」, is 「国民の休日」; a substitute holiday is 「振替休日（憲法記念日）」.
 */
function displayName(date: IsoDate, raw: string): string {
  if (raw === '休日') return '国民の休日';
  if (!/振替休日$/.test(raw)) return raw;
  const origin = substitutedHoliday(date);
  return origin ? `振替休日（${origin}）` : '振替休日';
}

function packageCoverage(): { firstYear: number; lastYear: number } {
  const years = Object.keys(PACKAGE_HOLIDAYS).map((d) => Number(d.slice(0, 4)));
  return { firstYear: Math.min(...years), lastYear: Math.max(...years) };
}

/** The default calendar, backed by `@holiday-jp/holiday_jp`. */
export const japaneseHolidays: HolidayCalendar = {
  name(date) {
    const entry = PACKAGE_HOLIDAYS[date];
    return entry ? displayName(date, entry.name) : null;
  },
  coverage: Object.freeze(packageCoverage()),
};

/** A calendar from an explicit list (tests, or holidays a vendor maintains by hand). */
export function holidayCalendarFrom(
  holidays: Readonly<Record<IsoDate, string>>,
  coverage?: { firstYear: number; lastYear: number },
): HolidayCalendar {
  const dates = Object.keys(holidays);
  const years = dates.map((d) => Number(d.slice(0, 4)));
  return {
    name: (date) => holidays[date] ?? null,
    coverage: Object.freeze(
      coverage ?? {
        firstYear: years.length > 0 ? Math.min(...years) : 0,
        lastYear: years.length > 0 ? Math.max(...years) : 0,
      },
    ),
  };
}

function checkDate(date: IsoDate): void {
  if (!isIsoDate(date)) throw new RangeError(`not a calendar date: ${String(date)}`);
}

/** True when `date` (JST, `YYYY-MM-DD`) is a Japanese public holiday, substitute or citizens' holiday. */
export function isHoliday(date: IsoDate, calendar: HolidayCalendar = japaneseHolidays): boolean {
  checkDate(date);
  return calendar.name(date) !== null;
}

/** The holiday's Japanese name (e.g. 「勤労感謝の日」, 「振替休日（こどもの日）」), or null. */
export function holidayName(date: IsoDate, calendar: HolidayCalendar = japaneseHolidays): string | null {
  checkDate(date);
  return calendar.name(date);
}

/**
 * True on the days Japanese municipal offices close at the year end and new year, 12/29–1/3
 * (年末年始の休日 fixed by each municipality's 休日条例 under 地方自治法 4条の2).
 */
export function isYearEndClosure(date: IsoDate): boolean {
  checkDate(date);
  const md = date.slice(5);
  return md >= '12-29' || md <= '01-03';
}
