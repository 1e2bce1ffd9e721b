import { describe, expect, it } from 'vitest';
import { toCsv } from '../../platform/http/csv.js';
import { parseGarbageCalendarCsv } from '../delivery/schedule/index.js';
import { segmentDefinitionSchema } from '../segments/segment.model.js';
import {
  DEFAULT_REMINDER_TEMPLATE,
  districtsOf,
  isDistrictItem,
  reminderDefinition,
  reminderText,
  remindersSchema,
} from './garbage.model.js';

const hierarchy = {
  kind: 'hierarchy' as const,
  config: {
    leafOnly: true,
    options: [
      {
        code: 'sanyo',
        label: '山陽地域',
        children: [
          { code: 'sanyo-danchi', label: '山陽' },
          { code: 'komoto', label: '河本', archived: true },
        ],
      },
      { code: 'akasaka', label: '赤坂地域', children: [{ code: 'akasaka-yamayo', label: '山陽' }] },
    ],
  },
};

describe('districts of a calendar', () => {
  it('are every option of the item, areas and archived ones too; a shared name carries its path', () => {
    expect(districtsOf(hierarchy)).toEqual([
      { code: 'sanyo', name: '山陽地域' },
      { code: 'sanyo-danchi', name: '山陽地域 › 山陽' },
      { code: 'komoto', name: '河本' },
      { code: 'akasaka', name: '赤坂地域' },
      { code: 'akasaka-yamayo', name: '赤坂地域 › 山陽' },
    ]);
    expect(isDistrictItem({ kind: 'single' })).toBe(true);
    expect(isDistrictItem({ kind: 'hierarchy' })).toBe(true);
    expect(isDistrictItem({ kind: 'text' })).toBe(false);
  });

  it('lets a CSV name a district of the tree by code, unique name or path; an ambiguous name is an error', () => {
    const r = parseGarbageCalendarCsv(
      toCsv(
        [
          ['地区コード', '地区名', '日付', '品目'],
          ['komoto', '', '2026/12/1', '燃やせるごみ'],
          ['', '赤坂地域 › 山陽', '2026/12/1', '燃やせるごみ'],
          ['', '山陽地域', '2026/12/2', '資源ごみ'],
          ['', '山陽', '2026/12/2', '資源ごみ'],
        ],
        { encoding: 'utf8' },
      ),
      { districts: districtsOf(hierarchy) },
    );
    expect(r.entries.map((e) => [e.line, e.districtCode])).toEqual([
      [2, 'komoto'],
      [3, 'akasaka-yamayo'],
      [4, 'sanyo'],
    ]);
    expect(r.errors.map((e) => e.message)).toEqual(['5行目 地区名: 地区名「山陽」は登録されていません']);
  });
});

describe('reminders', () => {
  it('suggest the text of each item and a segment of tomorrow’s collection with the opt-in', () => {
    expect(reminderText(DEFAULT_REMINDER_TEMPLATE, '燃やせるごみ')).toBe(
      '明日は燃やせるごみの収集日です。朝8時30分までに、決められた場所に出してください。',
    );
    expect(reminderText('{品目}（{品目}）の日', 'びん・缶')).toBe('びん・缶（びん・缶）の日');
    const def = reminderDefinition('akaiwa2026', '資源ごみ', {
      item: 'garbage_reminder',
      codes: ['yes', 'yes'],
    });
    expect(def).toEqual({
      type: 'and',
      conditions: [
        { type: 'garbage', calendar: 'akaiwa2026', items: ['資源ごみ'], days: 1 },
        { type: 'option', item: 'garbage_reminder', op: 'in', codes: ['yes'] },
      ],
    });
    expect(segmentDefinitionSchema.safeParse(def).success).toBe(true);
    expect(reminderDefinition('akaiwa2026', '資源ごみ', null)).toEqual({
      type: 'and',
      conditions: [{ type: 'garbage', calendar: 'akaiwa2026', items: ['資源ごみ'], days: 1 }],
    });
  });

  it('default to 19:00, no opt-in and the suggested text; times are checked in Japanese', () => {
    const ok = remindersSchema.parse({ organisationId: '00000000-0000-4000-8000-000000000001' });
    expect(ok).toMatchObject({
      time: '19:00',
      channel: 'production',
      optIn: null,
      template: DEFAULT_REMINDER_TEMPLATE,
    });
    const bad = remindersSchema.safeParse({ organisationId: 'x', time: '25:00' });
    expect(bad.error?.issues.map((i) => i.message)).toEqual([
      '所属を選択してください',
      '配信時刻は「19:00」の形（00:00〜23:59）で入力してください',
    ]);
  });
});
