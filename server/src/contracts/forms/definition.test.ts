import { describe, expect, it } from 'vitest';
import {
  FORM_ITEM_TYPES,
  FORM_LIMITS,
  checkRegex,
  parseFormDefinition,
  type FormCondition,
  type FormDefinitionInput,
  type FormItemInput,
} from './definition.js';
import { FormDefinitionError, compileForm } from './engine.js';

/** A one-page form whose first section holds `items` (and more sections if given). */
function form(items: FormItemInput[], more: FormDefinitionInput['pages'][number]['sections'] = []) {
  return { schemaVersion: 1, pages: [{ code: 'p1', sections: [{ code: 's1', items }, ...more] }] };
}

function errorsOf(input: unknown) {
  const r = parseFormDefinition(input);
  if (r.ok) throw new Error('expected the definition to be refused');
  return r.errors;
}

const yesNo = {
  type: 'singleChoice',
  code: 'agree',
  label: '同意しますか',
  options: [
    { code: 'yes', label: 'はい' },
    { code: 'no', label: 'いいえ' },
  ],
} as const satisfies FormItemInput;

/** One valid item of every type, in an order where each condition looks back. */
const everyType: FormItemInput[] = [
  {
    type: 'shortText',
    code: 'name',
    label: 'お名前',
    required: true,
    pattern: { kind: 'preset', preset: 'katakana' },
  },
  { type: 'longText', code: 'note', label: 'ご意見', maxLength: 500 },
  { type: 'number', code: 'count', label: '人数', min: 1, max: 10, unit: '人' },
  { type: 'email', code: 'mail', label: 'メールアドレス' },
  { type: 'phone', code: 'tel', label: '電話番号', accept: 'mobile' },
  { type: 'postalCode', code: 'zip', label: '郵便番号', fillAddress: 'home' },
  { type: 'address', code: 'home', label: '住所', building: 'required' },
  { type: 'date', code: 'visit', label: '希望日', minDate: 'today+1', maxDate: '2030-12-31' },
  { type: 'birthday', code: 'born', label: '生年月日', minAge: 18 },
  yesNo,
  {
    type: 'multipleChoice',
    code: 'topics',
    label: '関心のある分野',
    options: [
      { code: 'a', label: 'A' },
      { code: 'b', label: 'B' },
    ],
    maxSelect: 2,
  },
  { type: 'dropdown', code: 'ward', label: '地区', options: [{ code: 'n', label: '北' }] },
  {
    type: 'hierarchyChoice',
    code: 'district',
    label: '校区',
    options: [{ code: 'north', label: '北部', children: [{ code: 'n1', label: '第一' }] }],
  },
  { type: 'file', code: 'photos', label: '写真', accept: ['image', 'pdf'], maxFiles: 3, maxSizeMb: 5 },
  {
    type: 'location',
    code: 'spot',
    label: '場所',
    geofence: { kind: 'circle', center: { lat: 35.06, lng: 136.68 }, radiusM: 5000 },
  },
  {
    type: 'description',
    code: 'guide',
    text: '以下をご確認ください。',
    showWhen: { op: 'equals', item: 'agree', value: 'yes' },
  },
  { type: 'image', code: 'map', src: '/media/t/x/abc/image', alt: '案内図' },
];

