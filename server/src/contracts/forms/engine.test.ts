import { describe, expect, it } from 'vitest';
import type { FormDefinitionInput, FormItemInput } from './definition.js';
import {
  carryOverAnswers,
  compileForm,
  describePath,
  evaluateForm,
  validateSubmission,
  type FormEvaluateOptions,
} from './engine.js';
import type { PostalAddress, PostalLookup } from './postal.js';

/** 2026-04-01 12:00 JST. */
const now = new Date('2026-04-01T03:00:00Z');

const POSTAL: Record<string, PostalAddress[]> = {
  '5110061': [{ postalCode: '511-0061', prefecture: '三重県', city: '桑名市', town: '寿町' }],
  '4520961': [
    { postalCode: '452-0961', prefecture: '愛知県', city: '清須市', town: '春日明河原' },
    { postalCode: '452-0961', prefecture: '愛知県', city: '清須市', town: '春日一番割' },
  ],
};
const lookup: PostalLookup = (digits) => POSTAL[digits] ?? [];

const opts = (more: Partial<FormEvaluateOptions> = {}): FormEvaluateOptions => ({
  audience: 'resident',
  now,
  postalLookup: lookup,
  ...more,
});

const choices = (...codes: string[]) => codes.map((code) => ({ code, label: `選択肢${code}` }));

/** A realistic application: three pages, conditions of every kind, a repeating section, staff items. */
const definition: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p_applicant',
      title: '申請者',
      sections: [
        {
          code: 'applicant',
          items: [
            { type: 'shortText', code: 'name', label: 'お名前', required: true, maxLength: 20 },
            {
              type: 'shortText',
              code: 'kana',
              label: 'フリガナ',
              required: true,
              pattern: { kind: 'preset', preset: 'katakana' },
            },
            {
              type: 'singleChoice',
              code: 'contact',
              label: '連絡方法',
              required: true,
              options: [
                { code: 'phone', label: '電話' },
                { code: 'email', label: 'メール' },
              ],
            },
            {
              type: 'phone',
              code: 'tel',
              label: '電話番号',
              requiredWhen: { op: 'equals', item: 'contact', value: 'phone' },
            },
            {
              type: 'email',
              code: 'mail',
              label: 'メールアドレス',
              required: true,
              showWhen: { op: 'equals', item: 'contact', value: 'email' },
            },
            { type: 'postalCode', code: 'zip', label: '郵便番号', fillAddress: 'home' },
            { type: 'address', code: 'home', label: '住所', required: true },
            { type: 'birthday', code: 'born', label: '生年月日', required: true, minAge: 18 },
          ],
        },
      ],
    },
    {
      code: 'p_request',
      title: '申請内容',
      sections: [
        {
          code: 'request',
          items: [
            {
              type: 'dropdown',
              code: 'kind',
              label: '受け取り方法',
              required: true,
              options: [
                { code: 'window', label: '窓口' },
                { code: 'post', label: '郵送' },
                { code: 'other', label: 'その他' },
              ],
            },
            {
              type: 'shortText',
              code: 'kind_other',
              label: 'その他の内容',
              required: true,
              showWhen: { op: 'equals', item: 'kind', value: 'other' },
            },
            {
              type: 'multipleChoice',
              code: 'topics',
              label: '関心のある分野',
              required: true,
              options: choices('kosodate', 'kenko', 'bosai', 'event', 'gomi'),
              minSelect: 1,
              maxSelect: 3,
            },
            {
              type: 'hierarchyChoice',
              code: 'district',
              label: 'お住まいの地区',
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
            {
              type: 'longText',
              code: 'north_note',
              label: '北部の方へのご意見',
              showWhen: { op: 'in', item: 'district', values: ['hokubu'] },
            },
            { type: 'number', code: 'people', label: '人数', min: 1, max: 10, unit: '人' },
            { type: 'date', code: 'visit', label: '来庁希望日', minDate: 'today+1', maxDate: 'today+60' },
            {
              type: 'file',
              code: 'docs',
              label: '添付書類',
              accept: ['image', 'pdf'],
              maxFiles: 2,
              maxSizeMb: 5,
            },
            {
              type: 'location',
              code: 'spot',
              label: '場所',
              geofence: { kind: 'circle', center: { lat: 35.0657, lng: 136.684 }, radiusM: 10000 },
              outsideMessage: '桑名市内の場所を選んでください',
            },
            { type: 'description', code: 'guide', text: 'お子さまについてお答えください。' },
          ],
        },
        {
          code: 'children',
          title: 'お子さま',
          showWhen: { op: 'in', item: 'topics', values: ['kosodate'] },
          repeat: { max: 3, itemName: 'お子さま' },
          items: [
            { type: 'shortText', code: 'child_name', label: 'お名前', required: true },
            { type: 'birthday', code: 'child_born', label: '生年月日', required: true },
            { type: 'singleChoice', code: 'allergy', label: 'アレルギー', options: choices('yes', 'no') },
            {
              type: 'longText',
              code: 'allergy_detail',
              label: 'アレルギーの内容',
              required: true,
              showWhen: { op: 'equals', item: 'allergy', value: 'yes' },
            },
            {
              type: 'shortText',
              code: 'school',
              label: '学校名',
              showWhen: { op: 'gte', item: 'child_born', value: 6 },
            },
          ],
        },
        {
          code: 'office',
          title: '職員記入欄',
          staffOnly: true,
          items: [
            {
              type: 'dropdown',
              code: 'status',
              label: '対応状況',
              required: true,
              options: choices('new', 'done'),
            },
            {
              type: 'longText',
              code: 'memo',
              label: 'メモ',
              showWhen: { op: 'equals', item: 'status', value: 'done' },
            },
          ],
        },
      ],
    },
    {
      code: 'p_survey',
      title: 'アンケート',
      showWhen: {
        op: 'and',
        conditions: [
          { op: 'gte', item: 'born', value: 65 },
          {
            op: 'or',
            conditions: [
              { op: 'in', item: 'topics', values: ['kenko'] },
              { op: 'notAnswered', item: 'district' },
            ],
          },
        ],
      },
      sections: [
        {
          code: 'survey',
          items: [
            {
              type: 'singleChoice',
              code: 'satisfied',
              label: '満足度',
              required: true,
              options: choices('1', '2', '3'),
            },
            {
              type: 'longText',
              code: 'reason',
              label: '理由',
              requiredWhen: { op: 'in', item: 'satisfied', values: ['1'] },
              showWhen: { op: 'notEquals', item: 'satisfied', value: '3' },
            },
          ],
        },
      ],
    },
  ],
};
const form = compileForm(definition, 3);

