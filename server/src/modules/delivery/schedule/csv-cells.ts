/**
 * Shared reading of uploaded schedule tables (recurring patterns, garbage calendars): headers,
 * row numbers and the forgiving cell formats Japanese spreadsheets produce (full-width digits,
 * 2026/4/1 and 2026年4月1日 dates, 9:00:00 times).
 *
 * Row numbers are spreadsheet row numbers as staff see them in Excel: the header is row 1. They
 * count CSV records, so a quoted cell holding a line break stays one row. A completely empty
 * text line (a file edited in a text editor) is an empty row in Excel too, so it keeps its
 * number even though `parseCsv` would drop it (see {@link keepBlankLines}).
 */
import { CsvFormatError, parseCsv, unneutraliseCell, type CsvEncoding } from '../../../platform/http/csv.js';
import { isIsoDate, isoDate, type HhMm, type IsoDate } from './jst.js';

/** One problem in an uploaded table; `message` is Japanese and starts with the row (and column). */
export interface TableError {
  /** Spreadsheet row number (header = 1). */
  line: number;
  /** The column's Japanese heading, or null for a problem with the whole row or file. */
  column: string | null;
  message: string;
}

export class TableErrors {
  readonly list: TableError[] = [];

  add(line: number, column: string | null, text: string): void {
    this.list.push({
      line,
      column,
      message: column ? `${line}行目 ${column}: ${text}` : `${line}行目: ${text}`,
    });
  }

