import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { withOps } from '../../platform/db/data-sources.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { HttpError } from '../../platform/http/errors.js';
import {
  createLineGateway,
  LINE_RATE_LIMITS,
  LineSendError,
  type LineGateway,
} from '../../platform/line/gateway.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { logger } from '../../platform/log/logger.js';
import { findChannel, onChannelSave, type ChannelKind } from '../line/channels.service.js';
import { gatewayFor } from '../line/gateways.js';
import { databaseSendLogSink } from '../line/send-log.sink.js';
import { trackRunLinks } from './click-tracking.js';
import { CHUNK_RETRY_WINDOW_SECONDS, deliveryConfig } from './delivery.config.js';
import { scheduleOpens } from './delivery-results.js';
import { queueRunEmails, snapshotEmailRecipients } from './delivery-email.js';
import type { AbTest, DeliveryTarget, RunPurpose, RunVariant } from './delivery.model.js';
import { abPredicate, queueDueDecisions, recordAbOccurrence, variantUnit } from './ab-test.js';
import {
  enqueueChunks,
  enqueueDecideAb,
  enqueueFire,
  enqueuePrepare,
  type FireDeliveryJob,
  type PrepareRunJob,
  type SendChunkJob,
} from './delivery.queue.js';
import { snapshotRecipients, targetPredicate, TargetError } from './recipients.js';
import { nextRunAfter, parseRecurrence, RECURRING_MISFIRE_TOLERANCE_MS } from './scheduling.js';

/**
 * The delivery engine (DESIGN.md "Delivery reliability", after GOV.UK Notify):
 *
 * 1. fire: a due delivery is claimed with a conditional update (status `scheduled` and the
 *    `next_run_at` being fired) in the same transaction that creates its run, unique per
 *    (delivery, fired_for): two schedulers, two workers or a retried job make one run.
 * 2. snapshot: one INSERT … SELECT writes a row per recipient (friends `created`, the others
 *    `skipped_blocked`) and assigns friends to chunks of ≤500, each with a retry key chosen now
 *    and stored; all in one transaction, so a crash leaves the run to be snapshotted again.
 * 3. send: a job claims one chunk (pending → sending, or sending past its lease → sending) and
 *    its recipients (created → sending), multicasts with the chunk's retry key, then marks the
 *    chunk accepted and its recipients sent in one transaction. LINE's 409 for a known retry key
 *    means "accepted earlier" and counts as success: a chunk replayed after a crash or a lost
 *    answer is never delivered twice. 4xx other than 409/429 fail the chunk with LINE's error;
 *    5xx, 429 and timeouts are retried, always with the same key.
 * 4. finish: the transaction that closes the last open chunk of a run marks the run sent (the run
 *    row is locked first, so of two chunks closing together the later one sees the other's result).
 * A sweeper fires due deliveries and resumes runs and chunks that a dead worker left behind.
 * Counts come from the rows, never from counters kept beside them.
 *
 * A/B tests (DEL-12, ab-test.ts): an occurrence of an A/B delivery is claimed like any other, but
 * its transaction creates two sample runs ('a', 'b') and the occurrence's decision row; the
 * decision (ab-decide.ts, a delayed job with the sweeper as its net) creates the 'rest' run in the
 * transaction that records the winner. The delivery is finished by its 'rest' run only.
 */

/**
 * Rows of an UPDATE … RETURNING: TypeORM answers UPDATE and DELETE with [rows, affected count]
 * (other statements with the rows alone).
 */
function updatedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return result as T[];
}

const SYSTEM = { actorType: 'system' as const, actorId: null, actorLabel: '配信エンジン' };

async function auditSystem(
  m: EntityManager,
  tenantId: string,
  action: string,
  deliveryId: string,
  detail: Record<string, unknown>,
  outcome: 'success' | 'failure' = 'success',
): Promise<void> {
  await appendToChain(
    m,
    { name: 'audit_log', tenantId },
    { ...SYSTEM, action, outcome, targetType: 'delivery', targetId: deliveryId, detail },
  );
}

// ------------------------------------------------------------------------------------ gateways

const GATEWAY_TTL_MS = 60_000;
const gateways = new Map<string, { gateway: Promise<LineGateway>; at: number }>();
onChannelSave((tenantId, kind) => gateways.delete(`${tenantId}:${kind}`));

/**
 * The channel's gateway, kept a minute per process: a million recipients are 2,000 chunks, and
 * building a gateway reads and decrypts the channel's token each time.
 */
