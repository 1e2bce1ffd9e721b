/**
 * Garbage-collection calendars per district (DEL-5, AK 5-①: 「地域（地区）のゴミ収集日リマインド
 * 通知機能」). Municipalities publish the year's collection dates per district as a table; staff
 * upload it as CSV, residents who registered their district get 「明日は燃やせるごみの日です」 the
 * evening before. This module is the pure part: reading the CSV and answering "what is
 * collected where on this date". Sending is the delivery engine's job.
 *
 * CSV: header in row 1, columns in any order (docs/delivery-schedule-csv.md):
 *   地区コード  the district's code as registered in the segment settings — and/or
 *   地区名      its name (at least one of the two per row)
 *   日付*       2026-04-01 / 2026/4/1 / 2026年4月1日
 *   品目*       燃やせるごみ, 資源ごみ, びん・缶 …; several on one date separated by `;`
 *               (not by ・, which item names themselves use)
 */
import {
  codeCell,
  parseDateCell,
  readHeader,
  readTable,
  rowCells,
  splitList,
  TableErrors,
  textCell,
  type TableError,
} from './csv-cells.js';
import { type IsoDate } from './jst.js';

export interface District {
  code: string;
  name: string;
}

export interface GarbageCollectionEntry {
  /** Spreadsheet row number it came from (header = 1). */
  line: number;
  /** Null when the file gave only names and no district list was supplied. */
  districtCode: string | null;
  /** Null when the file gave only codes and no district list was supplied. */
  districtName: string | null;
  date: IsoDate;
  item: string;
}

export interface GarbageCalendarResult {
  entries: GarbageCollectionEntry[];
  errors: TableError[];
}

export interface GarbageCalendarOptions {
  /**
   * The tenant's districts. When given, every row must name one of them (by code, name or both,
   * consistently) and entries carry both code and name.
   */
  districts?: readonly District[];
  maxRows?: number;
}

const COL = { districtCode: '地区コード', districtName: '地区名', date: '日付', item: '品目' } as const;
type Col = keyof typeof COL;

export const GARBAGE_CSV_HEADER: readonly string[] = Object.freeze(Object.values(COL));
/** A year of daily rows for a few hundred districts fits. */
export const GARBAGE_CSV_MAX_ROWS = 200_000;
export const GARBAGE_ITEM_MAX = 50;

/** Key that identifies a district within one calendar: its code when known, else its name. */
export function districtKey(e: Pick<GarbageCollectionEntry, 'districtCode' | 'districtName'>): string {
  return e.districtCode !== null ? `code:${e.districtCode}` : `name:${e.districtName ?? ''}`;
}

/**
 * Reads a garbage-collection calendar CSV (UTF-8 with or without BOM, or Shift_JIS). Every bad
 * row is reported with its spreadsheet row, column and a Japanese message; a date+district+item
 * given twice is reported on the later row. Rows whose cells are all empty are skipped.
 */
