import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import {
  forgetDeliveryGateways,
  runCounts,
  sendChunk,
  sweepDeliveries,
} from '../src/modules/delivery/delivery.engine.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import {
  cancelDelivery,
  createDelivery,
  loadDelivery,
  scheduleDelivery,
  testSendDelivery,
} from '../src/modules/delivery/delivery.service.js';
import { startDeliveryWorker, type DeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import type { LineMessage } from '../src/platform/line/messages.js';
import type { DeliveryTarget } from '../src/modules/delivery/delivery.model.js';
import { createTestTenant, superuser, type TestTenant } from './helpers.js';
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
 * The delivery engine against PostgreSQL, Redis (BullMQ) and the LINE emulator: snapshot,
 * chunks with stored retry keys, replays that LINE recognises, scheduling, cancelling, test sends.
 * Jobs run in an in-process delivery worker, as in the worker process.
 */
describe('delivery engine', () => {
  const PROD = freshChannelId();
  const TEST = freshChannelId();
  const BAD = freshChannelId();
  let line: LineFixture;
  let t: TestTenant;
  let worker: DeliveryWorker;
  let friends: string[] = [];
  let friendIds: string[] = [];
  let blocked: string[] = [];
  let testChannelFriends: string[] = [];

  const text = (s: string): LineMessage[] => [{ type: 'text', text: s }];
  const draft = (
    title: string,
    target: DeliveryTarget = { type: 'all' },
    channel: 'production' | 'test' = 'production',
  ) =>
    withTenant(t.tenant.id, (m) =>
      createDelivery(
        m,
        t.tenant.id,
        { title, organisationId: t.orgs.ka!, channel, target, messages: text(title) },
        systemActor,
      ),
    );

  beforeAll(async () => {
    line = await startLine([
      { channelId: PROD, token: `token-${PROD}` },
      { channelId: TEST, token: `token-${TEST}` },
      { channelId: BAD, token: `token-${BAD}` },
    ]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    // Jobs of an earlier run of this suite refer to a database that no longer exists.
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('dl', ['ka', 'kb']);
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    await configureChannel(t.tenant.id, 'test', TEST, `token-${TEST}`);
    // 1,200 friends, 3 who blocked the account and 2 whose friendship we never saw: all are
    // friends in the emulator, so a send to the 5 would show up there.
    const users = await createLineFriends(line, PROD, 1205);
    friends = users.slice(0, 1200);
    blocked = users.slice(1200);
    friendIds = await addResidents(t.tenant.id, 'production', friends);
    await addResidents(t.tenant.id, 'production', blocked.slice(0, 3), 'blocked');
    await addResidents(t.tenant.id, 'production', blocked.slice(3), 'unknown');
    testChannelFriends = await createLineFriends(line, TEST, 4);
    await addResidents(t.tenant.id, 'test', testChannelFriends);
    worker = await startDeliveryWorker({ concurrency: 4, sweepIntervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await worker?.close();
    await closeDeliveryQueue();
    setLineConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('snapshots friends only (blocked and unknown counted), sends chunks of ≤500 with their stored retry keys', async () => {
    const d = await draft('ごみ収集日のお知らせ');
    await scheduleDelivery(t.tenant.id, d.id, { kind: 'immediate' }, systemActor);
    const [run] = await waitForRuns(t.tenant.id, d.id);
    expect(run!.status).toBe('sent');
    expect(run!.recipient_count).toBe(1200);
    expect(run!.skipped_count).toBe(5);
    expect(run!.aggregation_unit).toBe(d.aggregationUnit);

    const chunks = await chunksOf(t.tenant.id, run!.id);
    expect(chunks.map((c) => c.recipient_count)).toEqual([500, 500, 200]);
    expect(chunks.every((c) => c.status === 'accepted' && c.attempts === 1)).toBe(true);
    expect(new Set(chunks.map((c) => c.retry_key)).size).toBe(3);

    // Each multicast carried its chunk's stored key; together they named every friend once, nobody else.
    const requests = (await multicastRequests(line, PROD)).filter((r) =>
      chunks.some((c) => c.retry_key === r.retryKey),
    );
    expect(requests.map((r) => r.status)).toEqual([200, 200, 200]);
    const sentTo = requests.flatMap((r) => r.requestBody?.to ?? []);
    expect(sentTo).toHaveLength(1200);
    expect(new Set(sentTo)).toEqual(new Set(friends));
    for (const b of blocked) expect(sentTo).not.toContain(b);

    const received = await receivedMulticasts(
      line,
      PROD,
      chunks.map((c) => c.retry_key),
    );
    expect(received).toHaveLength(1200);
    expect(new Set(received.map((m) => m.userId)).size).toBe(1200);
    expect(received.every((m) => m.aggregationUnit === d.aggregationUnit)).toBe(true);

    expect(await withTenant(t.tenant.id, (m) => runCounts(m, t.tenant.id, run!.id))).toEqual({
      recipients: 1200,
      sent: 1200,
      failed: 0,
      skippedBlocked: 5,
    });
    expect((await withTenant(t.tenant.id, (m) => loadDelivery(m, d.id)))!.status).toBe('sent');
  });

  it('a chunk whose accepted answer was lost (accepted-500) is replayed with its key and delivered once', async () => {
    const d = await draft('防災訓練のお知らせ', { type: 'residents', residentIds: friendIds.slice(0, 600) });
    const fault = await line.admin<{ id: string }>('POST', '/faults', {
      channelId: PROD,
      endpoint: 'multicast',
      fault: 'accepted-500',
      times: 1,
    });
    const before = (await multicastRequests(line, PROD)).length;
    await scheduleDelivery(t.tenant.id, d.id, { kind: 'immediate' }, systemActor);
    const [run] = await waitForRuns(t.tenant.id, d.id);
    await line.admin('DELETE', `/faults/${fault.id}`);
    expect(run!.status).toBe('sent');
    const chunks = await chunksOf(t.tenant.id, run!.id);
    expect(chunks.map((c) => c.recipient_count)).toEqual([500, 100]);
    const keys = chunks.map((c) => c.retry_key);

    // The emulator delivered on the first call and answered 500; the retry got 409 (already accepted).
    // (The emulator records a request's key only once it passed faults and the key check.)
    const requests = (await multicastRequests(line, PROD)).slice(before);
    const statuses = requests.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 500]);
    const replayed = chunks.find((c) => c.accepted_request_id !== null);
    expect(replayed).toBeDefined();

    let received = await receivedMulticasts(line, PROD, keys);
    expect(received).toHaveLength(600);
    expect(new Set(received.map((m) => m.userId)).size).toBe(600);

    // A worker that died after LINE accepted but before recording it left the chunk and its
    // recipients in `sending`; once the lease has passed another worker takes it over.
    await superuser(async (c) => {
      await c.query(
        `update delivery_chunk set status = 'sending', claimed_at = now() - interval '1 hour' where id = $1`,
        [chunks[0]!.id],
      );
      await c.query(`update delivery_recipient set status = 'sending' where chunk_id = $1`, [chunks[0]!.id]);
    });
    await superuser((c) => c.query(`update delivery_run set status = 'sending' where id = $1`, [run!.id]));
    expect(await sendChunk({ tenantId: t.tenant.id, chunkId: chunks[0]!.id })).toBe('already_accepted');
    received = await receivedMulticasts(line, PROD, keys);
    expect(received).toHaveLength(600);
    expect((await runsOf(t.tenant.id, d.id))[0]!.status).toBe('sent');
    expect(await withTenant(t.tenant.id, (m) => runCounts(m, t.tenant.id, run!.id))).toMatchObject({
      recipients: 600,
      sent: 600,
      failed: 0,
    });
  });

  it('5xx and 429 are retried with the same key; every recipient gets one copy', async () => {
    const d = await draft('臨時のお知らせ', { type: 'residents', residentIds: friendIds.slice(0, 1000) });
    const faults = await Promise.all([
      line.admin<{ id: string }>('POST', '/faults', {
        channelId: PROD,
        endpoint: 'multicast',
        fault: '500',
        times: 2,
      }),
      line.admin<{ id: string }>('POST', '/faults', {
        channelId: PROD,
        endpoint: 'multicast',
        fault: '429',
        times: 1,
      }),
    ]);
    const before = (await multicastRequests(line, PROD)).length;
    await scheduleDelivery(t.tenant.id, d.id, { kind: 'immediate' }, systemActor);
    const [run] = await waitForRuns(t.tenant.id, d.id);
    for (const f of faults) await line.admin('DELETE', `/faults/${f.id}`);
    expect(run!.status).toBe('sent');
    const chunks = await chunksOf(t.tenant.id, run!.id);
    const keys = chunks.map((c) => c.retry_key);
    const requests = (await multicastRequests(line, PROD)).slice(before);
    expect(requests.filter((r) => r.status === 200)).toHaveLength(2);
    expect(requests.filter((r) => r.status === 500)).toHaveLength(2);
    expect(requests.filter((r) => r.status === 429)).toHaveLength(1);
    const received = await receivedMulticasts(line, PROD, keys);
    expect(received).toHaveLength(1000);
    expect(new Set(received.map((m) => m.userId)).size).toBe(1000);
  });

  it('LINE refusing a chunk (401) fails it with LINE’s error kept and a Japanese summary', async () => {
    const other = await createTestTenant('dx', ['ka']);
    await configureChannel(other.tenant.id, 'production', BAD, 'a-token-LINE-does-not-know');
    const users = await createLineFriends(line, BAD, 3);
    await addResidents(other.tenant.id, 'production', users);
    const d = await withTenant(other.tenant.id, (m) =>
      createDelivery(
        m,
        other.tenant.id,
        {
          title: '届かない配信',
          organisationId: other.orgs.ka!,
          channel: 'production',
          target: { type: 'all' },
          messages: text('x'),
        },
        systemActor,
      ),
    );
    await scheduleDelivery(other.tenant.id, d.id, { kind: 'immediate' }, systemActor);
    const [run] = await waitForRuns(other.tenant.id, d.id);
    expect(run!.status).toBe('failed');
    const [chunk] = await chunksOf(other.tenant.id, run!.id);
    expect(chunk!.status).toBe('failed');
    expect(chunk!.attempts).toBe(1);
    expect(chunk!.last_error).toContain('アクセストークンが無効');
    expect(chunk!.error_detail).toMatchObject({ httpStatus: 401, kind: 'rejected' });
    expect((chunk!.error_detail as { message: string }).message).toMatch(
      /Authentication failed|Authorization/,
    );
    expect(await withTenant(other.tenant.id, (m) => runCounts(m, other.tenant.id, run!.id))).toEqual({
      recipients: 3,
      sent: 0,
      failed: 3,
      skippedBlocked: 0,
    });
    expect((await withTenant(other.tenant.id, (m) => loadDelivery(m, d.id)))!.status).toBe('failed');
    expect(await receivedMulticasts(line, BAD)).toHaveLength(0);
  });

  it('two concurrent sweeps fire a due delivery once', async () => {
    const d = await draft('予約配信', { type: 'residents', residentIds: friendIds.slice(0, 10) });
    // Scheduled an hour ahead (its delayed job stays asleep), then made due by moving the clock of the row.
    const scheduled = await scheduleDelivery(
      t.tenant.id,
      d.id,
      { kind: 'at', at: new Date(Date.now() + 3600_000).toISOString() },
      systemActor,
    );
    expect(scheduled.status).toBe('scheduled');
    const due = new Date(Date.now() - 1000);
    await superuser((c) => c.query('update delivery set next_run_at = $2 where id = $1', [d.id, due]));
    const reports = await Promise.all([sweepDeliveries(), sweepDeliveries(), sweepDeliveries()]);
    expect(reports.reduce((n, r) => n + r.fired, 0)).toBe(1);
    const runs = await waitForRuns(t.tenant.id, d.id);
    expect(runs).toHaveLength(1);
    const chunks = await chunksOf(t.tenant.id, runs[0]!.id);
    expect(
      await receivedMulticasts(
        line,
        PROD,
        chunks.map((c) => c.retry_key),
      ),
    ).toHaveLength(10);
    // The hour-later job finds nothing to fire: the occurrence was claimed.
    const after = await withTenant(t.tenant.id, (m) => loadDelivery(m, d.id));
    expect(after!.status).toBe('sent');
    expect(after!.nextRunAt).toBeNull();
  });

  it('a recurring delivery moves to its next occurrence; a long-missed occurrence is skipped, not sent late', async () => {
    const d = await draft('毎週のお知らせ', { type: 'residents', residentIds: friendIds.slice(0, 5) });
    const today = new Date().toISOString().slice(0, 10);
    const rule = { kind: 'daily', time: '09:00', startDate: today };
    const s = await scheduleDelivery(t.tenant.id, d.id, { kind: 'recurring', rule }, systemActor);
    expect(s.status).toBe('scheduled');
    expect(s.nextRunAt!.getTime()).toBeGreaterThan(Date.now());

    // Due a few seconds ago: fired, and the next occurrence (09:00 JST of a later day) is set.
    await superuser((c) =>
      c.query('update delivery set next_run_at = $2 where id = $1', [d.id, new Date(Date.now() - 5000)]),
    );
    expect((await sweepDeliveries()).fired).toBe(1);
    await waitForRuns(t.tenant.id, d.id);
    const afterRun = (await withTenant(t.tenant.id, (m) => loadDelivery(m, d.id)))!;
    expect(afterRun.status).toBe('scheduled');
    expect(afterRun.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(afterRun.nextRunAt!.toISOString()).toMatch(/T00:00:00\.000Z$/); // 09:00 JST

    // Due three hours ago (every worker was down): skipped, rescheduled, no second run.
    await superuser((c) =>
      c.query('update delivery set next_run_at = $2 where id = $1', [
        d.id,
        new Date(Date.now() - 3 * 3600_000),
      ]),
    );
    expect((await sweepDeliveries()).fired).toBe(0);
    expect(await runsOf(t.tenant.id, d.id)).toHaveLength(1);
    const skipped = (await withTenant(t.tenant.id, (m) => loadDelivery(m, d.id)))!;
    expect(skipped.status).toBe('scheduled');
    expect(skipped.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    const audit: Array<{ action: string }> = await withTenant(t.tenant.id, (m) =>
      m.query(`select action from audit_log where target_id = $1 order by seq`, [d.id]),
    );
    expect(audit.map((a) => a.action)).toContain('delivery.occurrence_skipped');
  });

  it('a delivery cancelled before its time sends nothing', async () => {
    const d = await draft('取り消す配信', { type: 'residents', residentIds: friendIds.slice(0, 20) });
    await scheduleDelivery(
      t.tenant.id,
      d.id,
      { kind: 'at', at: new Date(Date.now() + 1500).toISOString() },
      systemActor,
    );
    const cancelled = await withTenant(t.tenant.id, (m) => cancelDelivery(m, t.tenant.id, d.id, systemActor));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.nextRunAt).toBeNull();
    // Past its time, with its delayed fire job and a sweep: still no run.
    await new Promise((r) => setTimeout(r, 2500));
    await sweepDeliveries();
    expect(await runsOf(t.tenant.id, d.id)).toHaveLength(0);
    // Firing already started (or done) cannot be cancelled.
    const sent = await draft('送信済みの配信', { type: 'residents', residentIds: friendIds.slice(0, 1) });
    await scheduleDelivery(t.tenant.id, sent.id, { kind: 'immediate' }, systemActor);
    await waitForRuns(t.tenant.id, sent.id);
    await expect(
      withTenant(t.tenant.id, (m) => cancelDelivery(m, t.tenant.id, sent.id, systemActor)),
    ).rejects.toThrow(/配信済みの配信は取り消しできません/);
  });

  it('a segment target is compiled by the segments module when the run fires; a deleted segment fails the run', async () => {
    const early = friends.slice(100, 130);
    await withTenant(t.tenant.id, (m) =>
      m.query(
        `update resident set followed_at = '2020-06-01T00:00:00Z' where channel_kind = 'production' and line_user_id = any($1)`,
        [early],
      ),
    );
    const [seg] = await withTenant(t.tenant.id, (m) =>
      m.query(
        `insert into segment (tenant_id, organisation_id, name, definition) values ($1, $2, '2020年までの友だち', $3::jsonb) returning id`,
        [t.tenant.id, t.orgs.ka, JSON.stringify({ type: 'friend_period', until: '2020-12-31' })],
      ),
    );
    const d = await draft('古くからの友だちへ', { type: 'segment', segmentId: seg.id });
    await scheduleDelivery(t.tenant.id, d.id, { kind: 'immediate' }, systemActor);
    const [run] = await waitForRuns(t.tenant.id, d.id);
    expect(run).toMatchObject({ status: 'sent', recipient_count: 30 });
    const chunks = await chunksOf(t.tenant.id, run!.id);
    const received = await receivedMulticasts(
      line,
      PROD,
      chunks.map((c) => c.retry_key),
    );
    expect(received.map((m) => m.userId).sort()).toEqual([...early].sort());

    const gone = await draft('消えたセグメントへ', { type: 'segment', segmentId: seg.id });
    await withTenant(t.tenant.id, (m) => m.query('delete from segment where id = $1', [seg.id]));
    // Scheduling checks the segment exists; a segment deleted after scheduling fails the run instead.
    await expect(
      scheduleDelivery(t.tenant.id, gone.id, { kind: 'immediate' }, systemActor),
    ).rejects.toMatchObject({
      status: 422,
      opts: { errors: [{ path: 'target.segmentId', message: '配信先のセグメントが見つかりません' }] },
    });
    expect((await withTenant(t.tenant.id, (m) => loadDelivery(m, gone.id)))!.status).toBe('draft');
    const later = await draft('予約後に消えるセグメントへ', { type: 'all' });
    await superuser((c) =>
      c.query(`update delivery set target = $2::jsonb where id = $1`, [
        later.id,
        JSON.stringify({ type: 'segment', segmentId: seg.id }),
      ]),
    );
    await superuser((c) =>
      c.query(
        `update delivery set status = 'scheduled', next_run_at = now() - interval '1 second' where id = $1`,
        [later.id],
      ),
    );
    await sweepDeliveries();
    const [failed] = await waitForRuns(t.tenant.id, later.id);
    expect(failed).toMatchObject({
      status: 'failed',
      error: '配信先のセグメントが見つかりません（削除された可能性があります）',
    });
    expect((await withTenant(t.tenant.id, (m) => loadDelivery(m, later.id)))!.status).toBe('failed');
  });

  it('test sends go to the test channel’s friends or to testers, and never change or count as the delivery', async () => {
    const d = await draft('テストしてから送る配信');
    const testers = friends.slice(1000, 1002);
    await withTenant(t.tenant.id, (m) =>
      m.query(
        `update resident set is_tester = true where channel_kind = 'production' and line_user_id = any($1)`,
        [testers],
      ),
    );
    const viaTesters = await testSendDelivery(t.tenant.id, d.id, 'testers', systemActor);
    expect(viaTesters.recipients).toBe(2);
    const viaChannel = await testSendDelivery(t.tenant.id, d.id, 'test-channel', systemActor);
    expect(viaChannel).toMatchObject({ channel: 'test', recipients: 4 });
    const runs = await waitForRuns(t.tenant.id, d.id, { count: 2 });
    expect(runs.map((r) => [r.purpose, r.status, r.aggregation_unit])).toEqual([
      ['test', 'sent', null],
      ['test', 'sent', null],
    ]);
    const testerChunks = await chunksOf(t.tenant.id, viaTesters.runId);
    const toTesters = await receivedMulticasts(
      line,
      PROD,
      testerChunks.map((c) => c.retry_key),
    );
    expect(toTesters.map((m) => m.userId).sort()).toEqual([...testers].sort());
    const channelChunks = await chunksOf(t.tenant.id, viaChannel.runId);
    const toTestChannel = await receivedMulticasts(
      line,
      TEST,
      channelChunks.map((c) => c.retry_key),
    );
    expect(toTestChannel.map((m) => m.userId).sort()).toEqual([...testChannelFriends].sort());
    const after = (await withTenant(t.tenant.id, (m) => loadDelivery(m, d.id)))!;
    expect(after.status).toBe('draft');
    expect(after.lastFiredAt).toBeNull();
    forgetDeliveryGateways();
  });
});
