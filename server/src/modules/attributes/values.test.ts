import { describe, expect, it } from 'vitest';
import {
  createItemSchema,
  indexOptions,
  parseConfig,
  type AttributeItem,
  type ItemKind,
} from './attribute.model.js';
import { latestBirthdateForAge, subtractMonths } from './dates.js';
import { validateSubmission, valueRows } from './values.js';

let n = 0;
function item<K extends ItemKind>(
  kind: K,
  code: string,
  label: string,
  config: unknown,
  required = false,
): AttributeItem {
  const parsed = parseConfig(kind, config);
  if (!parsed.ok) throw parsed.error;
  return {
    id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    code,
    kind,
    label,
    helpText: '',
    required,
    position: n,
    status: 'active',
    config: parsed.config,
  };
}

const district = item(
  'hierarchy',
  'district',
  'お住まいの地区',
  {
    options: [
      {
        code: 'hokubu',
        label: '北部',
        children: [
          { code: 'kumayama', label: '熊山' },
          { code: 'yoshii', label: '吉井' },
        ],
      },
      { code: 'nanbu', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
      { code: 'old', label: '旧地区', archived: true },
    ],
  },
  true,
);
const gender = item('single', 'gender', '性別', {
  options: [
    { code: 'f', label: '女性' },
    { code: 'm', label: '男性' },
    { code: 'x', label: '回答しない', archived: true },
  ],
});
const topics = item('multi', 'topics', '受け取りたい情報', {
  options: [
    { code: 'kosodate', label: '子育て' },
    { code: 'kenshin', label: '検診・予防接種' },
    { code: 'event', label: 'イベント' },
  ],
  maxSelect: 2,
});
const birth = item('date', 'birth_month', '生年月', {
  precision: 'month',
  notFuture: true,
  minDate: '1950-01-01',
});
const children = item('dates', 'children', 'お子さまの生年月日', { maxCount: 3, notFuture: true });
const household = item('number', 'household', '世帯人数', { min: 1, max: 20, unit: '人' });
const note = item('text', 'note', 'ご意見', { maxLength: 20 });
const all = [district, gender, topics, birth, children, household, note];
const now = new Date('2026-03-01T03:00:00Z'); // 12:00 JST

describe('validateSubmission', () => {
  it('normalises a whole valid form', () => {
    const r = validateSubmission(
      all,
      {
        district: 'kumayama',
        gender: 'f',
        topics: ['kosodate', 'kosodate', 'event'],
        birth_month: '1985-07',
        children: ['2024-02-29', '', '2021-11-03'],
        household: '4',
        note: '  よろしく  お願いします ',
      },
      { mode: 'replace', now },
    );
    expect(r.errors).toEqual([]);
    expect(Object.fromEntries(r.entries.map((e) => [e.item.code, e.value]))).toEqual({
      district: 'kumayama',
      gender: 'f',
      topics: ['kosodate', 'event'],
      birth_month: '1985-07-01',
      children: ['2024-02-29', '2021-11-03'],
      household: 4,
      note: 'よろしく お願いします',
    });
  });

  it('gives one Japanese message per wrong item, at values.<code>', () => {
    const r = validateSubmission(
      all,
      {
        gender: 'zz',
        topics: ['kosodate', 'kenshin', 'event'],
        birth_month: '2026-04',
        children: ['2020-01-01', '2021-01-01', '2022-01-01', '2023-01-01'],
        household: 2.5,
        note: '123456789012345678901',
        unknown: 'x',
      },
      { mode: 'replace', now },
    );
    expect(r.errors).toEqual([
      { path: 'values.unknown', message: 'この項目は登録できません' },
      { path: 'values.district', message: '「お住まいの地区」を選択してください' },
      { path: 'values.gender', message: '「性別」の選択肢が正しくありません' },
      { path: 'values.topics', message: '「受け取りたい情報」は2個まで選べます' },
      { path: 'values.birth_month', message: '「生年月」: 未来の日付は登録できません' },
      { path: 'values.children', message: '「お子さまの生年月日」は3件まで登録できます' },
      { path: 'values.household', message: '「世帯人数」は整数で入力してください' },
      { path: 'values.note', message: '「ご意見」は20文字以内で入力してください' },
    ]);
  });

  it('checks ranges of dates and numbers, and calendar dates', () => {
    const r = validateSubmission(
      all,
      { district: 'sanyo', children: ['2023-02-29'], household: 21, birth_month: '1949-12' },
      { mode: 'patch', now },
    );
    expect(r.errors.map((e) => e.message)).toEqual([
      '「生年月」: 1950年1月以降の日付を入力してください',
      '「お子さまの生年月日」の1件目: 日付を YYYY-MM-DD の形式で正しく入力してください',
      '「世帯人数」は20人以下にしてください',
    ]);
  });

  it('refuses an area where a district is wanted, and archived options not already chosen', () => {
    expect(validateSubmission(all, { district: 'hokubu' }, { mode: 'patch', now }).errors).toEqual([
      { path: 'values.district', message: '「お住まいの地区」は「北部」の中からさらに選んでください' },
    ]);
    expect(validateSubmission(all, { gender: 'x' }, { mode: 'patch', now }).errors[0]!.message).toBe(
      '「性別」の選択肢「回答しない」は現在選べません',
    );
    // A resident who chose it before keeps it when saving the form again.
    expect(
      validateSubmission(all, { gender: 'x' }, { mode: 'patch', now, current: { gender: 'x' } }).errors,
    ).toEqual([]);
  });

  it('patch mode changes only the given items; clearing a required one is refused', () => {
    const r = validateSubmission(all, { gender: null, topics: [] }, { mode: 'patch', now });
    expect(r.errors).toEqual([]);
    expect(r.entries.map((e) => [e.item.code, e.value])).toEqual([
      ['gender', null],
      ['topics', null],
    ]);
    expect(validateSubmission(all, { district: '' }, { mode: 'patch', now }).errors[0]!.message).toBe(
      '「お住まいの地区」を選択してください',
    );
  });
});

describe('value rows', () => {
  it('a hierarchy answer carries implied rows for its ancestors; several dates keep their order', () => {
    expect(valueRows(district, 'kumayama').map((r) => [r.optionCode, r.implied])).toEqual([
      ['kumayama', false],
      ['hokubu', true],
    ]);
    expect(valueRows(children, ['2024-01-02', '2020-05-06']).map((r) => [r.dateValue, r.ordinal])).toEqual([
      ['2024-01-02', 0],
      ['2020-05-06', 1],
    ]);
    expect(indexOptions(district).get('old')).toMatchObject({ archived: true, isLeaf: true, path: ['old'] });
  });
});

describe('item definitions', () => {
  it('refuse duplicate option codes anywhere in a tree and config of another kind', () => {
    const r = createItemSchema.safeParse({
      code: 'area',
      kind: 'hierarchy',
      label: '地域',
      config: {
        options: [
          { code: 'a', label: 'A', children: [{ code: 'b', label: 'B' }] },
          { code: 'b', label: 'B2' },
        ],
      },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe(
      '選択肢のコード「b」が重複しています（階層全体で一意にしてください）',
    );
    const wrong = createItemSchema.safeParse({
      code: 'n',
      kind: 'number',
      label: '数',
      config: { options: [] },
    });
    expect(wrong.success).toBe(false);
  });
});

describe('JST calendar arithmetic', () => {
  it('clamps to month ends and ages a 29 February child on 1 March in common years', () => {
    expect(subtractMonths('2026-03-31', 1)).toBe('2026-02-28');
    expect(subtractMonths('2026-01-15', -13)).toBe('2027-02-15');
    // Born 2024-02-29: three years old from 2027-03-01, not on 2027-02-28.
    expect('2024-02-29' <= latestBirthdateForAge('2027-02-28', 3, 'years')).toBe(false);
    expect('2024-02-29' <= latestBirthdateForAge('2027-03-01', 3, 'years')).toBe(true);
  });
});
