import type { Response } from 'express';
import type { EntityManager } from 'typeorm';
import {
  describePath,
  FORM_RESPONSE_SOURCE_LABELS,
  FORM_RESPONSE_STATUS_LABELS,
  type CompiledForm,
  type CompiledItem,
  type FormAnswers,
  type FormAnswerValue,
  type FormEntryAnswers,
} from '../../contracts/index.js';
import { decryptField } from '../../platform/crypto/tenant-keys.js';
import { contentDisposition, csvFileName, toCsv, type CsvEncoding } from '../../platform/http/csv.js';
import { logger } from '../../platform/log/logger.js';
import { answerCell } from './form-answers.js';
import { MEMO_PURPOSE, readAnswers } from './form-submit.js';
import { RAW_RESPONSE_COLUMNS, type RawResponseRow } from './form-responses.js';

/**
 * The responses CSV (FORM-7): streamed from a server-side cursor in batches, each batch turned
 * into CSV by platform/http/csv.ts (formula-injection safe, UTF-8 with BOM or Shift_JIS) and
 * written with back-pressure, so memory stays flat whatever the number of responses. One column
 * per item of every published version (the latest version's order, items that only older versions
 * had at the end); a repeating section gets its items once per entry, as many entries as any
 * response has. Cells are read with the response's own version (its options' labels).
 */

export interface CsvColumn {
  header: string;
  /** The section of a repeating item and the entry index, or null for a top-level item. */
  entry: { section: string; index: number } | null;
  code: string;
}

const BATCH = 2000;

/** The item columns of a form across its versions (see the module comment). */
export function csvColumns(versions: CompiledForm[], repeatEntries: Record<string, number>): CsvColumn[] {
  const latest = versions[versions.length - 1];
  if (!latest) return [];
  const seen = new Set<string>();
  const out: CsvColumn[] = [];
  const addFrom = (form: CompiledForm) => {
    for (const page of form.pages)
      for (const cs of page.sections) {
        const inputs = cs.items.filter((ci) => ci.input && !seen.has(ci.code));
        if (!inputs.length) continue;
        for (const ci of inputs) seen.add(ci.code);
        const repeat = cs.section.repeat;
        if (!repeat) {
          for (const ci of inputs)
            out.push({ header: describePath(form, ci.code), entry: null, code: ci.code });
          continue;
        }
        const n = Math.min(Math.max(repeatEntries[cs.code] ?? 0, 1), repeat.max);
        for (let i = 0; i < n; i++)
          for (const ci of inputs)
            out.push({
              header: describePath(form, `${cs.code}.${i}.${ci.code}`),
              entry: { section: cs.code, index: i },
              code: ci.code,
            });
      }
  };
  addFrom(latest);
  for (let v = versions.length - 2; v >= 0; v--) addFrom(versions[v]!);
  return out;
}

const JST_OFFSET_MS = 9 * 3600 * 1000;
/** 2026-04-01 09:30:00 in Japan time: what Excel reads as a date and staff read as local time. */
export function jstDateTime(d: Date): string {
  return new Date(d.getTime() + JST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

const FIXED_HEADERS = ['受付番号', '受付日時', '更新日時', '状態', '回答方法', '版', 'メモ'];

function cellOf(
  col: CsvColumn,
  answers: FormAnswers,
  form: CompiledForm | undefined,
  fallback: CompiledItem | undefined,
): string | number | null {
  let value: FormAnswerValue | undefined;
  if (col.entry) {
    const entries = answers[col.entry.section];
    value = Array.isArray(entries) ? (entries as FormEntryAnswers[])[col.entry.index]?.[col.code] : undefined;
  } else value = answers[col.code] as FormAnswerValue | undefined;
  if (value === undefined) return null;
  const ci = form?.items.get(col.code) ?? fallback;
  return ci ? answerCell(ci, value) : null;
}

function waitForDrain(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams the CSV of the responses matching `where` (built by responseWhere with `params`) to
 * `res`, inside the caller's transaction. Answers the number of rows written and whether the
 * client received everything (it may have gone away).
 */
export async function streamResponsesCsv(
  m: EntityManager,
  res: Response,
  opts: {
    title: string;
    versions: CompiledForm[];
    repeatEntries: Record<string, number>;
    where: string;
    params: unknown[];
    encoding: CsvEncoding;
    now?: Date;
  },
): Promise<{ rows: number; complete: boolean }> {
  const byVersion = new Map(opts.versions.map((v) => [v.version, v]));
  const latest = opts.versions[opts.versions.length - 1];
  const columns = csvColumns(opts.versions, opts.repeatEntries);
  const fallback = new Map<string, CompiledItem>();
  for (const v of opts.versions) for (const [code, ci] of v.items) fallback.set(code, ci);
  const sjis = opts.encoding === 'sjis';
  res.setHeader('Content-Type', sjis ? 'text/csv; charset=Shift_JIS' : 'text/csv; charset=utf-8');
  res.setHeader(
    'Content-Disposition',
    contentDisposition(csvFileName(`${opts.title}_回答`, opts.now ?? new Date())),
  );
  res.setHeader('Cache-Control', 'no-store');
  res.status(200);
  let first = true;
  const write = async (rows: unknown[][]): Promise<boolean> => {
    let bytes = toCsv(rows, { encoding: opts.encoding });
    // toCsv starts every UTF-8 piece with a BOM: the file has one, at its very start.
    if (!sjis && !first) bytes = bytes.subarray(3);
    first = false;
    if (res.destroyed) return false;
    if (!res.write(bytes)) await waitForDrain(res);
    return !res.destroyed;
  };
  let rows = 0;
  let complete = await write([[...FIXED_HEADERS, ...columns.map((c) => c.header)]]);
  const cursor = `form_csv_${Math.random().toString(36).slice(2, 10)}`;
  await m.query(
    `declare ${cursor} no scroll cursor for
       select ${RAW_RESPONSE_COLUMNS} from form_response fr where ${opts.where} order by fr.submitted_at, fr.id`,
    opts.params,
  );
  try {
    // The next batch is asked for before this one is turned into CSV: the database reads while Node works.
    let pending: Promise<RawResponseRow[]> = m.query(`fetch ${BATCH} from ${cursor}`);
    while (complete) {
      const batch = await pending;
      if (!batch.length) break;
      pending = m.query(`fetch ${BATCH} from ${cursor}`);
      pending.catch(() => undefined);
      const out: unknown[][] = [];
      for (const r of batch) {
        const answers = await readAnswers(r);
        const form = byVersion.get(r.version) ?? latest;
        out.push([
          r.receipt_number,
          jstDateTime(r.submitted_at),
          jstDateTime(r.updated_at),
          FORM_RESPONSE_STATUS_LABELS[r.status] ?? r.status,
          FORM_RESPONSE_SOURCE_LABELS[r.source] ?? r.source,
          r.version,
          r.memo_enc ? await decryptField(r.memo_enc, MEMO_PURPOSE(r.id)) : '',
          ...columns.map((c) => cellOf(c, answers, form, fallback.get(c.code))),
        ]);
      }
      rows += batch.length;
      complete = await write(out);
    }
  } catch (err) {
    // The header is out: the only honest signal left is a cut connection (the file is incomplete).
    logger.error({ err }, 'responses CSV export failed midway');
    res.destroy();
    complete = false;
  } finally {
    await m.query(`close ${cursor}`).catch(() => undefined);
  }
  if (complete) res.end();
  else if (!res.destroyed) res.destroy();
  return { rows, complete };
}