function deliveryGateway(tenantId: string, kind: ChannelKind): Promise<LineGateway> {
  const key = `${tenantId}:${kind}`;
  const hit = gateways.get(key);
  if (hit && Date.now() - hit.at < GATEWAY_TTL_MS) return hit.gateway;
  const gateway = buildGateway(tenantId, kind);
  gateways.set(key, { gateway, at: Date.now() });
  gateway.catch(() => gateways.delete(key));
  return gateway;
}

/**
 * gatewayFor's gateway, unless this deployment sets its own multicast rate: then the same
 * gateway (channel token, Redis-shared limiter, database send log) with that limit.
 */
async function buildGateway(tenantId: string, kind: ChannelKind): Promise<LineGateway> {
  const perSecond = deliveryConfig().multicastPerSecond;
  if (perSecond === LINE_RATE_LIMITS.multicast.limit && LINE_RATE_LIMITS.multicast.windowMs === 1000)
    return gatewayFor(tenantId, kind);
  const channel = await withTenant(tenantId, (m) => findChannel(m, kind));
  if (!channel)
    throw new HttpError(
      409,
      kind === 'test' ? 'テスト用のLINEチャネルが設定されていません' : 'LINEチャネルが設定されていません',
    );
  return createLineGateway({
    channelKey: channel.channelId,
    channelAccessToken: channel.accessToken,
    sink: databaseSendLogSink(tenantId, kind),
    rateLimits: { multicast: { limit: perSecond, windowMs: 1000 } },
  });
}

/** Tests that reconfigure a channel in another process drop the cached gateways. */
export function forgetDeliveryGateways(): void {
  gateways.clear();
}

// ---------------------------------------------------------------------------------------- fire

interface DueDeliveryRow {
  id: string;
  scheduleKind: 'immediate' | 'at' | 'recurring';
  recurrence: unknown;
  channelKind: ChannelKind;
  target: DeliveryTarget;
  messages: LineMessage[];
  aggregationUnit: string;
  lastFiredAt: Date | null;
  abTest: AbTest | null;
}

/**
 * Claims the delivery's occurrence `firedFor` and creates its run, in one transaction. Null when
 * it is not due at that instant any more (fired already by someone else, cancelled, rescheduled).
 * A recurring delivery moves on to its next occurrence and stays `scheduled`; a missed recurring
 * occurrence older than the misfire tolerance is skipped, not sent late.
 */
