import { describe, expect, it } from 'vitest';
import {
  compileForm,
  FORM_TEMPLATES,
  parseFormDefinition,
  type FormAnswers,
  type FormDefinitionInput,
} from '../../contracts/index.js';
import {
  answerCell,
  facetsOf,
  rangePrefilter,
  mergeAnswers,
  repeatCounts,
  searchQueryOf,
  searchVectorOf,
  splitAnswers,
} from './form-answers.js';
import { cleanFileName, sniffFormFile } from './form-files.js';
import { formState, residentDefinition } from './forms.service.js';
import { FORM_TEMPLATE_CONTENT } from './form-templates.js';
import { DEFAULT_FORM_SETTINGS } from '../../contracts/index.js';

const DEF: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      sections: [
        {
          code: 's1',
          items: [
            { type: 'shortText', code: 'name', label: '氏名', personal: true },
            { type: 'email', code: 'mail', label: 'メール' },
            {
              type: 'hierarchyChoice',
              code: 'area',
              label: '地区',
              options: [{ code: 'north', label: '北部', children: [{ code: 'kuma', label: '熊山' }] }],
            },
            {
              type: 'multipleChoice',
              code: 'topics',
              label: '関心',
              options: [
                { code: 'a', label: '子育て' },
                { code: 'b', label: '防災' },
              ],
            },
            { type: 'longText', code: 'opinion', label: '意見' },
            { type: 'number', code: 'count', label: '人数' },
          ],
        },
        {
          code: 'kids',
          repeat: { max: 3, itemName: 'お子さま' },
          items: [
            { type: 'birthday', code: 'kid_birthday', label: '生年月日' },
            {
              type: 'singleChoice',
              code: 'kid_school',
              label: '学校',
              options: [{ code: 'e', label: '小学校' }],
            },
          ],
        },
        {
          code: 'staff',
          staffOnly: true,
          items: [{ type: 'longText', code: 'note', label: 'メモ' }],
        },
      ],
    },
  ],
};
const form = compileForm(DEF, 1);
const ANSWERS: FormAnswers = {
  name: '山田\u3000太郎',
  mail: 'taro@example.jp',
  area: 'kuma',
  topics: ['a', 'b'],
  opinion: '市役所の駐車場が狭いです',
  count: 3,
  kids: [{ kid_birthday: '2018-05-01', kid_school: 'e' }, { kid_school: 'e' }],
};

describe('how answers are stored (decision 0011)', () => {
  it('seals personal items (by type or marked) and keeps the rest, entries aligned', () => {
    const { plain, personal } = splitAnswers(form, ANSWERS);
    expect(plain).toEqual({
      area: 'kuma',
      topics: ['a', 'b'],
      opinion: '市役所の駐車場が狭いです',
      count: 3,
      kids: [{ kid_school: 'e' }, { kid_school: 'e' }],
    });
    expect(personal).toEqual({
      name: '山田\u3000太郎',
      mail: 'taro@example.jp',
      kids: [{ kid_birthday: '2018-05-01' }, {}],
    });
    expect(mergeAnswers(plain, personal)).toEqual(ANSWERS);
    expect(splitAnswers(form, { count: 1 }).personal).toBeNull();
  });

  it('facets: answered items (personal too, without content), chosen options and the areas above them', () => {
    expect(facetsOf(form, ANSWERS)).toEqual([
      'area',
      'area=kuma',
      'area^north',
      'count',
      'count#1:0',
      'count#3:0',
      'count#5:0',
      'kid_birthday',
      'kid_school',
      'kid_school=e',
      'mail',
      'name',
      'opinion',
      'topics',
      'topics=a',
      'topics=b',
    ]);
    expect(repeatCounts(form, ANSWERS)).toEqual({ kids: 2 });
  });

  it('range facets: buckets of numbers and dates, and the buckets a closed range needs', () => {
    const dated = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p1',
            sections: [
              {
                code: 's1',
                items: [
                  { type: 'number', code: 'age', label: '年齢', integer: false },
                  { type: 'date', code: 'visit', label: '来庁日' },
                  { type: 'number', code: 'income', label: '収入', personal: true },
                ],
              },
            ],
          },
        ],
      },
      1,
    );
    expect(facetsOf(dated, { age: 42, visit: '2026-04-15', income: 5_000_000 })).toEqual([
      'age',
      'age#1:4',
      'age#3:0',
      'age#5:0',
      'income',
      'visit',
      'visit@2026',
      'visit@2026-04',
    ]);
    expect(facetsOf(dated, { age: -0.5 }).filter((f) => f.startsWith('age#'))).toEqual([
      'age#1:-1',
      'age#3:-1',
      'age#5:-1',
    ]);
    // The narrowest bucket size that covers the range in at most 16 buckets.
    expect(rangePrefilter('age', 'number', 30, 49)).toEqual(['age#1:3', 'age#1:4']);
    expect(rangePrefilter('age', 'number', 0, 150)).toEqual(
      Array.from({ length: 16 }, (_, i) => `age#1:${i}`),
    );
    expect(rangePrefilter('yen', 'number', 1000, 9999)).toEqual([
      'yen#3:1',
      'yen#3:2',
      'yen#3:3',
      'yen#3:4',
      'yen#3:5',
      'yen#3:6',
      'yen#3:7',
      'yen#3:8',
      'yen#3:9',
    ]);
    expect(rangePrefilter('yen', 'number', 0, 5e7)).toBeNull();
    expect(rangePrefilter('age', 'number', 50, 40)).toBeNull();
    expect(rangePrefilter('visit', 'date', '2025-11-20', '2026-02-03')).toEqual([
      'visit@2025-11',
      'visit@2025-12',
      'visit@2026-01',
      'visit@2026-02',
    ]);
    expect(rangePrefilter('visit', 'date', '2020-01-01', '2026-12-31')).toEqual(
      Array.from({ length: 7 }, (_, i) => `visit@${2020 + i}`),
    );
    expect(rangePrefilter('visit', 'date', '1900-01-01', '2026-12-31')).toBeNull();
  });

  it('search vector: bigrams of non-personal free text only, queried as phrases', () => {
    const v = searchVectorOf(form, ANSWERS);
    expect(v).toContain("'駐車':");
    expect(v).not.toContain('山田');
    expect(v).not.toContain('taro');
    expect(searchQueryOf('駐車場')).toBe("('駐車' <-> '車場')");
    expect(searchQueryOf('市 ＰＣ')).toBe("'市':* & 'pc'");
    expect(searchQueryOf("it's O'Neil")).toBe("'it' & 's':* & 'o':* & ('ne' <-> 'ei' <-> 'il')");
    expect(searchQueryOf('   ')).toBeNull();
  });

  it('CSV cells: labels (hierarchies as paths), several joined, numbers as numbers', () => {
    expect(answerCell(form.items.get('area')!, 'kuma')).toBe('北部／熊山');
    expect(answerCell(form.items.get('topics')!, ['a', 'b'])).toBe('子育て、防災');
    expect(answerCell(form.items.get('count')!, 3)).toBe(3);
    expect(answerCell(form.items.get('name')!, '=HYPERLINK("x")')).toBe('=HYPERLINK("x")');
  });

  it('the resident view drops staff-only sections and still parses', () => {
    const def = residentDefinition(form.definition);
    expect(def.pages[0]!.sections.map((s) => s.code)).toEqual(['s1', 'kids']);
    expect(parseFormDefinition(def).ok).toBe(true);
  });
});

