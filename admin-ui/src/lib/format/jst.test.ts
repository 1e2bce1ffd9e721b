import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatDateTime,
  formatDateTimeSeconds,
  formatLongDate,
  greeting,
  jstDayEndIso,
  jstDayStartIso,
  jstToday,
} from './jst';

describe('JST formatting', () => {
  it('shows UTC instants in Japan time', () => {
    expect(formatDateTime('2026-01-04T15:30:00.000Z')).toBe('2026/01/05 00:30');
    expect(formatDateTimeSeconds('2026-01-04T15:30:09Z')).toBe('2026/01/05 00:30:09');
    expect(formatDate('2026-03-31T15:00:00Z')).toBe('2026/04/01');
    expect(formatLongDate('2026-01-05T00:00:00Z')).toBe('2026年1月5日(月)');
  });

  it('returns a dash (or the given text) for empty or broken values', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(undefined, '未ログイン')).toBe('未ログイン');
    expect(formatDate('not a date')).toBe('—');
  });

  it('turns a JST calendar day into a UTC range', () => {
    expect(jstDayStartIso('2026-01-05')).toBe('2026-01-04T15:00:00.000Z');
    expect(jstDayEndIso('2026-01-05')).toBe('2026-01-05T15:00:00.000Z');
    expect(jstDayStartIso('2026/01/05')).toBeUndefined();
    expect(jstDayEndIso('')).toBeUndefined();
  });

  it('knows the date and hour in Japan', () => {
    expect(jstToday(new Date('2026-01-04T15:00:00Z'))).toBe('2026-01-05');
    expect(jstToday(new Date('2026-01-04T14:59:59Z'))).toBe('2026-01-04');
    expect(greeting(new Date('2026-01-04T23:00:00Z'))).toBe('おはようございます'); // 08:00 JST
    expect(greeting(new Date('2026-01-05T03:00:00Z'))).toBe('こんにちは'); // 12:00 JST
    expect(greeting(new Date('2026-01-05T12:00:00Z'))).toBe('こんばんは'); // 21:00 JST
  });
});
