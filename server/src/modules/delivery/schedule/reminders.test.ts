import { describe, expect, it } from 'vitest';
import { relativeReminderDate } from './reminders.js';

describe('relativeReminderDate, one-off', () => {
  it('is the base date plus or minus the offset', () => {
    expect(relativeReminderDate('2026-12-10', -3, {}, '2026-12-01')).toBe('2026-12-07');
    expect(relativeReminderDate('2026-12-10', 0, {}, '2026-12-01')).toBe('2026-12-10');
    expect(relativeReminderDate('2026-12-30', 5, undefined, '2026-12-01')).toBe('2027-01-04');
  });

  it('is due today on its day and null once it has passed', () => {
    expect(relativeReminderDate('2026-12-10', -3, {}, '2026-12-07')).toBe('2026-12-07');
    expect(relativeReminderDate('2026-12-10', -3, {}, '2026-12-08')).toBeNull();
  });

  it('counts days across a leap day', () => {
    expect(relativeReminderDate('2028-02-27', 3, {}, '2028-01-01')).toBe('2028-03-01');
    expect(relativeReminderDate('2027-02-27', 3, {}, '2027-01-01')).toBe('2027-03-02');
  });
});

describe('relativeReminderDate, yearly (birthdays)', () => {
  it('gives this year’s reminder until it passes, then next year’s', () => {
    expect(relativeReminderDate('2020-06-15', 0, { yearly: true }, '2026-06-01')).toBe('2026-06-15');
    expect(relativeReminderDate('2020-06-15', 0, { yearly: true }, '2026-06-15')).toBe('2026-06-15');
    expect(relativeReminderDate('2020-06-15', 0, { yearly: true }, '2026-06-16')).toBe('2027-06-15');
    expect(relativeReminderDate('2020-06-15', -7, { yearly: true }, '2026-06-09')).toBe('2027-06-08');
    expect(relativeReminderDate('2020-06-15', 30, { yearly: true }, '2026-07-01')).toBe('2026-07-15');
  });

  it('crosses the year boundary with the offset', () => {
    // Birthday 2 January, reminder 5 days before: 28 December of the previous year.
    expect(relativeReminderDate('2019-01-02', -5, { yearly: true }, '2026-12-01')).toBe('2026-12-28');
    expect(relativeReminderDate('2019-01-02', -5, { yearly: true }, '2026-12-29')).toBe('2027-12-28');
    expect(relativeReminderDate('2019-12-30', 5, { yearly: true }, '2027-01-01')).toBe('2027-01-04');
  });

  it('starts with the first anniversary, not the day of birth', () => {
    expect(relativeReminderDate('2026-05-01', 0, { yearly: true }, '2026-04-01')).toBe('2027-05-01');
    expect(relativeReminderDate('2026-05-01', -10, { yearly: true }, '2026-01-01')).toBe('2027-04-21');
  });

  it('celebrates 29 February on 28 February in common years (or 1 March when asked)', () => {
    expect(relativeReminderDate('2024-02-29', 0, { yearly: true }, '2026-01-01')).toBe('2026-02-28');
    expect(relativeReminderDate('2024-02-29', 0, { yearly: true }, '2028-01-01')).toBe('2028-02-29');
    expect(
      relativeReminderDate('2024-02-29', 0, { yearly: true, leapDayAnniversary: 'mar1' }, '2026-01-01'),
    ).toBe('2026-03-01');
    expect(relativeReminderDate('2024-02-29', -1, { yearly: true }, '2027-01-01')).toBe('2027-02-27');
    expect(relativeReminderDate('2024-02-29', 1, { yearly: true }, '2028-02-29')).toBe('2028-03-01');
    // 2100 is not a leap year
    expect(relativeReminderDate('2096-02-29', 0, { yearly: true }, '2100-01-01')).toBe('2100-02-28');
  });

  it('works for long offsets and old birthdates', () => {
    expect(relativeReminderDate('1940-03-10', 0, { yearly: true }, '2026-03-11')).toBe('2027-03-10');
    expect(relativeReminderDate('2020-06-15', 400, { yearly: true }, '2026-01-01')).toBe('2026-07-20');
    expect(relativeReminderDate('2020-06-15', -400, { yearly: true }, '2026-01-01')).toBe('2026-05-11');
  });

  it('rejects malformed input', () => {
    expect(() => relativeReminderDate('2026/06/15', 0, {}, '2026-01-01')).toThrow(RangeError);
    expect(() => relativeReminderDate('2026-06-15', 0, {}, '2026-02-30')).toThrow(RangeError);
    expect(() => relativeReminderDate('2026-06-15', 1.5, {}, '2026-01-01')).toThrow(RangeError);
    expect(() => relativeReminderDate('2026-06-15', 100000, {}, '2026-01-01')).toThrow(RangeError);
  });
});
