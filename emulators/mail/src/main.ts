import { startMailEmulator } from './app.js';

/**
 * `npm run start -w @tsunagu/mail-emulator`. Environment:
 *   MAIL_EMULATOR_SMTP_PORT (default 2526)  the catcher the product sends mail to (SMTP_URL)
 *   PORT (default 3902), HOST (default 127.0.0.1)  the web view and /_mail API
 *   MAIL_EMULATOR_RELAY (e.g. 127.0.0.1:2525)  the product's mail-to-LINE listener
 */
const relay = process.env.MAIL_EMULATOR_RELAY?.split(':');
const emu = await startMailEmulator({
  smtpPort: Number(process.env.MAIL_EMULATOR_SMTP_PORT ?? 2526),
  httpPort: Number(process.env.PORT ?? 3902),
  host: process.env.HOST ?? '127.0.0.1',
  relay: relay ? { host: relay[0]!, port: Number(relay[1]) } : undefined,
});
console.warn(`mail emulator: SMTP on port ${emu.smtpPort}, web view ${emu.url}/`);

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    void emu.close().then(() => process.exit(0));
  });
