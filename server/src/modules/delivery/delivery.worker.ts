import { Worker } from 'bullmq';
import { logger } from '../../platform/log/logger.js';
import { queueConnection } from '../../platform/queue/queues.js';
import { deliveryConfig } from './delivery.config.js';
import { fireDelivery, prepareRun, sendChunk, sweepDeliveries } from './delivery.engine.js';
import { fetchRunOpens, sweepDeliveryResults } from './delivery-results.js';
import { isEmailJob, runEmailJob, scheduleEmailSweeper } from './delivery-email.js';
import { decideAbTest } from './ab-decide.js';
import {
  closeDeliveryQueue,
  DELIVERY_JOBS,
  DELIVERY_QUEUE,
  deliveryQueue,
  type DecideAbJob,
  type FetchOpensJob,
  type FireDeliveryJob,
  type PrepareRunJob,
  type SendChunkJob,
} from './delivery.queue.js';

export interface DeliveryWorker {
  worker: Worker;
  close(): Promise<void>;
}

/**
 * Runs the delivery jobs in this process: fire, prepare, send-chunk and the sweeper, whose job
 * scheduler is shared by every worker process (one sweep per interval across all of them; two
 * sweeps at once would still be safe). A sweep also runs at start, so a worker restarted after a
 * crash resumes abandoned chunks as soon as their lease has passed, not a minute later.
 * Results (delivery-results.ts): LINE's open figures of sent runs, queued by their own sweeper.
 * A/B tests (ab-decide.ts): the decision of an occurrence, a delayed job the sweeper backs up.
 */
export async function startDeliveryWorker(
  opts: { concurrency?: number; sweepIntervalMs?: number; resultsSweepIntervalMs?: number } = {},
): Promise<DeliveryWorker> {
  const cfg = deliveryConfig();
  const queue = deliveryQueue();
  await queue.upsertJobScheduler(
    DELIVERY_JOBS.sweep,
    { every: opts.sweepIntervalMs ?? cfg.sweepIntervalMs },
    { name: DELIVERY_JOBS.sweep, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  await queue.upsertJobScheduler(
    DELIVERY_JOBS.sweepResults,
    { every: opts.resultsSweepIntervalMs ?? cfg.resultsSweepIntervalMs },
    { name: DELIVERY_JOBS.sweepResults, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  // DEL-10: mails of deliveries and confirmation mails are resumed on the same interval.
  await scheduleEmailSweeper(queue, opts.sweepIntervalMs ?? cfg.sweepIntervalMs);
  const worker = new Worker(
    DELIVERY_QUEUE,
    async (job) => {
      switch (job.name) {
        case DELIVERY_JOBS.fire:
          return fireDelivery(job.data as FireDeliveryJob);
        case DELIVERY_JOBS.prepare:
          return prepareRun(job.data as PrepareRunJob);
        case DELIVERY_JOBS.sendChunk:
          return sendChunk(job.data as SendChunkJob);
        case DELIVERY_JOBS.sweep:
          return sweepDeliveries();
        case DELIVERY_JOBS.fetchOpens:
          return fetchRunOpens(job.data as FetchOpensJob);
        case DELIVERY_JOBS.sweepResults:
          return sweepDeliveryResults();
        case DELIVERY_JOBS.decideAb:
          return decideAbTest(job.data as DecideAbJob);
        default:
          if (isEmailJob(job.name)) return runEmailJob(job.name, job.data);
          throw new Error(`unknown delivery job ${job.name}`);
      }
    },
    { connection: queueConnection(), concurrency: opts.concurrency ?? cfg.concurrency },
  );
  worker.on('failed', (job, err) =>
    logger.warn({ job: job?.name, attempts: job?.attemptsMade, err: err.message }, 'delivery job failed'),
  );
  worker.on('error', (err) => logger.error({ err: err.message }, 'delivery worker error'));
  sweepDeliveries().catch((err: unknown) => logger.error({ err }, 'delivery sweep at start failed'));
  return {
    worker,
    async close() {
      await worker.close();
      await closeDeliveryQueue();
    },
  };
}
