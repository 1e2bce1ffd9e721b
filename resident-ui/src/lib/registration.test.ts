import { describe, expect, it } from 'vitest';
import {
  BAD_DATE,
  checkDraft,
  checkItem,
  choosePath,
  describeAnswer,
  draftFromValues,
  flattenTree,
  foldForSearch,
  formatDateJa,
  formatTimestampJa,
  levelsFor,
  looksLikeEmail,
  normaliseDateInput,
  normaliseEmail,
  normaliseNumber,
  parseForm,
  parseItem,
  parseValues,
  pathTo,
  problemsFromServer,
  searchTree,
  todayInJapan,
  valuesFromDraft,
  type FormItem,
  type OptionNode,
} from './registration.ts';

const tree: OptionNode[] = [
  {
    code: 'shinai',
    label: '豊中市内',
    children: [
      { code: 'chu01', label: '第一中学校区' },
      { code: 'chu03', label: '第三中学校区' },
      { code: 'chu13', label: '第十三中学校区' },
    ],
  },
  { code: 'shigai', label: '豊中市外' },
];

const deepTree: OptionNode[] = [
  {
    code: 'p24',
    label: '三重県',
    children: [
      {
        code: 'kuwana',
        label: '桑名市',
        children: [
          { code: 'kuwana-masuse', label: '益世' },
          { code: 'kuwana-hoshimigaoka', label: '星見ヶ丘' },
        ],
      },
      { code: 'yokkaichi', label: '四日市市' },
    ],
  },
  { code: 'p13', label: '東京都' },
];

const base = { helpText: '', required: false };
const area: FormItem = {
  ...base,
  code: 'area',
  kind: 'hierarchy',
  label: 'お住まいの地域',
  required: true,
  config: { options: tree, leafOnly: true },
};
const gender: FormItem = {
  ...base,
  code: 'gender',
  kind: 'single',
  label: '性別',
  config: {
    options: [
      { code: 'female', label: '女性' },
      { code: 'male', label: '男性' },
    ],
  },
};
const topics: FormItem = {
  ...base,
  code: 'topics',
  kind: 'multi',
  label: '受け取りたい情報',
  config: {
    options: [
      { code: 'kosodate', label: '子育て' },
      { code: 'event', label: 'イベント' },
      { code: 'bosai', label: '防災' },
    ],
    maxSelect: 2,
  },
};
const children: FormItem = {
  ...base,
  code: 'children',
  kind: 'dates',
  label: 'お子さまの生年月日',
  config: { precision: 'day', notFuture: true, maxCount: 3 },
};
const birthMonth: FormItem = {
  ...base,
  code: 'birth_month',
  kind: 'date',
  label: '生年月',
  config: { precision: 'month', notFuture: true, minDate: '1900-01-01' },
};
const household: FormItem = {
  ...base,
  code: 'household',
  kind: 'number',
  label: '世帯の人数',
  config: { min: 1, max: 20, integer: true, unit: '人' },
};
const opinion: FormItem = {
  ...base,
  code: 'opinion',
  kind: 'text',
  label: 'ご意見',
  config: { maxLength: 5, multiline: true },
};
const TODAY = '2026-05-10';

describe('parsing the API', () => {
  it('reads every item kind with its settings, and defaults what is missing', () => {
    expect(
      parseItem({
        code: 'children',
        kind: 'dates',
        label: 'お子さまの生年月日',
        helpText: '5人まで',
        required: false,
        config: { precision: 'day', maxCount: 5, notFuture: true },
      }),
    ).toEqual({
      code: 'children',
      kind: 'dates',
      label: 'お子さまの生年月日',
      helpText: '5人まで',
      required: false,
      config: { precision: 'day', maxCount: 5, notFuture: true, minDate: undefined, maxDate: undefined },
    });
    expect(
      parseItem({ code: 'n', kind: 'number', label: '人数', config: { min: 1, unit: ' 人 ' } }),
    ).toMatchObject({
      config: { min: 1, integer: true, unit: '人' },
    });
    expect(
      parseItem({ code: 'a', kind: 'hierarchy', label: '地域', config: { options: tree } }),
    ).toMatchObject({
      config: { options: tree, leafOnly: true },
    });
    expect(parseItem({ code: 'x', label: 'no kind' })).toMatchObject({ kind: 'unsupported' });
    expect(parseItem({ label: 'no code' })).toBeNull();
  });

  it('keeps a form’s registration state and drops malformed options', () => {
    const f = parseForm({
      code: 'settings',
      name: '受信設定',
      askEmail: true,
      registration: { registeredAt: '2026-05-01T00:00:00Z', updatedAt: '2026-05-03T00:05:00Z' },
      items: [
        {
          code: 'g',
          kind: 'single',
          label: '性別',
          config: { options: [{ code: 'f', label: '女性' }, { x: 1 }] },
        },
      ],
    });
    expect(f).toMatchObject({ askEmail: true, requiresPasscode: false, introText: '' });
    expect(f?.registration?.updatedAt).toBe('2026-05-03T00:05:00Z');
    expect(f?.items[0]).toMatchObject({ config: { options: [{ code: 'f', label: '女性' }] } });
    expect(parseForm({ code: 'x' })).toBeNull();
  });

  it('keeps only values of the shapes the API uses', () => {
    expect(parseValues({ a: 'x', b: ['1', '2'], c: 3, d: { e: 1 }, f: [1], g: Number.NaN })).toEqual({
      a: 'x',
      b: ['1', '2'],
      c: 3,
    });
  });
});

