import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../platform/http/csv.js';
import { describeRule } from './describe.js';
import { parseGarbageCalendarCsv } from './garbage-calendar.js';
import { jstDate, jstInstant } from './jst.js';
import { nextOccurrence, recurrenceRuleSchema, type RecurrenceRuleInput } from './recurrence.js';
import {
  parseRecurrenceCsv,
  RECURRENCE_CSV_HEADER,
  recurrenceCsvRows,
  type RecurrenceCsvItem,
} from './recurrence-csv.js';

const H = RECURRENCE_CSV_HEADER;
const utf8 = (rows: string[][]) => toCsv(rows, { encoding: 'utf8' });
/** A row by heading, every other column empty. */
const row = (cells: Partial<Record<string, string>>) => H.map((h) => cells[h] ?? '');
const parseRows = (...rows: Array<Partial<Record<string, string>>>) =>
  parseRecurrenceCsv(utf8([[...H], ...rows.map(row)]));
const errorsOf = (r: ReturnType<typeof parseRecurrenceCsv>) =>
  r.errors.map((e) => [e.line, e.column, e.message]);

/** 600 varied patterns, the kind of file a municipality uploads (DEL-3: 500+). */
function sixHundredItems(): RecurrenceCsvItem[] {
  const items: RecurrenceCsvItem[] = [];
  const shapes: Array<(i: number) => RecurrenceRuleInput> = [
    (i) => ({ kind: 'once', date: `2027-0${(i % 9) + 1}-1${i % 10}`, time: '10:00' }),
    () => ({ kind: 'daily', time: '07:30', startDate: '2026-12-01', endDate: '2027-03-31' }),
    () => ({ kind: 'weekdays', time: '08:00', startDate: '2026-12-01', holidayPolicy: 'skip' }),
    (i) => ({
      kind: 'weekly',
      weekdays: [i % 7, (i + 3) % 7],
      intervalWeeks: (i % 3) + 1,
      time: '09:00',
      startDate: '2026-11-02',
    }),
    (i) => ({
      kind: 'monthlyDates',
      days: [1 + (i % 28), 30],
      time: '12:00',
      startDate: '2026-11-01',
      count: 12,
    }),
    () => ({
      kind: 'monthEnd',
      time: '17:00',
      startDate: '2026-11-01',
      holidayPolicy: 'previous-business-day',
      yearEndClosure: true,
    }),
    (i) => ({ kind: 'everyNDays', intervalDays: 2 + (i % 10), time: '06:00', startDate: '2026-11-03' }),
    (i) => ({
      kind: 'nthWeekday',
      ordinals: i % 2 === 0 ? [2] : [1, -1],
      weekdays: [2],
      time: '09:00',
      startDate: '2026-11-01',
      excludeDates: ['2026-12-08'],
      closedDates: ['2027-05-06'],
      holidayPolicy: 'next-business-day',
    }),
  ];
  for (let i = 0; i < 600; i++) {
    items.push({
      title: `地区${i + 1}のお知らせ`,
      rule: shapes[i % shapes.length]!(i),
      target: i % 4 === 0 ? '全員' : `地区${(i % 20) + 1}`,
      body: i % 5 === 0 ? `本文${i}\n2行目` : null,
    });
  }
  return items;
}

