import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../platform/http/csv.js';
import {
  collectionReminderText,
  collectionsOn,
  GARBAGE_CSV_HEADER,
  parseGarbageCalendarCsv,
  type District,
} from './garbage-calendar.js';
import { addDays, jstDate, jstInstant } from './jst.js';

const utf8 = (rows: string[][]) => toCsv(rows, { encoding: 'utf8' });
const errorsOf = (r: ReturnType<typeof parseGarbageCalendarCsv>) =>
  r.errors.map((e) => [e.line, e.column, e.message]);

const districts: District[] = [
  { code: 'A01', name: '山陽' },
  { code: 'A02', name: '桜が丘' },
  { code: 'B01', name: '熊山' },
];

describe('parseGarbageCalendarCsv', () => {
  it('reads district codes and names, dates in Japanese forms and several items per date', () => {
    const r = parseGarbageCalendarCsv(
      utf8([
        [...GARBAGE_CSV_HEADER],
        ['A01', '山陽', '2026/12/1', '燃やせるごみ'],
        ['A01', '', '2026-12-02', '資源ごみ;びん・缶'],
        ['', '熊山', '2026年12月1日', '燃やせるごみ'],
      ]),
      { districts },
    );
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([
      { line: 2, districtCode: 'A01', districtName: '山陽', date: '2026-12-01', item: '燃やせるごみ' },
      { line: 3, districtCode: 'A01', districtName: '山陽', date: '2026-12-02', item: '資源ごみ' },
      { line: 3, districtCode: 'A01', districtName: '山陽', date: '2026-12-02', item: 'びん・缶' },
      { line: 4, districtCode: 'B01', districtName: '熊山', date: '2026-12-01', item: '燃やせるごみ' },
    ]);
  });

  it('works without a district list, with only one of the two district columns', () => {
    const r = parseGarbageCalendarCsv(
      utf8([
        ['日付', '地区名', '品目'],
        ['2026/12/1', '桜が丘', '燃やせるごみ'],
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual([
      { line: 2, districtCode: null, districtName: '桜が丘', date: '2026-12-01', item: '燃やせるごみ' },
    ]);
  });

  it('reads Shift_JIS', () => {
    const bytes = toCsv(
      [
        ['地区コード', '日付', '品目'],
        ['A02', '2026/12/3', 'プラスチック製容器包装'],
      ],
      { encoding: 'sjis' },
    );
    const r = parseGarbageCalendarCsv(bytes, { districts });
    expect(r.errors).toEqual([]);
    expect(r.entries[0]).toEqual({
      line: 2,
      districtCode: 'A02',
      districtName: '桜が丘',
      date: '2026-12-03',
      item: 'プラスチック製容器包装',
    });
  });

  it('reports every bad row with its row number and column, in Japanese', () => {
    const r = parseGarbageCalendarCsv(
      utf8([
        [...GARBAGE_CSV_HEADER],
        ['A01', '山陽', '2026/12/1', '燃やせるごみ'],
        ['', '', '2026/12/1', '燃やせるごみ'],
        ['Z99', '', '2026/12/1', '燃やせるごみ'],
        ['', '存在しない町', '2026/12/1', '燃やせるごみ'],
        ['A01', '熊山', '2026/12/1', '燃やせるごみ'],
        ['A02', '', '2026/13/1', ''],
        ['A01', '', '2026-12-01', '燃やせるごみ'],
        ['A02', '', '2026/12/5', 'x'.repeat(51)],
      ]),
      { districts },
    );
    expect(errorsOf(r)).toEqual([
      [3, null, '3行目: 地区コードか地区名を入力してください'],
      [4, '地区コード', '4行目 地区コード: 地区コード「Z99」は登録されていません'],
      [5, '地区名', '5行目 地区名: 地区名「存在しない町」は登録されていません'],
      [6, '地区名', '6行目 地区名: 地区コード「A01」は「山陽」です。地区名「熊山」と合いません'],
      [
        7,
        '日付',
        '7行目 日付: 日付「2026/13/1」を読み取れません。「2026-04-01」または「2026/4/1」の形で、実在する日付を入力してください',
      ],
      [7, '品目', '7行目 品目: 品目を入力してください（例: 燃やせるごみ）'],
      [8, '品目', '8行目 品目: 2行目と同じ地区・日付・品目（燃やせるごみ）です。重複した行を消してください'],
      [9, '品目', `9行目 品目: 品目「${'x'.repeat(51)}」は50文字以内にしてください`],
    ]);
    expect(r.entries.map((e) => e.line)).toEqual([2]);
  });

  it('needs a district column and the date and item columns', () => {
    expect(errorsOf(parseGarbageCalendarCsv(utf8([['日付', '品目']])))).toEqual([
      [1, null, '1行目: 見出し「地区コード」か「地区名」の列が必要です'],
    ]);
    expect(errorsOf(parseGarbageCalendarCsv(utf8([['地区名', '曜日', '品目']])))).toEqual([
      [1, null, '1行目: B列の見出し「曜日」は使えません。使える見出し: 地区コード,地区名,日付,品目'],
      [1, null, '1行目: 見出し「日付」の列がありません'],
    ]);
  });

  it('reports exactly the bad rows of a year-long calendar for many districts', () => {
    const rows: string[][] = [[...GARBAGE_CSV_HEADER]];
    for (let d = '2026-04-01'; d < '2027-04-01'; d = addDays(d, 1)) {
      for (const district of districts)
        rows.push([district.code, '', d.replaceAll('-', '/'), '燃やせるごみ']);
    }
    const bad = [100, 555, rows.length]; // spreadsheet row numbers
    for (const line of bad) rows[line - 1]![2] = '2026/02/30';
    const r = parseGarbageCalendarCsv(utf8(rows), { districts });
    expect(r.errors.map((e) => e.line)).toEqual(bad);
    expect(r.entries).toHaveLength(rows.length - 1 - bad.length);
  });

  it('keeps row numbers when the file has blank lines (edited in a text editor)', () => {
    const text = [
      '地区名,日付,品目',
      '山陽,2026/12/1,燃やせるごみ',
      '',
      '',
      '熊山,2026/12/32,資源ごみ',
      '',
    ].join('\r\n');
    const r = parseGarbageCalendarCsv(Buffer.from(text, 'utf8'), { districts });
    expect(r.entries.map((e) => [e.line, e.districtCode])).toEqual([[2, 'A01']]);
    expect(r.errors.map((e) => [e.line, e.column])).toEqual([[5, '日付']]);
  });
});

describe('collectionsOn and the reminder text', () => {
  const { entries } = parseGarbageCalendarCsv(
    utf8([
      [...GARBAGE_CSV_HEADER],
      ['A01', '', '2026/12/1', '燃やせるごみ'],
      ['B01', '', '2026/12/1', '資源ごみ'],
      ['A01', '', '2026/12/1', '古紙'],
      ['A02', '', '2026/12/2', '燃やせるごみ'],
    ]),
    { districts },
  );

  it('groups what is collected on a date by district, in calendar order', () => {
    expect(collectionsOn(entries, '2026-12-01')).toEqual([
      { districtCode: 'A01', districtName: '山陽', items: ['燃やせるごみ', '古紙'] },
      { districtCode: 'B01', districtName: '熊山', items: ['資源ごみ'] },
    ]);
    expect(collectionsOn(entries, '2026-12-03')).toEqual([]);
  });

  it('builds the evening-before reminder from the JST date of the send time', () => {
    // The job runs on the evening of 11/30 (JST) and looks at tomorrow.
    const evening = jstInstant('2026-11-30', '19:00');
    const tomorrow = addDays(jstDate(evening), 1);
    const texts = collectionsOn(entries, tomorrow).map((c) => [
      c.districtName,
      collectionReminderText(c.items),
    ]);
    expect(texts).toEqual([
      ['山陽', '明日は燃やせるごみ、古紙の日です'],
      ['熊山', '明日は資源ごみの日です'],
    ]);
    expect(collectionReminderText(['燃やせるごみ'], 'today')).toBe('今日は燃やせるごみの日です');
    expect(() => collectionReminderText([])).toThrow(RangeError);
  });
});
