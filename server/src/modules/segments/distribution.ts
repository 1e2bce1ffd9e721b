import { subject } from '@casl/ability';
import { z } from 'zod';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { assertCan, type StaffRequest } from '../../platform/http/tenant-route.js';
import { parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { CHANNEL_KINDS } from '../line/channels.service.js';
import { indexOptions, optionLabel, type AttributeItem } from '../attributes/attribute.model.js';
import { findItem } from '../attributes/attributes.service.js';
import { jstDate } from '../attributes/dates.js';
import { audienceSql, compileSegment } from './segment-sql.js';
import { loadSegment, prepareCountQuery } from './segments.service.js';

const query = z.object({
  channel: z
    .enum(CHANNEL_KINDS, { error: 'チャネルは production か test にしてください' })
    .default('production'),
  segmentId: uuidParam.optional(),
  /** Dates: by age band (years, `band` wide), by month or by year of the date. */
  by: z.enum(['age', 'month', 'year']).optional(),
  band: z.coerce.number().int().min(1).max(20).default(10),
  /** Numbers: bucket width (none: each value). */
  bucket: z.coerce.number().positive().optional(),
});

export interface Bucket {
  key: string;
  label: string;
  count: number;
  /** Hierarchy: 0 for top-level options; counts of a node include everything under it. */
  depth?: number;
  archived?: boolean;
}

/**
 * SEG-7 (KW 3.2.2.9 リサーチ機能): how friends answered one item — counts per option (per node of a
 * tree), per age band / month / year of a date, per number bucket — among friends of a channel,
 * optionally only those in a saved segment. Free text only says answered or not.
 */
export async function distributionHandler(ctx: StaffRequest) {
  const itemId = parseBody(uuidParam, ctx.req.params.id);
  const item = await findItem(ctx.m, itemId);
  if (!item) throw notFound('項目');
  const q = parseQuery(query, ctx.req.query);
  const params: unknown[] = [q.channel, item.id];
  let scope = audienceSql('$1');
  if (q.segmentId) {
    const seg = await loadSegment(ctx.m, q.segmentId);
    if (!seg) throw notFound('セグメント');
    assertCan(ctx, 'read', subject('Segment', { id: seg.id, organisationId: seg.organisationId }), {
      type: 'segment',
      id: seg.id,
    });
    scope += ` and (${compileSegment(seg.definition, params, new Date())})`;
  }
  await prepareCountQuery(ctx.m);
  const totals: Array<{ friends: number; answered: number }> = await ctx.m.query(
    `select count(*)::int as friends,
            count(*) filter (where r.id in (select v.resident_id from resident_attribute_value v where v.item_id = $2))::int as answered
       from resident r where ${scope}`,
    params,
  );
  const { friends, answered } = totals[0]!;
  const buckets = await bucketsOf(ctx, item, scope, params, q);
  return {
    item: { id: item.id, code: item.code, label: item.label, kind: item.kind },
    channel: q.channel,
    segmentId: q.segmentId ?? null,
    friends,
    answered,
    unanswered: friends - answered,
    /** What a bucket counts: residents, or dates (a resident with two children counts twice). */
    unit: item.kind === 'dates' ? 'values' : 'residents',
    buckets,
  };
}

async function bucketsOf(
  ctx: StaffRequest,
  item: AttributeItem,
  scope: string,
  params: unknown[],
  q: z.infer<typeof query>,
): Promise<Bucket[]> {
  const from = `from resident_attribute_value v join resident r on r.id = v.resident_id
    where v.item_id = $2 and ${scope}`;
  switch (item.kind) {
    case 'single':
    case 'multi':
    case 'hierarchy': {
      const rows: Array<{ code: string; n: number }> = await ctx.m.query(
        `select v.option_code as code, count(*)::int as n ${from} group by v.option_code`,
        params,
      );
      const counts = new Map(rows.map((r) => [r.code, r.n]));
      const index = indexOptions(item);
      // Every option in the order staff defined them, also those nobody chose.
      return [...index.values()].map((o) => ({
        key: o.code,
        label: item.kind === 'hierarchy' ? optionLabel(index, o.code) : o.label,
        count: counts.get(o.code) ?? 0,
        ...(item.kind === 'hierarchy' ? { depth: o.path.length - 1 } : {}),
        ...(o.archived ? { archived: true } : {}),
      }));
    }
    case 'date':
    case 'dates': {
      const by = q.by ?? 'age';
      if (by === 'age') {
        const today = jstDate(new Date());
        params.push(today, q.band);
        const t = `$${params.length - 1}::date`;
        const band = `$${params.length}::int`;
        const rows: Array<{ lo: number; n: number }> = await ctx.m.query(
          `select (floor(date_part('year', age(${t}, v.date_value)) / ${band}) * ${band})::int as lo, count(*)::int as n
             ${from} and v.date_value <= ${t} group by 1 order by 1`,
          params,
        );
        return rows.map((r) => ({
          key: String(r.lo),
          label: q.band === 1 ? `${r.lo}歳` : `${r.lo}〜${r.lo + q.band - 1}歳`,
          count: r.n,
        }));
      }
      const format = by === 'month' ? 'YYYY-MM' : 'YYYY';
      const rows: Array<{ k: string; n: number }> = await ctx.m.query(
        `select to_char(v.date_value, '${format}') as k, count(*)::int as n ${from} group by 1 order by 1`,
        params,
      );
      return rows.map((r) => ({
        key: r.k,
        label: by === 'month' ? `${r.k.slice(0, 4)}年${Number(r.k.slice(5))}月` : `${r.k}年`,
        count: r.n,
      }));
    }
    case 'number': {
      const unit = (item.config as { unit?: string }).unit ?? '';
      if (q.bucket) {
        params.push(q.bucket);
        const w = `$${params.length}::numeric`;
        const rows: Array<{ lo: string; n: number }> = await ctx.m.query(
          `select (floor(v.number_value / ${w}) * ${w})::text as lo, count(*)::int as n ${from} group by 1 order by 1::numeric`,
          params,
        );
        return rows.map((r) => ({
          key: r.lo,
          label: `${Number(r.lo)}〜${Number(r.lo) + q.bucket!}${unit}未満`,
          count: r.n,
        }));
      }
      const rows: Array<{ v: string; n: number }> = await ctx.m.query(
        `select v.number_value::text as v, count(*)::int as n ${from} group by v.number_value order by v.number_value limit 200`,
        params,
      );
      return rows.map((r) => ({ key: r.v, label: `${Number(r.v)}${unit}`, count: r.n }));
    }
    case 'text':
      return [];
    default:
      throw new HttpError(422, 'この項目は集計できません');
  }
}
