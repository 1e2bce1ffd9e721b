import { describe, expect, it } from 'vitest';
import { describeRule } from './describe.js';
import { recurrenceRuleSchema, type RecurrenceRuleInput } from './recurrence.js';

const text = (input: RecurrenceRuleInput) => describeRule(recurrenceRuleSchema.parse(input));
const base = { time: '09:00', startDate: '2026-11-01' } as const;

describe('describeRule', () => {
  it('writes the acceptance rule the way the UI shows it', () => {
    expect(
      text({
        kind: 'nthWeekday',
        ordinals: [2],
        weekdays: [2],
        ...base,
        excludeDates: ['2026-12-08'],
        holidayPolicy: 'next-business-day',
      }),
    ).toBe('毎月第2火曜 9:00（2026/12/08を除く・祝日は翌営業日）');
  });

  it('describes every kind of rule', () => {
    expect(text({ kind: 'once', date: '2026-12-01', time: '08:30' })).toBe(
      '2026/12/01（火） 8:30（1回のみ）',
    );
    expect(text({ kind: 'daily', ...base })).toBe('毎日 9:00');
    expect(text({ kind: 'weekdays', ...base })).toBe('平日（月〜金） 9:00');
    expect(text({ kind: 'weekly', weekdays: [5, 1, 3], ...base })).toBe('毎週月・水・金曜 9:00');
    expect(text({ kind: 'weekly', weekdays: [0, 6], ...base })).toBe('毎週土・日曜 9:00');
    expect(text({ kind: 'weekly', weekdays: [4], intervalWeeks: 2, ...base })).toBe('隔週木曜 9:00');
    expect(text({ kind: 'weekly', weekdays: [1, 4], intervalWeeks: 3, ...base })).toBe(
      '3週ごとの月・木曜 9:00',
    );
    expect(text({ kind: 'monthlyDates', days: [15, 1], ...base })).toBe('毎月1日・15日 9:00');
    expect(text({ kind: 'monthEnd', ...base, time: '17:30' })).toBe('毎月末日 17:30');
    expect(text({ kind: 'everyNDays', intervalDays: 3, ...base })).toBe('3日ごと 9:00');
    expect(text({ kind: 'nthWeekday', ordinals: [-1], weekdays: [5], ...base })).toBe('毎月最終金曜 9:00');
    expect(text({ kind: 'nthWeekday', ordinals: [4, 2], weekdays: [3], ...base })).toBe(
      '毎月第2・第4水曜 9:00',
    );
    expect(text({ kind: 'nthWeekday', ordinals: [-1, 1], weekdays: [4, 1], ...base })).toBe(
      '毎月第1・最終月・木曜 9:00',
    );
  });

  it('says what changes the plain pattern: end, count, missing days, exclusions, holidays', () => {
    expect(text({ kind: 'daily', ...base, endDate: '2027-03-31' })).toBe('毎日 9:00（2027/03/31まで）');
    expect(text({ kind: 'daily', ...base, count: 10 })).toBe('毎日 9:00（全10回）');
    expect(text({ kind: 'monthlyDates', days: [31, 15, 30], ...base })).toBe(
      '毎月15日・30日・31日 9:00（30日・31日がない月はその日は配信しない）',
    );
    expect(
      text({
        kind: 'weekly',
        weekdays: [1],
        ...base,
        excludeDates: ['2027-01-04', '2026-12-28', '2026-12-21', '2027-01-11', '2026-12-28'],
      }),
    ).toBe('毎週月曜 9:00（2026/12/21、2026/12/28、2027/01/04ほか1日を除く）');
    expect(text({ kind: 'weekly', weekdays: [1], ...base, holidayPolicy: 'skip' })).toBe(
      '毎週月曜 9:00（祝日は配信しない）',
    );
    expect(text({ kind: 'monthlyDates', days: [15], ...base, holidayPolicy: 'previous-business-day' })).toBe(
      '毎月15日 9:00（土日祝は前営業日）',
    );
    expect(
      text({
        kind: 'monthEnd',
        ...base,
        holidayPolicy: 'next-business-day',
        yearEndClosure: true,
        closedDates: ['2027-03-31'],
      }),
    ).toBe('毎月末日 9:00（土日祝・年末年始・休業日は翌営業日）');
    // Closed days change nothing when holidays are sent anyway.
    expect(text({ kind: 'monthEnd', ...base, yearEndClosure: true })).toBe('毎月末日 9:00');
  });
});
