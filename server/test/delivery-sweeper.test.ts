import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import {
  claimDue,
  createRun,
  prepareRun,
  runCounts,
  sweepDeliveries,
} from '../src/modules/delivery/delivery.engine.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import {
  createDelivery,
  scheduleDelivery,
  type DeliveryRow,
} from '../src/modules/delivery/delivery.service.js';
import { startDeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import { createTestTenant, superuser, type TestTenant } from './helpers.js';
import {
  addResidents,
  chunksOf,
  configureChannel,
  createLineFriends,
  freshChannelId,
  receivedMulticasts,
  runsOf,
  startLine,
  systemActor,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

/**
 * The sweeper resumes what dead workers and lost jobs leave behind. Each stuck state is made
 * with the engine's own steps and then aged in the database; the queue is emptied so that only
 * the sweeper's jobs can finish the work, run afterwards by a delivery worker.
 */
describe('delivery sweeper', () => {
  const PROD = freshChannelId();
  let line: LineFixture;
  let t: TestTenant;
  let residentIds: string[] = [];

  const draft = (title: string, ids: string[]) =>
    withTenant(t.tenant.id, (m) =>
      createDelivery(
        m,
        t.tenant.id,
        {
          title,
          organisationId: t.orgs.ka!,
          channel: 'production',
          target: { type: 'residents', residentIds: ids },
          messages: [{ type: 'text', text: title }],
        },
        systemActor,
      ),
    );

  /** A delivery fired and snapshotted by the engine, with its chunk jobs thrown away. */
  async function fired(title: string, ids: string[]): Promise<{ d: DeliveryRow; runId: string }> {
    const d = await scheduleDelivery(
      t.tenant.id,
      (await draft(title, ids)).id,
      { kind: 'immediate' },
      systemActor,
    );
    const claim = await claimDue(t.tenant.id, d.id, d.nextRunAt!);
    await prepareRun({ tenantId: t.tenant.id, runId: claim!.runId! });
    return { d, runId: claim!.runId! };
  }

  beforeAll(async () => {
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('ds', ['ka']);
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    residentIds = await addResidents(t.tenant.id, 'production', await createLineFriends(line, PROD, 50));
  });

  afterAll(async () => {
    await closeDeliveryQueue();
    setLineConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('resumes a stuck snapshot, a chunk abandoned while sending, a pending chunk whose job was lost; fails an expired chunk', async () => {
    // A: a run whose worker died while snapshotting (the snapshot rolled back with it).
    const a = await draft('スナップショット中に停止', residentIds.slice(0, 10));
    const aRun = await withTenant(t.tenant.id, (m) =>
      createRun(m, t.tenant.id, {
        deliveryId: a.id,
        purpose: 'production',
        firedFor: new Date(),
        channelKind: 'production',
        target: a.target,
        messages: a.messages,
        aggregationUnit: a.aggregationUnit,
        requestedBy: null,
      }),
    );
    await superuser((c) =>
      c.query(`update delivery_run set created_at = now() - interval '1 hour' where id = $1`, [aRun]),
    );

    // B: a chunk claimed by a worker that died before LINE got it.
    const b = await fired('送信中に停止', residentIds.slice(10, 20));
    // C: a pending chunk whose job never reached the queue.
    const c = await fired('ジョブが消えた', residentIds.slice(20, 30));
    // D: a chunk still open past LINE's 24-hour retry-key window.
    const d = await fired('期限切れ', residentIds.slice(30, 40));
    // E: a healthy pending chunk whose job waits in the queue: left alone.
    const e = await fired('順番待ち', residentIds.slice(40, 50));
    await deliveryQueue().obliterate({ force: true });

    const [bChunk] = await chunksOf(t.tenant.id, b.runId);
    const [cChunk] = await chunksOf(t.tenant.id, c.runId);
    const [dChunk] = await chunksOf(t.tenant.id, d.runId);
    await superuser(async (db) => {
      await db.query(
        `update delivery_chunk set status = 'sending', claimed_at = now() - interval '1 hour', attempts = 1 where id = $1`,
        [bChunk!.id],
      );
      await db.query(`update delivery_recipient set status = 'sending' where chunk_id = $1`, [bChunk!.id]);
      await db.query(`update delivery_chunk set updated_at = now() - interval '1 hour' where id = $1`, [
        cChunk!.id,
      ]);
      await db.query(
        `update delivery_chunk set created_at = now() - interval '24 hours', updated_at = now() - interval '1 hour' where id = $1`,
        [dChunk!.id],
      );
    });

    const report = await sweepDeliveries();
    expect(report).toEqual({
      fired: 0,
      resumedRuns: 1,
      resumedChunks: 2,
      expiredChunks: 1,
      closedRuns: 0,
      decisions: 0,
    });
    const jobs = await deliveryQueue().getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.map((j) => j.name).sort()).toEqual(['prepare-run', 'send-chunk', 'send-chunk']);
    expect((await chunksOf(t.tenant.id, d.runId))[0]).toMatchObject({
      status: 'failed',
      last_error: 'LINEの再送キーの有効期限（24時間）内に送信を確認できなかったため、送信を中止しました',
    });
    expect(await runsOf(t.tenant.id, d.d.id)).toMatchObject([{ status: 'failed' }]);

    const worker = await startDeliveryWorker({ concurrency: 2, sweepIntervalMs: 3_600_000 });
    try {
      for (const id of [a.id, b.d.id, c.d.id]) {
        const [run] = await waitForRuns(t.tenant.id, id);
        expect(run!.status).toBe('sent');
        const counts = await withTenant(t.tenant.id, (m) => runCounts(m, t.tenant.id, run!.id));
        expect(counts).toEqual({ recipients: 10, sent: 10, failed: 0, skippedBlocked: 0 });
        const keys = (await chunksOf(t.tenant.id, run!.id)).map((x) => x.retry_key);
        const received = await receivedMulticasts(line, PROD, keys);
        expect(received).toHaveLength(10);
      }
      // The healthy chunk lost its job only to this test's emptying of the queue: still pending.
      expect((await chunksOf(t.tenant.id, e.runId))[0]!.status).toBe('pending');
    } finally {
      await worker.close();
    }
  });

  it('closes a run whose chunks all closed without closing it', async () => {
    const x = await fired('閉じ忘れ', residentIds.slice(0, 3));
    await deliveryQueue().obliterate({ force: true });
    await superuser(async (db) => {
      await db.query(`update delivery_chunk set status = 'failed', last_error = 'x' where run_id = $1`, [
        x.runId,
      ]);
      await db.query(`update delivery_recipient set status = 'failed' where run_id = $1`, [x.runId]);
      await db.query(`update delivery_run set created_at = now() - interval '1 hour' where id = $1`, [
        x.runId,
      ]);
    });
    expect((await sweepDeliveries()).closedRuns).toBe(1);
    expect(await runsOf(t.tenant.id, x.d.id)).toMatchObject([{ status: 'failed' }]);
    expect((await sweepDeliveries()).closedRuns).toBe(0);
  });
});
