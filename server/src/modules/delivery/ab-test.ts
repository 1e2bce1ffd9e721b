import type { EntityManager } from 'typeorm';
import { config } from '../../platform/config/config.js';
import { withOps } from '../../platform/db/data-sources.js';
import type { FieldError } from '../../platform/http/errors.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { logger } from '../../platform/log/logger.js';
import { rewriteMessages } from './click-tracking.js';
import type { EmailCounts } from './delivery-email.js';
import type { OpensStatus, RunResults } from './delivery-results.js';
import type { AbTest, RunPurpose, RunStatus, RunVariant } from './delivery.model.js';
import { enqueueDecideAb } from './delivery.queue.js';
import type { SqlPredicate } from './recipients.js';

/**
 * A/B tests of deliveries (DEL-12; docs/decisions/0009-ab-test.md). When an A/B delivery fires,
 * the engine's claim creates two sample runs, 'a' (the delivery's messages) and 'b' (パターンB), and
 * this occurrence's `delivery_ab_test` row in the same transaction, and queues the decision
 * (ab-decide.ts) for later. The sample is a deterministic bucket of each resident, so the two
 * sample runs, snapshotted in separate transactions, can never share a resident; the rest run,
 * created by the decision, takes the target minus everyone the sample reached.
 */

/** Buckets of a resident: 0…9,999 from md5(delivery id / resident id), i.e. 0.01 % steps. */
const BUCKETS = 10_000;

/**
 * The sample runs' own LINE aggregation units: the delivery's unit ('d' + 29 hex digits) with
 * 'a' or 'b' instead of 'd', so LINE's open figures of each variant are counted apart (the rest
 * run keeps the delivery's unit; an A/B delivery is never recurring, so that unit is the rest's alone).
 */
export function variantUnit(unit: string, variant: 'a' | 'b'): string {
  return `${variant}${unit.slice(1)}`;
}

/** Does the list carry a link our click tracking counts (http(s), not LINE's own, not too long)? */
export function hasTrackedLink(messages: LineMessage[]): boolean {
  // As long as a real tracking link can be: the longest slug and a click code.
  const prefix = `${config().PUBLIC_ORIGIN.replace(/\/+$/, '')}/t/${'x'.repeat(31)}/r/`;
  return rewriteMessages(messages, (n) => `${prefix}AAAAAAAAAA/${n}`, prefix).urls.length > 0;
}

/**
 * The winner is chosen by unique clicks, so each variant needs a link we track. Errors name the
 * list they are about: `messages` (パターンA) or `abTest.variantB`.
 */
export function abLinkErrors(messages: LineMessage[], abTest: AbTest): FieldError[] {
  const errors: FieldError[] = [];
  const what = (p: string) =>
    `A/Bテストはリンクを押した人の割合で結果を決めるため、${p}のメッセージにリンク（https:// で始まるURL）を1つ以上入れてください`;
  if (!hasTrackedLink(messages)) errors.push({ path: 'messages', message: what('パターンA') });
  if (!hasTrackedLink(abTest.variantB)) errors.push({ path: 'abTest.variantB', message: what('パターンB') });
  return errors;
}

/** What the audit log keeps of an A/B test: its settings and a count, never message text. */
export function abTestForAudit(abTest: AbTest | null | undefined): Record<string, unknown> | null {
  return abTest
    ? {
        samplePercent: abTest.samplePercent,
        decideAfterMinutes: abTest.decideAfterMinutes,
        variantBMessages: abTest.variantB.length,
      }
    : null;
}

// ------------------------------------------------------------------------------- occurrence

export interface AbOccurrenceRow {
  deliveryId: string;
  firedFor: Date;
  samplePercent: number;
  decideAt: Date;
  runA: string;
  runB: string;
  decidedAt: Date | null;
  winner: 'a' | 'b' | null;
  reason: AbReason | null;
  sentA: number | null;
  sentB: number | null;
  clickersA: number | null;
  clickersB: number | null;
  restRun: string | null;
}

export type AbReason = 'higher_rate' | 'tie' | 'no_clicks' | 'other_not_sent';

export const AB_COLUMNS = `delivery_id as "deliveryId", fired_for as "firedFor", sample_percent as "samplePercent",
  decide_at as "decideAt", run_a as "runA", run_b as "runB", decided_at as "decidedAt", winner, reason,
  sent_a as "sentA", sent_b as "sentB", clickers_a as "clickersA", clickers_b as "clickersB", rest_run as "restRun"`;

/** Records a fired occurrence's sample runs and when to decide, in the claim's transaction. */
export async function recordAbOccurrence(
  m: EntityManager,
  tenantId: string,
  o: {
    deliveryId: string;
    firedFor: Date;
    samplePercent: number;
    decideAt: Date;
    runA: string;
    runB: string;
  },
): Promise<void> {
  await m.query(
    `insert into delivery_ab_test (tenant_id, delivery_id, fired_for, sample_percent, decide_at, run_a, run_b)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (tenant_id, delivery_id, fired_for) do nothing`,
    [tenantId, o.deliveryId, o.firedFor, o.samplePercent, o.decideAt, o.runA, o.runB],
  );
}