const valid = () => ({
  name: ' 桑名　太郎 ',
  kana: 'ｸﾜﾅ ﾀﾛｳ',
  contact: 'phone',
  tel: '０５９４－２４－１１１１',
  zip: '〒511-0061',
  home: { prefecture: '三重県', city: '桑名市', town: '寿町1-1' },
  born: '1990/4/2',
  kind: 'window',
  topics: ['kosodate'],
  district: 'kumayama',
  people: '２',
  visit: '2026-04-10',
  docs: [{ id: 'up1', name: '住民票.pdf', size: 1000, type: 'application/pdf' }],
  spot: { lat: 35.07, lng: 136.69 },
  children: [{ child_name: '桑名 花子', child_born: '2018-05-05', allergy: 'no' }] as Record<
    string,
    unknown
  >[],
});

const messages = (r: { errors: { path: string; message: string }[] }) =>
  Object.fromEntries(r.errors.map((e) => [e.path, e.message]));

type WithoutCode<T> = T extends unknown ? Omit<T, 'code'> : never;

/** Evaluates one item (code `q`) alone. */
function one(item: WithoutCode<FormItemInput>, value: unknown, more: Partial<FormEvaluateOptions> = {}) {
  const f = compileForm(
    {
      schemaVersion: 1,
      pages: [{ code: 'p', sections: [{ code: 's', items: [{ ...item, code: 'q' } as FormItemInput] }] }],
    },
    1,
  );
  const r = evaluateForm(f, { q: value }, opts(more));
  return { value: r.answers.q, error: r.errors[0]?.message, errors: r.errors, derived: r.derived.q, r };
}

describe('a whole valid answer set', () => {
  it('is accepted, normalised, with derived values and file checks', () => {
    const r = evaluateForm(form, valid(), opts());
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.answers).toEqual({
      name: '桑名　太郎',
      kana: 'クワナ タロウ',
      contact: 'phone',
      tel: '0594241111',
      zip: '511-0061',
      home: { prefecture: '三重県', city: '桑名市', town: '寿町1-1' },
      born: '1990-04-02',
      kind: 'window',
      topics: ['kosodate'],
      district: 'kumayama',
      people: 2,
      visit: '2026-04-10',
      docs: [{ id: 'up1', name: '住民票.pdf', size: 1000, type: 'application/pdf' }],
      spot: { lat: 35.07, lng: 136.69 },
      children: [{ child_name: '桑名 花子', child_born: '2018-05-05', allergy: 'no' }],
    });
    expect(r.derived).toEqual({
      zip: {
        kind: 'postal',
        status: 'found',
        addresses: POSTAL['5110061'],
        fill: { prefecture: '三重県', city: '桑名市', town: '寿町' },
        target: 'home',
      },
      born: { kind: 'age', age: 35 },
      'children.0.child_born': { kind: 'age', age: 7 },
    });
    expect(r.files).toEqual([
      {
        path: 'docs',
        item: 'docs',
        files: [{ id: 'up1', name: '住民票.pdf', size: 1000, type: 'application/pdf' }],
        maxFiles: 2,
        maxBytes: 5 * 1024 * 1024,
        accept: ['image', 'pdf'],
        mimeTypes: [
          'image/jpeg',
          'image/png',
          'image/heic',
          'image/heif',
          'image/webp',
          'image/gif',
          'application/pdf',
        ],
      },
    ]);
  });

  it('reports visibility and requiredness for pages, sections, items and entries', () => {
    const r = evaluateForm(form, valid(), opts());
    expect(r.visible).toMatchObject({
      p_applicant: true,
      applicant: true,
      mail: false,
      tel: true,
      p_request: true,
      north_note: true,
      kind_other: false,
      guide: true,
      children: true,
      'children.0.child_name': true,
      'children.0.allergy_detail': false,
      'children.0.school': true,
      office: false,
      status: false,
      p_survey: false,
      satisfied: false,
    });
    expect(r.required).toMatchObject({
      name: true,
      tel: true,
      mail: false,
      people: false,
      'children.0.child_born': true,
    });
    expect(r.required).not.toHaveProperty('guide');
  });
});

