/**
 * Recurring delivery patterns in bulk by CSV (DEL-3: 「繰り返し配信の設定のパターンが500件以上など
 * 大量に必要となる場合には、CSVによる一括登録」). Pure: bytes in, rules and row errors out.
 * The format is documented for staff in docs/delivery-schedule-csv.md; in short:
 *
 * One row per pattern, header in row 1, columns in any order (required ones marked *):
 *   タイトル*   name of the delivery (≤100 characters)
 *   種類*       1回 | 毎日 | 平日 | 毎週 | 隔週 | N週ごと | 毎月 | 月末 | 日ごと | N日ごと | 第n曜日
 *   曜日        毎週・隔週・N週ごと・第n曜日: 月;水;金 (also 月水金, 月曜, 月曜日)
 *   第n         第n曜日: 2;4 or 第2;第4, 最終 for the last
 *   日付        毎月: days of the month, 1;15;31
 *   間隔        毎週 (weeks, default 1) and 日ごと (days)
 *   時刻*       9:00 / 09:00 / 9:00:00 / 9時30分 (Japan time)
 *   開始日*     2026-04-01 / 2026/4/1 / 2026年4月1日; for 1回 the delivery date
 *   終了日      last date (inclusive) — or
 *   回数        number of deliveries (not both)
 *   除外日      dates without delivery, `;`-separated
 *   休業日      extra days off for the holiday policy, `;`-separated
 *   年末年始休業  する / しない (12/29–1/3 are days off); empty = しない
 *   祝日の扱い   配信する (default) | 配信しない | 翌営業日 | 前営業日
 *   配信対象    free text naming the audience (segment name, 全員…), passed through
 *   本文        text of the message, passed through (≤5,000 characters, LINE's limit)
 *
 * Every problem is reported with its spreadsheet row and column in Japanese; rows without
 * problems are returned too (for a preview), but callers should import nothing while `errors`
 * is not empty, so a corrected file can simply be uploaded again.
 */
import { LINE_LIMITS } from '../../../platform/line/messages.js';
import {
  codeCell,
  parseDateCell,
  parseIntegerCell,
  parseTimeCell,
  readHeader,
  readTable,
  rowCells,
  splitList,
  TableErrors,
  textCell,
  type TableError,
} from './csv-cells.js';
import { formatSlashDate, formatTime, WEEKDAY_NAMES_JA, type IsoDate } from './jst.js';
import {
  recurrenceRuleSchema,
  type HolidayPolicy,
  type RecurrenceRule,
  type RecurrenceRuleInput,
} from './recurrence.js';

const COL = {
  title: 'タイトル',
  kind: '種類',
  weekdays: '曜日',
  ordinals: '第n',
  days: '日付',
  interval: '間隔',
  time: '時刻',
  startDate: '開始日',
  endDate: '終了日',
  count: '回数',
  excludeDates: '除外日',
  closedDates: '休業日',
  yearEndClosure: '年末年始休業',
  holidayPolicy: '祝日の扱い',
  target: '配信対象',
  body: '本文',
} as const;
type Col = keyof typeof COL;

/** Headings in the order our template and export use. */
export const RECURRENCE_CSV_HEADER: readonly string[] = Object.freeze(Object.values(COL));

export const RECURRENCE_CSV_MAX_ROWS = 10_000;
export const RECURRENCE_TITLE_MAX = 100;
export const RECURRENCE_TARGET_MAX = 200;

export interface RecurrenceCsvRow {
  /** Spreadsheet row number (header = 1). */
  line: number;
  title: string;
  rule: RecurrenceRule;
  /** 配信対象 as written, or null when empty; the delivery engine resolves it. */
  target: string | null;
  /** 本文, or null when empty. */
  body: string | null;
}

export interface RecurrenceCsvResult {
  rows: RecurrenceCsvRow[];
  errors: TableError[];
}

type CsvKind =
  | { kind: 'once' }
  | { kind: 'daily' }
  | { kind: 'weekdays' }
  | { kind: 'weekly'; fixedInterval: number | null }
  | { kind: 'monthlyDates' }
  | { kind: 'monthEnd' }
  | { kind: 'everyNDays'; fixedInterval: number | null }
  | { kind: 'nthWeekday' };