describe('hierarchies', () => {
  it('finds paths, the options of each step and searches by name', () => {
    expect(pathTo(deepTree, 'kuwana-masuse')).toEqual(['p24', 'kuwana', 'kuwana-masuse']);
    expect(pathTo(deepTree, 'nowhere')).toEqual([]);
    expect(levelsFor(deepTree, []).map((l) => l.length)).toEqual([2]);
    expect(levelsFor(deepTree, ['p24']).map((l) => l.length)).toEqual([2, 2]);
    expect(levelsFor(deepTree, ['p24', 'kuwana', 'kuwana-masuse']).map((l) => l.length)).toEqual([2, 2, 2]);
    expect(levelsFor(deepTree, ['p13']).map((l) => l.length)).toEqual([2]);
    expect(flattenTree(deepTree).find((o) => o.code === 'kuwana-masuse')?.labels).toEqual([
      '三重県',
      '桑名市',
      '益世',
    ]);
  });

  it('changing a step drops the steps below it', () => {
    expect(choosePath(['p24', 'kuwana', 'kuwana-masuse'], 1, 'yokkaichi')).toEqual(['p24', 'yokkaichi']);
    expect(choosePath(['p24', 'kuwana'], 0, '')).toEqual([]);
    expect(choosePath([], 0, 'p13')).toEqual(['p13']);
  });

  it('search offers only choosable options, names starting with the query first', () => {
    const r = searchTree(tree, '第', true);
    expect(r.total).toBe(3);
    expect(searchTree(tree, '三', true).matches.map((o) => o.code)).toEqual(['chu03', 'chu13']);
    expect(searchTree(tree, '豊中', true).matches.map((o) => o.code)).toEqual(['shigai']);
    expect(searchTree(tree, '豊中', false).matches.map((o) => o.code)).toEqual(['shinai', 'shigai']);
    expect(searchTree(deepTree, 'ほしみ', true).total).toBe(0);
    expect(searchTree(tree, '  ', true)).toEqual({ matches: [], total: 0 });
    expect(searchTree(tree, '第', true, 2)).toMatchObject({ total: 3 });
    expect(searchTree(tree, '第', true, 2).matches).toHaveLength(2);
  });

  it('search ignores width, case and kana type', () => {
    expect(foldForSearch('ＡＢＣ ｶﾀｶﾅ')).toBe('abcかたかな');
    const kana: OptionNode[] = [{ code: 'a', label: 'ハッピータウン' }];
    expect(searchTree(kana, 'はっぴ', true).total).toBe(1);
  });
});

describe('what residents type', () => {
  it('dates in common Japanese forms become ISO dates', () => {
    expect(normaliseDateInput('2019/4/2', 'day')).toBe('2019-04-02');
    expect(normaliseDateInput('２０１９年４月２日', 'day')).toBe('2019-04-02');
    expect(normaliseDateInput('2019-04-02', 'day')).toBe('2019-04-02');
    expect(normaliseDateInput('2019年4月', 'month')).toBe('2019-04');
    expect(normaliseDateInput('2019/4', 'month')).toBe('2019-04');
    expect(normaliseDateInput(' 昨日 ', 'day')).toBe('昨日');
  });

  it('numbers from a Japanese keyboard', () => {
    expect(normaliseNumber('１２')).toBe('12');
    expect(normaliseNumber('1,200 ')).toBe('1200');
    expect(normaliseNumber('－３')).toBe('-3');
  });

  it('e-mail addresses: full-width letters folded, a first plausibility check', () => {
    expect(normaliseEmail(' ｔａｒｏ＠example.jp ')).toBe('taro@example.jp');
    expect(looksLikeEmail('taro@example.jp')).toBe(true);
    expect(looksLikeEmail('taro@example')).toBe(false);
    expect(looksLikeEmail('taro example@x.jp')).toBe(false);
    expect(looksLikeEmail('taro@example.')).toBe(false);
  });

  it('dates and times read back in Japanese, on the Japan calendar', () => {
    expect(formatDateJa('2019-04-02', 'day')).toBe('2019年4月2日');
    expect(formatDateJa('2019-04-01', 'month')).toBe('2019年4月');
    expect(formatDateJa('2019-04', 'month')).toBe('2019年4月');
    expect(formatTimestampJa('2026-05-02T15:05:00Z')).toBe('2026年5月3日 00:05');
    expect(formatTimestampJa('nonsense')).toBe('');
    expect(todayInJapan(new Date('2026-05-09T15:00:00Z'))).toBe('2026-05-10');
    expect(todayInJapan(new Date('2026-05-09T14:59:59Z'))).toBe('2026-05-09');
  });
});

