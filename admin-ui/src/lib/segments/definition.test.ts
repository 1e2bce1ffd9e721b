import { describe, expect, it } from 'vitest';
import {
  FORM_ANSWER,
  buildDefinition,
  describeFormAnswer,
  formOpLabel,
  formOpsFor,
  fromDefinition,
  mayNest,
  newGroup,
  newLeaf,
  nodeOfPath,
  questionItem,
  summarise,
  toHalfWidth,
  visibleErrors,
  type UiGroup,
  type UiLeaf,
} from './definition';
import { descendantsOf, indexOptions, normaliseChoice } from './options';
import type { AttributeItem, Condition, FormAnswerOp, FormChoice } from './types';

const area: AttributeItem = {
  id: 'i1',
  code: 'area',
  kind: 'hierarchy',
  label: 'お住まいの地域',
  status: 'active',
  config: {
    leafOnly: true,
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
    ],
  },
};
const children: AttributeItem = {
  id: 'i2',
  code: 'children_birthdates',
  kind: 'dates',
  label: 'お子さまの生年月日',
  status: 'active',
  config: { maxCount: 5 },
};
const topics: AttributeItem = {
  id: 'i3',
  code: 'topics',
  kind: 'multi',
  label: '受け取りたい情報',
  status: 'active',
  config: {
    options: [
      { code: 'kosodate', label: '子育て' },
      { code: 'event', label: 'イベント' },
    ],
  },
};
const size: AttributeItem = {
  id: 'i4',
  code: 'household',
  kind: 'number',
  label: '世帯の人数',
  status: 'active',
  config: { unit: '人', integer: true },
};
const items = [area, children, topics, size];

function leaf(patch: Partial<UiLeaf>): UiLeaf {
  return { ...newLeaf(), ...patch };
}

