/**
 * Benchmark: a delivery to 1,000,000 friends (issue 4). On a fresh `tsunagu_bench_delivery`
 * database, starts the LINE emulator in this process and the delivery worker as its own process
 * (src/modules/delivery/delivery-worker.main.ts), presses "send" and prints, per scenario:
 * the time from send to the last multicast accepted by the emulator (split into the snapshot
 * and the sending), recipients/s and multicast requests/s, the ratio to LINE's ceiling
 * (200 requests/s × 500 = 100,000 recipients/s), the worker's peak RSS, and a check that every
 * friend received exactly one copy. Scenarios: LINE's real multicast limit (200 req/s, in the
 * emulator and in our gateway), and no limit (both raised), which shows the engine's own ceiling.
 * Everything shares this machine's cores (PostgreSQL, Redis, emulator, worker): figures are a
 * floor, never assertions.
 * Usage: npm run bench:delivery [-- recipients]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '../..');
const recipients = Number(process.argv[2] ?? 1_000_000);
if (!Number.isInteger(recipients) || recipients < 1) throw new Error('usage: bench:delivery [recipients]');
const db = 'tsunagu_bench_delivery';
const CHANNEL_ID = '1988888888';
const TOKEN = 'bench-delivery-token';
const LINE_CEILING = 200 * 500; // recipients per second

const env = {
  ...process.env,
  NODE_ENV: 'production',
  MASTER_KEY: Buffer.alloc(32, 11).toString('base64'),
  LOG_LEVEL: 'error',
  DATABASE_URL: `postgres://tsunagu_app@127.0.0.1:5432/${db}`,
  DATABASE_OWNER_URL: `postgres://tsunagu_owner@127.0.0.1:5432/${db}`,
  DATABASE_OPS_URL: `postgres://tsunagu_ops@127.0.0.1:5432/${db}`,
  DATABASE_POOL_SIZE: '20',
  REDIS_URL: 'redis://127.0.0.1:6379/6',
};
Object.assign(process.env, env);

const adminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
await admin.end();
const { setUpDatabase } = await import('../../server/src/platform/db/setup.js');
await setUpDatabase({
  adminUrl,
  ownerUrl: env.DATABASE_OWNER_URL,
  appUrl: env.DATABASE_URL,
  opsUrl: env.DATABASE_OPS_URL,
});

const { withOps, closeDataSources } = await import('../../server/src/platform/db/data-sources.js');
const { withTenant } = await import('../../server/src/platform/db/tenant-context.js');
const { createTenant } = await import('../../server/src/modules/tenants/tenants.service.js');
const { saveChannel } = await import('../../server/src/modules/line/channels.service.js');
const { createDelivery, scheduleDelivery } =
  await import('../../server/src/modules/delivery/delivery.service.js');
const { deliveryQueue, closeDeliveryQueue } =
  await import('../../server/src/modules/delivery/delivery.queue.js');
const { closeRedis } = await import('../../server/src/platform/queue/redis.js');
const { startEmulator } = await import('@tsunagu/line-emulator');

const tenant = await withOps((m) =>
  createTenant(m, {
    slug: 'benchdl',
    nameJa: '配信ベンチ市',
    nameEn: 'Delivery Bench City',
    prefectureJa: '岡山県',
    localGovCode: '339998',
    adminSubdomain: 'benchdl',
    lineAccountId: null,
    modules: ['delivery'],
  }),
);
const orgId = await withTenant(tenant.id, async (m) => {
  await saveChannel(m, tenant.id, 'production', {
    channelId: CHANNEL_ID,
    channelSecret: 'bench-delivery-secret',
    accessToken: TOKEN,
    botUserId: null,
    loginChannelId: null,
    liffId: null,
    forwardUrl: null,
  });
  const rows: Array<{ id: string }> = await m.query(
    `insert into organisation (tenant_id, code, name, sort_order) values ($1, 'koho', '広報課', 0) returning id`,
    [tenant.id],
  );
  return rows[0]!.id;
});

let started = performance.now();
await withTenant(tenant.id, (m) =>
  m.query(
    `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, first_followed_at, followed_at)
     select $1, 'production', 'U' || md5('bench-friend-' || i), 'friend', now(), now() from generate_series(1, $2) i`,
    [tenant.id, recipients],
  ),
);
const admin2 = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
await admin2.connect();
await admin2.query('vacuum analyze resident');
console.log(
  `delivery benchmark on a ${os.cpus().length}-core machine: ${recipients.toLocaleString('en')} friends inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

// The emulator does not need to know the users: it delivers to ids it has not seen, as LINE
// delivers to every friend, and keeps what each one received.
const emu = await startEmulator({
  channels: [{ channelId: CHANNEL_ID, channelSecret: 'bench-delivery-secret', channelAccessToken: TOKEN }],
  requestLogLimit: 20_000,
});
const emuAdmin = (p: string, body: unknown) =>
  fetch(`${emu.url}/_emulator${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

function startWorker(multicastPerSecond: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/src/modules/delivery/delivery-worker.main.ts'],
    {
      cwd: root,
      env: {
        ...env,
        LINE_API_BASE_URL: emu.url,
        LINE_DATA_API_BASE_URL: emu.url,
        DELIVERY_WORKER_CONCURRENCY: '24',
        DELIVERY_MULTICAST_PER_SECOND: String(multicastPerSecond),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`delivery worker exited (${code})`)));
  });
}

/** Peak resident set size of a process (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function scenario(label: string, perSecond: number): Promise<void> {
  await emuAdmin('/reset', {});
  await emuAdmin('/channels', {
    channelId: CHANNEL_ID,
    rateLimits: { multicast: { limit: perSecond, windowMs: 1000 } },
  });
  await deliveryQueue().obliterate({ force: true });
  const worker = await startWorker(perSecond);
  const actor = {
    type: 'system' as const,
    id: null,
    label: 'bench',
    staffId: null,
    ip: null,
    userAgent: null,
  };
  const d = await withTenant(tenant.id, (m) =>
    createDelivery(
      m,
      tenant.id,
      {
        title: `ベンチマーク ${label}`,
        organisationId: orgId,
        channel: 'production',
        target: { type: 'all' },
        messages: [{ type: 'text', text: '【配信ベンチ市】本日は燃やせるごみの収集日です。' }],
      },
      actor,
    ),
  );

  started = performance.now();
  const sendAt = Date.now();
  await scheduleDelivery(tenant.id, d.id, { kind: 'immediate' }, actor);
  let run: {
    id: string;
    status: string;
    created_at: Date;
    snapshot_at: Date | null;
    finished_at: Date | null;
  };
  for (;;) {
    const rows = await admin2.query(
      'select id, status, created_at, snapshot_at, finished_at from delivery_run where delivery_id = $1',
      [d.id],
    );
    run = rows.rows[0];
    if (run && (run.status === 'sent' || run.status === 'failed')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const peak = peakRssMiB(worker.pid!);
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));

  const multicasts = emu.state.requests.filter(
    (r) => r.channelId === CHANNEL_ID && r.endpoint === 'multicast',
  );
  const accepted = multicasts.filter((r) => r.status === 200 || r.status === 409);
  const firstAt = Math.min(...accepted.map((r) => r.at));
  const lastAt = Math.max(...accepted.map((r) => r.at + r.durationMs));
  const talk = emu.state.channels.get(CHANNEL_ID)!.talk;
  let copies = 0;
  let onceEach = true;
  for (const list of talk.values()) {
    copies += list.length;
    if (list.length !== 1) onceEach = false;
  }
  const counts = await admin2.query(
    `select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'failed')::int as failed
       from delivery_recipient where run_id = $1`,
    [run.id],
  );
  const total = (lastAt - sendAt) / 1000;
  const snapshot = (run.snapshot_at!.getTime() - run.created_at.getTime()) / 1000;
  const sending = (lastAt - firstAt) / 1000;
  const perSecondRecipients = recipients / total;
  console.log(
    [
      `\n${label}`,
      `  send → last multicast accepted: ${total.toFixed(1)} s (fire ${((run.created_at.getTime() - sendAt) / 1000).toFixed(2)} s, ` +
        `snapshot ${snapshot.toFixed(1)} s, first multicast at ${((firstAt - sendAt) / 1000).toFixed(1)} s, first → last ${sending.toFixed(1)} s)`,
      `  ${Math.round(perSecondRecipients).toLocaleString('en')} recipients/s overall = ${((perSecondRecipients / LINE_CEILING) * 100).toFixed(1)} % of LINE's ceiling (100,000/s); ` +
        `while sending ${Math.round(recipients / sending).toLocaleString('en')} recipients/s, ${(accepted.length / sending).toFixed(0)} multicasts/s`,
      `  multicast requests: ${multicasts.length} (${accepted.length} accepted, ${multicasts.filter((r) => r.status === 429).length} × 429)`,
      `  worker peak RSS ${peak.toFixed(0)} MiB; this process (emulator holding every message) ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`,
      `  run ${run.status}: ${counts.rows[0].sent.toLocaleString('en')} sent, ${counts.rows[0].failed} failed; emulator: ${copies.toLocaleString('en')} messages to ${talk.size.toLocaleString('en')} users, ${onceEach ? 'exactly one each' : 'NOT one each'}`,
    ].join('\n'),
  );
}

await scenario("LINE's multicast limit (200 requests/s, emulator and gateway)", 200);
await scenario('without a rate limit (emulator and gateway at 100,000 requests/s)', 100_000);

await admin2.end();
await closeDeliveryQueue();
await emu.close();
await closeDataSources();
await closeRedis();
process.exit(0);