describe('drafts and the payload', () => {
  const items = [area, gender, topics, children, birthMonth, household, opinion];

  it('fills the form from the stored answers', () => {
    const d = draftFromValues(items, {
      area: 'chu03',
      gender: 'female',
      topics: ['event'],
      children: ['2019-04-02', '2022-11-15'],
      birth_month: '1980-07-01',
      household: 4,
      opinion: 'よい',
      unrelated: 'x',
    });
    expect(d).toEqual({
      area: ['shinai', 'chu03'],
      gender: 'female',
      topics: ['event'],
      children: ['2019-04-02', '2022-11-15'],
      birth_month: '1980-07',
      household: '4',
      opinion: 'よい',
    });
    // Nothing stored: one empty date row, nothing chosen.
    expect(draftFromValues(items, {})).toMatchObject({ area: [], children: [''], topics: [], household: '' });
  });

  it('sends every item of the form (null clears), in option order, with typed text normalised', () => {
    const unknown: FormItem = {
      ...base,
      code: 'future',
      kind: 'unsupported',
      label: '新しい項目',
      config: null,
    };
    const out = valuesFromDraft(
      [...items, unknown],
      {
        area: ['shinai', 'chu03'],
        gender: '',
        topics: ['bosai', 'kosodate'],
        children: ['2019-04-02', '', '2022/11/15'],
        birth_month: '1980-07',
        household: '４',
        opinion: '  ',
      },
      { future: ['kept'] },
    );
    expect(out).toEqual({
      area: 'chu03',
      gender: null,
      topics: ['kosodate', 'bosai'],
      children: ['2019-04-02', '2022-11-15'],
      birth_month: '1980-07',
      household: 4,
      opinion: null,
      future: ['kept'],
    });
    // Not a number: sent as typed, for the server to refuse in words.
    expect(valuesFromDraft([household], { household: '四' }, {})).toEqual({ household: '四' });
  });
});