describe('item types', () => {
  it('short text: trimmed, one line, length counted in characters, presets and patterns', () => {
    expect(one({ type: 'shortText', label: 'A' }, '  山田\n\t太郎  ').value).toBe('山田 太郎');
    expect(one({ type: 'shortText', label: 'A', maxLength: 3 }, '𠮷野家').value).toBe('𠮷野家');
    expect(one({ type: 'shortText', label: 'A', maxLength: 3 }, '吉野家です').error).toBe(
      '3文字以内で入力してください（現在5文字）',
    );
    expect(one({ type: 'shortText', label: 'A', minLength: 2 }, 'あ').error).toBe(
      '2文字以上で入力してください（現在1文字）',
    );
    expect(one({ type: 'shortText', label: 'A' }, 12).error).toBe('文字で入力してください');
    const kana = {
      type: 'shortText',
      label: 'フリガナ',
      pattern: { kind: 'preset', preset: 'katakana' },
    } as const;
    expect(one(kana, 'ﾔﾏﾀﾞ ﾀﾛｳ').value).toBe('ヤマダ タロウ');
    expect(one(kana, 'やまだ').error).toBe('カタカナで入力してください');
    const digits = {
      type: 'shortText',
      label: '番号',
      pattern: { kind: 'preset', preset: 'digits' },
    } as const;
    expect(one(digits, '１２３').value).toBe('123');
    expect(one(digits, '12a').error).toBe('数字で入力してください');
    const hira = {
      type: 'shortText',
      label: 'ふりがな',
      pattern: { kind: 'preset', preset: 'hiragana' },
    } as const;
    expect(one(hira, 'やまだ　たろう').value).toBe('やまだ　たろう');
    expect(one(hira, 'ヤマダ').error).toBe('ひらがなで入力してください');
    const alnum = {
      type: 'shortText',
      label: 'ID',
      pattern: { kind: 'preset', preset: 'alphanumeric' },
    } as const;
    expect(one(alnum, 'ＡＢ１２').value).toBe('AB12');
    const regex = {
      type: 'shortText',
      label: '受付番号',
      pattern: { kind: 'regex', regex: 'R[0-9]{6}', message: '受付番号は R と6桁の数字です（例：R123456）' },
    } as const;
    expect(one(regex, 'R123456').value).toBe('R123456');
    expect(one(regex, 'R123456X').error).toBe('受付番号は R と6桁の数字です（例：R123456）');
  });

  it('long text: line breaks kept and unified, limits', () => {
    expect(one({ type: 'longText', label: 'A' }, '\r\n1行目\r\n2行目\r3行目  \n').value).toBe(
      '1行目\n2行目\n3行目',
    );
    expect(one({ type: 'longText', label: 'A', maxLength: 5 }, 'あいうえおか').error).toBe(
      '5文字以内で入力してください（現在6文字）',
    );
    expect(one({ type: 'longText', label: 'A' }, '\u0007本文\u0000').value).toBe('本文');
  });

  it('number: full-width digits and commas read, integer and range with the unit', () => {
    const people = { type: 'number', label: '人数', min: 1, max: 1000, unit: '人' } as const;
    expect(one(people, '１２').value).toBe(12);
    expect(one(people, '1,000').value).toBe(1000);
    expect(one(people, 7).value).toBe(7);
    expect(one(people, '1.5').error).toBe('整数で入力してください');
    expect(one(people, '0').error).toBe('1人以上で入力してください');
    expect(one(people, 1001).error).toBe('1000人以下で入力してください');
    expect(one(people, 'たくさん').error).toBe('数値で入力してください');
    expect(one(people, Number.NaN).error).toBe('数値で入力してください');
    expect(one({ type: 'number', label: '身長', integer: false }, '１６５．５').value).toBe(165.5);
    expect(one({ type: 'number', label: '気温', integer: false }, '－３').value).toBe(-3);
  });

  it('e-mail: full-width read, domain in lower case, carriers’ legacy addresses accepted', () => {
    const mail = { type: 'email', label: 'メール' } as const;
    expect(one(mail, ' ｔａｒｏ＠Example.JP ').value).toBe('taro@example.jp');
    expect(one(mail, 'taro..yamada.@docomo.ne.jp').value).toBe('taro..yamada.@docomo.ne.jp');
    for (const bad of [
      'taro',
      'taro@',
      '@example.jp',
      'taro@example',
      'ta ro@example.jp',
      'taro@exa_mple.jp',
    ])
      expect(one(mail, bad).error, bad).toBe('メールアドレスの形式が正しくありません（例：taro@example.jp）');
  });

  it('phone: hyphens, brackets, full-width and +81 read; mobile-only refuses fixed lines', () => {
    const tel = { type: 'phone', label: '電話番号' } as const;
    expect(one(tel, '0594-24-1111').value).toBe('0594241111');
    expect(one(tel, '(0594)24-1111').value).toBe('0594241111');
    expect(one(tel, '０９０ー１２３４ー５６７８').value).toBe('09012345678');
    expect(one(tel, '+81 90-1234-5678').value).toBe('09012345678');
    expect(one(tel, '+81(0)594-24-1111').value).toBe('0594241111');
    expect(one(tel, '0120-123-456').value).toBe('0120123456');
    expect(one(tel, '050-1234-5678').value).toBe('05012345678');
    for (const bad of ['12345', '0594-24-111', '090-1234-56789', '03-1234-abcd', '1594241111'])
      expect(one(tel, bad).error, bad).toBe('電話番号の形式が正しくありません（例：0594-24-1111）');
    const mobile = { type: 'phone', label: '携帯', accept: 'mobile' } as const;
    expect(one(mobile, '080-1234-5678').value).toBe('08012345678');
    expect(one(mobile, '0594-24-1111').error).toBe(
      '携帯電話の番号（070・080・090で始まる11桁）を入力してください',
    );
  });

  it('postal code: 〒, dashes and full-width read; the address it fills is derived', () => {
    const zip = { type: 'postalCode', label: '郵便番号' } as const;
    const found = one(zip, '〒５１１ー００６１');
    expect(found.value).toBe('511-0061');
    expect(found.derived).toMatchObject({
      status: 'found',
      fill: { prefecture: '三重県', city: '桑名市', town: '寿町' },
      target: null,
    });
    expect(one(zip, '4520961').derived).toMatchObject({
      status: 'found',
      fill: { prefecture: '愛知県', city: '清須市', town: '' },
    });
    for (const bad of ['511-006', '5110061-1', 'abc-defg'])
      expect(one(zip, bad).error, bad).toBe('郵便番号は7桁の数字で入力してください（例：511-8601）');
  });

  it('postal code: an unknown code fills nothing, and is refused only when it must exist', () => {
    const zip = { type: 'postalCode', label: '郵便番号' } as const;
    const missing = one(zip, '999-9999');
    expect(missing.value).toBe('999-9999');
    expect(missing.derived).toMatchObject({ status: 'notFound', addresses: [], fill: null });
    const strict = one({ ...zip, mustExist: true }, '999-9999');
    expect(strict.value).toBeUndefined();
    expect(strict.error).toBe('この郵便番号は見つかりません。番号をご確認ください');
    // A browser that has not fetched the code yet: neither filled nor refused.
    const pending = one({ ...zip, mustExist: true }, '511-0061', { postalLookup: () => undefined });
    expect(pending.errors).toEqual([]);
    expect(pending.derived).toMatchObject({ status: 'unknown' });
    expect(one(zip, '511-0061', { postalLookup: undefined }).derived).toMatchObject({ status: 'unknown' });
  });

  it('address: parts checked with their own paths', () => {
    const address = { type: 'address', label: '住所' } as const;
    expect(
      one(address, { prefecture: '三重県', city: ' 桑名市 ', town: '中央町2-37', building: '' }).value,
    ).toEqual({
      prefecture: '三重県',
      city: '桑名市',
      town: '中央町2-37',
    });
    expect(messages(one(address, { prefecture: '三重', city: '', town: '中央町' }))).toEqual({
      'q.prefecture': '都道府県を一覧から選んでください',
      'q.city': '市区町村を入力してください',
    });
    expect(
      messages(
        one({ ...address, building: 'required' }, { prefecture: '三重県', city: '桑名市', town: '中央町' }),
      ),
    ).toEqual({
      'q.building': '建物名・部屋番号を入力してください',
    });
    expect(
      messages(
        one(
          { ...address, building: 'hidden' },
          { prefecture: '三重県', city: '桑名市', town: '中央町', building: '3F' },
        ),
      ),
    ).toEqual({
      'q.building': 'この欄はありません',
    });
    expect(messages(one(address, { prefecture: 13, city: '桑名市', town: '中央町' }))).toEqual({
      'q.prefecture': '文字で入力してください',
    });
    expect(one(address, '三重県桑名市').error).toBe('住所の形式が正しくありません');
    expect(one({ ...address, required: true }, { prefecture: '', city: ' ', town: '' }).errors).toEqual([
      { path: 'q', message: '住所を入力してください' },
    ]);
  });

  it('date: 2026/4/1 read; limits relative to today (JST) named as dates', () => {
    const visit = { type: 'date', label: '来庁日', minDate: 'today+1', maxDate: 'today+30' } as const;
    expect(one(visit, '２０２６／４／２').value).toBe('2026-04-02');
    expect(one(visit, '2026-04-01').error).toBe('2026年4月2日以降の日付を入力してください');
    expect(one(visit, '2026-05-02').error).toBe('2026年5月1日以前の日付を入力してください');
    expect(one({ type: 'date', label: '日', minDate: 'today' }, '2026-03-31').error).toBe(
      '今日以降の日付を入力してください',
    );
    expect(one({ type: 'date', label: '日', maxDate: '2026-03-31' }, '2026-04-01').error).toBe(
      '2026年3月31日以前の日付を入力してください',
    );
    expect(one(visit, '2026-02-30').error).toBe('日付を正しく入力してください（例：2026-04-01）');
    // 23:59 JST on 1 April is still 1 April, though it is 14:59 UTC.
    expect(
      one({ type: 'date', label: '日', minDate: 'today' }, '2026-04-01', {
        now: new Date('2026-04-01T14:59:00Z'),
      }).errors,
    ).toEqual([]);
    expect(
      one({ type: 'date', label: '日', minDate: 'today' }, '2026-04-01', {
        now: new Date('2026-04-01T15:00:00Z'),
      }).error,
    ).toBe('今日以降の日付を入力してください');
  });

  it('birthday: the age is derived on today’s JST date; future dates and age limits refused', () => {
    const born = { type: 'birthday', label: '生年月日', minAge: 18, maxAge: 64 } as const;
    expect(one(born, '2008-04-01')).toMatchObject({ value: '2008-04-01', derived: { kind: 'age', age: 18 } });
    expect(one(born, '2008-04-02').error).toBe('満18歳以上の方が対象です');
    expect(one(born, '1961-04-01').error).toBe('満64歳以下の方が対象です');
    expect(one(born, '2026-04-02').error).toBe('未来の日付は入力できません');
    expect(one(born, '1899-12-31').error).toBe('生年月日を正しく入力してください（例：1990-04-01）');
    // Born on 29 February: one year older from 1 March in a common year.
    const leap = { type: 'birthday', label: '生年月日' } as const;
    expect(one(leap, '2024-02-29', { now: new Date('2025-02-28T03:00:00Z') }).derived).toEqual({
      kind: 'age',
      age: 0,
    });
    expect(one(leap, '2024-02-29', { now: new Date('2025-03-01T03:00:00Z') }).derived).toEqual({
      kind: 'age',
      age: 1,
    });
  });

  it('single choice and dropdown: an option code', () => {
    for (const type of ['singleChoice', 'dropdown'] as const) {
      const item = { type, label: '性別', options: choices('f', 'm') };
      expect(one(item, 'f').value).toBe('f');
      expect(one(item, 'x').error).toBe('選択肢の中から選んでください');
      expect(one(item, ['f']).error).toBe('選択肢の中から選んでください');
    }
  });

  it('multiple choice: codes de-duplicated in option order, min and max selections', () => {
    const item = {
      type: 'multipleChoice',
      label: '分野',
      options: choices('a', 'b', 'c', 'd'),
      minSelect: 2,
      maxSelect: 3,
    } as const;
    expect(one(item, ['c', 'a', 'c']).value).toEqual(['a', 'c']);
    expect(one(item, ['a', 'b', 'c', 'd']).error).toBe('3件まで選べます');
    expect(one(item, ['a']).error).toBe('2件以上選んでください');
    expect(one(item, ['a', 'zz']).error).toBe('選択肢の中から選んでください');
    expect(one(item, 'a').error).toBe('選択肢の中から選んでください');
    expect(one({ ...item, required: true }, []).error).toBe('選んでください');
  });

  it('hierarchical choice: a leaf, unless parents may be chosen', () => {
    const tree = [{ code: 'hokubu', label: '北部', children: [{ code: 'kumayama', label: '熊山' }] }];
    expect(one({ type: 'hierarchyChoice', label: '地区', options: tree }, 'kumayama').value).toBe('kumayama');
    expect(one({ type: 'hierarchyChoice', label: '地区', options: tree }, 'hokubu').error).toBe(
      '「北部」の中からさらに選んでください',
    );
    expect(
      one({ type: 'hierarchyChoice', label: '地区', options: tree, leafOnly: false }, 'hokubu').value,
    ).toBe('hokubu');
  });

  it('file: count, size and type per the declared limits, each file at its own path', () => {
    const item = {
      type: 'file',
      label: '写真',
      accept: ['image'],
      maxFiles: 2,
      maxSizeMb: 1,
    } satisfies WithoutCode<FormItemInput>;
    const photo = (id: string, more: object = {}) => ({
      id,
      name: `${id}.jpg`,
      size: 1000,
      type: 'image/jpeg',
      ...more,
    });
    expect(one(item, [photo('a'), photo('b')]).value).toHaveLength(2);
    expect(messages(one(item, [photo('a'), photo('b'), photo('c')]))).toEqual({
      q: 'ファイルは2件まで添付できます',
    });
    expect(messages(one(item, [photo('a'), photo('b', { size: 1024 * 1024 + 1 })]))).toEqual({
      'q.1': '「b.jpg」は1MBを超えています。1MB以下のファイルにしてください',
    });
    expect(
      messages(one(item, [{ id: 'x', name: 'x.exe', size: 10, type: 'application/x-msdownload' }])),
    ).toEqual({
      'q.0': '「x.exe」は添付できない種類のファイルです（画像のみ）',
    });
    // No type from the browser: the extension decides here, the server sniffs the bytes later.
    expect(one(item, [{ id: 'h', name: 'IMG_0001.HEIC', size: 10, type: '' }]).errors).toEqual([]);
    expect(one(item, [{ id: 'h', name: 'a.pdf', size: 10, type: 'application/octet-stream' }]).error).toBe(
      '「a.pdf」は添付できない種類のファイルです（画像のみ）',
    );
    expect(messages(one(item, [photo('a'), photo('a')]))).toEqual({
      'q.1': '「a.jpg」が重ねて添付されています',
    });
    expect(
      messages(one(item, [{ id: '../etc/passwd', name: 'a.jpg', size: 1, type: 'image/jpeg' }])),
    ).toEqual({
      'q.0': 'ファイルの情報が正しくありません。もう一度添付してください',
    });
    expect(one(item, { id: 'a' }).error).toBe('ファイルの形式が正しくありません。もう一度添付してください');
    expect(one({ ...item, required: true }, []).error).toBe('ファイルを添付してください');
  });

  it('location: a point, inside the circle or polygon when there is one', () => {
    const circle = {
      type: 'location',
      label: '場所',
      geofence: { kind: 'circle', center: { lat: 35.0657, lng: 136.684 }, radiusM: 1000 },
    } as const;
    expect(one(circle, { lat: 35.07, lng: 136.69 }).value).toEqual({ lat: 35.07, lng: 136.69 });
    expect(one(circle, { lat: 35.2, lng: 136.69 }).error).toBe('指定された範囲の中の場所を選んでください');
    const square = {
      type: 'location',
      label: '場所',
      outsideMessage: '市内の場所を選んでください',
      geofence: {
        kind: 'polygon',
        points: [
          { lat: 35, lng: 136.6 },
          { lat: 35, lng: 136.8 },
          { lat: 35.2, lng: 136.8 },
          { lat: 35.2, lng: 136.6 },
        ],
      },
    } as const;
    expect(one(square, { lat: 35.1, lng: 136.7 }).errors).toEqual([]);
    expect(one(square, { lat: 35.1, lng: 136.9 }).error).toBe('市内の場所を選んでください');
    for (const bad of [
      { lat: 91, lng: 0 },
      { lat: '35', lng: 136 },
      { lat: 35, lng: 136, name: 'x' },
      [35, 136],
    ])
      expect(one({ type: 'location', label: '場所' }, bad).error).toBe('場所を地図で選び直してください');
  });

  it('description and image take no answer', () => {
    const r = evaluateForm(form, { ...valid(), guide: 'こんにちは' }, opts());
    expect(messages(r)).toEqual({ guide: 'この項目には回答できません' });
  });
});

