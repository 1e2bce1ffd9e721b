import type { EntityManager } from 'typeorm';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { logger } from '../../platform/log/logger.js';
import type { ChannelKind } from '../line/channels.service.js';
import { loadAbOccurrence, type AbReason } from './ab-test.js';
import { loadRunResults } from './delivery-results.js';
import { createRun, prepareRun } from './delivery.engine.js';
import type { AbTest, DeliveryTarget } from './delivery.model.js';
import type { DecideAbJob } from './delivery.queue.js';

/**
 * The decision of an A/B occurrence (DEL-12; docs/decisions/0009-ab-test.md), the `decide-ab-test`
 * job: once its time has come and both sample runs are finished, compares their unique click
 * rates — recipients identified as clickers ÷ recipients LINE accepted the message for, from the
 * same rows as the delivery's results (delivery-results.ts) — and, in ONE transaction under the
 * occurrence's row lock, records the winner and creates the 'rest' run with the winner's messages.
 * A second decision finds the row decided and does nothing but make sure the rest run is being
 * prepared; a worker that dies after the commit leaves a rest run `snapshotting`, which prepareRun
 * (here, or the sweeper after the run lease) takes up. Nothing is ever sent twice: the rest run is
 * unique per occurrence, and its snapshot excludes everyone the sample reached.
 */

export type DecideOutcome = 'decided' | 'already_decided' | 'not_due' | 'waiting' | 'not_found';

export interface VariantFigures {
  sent: number;
  clickers: number;
}

/**
 * The winner of two samples: the higher unique click rate (compared exactly, as fractions); a tie
 * or no click at all keeps A, the original; a variant LINE accepted for nobody cannot win.
 */
export function chooseWinner(a: VariantFigures, b: VariantFigures): { winner: 'a' | 'b'; reason: AbReason } {
  if (a.sent === 0 && b.sent > 0) return { winner: 'b', reason: 'other_not_sent' };
  if (b.sent === 0 && a.sent > 0) return { winner: 'a', reason: 'other_not_sent' };
  if (a.sent === 0 && b.sent === 0) return { winner: 'a', reason: 'no_clicks' };
  const cmp = b.clickers * a.sent - a.clickers * b.sent;
  if (cmp > 0) return { winner: 'b', reason: 'higher_rate' };
  if (cmp < 0) return { winner: 'a', reason: 'higher_rate' };
  return { winner: 'a', reason: a.clickers === 0 ? 'no_clicks' : 'tie' };
}

const rate = (f: VariantFigures) => (f.sent > 0 ? Math.round((f.clickers / f.sent) * 10_000) / 10_000 : null);

/** Recipients LINE accepted (chunk sums, as the run summaries) and identified clickers per run. */
async function figures(m: EntityManager, tenantId: string, runIds: string[]): Promise<VariantFigures[]> {
  const sent: Array<{ runId: string; sent: number }> = await m.query(
    `select r.id as "runId",
            coalesce((select sum(c.recipient_count) from delivery_chunk c
                       where c.tenant_id = $1 and c.run_id = r.id and c.status = 'accepted'), 0)::int as sent
       from delivery_run r where r.id = any($2::uuid[])`,
    [tenantId, runIds],
  );
  const results = await loadRunResults(m, runIds);
  return runIds.map((id) => ({
    sent: sent.find((s) => s.runId === id)?.sent ?? 0,
    clickers: results.get(id)?.clickResidents ?? 0,
  }));
}

interface DeliveryForRest {
  channelKind: ChannelKind;
  target: DeliveryTarget;
  messages: LineMessage[];
  abTest: AbTest | null;
  aggregationUnit: string;
}

/**
 * Decides the occurrence, then prepares its rest run. `prepare: false` stops after the commit
 * (tests use it to stand for a worker that died there).
 */
export async function decideAbTest(
  job: DecideAbJob,
  opts: { prepare?: boolean } = {},
): Promise<{ outcome: DecideOutcome; restRunId: string | null }> {
  const { tenantId, deliveryId } = job;
  const firedFor = new Date(job.firedFor);
  const out = await withTenant(
    tenantId,
    async (m): Promise<{ outcome: DecideOutcome; restRunId: string | null; restPending: boolean }> => {
      // The lock makes concurrent decisions of one occurrence wait for each other.
      const o = await loadAbOccurrence(m, deliveryId, firedFor, true);
      if (!o) return { outcome: 'not_found', restRunId: null, restPending: false };
      if (o.decidedAt) {
        const rest: Array<{ status: string }> = o.restRun
          ? await m.query('select status from delivery_run where id = $1', [o.restRun])
          : [];
        return {
          outcome: 'already_decided',
          restRunId: o.restRun,
          restPending: rest[0]?.status === 'snapshotting',
        };
      }
      if (o.decideAt.getTime() > Date.now())
        return { outcome: 'not_due', restRunId: null, restPending: false };
      const samples: Array<{ status: string }> = await m.query(
        `select status from delivery_run where id = any($1::uuid[]) and status in ('snapshotting', 'sending')`,
        [[o.runA, o.runB]],
      );
      // The sweeper queues the decision again once both sample runs are finished.
      if (samples.length) return { outcome: 'waiting', restRunId: null, restPending: false };

      const [a, b] = await figures(m, tenantId, [o.runA, o.runB]);
      const { winner, reason } = chooseWinner(a!, b!);
      const rows: DeliveryForRest[] = await m.query(
        `select channel_kind as "channelKind", target, messages, ab_test as "abTest", aggregation_unit as "aggregationUnit"
           from delivery where id = $1`,
        [deliveryId],
      );
      const d = rows[0]!;
      // The delivery keeps the URLs staff wrote; createRun gives the rest run its own tracking links.
      const messages = winner === 'b' && d.abTest ? d.abTest.variantB : d.messages;
      const restRunId = await createRun(m, tenantId, {
        deliveryId,
        purpose: 'production',
        variant: 'rest',
        firedFor,
        channelKind: d.channelKind,
        target: d.target,
        messages,
        aggregationUnit: d.aggregationUnit,
        requestedBy: null,
      });
      await m.query(
        `update delivery_ab_test
            set decided_at = clock_timestamp(), winner = $3, reason = $4, sent_a = $5, sent_b = $6,
                clickers_a = $7, clickers_b = $8, rest_run = $9
          where delivery_id = $1 and fired_for = $2 and decided_at is null`,
        [deliveryId, o.firedFor, winner, reason, a!.sent, b!.sent, a!.clickers, b!.clickers, restRunId],
      );
      await appendToChain(
        m,
        { name: 'audit_log', tenantId },
        {
          actorType: 'system',
          actorId: null,
          actorLabel: '配信エンジン',
          action: 'delivery.ab_decided',
          outcome: 'success',
          targetType: 'delivery',
          targetId: deliveryId,
          detail: {
            firedFor: o.firedFor,
            winner,
            reason,
            a: { runId: o.runA, ...a, rate: rate(a!) },
            b: { runId: o.runB, ...b, rate: rate(b!) },
            restRunId,
          },
        },
      );
      return { outcome: 'decided', restRunId, restPending: true };
    },
  );
  // Should this fail, the job is retried (and finds the occurrence decided); the sweeper also
  // resumes a run left `snapshotting` after the run lease.
  if (out.restRunId && out.restPending && opts.prepare !== false)
    await prepareRun({ tenantId, runId: out.restRunId });
  if (out.outcome === 'decided') logger.info({ tenantId, deliveryId }, 'A/B test decided');
  return { outcome: out.outcome, restRunId: out.restRunId };
}