describe('parseRecurrenceCsv: bulk files', () => {
  it('reads 600 patterns exported by recurrenceCsvRows back into the same rules', () => {
    const items = sixHundredItems();
    const result = parseRecurrenceCsv(utf8(recurrenceCsvRows(items)));
    expect(result.errors).toEqual([]);
    expect(result.rows).toHaveLength(600);
    result.rows.forEach((r, i) => {
      expect(r.line).toBe(i + 2);
      expect(r.title).toBe(items[i]!.title);
      expect(r.rule).toEqual(recurrenceRuleSchema.parse(items[i]!.rule));
      expect(r.target).toBe(items[i]!.target);
      expect(r.body).toBe(items[i]!.body);
    });
  });

  it('reports exactly the 3 bad rows of a 600-row file, by spreadsheet row number', () => {
    const table = recurrenceCsvRows(sixHundredItems());
    const col = (h: string) => H.indexOf(h);
    table[41]![col('時刻')] = '25:00'; // row 42
    table[317]![col('種類')] = '毎年'; // row 318
    table[600]![col('終了日')] = '2020/1/1'; // row 601, the last, a repeating rule starting in 2026
    expect(table[600]![col('開始日')]).toBe('2026/11/01');
    const result = parseRecurrenceCsv(utf8(table));
    expect(errorsOf(result)).toEqual([
      [
        42,
        '時刻',
        '42行目 時刻: 時刻「25:00」を読み取れません。「9:00」のように0:00〜23:59で入力してください',
      ],
      [318, '種類', expect.stringMatching(/^318行目 種類: 種類「毎年」は使えません。1回・毎日・平日/)],
      [601, '終了日', '601行目 終了日: 終了日は開始日以降の日付にしてください'],
    ]);
    expect(result.rows).toHaveLength(597);
    expect(result.rows.map((r) => r.line)).not.toContain(42);
  });

  it('reads Shift_JIS (CP932) files as Excel on Japanese Windows saves them', () => {
    const bytes = toCsv(
      [
        [...H],
        row({
          タイトル: '髙橋地区①の資源回収',
          種類: '第n曜日',
          第n: '第2;第4',
          曜日: '水',
          時刻: '7:00',
          開始日: '2026/11/1',
          祝日の扱い: '翌営業日',
        }),
        row({
          タイトル: '粗大ごみ受付',
          種類: '毎月',
          日付: '1;15',
          時刻: '9:00:00',
          開始日: '2026年11月1日',
          除外日: '2027/1/1',
        }),
      ],
      { encoding: 'sjis' },
    );
    expect(bytes.includes(Buffer.from([0xfb, 0xfc]))).toBe(true); // 髙 in CP932
    const result = parseRecurrenceCsv(bytes);
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => [r.line, r.title, r.rule])).toEqual([
      [
        2,
        '髙橋地区①の資源回収',
        recurrenceRuleSchema.parse({
          kind: 'nthWeekday',
          ordinals: [2, 4],
          weekdays: [3],
          time: '07:00',
          startDate: '2026-11-01',
          holidayPolicy: 'next-business-day',
        }),
      ],
      [
        3,
        '粗大ごみ受付',
        recurrenceRuleSchema.parse({
          kind: 'monthlyDates',
          days: [1, 15],
          time: '09:00',
          startDate: '2026-11-01',
          excludeDates: ['2027-01-01'],
        }),
      ],
    ]);
    // The imported rule schedules: 2nd Wednesday of November 2026 is the 11th.
    expect(jstDate(nextOccurrence(result.rows[0]!.rule, jstInstant('2026-11-01', '00:00'))!)).toBe(
      '2026-11-11',
    );
  });

  it('reads UTF-8 with and without a BOM, and a string', () => {
    const text = `${H.join(',')}\r\n防災訓練,1回,,,,,10:00,2026-12-01,,,,,,,,\r\n`;
    for (const input of [
      Buffer.from(text, 'utf8'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      text,
    ]) {
      const r = parseRecurrenceCsv(input);
      expect(r.errors).toEqual([]);
      expect(r.rows[0]?.rule).toEqual({ kind: 'once', date: '2026-12-01', time: '10:00' });
    }
  });
});