describe('checks before the confirmation step (the server’s rules and words)', () => {
  it('required items', () => {
    expect(checkItem(area, [], TODAY)?.message).toBe('「お住まいの地域」を選択してください');
    expect(checkItem({ ...household, required: true }, '', TODAY)?.message).toBe(
      '「世帯の人数」を入力してください',
    );
    expect(checkItem(gender, '', TODAY)).toBeNull();
  });

  it('a hierarchy must reach its last step when only leaves may be chosen', () => {
    expect(checkItem(area, ['shinai'], TODAY)?.message).toBe(
      '「お住まいの地域」は「豊中市内」の中からさらに選んでください',
    );
    expect(checkItem(area, ['shinai', 'chu03'], TODAY)).toBeNull();
    expect(checkItem(area, ['shigai'], TODAY)).toBeNull();
    const any = { ...area, config: { options: tree, leafOnly: false } };
    expect(checkItem(any, ['shinai'], TODAY)).toBeNull();
  });

  it('too many choices', () => {
    expect(checkItem(topics, ['kosodate', 'event', 'bosai'], TODAY)?.message).toBe(
      '「受け取りたい情報」は2個まで選べます',
    );
    expect(checkItem(topics, ['kosodate', 'event'], TODAY)).toBeNull();
  });

  it('several dates: the row at fault, counted as the server counts (blank rows skipped)', () => {
    expect(checkItem(children, ['2019-04-02', '', '2099-01-01'], TODAY)).toEqual({
      message: '「お子さまの生年月日」の2件目: 未来の日付は登録できません',
      row: 2,
    });
    expect(checkItem(children, ['2019-04-31'], TODAY)?.message).toBe(
      '「お子さまの生年月日」の1件目: 日付を YYYY-MM-DD の形式で正しく入力してください',
    );
    expect(checkItem(children, [BAD_DATE], TODAY)?.message).toBe(
      '「お子さまの生年月日」の1件目: 日付を最後まで正しく入力してください',
    );
    expect(
      checkItem(children, ['2019-01-01', '2020-01-01', '2021-01-01', '2022-01-01'], TODAY)?.message,
    ).toBe('「お子さまの生年月日」は3件まで登録できます');
    expect(checkItem(children, ['2026-05-10'], TODAY)).toBeNull();
    expect(checkItem(children, [''], TODAY)).toBeNull();
  });

  it('month precision and date ranges', () => {
    expect(checkItem(birthMonth, '2026-05', TODAY)).toBeNull();
    expect(checkItem(birthMonth, '2026-06', TODAY)?.message).toBe('「生年月」: 未来の日付は登録できません');
    expect(checkItem(birthMonth, '1899-12', TODAY)?.message).toBe(
      '「生年月」: 年月を YYYY-MM の形式で正しく入力してください',
    );
    const ranged: FormItem = {
      ...base,
      code: 'd',
      kind: 'date',
      label: '転入日',
      config: { precision: 'day', notFuture: false, minDate: '2000-01-01', maxDate: '2030-12-31' },
    };
    expect(checkItem(ranged, '1999-12-31', TODAY)?.message).toBe(
      '「転入日」: 2000年1月1日以降の日付を入力してください',
    );
    expect(checkItem(ranged, '2031-01-01', TODAY)?.message).toBe(
      '「転入日」: 2030年12月31日以前の日付を入力してください',
    );
  });

  it('numbers: digits, whole numbers, range with unit', () => {
    expect(checkItem(household, 'よん', TODAY)?.message).toBe('「世帯の人数」は数値で入力してください');
    expect(checkItem(household, '2.5', TODAY)?.message).toBe('「世帯の人数」は整数で入力してください');
    expect(checkItem(household, '0', TODAY)?.message).toBe('「世帯の人数」は1人以上にしてください');
    expect(checkItem(household, '２１', TODAY)?.message).toBe('「世帯の人数」は20人以下にしてください');
    expect(checkItem(household, '２０', TODAY)).toBeNull();
  });

  it('text length counts characters, not UTF-16 units', () => {
    expect(checkItem(opinion, '𠮷野家です', TODAY)).toBeNull();
    expect(checkItem(opinion, '𠮷野家ですね', TODAY)?.message).toBe(
      '「ご意見」は5文字以内で入力してください',
    );
  });

  it('the whole form: passcode, items and e-mail, keyed by field', () => {
    const form = { items: [area, children], askEmail: true, requiresPasscode: true };
    const found = checkDraft(
      form,
      { area: [], children: ['2099-01-01'] },
      { email: 'taro@', passcode: ' ' },
      TODAY,
    );
    expect(Object.keys(found)).toEqual(['passcode', 'item:area', 'item:children', 'email']);
    expect(found.passcode?.message).toBe('合言葉を入力してください');
    expect(found.email?.message).toBe('メールアドレスの形式が正しくありません');
    expect(
      checkDraft(form, { area: ['shigai'], children: [''] }, { email: '', passcode: 'kawa' }, TODAY),
    ).toEqual({});
    // A form that does not ask for an address ignores the field.
    expect(
      checkDraft({ ...form, askEmail: false }, { area: ['shigai'] }, { email: 'x', passcode: 'k' }, TODAY),
    ).toEqual({});
  });
});

describe('the server’s errors', () => {
  it('go to their items; unknown paths are kept apart', () => {
    const r = problemsFromServer(
      [
        { path: 'values.area', message: '「お住まいの地域」を選択してください' },
        { path: 'values.children', message: '「お子さまの生年月日」の1件目: 未来の日付は登録できません' },
        { path: 'email', message: 'メールアドレスの形式が正しくありません' },
        { path: 'passcode', message: '合言葉が違います' },
        { path: 'values.gone', message: 'この項目は登録できません' },
      ],
      [area, children],
    );
    expect(r.fields).toEqual({
      'item:area': { message: '「お住まいの地域」を選択してください' },
      'item:children': { message: '「お子さまの生年月日」の1件目: 未来の日付は登録できません' },
      email: { message: 'メールアドレスの形式が正しくありません' },
      passcode: { message: '合言葉が違います' },
    });
    expect(r.other).toEqual(['この項目は登録できません']);
  });
});

describe('the confirmation step', () => {
  it('reads answers back as the resident chose them', () => {
    expect(describeAnswer(area, ['shinai', 'chu03'])).toEqual(['豊中市内 › 第三中学校区']);
    expect(describeAnswer(topics, ['bosai', 'kosodate'])).toEqual(['子育て', '防災']);
    expect(describeAnswer(gender, 'male')).toEqual(['男性']);
    expect(describeAnswer(gender, '')).toEqual([]);
    expect(describeAnswer(children, ['2019-04-02', '', '2022-11-15'])).toEqual([
      '2019年4月2日',
      '2022年11月15日',
    ]);
    expect(describeAnswer(birthMonth, '1980-07')).toEqual(['1980年7月']);
    expect(describeAnswer(household, '４')).toEqual(['4人']);
    expect(describeAnswer(opinion, ' 行\n改行 ')).toEqual(['行\n改行']);
  });
});
