import { Worker } from 'bullmq';
import { logger } from './platform/log/logger.js';
import { queueConnection, MAINTENANCE_QUEUE, maintenanceQueue } from './platform/queue/queues.js';
import { closeDataSources } from './platform/db/data-sources.js';
import { purgeExpiredSessions } from './modules/tenants/maintenance.jobs.js';

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
      throw new Error(`unknown maintenance job ${job.name}`);
    },
    { connection: queueConnection(), concurrency: 1 },
  );
  worker.on('failed', (job, err) => logger.error({ job: job?.name, err }, 'job failed'));
  worker.on('completed', (job, result) => logger.info({ job: job.name, result }, 'job completed'));
  logger.info('tsunagu worker running');
  const stop = async () => {
    await worker.close();
    await queue.close();
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
