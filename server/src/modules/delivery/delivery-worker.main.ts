/**
 * A worker process that runs only the delivery jobs: a large delivery can get processes of its
 * own (they share nothing but PostgreSQL and Redis), and the crash test and the benchmark start
 * and kill this one. The main worker (src/worker.ts) runs the same jobs among all the others.
 * Usage: tsx src/modules/delivery/delivery-worker.main.ts
 */
import { closeDataSources } from '../../platform/db/data-sources.js';
import { logger } from '../../platform/log/logger.js';
import { closeRedis } from '../../platform/queue/redis.js';
import { startDeliveryWorker } from './delivery.worker.js';

const delivery = await startDeliveryWorker();
logger.info('tsunagu delivery worker running');
// Parent processes (tests, benchmark) wait for this line before they measure or kill.
if (process.send) process.send({ ready: true });

const stop = async () => {
  await delivery.close();
  await closeDataSources();
  await closeRedis();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
