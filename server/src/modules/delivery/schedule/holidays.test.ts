import { describe, expect, it } from 'vitest';
import {
  holidayCalendarFrom,
  holidayName,
  isHoliday,
  isYearEndClosure,
  japaneseHolidays,
} from './holidays.js';
import { addDays, jstWeekday } from './jst.js';

describe('Japanese public holidays', () => {
  it('covers every year the product schedules in (at least 2026–2030)', () => {
    expect(japaneseHolidays.coverage.firstYear).toBeLessThanOrEqual(2026);
    expect(japaneseHolidays.coverage.lastYear).toBeGreaterThanOrEqual(2030);
    for (let year = 2026; year <= 2030; year++) {
      let count = 0;
      for (let d = `${year}-01-01`; d <= `${year}-12-31`; d = addDays(d, 1)) if (isHoliday(d)) count++;
      // 16 national holidays a year, plus substitute/citizens' holidays; fewer means missing data.
      expect(count, String(year)).toBeGreaterThanOrEqual(16);
    }
  });

  it('names the national holidays', () => {
    expect(holidayName('2026-11-23')).toBe('勤労感謝の日');
    expect(holidayName('2027-01-11')).toBe('成人の日');
    expect(holidayName('2027-02-23')).toBe('天皇誕生日');
    expect(holidayName('2026-01-01')).toBe('元日');
  });

  it('includes substitute holidays (振替休日) and the citizens’ holiday (国民の休日)', () => {
    // 3 May 2026 (憲法記念日) is a Sunday; 4 and 5 May are holidays too, so the 6th stands in for
    // 憲法記念日 even though the dataset labels it こどもの日.
    expect(jstWeekday('2026-05-03')).toBe(0);
    expect(holidayName('2026-05-06')).toBe('振替休日（憲法記念日）');
    // 5 May 2030 (こどもの日) is the Sunday itself.
    expect(jstWeekday('2030-05-05')).toBe(0);
    expect(holidayName('2030-05-06')).toBe('振替休日（こどもの日）');
    expect(holidayName('2027-03-22')).toBe('振替休日（春分の日）');
    expect(holidayName('2029-02-12')).toBe('振替休日（建国記念の日）');
    expect(holidayName('2030-11-04')).toBe('振替休日（文化の日）');
    // 2026-09-22 lies between 敬老の日 (21st) and 秋分の日 (23rd).
    expect(holidayName('2026-09-22')).toBe('国民の休日');
    expect(jstWeekday('2026-09-22')).toBe(2);
  });

  it('says no on ordinary days, weekends included', () => {
    expect(isHoliday('2026-11-24')).toBe(false);
    expect(isHoliday('2026-11-28')).toBe(false); // a Saturday is not a public holiday
    expect(holidayName('2026-12-08')).toBeNull();
  });

  it('rejects malformed dates', () => {
    expect(() => isHoliday('2026/11/23')).toThrow(RangeError);
    expect(() => holidayName('2026-11-31')).toThrow(RangeError);
  });

  it('can be swapped for another calendar', () => {
    const custom = holidayCalendarFrom({ '2026-12-08': '市制記念日' });
    expect(isHoliday('2026-12-08', custom)).toBe(true);
    expect(isHoliday('2026-11-23', custom)).toBe(false);
    expect(custom.coverage).toEqual({ firstYear: 2026, lastYear: 2026 });
  });

  it('knows the municipal year-end closure 12/29–1/3', () => {
    expect(
      ['2026-12-28', '2026-12-29', '2026-12-31', '2027-01-03', '2027-01-04'].map(isYearEndClosure),
    ).toEqual([false, true, true, true, false]);
  });
});
