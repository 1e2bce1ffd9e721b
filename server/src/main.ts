import { config } from './platform/config/config.js';
import { logger } from './platform/log/logger.js';
import { buildApp } from './app.js';
import { appDataSource, closeDataSources } from './platform/db/data-sources.js';
import { closeRedis } from './platform/queue/redis.js';

/** The HTTP process: admin and vendor consoles' API, resident pages, (later) LINE webhooks. */
async function main() {
  const cfg = config();
  await appDataSource();
  const server = buildApp().listen(cfg.PORT, () => logger.info({ port: cfg.PORT }, 'tsunagu API listening'));
  const stop = async () => {
    logger.info('shutting down');
    server.close();
    await closeDataSources();
    await closeRedis();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'failed to start');
  process.exit(1);
});
