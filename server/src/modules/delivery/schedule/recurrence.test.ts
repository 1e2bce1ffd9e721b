import { describe, expect, it } from 'vitest';
import { holidayCalendarFrom, isHoliday, isYearEndClosure } from './holidays.js';
import {
  addDays,
  addMonths,
  endOfMonth,
  jstDate,
  jstInstant,
  jstTime,
  jstWeekday,
  type IsoDate,
} from './jst.js';
import {
  MAX_SHIFT_DAYS,
  nextOccurrence,
  occurrencesBetween,
  recurrenceRuleSchema,
  type HolidayPolicy,
  type RecurrenceRule,
  type RecurrenceRuleInput,
} from './recurrence.js';

/** Parses a rule, keeping its kind in the type so tests can spread it into a variant. */
const rule = <T extends RecurrenceRuleInput>(input: T) =>
  recurrenceRuleSchema.parse(input) as Extract<RecurrenceRule, { kind: T['kind'] }>;
const at = (iso: string) => new Date(iso);
/** JST midnight starting `date`. */
const jstMidnight = (date: IsoDate) => jstInstant(date, '00:00');

/** Delivery dates (JST) of `r` between two JST dates, both inclusive. */
function datesBetween(r: RecurrenceRule, first: IsoDate, last: IsoDate): IsoDate[] {
  return occurrencesBetween(r, new Date(jstMidnight(first).getTime() - 1), jstInstant(last, '23:59')).map(
    jstDate,
  );
}

/** What a scheduler does: ask for the next delivery, "wait" until it, fire, repeat. */
function fireSequence(r: RecurrenceRule, clock: Date, max: number): Date[] {
  const fired: Date[] = [];
  let now = clock;
  for (let i = 0; i < max; i++) {
    const next = nextOccurrence(r, now);
    if (!next) break;
    fired.push(next);
    now = next;
  }
  return fired;
}

describe('acceptance: every 2nd Tuesday, except 2026-12-08, at 09:00 JST', () => {
  const secondTuesday = rule({
    kind: 'nthWeekday',
    ordinals: [2],
    weekdays: [2],
    time: '09:00',
    startDate: '2026-11-01',
    excludeDates: ['2026-12-08'],
  });

  it('fires from 2026-11-01 on 11/10, skips December (excluded), then 1/12 and 2/9', () => {
    const fired = fireSequence(secondTuesday, at('2026-11-01T00:00:00+09:00'), 4);
    expect(fired.map((d) => d.toISOString())).toEqual([
      '2026-11-10T00:00:00.000Z',
      '2027-01-12T00:00:00.000Z',
      '2027-02-09T00:00:00.000Z',
      '2027-03-09T00:00:00.000Z',
    ]);
    expect(fired.map((d) => `${jstDate(d)} ${jstTime(d)}`)).toEqual([
      '2026-11-10 09:00',
      '2027-01-12 09:00',
      '2027-02-09 09:00',
      '2027-03-09 09:00',
    ]);
    for (const d of fired) expect(jstWeekday(jstDate(d))).toBe(2);
  });

  it('a scheduler polling every 15 minutes fires exactly the same deliveries, each once', () => {
    const start = at('2026-11-01T00:00:00+09:00').getTime();
    const end = at('2027-02-15T00:00:00+09:00').getTime();
    const step = 15 * 60 * 1000;
    const fired: string[] = [];
    for (let t = start; t < end; t += step) {
      for (const d of occurrencesBetween(secondTuesday, new Date(t), new Date(t + step)))
        fired.push(d.toISOString());
    }
    expect(fired).toEqual([
      '2026-11-10T00:00:00.000Z',
      '2027-01-12T00:00:00.000Z',
      '2027-02-09T00:00:00.000Z',
    ]);
  });

  it('has nothing in December and the right dates across Nov→Dec and Dec→Jan', () => {
    expect(datesBetween(secondTuesday, '2026-12-01', '2026-12-31')).toEqual([]);
    expect(datesBetween(secondTuesday, '2026-11-01', '2027-01-31')).toEqual(['2026-11-10', '2027-01-12']);
    // Without the exclusion December's 2nd Tuesday is the 8th.
    const all = rule({ ...secondTuesday, excludeDates: [] });
    expect(datesBetween(all, '2026-11-01', '2027-01-31')).toEqual(['2026-11-10', '2026-12-08', '2027-01-12']);
  });

  it('fires on the day itself when the clock is earlier that day, and not again at the fire instant', () => {
    expect(nextOccurrence(secondTuesday, at('2026-11-10T08:59:59+09:00'))?.toISOString()).toBe(
      '2026-11-10T00:00:00.000Z',
    );
    // strictly after: asked at the exact fire instant, the next one is January's
    expect(nextOccurrence(secondTuesday, at('2026-11-10T09:00:00+09:00'))?.toISOString()).toBe(
      '2027-01-12T00:00:00.000Z',
    );
    expect(nextOccurrence(secondTuesday, at('2026-11-10T09:00:00.001+09:00'))?.toISOString()).toBe(
      '2027-01-12T00:00:00.000Z',
    );
  });
});