describe('form state for residents (FORM-5)', () => {
  const base = { status: 'published' as const, publishedVersion: 1, responses: 0 };
  const now = new Date('2026-04-01T00:00:00Z');
  const settings = { ...DEFAULT_FORM_SETTINGS, notifyEmails: [] };
  it('closed, not yet, limit, one answer', () => {
    expect(formState(base, settings, now, 0)).toBe('open');
    expect(formState({ ...base, status: 'closed' }, settings, now, 0)).toBe('closed');
    expect(formState(base, { ...settings, closesAt: '2026-04-01T09:00:00+09:00' }, now, 0)).toBe('closed');
    expect(formState(base, { ...settings, opensAt: '2026-04-01T10:00:00+09:00' }, now, 0)).toBe('not_yet');
    expect(formState({ ...base, responses: 5 }, { ...settings, responseLimit: 5 }, now, 0)).toBe(
      'limit_reached',
    );
    expect(formState(base, { ...settings, answersPerResident: 'one' }, now, 1)).toBe('already_answered');
    expect(
      formState(
        { ...base, responses: 5 },
        { ...settings, answersPerResident: 'one', editableAfterSubmit: true, responseLimit: 5 },
        now,
        1,
      ),
    ).toBe('open');
  });
});

describe('templates', () => {
  it.each(FORM_TEMPLATES)('%s parses and can be published for residents', (key) => {
    const parsed = parseFormDefinition(FORM_TEMPLATE_CONTENT[key].definition);
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    if (parsed.ok) expect(parseFormDefinition(residentDefinition(parsed.definition)).ok).toBe(true);
  });
});

describe('uploads: types from the bytes', () => {
  it('knows images, PDF, Office files and text, and refuses macros and binaries', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
    expect(sniffFormFile(jpeg, 'a.pdf')).toBe('image/jpeg');
    expect(sniffFormFile(Buffer.from('%PDF-1.7\n'), 'x')).toBe('application/pdf');
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(8)]);
    expect(sniffFormFile(heic, 'x')).toBe('image/heic');
    const docx = Buffer.concat([
      Buffer.from('PK\u0003\u0004'),
      Buffer.from('[Content_Types].xml word/document.xml'),
    ]);
    expect(sniffFormFile(docx, 'a.docx')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    const docm = Buffer.concat([docx, Buffer.from('word/vbaProject.bin')]);
    expect(sniffFormFile(docm, 'a.docx')).toBeNull();
    const xls = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.from('Workbook', 'utf16le'),
    ]);
    expect(sniffFormFile(xls, 'a.xls')).toBe('application/vnd.ms-excel');
    expect(sniffFormFile(Buffer.from('氏名,住所\n'), 'list.csv')).toBe('text/csv');
    expect(sniffFormFile(Buffer.from('メモ'), 'memo.txt')).toBe('text/plain');
    expect(sniffFormFile(Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03]), 'setup.txt')).toBeNull();
  });
  it('cleans file names', () => {
    expect(cleanFileName('C:\\Users\\me\\写真.jpg')).toBe('写真.jpg');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('a\u0000b"c.pdf')).toBe('a_b_c.pdf');
    expect(cleanFileName('')).toBe('file');
  });
});