describe('parseRecurrenceCsv: cells as people type them', () => {
  it('understands full-width digits, Japanese dates and times, weekday and ordinal spellings', () => {
    const r = parseRows(
      { タイトル: 'a', 種類: '毎週', 曜日: '月水金', 時刻: '９：３０', 開始日: '２０２６／１１／２' },
      { タイトル: 'b', 種類: '隔週', 曜日: '月曜日・木曜', 時刻: '9時', 開始日: '2026.11.2' },
      { タイトル: 'c', 種類: '3週ごと', 曜日: '日', 時刻: '9時30分', 開始日: '2026-11-01' },
      { タイトル: 'd', 種類: '10日ごと', 時刻: '6:00', 開始日: '2026-11-01', 回数: '5回' },
      { タイトル: 'e', 種類: '日ごと', 間隔: '3日', 時刻: '6:00', 開始日: '2026-11-01' },
      { タイトル: 'f', 種類: '第N曜日', 第n: '最終', 曜日: '金', 時刻: '18:00', 開始日: '2026-11-01' },
      {
        タイトル: 'g',
        種類: '月末',
        時刻: '17:00',
        開始日: '2026-11-01',
        年末年始休業: 'する',
        祝日の扱い: '前営業日',
        休業日: '2027/3/31；2027/4/30',
      },
      {
        タイトル: 'h',
        種類: '平日',
        時刻: '8:00',
        開始日: '2026-11-01',
        終了日: '2027/3/31',
        祝日の扱い: '配信しない',
      },
      {
        タイトル: '=これは数式ではない',
        種類: '毎日',
        時刻: '8:00',
        開始日: '2026-11-01',
        配信対象: '  子育て世帯  ',
      },
    );
    expect(r.errors).toEqual([]);
    expect(r.rows.map((x) => x.rule)).toEqual([
      {
        kind: 'weekly',
        weekdays: [1, 3, 5],
        intervalWeeks: 1,
        time: '09:30',
        startDate: '2026-11-02',
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'send',
      },
      {
        kind: 'weekly',
        weekdays: [1, 4],
        intervalWeeks: 2,
        time: '09:00',
        startDate: '2026-11-02',
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'send',
      },
      {
        kind: 'weekly',
        weekdays: [0],
        intervalWeeks: 3,
        time: '09:30',
        startDate: '2026-11-01',
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'send',
      },
      {
        kind: 'everyNDays',
        intervalDays: 10,
        time: '06:00',
        startDate: '2026-11-01',
        count: 5,
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'send',
      },
      {
        kind: 'everyNDays',
        intervalDays: 3,
        time: '06:00',
        startDate: '2026-11-01',
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'send',
      },
      {
        kind: 'nthWeekday',
        ordinals: [-1],
        weekdays: [5],
        time: '18:00',
        startDate: '2026-11-01',
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'send',
      },
      {
        kind: 'monthEnd',
        time: '17:00',
        startDate: '2026-11-01',
        excludeDates: [],
        closedDates: ['2027-03-31', '2027-04-30'],
        yearEndClosure: true,
        holidayPolicy: 'previous-business-day',
      },
      {
        kind: 'weekdays',
        time: '08:00',
        startDate: '2026-11-01',
        endDate: '2027-03-31',
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'skip',
      },
      {
        kind: 'daily',
        time: '08:00',
        startDate: '2026-11-01',
        excludeDates: [],
        closedDates: [],
        yearEndClosure: false,
        holidayPolicy: 'send',
      },
    ]);
    expect(r.rows[8]).toMatchObject({ title: '=これは数式ではない', target: '子育て世帯', body: null });
  });

  it('accepts headers in any order, optional columns left out', () => {
    const r = parseRecurrenceCsv(
      utf8([
        ['開始日', '時刻', '種類', 'タイトル'],
        ['2026/12/1', '9:00', '毎日', '朝のお知らせ'],
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.rows[0]).toMatchObject({
      line: 2,
      title: '朝のお知らせ',
      rule: { kind: 'daily', startDate: '2026-12-01' },
    });
  });

  it('skips empty rows but keeps spreadsheet row numbers', () => {
    const r = parseRecurrenceCsv(
      utf8([
        [...H],
        row({}),
        row({ タイトル: 'x', 種類: '毎日', 時刻: '9:00', 開始日: '2026/12/1' }),
        row({ タイトル: ' ' }),
        row({ 種類: '毎日' }),
      ]),
    );
    expect(r.rows.map((x) => x.line)).toEqual([3]);
    expect(errorsOf(r).map(([line, column]) => [line, column])).toEqual([
      [5, 'タイトル'],
      [5, '時刻'],
      [5, '開始日'],
    ]);
  });

  it('keeps Excel row numbers across blank text lines, but not across blank lines inside a quoted 本文', () => {
    const heading = 'タイトル,種類,時刻,開始日,本文';
    const lines = [
      heading,
      '', // row 2: a blank line typed in a text editor is an empty row in Excel
      '朝のお知らせ,毎日,9:00,2026/12/1,"おはようございます',
      '', // a blank paragraph inside the quoted cell: still row 3
      '今日も一日"',
      '', // row 4
      '',
      '夜のお知らせ,毎日,25:00,2026/12/1,', // row 6, bad time
      '',
    ];
    for (const eol of ['\r\n', '\n', '\r']) {
      const text = lines.join(eol);
      for (const input of [Buffer.from(text, 'utf8'), iconv.encode(text, 'cp932')]) {
        const r = parseRecurrenceCsv(input);
        expect(r.rows.map((x) => [x.line, x.body])).toEqual([
          [3, `おはようございます${eol}${eol}今日も一日`],
        ]);
        expect(errorsOf(r).map(([line, column]) => [line, column])).toEqual([[6, '時刻']]);
      }
    }
    // An empty first line after a BOM leaves row 1 without headings, as Excel shows it.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\r\n${heading}\r\n`)]);
    expect(errorsOf(parseRecurrenceCsv(bom))).toEqual([
      [1, null, expect.stringMatching(/^1行目: 見出しの行がありません/)],
    ]);
  });
});

describe('parseRecurrenceCsv: errors in Japanese, every one of them', () => {
  it('checks the header row', () => {
    expect(errorsOf(parseRecurrenceCsv(utf8([['タイトル', '種類', '時間', '開始日', '種類']])))).toEqual([
      [
        1,
        null,
        '1行目: C列の見出し「時間」は使えません。使える見出し: タイトル,種類,曜日,第n,日付,間隔,時刻,開始日,終了日,回数,除外日,休業日,年末年始休業,祝日の扱い,配信対象,本文',
      ],
      [1, null, '1行目: 見出し「種類」が2回あります'],
      [1, null, '1行目: 見出し「時刻」の列がありません'],
    ]);
    expect(errorsOf(parseRecurrenceCsv(Buffer.from('')))).toEqual([
      [1, null, expect.stringContaining('1行目: 見出しの行がありません')],
    ]);
  });

  it('turns an unreadable file into one error instead of an exception', () => {
    const r = parseRecurrenceCsv(Buffer.from(`${H.join(',')}\n"閉じない,毎日\n`));
    expect(errorsOf(r)).toEqual([
      [2, null, 'CSVの形式が正しくありません（2行目: 引用符が閉じられていません）'],
    ]);
    expect(r.rows).toEqual([]);
    expect(errorsOf(parseRecurrenceCsv(Buffer.from([0xff, 0xfe, 0x41, 0x00])))[0]?.[2]).toMatch(/UTF-16/);
  });

  it('reports bad cells with their column', () => {
    const r = parseRows(
      { タイトル: '', 種類: '毎年', 時刻: '9:61', 開始日: '2026/2/30' },
      { タイトル: 'a', 種類: '毎週', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'b', 種類: '毎週', 曜日: '月;祝', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'c', 種類: '毎月', 日付: '月末', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'd', 種類: '毎月', 日付: '1;32', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'e', 種類: '日ごと', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'f', 種類: '隔週', 曜日: '月', 間隔: '3', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'g', 種類: '第n曜日', 曜日: '火', 第n: '第6', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'h', 種類: '毎日', 曜日: '月', 時刻: '9:00', 開始日: '2026/11/1' },
      { タイトル: 'i', 種類: '1回', 時刻: '9:00', 開始日: '2026/11/1', 祝日の扱い: '翌営業日' },
      { タイトル: 'j', 種類: '毎日', 時刻: '9:00', 開始日: '2026/11/1', 終了日: '2027/3/31', 回数: '10' },
      {
        タイトル: 'k',
        種類: '毎日',
        時刻: '9:00',
        開始日: '2026/11/1',
        除外日: '2026/12/1;12月8日',
        祝日の扱い: 'たぶん',
        年末年始休業: '要',
      },
      { タイトル: 'l', 種類: '毎日', 時刻: '9:00', 開始日: '2026/11/1', 回数: '0' },
      { タイトル: 'x'.repeat(101), 種類: '毎日', 時刻: '9:00', 開始日: '2026/11/1', 本文: 'あ'.repeat(5001) },
    );
    expect(errorsOf(r)).toEqual([
      [2, 'タイトル', '2行目 タイトル: タイトルを入力してください'],
      [2, '種類', expect.stringContaining('2行目 種類: 種類「毎年」は使えません')],
      [2, '時刻', '2行目 時刻: 時刻「9:61」を読み取れません。「9:00」のように0:00〜23:59で入力してください'],
      [
        2,
        '開始日',
        '2行目 開始日: 開始日「2026/2/30」を読み取れません。「2026-04-01」または「2026/4/1」の形で、実在する日付を入力してください',
      ],
      [3, '曜日', '3行目 曜日: 曜日を入力してください（例: 月;水;金）'],
      [
        4,
        '曜日',
        '4行目 曜日: 曜日「月;祝」を読み取れません。「月;水;金」のように日月火水木金土で入力してください',
      ],
      [5, '日付', '5行目 日付: 月末に配信するときは種類を「月末」にしてください'],
      [6, '日付', '6行目 日付: 日付は1〜31で指定してください'],
      [7, '間隔', '7行目 間隔: 「日ごと」では間隔（何日ごとか）を入力してください'],
      [8, '間隔', '8行目 間隔: 種類「隔週」と間隔「3」が合いません。どちらかを直してください'],
      [
        9,
        '第n',
        '9行目 第n: 第n「第6」を読み取れません。1〜5または「最終」を「;」で区切って入力してください',
      ],
      [10, '曜日', '10行目 曜日: 種類「毎日」では曜日は使いません。空欄にするか、種類を見直してください'],
      [
        11,
        '祝日の扱い',
        '11行目 祝日の扱い: 種類「1回」では祝日の扱いは使いません。空欄にするか、種類を見直してください',
      ],
      [12, '回数', '12行目 回数: 終了日と回数はどちらか一方だけ指定してください'],
      [
        13,
        '除外日',
        '13行目 除外日: 除外日「12月8日」を読み取れません。「2026-04-01」または「2026/4/1」の形で、実在する日付を入力してください（複数は「;」で区切ります）',
      ],
      [13, '年末年始休業', '13行目 年末年始休業: 年末年始休業「要」は「する」か「しない」で入力してください'],
      [
        13,
        '祝日の扱い',
        '13行目 祝日の扱い: 祝日の扱い「たぶん」は「配信する」「配信しない」「翌営業日」「前営業日」のどれかにしてください',
      ],
      [14, '回数', '14行目 回数: 回数は1以上にしてください'],
      [15, 'タイトル', '15行目 タイトル: タイトルは100文字以内にしてください'],
      [15, '本文', '15行目 本文: 本文は5,000文字以内にしてください（LINEの上限）'],
    ]);
    expect(r.rows).toEqual([]);
  });

  it('reports a value in a column without a heading (a shifted row)', () => {
    const r = parseRecurrenceCsv(
      utf8([
        ['タイトル', '種類', '時刻', '開始日'],
        ['a', '毎日', '9:00', '2026/11/1', 'はみ出し'],
      ]),
    );
    expect(errorsOf(r)).toEqual([
      [2, null, '2行目: 見出しのないE列に値「はみ出し」が入っています。不要な値を消してください'],
    ]);
  });

  it('refuses a file with too many rows with one clear error', () => {
    const rows = [
      [...H],
      ...Array.from({ length: 4 }, () =>
        row({ タイトル: 'a', 種類: '毎日', 時刻: '9:00', 開始日: '2026/11/1' }),
      ),
    ];
    expect(errorsOf(parseRecurrenceCsv(utf8(rows), { maxRows: 3 }))).toEqual([
      [1, null, '1行目: 行が多すぎます（4行）。1つのファイルは3行までにして、分けて取り込んでください'],
    ]);
  });

  it('a Shift_JIS file with a bad row reports the same row number', () => {
    const bytes = iconv.encode(
      `${H.join(',')}\r\n資源回収,毎週,水,,,,7:00,2026/11/1,,,,,,,,\r\n資源回収,毎週,水曜,,,,7:00,2026/11/31,,,,,,,,\r\n`,
      'cp932',
    );
    const r = parseRecurrenceCsv(bytes);
    expect(errorsOf(r)).toEqual([
      [
        3,
        '開始日',
        '3行目 開始日: 開始日「2026/11/31」を読み取れません。「2026-04-01」または「2026/4/1」の形で、実在する日付を入力してください',
      ],
    ]);
    expect(r.rows.map((x) => x.line)).toEqual([2]);
  });
});

describe('docs/delivery-schedule-csv.md', () => {
  const doc = readFileSync(new URL('../../../../../docs/delivery-schedule-csv.md', import.meta.url), 'utf8');
  const examples = [...doc.matchAll(/```csv\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('documents every column the parser reads', () => {
    for (const heading of H) expect(doc).toContain(`| ${heading}`);
  });

  it('has examples that import without errors and read as the doc says', () => {
    expect(examples).toHaveLength(2);
    const patterns = parseRecurrenceCsv(examples[0]!);
    expect(patterns.errors).toEqual([]);
    expect(patterns.rows).toHaveLength(3);
    expect(describeRule(patterns.rows[0]!.rule)).toBe('毎月第2火曜 9:00（2026/12/08を除く・祝日は翌営業日）');
    const calendar = parseGarbageCalendarCsv(examples[1]!);
    expect(calendar.errors).toEqual([]);
    expect(calendar.entries).toHaveLength(4);
  });
});