describe('segment builder model', () => {
  it('builds "children under 3 in 北部": an age below 3 years is max 2, a node stands for its districts', () => {
    const root = newGroup('and', [
      leaf({ subject: 'children_birthdates', cond: 'age', unit: 'years', ageUnder: '3' }),
      leaf({ subject: 'area', cond: 'option', op: 'in', codes: ['hokubu', 'kumayama'] }),
    ]);
    const built = buildDefinition(root, items);
    expect(built.errors).toEqual({});
    expect(built.definition).toEqual({
      type: 'and',
      conditions: [
        { type: 'age', item: 'children_birthdates', unit: 'years', max: 2, quantifier: 'any' },
        // 熊山 is under 北部 already: not sent twice.
        { type: 'option', item: 'area', op: 'in', codes: ['hokubu'] },
      ],
    });
    expect(summarise(built.definition!, items)).toBe(
      '「お子さまの生年月日」のいずれかの日付から数えた年齢が3歳未満、かつ「お住まいの地域」が「北部」（その下の2件を含む）に当てはまる友だち',
    );
  });

  it('reads a saved definition back into the same tree (round trip)', () => {
    const def: Condition = {
      type: 'or',
      conditions: [
        { type: 'option', item: 'topics', op: 'all', codes: ['kosodate', 'event'] },
        {
          type: 'not',
          condition: {
            type: 'and',
            conditions: [
              { type: 'answered', item: 'area', answered: true },
              {
                type: 'date',
                item: 'children_birthdates',
                op: 'between',
                fromDays: -30,
                to: '2026-12-31',
                quantifier: 'all',
              },
            ],
          },
        },
        { type: 'not', condition: { type: 'number', item: 'household', op: 'between', min: 2, max: 4 } },
        { type: 'friend_period', minDays: 30, since: '2026-01-01' },
        { type: 'friend_status', statuses: ['friend', 'blocked'] },
        { type: 'age', item: 'children_birthdates', unit: 'months', min: 6, max: 11, quantifier: 'any' },
        { type: 'date', item: 'children_birthdates', op: 'after', days: 14, quantifier: 'any' },
      ],
    };
    const ui = fromDefinition(def);
    expect(ui.op).toBe('or');
    const not = ui.children[1] as UiGroup;
    expect(not.op).toBe('not');
    expect(not.children).toHaveLength(2);
    expect(buildDefinition(ui, items).definition).toEqual(def);
    expect(summarise(def, items)).toBe(
      '「受け取りたい情報」に「子育て」「イベント」をすべて含む、または［「お住まいの地域」に回答している、かつ「お子さまの生年月日」のすべての日付が今日の30日前から2026年12月31日まで］に当てはまらない、または［「世帯の人数」が2人から4人まで］に当てはまらない、または友だちになって30日以上、かつ友だち追加日が2026年1月1日から、または友だちの状態が「友だち」「ブロック中」のいずれか、または「お子さまの生年月日」のいずれかの日付から数えた年齢が6か月以上12か月未満、または「お子さまの生年月日」のいずれかの日付が今日の14日後より後に当てはまる友だち',
    );
  });

  it('birthday reminders: the anniversary counted from today, within a year (DEL-4)', () => {
    const def: Condition = { type: 'date', item: 'children_birthdates', op: 'anniversary', days: 3 };
    const ui = fromDefinition(def);
    expect(buildDefinition(ui, items).definition).toEqual({ type: 'and', conditions: [def] });
    expect(summarise(def, items)).toBe(
      '「お子さまの生年月日」の記念日（毎年の同じ月日）が3日後に当てはまる友だち',
    );
    const today = newGroup('and', [
      leaf({
        subject: 'children_birthdates',
        cond: 'date',
        dateOp: 'anniversary',
        a: { mode: 'date', date: '', n: '0', dir: 'after' },
      }),
    ]);
    expect(buildDefinition(today, items).definition).toEqual({
      type: 'and',
      conditions: [{ type: 'date', item: 'children_birthdates', op: 'anniversary', days: 0 }],
    });
    const far = newGroup('and', [
      leaf({
        subject: 'children_birthdates',
        cond: 'date',
        dateOp: 'anniversary',
        a: { mode: 'days', date: '', n: '400', dir: 'before' },
      }),
    ]);
    const built = buildDefinition(far, items);
    expect(built.definition).toBeNull();
    expect(Object.values(built.errors).flatMap((e) => Object.values(e))).toContain(
      '記念日までの日数は366日以内にしてください',
    );
  });

  it('garbage-collection days (DEL-5): calendar, items and days from today, in one sentence', () => {
    const calendars = [{ code: 'akaiwa2026', name: '赤磐市2026', items: ['燃やせるごみ', '資源ごみ'] }];
    const def: Condition = {
      type: 'and',
      conditions: [
        { type: 'garbage', calendar: 'akaiwa2026', items: ['燃やせるごみ'], days: 1 },
        { type: 'option', item: 'topics', op: 'in', codes: ['event'] },
      ],
    };
    expect(buildDefinition(fromDefinition(def), items, calendars).definition).toEqual(def);
    expect(summarise(def.conditions[0]!, items, calendars)).toBe(
      'ごみカレンダー「赤磐市2026」で明日が燃やせるごみの収集日の地区に当てはまる友だち',
    );
    expect(
      summarise(
        { type: 'garbage', calendar: 'akaiwa2026', items: ['燃やせるごみ', '資源ごみ'], days: 0 },
        items,
        calendars,
      ),
    ).toBe('ごみカレンダー「赤磐市2026」で今日が燃やせるごみか資源ごみの収集日の地区に当てはまる友だち');
    expect(summarise({ type: 'garbage', calendar: 'akaiwa2026', days: 3 }, items, calendars)).toBe(
      'ごみカレンダー「赤磐市2026」で3日後が収集日の地区に当てはまる友だち',
    );

    // No item chosen: any collection; an unknown calendar, a missing or too large day are said.
    const leafOf = (over: Partial<UiLeaf>) => newGroup('and', [leaf({ subject: '@garbage', ...over })]);
    expect(buildDefinition(leafOf({ calendar: 'akaiwa2026' }), items, calendars).definition).toEqual({
      type: 'and',
      conditions: [{ type: 'garbage', calendar: 'akaiwa2026', days: 1 }],
    });
    const errorsOf = (over: Partial<UiLeaf>) =>
      Object.values(buildDefinition(leafOf(over), items, calendars).errors).flatMap((e) => Object.values(e));
    expect(errorsOf({})).toEqual(['ごみカレンダーを選んでください']);
    expect(errorsOf({ calendar: 'old', garbageDays: '' })).toEqual([
      'ごみカレンダー「old」は削除されました。別のカレンダーを選んでください',
      '何日後の収集日かを入力してください',
    ]);
    expect(errorsOf({ calendar: 'akaiwa2026', garbageDays: '15' })).toEqual([
      '何日後の収集日かは14日以内にしてください',
    ]);
    expect(
      buildDefinition(leafOf({ calendar: 'akaiwa2026', garbageDays: '２' }), items, calendars).definition,
    ).toEqual({ type: 'and', conditions: [{ type: 'garbage', calendar: 'akaiwa2026', days: 2 }] });
  });

  it('a saved leaf at the top becomes a group of one', () => {
    const ui = fromDefinition({ type: 'answered', item: 'area', answered: false });
    expect(ui.op).toBe('and');
    expect(buildDefinition(ui, items).definition).toEqual({
      type: 'and',
      conditions: [{ type: 'answered', item: 'area', answered: false }],
    });
  });

  it('says what is missing, per condition, and sends nothing until it is complete', () => {
    const empty = newGroup('or', []);
    const root = newGroup('and', [
      leaf({ subject: '' }),
      leaf({ subject: 'area', codes: [] }),
      leaf({ subject: 'children_birthdates', cond: 'age', ageMin: '5', ageUnder: '3' }),
      leaf({
        subject: 'children_birthdates',
        cond: 'date',
        dateOp: 'between',
        a: { mode: 'days', n: 'x', date: '', dir: 'before' },
      }),
      leaf({ subject: 'household', cond: 'number', numOp: 'gte', num: '' }),
      empty,
    ]);
    const built = buildDefinition(root, items);
    expect(built.definition).toBeNull();
    const msgs = root.children.map((c) => built.errors[c.key]);
    expect(msgs).toEqual([
      { subject: '項目を選んでください' },
      { codes: '選択肢を1つ以上選んでください' },
      { age: '「歳未満」は「歳以上」より大きくしてください' },
      { a: '始めの日の日数を0以上の整数で入力してください', b: '終わりの日を入力してください' },
      { num: '値を入力してください' },
      { group: '条件を追加するか、このグループを削除してください' },
    ]);
    // Before a save attempt only wrong values show, not what is merely still empty.
    const shown = visibleErrors(built, false);
    expect(root.children.map((c) => shown[c.key])).toEqual([
      undefined,
      undefined,
      { age: '「歳未満」は「歳以上」より大きくしてください' },
      { a: '始めの日の日数を0以上の整数で入力してください' },
      undefined,
      undefined,
    ]);
  });

  it('maps the server’s error paths to the condition they name', () => {
    const inner = newGroup('not', [
      leaf({ subject: 'area', codes: ['sanyo'] }),
      leaf({ subject: 'topics', codes: ['event'] }),
    ]);
    const root = newGroup('and', [leaf({ subject: 'topics', codes: ['kosodate'] }), inner]);
    const built = buildDefinition(root, items);
    expect(built.definition).not.toBeNull();
    expect(nodeOfPath(built.paths, 'definition.conditions.0.codes')).toBe(root.children[0]!.key);
    expect(nodeOfPath(built.paths, 'definition.conditions.1.condition.conditions.1.item')).toBe(
      inner.children[1]!.key,
    );
    expect(nodeOfPath(built.paths, 'definition')).toBe(root.key);
  });

  it('keeps nesting within the model’s six levels', () => {
    let g = newGroup('and');
    const root = g;
    let depth = 1;
    while (mayNest(g, depth)) {
      const sub = newGroup('or');
      g.children.push(sub);
      g = sub;
      depth++;
    }
    expect(depth).toBe(5);
    expect(buildDefinition(root, items).depth).toBeLessThanOrEqual(6);
  });

  it('exact hierarchy choices keep districts; full-width digits are read', () => {
    const index = indexOptions(area);
    expect(descendantsOf(index, 'hokubu')).toEqual(['kumayama', 'yoshii']);
    expect(normaliseChoice(index, ['yoshii', 'hokubu'], true)).toEqual(['hokubu', 'yoshii']);
    expect(normaliseChoice(index, ['yoshii', 'hokubu'], false)).toEqual(['hokubu']);
    expect(toHalfWidth('３')).toBe('3');
    const built = buildDefinition(
      newGroup('and', [leaf({ subject: 'children_birthdates', cond: 'age', ageUnder: '３' })]),
      items,
    );
    expect(built.definition).toMatchObject({ conditions: [{ max: 2 }] });
  });
});