export async function claimDue(tenantId: string, deliveryId: string, firedFor: Date): Promise<Claim | null> {
  const claim = await withTenant(tenantId, async (m): Promise<Claim | null> => {
    const rows: DueDeliveryRow[] = await m.query(
      `select id, schedule_kind as "scheduleKind", recurrence, channel_kind as "channelKind", target, messages,
              aggregation_unit as "aggregationUnit", last_fired_at as "lastFiredAt", ab_test as "abTest"
         from delivery where id = $1 and status = 'scheduled'
          -- JavaScript dates carry milliseconds; a time written by SQL may carry microseconds.
          and date_trunc('milliseconds', next_run_at) = date_trunc('milliseconds', $2::timestamptz)
        for update`,
      [deliveryId, firedFor],
    );
    const d = rows[0];
    if (!d) return null;
    const now = new Date();
    let next: Date | null = null;
    let stale = false;
    if (d.scheduleKind === 'recurring') {
      const parsed = parseRecurrence(d.recurrence);
      // Stored rules were validated when scheduled; one the library no longer reads ends the series.
      next = parsed.ok
        ? nextRunAfter(parsed.rule, new Date(Math.max(firedFor.getTime(), now.getTime())))
        : null;
      stale = now.getTime() - firedFor.getTime() > RECURRING_MISFIRE_TOLERANCE_MS;
    }
    if (stale) {
      await m.query(`update delivery set status = $2, next_run_at = $3, updated_at = now() where id = $1`, [
        d.id,
        next ? 'scheduled' : d.lastFiredAt ? 'sent' : 'failed',
        next,
      ]);
      await auditSystem(m, tenantId, 'delivery.occurrence_skipped', d.id, {
        firedFor,
        reason: '配信予定時刻を大きく過ぎていたため、この回の配信を見送りました',
        nextRunAt: next,
      });
      logger.warn({ tenantId, deliveryId, firedFor }, 'recurring delivery occurrence missed; skipped');
      return { runId: null, runIds: [], nextRunAt: next, decideAt: null };
    }
    await m.query(
      `update delivery set status = $2, next_run_at = $3, last_fired_at = $4, updated_at = now() where id = $1`,
      [d.id, next ? 'scheduled' : 'sending', next, firedFor],
    );
    const base = {
      deliveryId: d.id,
      purpose: 'production' as const,
      firedFor,
      channelKind: d.channelKind,
      target: d.target,
      requestedBy: null,
    };
    // The database refuses an A/B test on a recurring delivery; checked here too, so a row changed
    // by hand is sent as an ordinary delivery rather than an A/B test per occurrence.
    if (d.abTest && d.scheduleKind !== 'recurring') {
      // DEL-12: the two sample runs; the rest run is created by the decision.
      const runA = await createRun(m, tenantId, {
        ...base,
        variant: 'a',
        messages: d.messages,
        aggregationUnit: variantUnit(d.aggregationUnit, 'a'),
      });
      const runB = await createRun(m, tenantId, {
        ...base,
        variant: 'b',
        messages: d.abTest.variantB,
        aggregationUnit: variantUnit(d.aggregationUnit, 'b'),
      });
      // Counted from the claim (= firedFor unless the occurrence is fired late), so a late
      // sample still has its full time to collect clicks.
      const decideAt = new Date(
        Math.max(firedFor.getTime(), now.getTime()) + d.abTest.decideAfterMinutes * 60_000,
      );
      await recordAbOccurrence(m, tenantId, {
        deliveryId: d.id,
        firedFor,
        samplePercent: d.abTest.samplePercent,
        decideAt,
        runA,
        runB,
      });
      await auditSystem(m, tenantId, 'delivery.fire', d.id, {
        runId: runA,
        runIds: [runA, runB],
        firedFor,
        nextRunAt: next,
        abTest: { samplePercent: d.abTest.samplePercent, decideAt },
      });
      return { runId: runA, runIds: [runA, runB], nextRunAt: next, decideAt };
    }
    const runId = await createRun(m, tenantId, {
      ...base,
      messages: d.messages,
      aggregationUnit: d.aggregationUnit,
    });
    await auditSystem(m, tenantId, 'delivery.fire', d.id, { runId, firedFor, nextRunAt: next });
    return { runId, runIds: [runId], nextRunAt: next, decideAt: null };
  });
  // DEL-12: the decision waits as a delayed job; the sweeper finds it should the job be lost.
  if (claim?.decideAt) {
    await enqueueDecideAb(
      { tenantId, deliveryId, firedFor: firedFor.toISOString() },
      claim.decideAt.getTime() - Date.now(),
    ).catch((err: unknown) =>
      logger.error({ err, tenantId, deliveryId }, 'could not queue an A/B decision; the sweeper will'),
    );
  }
  // The next occurrence of a recurring delivery gets its own delayed job (the sweeper is the net).
  if (claim?.nextRunAt) {
    await enqueueFire(
      { tenantId, deliveryId, firedFor: claim.nextRunAt.toISOString() },
      claim.nextRunAt.getTime() - Date.now(),
    ).catch((err: unknown) =>
      logger.error({ err, tenantId, deliveryId }, 'could not queue the next occurrence'),
    );
  }
  return claim;
}

/** A claimed occurrence: its run (null when the occurrence was skipped) and the next one. */
export interface Claim {
  /** The run (an A/B occurrence: its sample run 'a'). */
  runId: string | null;
  /** Every run the claim created: one, or an A/B occurrence's sample runs 'a' and 'b'. */
  runIds: string[];
  nextRunAt: Date | null;
  /** An A/B occurrence: when its winner is chosen. */
  decideAt: Date | null;
}

export interface NewRun {
  deliveryId: string;
  purpose: RunPurpose;
  firedFor: Date;
  channelKind: ChannelKind;
  target: DeliveryTarget;
  messages: LineMessage[];
  aggregationUnit: string | null;
  requestedBy: string | null;
  /** DEL-12: an A/B test's part ('' for ordinary runs). */
  variant?: RunVariant;
}

/** Inserts a run (idempotent on delivery, purpose, fired_for and variant) and returns its id. */
export async function createRun(m: EntityManager, tenantId: string, run: NewRun): Promise<string> {
  const rows: Array<{ id: string }> = await m.query(
    `insert into delivery_run (tenant_id, delivery_id, purpose, fired_for, channel_kind, target, messages, aggregation_unit, requested_by, variant)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10)
     on conflict (tenant_id, delivery_id, purpose, fired_for, variant) do update set purpose = excluded.purpose
     returning id`,
    [
      tenantId,
      run.deliveryId,
      run.purpose,
      run.firedFor,
      run.channelKind,
      JSON.stringify(run.target),
      JSON.stringify(run.messages),
      run.aggregationUnit,
      run.requestedBy,
      run.variant ?? '',
    ],
  );
  const runId = rows[0]!.id;
  // DEL-8: the run's links become tracking links before any of it can be sent.
  await trackRunLinks(m, tenantId, runId);
  return runId;
}

