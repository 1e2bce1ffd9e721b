import {
  parseFormDefinition,
  type FormDefinition,
  type FormDefinitionInput,
} from '@tsunagu/server/contracts';
import { describe, expect, it } from 'vitest';
import { answerGroups, answerText, cellText, formatIsoDay, summaryItems, viewAnswer } from './answers';
import {
  apiParams,
  describeItemFilter,
  draftOf,
  filterableItems,
  filterChips,
  filterOfDraft,
  filterParams,
  isFiltered,
  parseItemFilters,
  rangeProblem,
  readFilters,
  type ResponseFilters,
} from './filters';

const input: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: '申込',
      sections: [
        {
          code: 's1',
          title: '申込者',
          items: [
            { type: 'shortText', code: 'name', label: '氏名', personal: true },
            {
              type: 'hierarchyChoice',
              code: 'area',
              label: '地区',
              options: [
                {
                  code: 'north',
                  label: '北部',
                  children: [
                    { code: 'kumayama', label: '熊山' },
                    { code: 'seto', label: '瀬戸' },
                  ],
                },
                { code: 'south', label: '南部' },
              ],
            },
            { type: 'number', code: 'age', label: '年齢', unit: '歳' },
            { type: 'date', code: 'day', label: '希望日' },
            {
              type: 'multipleChoice',
              code: 'topics',
              label: '関心',
              options: [
                { code: 'a', label: '子育て' },
                { code: 'b', label: '防災' },
              ],
            },
            { type: 'longText', code: 'opinion', label: 'ご意見' },
            { type: 'address', code: 'addr', label: '住所' },
            { type: 'location', code: 'place', label: '場所' },
            { type: 'file', code: 'photo', label: '写真' },
          ],
        },
        {
          code: 'kids',
          title: 'お子さん',
          repeat: { min: 0, max: 5, itemName: 'お子さん' },
          items: [
            { type: 'shortText', code: 'kid_name', label: 'お名前', personal: true },
            { type: 'number', code: 'kid_age', label: '年齢' },
          ],
        },
        {
          code: 'staff',
          title: '職員記入欄',
          staffOnly: true,
          items: [
            { type: 'singleChoice', code: 'result', label: '判定', options: [{ code: 'ok', label: '可' }] },
          ],
        },
      ],
    },
  ],
};
const parsed = parseFormDefinition(input);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const def: FormDefinition = parsed.definition;
const items = filterableItems(def);
const item = (code: string) => {
  for (const p of def.pages)
    for (const s of p.sections)
      for (const i of s.items)
        if (i.code === code && i.type !== 'description' && i.type !== 'image') return i;
  throw new Error(code);
};

describe('URL ⇄ filters', () => {
  it('reads every filter from the URL and writes the same parameters back', () => {
    const sp = new URLSearchParams({
      q: ' 図書館 ',
      status: 'new,done,bogus,new',
      source: 'line,paper',
      createdFrom: '2026-04-01',
      createdTo: '2026-04-30',
      updatedFrom: 'yesterday',
      filters: JSON.stringify([
        { item: 'area', op: 'in', values: ['north'] },
        { item: 'age', op: 'range', min: 20 },
        { item: 'name', op: 'answered', answered: false },
      ]),
    });
    const f = readFilters(sp);
    expect(f).toEqual({
      q: '図書館',
      status: ['new', 'done'],
      source: ['line', 'paper'],
      createdFrom: '2026-04-01',
      createdTo: '2026-04-30',
      updatedFrom: '',
      updatedTo: '',
      items: [
        { item: 'area', op: 'in', values: ['north'] },
        { item: 'age', op: 'range', min: 20 },
        { item: 'name', op: 'answered', answered: false },
      ],
    });
    const params = filterParams(f);
    expect(params.status).toBe('new,done');
    expect(params.updatedFrom).toBeNull();
    expect(readFilters(new URLSearchParams(apiParams(f)))).toEqual(f);
    expect(isFiltered(f)).toBe(true);
    expect(isFiltered(readFilters(new URLSearchParams()))).toBe(false);
  });

  it('drops item filters that are not valid instead of failing the page', () => {
    expect(parseItemFilters('not json')).toEqual([]);
    expect(parseItemFilters('{"item":"a"}')).toEqual([]);
    expect(
      parseItemFilters(
        JSON.stringify([
          { item: 'Bad Code', op: 'answered', answered: true },
          { item: 'area', op: 'in', values: [] },
          { item: 'age', op: 'range' },
          { item: 'day', op: 'answered', answered: true },
          { item: 'day', op: 'answered', answered: false },
        ]),
      ),
    ).toEqual([{ item: 'day', op: 'answered', answered: true }]);
  });

  it('says when a range runs backwards', () => {
    expect(rangeProblem('2026-05-01', '2026-04-01')).toContain('「まで」');
    expect(rangeProblem('2026-04-01', '2026-04-01')).toBe('');
    expect(rangeProblem('', '2026-04-01')).toBe('');
  });
});

