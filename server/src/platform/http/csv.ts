/**
 * CSV for staff-facing downloads and uploads, written for Excel on Japanese Windows.
 *
 * - Output: RFC 4180 (cells quoted when they hold `"`, `,`, CR or LF; quotes doubled), CRLF between
 *   records. UTF-8 output starts with a BOM so Excel detects the encoding; `sjis` output is CP932
 *   (Windows-31J, the "Shift_JIS" Excel writes and reads, including the NEC/IBM extensions such as
 *   ①, Ⅰ, 髙, 﨑).
 * - CP932 cannot hold every character. A few common Unicode look-alikes are first mapped to the
 *   CP932 character Excel users expect (〜→～, −→－, ‖→∥, ¢→￠, £→￡, ¬→￢, —→―, no-break space →
 *   space); anything else CP932 cannot encode (emoji, 𠮷 and other non-BMP kanji, most accented
 *   Latin letters…) becomes `?`. Callers offering an `sjis` download should say that UTF-8 keeps
 *   every character.
 * - CSV injection (OWASP): a string cell whose text starts with `=`, `+`, `-`, `@`, TAB or CR (or
 *   the full-width ＝ ＋ － ＠, which Japanese Excel may also read as a formula) gets a leading `'`
 *   so spreadsheet software shows it as text. Real numbers (`typeof v === 'number'`, finite) are
 *   written as they are, so a negative number stays a number. A string that already starts with
 *   apostrophes followed by one of those characters gets one more `'`, so {@link unneutraliseCell}
 *   restores every exported string exactly.
 * - Input: UTF-8 (BOM optional) or CP932, detected from the bytes; see {@link parseCsv}.
 */
import { isUtf8 } from 'node:buffer';
import { CsvError, parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

export type CsvEncoding = 'utf8' | 'sjis';

/** The upload is not CSV we can read. `message` is Japanese and can be shown to staff as it is. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  constructor(
    message: string,
    /** 1-based text line the problem was found on, when known. */
    public readonly line: number | null = null,
  ) {
    super(message);
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Characters that make spreadsheet software evaluate a cell (after any apostrophes we added). */
const FORMULA_START = /^'*[=+\-@\t\r＝＋－＠]/;

/** Unicode characters CP932 lacks, mapped to the CP932 character that looks the same. */
const CP932_LOOKALIKES: Record<string, string> = {
  '\u301c': '\uff5e', // 〜 WAVE DASH → ～ FULLWIDTH TILDE
  '\u2212': '\uff0d', // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
  '\u2016': '\u2225', // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
  '\u00a2': '\uffe0', // ¢ → ￠
  '\u00a3': '\uffe1', // £ → ￡
  '\u00ac': '\uffe2', // ¬ → ￢
  '\u2014': '\u2015', // — EM DASH → ― HORIZONTAL BAR
  '\u00a0': ' ', // no-break space → space
};
const CP932_LOOKALIKE_RE = new RegExp(`[${Object.keys(CP932_LOOKALIKES).join('')}]`, 'g');

/**
 * Prefixes `'` to a string that a spreadsheet would read as a formula (see the module comment).
 * Only for text: numbers are not passed through this.
 */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Undoes {@link neutraliseCell}: removes one leading `'` when it is followed by (more apostrophes
 * and) a formula character. Use it on imported cells so an exported file imports unchanged; a
 * cell the user typed as `'=x` is read as `=x`.
 */
export function unneutraliseCell(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text) ? text.slice(1) : text;
}

function cellText(v: unknown, cp932: boolean): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  let text = typeof v === 'string' ? v : typeof v === 'object' ? (JSON.stringify(v) ?? '') : String(v);
  // Map look-alikes before neutralising: − (U+2212) becomes the formula-starting －.
  if (cp932) text = text.replace(CP932_LOOKALIKE_RE, (c) => CP932_LOOKALIKES[c] ?? c);
  return neutraliseCell(text);
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Serialises rows to CSV bytes (see the module comment for quoting, encoding and injection
 * handling). `null`/`undefined` → empty cell; `Date` → ISO-8601 UTC string (invalid date → empty);
 * finite numbers and bigints as they are; other objects as JSON. In `sjis`, characters CP932
 * cannot encode become `?`.
 */
export function toCsv(rows: unknown[][], opts: { encoding: CsvEncoding }): Buffer {
  const sjis = opts.encoding === 'sjis';
  let text = '';
  for (const row of rows) text += row.map((v) => quote(cellText(v, sjis))).join(',') + '\r\n';
  if (sjis) return iconv.encode(text, 'cp932');
  return Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]);
}

