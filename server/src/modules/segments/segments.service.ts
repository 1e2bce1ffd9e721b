import type { EntityManager } from 'typeorm';
import type { ChannelKind } from '../line/channels.service.js';
import { audienceSql, compileSegment } from './segment-sql.js';
import type { SegmentDefinition } from './segment.model.js';

export interface SegmentRow {
  id: string;
  organisationId: string;
  name: string;
  description: string;
  definition: SegmentDefinition;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const SEGMENT_COLUMNS = `s.id, s.organisation_id as "organisationId", s.name, s.description, s.definition,
  s.created_by as "createdBy", s.created_at as "createdAt", s.updated_at as "updatedAt"`;

/** A saved segment of the current tenant (RLS hides every other tenant's). */
export async function loadSegment(m: EntityManager, id: string): Promise<SegmentRow | null> {
  const rows: SegmentRow[] = await m.query(`select ${SEGMENT_COLUMNS} from segment s where s.id = $1`, [id]);
  return rows[0] ?? null;
}

/** Saved segments whose conditions name an item (they would silently match nobody without it). */
export async function segmentsUsingItem(
  m: EntityManager,
  code: string,
): Promise<Array<{ id: string; name: string }>> {
  return m.query(
    `select id, name from segment
      where jsonb_path_exists(definition, 'strict $.** ? (@.item == $code)', jsonb_build_object('code', $1::text))
      order by name`,
    [code],
  );
}

/**
 * Counting a segment over a million residents hashes a few hundred thousand ids; the default
 * work_mem (4 MB) would make PostgreSQL fall back to probing per resident. Raised for this
 * transaction only, with a ceiling on time so a pathological definition cannot hold a connection.
 */
export async function prepareCountQuery(m: EntityManager): Promise<void> {
  await m.query(`set local work_mem = '64MB'`);
  await m.query(`set local statement_timeout = '15s'`);
}

export interface SegmentCount {
  /** Friends of the channel who match. */
  count: number;
  /** Friends of the channel (the audience of "all friends"). */
  friends: number;
  /**
   * Residents of the channel who match but would not receive: blocked the account, or status
   * unknown. Staff see "対象 n人（ブロック等 m人を除く）" and know the conditions are right.
   */
  excluded: number;
}

/** SEG-6: how many friends of a channel a definition reaches now (what a delivery would snapshot). */
export async function countSegment(
  m: EntityManager,
  def: SegmentDefinition,
  channel: ChannelKind,
  now: Date,
): Promise<SegmentCount> {
  const params: unknown[] = [channel];
  const expr = compileSegment(def, params, now);
  await prepareCountQuery(m);
  // One pass over the matching residents of the channel, grouped by whether they would receive:
  // the conditions stay in WHERE, where PostgreSQL turns them into (semi-)joins; inside
  // `count(*) filter (…)` they could not, and a second statement would match everyone again.
  const split: Array<{ reachable: boolean; n: number }> = await m.query(
    `select r.friend_status = 'friend' as reachable, count(*)::int as n
       from resident r where r.channel_kind = $1 and (${expr}) group by 1`,
    params,
  );
  const friends: Array<{ n: number }> = await m.query(
    `select count(*)::int as n from resident r where ${audienceSql('$1')}`,
    [channel],
  );
  const of = (reachable: boolean) => split.find((x) => x.reachable === reachable)?.n ?? 0;
  return { count: of(true), friends: friends[0]!.n, excluded: of(false) };
}

/** A saved segment that no longer exists (deleted after a delivery was planned). Message in Japanese. */
export class SegmentNotFoundError extends Error {
  override name = 'SegmentNotFoundError';
  constructor() {
    super('配信先のセグメントが見つかりません（削除された可能性があります）');
  }
}

/**
 * A saved segment as a boolean SQL expression over `resident r` with its own parameters $1…$n,
 * compiled at the moment it is used (attributes change; the audience is who matches then). The
 * delivery engine's segment resolver has exactly this shape.
 */
export async function segmentPredicate(
  m: EntityManager,
  segmentId: string,
  now: Date,
): Promise<{ sql: string; params: unknown[] }> {
  const seg = await loadSegment(m, segmentId);
  if (!seg) throw new SegmentNotFoundError();
  const params: unknown[] = [];
  return { sql: compileSegment(seg.definition, params, now), params };
}