const KIND_WORDS: Record<string, CsvKind> = {
  '1回': { kind: 'once' },
  一回: { kind: 'once' },
  予約: { kind: 'once' },
  毎日: { kind: 'daily' },
  平日: { kind: 'weekdays' },
  毎週: { kind: 'weekly', fixedInterval: null },
  隔週: { kind: 'weekly', fixedInterval: 2 },
  週ごと: { kind: 'weekly', fixedInterval: null },
  毎月: { kind: 'monthlyDates' },
  毎月日付: { kind: 'monthlyDates' },
  月末: { kind: 'monthEnd' },
  毎月末: { kind: 'monthEnd' },
  毎月末日: { kind: 'monthEnd' },
  日ごと: { kind: 'everyNDays', fixedInterval: null },
  第n曜日: { kind: 'nthWeekday' },
  毎月第n曜日: { kind: 'nthWeekday' },
};
const KIND_CHOICES = '1回・毎日・平日・毎週・隔週・N週ごと・毎月・月末・日ごと・N日ごと・第n曜日';

function readKind(cell: string): CsvKind | null {
  const word = cell.toLowerCase();
  const known = KIND_WORDS[word];
  if (known) return known;
  const weeks = /^(\d{1,2})週(?:間)?ごと$/.exec(word);
  if (weeks) return { kind: 'weekly', fixedInterval: Number(weeks[1]) };
  const days = /^(\d{1,3})日ごと$/.exec(word);
  if (days) return { kind: 'everyNDays', fixedInterval: Number(days[1]) };
  return null;
}

/** Which optional pattern columns each kind reads; a value in any other is reported. */
const PATTERN_COLUMNS: Record<CsvKind['kind'], readonly Col[]> = {
  once: [],
  daily: [],
  weekdays: [],
  weekly: ['weekdays', 'interval'],
  monthlyDates: ['days'],
  monthEnd: [],
  everyNDays: ['interval'],
  nthWeekday: ['ordinals', 'weekdays'],
};
const ALL_PATTERN_COLUMNS: readonly Col[] = ['weekdays', 'ordinals', 'days', 'interval'];
const REPEAT_ONLY_COLUMNS: readonly Col[] = [
  'endDate',
  'count',
  'excludeDates',
  'closedDates',
  'yearEndClosure',
  'holidayPolicy',
];

const LIST_SEPARATORS = /[;、,・\s]+/;

function readWeekdays(cell: string): number[] | null {
  const out: number[] = [];
  for (const token of splitList(cell, LIST_SEPARATORS)) {
    const letters = token.replace(/曜日?$/, '');
    if (letters === '') return null;
    for (const ch of letters) {
      const wd = (WEEKDAY_NAMES_JA as readonly string[]).indexOf(ch);
      if (wd < 0) return null;
      out.push(wd);
    }
  }
  return out;
}

function readOrdinals(cell: string): number[] | null {
  const out: number[] = [];
  for (const token of splitList(cell, LIST_SEPARATORS)) {
    const t = token.replace(/^第/, '').replace(/週$/, '');
    if (t === '最終' || t === '最後') out.push(-1);
    else if (/^[1-5]$/.test(t)) out.push(Number(t));
    else return null;
  }
  return out;
}