export async function loadAbOccurrence(
  m: EntityManager,
  deliveryId: string,
  firedFor: Date,
  forUpdate = false,
): Promise<AbOccurrenceRow | null> {
  const rows: AbOccurrenceRow[] = await m.query(
    `select ${AB_COLUMNS} from delivery_ab_test
      where delivery_id = $1 and date_trunc('milliseconds', fired_for) = date_trunc('milliseconds', $2::timestamptz)
      ${forUpdate ? 'for update' : ''}`,
    [deliveryId, firedFor],
  );
  return rows[0] ?? null;
}

// --------------------------------------------------------------------------------- snapshot

/**
 * The target of a run narrowed to its part of an A/B occurrence, as SQL over `resident r`:
 * - sample run 'a': residents whose bucket is in [0, p/2) of the target, 'b': [p/2, p), so the
 *   two sample runs never share a resident whenever each is snapshotted;
 * - 'rest': the target minus every resident a sample run snapshotted (sent to, failed, or
 *   skipped as blocked then, like any run's audience is fixed at its snapshot): friends who joined
 *   since the sample get the winner, nobody gets two variants, and the three runs' counts add up.
 * Ordinary runs and test sends (both variants to the whole test audience) keep the target.
 */
export async function abPredicate(
  m: EntityManager,
  run: { deliveryId: string; purpose: RunPurpose; variant: RunVariant; firedFor: Date },
  predicate: SqlPredicate,
): Promise<SqlPredicate> {
  if (run.purpose !== 'production' || run.variant === '') return predicate;
  const o = await loadAbOccurrence(m, run.deliveryId, run.firedFor);
  // Created in the same transaction as the run: missing means the data was changed by hand.
  if (!o) throw new Error(`A/B occurrence of run (${run.deliveryId}, ${run.variant}) not found`);
  const k = predicate.params.length;
  if (run.variant === 'rest')
    return {
      sql: `(${predicate.sql}) and not exists (
              select 1 from delivery_recipient x
               where x.tenant_id = r.tenant_id and x.run_id = any($${k + 1}::uuid[]) and x.resident_id = r.id)`,
      params: [...predicate.params, [o.runA, o.runB]],
    };
  const half = (o.samplePercent * BUCKETS) / 200;
  const [from, to] = run.variant === 'a' ? [0, half] : [half, 2 * half];
  return {
    sql: `(${predicate.sql}) and (('x' || left(md5($${k + 1}::text || '/' || r.id::text), 8))::bit(32)::bigint % ${BUCKETS})
            >= $${k + 2}::numeric and (('x' || left(md5($${k + 1}::text || '/' || r.id::text), 8))::bit(32)::bigint % ${BUCKETS}) < $${k + 3}::numeric`,
    params: [...predicate.params, run.deliveryId, from, to],
  };
}

// ---------------------------------------------------------------------------------- sweeper

/**
 * For the delivery sweeper: queues the decision of every A/B occurrence past its time whose
 * sample runs are finished (a lost or early decision job must not lose the rest of a delivery).
 * The decision itself checks everything again under a lock, so queueing one twice is harmless.
 */
export async function queueDueDecisions(tag: string): Promise<number> {
  const due: Array<{ tenant_id: string; delivery_id: string; fired_for: Date }> = await withOps((m) =>
    m.query(
      `select t.tenant_id, t.delivery_id, t.fired_for from delivery_ab_test t
        where t.decided_at is null and t.decide_at <= now()
          and not exists (select 1 from delivery_run r
                           where r.id in (t.run_a, t.run_b) and r.status in ('snapshotting', 'sending'))
        order by t.decide_at limit 500`,
    ),
  );
  for (const d of due)
    await enqueueDecideAb(
      { tenantId: d.tenant_id, deliveryId: d.delivery_id, firedFor: d.fired_for.toISOString() },
      0,
      tag,
    ).catch((err: unknown) =>
      logger.error(
        { err, tenantId: d.tenant_id, deliveryId: d.delivery_id },
        'could not queue an A/B decision',
      ),
    );
  return due.length;
}

// ------------------------------------------------------------------------------------- view

export const AB_REASON_LABEL: Record<AbReason, (winner: 'a' | 'b') => string> = {
  higher_rate: (w) => `パターン${w.toUpperCase()}のクリック率が高かったため`,
  tie: () => 'クリック率が同じだったため、元のパターンAにしました',
  no_clicks: () => 'どちらのパターンもクリックがなかったため、元のパターンAにしました',
  other_not_sent: (w) => `パターン${w === 'a' ? 'B' : 'A'}を送れなかったため`,
};

const share = (n: number, of: number): number | null =>
  of > 0 ? Math.round((n / of) * 10_000) / 10_000 : null;