describe('form definition schema', () => {
  it('accepts one item of every type and fills the defaults', () => {
    const r = parseFormDefinition(form(everyType));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const items = r.definition.pages[0]!.sections[0]!.items;
    expect(items.map((i) => i.type)).toEqual(FORM_ITEM_TYPES);
    expect(items[1]).toMatchObject({ help: '', required: false, staffOnly: false, personal: false });
    expect(items[0]).toMatchObject({ maxLength: 100 });
    const section = r.definition.pages[0]!.sections[0]!;
    expect(section).toMatchObject({ title: '', description: '', staffOnly: false });
  });

  it('refuses another schemaVersion and an empty form', () => {
    expect(errorsOf({ schemaVersion: 2, pages: form([]).pages })).toContainEqual({
      path: 'schemaVersion',
      message: 'この形式（schemaVersion）のフォームは読み込めません（1 のみ対応）',
    });
    expect(errorsOf({ schemaVersion: 1, pages: [] })).toContainEqual({
      path: 'pages',
      message: 'ページを1つ以上作ってください',
    });
  });

  it('names an unknown item type and an unknown setting in Japanese at their paths', () => {
    const errors = errorsOf(form([{ type: 'signature', code: 'sig', label: '署名' } as never]));
    expect(errors[0]!.path).toBe('pages.0.sections.0.items.0.type');
    expect(errors[0]!.message).toMatch(/^項目の種類は shortText、/);
    expect(errorsOf(form([{ ...yesNo, colour: 'red' } as never]))).toContainEqual({
      path: 'pages.0.sections.0.items.0',
      message: '使えない設定があります: colour',
    });
  });

  it('words item settings in the builder’s terms', () => {
    const errors = errorsOf(
      form([
        { type: 'shortText', code: '1st', label: ' ' },
        { type: 'shortText', code: 'b', label: '名前', minLength: 10, maxLength: 5 },
        { type: 'number', code: 'c', label: '数', min: 5, max: 1 },
        { type: 'file', code: 'd', label: '添付', accept: [], maxSizeMb: 20 },
        { type: 'birthday', code: 'e', label: '生年月日', minAge: 65, maxAge: 18 },
        { type: 'date', code: 'f', label: '日付', minDate: '2026-05-01', maxDate: '2026-04-01' },
        { type: 'date', code: 'g', label: '日付', minDate: 'tomorrow' },
      ]),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        {
          path: 'pages.0.sections.0.items.0.code',
          message: '項目のコードは英小文字で始まる英小文字・数字・_ の40文字以内にしてください',
        },
        { path: 'pages.0.sections.0.items.0.label', message: '項目名を入力してください' },
        { path: 'pages.0.sections.0.items.1.minLength', message: '最小文字数は最大文字数以下にしてください' },
        { path: 'pages.0.sections.0.items.2.max', message: '最大値は最小値以上にしてください' },
        {
          path: 'pages.0.sections.0.items.3.accept',
          message: '受け付けるファイルの種類を1つ以上選んでください',
        },
        {
          path: 'pages.0.sections.0.items.3.maxSizeMb',
          message: '1ファイルの上限（MB）は10以下にしてください',
        },
        { path: 'pages.0.sections.0.items.4.maxAge', message: '最高年齢は最低年齢以上にしてください' },
        {
          path: 'pages.0.sections.0.items.5.maxDate',
          message: '最も遅い日付は最も早い日付以降にしてください',
        },
        {
          path: 'pages.0.sections.0.items.6.minDate',
          message: '日付は 2026-04-01 の形式か、today（今日）・today+7（7日後）のように指定してください',
        },
      ]),
    );
  });

  it('checks choices: options needed, codes unique, select limits within the options, tree depth', () => {
    const errors = errorsOf(
      form([
        { type: 'singleChoice', code: 'a', label: 'A', options: [] },
        {
          type: 'dropdown',
          code: 'b',
          label: 'B',
          options: [
            { code: 'x', label: 'X' },
            { code: 'x', label: 'X2' },
          ],
        },
        {
          type: 'multipleChoice',
          code: 'c',
          label: 'C',
          options: [{ code: 'x', label: 'X' }],
          minSelect: 2,
          maxSelect: 1,
        },
        {
          type: 'hierarchyChoice',
          code: 'd',
          label: 'D',
          options: [
            {
              code: 'l1',
              label: '1',
              children: [
                {
                  code: 'l2',
                  label: '2',
                  children: [
                    {
                      code: 'l3',
                      label: '3',
                      children: [{ code: 'l4', label: '4', children: [{ code: 'l5', label: '5' }] }],
                    },
                  ],
                },
                { code: 'l1', label: 'dup' },
              ],
            },
          ],
        },
      ]),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'pages.0.sections.0.items.0.options', message: '選択肢を1つ以上登録してください' },
        { path: 'pages.0.sections.0.items.1.options.1.code', message: '選択肢のコード「x」が重複しています' },
        { path: 'pages.0.sections.0.items.2.maxSelect', message: '選べる数の上限は下限以上にしてください' },
        {
          path: 'pages.0.sections.0.items.2.minSelect',
          message: '選ぶ数の下限は選択肢の数（1）以下にしてください',
        },
        {
          path: 'pages.0.sections.0.items.3.options.0.children.0.children.0.children.0.children',
          message: '階層は4段までです',
        },
        {
          path: 'pages.0.sections.0.items.3.options.0.children.1.code',
          message: '選択肢のコード「l1」が重複しています（階層全体で一意にしてください）',
        },
      ]),
    );
  });

  it('refuses regular expressions that do not compile or that could backtrack catastrophically', () => {
    const nested = '繰り返しの中に繰り返しや「|」がある正規表現（(a+)+ など）は使えません';
    expect(checkRegex('[0-9]{3}-[0-9]{4}')).toBeNull();
    expect(checkRegex('(?:ABC|DEF)[0-9]+')).toBeNull();
    expect(checkRegex('(ab)+c?')).toBeNull();
    expect(checkRegex('[(+*]+')).toBeNull();
    expect(checkRegex('\\(+')).toBeNull();
    expect(checkRegex('(a+')).toBe('正規表現が正しくありません');
    expect(checkRegex('(a+)+$')).toBe(nested);
    expect(checkRegex('(\\d*){2,}')).toBe(nested);
    expect(checkRegex('(a|aa)+')).toBe(nested);
    expect(checkRegex('((a+))+')).toBe(nested);
    expect(checkRegex('(?:x(?:y*))*')).toBe(nested);
    // Conservative: safe in fact, refused all the same ([A-Z-]+ says nearly the same).
    expect(checkRegex('[A-Z]+(?:-[A-Z]+)*')).toBe(nested);
    expect(
      errorsOf(
        form([
          {
            type: 'shortText',
            code: 'a',
            label: 'A',
            pattern: { kind: 'regex', regex: '(x*)*', message: 'だめ' },
          },
        ]),
      ),
    ).toContainEqual({ path: 'pages.0.sections.0.items.0.pattern.regex', message: nested });
  });

  it('accepts images from https or the product’s media and asks for alternative text', () => {
    const errors = errorsOf(
      form([
        { type: 'image', code: 'a', src: 'http://example.jp/a.png', alt: '地図' },
        { type: 'image', code: 'b', src: 'https://example.jp/a.png', alt: '' },
      ]),
    );
    expect(errors).toEqual([
      {
        path: 'pages.0.sections.0.items.0.src',
        message: '画像は https:// で始まるURLか、アップロードした画像にしてください',
      },
      { path: 'pages.0.sections.0.items.1.alt', message: '代替テキストを入力してください' },
    ]);
  });

  it('checks repeat limits and geofences', () => {
    const errors = errorsOf(
      form(
        [
          {
            type: 'location',
            code: 'spot',
            label: '場所',
            geofence: {
              kind: 'polygon',
              points: [
                { lat: 35, lng: 136 },
                { lat: 35.1, lng: 136 },
              ],
            },
          },
        ],
        [
          { code: 'kids', repeat: { min: 4, max: 3 }, items: [] },
          { code: 'many', repeat: { max: 51 }, items: [] },
        ],
      ),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'pages.0.sections.0.items.0.geofence.points', message: '範囲は3点以上で囲んでください' },
        { path: 'pages.0.sections.1.repeat.min', message: '最低件数は繰り返しの上限数以下にしてください' },
        { path: 'pages.0.sections.2.repeat.max', message: '繰り返しの上限数は50以下にしてください' },
      ]),
    );
  });
});