describe('conditions', () => {
  it('conditional display and conditional required from an earlier choice', () => {
    const email = evaluateForm(form, { ...valid(), contact: 'email', tel: undefined }, opts());
    expect(messages(email)).toEqual({ mail: '入力してください' });
    expect(email.visible.mail).toBe(true);
    expect(email.required.tel).toBe(false);
    const phone = evaluateForm(form, { ...valid(), tel: '' }, opts());
    expect(messages(phone)).toEqual({ tel: '入力してください' });
  });

  it('still sees an answer that only broke a limit, so what depends on it stays while it is corrected', () => {
    const r = evaluateForm(form, { ...valid(), topics: ['kosodate', 'kenko', 'bosai', 'event'] }, opts());
    expect(messages(r)).toEqual({ topics: '3件まで選べます' });
    expect(r.visible.children).toBe(true);
    expect(r.answers).not.toHaveProperty('topics');
    // An unreadable answer counts as none.
    const unreadable = evaluateForm(form, { ...valid(), topics: ['kosodate', 'nope'] }, opts());
    expect(unreadable.visible.children).toBe(false);
  });

  it('hierarchical `in` matches an option and everything under it', () => {
    expect(evaluateForm(form, { ...valid(), district: 'yoshii' }, opts()).visible.north_note).toBe(true);
    expect(evaluateForm(form, { ...valid(), district: 'sanyo' }, opts()).visible.north_note).toBe(false);
  });

  it('nested AND/OR over ages and choices decides a whole page', () => {
    const elder = { ...valid(), born: '1950-01-01' };
    expect(evaluateForm(form, { ...elder, topics: ['kosodate'] }, opts()).visible.p_survey).toBe(false);
    const r = evaluateForm(form, { ...elder, topics: ['kosodate', 'kenko'] }, opts());
    expect(r.visible).toMatchObject({ p_survey: true, survey: true, satisfied: true, reason: true });
    expect(messages(r)).toEqual({ satisfied: '選んでください' });
    expect(evaluateForm(form, { ...elder, district: undefined }, opts()).visible.p_survey).toBe(true);
    // satisfied = 1 makes the reason required; 3 hides it (notEquals), unanswered shows it.
    expect(messages(evaluateForm(form, { ...elder, district: undefined, satisfied: '1' }, opts()))).toEqual({
      reason: '入力してください',
    });
    const three = evaluateForm(
      form,
      { ...elder, district: undefined, satisfied: '3', reason: 'よい' },
      opts(),
    );
    expect(three.visible.reason).toBe(false);
    expect(three.dropped).toEqual(['reason']);
  });

  it('chains: hiding an item hides what depends on it, and their answers are dropped', () => {
    const f = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p',
            sections: [
              {
                code: 's',
                items: [
                  { type: 'singleChoice', code: 'a', label: 'A', options: choices('on', 'off') },
                  {
                    type: 'singleChoice',
                    code: 'b',
                    label: 'B',
                    options: choices('on', 'off'),
                    showWhen: { op: 'equals', item: 'a', value: 'on' },
                  },
                  {
                    type: 'shortText',
                    code: 'c',
                    label: 'C',
                    required: true,
                    showWhen: { op: 'equals', item: 'b', value: 'on' },
                  },
                  {
                    type: 'shortText',
                    code: 'd',
                    label: 'D',
                    showWhen: { op: 'not', condition: { op: 'answered', item: 'c' } },
                  },
                ],
              },
            ],
          },
        ],
      },
      1,
    );
    const all = evaluateForm(f, { a: 'on', b: 'on', c: 'ok' }, opts());
    expect(all.visible).toMatchObject({ b: true, c: true, d: false });
    const cut = evaluateForm(f, { a: 'off', b: 'on', c: 'ok', d: 'x' }, opts());
    expect(cut.visible).toMatchObject({ b: false, c: false, d: true });
    expect(cut.answers).toEqual({ a: 'off', d: 'x' });
    expect(cut.dropped).toEqual(['b', 'c']);
    expect(cut.errors).toEqual([]);
  });

  it('dates compare against today (JST); numbers against the answer', () => {
    const f = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p',
            sections: [
              {
                code: 's',
                items: [
                  { type: 'date', code: 'moved', label: '転入日' },
                  {
                    type: 'shortText',
                    code: 'recent',
                    label: '前住所',
                    showWhen: { op: 'onOrAfter', item: 'moved', value: 'today-30' },
                  },
                  { type: 'number', code: 'n', label: '世帯人数', integer: true },
                  {
                    type: 'shortText',
                    code: 'big',
                    label: '内訳',
                    showWhen: { op: 'gt', item: 'n', value: 4 },
                  },
                  {
                    type: 'shortText',
                    code: 'fy',
                    label: '年度',
                    showWhen: { op: 'before', item: 'moved', value: '2026-01-01' },
                  },
                ],
              },
            ],
          },
        ],
      },
      1,
    );
    const v = (answers: object) => evaluateForm(f, answers, opts()).visible;
    expect(v({ moved: '2026-03-02', n: 5 })).toMatchObject({ recent: true, big: true, fy: false });
    expect(v({ moved: '2026-03-01', n: 4 })).toMatchObject({ recent: false, big: false, fy: false });
    expect(v({ moved: '2025-12-31' })).toMatchObject({ recent: false, big: false, fy: true });
    expect(v({})).toMatchObject({ recent: false, big: false, fy: false });
  });

  it('compares phone and postal answers in their normalised form', () => {
    const f = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p',
            sections: [
              {
                code: 's',
                items: [
                  { type: 'postalCode', code: 'zip', label: '郵便番号' },
                  {
                    type: 'shortText',
                    code: 'x',
                    label: 'X',
                    showWhen: { op: 'equals', item: 'zip', value: '5110061' },
                  },
                ],
              },
            ],
          },
        ],
      },
      1,
    );
    expect(evaluateForm(f, { zip: '〒511－0061' }, opts()).visible.x).toBe(true);
  });
});