function readDays(cell: string): number[] | null {
  const out: number[] = [];
  for (const token of splitList(cell, LIST_SEPARATORS)) {
    const n = parseIntegerCell(token, '日');
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

function readDates(cell: string): { dates: IsoDate[]; bad: string[] } {
  const dates: IsoDate[] = [];
  const bad: string[] = [];
  for (const token of splitList(cell, /[;、,\s]+/)) {
    const d = parseDateCell(token);
    if (d === null) bad.push(token);
    else dates.push(d);
  }
  return { dates, bad };
}

const POLICY_WORDS: Record<string, HolidayPolicy> = {
  配信する: 'send',
  そのまま: 'send',
  配信しない: 'skip',
  休み: 'skip',
  スキップ: 'skip',
  翌営業日: 'next-business-day',
  前営業日: 'previous-business-day',
};
const POLICY_LABELS: Record<HolidayPolicy, string> = {
  send: '配信する',
  skip: '配信しない',
  'next-business-day': '翌営業日',
  'previous-business-day': '前営業日',
};

const YES_WORDS = new Set(['する', 'はい', 'あり', '有', '○', '〇', '1', 'true', 'yes']);
const NO_WORDS = new Set(['しない', 'いいえ', 'なし', '無', '×', '0', 'false', 'no']);

/** Zod paths of the rule → the column that holds them. */
const COLUMN_OF_PATH: Record<string, Col> = {
  time: 'time',
  date: 'startDate',
  startDate: 'startDate',
  endDate: 'endDate',
  count: 'count',
  excludeDates: 'excludeDates',
  closedDates: 'closedDates',
  yearEndClosure: 'yearEndClosure',
  holidayPolicy: 'holidayPolicy',
  weekdays: 'weekdays',
  ordinals: 'ordinals',
  days: 'days',
  intervalWeeks: 'interval',
  intervalDays: 'interval',
};

const DATE_HINT = '「2026-04-01」または「2026/4/1」の形で、実在する日付を入力してください';
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Reads a recurring-pattern CSV (UTF-8 with or without BOM, or Shift_JIS) into validated rules.
 * See the module comment for the columns. Every bad row is reported with its spreadsheet row
 * number, column and a Japanese message; rows whose cells are all empty are skipped.
 */
export function parseRecurrenceCsv(
  input: Buffer | string,
  opts: { maxRows?: number } = {},
): RecurrenceCsvResult {
  const maxRows = opts.maxRows ?? RECURRENCE_CSV_MAX_ROWS;
  const table = readTable(input);
  if (!table.ok) return { rows: [], errors: [table.error] };
  const errors = new TableErrors();
  const [header, ...data] = table.rows;
  const index = readHeader<Col>(
    header,
    { columns: COL, required: ['title', 'kind', 'time', 'startDate'] },
    errors,
  );
  if (!index) return { rows: [], errors: errors.sorted() };
  if (data.length > maxRows) {
    errors.add(
      1,
      null,
      `行が多すぎます（${data.length.toLocaleString('ja-JP')}行）。1つのファイルは${maxRows.toLocaleString('ja-JP')}行までにして、分けて取り込んでください`,
    );
    return { rows: [], errors: errors.sorted() };
  }

  const rows: RecurrenceCsvRow[] = [];
  data.forEach((raw, i) => {
    const line = i + 2;
    const cells = rowCells(raw, line, index, errors);
    if (!cells) return;
    const row = readRow(line, cells, errors);
    if (row) rows.push(row);
  });
  return { rows, errors: errors.sorted() };
}

function readRow(line: number, cells: Map<Col, string>, errors: TableErrors): RecurrenceCsvRow | null {
  const before = errors.list.length;
  const fail = (col: Col, text: string) => errors.add(line, COL[col], text);
  const code = (col: Col) => codeCell(cells.get(col));
  const text = (col: Col) => textCell(cells.get(col));

  const title = text('title');
  if (title === '') fail('title', 'タイトルを入力してください');
  else if ([...title].length > RECURRENCE_TITLE_MAX)
    fail('title', `タイトルは${RECURRENCE_TITLE_MAX}文字以内にしてください`);
  else if (CONTROL_CHARS.test(title) || /[\r\n]/.test(title))
    fail('title', 'タイトルに改行や制御文字は使えません');

  const target = text('target');
  if ([...target].length > RECURRENCE_TARGET_MAX)
    fail('target', `配信対象は${RECURRENCE_TARGET_MAX}文字以内にしてください`);
  const body = textCell(cells.get('body'));
  if (body.length > LINE_LIMITS.textLength)
    fail(
      'body',
      `本文は${LINE_LIMITS.textLength.toLocaleString('ja-JP')}文字以内にしてください（LINEの上限）`,
    );

  const kindCell = code('kind');
  const kind = kindCell === '' ? null : readKind(kindCell);
  if (kindCell === '') fail('kind', `種類を入力してください（${KIND_CHOICES}）`);
  else if (!kind) fail('kind', `種類「${kindCell}」は使えません。${KIND_CHOICES}のどれかを入力してください`);

  const timeCell = code('time');
  const time = parseTimeCell(timeCell);
  if (timeCell === '') fail('time', '時刻を入力してください（例: 9:00）');
  else if (!time)
    fail('time', `時刻「${timeCell}」を読み取れません。「9:00」のように0:00〜23:59で入力してください`);

  const startCell = code('startDate');
  const startDate = parseDateCell(startCell);
  const startLabel = kind?.kind === 'once' ? '配信日（開始日）' : '開始日';
  if (startCell === '') fail('startDate', `${startLabel}を入力してください`);
  else if (!startDate) fail('startDate', `${startLabel}「${startCell}」を読み取れません。${DATE_HINT}`);

  if (!kind) return null;

  // Values in columns this kind does not use are most likely a wrong 種類; say so rather than ignore.
  const unused = [
    ...ALL_PATTERN_COLUMNS.filter((c) => !PATTERN_COLUMNS[kind.kind].includes(c)),
    ...(kind.kind === 'once' ? REPEAT_ONLY_COLUMNS : []),
  ];
  for (const col of unused) {
    if (code(col) !== '')
      fail(col, `種類「${kindCell}」では${COL[col]}は使いません。空欄にするか、種類を見直してください`);
  }

  const candidate: Record<string, unknown> = {
    kind: kind.kind,
    time,
    ...(kind.kind === 'once' ? { date: startDate } : { startDate }),
  };

  if (kind.kind === 'weekly' || kind.kind === 'nthWeekday') {
    const cell = code('weekdays');
    const weekdays = readWeekdays(cell);
    if (cell === '') fail('weekdays', '曜日を入力してください（例: 月;水;金）');
    else if (!weekdays)
      fail(
        'weekdays',
        `曜日「${cell}」を読み取れません。「月;水;金」のように日月火水木金土で入力してください`,
      );
    else candidate.weekdays = weekdays;
  }
  if (kind.kind === 'nthWeekday') {
    const cell = code('ordinals');
    const ordinals = readOrdinals(cell);
    if (cell === '') fail('ordinals', '第何週かを入力してください（例: 2;4、最終）');
    else if (!ordinals)
      fail('ordinals', `第n「${cell}」を読み取れません。1〜5または「最終」を「;」で区切って入力してください`);
    else candidate.ordinals = ordinals;
  }
  if (kind.kind === 'monthlyDates') {
    const cell = code('days');
    const days = readDays(cell);
    if (cell === '') fail('days', '日付（毎月何日か）を入力してください（例: 1;15）');
    else if (cell.includes('末')) fail('days', '月末に配信するときは種類を「月末」にしてください');
    else if (!days) fail('days', `日付「${cell}」を読み取れません。1〜31を「;」で区切って入力してください`);
    else candidate.days = days;
  }
  if (kind.kind === 'weekly' || kind.kind === 'everyNDays') {
    const cell = code('interval');
    const unit = kind.kind === 'weekly' ? '週' : '日';
    const interval =
      cell === '' ? null : parseIntegerCell(cell.replace(/ごと$/, '').replace(/間$/, ''), unit);
    if (cell !== '' && interval === null)
      fail('interval', `間隔「${cell}」を読み取れません。数で入力してください`);
    else if (kind.fixedInterval !== null && interval !== null && interval !== kind.fixedInterval)
      fail('interval', `種類「${kindCell}」と間隔「${cell}」が合いません。どちらかを直してください`);
    else {
      const value = kind.fixedInterval ?? interval;
      if (kind.kind === 'everyNDays' && value === null)
        fail('interval', '「日ごと」では間隔（何日ごとか）を入力してください');
      else if (value !== null) candidate[kind.kind === 'weekly' ? 'intervalWeeks' : 'intervalDays'] = value;
    }
  }

  if (kind.kind !== 'once') {
    const endCell = code('endDate');
    if (endCell !== '') {
      const endDate = parseDateCell(endCell);
      if (!endDate) fail('endDate', `終了日「${endCell}」を読み取れません。${DATE_HINT}`);
      else candidate.endDate = endDate;
    }
    const countCell = code('count');
    if (countCell !== '') {
      const count = parseIntegerCell(countCell, '回');
      if (count === null) fail('count', `回数「${countCell}」を読み取れません。数で入力してください`);
      else candidate.count = count;
    }
    for (const col of ['excludeDates', 'closedDates'] as const) {
      const { dates, bad } = readDates(code(col));
      if (bad.length > 0)
        fail(
          col,
          `${COL[col]}「${bad.join('、')}」を読み取れません。${DATE_HINT}（複数は「;」で区切ります）`,
        );
      else candidate[col] = dates;
    }
    const closureCell = code('yearEndClosure').toLowerCase();
    if (closureCell !== '') {
      if (YES_WORDS.has(closureCell)) candidate.yearEndClosure = true;
      else if (NO_WORDS.has(closureCell)) candidate.yearEndClosure = false;
      else fail('yearEndClosure', `年末年始休業「${closureCell}」は「する」か「しない」で入力してください`);
    }
    const policyCell = code('holidayPolicy');
    if (policyCell !== '') {
      const policy = POLICY_WORDS[policyCell];
      if (!policy)
        fail(
          'holidayPolicy',
          `祝日の扱い「${policyCell}」は「配信する」「配信しない」「翌営業日」「前営業日」のどれかにしてください`,
        );
      else candidate.holidayPolicy = policy;
    }
  }

  if (errors.list.length > before) return null;
  const parsed = recurrenceRuleSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const col = COLUMN_OF_PATH[String(issue.path[0] ?? '')];
      errors.add(line, col ? COL[col] : null, issue.message);
    }
    return null;
  }
  return {
    line,
    title,
    rule: parsed.data,
    target: target === '' ? null : target,
    body: body === '' ? null : body,
  };
}