/** The `fire-delivery` job: claim the occurrence, then snapshot and queue it (its runs) at once. */
export async function fireDelivery(job: FireDeliveryJob): Promise<{ runId: string | null }> {
  const claim = await claimDue(job.tenantId, job.deliveryId, new Date(job.firedFor));
  for (const runId of claim?.runIds ?? []) await prepareRun({ tenantId: job.tenantId, runId });
  return { runId: claim?.runId ?? null };
}

// ------------------------------------------------------------------------------------ snapshot

interface RunRow {
  id: string;
  deliveryId: string;
  purpose: RunPurpose;
  status: string;
  channelKind: ChannelKind;
  target: DeliveryTarget;
  /** The occurrence this run is for: conditions relative to today are evaluated on its day. */
  firedFor: Date;
  variant: RunVariant;
}

/** PostgreSQL errors that retrying cannot fix: bad SQL or data (classes 22 and 42). */
function isPermanentSqlError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('42'));
}

/**
 * The `prepare-run` job: snapshots a run still `snapshotting` and queues its pending chunks.
 * The run row is locked with SKIP LOCKED: if another worker is snapshotting it, this job leaves
 * it to that one. A target that cannot be resolved fails the run with a Japanese reason.
 */
export async function prepareRun(job: PrepareRunJob): Promise<{ status: string; chunks: number }> {
  const { tenantId, runId } = job;
  const out = await withTenant(tenantId, async (m) => {
    const rows: RunRow[] = await m.query(
      `select id, delivery_id as "deliveryId", purpose, status, channel_kind as "channelKind", target, fired_for as "firedFor", variant
         from delivery_run where id = $1 for update skip locked`,
      [runId],
    );
    const run = rows[0];
    if (!run) return { status: 'busy', chunks: [] as Array<{ id: string; attempts: number }> };
    if (run.status === 'snapshotting') {
      const failure = await snapshotOrReason(m, tenantId, run);
      if (failure) {
        await finishRun(m, tenantId, run, 'failed', failure);
        return { status: 'failed', chunks: [] };
      }
    }
    const fresh: Array<{ status: string }> = await m.query('select status from delivery_run where id = $1', [
      runId,
    ]);
    const status = fresh[0]!.status;
    const open: Array<{ id: string; attempts: number }> =
      status === 'sending'
        ? await m.query(
            `select id, attempts from delivery_chunk where tenant_id = $1 and run_id = $2 and status = 'pending' order by seq`,
            [tenantId, runId],
          )
        : [];
    return { status, chunks: open };
  });
  if (out.chunks.length) await enqueueChunks(tenantId, out.chunks);
  // DEL-10: the run's mails (snapshotted with its LINE recipients) are sent by their own jobs.
  await queueRunEmails(tenantId, runId);
  return { status: out.status, chunks: out.chunks.length };
}

/** Snapshots the run; returns a Japanese reason instead when it cannot be sent at all. */
async function snapshotOrReason(m: EntityManager, tenantId: string, run: RunRow): Promise<string | null> {
  const channel: unknown[] = await m.query('select 1 from line_channel where kind = $1', [run.channelKind]);
  if (!channel.length)
    return run.channelKind === 'test'
      ? 'テスト用のLINEチャネルが設定されていません'
      : 'LINEチャネルが設定されていません';
  let predicate;
  try {
    // A snapshot resumed after midnight still selects the residents of the occurrence's day
    // (a reminder "3 days after the registered date" must not slip by a day).
    predicate = await targetPredicate(m, run.target, run.firedFor);
    // DEL-12: an A/B occurrence's sample runs take their buckets, its rest run everyone else.
    predicate = await abPredicate(m, run, predicate);
  } catch (e) {
    if (e instanceof TargetError) return e.message;
    throw e;
  }
  await m.query('savepoint snapshot');
  let counts;
  try {
    counts = await snapshotRecipients(
      m,
      { tenantId, runId: run.id, channelKind: run.channelKind },
      predicate,
    );
    // DEL-10: the e-mail audience of the same target, in the same transaction. An A/B test's
    // mails go with its rest run only (the winner; the sample's friends excluded by its predicate).
    if (run.purpose !== 'production' || (run.variant !== 'a' && run.variant !== 'b'))
      await snapshotEmailRecipients(m, tenantId, run, predicate);
  } catch (e) {
    if (!isPermanentSqlError(e)) throw e;
    await m.query('rollback to savepoint snapshot');
    logger.error({ err: e, tenantId, runId: run.id }, 'delivery snapshot failed');
    return '配信先を抽出できませんでした（配信先の条件を確認してください）';
  }
  await m.query(
    `update delivery_run set status = 'sending', recipient_count = $2, skipped_count = $3, snapshot_at = clock_timestamp() where id = $1`,
    [run.id, counts.reachable, counts.skipped],
  );
  await auditSystem(m, tenantId, 'delivery.snapshot', run.deliveryId, {
    runId: run.id,
    purpose: run.purpose,
    recipients: counts.reachable,
    skippedBlocked: counts.skipped,
    chunks: counts.chunks,
  });
  if (counts.chunks === 0) await completeRunIfDone(m, tenantId, run.id);
  return null;
}

