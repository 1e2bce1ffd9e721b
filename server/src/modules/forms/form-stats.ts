import type { EntityManager } from 'typeorm';
import {
  FORM_ITEM_TYPE_LABELS,
  type CompiledForm,
  type CompiledItem,
  type FormCrossTab,
  type FormOptionCount,
  type FormQuestionStats,
} from '../../contracts/index.js';
import { HttpError } from '../../platform/http/errors.js';
import { isPersonalItem } from './form-answers.js';
import { itemAcross } from './form-responses.js';

/**
 * Analysis of responses (FORM-7 「設問ごとのグラフ」, FORM-11): per question, how many responses
 * answered it and, for choices, how many chose each option (a response counts once per option
 * even when several entries of a repeating section chose it); numbers get count, minimum,
 * maximum, mean, median and a histogram of round-width bins; dates their range. Personal items
 * give the answered count only (their answers are sealed). A cross tabulation counts pairs of options of two choice questions. Every
 * figure is computed in SQL over the same WHERE clause as the list (filters apply).
 */

export type OptionCount = FormOptionCount;
export type QuestionStats = FormQuestionStats;
export type CrossTab = FormCrossTab;

/** Rounds away the binary noise of decimal steps (0.1 + 0.2). */
const tidy = (x: number) => Number(x.toPrecision(12));

/**
 * Bins for a histogram of values between `min` and `max`: about `target` bins of a round width
 * (1, 2 or 5 times a power of ten; whole numbers when every value is whole), starting at a
 * multiple of the width so the edges read naturally (20〜29, not 17.3〜26.1).
 */
export function histogramBins(
  min: number,
  max: number,
  integral: boolean,
  target = 10,
): { start: number; width: number; bins: number } {
  if (!(max > min)) return { start: min, width: integral ? 1 : 0, bins: 1 };
  const raw = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let width = tidy([1, 2, 5, 10].map((k) => k * magnitude).find((w) => w >= raw * (1 - 1e-9))!);
  if (integral) width = Math.max(1, Math.round(width));
  const start = tidy(Math.floor(min / width) * width);
  const bins = Math.floor(tidy((max - start) / width)) + 1;
  return { start, width, bins };
}

/** Items of every version, latest order first (as the CSV's columns). */
function questions(versions: CompiledForm[]): CompiledItem[] {
  const seen = new Set<string>();
  const out: CompiledItem[] = [];
  for (let v = versions.length - 1; v >= 0; v--)
    for (const ci of versions[v]!.items.values())
      if (ci.input && !seen.has(ci.code)) {
        seen.add(ci.code);
        out.push(ci);
      }
  return out;
}

/** Options of a choice item across versions: the latest labels, options only older versions had after. */
function optionsAcross(versions: CompiledForm[], code: string): Array<{ code: string; label: string }> {
  const out = new Map<string, string>();
  for (let v = versions.length - 1; v >= 0; v--) {
    const ci = versions[v]!.items.get(code);
    for (const [oc, o] of ci?.options ?? []) if (!out.has(oc)) out.set(oc, o.label);
  }
  return [...out].map(([c, label]) => ({ code: c, label }));
}

const labelOf = (ci: CompiledItem) => ('label' in ci.item && ci.item.label) || ci.code;