describe('filterable items', () => {
  it('offers choices, ranges and 回答あり・なし by type; personal items only 回答あり・なし', () => {
    const by = Object.fromEntries(items.map((i) => [i.code, i]));
    expect(by.name).toMatchObject({ kind: 'answered', personal: true });
    expect(by.area!.kind).toBe('choice');
    expect(by.area!.options).toEqual([
      { code: 'north', label: '北部', depth: 0, path: '北部' },
      { code: 'kumayama', label: '熊山', depth: 1, path: '北部 ＞ 熊山' },
      { code: 'seto', label: '瀬戸', depth: 1, path: '北部 ＞ 瀬戸' },
      { code: 'south', label: '南部', depth: 0, path: '南部' },
    ]);
    expect(by.age!.kind).toBe('number');
    expect(by.day!.kind).toBe('date');
    expect(by.opinion!.kind).toBe('answered');
    expect(by.addr).toMatchObject({ kind: 'answered', personal: true });
    expect(by.kid_age).toMatchObject({ kind: 'number', repeatOf: 'お子さん' });
    expect(by.result).toMatchObject({ kind: 'choice', staffOnly: true });
  });

  it('turns the panel draft into a filter and back', () => {
    const area = items.find((i) => i.code === 'area')!;
    const age = items.find((i) => i.code === 'age')!;
    const day = items.find((i) => i.code === 'day')!;
    expect(filterOfDraft(area, { answered: 'yes', values: ['north'], min: '', max: '' }).filter).toEqual({
      item: 'area',
      op: 'in',
      values: ['north'],
    });
    expect(filterOfDraft(age, { answered: '', values: [], min: '２０', max: '' }).filter).toEqual({
      item: 'age',
      op: 'range',
      min: 20,
    });
    expect(filterOfDraft(age, { answered: '', values: [], min: '40', max: '20' }).problem).toContain('上限');
    expect(filterOfDraft(age, { answered: '', values: [], min: 'abc', max: '' }).problem).toContain('数値');
    expect(filterOfDraft(day, { answered: '', values: [], min: '', max: '2026-04-01' }).filter).toEqual({
      item: 'day',
      op: 'range',
      max: '2026-04-01',
    });
    expect(filterOfDraft(day, { answered: 'no', values: [], min: '', max: '' }).filter).toEqual({
      item: 'day',
      op: 'answered',
      answered: false,
    });
    expect(filterOfDraft(day, draftOf(undefined)).filter).toBeNull();
    expect(draftOf({ item: 'age', op: 'range', min: 1, max: 9 })).toMatchObject({ min: '1', max: '9' });
    expect(draftOf({ item: 'area', op: 'in', values: ['south'] }).values).toEqual(['south']);
  });

  it('describes the active filters as removable chips', () => {
    const f: ResponseFilters = {
      q: '図書館',
      status: ['new', 'in_progress'],
      source: ['phone'],
      createdFrom: '2026-04-01',
      createdTo: '',
      updatedFrom: '2026-04-02',
      updatedTo: '2026-04-02',
      items: [
        { item: 'area', op: 'in', values: ['kumayama', 'south'] },
        { item: 'age', op: 'range', min: 20, max: 40 },
        { item: 'name', op: 'answered', answered: true },
      ],
    };
    const chips = filterChips(f, items);
    expect(chips.map((c) => c.label)).toEqual([
      'キーワード: 図書館',
      '状態: 未対応、対応中',
      '経路: 電話',
      '受付日: 2026/04/01以降',
      '更新日: 2026/04/02',
      '地区: 北部 ＞ 熊山、南部',
      '年齢: 20〜40',
      '氏名: 回答あり',
    ]);
    const areaChip = chips.find((c) => c.key === 'item:area')!;
    expect(areaChip.without.items.map((i) => i.item)).toEqual(['age', 'name']);
    expect(chips[0]!.without.q).toBe('');
    expect(describeItemFilter({ item: 'gone', op: 'answered', answered: false }, items)).toBe(
      'gone: 回答なし',
    );
  });
});

