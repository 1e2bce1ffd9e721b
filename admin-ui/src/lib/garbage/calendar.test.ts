import { describe, expect, it } from 'vitest';
import type { ChoiceItem } from './types';
import {
  fillTemplate,
  formatDay,
  formatLong,
  guessDistrictItem,
  guessOptIn,
  suggestedCode,
  weekdayOf,
} from './calendar';

describe('garbage calendar helpers', () => {
  it('formats days with their weekday, the year only when it differs', () => {
    expect(formatDay('2026-12-01', 2026)).toBe('12月1日（火）');
    expect(formatDay('2027-01-02', 2026)).toBe('2027年1月2日（土）');
    expect(formatLong('2026-04-01')).toBe('2026年4月1日');
    expect(formatLong(null)).toBe('—');
    expect(weekdayOf('2026-12-06')).toBe(0);
  });

  it('fills every placeholder of the reminder text', () => {
    expect(fillTemplate('明日は{品目}の収集日です。{品目}は朝8時30分までに。', '{品目}', '資源ごみ')).toBe(
      '明日は資源ごみの収集日です。資源ごみは朝8時30分までに。',
    );
    expect(suggestedCode(2026)).toBe('gomi2026');
  });

  it('guesses the opt-in item from its label, with its first open option', () => {
    const item = (code: string, label: string, kind: ChoiceItem['kind'] = 'single'): ChoiceItem => ({
      code,
      kind,
      label,
      status: 'active',
      options: [
        { code: 'old', label: '古い', archived: true },
        { code: 'yes', label: '受け取る', archived: false },
        { code: 'no', label: '受け取らない', archived: false },
      ],
    });
    expect(
      guessOptIn([item('district', 'ゴミ収集地区'), item('garbage_reminder', 'ゴミ収集日のお知らせ')]),
    ).toEqual({
      item: 'garbage_reminder',
      codes: ['yes'],
    });
    expect(guessOptIn([item('topics', 'ごみの通知', 'multi')])).toBeNull();
    // The district item of a new calendar: the collection districts before the residence.
    const akaiwa = [
      item('district', 'お住まいの地区', 'hierarchy'),
      item('garbage_reminder', 'ゴミ収集日のお知らせ'),
      item('garbage_district', 'ゴミ収集地区'),
    ];
    expect(guessDistrictItem(akaiwa)).toBe('garbage_district');
    expect(guessDistrictItem(akaiwa.slice(0, 2))).toBe('district');
    expect(guessDistrictItem([])).toBe('');
    expect(guessOptIn([item('event', 'イベントのお知らせ')])).toBeNull();
  });
});