// ---------------------------------------------------------------------------------------- send

interface ClaimedChunk {
  runId: string;
  deliveryId: string;
  seq: number;
  retryKey: string;
  messages: LineMessage[];
  channelKind: ChannelKind;
  aggregationUnit: string | null;
  userIds: string[];
}

export type ChunkOutcome = 'accepted' | 'already_accepted' | 'failed' | 'not_claimed';

/**
 * The `send-chunk` job. Returns what happened; throws (so the queue retries with backoff) when
 * LINE could not be reached or kept answering 5xx/429, after putting the chunk back to pending.
 */
export async function sendChunk(job: SendChunkJob): Promise<ChunkOutcome> {
  const { tenantId, chunkId } = job;
  const cfg = deliveryConfig();
  const token = randomUUID();
  const chunk = await withTenant(tenantId, async (m): Promise<ClaimedChunk | null> => {
    const claimed = updatedRows<Omit<ClaimedChunk, 'userIds'>>(
      await m.query(
        `update delivery_chunk c
          set status = 'sending', claim_token = $2, claimed_at = now(), attempts = c.attempts + 1, updated_at = now()
         from delivery_run r
        where c.id = $1 and r.id = c.run_id and r.status = 'sending'
          and (c.status = 'pending' or (c.status = 'sending' and c.claimed_at < now() - make_interval(secs => $3)))
          and c.created_at > now() - make_interval(secs => $4)
        returning c.run_id as "runId", r.delivery_id as "deliveryId", c.seq, c.retry_key as "retryKey",
                  r.messages, r.channel_kind as "channelKind", r.aggregation_unit as "aggregationUnit"`,
        [chunkId, token, cfg.chunkLeaseSeconds, CHUNK_RETRY_WINDOW_SECONDS],
      ),
    );
    const c = claimed[0];
    if (!c) return null;
    // created → sending; a chunk taken over after a lease keeps its recipients in `sending`.
    const users = updatedRows<{ line_user_id: string }>(
      await m.query(
        `update delivery_recipient set status = 'sending'
          where tenant_id = $1 and chunk_id = $2 and status in ('created', 'sending')
          returning line_user_id`,
        [tenantId, chunkId],
      ),
    );
    return { ...c, userIds: users.map((u) => u.line_user_id) };
  });
  if (!chunk) return 'not_claimed';
  if (chunk.userIds.length === 0) {
    // Every recipient is already final (cannot happen through this engine): close the chunk.
    await withTenant(tenantId, (m) => markAccepted(m, tenantId, chunkId, chunk.runId, null, null));
    return 'accepted';
  }

  let gateway: LineGateway;
  try {
    gateway = await deliveryGateway(tenantId, chunk.channelKind);
  } catch (e) {
    if (e instanceof HttpError) {
      await withTenant(tenantId, (m) =>
        markFailed(m, tenantId, chunkId, chunk.runId, token, e.title, { kind: 'channel', message: e.title }),
      );
      return 'failed';
    }
    await release(tenantId, chunkId, token, (e as Error).message);
    throw e;
  }

  try {
    const res = await gateway.multicast(chunk.userIds, chunk.messages, {
      retryKey: chunk.retryKey,
      ...(chunk.aggregationUnit ? { customAggregationUnits: [chunk.aggregationUnit] } : {}),
      ref: `delivery-run:${chunk.runId}:${chunk.seq}`,
      // Give up before the lease ends, so this job never overlaps the one that may take over.
      signal: AbortSignal.timeout(cfg.chunkLeaseSeconds * 800),
    });
    await withTenant(tenantId, (m) =>
      markAccepted(m, tenantId, chunkId, chunk.runId, res.requestId, res.acceptedRequestId),
    );
    return res.status === 'already_accepted' ? 'already_accepted' : 'accepted';
  } catch (e) {
    if (e instanceof LineSendError && !e.retryable) {
      const summary = japaneseSummary(e);
      await withTenant(tenantId, (m) =>
        markFailed(m, tenantId, chunkId, chunk.runId, token, summary, {
          kind: e.kind,
          httpStatus: e.httpStatus,
          message: e.info.message,
          details: e.info.details,
          requestId: e.entry.requestId,
        }),
      );
      logger.warn(
        { tenantId, runId: chunk.runId, seq: chunk.seq, kind: e.kind, httpStatus: e.httpStatus },
        'delivery chunk refused by LINE',
      );
      return 'failed';
    }
    await release(tenantId, chunkId, token, e instanceof Error ? e.message : String(e));
    throw e;
  }
}