describe('answers as staff read them', () => {
  it('formats each item type', () => {
    expect(answerText(item('area'), 'kumayama')).toBe('北部 ＞ 熊山');
    expect(answerText(item('area'), 'removed')).toBe('removed');
    expect(answerText(item('topics'), ['b', 'a'])).toBe('防災、子育て');
    expect(answerText(item('age'), 1234)).toBe('1,234 歳');
    expect(answerText(item('day'), '2026-04-01')).toBe('2026年4月1日');
    expect(
      answerText(item('addr'), { prefecture: '三重県', city: '桑名市', town: '中央町2-37', building: '3F' }),
    ).toBe('三重県桑名市中央町2-37 3F');
    expect(viewAnswer(item('place'), { lat: 35.0659, lng: 136.6841 })).toEqual({
      kind: 'location',
      lat: 35.0659,
      lng: 136.6841,
      text: '緯度 35.065900、経度 136.684100',
      mapUrl: 'https://maps.gsi.go.jp/#17/35.065900/136.684100/',
    });
    expect(
      viewAnswer(item('photo'), [{ id: 'f1', name: '写真.jpg', size: 10, type: 'image/jpeg' }]),
    ).toMatchObject({ kind: 'files', files: [{ id: 'f1', name: '写真.jpg' }] });
    expect(viewAnswer(item('opinion'), '一行目\n二行目')).toEqual({
      kind: 'text',
      text: '一行目\n二行目',
      multiline: true,
    });
    expect(viewAnswer(item('opinion'), '')).toEqual({ kind: 'empty' });
    expect(viewAnswer(item('topics'), [])).toEqual({ kind: 'empty' });
    expect(formatIsoDay('not a day')).toBe('not a day');
    expect(cellText(item('opinion'), 'あ'.repeat(50), 10)).toBe(`${'あ'.repeat(10)}…`);
  });

  it('groups a response by section and names the entries of a repeating section', () => {
    const groups = answerGroups(def, {
      name: '桑名 太郎',
      area: 'south',
      kids: [
        { kid_name: '花子', kid_age: 5 },
        { kid_name: '次郎', kid_age: 3 },
      ],
      result: 'ok',
    });
    expect(groups.map((g) => g.title)).toEqual([
      '申込者',
      'お子さん（1件目）',
      'お子さん（2件目）',
      '職員記入欄',
    ]);
    expect(groups[1]!.rows.map((r) => [r.label, answerTextOf(r.view)])).toEqual([
      ['お名前', '花子'],
      ['年齢', '5'],
    ]);
    expect(groups[3]).toMatchObject({ staffOnly: true, rows: [{ label: '判定', staffOnly: true }] });
    expect(groups[0]!.rows.find((r) => r.code === 'name')).toMatchObject({ personal: true });
    const none = answerGroups(def, {});
    expect(none.find((g) => g.key === 'kids')).toMatchObject({ emptyRepeat: true, rows: [] });
  });

  it('shows only non-personal items outside repeating sections in the list', () => {
    expect(summaryItems(def).map((i) => i.code)).toEqual(['area', 'age', 'day']);
    expect(summaryItems(null)).toEqual([]);
  });
});

function answerTextOf(v: ReturnType<typeof viewAnswer>): string {
  return v.kind === 'text' ? v.text : v.kind;
}
