/**
 * Benchmark: webhook ingestion (issue 3). Starts the API as its own process on a fresh
 * `tsunagu_bench` database, then sends correctly signed LINE webhooks (one event each, as LINE
 * mostly does) at fixed offered rates and prints, per rate: events/s sustained (acknowledged
 * with 200), ack latency p50/p99/max, errors. The generator shares this machine's two cores
 * with the API, PostgreSQL and Redis, so the figures are a floor, not a ceiling.
 * Usage: npm run bench:webhooks [-- seconds]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '../..');
const seconds = Number(process.argv[2] ?? 10);
const port = 3400;
const db = 'tsunagu_bench';
const env = {
  ...process.env,
  NODE_ENV: 'production',
  MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
  LOG_LEVEL: 'error',
  PORT: String(port),
  COOKIE_SECURE: 'false',
  DATABASE_URL: `postgres://tsunagu_app@127.0.0.1:5432/${db}`,
  DATABASE_OWNER_URL: `postgres://tsunagu_owner@127.0.0.1:5432/${db}`,
  DATABASE_OPS_URL: `postgres://tsunagu_ops@127.0.0.1:5432/${db}`,
  DATABASE_POOL_SIZE: '20',
  REDIS_URL: 'redis://127.0.0.1:6379/3',
};
Object.assign(process.env, env);

const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
await admin.end();
const { setUpDatabase } = await import('../../server/src/platform/db/setup.js');
await setUpDatabase({
  adminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  ownerUrl: env.DATABASE_OWNER_URL,
  appUrl: env.DATABASE_URL,
  opsUrl: env.DATABASE_OPS_URL,
});
const { withOps, closeDataSources } = await import('../../server/src/platform/db/data-sources.js');
const { withTenant } = await import('../../server/src/platform/db/tenant-context.js');
const { createTenant } = await import('../../server/src/modules/tenants/tenants.service.js');
const { saveChannel } = await import('../../server/src/modules/line/channels.service.js');
const { lineSignature } = await import('../../server/src/modules/line/signature.js');
const secret = 'bench-channel-secret';
const bot = 'U' + 'b'.repeat(32);
const tenant = await withOps((m) =>
  createTenant(m, {
    slug: 'bench',
    nameJa: 'ベンチ市',
    nameEn: 'Bench City',
    prefectureJa: '岡山県',
    localGovCode: '339999',
    adminSubdomain: 'bench',
    lineAccountId: null,
    modules: [],
  }),
);
await withTenant(tenant.id, (m) =>
  saveChannel(m, tenant.id, 'production', {
    channelId: '1999999999',
    channelSecret: secret,
    accessToken: 'bench-token',
    botUserId: bot,
    loginChannelId: null,
    liffId: null,
    forwardUrl: null,
  }),
);
await closeDataSources();

const api = spawn(path.join(root, 'node_modules/.bin/tsx'), ['server/src/main.ts'], {
  cwd: root,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {
    /* starting */
  }
  if (i > 200) throw new Error('API did not start');
  await new Promise((r) => setTimeout(r, 100));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let counter = 0;
function send(perRequest: number): Promise<{ status: number; ms: number }> {
  const events = Array.from({ length: perRequest }, () => {
    counter += 1;
    const userId = 'U' + (counter % 5000).toString(16).padStart(32, '0');
    return {
      type: 'message',
      mode: 'active',
      timestamp: Date.now(),
      webhookEventId: `01BENCH${process.pid}${String(counter).padStart(12, '0')}`,
      source: { type: 'user', userId },
      replyToken: 'x'.repeat(32),
      deliveryContext: { isRedelivery: false },
      message: { type: 'text', id: String(counter), text: 'ごみの収集日を教えてください' },
    };
  });
  const body = JSON.stringify({ destination: bot, events });
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhook/bench',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'x-line-signature': lineSignature(secret, body),
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(rate: number, perRequest = 1) {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  const requests = (rate * seconds) / perRequest;
  for (let i = 0; i < requests; i++) {
    const due = start + (i * 1000 * perRequest) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      send(perRequest).then((r) => {
        latencies.push(r.ms);
        if (r.status === 200) ok += perRequest;
        else failed++;
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  console.log(
    `offered ${rate} events/s (${perRequest} per webhook request) for ${seconds} s: sustained ${(ok / elapsed).toFixed(0)} events/s acknowledged, ` +
      `ack latency p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms, ` +
      `errors ${failed}`,
  );
}

console.log(
  `webhook ingestion benchmark (API process, PostgreSQL, Redis and this generator on one ${(await import('node:os')).cpus().length}-core machine)`,
);
await run(50); // warm-up
for (const rate of [200, 1000]) await run(rate, 1);
// LINE batches events in one request when several arrive together: the same rates, 10 per request.
for (const rate of [200, 1000]) await run(rate, 10);
const check = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
await check.connect();
const stored = await check.query('select count(*)::int as n from webhook_event');
console.log(`stored events: ${stored.rows[0].n} (every acknowledged event is in PostgreSQL before its 200)`);
await check.end();
api.kill('SIGTERM');
agent.destroy();
process.exit(0);
