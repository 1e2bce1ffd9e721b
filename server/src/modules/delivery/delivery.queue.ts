import { Queue, type JobsOptions } from 'bullmq';
import { queueConnection } from '../../platform/queue/queues.js';

/**
 * The `delivery` queue. Every job carries its tenantId and is idempotent: the database rows
 * (conditional updates on runs and chunks) decide what happens, the queue only says "look at
 * this now". A lost or duplicated job therefore costs time, never a duplicate message; the
 * sweeper re-adds whatever is left waiting.
 */
export const DELIVERY_QUEUE = 'delivery';

export const DELIVERY_JOBS = {
  /** Claim a due scheduled delivery, create its run, snapshot it, queue its chunks. */
  fire: 'fire-delivery',
  /** Snapshot a run (if not done yet) and queue its open chunks: test sends, and resumption. */
  prepare: 'prepare-run',
  /** Send one chunk of ≤500 recipients with its stored retry key. */
  sendChunk: 'send-chunk',
  /** Every minute: fire due deliveries, resume stuck runs and chunks. */
  sweep: 'sweep-deliveries',
  /** Fetch a sent run's open figures from LINE (delivery-results.ts). */
  fetchOpens: 'fetch-opens',
  /** Every few minutes: schedule and queue due open-figure fetches. */
  sweepResults: 'sweep-delivery-results',
  /** DEL-12: choose an A/B test's winner and send it to the rest (ab-decide.ts). */
  decideAb: 'decide-ab-test',
} as const;

export interface FireDeliveryJob {
  tenantId: string;
  deliveryId: string;
  /** The scheduled instant being fired (ISO); with the delivery id it names the run. */
  firedFor: string;
}
export interface PrepareRunJob {
  tenantId: string;
  runId: string;
}
export interface SendChunkJob {
  tenantId: string;
  chunkId: string;
}
export interface FetchOpensJob {
  tenantId: string;
  runId: string;
}
export interface DecideAbJob {
  tenantId: string;
  deliveryId: string;
  /** The occurrence (ISO) whose sample runs are compared. */
  firedFor: string;
}

// Completed jobs are removed at once: the job id then only dedupes while a job waits or runs,
// and the history lives in the delivery tables. Failed ones are kept for a while to look at;
// the sweeper re-adds their work under a new id.
const DEFAULTS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { count: 2000, age: 7 * 24 * 3600 },
};

let queue: Queue | undefined;
export function deliveryQueue(): Queue {
  queue ??= new Queue(DELIVERY_QUEUE, { connection: queueConnection(), defaultJobOptions: DEFAULTS });
  return queue;
}

export async function closeDeliveryQueue(): Promise<void> {
  await queue?.close();
  queue = undefined;
}

/** BullMQ job ids may not contain ':'. */
const jobId = (...parts: Array<string | number>) => parts.join('-');

export async function enqueueFire(job: FireDeliveryJob, delayMs = 0): Promise<void> {
  await deliveryQueue().add(DELIVERY_JOBS.fire, job, {
    jobId: jobId('fire', job.deliveryId, Date.parse(job.firedFor)),
    delay: Math.max(0, delayMs),
  });
}

/** `attempt` distinguishes a resumption from the first job (a failed job keeps its id). */
export async function enqueuePrepare(job: PrepareRunJob, attempt: string | number = 0): Promise<void> {
  await deliveryQueue().add(DELIVERY_JOBS.prepare, job, { jobId: jobId('prepare', job.runId, attempt) });
}

export async function enqueueChunks(
  tenantId: string,
  chunks: Array<{ id: string; attempts: number }>,
  tag = '',
): Promise<void> {
  // addBulk in slices: one Redis round trip per thousand chunks (half a million recipients).
  for (let i = 0; i < chunks.length; i += 1000) {
    await deliveryQueue().addBulk(
      chunks.slice(i, i + 1000).map((c) => ({
        name: DELIVERY_JOBS.sendChunk,
        data: { tenantId, chunkId: c.id } satisfies SendChunkJob,
        opts: { jobId: jobId('chunk', c.id, c.attempts, ...(tag ? [tag] : [])) },
      })),
    );
  }
}

/** `attempt` names the scheduled fetch (a fetch queued again while it waits is not added twice). */
export async function enqueueFetchOpens(job: FetchOpensJob, attempt: string): Promise<void> {
  await deliveryQueue().add(DELIVERY_JOBS.fetchOpens, job, { jobId: jobId('opens', job.runId, attempt) });
}

/**
 * The decision of an A/B occurrence, delayed until its time. One id per occurrence (and sweep
 * tag): a decision queued again while it waits is not added twice.
 */
export async function enqueueDecideAb(job: DecideAbJob, delayMs = 0, tag = ''): Promise<void> {
  await deliveryQueue().add(DELIVERY_JOBS.decideAb, job, {
    jobId: jobId('abdecide', job.deliveryId, Date.parse(job.firedFor), ...(tag ? [tag] : [])),
    delay: Math.max(0, delayMs),
  });
}
