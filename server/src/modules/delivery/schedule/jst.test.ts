import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  dayNumber,
  daysBetween,
  daysInMonth,
  endOfMonth,
  formatDateWithWeekday,
  formatTime,
  fromDayNumber,
  isHhMm,
  isIsoDate,
  jstDate,
  jstInstant,
  jstStartOfDay,
  jstTime,
  jstWeekday,
} from './jst.js';

describe('JST dates and instants', () => {
  it('puts 15:00 UTC on the next JST day (UTC+9, no DST)', () => {
    expect(jstDate(new Date('2026-12-07T14:59:59.999Z'))).toBe('2026-12-07');
    expect(jstDate(new Date('2026-12-07T15:00:00.000Z'))).toBe('2026-12-08');
    expect(jstTime(new Date('2026-12-07T15:00:00.000Z'))).toBe('00:00');
  });

  it('turns a JST date and time into the UTC instant; 08:30 JST is the previous UTC day', () => {
    expect(jstInstant('2026-12-08', '08:30').toISOString()).toBe('2026-12-07T23:30:00.000Z');
    expect(jstInstant('2026-12-08', '09:00').toISOString()).toBe('2026-12-08T00:00:00.000Z');
    expect(jstInstant('2027-01-01', '00:00').toISOString()).toBe('2026-12-31T15:00:00.000Z');
    expect(jstStartOfDay('2026-07-01').toISOString()).toBe('2026-06-30T15:00:00.000Z');
  });

  it('is the same offset in summer and winter (Japan has no daylight saving time)', () => {
    for (const date of ['2026-01-15', '2026-04-15', '2026-07-15', '2026-10-15']) {
      const at = jstInstant(date, '12:00');
      expect(at.getUTCHours()).toBe(3);
      expect(jstDate(at)).toBe(date);
      expect(jstTime(at)).toBe('12:00');
    }
  });

  it('rejects malformed input instead of computing nonsense', () => {
    expect(() => jstInstant('2026-02-30', '09:00')).toThrow(RangeError);
    expect(() => jstInstant('2026-02-01', '9:00')).toThrow(RangeError);
    expect(() => jstInstant('2026-02-01', '24:00')).toThrow(RangeError);
    expect(() => jstDate(new Date('nonsense'))).toThrow(RangeError);
  });
});

describe('calendar arithmetic', () => {
  it('knows real dates and times', () => {
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2027-02-29')).toBe(false);
    expect(isIsoDate('2100-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('2026-4-1')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate(20260401)).toBe(false);
    expect(isHhMm('23:59')).toBe(true);
    expect(isHhMm('24:00')).toBe(false);
    expect(isHhMm('9:00')).toBe(false);
  });

  it('gives weekdays of JST dates (0 = Sunday)', () => {
    expect(jstWeekday('2026-11-01')).toBe(0);
    expect(jstWeekday('2026-12-08')).toBe(2);
    expect(jstWeekday('1970-01-01')).toBe(4);
    expect(jstWeekday('1969-12-31')).toBe(3);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-11-01', '2027-01-12')).toBe(72);
    expect(fromDayNumber(dayNumber('2026-11-01'))).toBe('2026-11-01');
  });

  it('adds months keeping the day, or the last day when the month is shorter', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2028-02-29', 12)).toBe('2029-02-28');
    expect(addMonths('2026-11-15', 2)).toBe('2027-01-15');
    expect(addMonths('2027-01-15', -2)).toBe('2026-11-15');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
  });

  it('finds the end of the month, including February in leap and common years', () => {
    expect(endOfMonth('2027-02-10')).toBe('2027-02-28');
    expect(endOfMonth('2028-02-10')).toBe('2028-02-29');
    expect(endOfMonth('2026-12-01')).toBe('2026-12-31');
    expect(endOfMonth('2026-04-30')).toBe('2026-04-30');
    expect(daysInMonth(2100, 2)).toBe(28);
  });

  it('formats dates and times the Japanese way', () => {
    expect(formatDateWithWeekday('2026-12-08')).toBe('2026/12/08（火）');
    expect(formatTime('09:00')).toBe('9:00');
    expect(formatTime('18:05')).toBe('18:05');
  });
});