/** Staff read this in the delivery's history: what went wrong, in Japanese, with LINE's words kept. */
export function japaneseSummary(e: LineSendError): string {
  const line = e.info.message ? `（LINE: ${e.info.message}）` : '';
  switch (e.kind) {
    case 'invalid':
      return `LINEが受け付けない内容のため送信しませんでした: ${e.info.details.map((d) => d.message).join(' / ')}`;
    case 'quota':
      return `今月のメッセージ送信数の上限に達したため送信できませんでした${line}`;
    default:
      if (e.httpStatus === 401 || e.httpStatus === 403)
        return `LINEチャネルのアクセストークンが無効か、権限がありません（${e.httpStatus}）${line}`;
      if (e.httpStatus === 400) return `LINEがメッセージを受け付けませんでした（400）${line}`;
      if (e.httpStatus === 413) return `メッセージが大きすぎるためLINEが受け付けませんでした（413）`;
      return `LINEが送信を受け付けませんでした（${e.httpStatus ?? '応答なし'}）${line}`;
  }
}

/** The chunk goes back to pending for the queue's next attempt (same retry key). */
async function release(tenantId: string, chunkId: string, token: string, error: string): Promise<void> {
  await withTenant(tenantId, (m) =>
    m.query(
      `update delivery_chunk set status = 'pending', claim_token = null, last_error = $3, updated_at = now()
        where id = $1 and status = 'sending' and claim_token = $2`,
      [chunkId, token, error.slice(0, 500)],
    ),
  ).catch((err: unknown) => logger.error({ err, tenantId, chunkId }, 'could not release a delivery chunk'));
}

/**
 * LINE accepted the chunk (now or earlier): chunk accepted, its recipients sent, one transaction.
 * Acceptance is a fact reported by LINE, so it is recorded whoever holds the claim.
 */
async function markAccepted(
  m: EntityManager,
  tenantId: string,
  chunkId: string,
  runId: string,
  requestId: string | null,
  acceptedRequestId: string | null,
): Promise<void> {
  const done = updatedRows<{ id: string }>(
    await m.query(
      `update delivery_chunk
        set status = 'accepted', request_id = coalesce($2, request_id), accepted_request_id = $3,
            accepted_at = now(), claim_token = null, last_error = null, updated_at = now()
      where id = $1 and status in ('pending', 'sending') returning id`,
      [chunkId, requestId, acceptedRequestId],
    ),
  );
  if (!done.length) return;
  await m.query(
    `update delivery_recipient set status = 'sent', error = null
      where tenant_id = $1 and chunk_id = $2 and status in ('created', 'sending')`,
    [tenantId, chunkId],
  );
  await completeRunIfDone(m, tenantId, runId);
}

/** LINE refused the chunk for good: chunk failed with LINE's error, its recipients failed. */
async function markFailed(
  m: EntityManager,
  tenantId: string,
  chunkId: string,
  runId: string,
  token: string | null,
  summary: string,
  detail: Record<string, unknown>,
): Promise<void> {
  const done = updatedRows<{ id: string }>(
    await m.query(
      `update delivery_chunk set status = 'failed', claim_token = null, last_error = $3, error_detail = $4::jsonb, updated_at = now()
      where id = $1 and status in ('pending', 'sending') and ($2::uuid is null or claim_token = $2) returning id`,
      [chunkId, token, summary, JSON.stringify(detail)],
    ),
  );
  if (!done.length) return;
  await m.query(
    `update delivery_recipient set status = 'failed', error = $3
      where tenant_id = $1 and chunk_id = $2 and status in ('created', 'sending')`,
    [tenantId, chunkId, summary.slice(0, 300)],
  );
  await completeRunIfDone(m, tenantId, runId);
}