describe('holiday policies', () => {
  const policies: HolidayPolicy[] = ['send', 'skip', 'next-business-day', 'previous-business-day'];

  it('a date rule on 2026-11-23 (勤労感謝の日, a Monday)', () => {
    const got = policies.map((holidayPolicy) =>
      datesBetween(
        rule({ kind: 'monthlyDates', days: [23], time: '10:00', startDate: '2026-11-01', holidayPolicy }),
        '2026-11-01',
        '2026-11-30',
      ),
    );
    expect(got).toEqual([['2026-11-23'], [], ['2026-11-24'], ['2026-11-20']]);
  });

  it('a Monday rule on 2027-01-11 (成人の日)', () => {
    const got = policies.map((holidayPolicy) =>
      datesBetween(
        rule({ kind: 'weekly', weekdays: [1], time: '10:00', startDate: '2027-01-01', holidayPolicy }),
        '2027-01-01',
        '2027-01-20',
      ),
    );
    expect(got).toEqual([
      ['2027-01-04', '2027-01-11', '2027-01-18'],
      ['2027-01-04', '2027-01-18'],
      ['2027-01-04', '2027-01-12', '2027-01-18'],
      ['2027-01-04', '2027-01-08', '2027-01-18'],
    ]);
  });

  it('a 2nd-Tuesday-style rule on 2026-11-03 (文化の日 is the 1st Tuesday of November)', () => {
    const got = policies.map((holidayPolicy) =>
      datesBetween(
        rule({
          kind: 'nthWeekday',
          ordinals: [1],
          weekdays: [2],
          time: '09:00',
          startDate: '2026-10-01',
          holidayPolicy,
        }),
        '2026-11-01',
        '2026-12-31',
      ),
    );
    expect(got).toEqual([
      ['2026-11-03', '2026-12-01'],
      ['2026-12-01'],
      ['2026-11-04', '2026-12-01'],
      ['2026-11-02', '2026-12-01'],
    ]);
  });

  it('moves calendar-day rules off weekends too (毎月15日、土日祝は翌営業日)', () => {
    // 2026-11-15 is a Sunday, 2027-05-15 a Saturday.
    const r = rule({
      kind: 'monthlyDates',
      days: [15],
      time: '09:00',
      startDate: '2026-11-01',
      holidayPolicy: 'next-business-day',
    });
    expect(datesBetween(r, '2026-11-01', '2026-12-31')).toEqual(['2026-11-16', '2026-12-15']);
    const prev = rule({ ...r, holidayPolicy: 'previous-business-day' });
    expect(datesBetween(prev, '2027-05-01', '2027-05-31')).toEqual(['2027-05-14']);
  });

  it('keeps weekends a rule names on purpose (毎週土曜) and applies the policy only to holidays on them', () => {
    const saturdays = rule({
      kind: 'weekly',
      weekdays: [6],
      time: '09:00',
      startDate: '2029-11-01',
      holidayPolicy: 'skip',
    });
    // 2029-11-03 (文化の日) is a Saturday: skipped; the other Saturdays are sent.
    expect(datesBetween(saturdays, '2029-11-01', '2029-11-30')).toEqual([
      '2029-11-10',
      '2029-11-17',
      '2029-11-24',
    ]);
    const moved = rule({ ...saturdays, holidayPolicy: 'next-business-day' });
    expect(datesBetween(moved, '2029-11-01', '2029-11-10')).toEqual(['2029-11-05', '2029-11-10']);
  });

  it('never moves onto an excluded date (keeps looking for the next business day)', () => {
    const r = rule({
      kind: 'monthlyDates',
      days: [23],
      time: '10:00',
      startDate: '2026-11-01',
      holidayPolicy: 'next-business-day',
      excludeDates: ['2026-11-24'],
    });
    expect(datesBetween(r, '2026-11-01', '2026-11-30')).toEqual(['2026-11-25']);
    const back = rule({ ...r, holidayPolicy: 'previous-business-day', excludeDates: ['2026-11-20'] });
    expect(datesBetween(back, '2026-11-01', '2026-11-30')).toEqual(['2026-11-19']);
  });

  it('drops an excluded scheduled date instead of moving it', () => {
    const r = rule({
      kind: 'monthlyDates',
      days: [23],
      time: '10:00',
      startDate: '2026-11-01',
      holidayPolicy: 'next-business-day',
      excludeDates: ['2026-11-23'],
    });
    expect(datesBetween(r, '2026-11-01', '2026-11-30')).toEqual([]);
  });

  it('treats the rule’s closed days and the year-end closure as days off', () => {
    const monthStart = rule({
      kind: 'monthlyDates',
      days: [1],
      time: '09:00',
      startDate: '2026-12-01',
      holidayPolicy: 'next-business-day',
      yearEndClosure: true,
    });
    // 1/1 holiday, 1/2–1/3 closure and weekend → Monday 1/4
    expect(datesBetween(monthStart, '2026-12-01', '2027-01-31')).toEqual(['2026-12-01', '2027-01-04']);
    const monthEnd = rule({
      kind: 'monthEnd',
      time: '17:00',
      startDate: '2026-12-01',
      holidayPolicy: 'previous-business-day',
      yearEndClosure: true,
    });
    // 12/31 (Thu) is a closure day → Monday 12/28
    expect(datesBetween(monthEnd, '2026-12-01', '2026-12-31')).toEqual(['2026-12-28']);
    const withoutClosure = rule({ ...monthEnd, yearEndClosure: false });
    expect(datesBetween(withoutClosure, '2026-12-01', '2026-12-31')).toEqual(['2026-12-31']);
    const closed = rule({ ...withoutClosure, closedDates: ['2026-12-31', '2026-12-30'] });
    expect(datesBetween(closed, '2026-12-01', '2026-12-31')).toEqual(['2026-12-29']);
  });

  it('sends once when several scheduled dates move onto the same business day', () => {
    const daily = rule({
      kind: 'daily',
      time: '07:00',
      startDate: '2026-11-20',
      holidayPolicy: 'next-business-day',
    });
    // Sat 21, Sun 22, Mon 23 (holiday) all move to Tue 24
    expect(datesBetween(daily, '2026-11-20', '2026-11-26')).toEqual([
      '2026-11-20',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
    ]);
    const friMon = rule({
      kind: 'weekly',
      weekdays: [5, 1],
      time: '07:00',
      startDate: '2027-01-01',
      holidayPolicy: 'previous-business-day',
    });
    // Fri 1/1 is a holiday → Thu 12/31 would be before the start: dropped. Mon 1/11 (成人の日) → Fri 1/8, merged.
    expect(datesBetween(friMon, '2026-12-01', '2027-01-16')).toEqual([
      '2027-01-04',
      '2027-01-08',
      '2027-01-15',
    ]);
  });

  it('returns deliveries in time order even when a moved one overtakes a later date', () => {
    // Fri 2028-02-11 (建国記念の日) moves to Mon 2/14, after Sat 2/12 which is sent as named.
    const friSat = rule({
      kind: 'weekly',
      weekdays: [5, 6],
      time: '07:00',
      startDate: '2028-02-01',
      holidayPolicy: 'next-business-day',
    });
    expect(datesBetween(friSat, '2028-02-01', '2028-02-19')).toEqual([
      '2028-02-04',
      '2028-02-05',
      '2028-02-12',
      '2028-02-14',
      '2028-02-18',
      '2028-02-19',
    ]);
    expect(fireSequence(friSat, at('2028-02-11T08:00:00+09:00'), 3).map(jstDate)).toEqual([
      '2028-02-12',
      '2028-02-14',
      '2028-02-18',
    ]);
  });

  it('uses a swapped holiday calendar', () => {
    const calendar = holidayCalendarFrom({ '2026-12-08': '市制記念日' });
    const r = rule({
      kind: 'nthWeekday',
      ordinals: [2],
      weekdays: [2],
      time: '09:00',
      startDate: '2026-11-01',
      holidayPolicy: 'next-business-day',
    });
    const from = at('2026-11-11T00:00:00+09:00');
    expect(jstDate(nextOccurrence(r, from)!)).toBe('2026-12-08');
    expect(jstDate(nextOccurrence(r, from, { holidays: calendar })!)).toBe('2026-12-09');
  });
});