describe('repeating sections', () => {
  const kid = (name: string, born: string, more: object = {}) => ({
    child_name: name,
    child_born: born,
    ...more,
  });

  it('evaluates conditions per entry and reports paths per entry', () => {
    const r = evaluateForm(
      form,
      {
        ...valid(),
        children: [
          kid('一郎', '2015-06-01', { allergy: 'yes', school: '桑名小学校' }),
          kid('二郎', '2022-06-01', { allergy: 'no', allergy_detail: '卵', school: '保育園' }),
          { child_name: '', allergy: 'yes' },
        ],
      },
      opts(),
    );
    expect(r.visible).toMatchObject({
      'children.0.allergy_detail': true,
      'children.0.school': true,
      'children.1.allergy_detail': false,
      'children.1.school': false,
      'children.2.allergy_detail': true,
    });
    expect(messages(r)).toEqual({
      'children.0.allergy_detail': '入力してください',
      'children.2.child_name': '入力してください',
      'children.2.child_born': '日付を入力してください',
      'children.2.allergy_detail': '入力してください',
    });
    expect(r.dropped).toEqual(['children.1.allergy_detail', 'children.1.school']);
    expect(r.derived['children.1.child_born']).toEqual({ kind: 'age', age: 3 });
  });

  it('keeps entries in their positions in the clean answers', () => {
    const r = evaluateForm(
      form,
      { ...valid(), children: [kid('一郎', '2015-06-01'), kid('二郎', '2022-06-01')] },
      opts(),
    );
    expect(r.answers.children).toEqual([
      { child_name: '一郎', child_born: '2015-06-01' },
      { child_name: '二郎', child_born: '2022-06-01' },
    ]);
  });

  it('refuses more entries than the maximum and fewer than the minimum', () => {
    const four = Array.from({ length: 4 }, (_, i) => kid(`子${i}`, '2020-01-01'));
    const r = evaluateForm(form, { ...valid(), children: four }, opts());
    expect(messages(r)).toEqual({ children: 'お子さまは3件まで入力できます' });
    expect(r.answers.children).toHaveLength(3);
    const f = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p',
            sections: [
              {
                code: 'members',
                title: '世帯員',
                repeat: { min: 1, max: 5 },
                items: [{ type: 'shortText', code: 'm', label: '氏名' }],
              },
            ],
          },
        ],
      },
      1,
    );
    expect(messages(evaluateForm(f, {}, opts()))).toEqual({ members: '世帯員を1件以上入力してください' });
    expect(messages(evaluateForm(f, { members: [] }, opts()))).toEqual({
      members: '世帯員を1件以上入力してください',
    });
    expect(evaluateForm(f, { members: [{ m: '山田' }] }, opts()).ok).toBe(true);
  });

  it('refuses entries that are not objects, unknown keys in entries and a non-list', () => {
    expect(
      messages(
        evaluateForm(form, { ...valid(), children: [kid('一郎', '2015-06-01', { name: 'x' }), 'x'] }, opts()),
      ),
    ).toEqual({
      'children.0.name': 'この項目はフォームにありません',
      'children.1': '回答の形式が正しくありません',
    });
    expect(messages(evaluateForm(form, { ...valid(), children: { child_name: 'x' } }, opts()))).toEqual({
      children: '回答の形式が正しくありません',
    });
  });

  it('drops the entries of a hidden repeating section', () => {
    const r = evaluateForm(form, { ...valid(), topics: ['bosai'] }, opts());
    expect(r.visible).toMatchObject({ children: false, 'children.0.child_name': false });
    expect(r.answers).not.toHaveProperty('children');
    expect(r.dropped).toEqual(['children']);
  });
});

