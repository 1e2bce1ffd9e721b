import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { runCounts } from '../src/modules/delivery/delivery.engine.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { createDelivery, scheduleDelivery } from '../src/modules/delivery/delivery.service.js';
import { createTestTenant, type TestTenant } from './helpers.js';
import {
  addResidents,
  chunksOf,
  configureChannel,
  createLineFriends,
  freshChannelId,
  multicastRequests,
  receivedMulticasts,
  runsOf,
  startLine,
  systemActor,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

/**
 * Acceptance (issue 4): a 50,000-recipient delivery sent by two real worker processes, one of
 * which is killed with SIGKILL in the middle of sending, then replaced by a new one. Afterwards every recipient
 * received exactly one copy according to the LINE emulator, and the run's counts (from its rows)
 * match what the emulator received. The emulator also loses some answers after delivering
 * (accepted-500, accepted-timeout), so replays with a stored key happen inside each worker too.
 */
describe('a delivery survives its worker being killed mid-send', () => {
  const CHANNEL = freshChannelId();
  const RECIPIENTS = 50_000;
  const BLOCKED = 500;
  const serverDir = path.resolve(import.meta.dirname, '..');
  let line: LineFixture;
  let t: TestTenant;
  const children: ChildProcess[] = [];

  /** A delivery-only worker process (src/modules/delivery/delivery-worker.main.ts) on the test database. */
  function startWorker(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/modules/delivery/delivery-worker.main.ts'],
      {
        cwd: serverDir,
        env: {
          ...process.env,
          LOG_LEVEL: 'error',
          LINE_API_BASE_URL: line.emu.url,
          LINE_DATA_API_BASE_URL: line.emu.url,
          LINE_REQUEST_TIMEOUT_MS: '1000',
          // Short leases so the replacement takes over the dead worker's chunks within seconds.
          DELIVERY_CHUNK_LEASE_SECONDS: '3',
          DELIVERY_SWEEP_INTERVAL_MS: '1000',
          DELIVERY_WORKER_CONCURRENCY: '4',
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    children.push(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('delivery worker did not start')), 30_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve(child);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`delivery worker exited at start (${code ?? signal})`));
      });
    });
  }

  beforeAll(async () => {
    line = await startLine([{ channelId: CHANNEL, token: `token-${CHANNEL}` }]);
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('dc', ['ka']);
    await configureChannel(t.tenant.id, 'production', CHANNEL, `token-${CHANNEL}`);
    // All are friends on LINE's side: a send to a resident we know as blocked would be received.
    const users = await createLineFriends(line, CHANNEL, RECIPIENTS + BLOCKED);
    await addResidents(t.tenant.id, 'production', users.slice(0, RECIPIENTS));
    await addResidents(t.tenant.id, 'production', users.slice(RECIPIENTS), 'blocked');
    for (const [fault, rate, seed] of [
      ['accepted-500', 0.08, 3],
      ['accepted-timeout', 0.05, 5],
      ['500', 0.05, 7],
    ] as const)
      await line.admin('POST', '/faults', {
        channelId: CHANNEL,
        endpoint: 'multicast',
        fault,
        rate,
        seed,
        timeoutMs: 1500,
      });
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await deliveryQueue().obliterate({ force: true });
    await closeDeliveryQueue();
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('50,000 recipients, one of two workers SIGKILLed after some chunks were accepted: each received exactly one copy', async () => {
    // Two worker processes share the work from the start; one of them is killed.
    const [first] = await Promise.all([startWorker(), startWorker()]);
    const d = await withTenant(t.tenant.id, (m) =>
      createDelivery(
        m,
        t.tenant.id,
        {
          title: '全員への大規模配信',
          organisationId: t.orgs.ka!,
          channel: 'production',
          target: { type: 'all' },
          messages: [{ type: 'text', text: '【赤磐市】本日の防災行政無線の内容をお知らせします。' }],
        },
        systemActor,
      ),
    );
    await scheduleDelivery(t.tenant.id, d.id, { kind: 'immediate' }, systemActor);

    // Kill the worker once a fifth of the chunks are accepted (others are in flight or waiting).
    let acceptedAtKill: number;
    let sendingAtKill: number;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await withTenant(t.tenant.id, (m) =>
        m.query(
          `select count(*) filter (where c.status = 'accepted')::int as accepted,
                  count(*) filter (where c.status = 'sending')::int as sending
             from delivery_chunk c join delivery_run r on r.id = c.run_id where r.delivery_id = $1`,
          [d.id],
        ),
      );
      if (row.accepted >= 20) {
        first.kill('SIGKILL');
        acceptedAtKill = row.accepted;
        sendingAtKill = row.sending;
        break;
      }
      if (Date.now() > deadline) throw new Error('the worker never got to sending');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((resolve) => first.once('exit', resolve));
    expect(first.signalCode).toBe('SIGKILL');
    expect(acceptedAtKill).toBeLessThan(100);

    await startWorker();
    const [run] = await waitForRuns(t.tenant.id, d.id, { timeoutMs: 120_000 });
    expect(run!.status).toBe('sent');

    // Exactly one copy per recipient, nobody else, per the emulator's record of its talks.
    const received = await receivedMulticasts(line, CHANNEL);
    const perUser = new Map<string, number>();
    for (const m of received) perUser.set(m.userId, (perUser.get(m.userId) ?? 0) + 1);
    expect(perUser.size).toBe(RECIPIENTS);
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);

    // The run's counts, derived from its rows, match what the emulator received.
    const counts = await withTenant(t.tenant.id, (m) => runCounts(m, t.tenant.id, run!.id));
    expect(counts).toEqual({
      recipients: RECIPIENTS,
      sent: perUser.size,
      failed: 0,
      skippedBlocked: BLOCKED,
    });
    const chunks = await chunksOf(t.tenant.id, run!.id);
    expect(chunks).toHaveLength(100);
    expect(chunks.every((c) => c.status === 'accepted')).toBe(true);
    expect(chunks.reduce((n, c) => n + c.recipient_count, 0)).toBe(received.length);
    expect(new Set(received.map((m) => m.retryKey))).toEqual(new Set(chunks.map((c) => c.retry_key)));

    // Replays really happened: LINE (the emulator) answered 409 to keys it had already accepted.
    const statuses = (await multicastRequests(line, CHANNEL)).map((r) => r.status);
    expect(statuses.filter((s) => s === 409).length).toBeGreaterThan(0);
    expect(await runsOf(t.tenant.id, d.id)).toHaveLength(1);
    console.warn(
      `crash test: killed with ${acceptedAtKill} of 100 chunks accepted and ${sendingAtKill} in flight; ` +
        `${statuses.length} multicast requests (${statuses.filter((s) => s === 409).length} × 409, ` +
        `${statuses.filter((s) => s >= 500).length} × 5xx); chunks taken over: ${chunks.filter((c) => c.attempts > 1).length}`,
    );
  }, 240_000);
});