  /** Errors sorted by row; within a row in the order they were found. */
  sorted(): TableError[] {
    return [...this.list].sort((a, b) => a.line - b.line);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Puts a lone `,` on every completely empty text line outside quotes, so `parseCsv` (which skips
 * empty lines) returns it as an empty record and the following rows keep the row numbers Excel
 * shows; {@link rowCells} then skips the record as an empty row. A blank line inside a quoted
 * cell (an empty paragraph of a 本文) is part of the value and left alone.
 *
 * Works on the undecoded bytes: LF, CR, `"` and `,` are single bytes below 0x40 that never occur
 * inside a multi-byte character of UTF-8 (all ≥ 0x80) or CP932 (trail bytes ≥ 0x40), so this is
 * safe for both encodings.
 */
export function keepBlankLines(input: Buffer): Buffer {
  const insertAt: number[] = [];
  let quoted = false;
  let lineStart = true;
  // A UTF-8 BOM belongs to no line: an empty first line after it is still row 1.
  const hasBom = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
  for (let i = hasBom ? 3 : 0; i < input.length; i++) {
    const byte = input[i];
    if (lineStart && !quoted && (byte === LF || byte === CR)) insertAt.push(i);
    lineStart = false;
    if (byte === QUOTE) quoted = !quoted;
    else if (byte === LF || (byte === CR && input[i + 1] !== LF)) lineStart = true;
  }
  if (insertAt.length === 0) return input;
  const parts: Buffer[] = [];
  let from = 0;
  for (const at of insertAt) {
    parts.push(input.subarray(from, at), Buffer.from([COMMA]));
    from = at;
  }
  parts.push(input.subarray(from));
  return Buffer.concat(parts);
}

/**
 * Decodes and splits an upload (UTF-8 with or without BOM, or Shift_JIS/CP932) with the
 * platform's `parseCsv`. A file that cannot be read at all becomes one error instead of an
 * exception, so callers report it like any other problem.
 */
export function readTable(
  input: Buffer | string,
): { ok: true; rows: string[][]; encoding: CsvEncoding } | { ok: false; error: TableError } {
  try {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    const { rows, encoding } = parseCsv(keepBlankLines(bytes));
    return { ok: true, rows, encoding };
  } catch (e) {
    if (!(e instanceof CsvFormatError)) throw e;
    return { ok: false, error: { line: e.line ?? 1, column: null, message: e.message } };
  }
}

/** Raw cell text as typed: our export's anti-formula `'` removed, surrounding spaces trimmed. */
export function textCell(raw: string | undefined): string {
  return unneutraliseCell((raw ?? '').trim()).trim();
}

/**
 * A cell holding a code, number, date or time: full-width letters, digits and punctuation folded
 * to ASCII (NFKC: ２０２６／４／１ → 2026/4/1, ： → :), spaces trimmed.
 */
export function codeCell(raw: string | undefined): string {
  return textCell(raw).normalize('NFKC').trim();
}

/** Spreadsheet column letter for a 0-based index (0 → A, 26 → AA). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Splits a list cell on `;` (also full-width `；`, already folded by {@link codeCell}). */
export function splitList(cell: string, separators: RegExp = /;/): string[] {
  return cell
    .split(separators)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

const DATE_FORMS = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
  /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日$/,
];

/** `2026-04-01`, `2026/4/1`, `2026.4.1` or `2026年4月1日` → `2026-04-01`; null when not a real date. */
export function parseDateCell(cell: string): IsoDate | null {
  for (const form of DATE_FORMS) {
    const m = form.exec(cell);
    if (!m) continue;
    const date = isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
    return isIsoDate(date) ? date : null;
  }
  return null;
}

/** `9:00`, `09:00`, `9:00:00` (Excel), `9時`, `9時30分` → `09:00`; null otherwise (seconds must be 00). */
export function parseTimeCell(cell: string): HhMm | null {
  const m = /^(\d{1,2}):(\d{2})(?::(00))?$/.exec(cell) ?? /^(\d{1,2})時(?:(\d{1,2})分)?$/.exec(cell);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2] ?? '0');
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

/** A whole number written with optional full-width digits and a unit suffix (e.g. `10回`, `3日`). */
export function parseIntegerCell(cell: string, unit = ''): number | null {
  const body = unit && cell.endsWith(unit) ? cell.slice(0, -unit.length) : cell;
  if (!/^\d{1,6}$/.test(body)) return null;
  return Number(body);
}

export interface HeaderSpec<K extends string> {
  /** Column key → Japanese heading. */
  columns: Record<K, string>;
  /** Headings that must be present. */
  required: readonly K[];
}

/**
 * Maps the header row to column indexes. Headings are compared after NFKC and trimming, so
 * `第Ｎ` and `第n` both match `第n`. Unknown, repeated and missing headings are errors on row 1.
 */
export function readHeader<K extends string>(
  header: string[] | undefined,
  spec: HeaderSpec<K>,
  errors: TableErrors,
): Map<K, number> | null {
  const keys = Object.keys(spec.columns) as K[];
  const allHeadings = keys.map((k) => spec.columns[k]).join(',');
  if (!header || header.every((h) => h.trim() === '')) {
    errors.add(1, null, `見出しの行がありません。1行目に見出し（${allHeadings}）を入れてください`);
    return null;
  }
  const fold = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  const byHeading = new Map(keys.map((k) => [fold(spec.columns[k]), k]));
  const index = new Map<K, number>();
  let ok = true;
  header.forEach((raw, i) => {
    const heading = fold(textCell(raw));
    if (heading === '') return;
    const key = byHeading.get(heading);
    if (key === undefined) {
      errors.add(
        1,
        null,
        `${columnLetter(i)}列の見出し「${textCell(raw)}」は使えません。使える見出し: ${allHeadings}`,
      );
      ok = false;
    } else if (index.has(key)) {
      errors.add(1, null, `見出し「${spec.columns[key]}」が2回あります`);
      ok = false;
    } else {
      index.set(key, i);
    }
  });
  for (const key of spec.required) {
    if (!index.has(key)) {
      errors.add(1, null, `見出し「${spec.columns[key]}」の列がありません`);
      ok = false;
    }
  }
  return ok ? index : null;
}

/**
 * Cells of a data row by column key, plus errors for values in columns that have no heading
 * (usually a shifted row). Returns null when every cell is empty: such rows are skipped.
 */
export function rowCells<K extends string>(
  row: string[],
  line: number,
  headerIndex: Map<K, number>,
  errors: TableErrors,
): Map<K, string> | null {
  if (row.every((c) => c.trim() === '')) return null;
  const used = new Set(headerIndex.values());
  row.forEach((raw, i) => {
    if (raw.trim() !== '' && !used.has(i)) {
      errors.add(
        line,
        null,
        `見出しのない${columnLetter(i)}列に値「${textCell(raw)}」が入っています。不要な値を消してください`,
      );
    }
  });
  const cells = new Map<K, string>();
  for (const [key, i] of headerIndex) cells.set(key, row[i] ?? '');
  return cells;
}