describe('hidden, staff-only and unknown answers', () => {
  it('drops answers to hidden and staff-only items while a resident types', () => {
    const r = evaluateForm(form, { ...valid(), mail: 'a@example.jp', status: 'done', memo: 'x' }, opts());
    expect(r.ok).toBe(true);
    expect(r.dropped).toEqual(['mail', 'status', 'memo']);
    expect(r.answers).not.toHaveProperty('mail');
    expect(r.answers).not.toHaveProperty('status');
  });

  it('refuses them item by item when asked to (the server)', () => {
    const r = evaluateForm(
      form,
      { ...valid(), mail: 'a@example.jp', status: 'done' },
      opts({ hiddenAnswers: 'refuse' }),
    );
    expect(messages(r)).toEqual({
      mail: 'この項目は入力内容により表示されないため、回答を送れません。画面を読み込み直して、もう一度お試しください',
      status: 'この項目には回答できません',
    });
  });

  it('refuses the entries of a hidden repeating section in one message (the server)', () => {
    const r = evaluateForm(
      form,
      { ...valid(), topics: ['bosai'], children: [{ child_name: '一郎', child_born: '2015-06-01' }] },
      opts({ hiddenAnswers: 'refuse' }),
    );
    expect(messages(r)).toEqual({
      children:
        'この項目は入力内容により表示されないため、回答を送れません。画面を読み込み直して、もう一度お試しください',
    });
  });

  it('refuses items the form does not have, anywhere', () => {
    const r = evaluateForm(form, { ...valid(), admin: true, p_request: 'x', child_name: 'x' }, opts());
    expect(messages(r)).toEqual({
      admin: 'この項目はフォームにありません',
      p_request: 'この項目はフォームにありません',
      child_name: 'この項目はフォームにありません',
    });
    expect(messages(evaluateForm(form, [1, 2], opts()))).toEqual({ '': '回答の形式が正しくありません' });
  });

  it('never reads Object.prototype for an item coded like one of its properties', () => {
    const f = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p',
            sections: [
              { code: 's', items: [{ type: 'shortText', code: 'constructor', label: 'A', required: true }] },
            ],
          },
        ],
      },
      1,
    );
    expect(messages(evaluateForm(f, {}, opts()))).toEqual({ constructor: '入力してください' });
    expect(
      messages(evaluateForm(f, JSON.parse('{"__proto__": {"x": 1}, "constructor": "ok"}'), opts())),
    ).toEqual({
      ['__proto__']: 'この項目はフォームにありません',
    });
  });

  it('shows staff the staff-only items and requires them', () => {
    const r = evaluateForm(form, valid(), opts({ audience: 'staff' }));
    expect(r.visible).toMatchObject({ office: true, status: true, memo: false });
    expect(messages(r)).toEqual({ status: '選んでください' });
    const done = evaluateForm(
      form,
      { ...valid(), status: 'done', memo: '電話済み' },
      opts({ audience: 'staff' }),
    );
    expect(done.ok).toBe(true);
    expect(done.answers).toMatchObject({ status: 'done', memo: '電話済み' });
  });

  it('hides pages and sections that have nothing to show to this audience', () => {
    const f = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p1',
            sections: [
              {
                code: 'ask',
                items: [
                  { type: 'singleChoice', code: 'a', label: 'A', options: choices('y', 'n') },
                  {
                    type: 'shortText',
                    code: 'b',
                    label: 'B',
                    showWhen: { op: 'equals', item: 'a', value: 'y' },
                  },
                ],
              },
              {
                code: 'follow',
                title: '追加の質問',
                items: [
                  {
                    type: 'shortText',
                    code: 'c',
                    label: 'C',
                    showWhen: { op: 'equals', item: 'a', value: 'y' },
                  },
                ],
              },
            ],
          },
          {
            code: 'p2',
            title: '職員用',
            sections: [
              { code: 'office', items: [{ type: 'longText', code: 'memo', label: 'メモ', staffOnly: true }] },
            ],
          },
        ],
      },
      1,
    );
    expect(evaluateForm(f, { a: 'n' }, opts()).visible).toMatchObject({
      p1: true,
      ask: true,
      follow: false,
      p2: false,
      office: false,
    });
    expect(evaluateForm(f, { a: 'y' }, opts({ audience: 'staff' })).visible).toMatchObject({
      follow: true,
      p2: true,
      office: true,
    });
  });

  it('checks and returns only staff-only items when staff fill them in', () => {
    const answers = { ...valid(), tel: 'broken', status: 'done', memo: '対応済み' };
    const r = evaluateForm(form, answers, opts({ audience: 'staff', only: 'staffItems' }));
    expect(r.errors).toEqual([]);
    expect(r.answers).toEqual({ status: 'done', memo: '対応済み' });
    expect(
      messages(
        evaluateForm(form, { ...valid(), status: 'later' }, opts({ audience: 'staff', only: 'staffItems' })),
      ),
    ).toEqual({
      status: '選択肢の中から選んでください',
    });
    expect(() => evaluateForm(form, {}, opts({ only: 'staffItems' }))).toThrow();
  });
});