describe('checks across the definition', () => {
  it('refuses a code used twice anywhere in the form (items, sections, pages)', () => {
    const errors = errorsOf({
      schemaVersion: 1,
      pages: [
        {
          code: 'p1',
          sections: [{ code: 's1', items: [{ type: 'shortText', code: 'name', label: '名前' }] }],
        },
        {
          code: 'p2',
          sections: [
            { code: 'name', items: [{ type: 'shortText', code: 's1', label: '名前2' }] },
            { code: 's3', items: [{ type: 'email', code: 'p1', label: 'メール' }] },
          ],
        },
      ],
    });
    expect(errors).toEqual([
      {
        path: 'pages.1.sections.0.code',
        message: 'コード「name」はほかの項目で使われています。別のコードにしてください',
      },
      {
        path: 'pages.1.sections.0.items.0.code',
        message: 'コード「s1」はほかのセクションで使われています。別のコードにしてください',
      },
      {
        path: 'pages.1.sections.1.items.0.code',
        message: 'コード「p1」はほかのページで使われています。別のコードにしてください',
      },
    ]);
  });

  it('lets conditions look only at earlier items: forward references and self references are refused', () => {
    const later = { type: 'shortText', code: 'later', label: 'あとの項目' } as const;
    const errors = errorsOf({
      schemaVersion: 1,
      pages: [
        {
          code: 'p1',
          showWhen: { op: 'answered', item: 'agree' },
          sections: [
            {
              code: 's1',
              items: [
                yesNo,
                { type: 'shortText', code: 'a', label: 'A', showWhen: { op: 'answered', item: 'later' } },
                { type: 'shortText', code: 'b', label: 'B', requiredWhen: { op: 'answered', item: 'b' } },
                later,
              ],
            },
            {
              code: 's2',
              showWhen: { op: 'answered', item: 'c' },
              items: [{ type: 'shortText', code: 'c', label: 'C' }],
            },
          ],
        },
      ],
    });
    expect(errors).toEqual([
      {
        path: 'pages.0.showWhen.item',
        message: '条件には前にある項目だけを使えます（「同意しますか」は後ろにあります）',
      },
      {
        path: 'pages.0.sections.0.items.1.showWhen.item',
        message: '条件には前にある項目だけを使えます（「あとの項目」は後ろにあります）',
      },
      {
        path: 'pages.0.sections.0.items.2.requiredWhen.item',
        message: 'この項目自身は条件に使えません。前にある項目を選んでください',
      },
      {
        path: 'pages.0.sections.1.showWhen.item',
        message: '条件には前にある項目だけを使えます（「C」は後ろにあります）',
      },
    ]);
  });

  it('checks each leaf of nested AND/OR/NOT trees: unknown items, display items, options, operators', () => {
    const bad: FormCondition = {
      op: 'and',
      conditions: [
        {
          op: 'or',
          conditions: [
            { op: 'equals', item: 'agree', value: 'maybe' },
            { op: 'answered', item: 'ghost' },
          ],
        },
        { op: 'not', condition: { op: 'lt', item: 'agree', value: 3 } },
        { op: 'in', item: 'agree', values: ['yes', 'perhaps'] },
        { op: 'answered', item: 'intro' },
        { op: 'equals', item: 'age', value: '20' },
        { op: 'before', item: 'age', value: 'today' },
      ],
    };
    const errors = errorsOf(
      form([
        { type: 'description', code: 'intro', text: 'はじめに' },
        yesNo,
        { type: 'number', code: 'age', label: '年齢' },
        { type: 'shortText', code: 'x', label: 'X', showWhen: bad },
      ]),
    );
    const at = 'pages.0.sections.0.items.3.showWhen';
    expect(errors).toEqual([
      {
        path: `${at}.conditions.0.conditions.0.value`,
        message: '「同意しますか」に選択肢「maybe」はありません',
      },
      { path: `${at}.conditions.0.conditions.1.item`, message: '条件に使う項目「ghost」がありません' },
      {
        path: `${at}.conditions.1.condition.op`,
        message: '「同意しますか」（単一選択（ラジオボタン））には「より小さい」の条件は使えません',
      },
      { path: `${at}.conditions.2.values.1`, message: '「同意しますか」に選択肢「perhaps」はありません' },
      { path: `${at}.conditions.3.item`, message: '「intro」は回答のない項目のため、条件に使えません' },
      { path: `${at}.conditions.4.value`, message: '比べる値を数値で入力してください' },
      { path: `${at}.conditions.5.op`, message: '「年齢」（数値）には「より前」の条件は使えません' },
    ]);
  });

  it('limits how deep conditions nest', () => {
    let c: FormCondition = { op: 'answered', item: 'agree' };
    for (let i = 0; i < FORM_LIMITS.conditionDepth; i++) c = { op: 'not', condition: c };
    const errors = errorsOf(form([yesNo, { type: 'shortText', code: 'x', label: 'X', showWhen: c }]));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe(`条件の入れ子は${FORM_LIMITS.conditionDepth}段までです`);
  });

  it('keeps items of a repeating section to conditions inside the same section', () => {
    const errors = errorsOf(
      form(
        [yesNo],
        [
          {
            code: 'kids',
            repeat: { max: 3 },
            items: [
              { type: 'shortText', code: 'kid_name', label: '氏名' },
              {
                type: 'shortText',
                code: 'kid_note',
                label: '備考',
                showWhen: { op: 'answered', item: 'kid_name' },
              },
              {
                type: 'shortText',
                code: 'kid_more',
                label: '補足',
                showWhen: { op: 'equals', item: 'agree', value: 'yes' },
              },
            ],
          },
          {
            code: 'after',
            items: [
              { type: 'shortText', code: 'z', label: 'Z', showWhen: { op: 'answered', item: 'kid_name' } },
            ],
          },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: 'pages.0.sections.2.items.0.showWhen.item',
        message: '「氏名」は繰り返しセクションの中の項目のため、同じセクションの中の条件にだけ使えます',
      },
    ]);
  });

  it('does not let what residents see depend on staff-only items; staff items may use anything earlier', () => {
    const errors = errorsOf(
      form(
        [
          yesNo,
          {
            type: 'dropdown',
            code: 'status',
            label: '対応状況',
            staffOnly: true,
            options: [{ code: 'done', label: '完了' }],
          },
          {
            type: 'shortText',
            code: 'a',
            label: 'A',
            showWhen: { op: 'equals', item: 'status', value: 'done' },
          },
          {
            type: 'longText',
            code: 'memo',
            label: 'メモ',
            staffOnly: true,
            showWhen: { op: 'equals', item: 'status', value: 'done' },
          },
        ],
        [
          {
            code: 'office',
            staffOnly: true,
            showWhen: { op: 'answered', item: 'status' },
            items: [
              { type: 'shortText', code: 'b', label: 'B', requiredWhen: { op: 'answered', item: 'memo' } },
            ],
          },
        ],
      ),
    );
    expect(errors).toEqual([
      {
        path: 'pages.0.sections.0.items.2.showWhen.item',
        message: '「対応状況」は職員用の項目のため、利用者に表示する部分の条件には使えません',
      },
    ]);
  });

  it('checks what a postal code fills: an address, later, in the same section scope', () => {
    const errors = errorsOf(
      form(
        [
          { type: 'address', code: 'before', label: '前の住所' },
          { type: 'postalCode', code: 'z1', label: '郵便番号1', fillAddress: 'before' },
          { type: 'postalCode', code: 'z2', label: '郵便番号2', fillAddress: 'name' },
          { type: 'shortText', code: 'name', label: '名前' },
          { type: 'postalCode', code: 'z3', label: '郵便番号3', fillAddress: 'kid_home' },
        ],
        [{ code: 'kids', repeat: { max: 2 }, items: [{ type: 'address', code: 'kid_home', label: '住所' }] }],
      ),
    );
    expect(errors).toEqual([
      {
        path: 'pages.0.sections.0.items.1.fillAddress',
        message: '自動入力先の住所は、郵便番号より後ろに置いてください',
      },
      {
        path: 'pages.0.sections.0.items.2.fillAddress',
        message: '自動入力先の住所の項目「name」がありません',
      },
      {
        path: 'pages.0.sections.0.items.4.fillAddress',
        message: '郵便番号と自動入力先の住所は同じセクションの中に置いてください',
      },
    ]);
  });

  it('counts items across the whole form against the limit', () => {
    const sections = Array.from({ length: 5 }, (_, s) => ({
      code: `s${s}`,
      items: Array.from({ length: 401 }, (_, i) => ({
        type: 'shortText' as const,
        code: `q${s}_${i}`,
        label: `設問${i}`,
      })),
    }));
    const errors = errorsOf({ schemaVersion: 1, pages: [{ code: 'p', sections }] });
    expect(errors).toEqual([
      { path: 'pages', message: `項目はフォーム全体で${FORM_LIMITS.items}個までです（現在2005個）` },
    ]);
  });

  it('compileForm refuses an invalid definition with the same errors', () => {
    try {
      compileForm(
        form([{ type: 'shortText', code: 'a', label: 'A', showWhen: { op: 'answered', item: 'b' } }]),
        1,
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FormDefinitionError);
      expect((e as FormDefinitionError).errors).toEqual([
        { path: 'pages.0.sections.0.items.0.showWhen.item', message: '条件に使う項目「b」がありません' },
      ]);
    }
  });
});
