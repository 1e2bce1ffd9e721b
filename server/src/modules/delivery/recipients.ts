import type { EntityManager } from 'typeorm';
import type { ChannelKind } from '../line/channels.service.js';
import { segmentPredicate, SegmentNotFoundError } from '../segments/segments.service.js';
import { CHUNK_SIZE, type DeliveryTarget } from './delivery.model.js';

/**
 * Recipient resolution (DEL-1, 2): every target becomes a SQL boolean expression over the
 * `resident` table under the alias `r`, and a run's snapshot is ONE `INSERT … SELECT` from
 * `resident r where <predicate>` — never a loop over residents, so a million friends cost one
 * statement.
 */

/** A boolean SQL expression over `resident r` whose placeholders are `$1…$n` = `params`. */
export interface SqlPredicate {
  sql: string;
  params: unknown[];
}

/** A target that cannot be resolved; `message` is Japanese, for staff. */
export class TargetError extends Error {
  override name = 'TargetError';
}

/**
 * The predicate of a target. A saved segment is compiled by the segments module at this moment
 * (segmentPredicate → compileSegment(def, params, now)): attributes change, and the audience is who
 * matches when the run fires. `segmentPredicate` in `opts` replaces that (a caller that compiled
 * a definition itself, e.g. an unsaved one).
 */
export async function targetPredicate(
  m: EntityManager,
  target: DeliveryTarget,
  now: Date,
  opts: { segmentPredicate?: SqlPredicate } = {},
): Promise<SqlPredicate> {
  switch (target.type) {
    case 'all':
      return { sql: 'TRUE', params: [] };
    case 'testers':
      return { sql: 'r.is_tester', params: [] };
    case 'residents':
      return { sql: 'r.id = ANY($1::uuid[])', params: [target.residentIds] };
    case 'segment': {
      if (opts.segmentPredicate) return opts.segmentPredicate;
      try {
        return await segmentPredicate(m, target.segmentId, now);
      } catch (e) {
        if (e instanceof SegmentNotFoundError) throw new TargetError(e.message);
        throw e;
      }
    }
  }
}

/** `count` placeholders numbered after the first `offset` ones: the predicate's params come first. */
function placeholdersAfter(count: number, offset: number): string[] {
  return Array.from({ length: count }, (_, i) => `$${offset + i + 1}`);
}

export interface SnapshotCounts {
  /** Residents matched by the target (friends and not). */
  matched: number;
  /** Friends: they get the messages. */
  reachable: number;
  /** Blocked or not (yet) friends: counted, never sent to. */
  skipped: number;
  chunks: number;
}

/**
 * Snapshots the recipients of a run and splits them into chunks of ≤500, inside the caller's
 * transaction (all or nothing: a crash leaves no half snapshot).
 *
 * One INSERT … SELECT writes every recipient row with its status — `created` for friends,
 * `skipped_blocked` for blocked and unknown ones — and, for friends, the id of its chunk
 * (friends numbered in resident-id order, 500 per chunk). Chunk ids are derived from (run, seq),
 * so the chunk rows are then created from a count, not by reading recipients back. ON CONFLICT DO
 * NOTHING makes a repeated snapshot of the same run harmless.
 */
export async function snapshotRecipients(
  m: EntityManager,
  run: { tenantId: string; runId: string; channelKind: ChannelKind },
  predicate: SqlPredicate,
): Promise<SnapshotCounts> {
  const k = predicate.params.length;
  const [pRun, pTenant, pChannel] = placeholdersAfter(3, k);
  // Numbering a million friends into chunks sorts them; the default 4 MB would spill to disk.
  await m.query(`set local work_mem = '64MB'`);
  await m.query(
    `with picked as (
       select r.id, r.line_user_id, r.friend_status = 'friend' as reachable
         from resident r
        where r.channel_kind = ${pChannel} and (${predicate.sql})
     ), numbered as (
       select p.id, p.line_user_id, p.reachable,
              (row_number() over (partition by p.reachable order by p.id) - 1) / ${CHUNK_SIZE} as seq
         from picked p
     )
     insert into delivery_recipient (tenant_id, run_id, resident_id, line_user_id, status, chunk_id)
     select ${pTenant}::uuid, ${pRun}::uuid, n.id, n.line_user_id,
            case when n.reachable then 'created' else 'skipped_blocked' end,
            case when n.reachable then md5(${pRun}::text || '/' || n.seq)::uuid end
       from numbered n
     on conflict (tenant_id, run_id, resident_id) do nothing`,
    [...predicate.params, run.runId, run.tenantId, run.channelKind],
  );
  const counts: Array<{ reachable: number; skipped: number }> = await m.query(
    `select count(*) filter (where status <> 'skipped_blocked')::int as reachable,
            count(*) filter (where status = 'skipped_blocked')::int as skipped
       from delivery_recipient where tenant_id = $1 and run_id = $2`,
    [run.tenantId, run.runId],
  );
  const { reachable, skipped } = counts[0]!;
  const chunks = Math.ceil(reachable / CHUNK_SIZE);
  if (chunks > 0) {
    // Each chunk's retry key is chosen here, once, and stored: every attempt of every job reuses it.
    await m.query(
      `insert into delivery_chunk (id, tenant_id, run_id, seq, recipient_count, retry_key)
       select md5($2::uuid::text || '/' || s)::uuid, $1::uuid, $2::uuid, s,
              least(${CHUNK_SIZE}, $3::int - s * ${CHUNK_SIZE}), gen_random_uuid()
         from generate_series(0, $4::int - 1) s
       on conflict (tenant_id, run_id, seq) do nothing`,
      [run.tenantId, run.runId, reachable, chunks],
    );
  }
  return { matched: reachable + skipped, reachable, skipped, chunks };
}

/** How many residents a target reaches now (friends) and how many it would skip: a preview. */
export async function countTarget(
  m: EntityManager,
  channelKind: ChannelKind,
  predicate: SqlPredicate,
): Promise<{ reachable: number; skipped: number }> {
  const [pChannel] = placeholdersAfter(1, predicate.params.length);
  const rows: Array<{ reachable: number; skipped: number }> = await m.query(
    `select count(*) filter (where r.friend_status = 'friend')::int as reachable,
            count(*) filter (where r.friend_status <> 'friend')::int as skipped
       from resident r where r.channel_kind = ${pChannel} and (${predicate.sql})`,
    [...predicate.params, channelKind],
  );
  return rows[0]!;
}