describe('validateSubmission (the server)', () => {
  it('accepts the version being answered and returns what to store', () => {
    const r = validateSubmission(
      form,
      { version: 3, answers: valid() },
      { audience: 'resident', now, postalLookup: lookup },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.version).toBe(3);
    expect(r.answers.tel).toBe('0594241111');
    expect(r.files[0]).toMatchObject({ path: 'answers.docs', maxBytes: 5 * 1024 * 1024 });
  });

  it('refuses answers to another version', () => {
    const r = validateSubmission(form, { version: 2, answers: valid() }, { audience: 'resident', now });
    expect(r).toEqual({
      ok: false,
      reason: 'version',
      title: 'フォームの内容が更新されました',
      errors: [
        {
          path: 'version',
          message: 'このフォームは内容が更新されました。画面を読み込み直して、もう一度入力してください',
        },
      ],
    });
  });

  it('refuses a body that is not { version, answers }', () => {
    for (const body of [
      null,
      { answers: valid() },
      { version: '3', answers: valid() },
      { version: 3, answers: [] },
    ])
      expect(validateSubmission(form, body, { audience: 'resident', now })).toMatchObject({
        ok: false,
        reason: 'invalid',
      });
  });

  it('refuses a tampered submission with one message per item', () => {
    const tampered = {
      ...valid(),
      name: undefined,
      mail: 'hidden@example.jp',
      memo: 'staff',
      topics: ['kosodate', 'kenko', 'bosai', 'event'],
      docs: [
        { id: 'a', name: 'a.pdf', size: 6 * 1024 * 1024, type: 'application/pdf' },
        { id: 'b', name: 'b.pdf', size: 10, type: 'application/pdf' },
        { id: 'c', name: 'c.pdf', size: 10, type: 'application/pdf' },
      ],
      people: 11,
      hacked: 'x',
      children: [{ child_name: '一郎', child_born: '2015-06-01', allergy: 'maybe' }],
    };
    const r = validateSubmission(
      form,
      { version: 3, answers: tampered },
      { audience: 'resident', now, postalLookup: lookup },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.title).toBe('入力内容を確認してください');
    expect(Object.fromEntries(r.errors.map((e) => [e.path, e.message]))).toEqual({
      'answers.hacked': 'この項目はフォームにありません',
      'answers.name': '入力してください',
      'answers.mail':
        'この項目は入力内容により表示されないため、回答を送れません。画面を読み込み直して、もう一度お試しください',
      'answers.topics': '3件まで選べます',
      'answers.people': '10人以下で入力してください',
      'answers.docs': 'ファイルは2件まで添付できます',
      'answers.docs.0': '「a.pdf」は5MBを超えています。5MB以下のファイルにしてください',
      'answers.children.0.allergy': '選択肢の中から選んでください',
      'answers.memo': 'この項目には回答できません',
    });
  });
});