// -------------------------------------------------------------------------------------- finish

export interface RunCounts {
  recipients: number;
  sent: number;
  failed: number;
  skippedBlocked: number;
}

/**
 * Closes the run when no chunk is pending or sending. The run row is locked first: of two
 * transactions closing the last two chunks, the second waits, then sees the first's chunk closed.
 */
export async function completeRunIfDone(m: EntityManager, tenantId: string, runId: string): Promise<boolean> {
  const runs: RunRow[] = await m.query(
    `select id, delivery_id as "deliveryId", purpose, status, channel_kind as "channelKind", target, fired_for as "firedFor", variant
       from delivery_run where id = $1 for update`,
    [runId],
  );
  const run = runs[0];
  if (!run || run.status !== 'sending') return false;
  const open: unknown[] = await m.query(
    `select 1 from delivery_chunk where tenant_id = $1 and run_id = $2 and status in ('pending', 'sending') limit 1`,
    [tenantId, runId],
  );
  if (open.length) return false;
  const counts = await chunkCounts(m, tenantId, runId);
  await finishRun(m, tenantId, run, counts.sent === 0 && counts.failed > 0 ? 'failed' : 'sent', null, counts);
  return true;
}

async function chunkCounts(
  m: EntityManager,
  tenantId: string,
  runId: string,
): Promise<{ sent: number; failed: number }> {
  const rows: Array<{ sent: number; failed: number }> = await m.query(
    `select coalesce(sum(recipient_count) filter (where status = 'accepted'), 0)::int as sent,
            coalesce(sum(recipient_count) filter (where status = 'failed'), 0)::int as failed
       from delivery_chunk where tenant_id = $1 and run_id = $2`,
    [tenantId, runId],
  );
  return rows[0]!;
}

/** Ends a run, and a one-time delivery with it (a recurring one stays scheduled while it has a next run). */
async function finishRun(
  m: EntityManager,
  tenantId: string,
  run: RunRow,
  status: 'sent' | 'failed',
  error: string | null,
  counts: { sent: number; failed: number } = { sent: 0, failed: 0 },
): Promise<void> {
  const rows = updatedRows<{ recipient_count: number | null; skipped_count: number | null }>(
    await m.query(
      `update delivery_run set status = $2, error = $3, finished_at = clock_timestamp() where id = $1
       returning recipient_count, skipped_count`,
      [run.id, status, error],
    ),
  );
  if (run.purpose === 'production') {
    // An A/B test's sample runs leave the delivery `sending`: it ends with its rest run.
    if (run.variant === '' || run.variant === 'rest')
      await m.query(
        `update delivery set status = $2, updated_at = now() where id = $1 and status = 'sending'`,
        [run.deliveryId, status],
      );
    // DEL-8: LINE's open figures of the run are fetched from now on (delivery-results.ts).
    if (status === 'sent') await scheduleOpens(m, tenantId, run.id);
  }
  await auditSystem(
    m,
    tenantId,
    'delivery.run_finished',
    run.deliveryId,
    {
      runId: run.id,
      purpose: run.purpose,
      ...(run.variant ? { variant: run.variant } : {}),
      status,
      recipients: rows[0]?.recipient_count ?? 0,
      sent: counts.sent,
      failed: counts.failed,
      skippedBlocked: rows[0]?.skipped_count ?? 0,
      ...(error ? { error } : {}),
    },
    status === 'sent' ? 'success' : 'failure',
  );
}

/** A run's counts from its recipient rows (the authority; chunk sums agree with them). */
export async function runCounts(m: EntityManager, tenantId: string, runId: string): Promise<RunCounts> {
  const rows: Array<RunCounts> = await m.query(
    `select count(*) filter (where status <> 'skipped_blocked')::int as recipients,
            count(*) filter (where status = 'sent')::int as sent,
            count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status = 'skipped_blocked')::int as "skippedBlocked"
       from delivery_recipient where tenant_id = $1 and run_id = $2`,
    [tenantId, runId],
  );
  return rows[0]!;
}

// ------------------------------------------------------------------------------------- sweeper

export interface SweepReport {
  fired: number;
  resumedRuns: number;
  resumedChunks: number;
  expiredChunks: number;
  closedRuns: number;
  /** A/B decisions queued (overdue, their sample finished). */
  decisions: number;
}

