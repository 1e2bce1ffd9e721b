import {
  FORM_RESPONSE_SOURCES,
  FORM_RESPONSE_STATUSES,
  type FormCrossTab,
  type FormItemType,
  type FormOptionCount,
  type FormQuestionStats,
  type FormResponseSource,
  type FormStats,
  type FormResponseStatus,
} from '@tsunagu/server/contracts';

/**
 * The 集計 screen's arithmetic (FORM-7/8), kept out of the page so it can be tested: the filters
 * in the URL (the same names as the API and the response list, so a link between the two keeps
 * them), percentages of a question's options, the cross tabulation as a matrix with totals and row
 * percentages, and that matrix as a CSV Excel opens correctly (BOM, CRLF, formulas neutralised).
 */

// ---------------------------------------------------------------------------------------------
// The API's answers (GET /api/forms/:id/stats and /crosstab; server/src/modules/forms/form-stats.ts)

export type OptionCount = FormOptionCount;
export type QuestionStats = FormQuestionStats;
export type { FormStats };
export type CrossTab = FormCrossTab;

// ---------------------------------------------------------------------------------------------
// Filters in the URL

export interface StatsFilters {
  /** JST calendar days, YYYY-MM-DD (inclusive). */
  createdFrom: string;
  createdTo: string;
  status: FormResponseStatus[];
  source: FormResponseSource[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function list<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (!raw) return [];
  const wanted = new Set(raw.split(','));
  // In the allowed order, so the same choice always gives the same URL.
  return allowed.filter((v) => wanted.has(v));
}

/** Filters from the page URL; anything malformed is ignored rather than sent to the API. */
export function readStatsFilters(sp: URLSearchParams): StatsFilters {
  const day = (k: string) => {
    const v = sp.get(k) ?? '';
    return DAY.test(v) ? v : '';
  };
  return {
    createdFrom: day('createdFrom'),
    createdTo: day('createdTo'),
    status: list(sp.get('status'), FORM_RESPONSE_STATUSES),
    source: list(sp.get('source'), FORM_RESPONSE_SOURCES),
  };
}

/** The filters as URL / API query parameters (empty ones left out). */
export function statsQuery(f: StatsFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.createdFrom) out.createdFrom = f.createdFrom;
  if (f.createdTo) out.createdTo = f.createdTo;
  if (f.status.length) out.status = f.status.join(',');
  if (f.source.length) out.source = f.source.join(',');
  return out;
}

export function hasFilters(f: StatsFilters): boolean {
  return Object.keys(statsQuery(f)).length > 0;
}

/** 受付日 to before from: the API would answer nothing; say so before asking. */
export function filterProblem(f: StatsFilters): string | null {
  if (f.createdFrom && f.createdTo && f.createdTo < f.createdFrom)
    return '受付日の終わりは始まり以降の日付にしてください';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** A share as staff read it: one decimal, 「0.0%」 when there is nothing to divide. */
export function percent(count: number, base: number): string {
  if (base <= 0) return '0.0%';
  return `${((count / base) * 100).toFixed(1)}%`;
}

/** A share of 0…100 for drawing a bar. */
export function share(count: number, base: number): number {
  if (base <= 0) return 0;
  return Math.min(100, Math.max(0, (count / base) * 100));
}

const countFmt = new Intl.NumberFormat('ja-JP');
const numberFmt = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 2 });

export function formatCount(n: number): string {
  return countFmt.format(n);
}

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : numberFmt.format(n);
}

export interface OptionBar extends OptionCount {
  percent: string;
  share: number;
}

/**
 * The bars of a choice question: each option's count and its share of the responses that answered
 * the question. A multiple choice's shares add up to more than 100% (one response, several options).
 */
export function optionBars(q: QuestionStats): OptionBar[] {
  return (q.options ?? []).map((o) => ({
    ...o,
    percent: percent(o.count, q.answered),
    share: share(o.count, q.answered),
  }));
}

export interface HistogramBar {
  label: string;
  count: number;
  percent: string;
  share: number;
}

/**
 * The bars of a number question's histogram: each bin's range in words (20〜29 for whole numbers,
 * 0.2以上0.4未満 otherwise), its count and its share of all values.
 */
export function histogramBars(n: NonNullable<QuestionStats['number']>): HistogramBar[] {
  return n.histogram.map((b) => {
    const label =
      b.to === b.from
        ? formatNumber(b.from)
        : n.integral
          ? b.to - b.from === 1
            ? formatNumber(b.from)
            : `${formatNumber(b.from)}〜${formatNumber(b.to - 1)}`
          : `${formatNumber(b.from)}以上${formatNumber(b.to)}未満`;
    return { label, count: b.count, percent: percent(b.count, n.count), share: share(b.count, n.count) };
  });
}