describe('patterns', () => {
  it('end of month in February, leap and common years', () => {
    const r = rule({ kind: 'monthEnd', time: '18:00', startDate: '2027-01-01' });
    expect(datesBetween(r, '2027-01-01', '2027-03-31')).toEqual(['2027-01-31', '2027-02-28', '2027-03-31']);
    expect(datesBetween(r, '2028-02-01', '2028-03-01')).toEqual(['2028-02-29']);
    expect(datesBetween(r, '2100-02-01', '2100-03-01')).toEqual(['2100-02-28']);
  });

  it('dates of the month skip months without that day', () => {
    const r = rule({ kind: 'monthlyDates', days: [31, 1, 29], time: '09:00', startDate: '2027-01-01' });
    expect(datesBetween(r, '2027-01-01', '2027-04-30')).toEqual([
      '2027-01-01',
      '2027-01-29',
      '2027-01-31',
      '2027-02-01',
      '2027-03-01',
      '2027-03-29',
      '2027-03-31',
      '2027-04-01',
      '2027-04-29',
    ]);
    expect(datesBetween(r, '2028-02-01', '2028-02-29')).toEqual(['2028-02-01', '2028-02-29']);
  });

  it('every N weeks counts weeks (Monday–Sunday) from the week of the start date', () => {
    // Start Wed 2026-11-04: that week fires (Thu 11/5, Mon 11/2 is before the start), the next does not.
    const r = rule({
      kind: 'weekly',
      weekdays: [1, 4],
      intervalWeeks: 2,
      time: '09:00',
      startDate: '2026-11-04',
    });
    expect(datesBetween(r, '2026-11-01', '2026-12-06')).toEqual([
      '2026-11-05',
      '2026-11-16',
      '2026-11-19',
      '2026-11-30',
      '2026-12-03',
    ]);
    // Start on a Sunday: the week it belongs to began on Monday 11/2, so the next firing week is 11/16.
    const sunday = rule({ ...r, startDate: '2026-11-08' });
    expect(datesBetween(sunday, '2026-11-01', '2026-11-22')).toEqual(['2026-11-16', '2026-11-19']);
    const every3 = rule({
      kind: 'weekly',
      weekdays: [0],
      intervalWeeks: 3,
      time: '09:00',
      startDate: '2026-11-01',
    });
    expect(datesBetween(every3, '2026-11-01', '2026-12-31')).toEqual([
      '2026-11-01',
      '2026-11-22',
      '2026-12-13',
    ]);
  });

  it('every N days counts from the start date, whatever the window', () => {
    const r = rule({ kind: 'everyNDays', intervalDays: 10, time: '09:00', startDate: '2026-11-05' });
    expect(datesBetween(r, '2026-11-01', '2026-12-10')).toEqual([
      '2026-11-05',
      '2026-11-15',
      '2026-11-25',
      '2026-12-05',
    ]);
    expect(jstDate(nextOccurrence(r, at('2027-06-01T00:00:00+09:00'))!)).toBe('2027-06-03');
  });

  it('nth and last weekday of the month', () => {
    const lastFriday = rule({
      kind: 'nthWeekday',
      ordinals: [-1],
      weekdays: [5],
      time: '09:00',
      startDate: '2027-01-01',
    });
    expect(datesBetween(lastFriday, '2027-01-01', '2027-04-30')).toEqual([
      '2027-01-29',
      '2027-02-26',
      '2027-03-26',
      '2027-04-30',
    ]);
    const secondFourthWed = rule({
      kind: 'nthWeekday',
      ordinals: [4, 2],
      weekdays: [3],
      time: '09:00',
      startDate: '2027-01-01',
    });
    expect(datesBetween(secondFourthWed, '2027-01-01', '2027-02-28')).toEqual([
      '2027-01-13',
      '2027-01-27',
      '2027-02-10',
      '2027-02-24',
    ]);
    const fifthThursday = rule({
      kind: 'nthWeekday',
      ordinals: [5],
      weekdays: [4],
      time: '09:00',
      startDate: '2026-01-01',
    });
    expect(datesBetween(fifthThursday, '2026-01-01', '2026-12-31')).toEqual([
      '2026-01-29',
      '2026-04-30',
      '2026-07-30',
      '2026-10-29',
      '2026-12-31',
    ]);
  });

  it('weekdays (平日) and daily', () => {
    const weekdays = rule({ kind: 'weekdays', time: '08:00', startDate: '2026-11-01' });
    expect(datesBetween(weekdays, '2026-11-01', '2026-11-08')).toEqual([
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
    ]);
    const businessDays = rule({ ...weekdays, holidayPolicy: 'skip' });
    expect(datesBetween(businessDays, '2026-11-01', '2026-11-08')).toEqual([
      '2026-11-02',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
    ]);
    const daily = rule({ kind: 'daily', time: '08:00', startDate: '2026-12-30' });
    expect(datesBetween(daily, '2026-12-29', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('once: at the given JST moment, strictly after the clock', () => {
    const once = rule({ kind: 'once', date: '2026-12-01', time: '08:30' });
    expect(nextOccurrence(once, at('2026-11-01T00:00:00Z'))?.toISOString()).toBe('2026-11-30T23:30:00.000Z');
    expect(nextOccurrence(once, at('2026-11-30T23:30:00Z'))).toBeNull();
    expect(occurrencesBetween(once, at('2026-11-30T23:29:59Z'), at('2026-11-30T23:30:00Z'))).toHaveLength(1);
    expect(occurrencesBetween(once, at('2026-11-30T23:30:00Z'), at('2026-12-01T00:00:00Z'))).toHaveLength(0);
  });
});

describe('period, count and time boundaries', () => {
  it('ends after the count of deliveries; skipped dates do not count', () => {
    const r = rule({
      kind: 'weekly',
      weekdays: [1],
      time: '09:00',
      startDate: '2027-01-01',
      count: 3,
      holidayPolicy: 'skip',
    });
    // Mondays 1/4, (1/11 成人の日 skipped), 1/18, 1/25 — then nothing.
    const fired = fireSequence(r, at('2026-12-01T00:00:00+09:00'), 10);
    expect(fired.map(jstDate)).toEqual(['2027-01-04', '2027-01-18', '2027-01-25']);
    expect(nextOccurrence(r, at('2027-01-25T09:00:00+09:00'))).toBeNull();
    expect(nextOccurrence(r, at('2030-01-01T00:00:00+09:00'))).toBeNull();
    // Counting starts at the start date even when the window starts later.
    expect(datesBetween(r, '2027-01-15', '2027-12-31')).toEqual(['2027-01-18', '2027-01-25']);
  });

  it('counts moved deliveries merged onto one day once', () => {
    const r = rule({
      kind: 'daily',
      time: '07:00',
      startDate: '2026-11-20',
      count: 3,
      holidayPolicy: 'next-business-day',
    });
    expect(datesBetween(r, '2026-11-01', '2026-12-31')).toEqual(['2026-11-20', '2026-11-24', '2026-11-25']);
  });

  it('includes the end date; a delivery moved past it stays, one moved before the start is dropped', () => {
    const r = rule({ kind: 'daily', time: '09:00', startDate: '2026-11-01', endDate: '2026-11-05' });
    expect(datesBetween(r, '2026-10-01', '2026-12-31')).toEqual([
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
    ]);
    expect(nextOccurrence(r, at('2026-11-05T09:00:00+09:00'))).toBeNull();
    const moved = rule({
      kind: 'monthlyDates',
      days: [23],
      time: '09:00',
      startDate: '2026-11-01',
      endDate: '2026-11-23',
      holidayPolicy: 'next-business-day',
    });
    expect(datesBetween(moved, '2026-11-01', '2026-12-31')).toEqual(['2026-11-24']);
    const early = rule({
      ...moved,
      startDate: '2026-11-22',
      endDate: undefined,
      holidayPolicy: 'previous-business-day',
    });
    expect(datesBetween(early, '2026-11-01', '2026-12-31')).toEqual(['2026-12-23']);
  });

  it('starts at the start date even if asked from long before', () => {
    const r = rule({ kind: 'weekly', weekdays: [3], time: '09:00', startDate: '2027-04-01' });
    expect(jstDate(nextOccurrence(r, at('2020-01-01T00:00:00Z'))!)).toBe('2027-04-07');
  });

  it('handles a send time early in the JST morning (previous UTC day)', () => {
    const r = rule({ kind: 'monthlyDates', days: [8], time: '08:30', startDate: '2026-12-01' });
    const next = nextOccurrence(r, at('2026-12-07T12:00:00Z'))!;
    expect(next.toISOString()).toBe('2026-12-07T23:30:00.000Z');
    expect(jstDate(next)).toBe('2026-12-08');
    expect(next.getUTCDate()).toBe(7);
    // At 23:45 UTC on the 7th it is 08:45 on the 8th in Japan: today's delivery has passed.
    expect(jstDate(nextOccurrence(r, at('2026-12-07T23:45:00Z'))!)).toBe('2027-01-08');
    // A window that ends in UTC on the 7th but is the 8th in Japan contains it.
    expect(occurrencesBetween(r, at('2026-12-07T15:00:00Z'), at('2026-12-07T23:59:59Z'))).toHaveLength(1);
    const late = rule({ ...r, time: '23:30' });
    expect(nextOccurrence(late, at('2026-12-08T14:00:00Z'))!.toISOString()).toBe('2026-12-08T14:30:00.000Z');
  });

  it('limits the number of results and rejects bad arguments', () => {
    const r = rule({ kind: 'daily', time: '09:00', startDate: '2026-01-01' });
    expect(occurrencesBetween(r, at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'), 5)).toHaveLength(5);
    expect(occurrencesBetween(r, at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'))).toHaveLength(365);
    expect(occurrencesBetween(r, at('2026-02-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(() => occurrencesBetween(r, at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'), 0)).toThrow(
      RangeError,
    );
    expect(() => nextOccurrence(r, new Date(Number.NaN))).toThrow(RangeError);
  });

  it('returns null for a rule that can never fire', () => {
    const r = rule({
      kind: 'weekly',
      weekdays: [6, 0],
      time: '09:00',
      startDate: '2026-01-01',
      holidayPolicy: 'skip',
    });
    // Weekends it names are not days off, so this one fires…
    expect(nextOccurrence(r, at('2026-01-01T00:00:00Z'))).not.toBeNull();
    // …but 31st of the month excluded every time within the search horizon does not.
    const excluded: string[] = [];
    for (let m = 0; m < 48; m++) {
      const monthEnd = endOfMonth(addMonths('2026-01-01', m));
      if (monthEnd.endsWith('-31')) excluded.push(monthEnd);
    }
    const never = rule({
      kind: 'monthlyDates',
      days: [31],
      time: '09:00',
      startDate: '2026-01-01',
      excludeDates: excluded,
    });
    expect(nextOccurrence(never, at('2026-01-01T00:00:00Z'))).toBeNull();
  });
});

// ------------------------------------------------------------------ cross-check against a naive model

/** Deterministic pseudo-random numbers (mulberry32) so a failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The rules written down as directly as possible: every scheduled date from the start, its
 * delivery date, then sort, de-duplicate and cut at the count. Slow, obviously right.
 */
function naiveDates(r: Exclude<RecurrenceRule, { kind: 'once' }>, until: IsoDate): IsoDate[] {
  const weekend = (d: IsoDate) => jstWeekday(d) === 0 || jstWeekday(d) === 6;
  const dayOff = (d: IsoDate) =>
    isHoliday(d) || r.closedDates.includes(d) || (r.yearEndClosure && isYearEndClosure(d));
  const business = (d: IsoDate) => !weekend(d) && !dayOff(d) && !r.excludeDates.includes(d);
  const scheduled = (d: IsoDate): boolean => {
    const wd = jstWeekday(d);
    const dom = Number(d.slice(8));
    const days = Math.round((Date.parse(d) - Date.parse(r.startDate)) / 86400000);
    switch (r.kind) {
      case 'daily':
        return true;
      case 'weekdays':
        return wd >= 1 && wd <= 5;
      case 'weekly': {
        const monday = (x: IsoDate) => addDays(x, -((jstWeekday(x) + 6) % 7));
        const weeks = Math.round((Date.parse(monday(d)) - Date.parse(monday(r.startDate))) / (7 * 86400000));
        return r.weekdays.includes(wd) && weeks % r.intervalWeeks === 0;
      }
      case 'monthlyDates':
        return r.days.includes(dom);
      case 'monthEnd':
        return d === endOfMonth(d);
      case 'everyNDays':
        return days % r.intervalDays === 0;
      case 'nthWeekday':
        return (
          r.weekdays.includes(wd) &&
          (r.ordinals.includes(Math.ceil(dom / 7)) ||
            (r.ordinals.includes(-1) && addDays(d, 7).slice(5, 7) !== d.slice(5, 7)))
        );
    }
  };
  const intended = r.kind === 'weekdays' || r.kind === 'weekly' || r.kind === 'nthWeekday';
  const out = new Set<IsoDate>();
  const last = r.endDate && r.endDate < until ? r.endDate : until;
  for (let d = r.startDate; d <= last; d = addDays(d, 1)) {
    if (!scheduled(d) || r.excludeDates.includes(d)) continue;
    const off = dayOff(d) || (!intended && weekend(d));
    if (!off || r.holidayPolicy === 'send') {
      out.add(d);
      continue;
    }
    if (r.holidayPolicy === 'skip') continue;
    const step = r.holidayPolicy === 'next-business-day' ? 1 : -1;
    for (let k = 1; k <= MAX_SHIFT_DAYS; k++) {
      const c = addDays(d, step * k);
      if (c < r.startDate) break;
      if (business(c)) {
        out.add(c);
        break;
      }
    }
  }
  const sorted = [...out].sort();
  return r.count !== undefined ? sorted.slice(0, r.count) : sorted;
}

describe('engine agrees with a naive model on random rules', () => {
  const policies: HolidayPolicy[] = ['send', 'skip', 'next-business-day', 'previous-business-day'];
  const next = random(20261101);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const subset = (xs: readonly number[]) => {
    const s = xs.filter(() => next() < 0.35);
    return s.length > 0 ? s : [pick(xs)];
  };
  const randomDate = (from: IsoDate, spanDays: number) => addDays(from, Math.floor(next() * spanDays));

  for (let i = 0; i < 150; i++) {
    const startDate = randomDate('2026-01-01', 900);
    const common = {
      time: pick(['00:00', '08:30', '09:00', '23:59']),
      startDate,
      holidayPolicy: pick(policies),
      yearEndClosure: next() < 0.3,
      excludeDates: Array.from({ length: Math.floor(next() * 6) }, () => randomDate(startDate, 200)),
      closedDates: Array.from({ length: Math.floor(next() * 4) }, () => randomDate(startDate, 200)),
      ...(next() < 0.3
        ? { endDate: randomDate(startDate, 400) }
        : next() < 0.4
          ? { count: 1 + Math.floor(next() * 30) }
          : {}),
    };
    const shapes: RecurrenceRuleInput[] = [
      { kind: 'daily', ...common },
      { kind: 'weekdays', ...common },
      {
        kind: 'weekly',
        weekdays: subset([0, 1, 2, 3, 4, 5, 6]),
        intervalWeeks: 1 + Math.floor(next() * 4),
        ...common,
      },
      { kind: 'monthlyDates', days: subset([1, 5, 10, 15, 20, 23, 25, 28, 29, 30, 31]), ...common },
      { kind: 'monthEnd', ...common },
      { kind: 'everyNDays', intervalDays: 1 + Math.floor(next() * 20), ...common },
      {
        kind: 'nthWeekday',
        ordinals: subset([1, 2, 3, 4, 5, -1]),
        weekdays: subset([0, 1, 2, 3, 4, 5, 6]),
        ...common,
      },
    ];
    const r = rule(pick(shapes)) as Exclude<RecurrenceRule, { kind: 'once' }>;
    const windowStart = randomDate(addDays(startDate, -30), 300);
    const windowEnd = addDays(windowStart, 120);

    it(`#${i} ${r.kind} ${r.holidayPolicy} from ${startDate}`, () => {
      const expected = naiveDates(r, addDays(windowEnd, MAX_SHIFT_DAYS + 1)).filter(
        (d) => d >= windowStart && d <= windowEnd,
      );
      expect(datesBetween(r, windowStart, windowEnd)).toEqual(expected);
      // Chaining nextOccurrence gives the same deliveries, at the rule's time.
      const chained: IsoDate[] = [];
      let clock = new Date(jstMidnight(windowStart).getTime() - 1);
      for (;;) {
        const n = nextOccurrence(r, clock);
        if (!n || jstDate(n) > windowEnd) break;
        expect(jstTime(n)).toBe(r.time);
        chained.push(jstDate(n));
        clock = n;
      }
      expect(chained).toEqual(expected);
    });
  }
});

describe('recurrenceRuleSchema', () => {
  const issues = (input: unknown) =>
    recurrenceRuleSchema.safeParse(input).error?.issues.map((i) => [i.path.join('.'), i.message]) ?? [];

  it('fills in defaults', () => {
    expect(rule({ kind: 'weekly', weekdays: [1], time: '09:00', startDate: '2026-04-01' })).toEqual({
      kind: 'weekly',
      weekdays: [1],
      intervalWeeks: 1,
      time: '09:00',
      startDate: '2026-04-01',
      excludeDates: [],
      closedDates: [],
      yearEndClosure: false,
      holidayPolicy: 'send',
    });
  });

  it('explains every problem in Japanese, field by field', () => {
    expect(
      issues({
        kind: 'weekly',
        weekdays: [],
        time: '9:00',
        startDate: '2026-02-30',
        endDate: '2026-13-01',
        count: 0,
        foo: 1,
      }),
    ).toEqual([
      ['weekdays', '曜日を1つ以上選んでください'],
      ['time', '配信時刻は「09:00」の形（00:00〜23:59）で入力してください'],
      ['startDate', '開始日は「2026-04-01」の形で、実在する日付を入力してください'],
      ['endDate', '終了日は「2026-04-01」の形で、実在する日付を入力してください'],
      ['count', '回数は1以上にしてください'],
      ['', '使えない項目があります（foo）'],
      ['count', '終了日と回数はどちらか一方だけ指定してください'],
    ]);
    expect(issues({ kind: 'daily', time: '09:00', startDate: '2026-04-01', endDate: '2026-03-31' })).toEqual([
      ['endDate', '終了日は開始日以降の日付にしてください'],
    ]);
    expect(issues({ kind: 'hourly', time: '09:00' })).toEqual([['kind', '配信の種類を選んでください']]);
    expect(issues(null)).toEqual([['', '配信の繰り返し設定を指定してください']]);
    expect(issues({ kind: 'weekly', weekdays: [1, 1, 7], time: '09:00', startDate: '2026-04-01' })).toEqual([
      ['weekdays.2', '曜日は0（日）〜6（土）の数で指定してください'],
      ['weekdays', '同じ曜日が2回指定されています'],
    ]);
    expect(issues({ kind: 'weekly', weekdays: [1, 1], time: '09:00', startDate: '2026-04-01' })).toEqual([
      ['weekdays', '同じ曜日が2回指定されています'],
    ]);
    expect(
      issues({ kind: 'nthWeekday', ordinals: [0, 6], weekdays: [2], time: '09:00', startDate: '2026-04-01' }),
    ).toEqual([
      ['ordinals.0', '第nは1〜5または最終（-1）で指定してください'],
      ['ordinals.1', '第nは1〜5または最終（-1）で指定してください'],
    ]);
    expect(issues({ kind: 'monthlyDates', days: [32], time: '09:00', startDate: '2026-04-01' })).toEqual([
      ['days.0', '日付は1〜31で指定してください'],
    ]);
    expect(issues({ kind: 'everyNDays', time: '09:00', startDate: '2026-04-01' })).toEqual([
      ['intervalDays', '間隔（日）を数で指定してください'],
    ]);
    expect(
      issues({
        kind: 'daily',
        time: '09:00',
        startDate: '2026-04-01',
        holidayPolicy: 'maybe',
        excludeDates: ['x'],
      }),
    ).toEqual([
      ['excludeDates.0', '除外日は「2026-04-01」の形で、実在する日付を入力してください'],
      ['holidayPolicy', '祝日の扱いは「配信する」「配信しない」「翌営業日」「前営業日」から選んでください'],
    ]);
  });

  it('keeps a one-time delivery to its date and time', () => {
    expect(issues({ kind: 'once', date: '2026-12-01', time: '09:00' })).toEqual([]);
    expect(issues({ kind: 'once', date: '2026-12-01', time: '09:00', holidayPolicy: 'skip' })).toEqual([
      ['', '使えない項目があります（holidayPolicy）'],
    ]);
  });
});