// ---------------------------------------------------------------- export

const KIND_EXPORT_WORD: Record<RecurrenceRule['kind'], string> = {
  once: '1回',
  daily: '毎日',
  weekdays: '平日',
  weekly: '毎週',
  monthlyDates: '毎月',
  monthEnd: '月末',
  everyNDays: '日ごと',
  nthWeekday: '第n曜日',
};

export interface RecurrenceCsvItem {
  title: string;
  rule: RecurrenceRule | RecurrenceRuleInput;
  target?: string | null;
  body?: string | null;
}

/**
 * The table for exporting patterns (header first) in the format {@link parseRecurrenceCsv}
 * reads, so staff can download, edit in Excel and upload again. Feed it to `toCsv`.
 */
export function recurrenceCsvRows(items: readonly RecurrenceCsvItem[]): string[][] {
  const keys = Object.keys(COL) as Col[];
  return [
    [...RECURRENCE_CSV_HEADER],
    ...items.map((item) => {
      const rule = recurrenceRuleSchema.parse(item.rule);
      const v: Partial<Record<Col, string>> = {
        title: item.title,
        kind: KIND_EXPORT_WORD[rule.kind],
        time: formatTime(rule.time),
        target: item.target ?? '',
        body: item.body ?? '',
      };
      if (rule.kind === 'once') {
        v.startDate = formatSlashDate(rule.date);
      } else {
        v.startDate = formatSlashDate(rule.startDate);
        v.endDate = rule.endDate ? formatSlashDate(rule.endDate) : '';
        v.count = rule.count !== undefined ? String(rule.count) : '';
        v.excludeDates = rule.excludeDates.map(formatSlashDate).join(';');
        v.closedDates = rule.closedDates.map(formatSlashDate).join(';');
        v.yearEndClosure = rule.yearEndClosure ? 'する' : '';
        v.holidayPolicy = rule.holidayPolicy === 'send' ? '' : POLICY_LABELS[rule.holidayPolicy];
        if (rule.kind === 'weekly' || rule.kind === 'nthWeekday')
          v.weekdays = rule.weekdays.map((wd) => WEEKDAY_NAMES_JA[wd]).join(';');
        if (rule.kind === 'weekly') v.interval = rule.intervalWeeks === 1 ? '' : String(rule.intervalWeeks);
        if (rule.kind === 'everyNDays') v.interval = String(rule.intervalDays);
        if (rule.kind === 'nthWeekday')
          v.ordinals = rule.ordinals.map((n) => (n === -1 ? '最終' : String(n))).join(';');
        if (rule.kind === 'monthlyDates') v.days = rule.days.join(';');
      }
      return keys.map((k) => v[k] ?? '');
    }),
  ];
}
