import { Worker } from 'bullmq';
import { logger } from './platform/log/logger.js';
import { queueConnection, MAINTENANCE_QUEUE, maintenanceQueue } from './platform/queue/queues.js';
import { closeDataSources } from './platform/db/data-sources.js';
import { purgeExpiredSessions } from './modules/tenants/maintenance.jobs.js';
import {
  LINE_EVENTS_QUEUE,
  lineEventsQueue,
  type ForwardEventsJob,
  type ProcessUserEventsJob,
} from './modules/line/line-queue.js';
import { forwardEvents, processUserEvents, sweepPendingEvents } from './modules/line/events.jobs.js';
import {
  downloadContent,
  fetchProfile,
  type DownloadContentJob,
  type FetchProfileJob,
} from './modules/line/follow-ups.jobs.js';
import {
  RESET_USER_MENUS_JOB,
  resetUserMenus,
  type ResetUserMenusJob,
} from './modules/richmenu/richmenu.service.js';
import { startDeliveryWorker } from './modules/delivery/delivery.worker.js';
import { startFormsWorker } from './modules/forms/form-jobs.js';

/**
 * The worker process: BullMQ workers and job schedulers (Asia/Tokyo). Modules register their
 * queues here; every job carries its tenantId and is idempotent.
 */
async function main() {
  const queue = maintenanceQueue();
  await queue.upsertJobScheduler(
    'purge-expired-sessions',
    { pattern: '*/15 * * * *', tz: 'Asia/Tokyo' },
    { name: 'purge-expired-sessions', data: {} },
  );
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name === 'purge-expired-sessions') return purgeExpiredSessions();
      if (job.name === 'sweep-webhook-events') return sweepPendingEvents();
      throw new Error(`unknown maintenance job ${job.name}`);
    },
    { connection: queueConnection(), concurrency: 1 },
  );
  await queue.upsertJobScheduler(
    'sweep-webhook-events',
    { every: 60_000 },
    { name: 'sweep-webhook-events', data: {} },
  );
  const lineWorker = new Worker(
    LINE_EVENTS_QUEUE,
    async (job) => {
      if (job.name === 'process-user-events') return processUserEvents(job.data as ProcessUserEventsJob);
      if (job.name === 'forward-events') return forwardEvents(job.data as ForwardEventsJob);
      if (job.name === 'fetch-profile') return fetchProfile(job.data as FetchProfileJob);
      if (job.name === 'download-content') return downloadContent(job.data as DownloadContentJob);
      if (job.name === RESET_USER_MENUS_JOB) return resetUserMenus(job.data as ResetUserMenusJob);
      throw new Error(`unknown LINE job ${job.name}`);
    },
    { connection: queueConnection(), concurrency: 8 },
  );
  lineWorker.on('failed', (job, err) =>
    logger.error({ job: job?.name, err: err.message }, 'LINE job failed'),
  );
  // Deliveries: fire, snapshot, send chunks, and the per-minute sweeper (queue `delivery`).
  const delivery = await startDeliveryWorker();
  // Forms: completion messages and department mails (outbox), orphan uploads (queue `forms`).
  const forms = await startFormsWorker();
  worker.on('failed', (job, err) => logger.error({ job: job?.name, err }, 'job failed'));
  worker.on('completed', (job, result) => logger.info({ job: job.name, result }, 'job completed'));
  logger.info('tsunagu worker running');
  const stop = async () => {
    await Promise.all([worker.close(), lineWorker.close(), delivery.close(), forms.close()]);
    await queue.close();
    await lineEventsQueue().close();
    await closeDataSources();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'worker failed to start');
  process.exit(1);
});