export async function responseStats(
  m: EntityManager,
  versions: CompiledForm[],
  where: string,
  params: unknown[],
): Promise<{ total: number; questions: QuestionStats[] }> {
  const facetRows: Array<{ facet: string; n: number }> = await m.query(
    // An option above the chosen one (code^area) counts as chosen (code=area), once per response.
    `select x.f as facet, count(*)::int as n from form_response fr
       cross join lateral (select distinct replace(f, '^', '=') as f from unnest(fr.facets) f) x
      where ${where} group by x.f`,
    params,
  );
  const counts = new Map(facetRows.map((r) => [r.facet, r.n]));
  const totalRows: Array<{ n: number }> = await m.query(
    `select count(*)::int as n from form_response fr where ${where}`,
    params,
  );
  const out: QuestionStats[] = [];
  for (const ci of questions(versions)) {
    const personal = isPersonalItem(ci);
    const q: QuestionStats = {
      code: ci.code,
      label: labelOf(ci),
      type: ci.item.type,
      typeLabel: FORM_ITEM_TYPE_LABELS[ci.item.type],
      personal,
      repeat: ci.section.section.repeat ? ci.section.code : null,
      answered: counts.get(ci.code) ?? 0,
    };
    if (!personal && ci.options)
      q.options = optionsAcross(versions, ci.code).map((o) => ({
        ...o,
        // A hierarchy counts an area with everything chosen under it.
        count: counts.get(`${ci.code}=${o.code}`) ?? 0,
      }));
    if (!personal && (ci.item.type === 'number' || ci.item.type === 'date')) {
      const path = `$${q.repeat ? `."${q.repeat}"[*]` : ''}."${ci.code}"`;
      const p = [...params, path];
      const value = `jsonb_path_query(fr.answers, $${p.length}::jsonpath)`;
      if (ci.item.type === 'number') {
        const values = `from form_response fr
               cross join lateral (select (x #>> '{}')::numeric as v from ${value} x where jsonb_typeof(x) = 'number') t
              where ${where}`;
        const rows: Array<{
          count: number;
          min: string | null;
          max: string | null;
          mean: string | null;
          median: number | null;
          integral: boolean | null;
        }> = await m.query(
          `select count(v)::int as count, min(v) as min, max(v) as max, avg(v) as mean,
                  percentile_cont(0.5) within group (order by v) as median,
                  bool_and(v = trunc(v)) as integral ${values}`,
          p,
        );
        const r = rows[0]!;
        const num = (s: string | number | null) => (s === null ? null : Number(s));
        const [min, max] = [num(r.min), num(r.max)];
        const integral = r.integral !== false;
        const histogram: Array<{ from: number; to: number; count: number }> = [];
        if (min !== null && max !== null) {
          const { start, width, bins } = histogramBins(min, max, integral);
          const counts = new Map<number, number>();
          if (width > 0) {
            const hp = [...p, start, width, bins - 1];
            const binRows: Array<{ bin: number; n: number }> = await m.query(
              `select least(greatest(floor((v - $${hp.length - 2}::numeric) / $${hp.length - 1}::numeric), 0), $${hp.length}::int)::int as bin,
                      count(*)::int as n ${values} group by 1`,
              hp,
            );
            for (const b of binRows) counts.set(b.bin, b.n);
          } else counts.set(0, r.count);
          for (let b = 0; b < bins; b++) {
            const from = tidy(start + b * width);
            histogram.push({ from, to: tidy(from + width), count: counts.get(b) ?? 0 });
          }
        }
        q.number = {
          count: r.count,
          min,
          max,
          mean: num(r.mean),
          median: num(r.median),
          integral,
          histogram,
        };
      } else {
        const rows: Array<{ min: string | null; max: string | null }> = await m.query(
          `select min(v) as min, max(v) as max from form_response fr
             cross join lateral (select x #>> '{}' as v from ${value} x where jsonb_typeof(x) = 'string') t
            where ${where}`,
          p,
        );
        q.dates = { min: rows[0]!.min, max: rows[0]!.max };
      }
    }
    out.push(q);
  }
  return { total: totalRows[0]!.n, questions: out };
}

function crossItem(versions: CompiledForm[], code: string, path: 'row' | 'col'): CompiledItem {
  const ci = itemAcross(versions, code);
  const refuse = (message: string) =>
    new HttpError(400, '集計の指定が正しくありません', { errors: [{ path, message }] });
  if (!ci) throw refuse(`項目「${code}」はこのフォームにありません`);
  if (!ci.options) throw refuse(`「${labelOf(ci)}」は選択肢の項目ではありません`);
  if (isPersonalItem(ci)) throw refuse(`「${labelOf(ci)}」は個人情報の項目のため集計できません`);
  if (ci.section.section.repeat)
    throw refuse(`「${labelOf(ci)}」は繰り返しセクションの項目のため、クロス集計できません`);
  return ci;
}

export async function crossTab(
  m: EntityManager,
  versions: CompiledForm[],
  rowCode: string,
  colCode: string,
  where: string,
  params: unknown[],
): Promise<CrossTab> {
  const row = crossItem(versions, rowCode, 'row');
  const col = crossItem(versions, colCode, 'col');
  const p = [...params, row.code, col.code];
  // A choice answer as a set of option codes (one for a single choice, several for a multiple one).
  const elements = (n: number, column: string) =>
    `(select x.${column} from jsonb_array_elements_text(case jsonb_typeof(fr.answers -> $${n})
        when 'array' then fr.answers -> $${n} when 'string' then jsonb_build_array(fr.answers -> $${n})
        else '[]'::jsonb end) as x(${column}))`;
  const cells: Array<{ row: string | null; col: string | null; count: number }> = await m.query(
    `select rr.row_code as "row", cc.col_code as "col", count(*)::int as count
       from form_response fr
       left join lateral ${elements(p.length - 1, 'row_code')} rr on true
       left join lateral ${elements(p.length, 'col_code')} cc on true
      where ${where}
      group by rr.row_code, cc.col_code order by rr.row_code nulls last, cc.col_code nulls last`,
    p,
  );
  const total: Array<{ n: number }> = await m.query(
    `select count(*)::int as n from form_response fr where ${where}`,
    params,
  );
  return {
    total: total[0]!.n,
    row: { code: row.code, label: labelOf(row), options: optionsAcross(versions, row.code) },
    col: { code: col.code, label: labelOf(col), options: optionsAcross(versions, col.code) },
    cells,
  };
}