describe('helpers for pages', () => {
  it('carries answers over to a new version by code, type and remaining options', () => {
    const next = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p',
            sections: [
              {
                code: 's',
                items: [
                  { type: 'shortText', code: 'name', label: '氏名' },
                  { type: 'email', code: 'tel', label: '連絡先メール' },
                  {
                    type: 'multipleChoice',
                    code: 'topics',
                    label: '分野',
                    options: choices('kosodate', 'gomi'),
                  },
                ],
              },
              {
                code: 'children',
                repeat: { max: 1 },
                items: [{ type: 'shortText', code: 'child_name', label: '氏名' }],
              },
            ],
          },
        ],
      },
      4,
    );
    const moved = carryOverAnswers(form, next, {
      name: '桑名',
      tel: '0594241111',
      topics: ['kosodate', 'kenko'],
      kind: 'window',
      children: [{ child_name: '一郎', child_born: '2015-06-01' }, { child_name: '二郎' }],
    });
    expect(moved.answers).toEqual({ name: '桑名', topics: ['kosodate'], children: [{ child_name: '一郎' }] });
    expect(moved.dropped).toEqual(['tel', 'topics', 'kind', 'children.1', 'children.0.child_born']);
  });

  it('describes paths in words', () => {
    expect(describePath(form, 'tel')).toBe('電話番号');
    expect(describePath(form, 'home.city')).toBe('住所（市区町村）');
    expect(describePath(form, 'docs.1')).toBe('添付書類（2件目）');
    expect(describePath(form, 'children.1.child_born')).toBe('お子さま（2件目）の生年月日');
    expect(describePath(form, 'children')).toBe('お子さま');
    expect(describePath(form, 'p_survey')).toBe('アンケート');
    expect(describePath(form, 'nothing')).toBe('nothing');
  });
});

describe('a big form', () => {
  it('validates 200 items with a repeating section of 3 entries, again and again with the same result', () => {
    const items = (prefix: string, n: number): FormItemInput[] =>
      Array.from({ length: n }, (_, i): FormItemInput => {
        const code = `${prefix}${i}`;
        const prev = `${prefix}${i - 1}`;
        switch (i % 5) {
          case 0:
            return {
              type: 'singleChoice',
              code,
              label: `設問${i}`,
              required: true,
              options: choices('y', 'n'),
            };
          case 1:
            return {
              type: 'shortText',
              code,
              label: `設問${i}`,
              showWhen: { op: 'equals', item: prev, value: 'y' },
              required: true,
            };
          case 2:
            return { type: 'number', code, label: `設問${i}`, min: 0, max: 100 };
          case 3:
            return {
              type: 'phone',
              code,
              label: `設問${i}`,
              requiredWhen: { op: 'gt', item: prev, value: 50 },
            };
          default:
            return {
              type: 'multipleChoice',
              code,
              label: `設問${i}`,
              options: choices('a', 'b', 'c'),
              maxSelect: 2,
            };
        }
      });
    const big = compileForm(
      {
        schemaVersion: 1,
        pages: Array.from({ length: 4 }, (_, p) => ({
          code: `page${p}`,
          sections: [{ code: `sec${p}`, items: items(`p${p}_`, 40) }],
        })).concat([
          {
            code: 'page_r',
            sections: [{ code: 'entries', repeat: { max: 3 }, items: items('r_', 40) } as never],
          },
        ]),
      },
      1,
    );
    const answer = (prefix: string) =>
      Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => {
          const code = `${prefix}${i}`;
          return [code, ['y', 'ある', '60', '090-1234-5678', ['a']][i % 5]];
        }),
      );
    const answers = {
      ...answer('p0_'),
      ...answer('p1_'),
      ...answer('p2_'),
      ...answer('p3_'),
      entries: [answer('r_'), answer('r_'), answer('r_')],
    };
    const first = evaluateForm(big, answers, opts());
    expect(first.errors).toEqual([]);
    expect(Object.keys(first.answers)).toHaveLength(161);
    expect(first.answers.entries).toHaveLength(3);
    for (let i = 0; i < 50; i++) expect(evaluateForm(big, answers, opts())).toEqual(first);
    const broken = evaluateForm(big, { ...answers, p0_3: '' }, opts());
    expect(messages(broken)).toEqual({ p0_3: '入力してください' });
  });
});