/** One occurrence's test for staff: the sample, when it is decided, and the decision with its rates. */
export function abOccurrenceView(o: AbOccurrenceRow) {
  return {
    firedFor: o.firedFor,
    samplePercent: o.samplePercent,
    decideAt: o.decideAt,
    runs: { a: o.runA, b: o.runB, rest: o.restRun },
    decision: o.decidedAt
      ? {
          decidedAt: o.decidedAt,
          winner: o.winner!,
          reason: o.reason!,
          reasonLabel: AB_REASON_LABEL[o.reason!](o.winner!),
          a: { sent: o.sentA ?? 0, clickers: o.clickersA ?? 0, rate: share(o.clickersA ?? 0, o.sentA ?? 0) },
          b: { sent: o.sentB ?? 0, clickers: o.clickersB ?? 0, rate: share(o.clickersB ?? 0, o.sentB ?? 0) },
        }
      : null,
  };
}
export type AbOccurrenceView = ReturnType<typeof abOccurrenceView>;

/** The A/B occurrences of some deliveries, newest first. */
export async function loadAbOccurrences(m: EntityManager, deliveryIds: string[]): Promise<AbOccurrenceRow[]> {
  if (!deliveryIds.length) return [];
  return m.query(
    `select ${AB_COLUMNS} from delivery_ab_test where delivery_id = any($1::uuid[]) order by fired_for desc`,
    [deliveryIds],
  );
}

/** What of a run summary an occurrence's total is made from (RUN_SUMMARY in delivery.routes.ts). */
export interface SummaryRun {
  id: string;
  variant: RunVariant;
  status: RunStatus;
  recipients: number | null;
  skippedBlocked: number | null;
  sent: number;
  failed: number;
  error: string | null;
  snapshotAt: Date | null;
  finishedAt: Date | null;
  email: EmailCounts;
  results: RunResults;
}

const sumOf = <T>(items: T[], f: (x: T) => number | null | undefined) =>
  items.reduce((n, x) => n + (f(x) ?? 0), 0);

/**
 * The history list's line for an A/B occurrence: its sample and rest runs added up (each friend
 * is in one of them only, so sums are people). It is `sending` until the rest run ends; opens are
 * a figure only once LINE published every run's.
 */
export function combineOccurrence<T extends SummaryRun>(runs: T[]): T {
  const rest = runs.find((r) => r.variant === 'rest');
  const first = rest ?? runs[0]!;
  const sent = sumOf(runs, (r) => r.sent);
  const opens = runs.map((r) => r.results.opens);
  let opensStatus: OpensStatus;
  if (opens.every((o) => o.status === 'ready')) opensStatus = 'ready';
  else if (opens.some((o) => o.status === 'pending') || !rest) opensStatus = 'pending';
  else if (opens.some((o) => o.status === 'below_threshold' || o.status === 'ready'))
    opensStatus = 'below_threshold';
  else opensStatus = 'unavailable';
  const impressions = opensStatus === 'ready' ? sumOf(opens, (o) => o.uniqueImpressions) : null;
  const clickers = sumOf(runs, (r) => r.results.clicks.uniqueResidents);
  const blocks = sumOf(runs, (r) => r.results.blocks.count);
  const links = new Map<string, { url: string; total: number; uniqueResidents: number }>();
  for (const r of runs)
    for (const l of r.results.clicks.links) {
      const x = links.get(l.url) ?? { url: l.url, total: 0, uniqueResidents: 0 };
      x.total += l.total;
      x.uniqueResidents += l.uniqueResidents;
      links.set(l.url, x);
    }
  return {
    ...first,
    status: rest ? rest.status : 'sending',
    recipients: runs.every((r) => r.recipients === null) ? null : sumOf(runs, (r) => r.recipients),
    skippedBlocked: runs.every((r) => r.skippedBlocked === null)
      ? null
      : sumOf(runs, (r) => r.skippedBlocked),
    sent,
    failed: sumOf(runs, (r) => r.failed),
    error: runs.find((r) => r.error)?.error ?? null,
    snapshotAt: runs.find((r) => r.variant === 'a')?.snapshotAt ?? first.snapshotAt,
    finishedAt: rest?.finishedAt ?? null,
    email: {
      recipients: sumOf(runs, (r) => r.email?.recipients),
      sent: sumOf(runs, (r) => r.email?.sent),
      failed: sumOf(runs, (r) => r.email?.failed),
      skipped: sumOf(runs, (r) => r.email?.skipped),
    },
    results: {
      opens: {
        status: opensStatus,
        uniqueImpressions: impressions,
        rate: impressions === null ? null : share(impressions, sent),
      },
      clicks: {
        total: sumOf(runs, (r) => r.results.clicks.total),
        uniqueResidents: clickers,
        rate: share(clickers, sent),
        links: [...links.values()],
      },
      blocks: { count: blocks, rate: share(blocks, sent) },
    },
  };
}