function decode(input: Buffer): { text: string; encoding: CsvEncoding } {
  if (
    input.length >= 2 &&
    ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff))
  ) {
    throw new CsvFormatError(
      'CSVの文字コードがUTF-16（Unicode テキスト）になっています。「CSV UTF-8」または「CSV（コンマ区切り）」形式で保存し直してください',
    );
  }
  if (input.subarray(0, 3).equals(UTF8_BOM)) {
    const rest = input.subarray(3);
    if (!isUtf8(rest)) {
      throw new CsvFormatError(
        'CSVの文字コードを読み取れません（UTF-8 として正しくない文字があります）。UTF-8 で保存し直してください',
      );
    }
    return { text: rest.toString('utf8'), encoding: 'utf8' };
  }
  if (isUtf8(input)) return { text: input.toString('utf8'), encoding: 'utf8' };
  const text = iconv.decode(input, 'cp932');
  if (text.includes('\ufffd')) {
    const line = text.slice(0, text.indexOf('\ufffd')).split('\n').length;
    throw new CsvFormatError(
      `CSVの文字コードを判別できません（${line}行目に UTF-8 でも Shift_JIS でもない文字があります）。UTF-8 または Shift_JIS で保存し直してください`,
      line,
    );
  }
  return { text, encoding: 'sjis' };
}

/** Line (1-based) on which the quoted field that never closes was opened. */
function unclosedQuoteLine(text: string): number {
  let line = 1;
  let openedAt = 1;
  let quoting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      quoting = !quoting;
      if (quoting) openedAt = line;
    } else if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
    }
  }
  return openedAt;
}

function formatError(line: number, what: string): CsvFormatError {
  return new CsvFormatError(`CSVの形式が正しくありません（${line}行目: ${what}）`, line);
}

/**
 * Reads an uploaded CSV. Strips a UTF-8 BOM; bytes that are not valid UTF-8 are decoded as CP932
 * (Shift_JIS as written by Excel). Parsed with csv-parse: strict quotes, nothing trimmed, lines
 * that are completely empty skipped, rows may have different lengths (the caller checks columns).
 * Row indexes therefore count records, not text lines: a quoted cell with line breaks is one row.
 *
 * @throws CsvFormatError with a Japanese message (UTF-16 file, undecodable bytes, unclosed or
 *   misplaced quotes…).
 */
export function parseCsv(input: Buffer): { rows: string[][]; encoding: CsvEncoding } {
  const { text, encoding } = decode(input);
  try {
    const rows = parse(text, {
      bom: false,
      delimiter: ',',
      quote: '"',
      escape: '"',
      relax_quotes: false,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: false,
      ltrim: false,
      rtrim: false,
    }) as string[][];
    return { rows, encoding };
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const line = typeof e.lines === 'number' ? e.lines : 1;
    switch (e.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        throw formatError(unclosedQuoteLine(text), '引用符が閉じられていません');
      case 'CSV_INVALID_CLOSING_QUOTE':
      case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
        throw formatError(
          line,
          '引用符で囲んだ値の後に文字があります。値の中の「"」は「""」と2つ重ねてください',
        );
      case 'INVALID_OPENING_QUOTE':
        throw formatError(
          line,
          '値の途中に引用符「"」があります。値全体を「"」で囲み、中の「"」は「""」と2つ重ねてください',
        );
      case 'CSV_MAX_RECORD_SIZE':
        throw formatError(line, '1行が長すぎます');
      default:
        throw formatError(line, '読み取れない箇所があります');
    }
  }
}

const JST_OFFSET_MS = 9 * 60 * 60 * 1000; // Japan has no daylight saving time

/**
 * File name for a download: `<base>_<YYYYMMDD>_<HHmm>.csv`, the time in Japan time (JST), e.g.
 * `職員一覧_20250401_0930.csv`. Characters Windows forbids in file names become `_`.
 */
export function csvFileName(base: string, date: Date): string {
  const safe =
    base
      // eslint-disable-next-line no-control-regex
      .replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_')
      .replace(/^[\s.]+|[\s.]+$/g, '') || 'export';
  const d = new Date(date.getTime() + JST_OFFSET_MS);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
  return `${safe}_${stamp}.csv`;
}

/** RFC 5987 `value-chars`: percent-encode everything but `attr-char`. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * `Content-Disposition` header value for downloading `fileName` (may be Japanese):
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 /
 * RFC 5987). Browsers use `filename*`; the ASCII fallback replaces non-ASCII runs with `_` (or is
 * `download.<ext>` when nothing readable is left).
 */
export function contentDisposition(fileName: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(fileName)?.[0] ?? '';
  const stem = fileName
    .slice(0, fileName.length - ext.length)
    .replace(/[^\x20-\x7e]+/g, '_')
    .replace(/["\\]/g, '_')
    .replace(/^[_\s]+/, '');
  const fallback = `${/[A-Za-z0-9]/.test(stem) ? stem : 'download'}${ext}`;
  return `${type}; filename="${fallback}"; filename*=UTF-8''${rfc5987(fileName)}`;
}