/**
 * The sweeper (every minute, and once when a worker starts). Finds work across tenants through
 * the ops pool, then does each piece inside that tenant's own transaction:
 * - fires due scheduled deliveries (each claimed by claimDue's conditional update, so two
 *   sweepers never fire the same occurrence) and queues their snapshot;
 * - queues again runs still snapshotting after the run lease (their worker died);
 * - queues again chunks pending without progress, or sending past the chunk lease;
 * - fails chunks older than LINE's retry-key window, which can no longer be retried safely;
 * - closes runs whose chunks are all closed (should the closing transaction have been lost);
 * - queues the A/B decisions past their time whose sample runs have finished.
 */
export async function sweepDeliveries(): Promise<SweepReport> {
  const cfg = deliveryConfig();
  const report: SweepReport = {
    fired: 0,
    resumedRuns: 0,
    resumedChunks: 0,
    expiredChunks: 0,
    closedRuns: 0,
    decisions: 0,
  };
  const tag = `s${Date.now()}`;

  const due: Array<{ id: string; tenant_id: string; next_run_at: Date }> = await withOps((m) =>
    m.query(
      `select id, tenant_id, next_run_at from delivery
        where status = 'scheduled' and next_run_at <= now() order by next_run_at limit 500`,
    ),
  );
  for (const d of due) {
    try {
      const claim = await claimDue(d.tenant_id, d.id, d.next_run_at);
      if (!claim?.runId) continue;
      report.fired++;
      for (const runId of claim.runIds) await enqueuePrepare({ tenantId: d.tenant_id, runId });
    } catch (err) {
      logger.error({ err, tenantId: d.tenant_id, deliveryId: d.id }, 'could not fire a due delivery');
    }
  }

  const stuckRuns: Array<{ id: string; tenant_id: string }> = await withOps((m) =>
    m.query(
      `select id, tenant_id from delivery_run
        where status = 'snapshotting' and created_at < now() - make_interval(secs => $1) limit 500`,
      [cfg.runLeaseSeconds],
    ),
  );
  for (const r of stuckRuns) await enqueuePrepare({ tenantId: r.tenant_id, runId: r.id }, tag);
  report.resumedRuns = stuckRuns.length;

  const expired: Array<{ id: string; tenant_id: string; run_id: string }> = await withOps((m) =>
    m.query(
      `select id, tenant_id, run_id from delivery_chunk
        where status in ('pending', 'sending') and created_at < now() - make_interval(secs => $1)
          and (status = 'pending' or claimed_at < now() - make_interval(secs => $2)) limit 1000`,
      [CHUNK_RETRY_WINDOW_SECONDS, cfg.chunkLeaseSeconds],
    ),
  );
  for (const c of expired) {
    await withTenant(c.tenant_id, (m) =>
      markFailed(
        m,
        c.tenant_id,
        c.id,
        c.run_id,
        null,
        'LINEの再送キーの有効期限（24時間）内に送信を確認できなかったため、送信を中止しました',
        {
          kind: 'expired',
        },
      ),
    );
  }
  report.expiredChunks = expired.length;

  const stale: Array<{ id: string; tenant_id: string; attempts: number }> = await withOps((m) =>
    m.query(
      `select c.id, c.tenant_id, c.attempts from delivery_chunk c join delivery_run r on r.id = c.run_id
        where c.status in ('pending', 'sending') and r.status = 'sending'
          and ((c.status = 'pending' and c.updated_at < now() - make_interval(secs => $1))
            or (c.status = 'sending' and c.claimed_at < now() - make_interval(secs => $1)))
        order by c.updated_at limit 5000`,
      [cfg.chunkLeaseSeconds],
    ),
  );
  const byTenant = new Map<string, Array<{ id: string; attempts: number }>>();
  for (const c of stale) byTenant.set(c.tenant_id, [...(byTenant.get(c.tenant_id) ?? []), c]);
  for (const [tenantId, chunks] of byTenant) await enqueueChunks(tenantId, chunks, tag);
  report.resumedChunks = stale.length;

  const unclosed: Array<{ id: string; tenant_id: string }> = await withOps((m) =>
    m.query(
      `select r.id, r.tenant_id from delivery_run r
        where r.status = 'sending' and r.created_at < now() - make_interval(secs => $1)
          and not exists (select 1 from delivery_chunk c where c.run_id = r.id and c.status in ('pending', 'sending'))
        limit 500`,
      [cfg.chunkLeaseSeconds],
    ),
  );
  for (const r of unclosed) {
    if (await withTenant(r.tenant_id, (m) => completeRunIfDone(m, r.tenant_id, r.id))) report.closedRuns++;
  }

  // DEL-12: A/B decisions whose delayed job was lost (or ran before the sample had finished).
  report.decisions = await queueDueDecisions(tag);
  return report;
}