export const MULTIPLE_TYPES: ReadonlySet<FormItemType> = new Set(['multipleChoice']);

/** Choice questions a cross tabulation accepts: not personal, not in a repeating section. */
export function crossCandidates(stats: FormStats): QuestionStats[] {
  return stats.questions.filter((q) => q.options && !q.personal && q.repeat === null);
}

// ---------------------------------------------------------------------------------------------
// Cross tabulation

export const UNANSWERED = '未回答';

export interface CrossLine {
  code: string | null;
  label: string;
}

export interface CrossMatrix {
  rowLabel: string;
  colLabel: string;
  rows: CrossLine[];
  cols: CrossLine[];
  /** counts[r][c] */
  counts: number[][];
  rowTotals: number[];
  colTotals: number[];
  grandTotal: number;
  /** Responses in the filter (a multiple choice can put one response in several cells). */
  responses: number;
}

function lines(options: Array<{ code: string; label: string }>, seen: Array<string | null>): CrossLine[] {
  const out: CrossLine[] = options.map((o) => ({ code: o.code, label: o.label }));
  const known = new Set(options.map((o) => o.code));
  // Codes no version names any more still count; shown by their code rather than dropped.
  for (const c of seen)
    if (c !== null && !known.has(c)) {
      known.add(c);
      out.push({ code: c, label: c });
    }
  if (seen.includes(null)) out.push({ code: null, label: UNANSWERED });
  return out;
}

/** The API's cells as a table: every option as a row or column (zeros too), 未回答 last when any. */
export function crossMatrix(ct: CrossTab): CrossMatrix {
  const rows = lines(
    ct.row.options,
    ct.cells.map((c) => c.row),
  );
  const cols = lines(
    ct.col.options,
    ct.cells.map((c) => c.col),
  );
  const ri = new Map(rows.map((r, i) => [r.code, i]));
  const ci = new Map(cols.map((c, i) => [c.code, i]));
  const counts = rows.map(() => cols.map(() => 0));
  for (const cell of ct.cells) counts[ri.get(cell.row)!]![ci.get(cell.col)!]! += cell.count;
  const rowTotals = counts.map((r) => r.reduce((a, b) => a + b, 0));
  const colTotals = cols.map((_, j) => counts.reduce((a, r) => a + r[j]!, 0));
  return {
    rowLabel: ct.row.label,
    colLabel: ct.col.label,
    rows,
    cols,
    counts,
    rowTotals,
    colTotals,
    grandTotal: rowTotals.reduce((a, b) => a + b, 0),
    responses: ct.total,
  };
}

/** A spreadsheet would run a cell starting with these as a formula (the server's CSV rule too). */
const FORMULA_START = /^'*[=+\-@\t\r＝＋－＠]/;

export function csvCell(v: string | number): string {
  let s = typeof v === 'number' ? String(v) : FORMULA_START.test(v) ? `'${v}` : v;
  if (/[",\r\n]/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

/**
 * The cross tabulation as CSV: counts with row totals and column totals, then the same table as
 * row percentages. UTF-8 with a BOM and CRLF, as the server's CSVs, so Excel opens it as it is.
 */
export function crossCsv(m: CrossMatrix): string {
  const head = [`${m.rowLabel} ＼ ${m.colLabel}`, ...m.cols.map((c) => c.label), '計'];
  const records: Array<Array<string | number>> = [['件数'], head];
  m.rows.forEach((r, i) => records.push([r.label, ...m.counts[i]!, m.rowTotals[i]!]));
  records.push(['計', ...m.colTotals, m.grandTotal]);
  records.push([]);
  records.push(['行の割合（%）']);
  records.push(head);
  m.rows.forEach((r, i) =>
    records.push([
      r.label,
      ...m.counts[i]!.map((n) => percent(n, m.rowTotals[i]!)),
      percent(m.rowTotals[i]!, m.rowTotals[i]!),
    ]),
  );
  records.push([
    '計',
    ...m.colTotals.map((n) => percent(n, m.grandTotal)),
    percent(m.grandTotal, m.grandTotal),
  ]);
  return `\uFEFF${records.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** A file name for the download: the form and the two items, without characters Windows refuses. */
export function crossCsvName(formTitle: string, m: CrossMatrix): string {
  return `${formTitle}_クロス集計_${m.rowLabel}×${m.colLabel}.csv`.replace(/[\\/:*?"<>|\r\n]/g, '_');
}
