import { config } from './platform/config/config.js';
import { logger } from './platform/log/logger.js';
import { buildApp } from './app.js';
import { appDataSource, closeDataSources } from './platform/db/data-sources.js';
import { closeRedis } from './platform/queue/redis.js';
import { createInboundSmtp, listenInboundSmtp } from './modules/mail/mail-inbound.smtp.js';

/** The HTTP process: admin and vendor consoles' API, resident pages, (later) LINE webhooks. */
async function main() {
  const cfg = config();
  await appDataSource();
  const server = buildApp().listen(cfg.PORT, () => logger.info({ port: cfg.PORT }, 'tsunagu API listening'));
  // Mail-to-LINE (DEL-11) is an ingress like the webhooks: the same process answers it.
  const smtp = cfg.MAIL_INBOUND_PORT
    ? await listenInboundSmtp(
        createInboundSmtp({ maxBytes: cfg.MAIL_INBOUND_MAX_BYTES }),
        cfg.MAIL_INBOUND_PORT,
        cfg.MAIL_INBOUND_HOST,
      )
    : null;
  if (smtp) logger.info({ port: smtp.port }, 'mail-to-LINE SMTP listening');
  const stop = async () => {
    logger.info('shutting down');
    server.close();
    await smtp?.close();
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