export function parseGarbageCalendarCsv(
  input: Buffer | string,
  opts: GarbageCalendarOptions = {},
): GarbageCalendarResult {
  const maxRows = opts.maxRows ?? GARBAGE_CSV_MAX_ROWS;
  const table = readTable(input);
  if (!table.ok) return { entries: [], errors: [table.error] };
  const errors = new TableErrors();
  const [header, ...data] = table.rows;
  const index = readHeader<Col>(header, { columns: COL, required: ['date', 'item'] }, errors);
  if (index && !index.has('districtCode') && !index.has('districtName')) {
    errors.add(1, null, '見出し「地区コード」か「地区名」の列が必要です');
  }
  if (!index || errors.list.length > 0) return { entries: [], errors: errors.sorted() };
  if (data.length > maxRows) {
    errors.add(
      1,
      null,
      `行が多すぎます（${data.length.toLocaleString('ja-JP')}行）。1つのファイルは${maxRows.toLocaleString('ja-JP')}行までにして、分けて取り込んでください`,
    );
    return { entries: [], errors: errors.sorted() };
  }

  const byCode = new Map(opts.districts?.map((d) => [d.code.normalize('NFKC'), d]));
  const byName = new Map(opts.districts?.map((d) => [d.name.normalize('NFKC'), d]));
  const seen = new Map<string, number>();
  const entries: GarbageCollectionEntry[] = [];

  data.forEach((raw, i) => {
    const line = i + 2;
    const cells = rowCells(raw, line, index, errors);
    if (!cells) return;
    const before = errors.list.length;
    const fail = (col: Col | null, text: string) => errors.add(line, col ? COL[col] : null, text);

    let code: string | null = codeCell(cells.get('districtCode')) || null;
    let name: string | null = textCell(cells.get('districtName')).normalize('NFKC') || null;
    if (code === null && name === null) {
      fail(null, '地区コードか地区名を入力してください');
    } else if (opts.districts) {
      const fromCode = code !== null ? byCode.get(code) : undefined;
      const fromName = name !== null ? byName.get(name) : undefined;
      if (code !== null && !fromCode) fail('districtCode', `地区コード「${code}」は登録されていません`);
      else if (name !== null && !fromName) fail('districtName', `地区名「${name}」は登録されていません`);
      else if (fromCode && fromName && fromCode !== fromName)
        fail(
          'districtName',
          `地区コード「${code}」は「${fromCode.name}」です。地区名「${name}」と合いません`,
        );
      else {
        const d = (fromCode ?? fromName)!;
        code = d.code;
        name = d.name;
      }
    }

    const dateCell = codeCell(cells.get('date'));
    const date = parseDateCell(dateCell);
    if (dateCell === '') fail('date', '日付を入力してください');
    else if (!date)
      fail(
        'date',
        `日付「${dateCell}」を読み取れません。「2026-04-01」または「2026/4/1」の形で、実在する日付を入力してください`,
      );

    const items = [...new Set(splitList(textCell(cells.get('item')).normalize('NFKC'), /;/))];
    if (items.length === 0) fail('item', '品目を入力してください（例: 燃やせるごみ）');
    for (const item of items) {
      if ([...item].length > GARBAGE_ITEM_MAX)
        fail('item', `品目「${item}」は${GARBAGE_ITEM_MAX}文字以内にしてください`);
      else if (/[\r\n]/.test(item))
        fail('item', '品目に改行は使えません。複数の品目は「;」で区切ってください');
    }
    if (errors.list.length > before || !date) return;

    for (const item of items) {
      const entry: GarbageCollectionEntry = { line, districtCode: code, districtName: name, date, item };
      const key = `${districtKey(entry)}|${date}|${item}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        fail('item', `${earlier}行目と同じ地区・日付・品目（${item}）です。重複した行を消してください`);
        continue;
      }
      seen.set(key, line);
      entries.push(entry);
    }
  });
  return { entries, errors: errors.sorted() };
}

export interface DistrictCollections {
  districtCode: string | null;
  districtName: string | null;
  /** Items in the order the calendar lists them. */
  items: string[];
}

/**
 * What is collected on `date`, one element per district that has a collection, in the order the
 * districts first appear in the calendar.
 */
export function collectionsOn(
  calendar: readonly GarbageCollectionEntry[],
  date: IsoDate,
): DistrictCollections[] {
  const byDistrict = new Map<string, DistrictCollections>();
  for (const e of calendar) {
    if (e.date !== date) continue;
    const key = districtKey(e);
    let group = byDistrict.get(key);
    if (!group) {
      group = { districtCode: e.districtCode, districtName: e.districtName, items: [] };
      byDistrict.set(key, group);
    }
    if (!group.items.includes(e.item)) group.items.push(e.item);
  }
  return [...byDistrict.values()];
}

/** 「明日は燃やせるごみの日です」 / 「今日は燃やせるごみ、資源ごみの日です」. */
export function collectionReminderText(
  items: readonly string[],
  when: 'today' | 'tomorrow' = 'tomorrow',
): string {
  if (items.length === 0) throw new RangeError('no items to remind of');
  return `${when === 'tomorrow' ? '明日' : '今日'}は${items.join('、')}の日です`;
}