describe('SEG-8: answers to forms as conditions', () => {
  const FORM_ID = '00000000-0000-4000-8000-000000000001';
  const GONE_ID = '00000000-0000-4000-8000-000000000002';
  const survey: FormChoice = {
    id: FORM_ID,
    title: '市民満足度調査',
    questions: [
      {
        code: 'satisfaction',
        label: '満足度',
        type: 'singleChoice',
        kind: 'choice',
        options: [
          { code: 'very', label: 'とても満足', depth: 0, path: 'とても満足' },
          { code: 'ok', label: '満足', depth: 0, path: '満足' },
          { code: 'bad', label: '不満', depth: 0, path: '不満' },
        ],
      },
      {
        code: 'district',
        label: 'お住まいの地区',
        type: 'hierarchyChoice',
        kind: 'choice',
        options: [
          { code: 'north', label: '北部', depth: 0, path: '北部' },
          { code: 'kuma', label: '熊山', depth: 1, path: '北部 › 熊山' },
          { code: 'yoshii', label: '吉井', depth: 1, path: '北部 › 吉井' },
          { code: 'south', label: '南部', depth: 0, path: '南部' },
        ],
      },
      { code: 'people', label: '参加人数', type: 'number', kind: 'number' },
      { code: 'visit', label: '来庁日', type: 'date', kind: 'date' },
      { code: 'opinion', label: 'ご意見', type: 'longText', kind: 'text' },
    ],
  };
  const forms = [survey];
  const leafOf = (patch: Partial<UiLeaf>): UiLeaf => ({ ...newLeaf(FORM_ANSWER), formId: FORM_ID, ...patch });
  const build = (l: UiLeaf) => buildDefinition(newGroup('and', [l]), [], [], forms);

  it('round-trips every kind of question between the API and the builder', () => {
    const defs: Condition[] = [
      { type: 'form_answer', formId: FORM_ID, question: 'satisfaction', op: 'in', values: ['very', 'ok'] },
      { type: 'form_answer', formId: FORM_ID, question: 'district', op: 'not_in', values: ['north'] },
      { type: 'form_answer', formId: FORM_ID, question: 'people', op: 'gte', values: [3] },
      { type: 'form_answer', formId: FORM_ID, question: 'visit', op: 'lt', values: ['2026-06-01'] },
      { type: 'form_answer', formId: FORM_ID, question: 'opinion', op: 'answered', values: [] },
      { type: 'form_answer', formId: FORM_ID, question: 'satisfaction', op: 'not_answered', values: [] },
      // Operators the builder does not offer first are kept as saved.
      { type: 'form_answer', formId: FORM_ID, question: 'district', op: 'eq', values: ['north'] },
    ];
    for (const c of defs) {
      const def: Condition = { type: 'and', conditions: [c] };
      const ui = fromDefinition(def);
      expect((ui.children[0] as UiLeaf).subject).toBe(FORM_ANSWER);
      const built = buildDefinition(ui, [], [], forms);
      expect(built.errors, JSON.stringify(c)).toEqual({});
      expect(built.definition).toEqual(def);
    }
  });

  it('builds conditions from what staff choose: parents cover their children, full-width digits count', () => {
    expect(
      build(leafOf({ question: 'district', formOp: 'in', formCodes: ['kuma', 'north', 'south'] })).definition,
    ).toEqual({
      type: 'and',
      conditions: [
        { type: 'form_answer', formId: FORM_ID, question: 'district', op: 'in', values: ['north', 'south'] },
      ],
    });
    expect(build(leafOf({ question: 'people', formOp: 'gt', formValue: '１０' })).definition).toEqual({
      type: 'and',
      conditions: [{ type: 'form_answer', formId: FORM_ID, question: 'people', op: 'gt', values: [10] }],
    });
    // A text question can only be asked whether it was answered; values typed before are dropped.
    expect(build(leafOf({ question: 'opinion', formOp: 'gte', formValue: '3' })).definition).toEqual({
      type: 'and',
      conditions: [{ type: 'form_answer', formId: FORM_ID, question: 'opinion', op: 'answered', values: [] }],
    });
    expect(
      build(leafOf({ question: 'satisfaction', formOp: 'answered', formCodes: ['ok'] })).definition,
    ).toEqual({
      type: 'and',
      conditions: [
        { type: 'form_answer', formId: FORM_ID, question: 'satisfaction', op: 'answered', values: [] },
      ],
    });
  });

  it('checks locally with Japanese messages', () => {
    const errorsOf = (patch: Partial<UiLeaf>) => {
      const l = leafOf(patch);
      const built = build(l);
      expect(built.definition).toBeNull();
      return { errors: built.errors[l.key], missing: [...built.missing] };
    };
    expect(errorsOf({ formId: '' }).errors).toEqual({ form: 'フォームを選んでください' });
    expect(errorsOf({ question: '' }).errors).toEqual({ question: '設問を選んでください' });
    expect(errorsOf({ question: 'satisfaction', formOp: 'in' }).errors).toEqual({
      values: '選択肢を1つ以上選んでください',
    });
    expect(errorsOf({ question: 'people', formOp: 'gte', formValue: '' }).errors).toEqual({
      values: '値を入力してください',
    });
    const wrongNumber = errorsOf({ question: 'people', formOp: 'gte', formValue: '三人' });
    expect(wrongNumber.errors).toEqual({ values: '値を数値で入力してください（例：3、2.5）' });
    // Wrong values show at once; empty ones wait for a save attempt.
    expect(wrongNumber.missing).toEqual([]);
    expect(errorsOf({ question: 'visit', formOp: 'gte', formValue: '2026-13-45' }).errors).toEqual({
      values: '日付を正しく入力してください（例：2026-04-01）',
    });
    expect(errorsOf({ question: 'name' }).errors).toEqual({
      question: '設問「name」はこのフォームで使えません。別の設問を選んでください',
    });
    expect(errorsOf({ formId: GONE_ID, question: 'satisfaction' }).errors).toEqual({
      form: 'このフォームは見られないか削除されました。別のフォームを選んでください',
    });
  });

  it('keeps a saved condition on a form this account cannot see, until another form is chosen', () => {
    const saved: Condition = {
      type: 'form_answer',
      formId: GONE_ID,
      question: 'q1',
      op: 'in',
      values: ['a'],
    };
    const ui = fromDefinition(saved);
    expect(buildDefinition(ui, [], [], forms).definition).toEqual({ type: 'and', conditions: [saved] });
    expect(summarise(saved, [], [], forms)).toBe(
      '見られないか削除されたフォームの設問「q1」で「a」を回答した人に当てはまる友だち',
    );
    const leaf = ui.children[0] as UiLeaf;
    leaf.formId = FORM_ID;
    leaf.question = '';
    expect(buildDefinition(ui, [], [], forms).definition).toBeNull();
  });

  it('describes conditions in plain Japanese', () => {
    const d = (op: FormAnswerOp, question: string, values: Array<string | number> = []) =>
      describeFormAnswer({ type: 'form_answer', formId: FORM_ID, question, op, values }, forms);
    expect(d('in', 'satisfaction', ['ok', 'very'])).toBe(
      'フォーム「市民満足度調査」の設問「満足度」で「満足」「とても満足」のいずれかを回答した人',
    );
    expect(d('in', 'satisfaction', ['ok'])).toBe(
      'フォーム「市民満足度調査」の設問「満足度」で「満足」を回答した人',
    );
    expect(d('not_in', 'satisfaction', ['bad', 'ok'])).toBe(
      'フォーム「市民満足度調査」の設問「満足度」で「不満」「満足」のどれも選んでいない人（未回答を含む）',
    );
    expect(d('in', 'district', ['north'])).toBe(
      'フォーム「市民満足度調査」の設問「お住まいの地区」で「北部」（その下の2件を含む）を回答した人',
    );
    expect(d('gte', 'people', [3])).toBe('フォーム「市民満足度調査」の設問「参加人数」で3以上を回答した人');
    expect(d('ne', 'people', [3])).toBe(
      'フォーム「市民満足度調査」の設問「参加人数」で3以外を回答した人（未回答を含む）',
    );
    expect(d('lt', 'visit', ['2026-06-01'])).toBe(
      'フォーム「市民満足度調査」の設問「来庁日」で2026年6月1日より前の日付を回答した人',
    );
    expect(d('answered', 'opinion')).toBe('フォーム「市民満足度調査」の設問「ご意見」に回答した人');
    expect(d('not_answered', 'opinion')).toBe('フォーム「市民満足度調査」の設問「ご意見」に回答していない人');
    expect(
      summarise(
        {
          type: 'and',
          conditions: [
            { type: 'form_answer', formId: FORM_ID, question: 'opinion', op: 'answered', values: [] },
            { type: 'friend_status', statuses: ['friend'] },
          ],
        },
        [],
        [],
        forms,
      ),
    ).toBe(
      'フォーム「市民満足度調査」の設問「ご意見」に回答した人、かつ友だちの状態が「友だち」のいずれかに当てはまる友だち',
    );
  });

  it('offers the operators that fit each kind of question', () => {
    expect(formOpsFor('choice')).toEqual(['in', 'not_in', 'answered', 'not_answered']);
    expect(formOpsFor('text')).toEqual(['answered', 'not_answered']);
    expect(formOpsFor('choice', 'eq')).toEqual(['in', 'not_in', 'answered', 'not_answered', 'eq']);
    expect(formOpsFor('text', 'gte')).toEqual(['answered', 'not_answered']);
    expect(formOpLabel('date', 'gte')).toBe('この日以降');
    expect(formOpLabel('number', 'lt')).toBe('未満');
    const item = questionItem(survey.questions[1]!);
    expect(item.kind).toBe('hierarchy');
    expect(descendantsOf(indexOptions(item), 'north')).toEqual(['kuma', 'yoshii']);
  });
});
