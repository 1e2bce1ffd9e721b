import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeRedis, redis } from '../src/platform/queue/redis.js';
import { RedisSlidingWindowLimiter } from '../src/platform/line/rate-limiter.js';
import { LINE_INSIGHT_RATE_LIMIT } from '../src/platform/line/gateway.js';
import { recordFollow, recordUnfollow } from '../src/modules/line/residents.service.js';
import { setDeliveryConfig } from '../src/modules/delivery/delivery.config.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { createDelivery, scheduleDelivery } from '../src/modules/delivery/delivery.service.js';
import { startDeliveryWorker, type DeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import { fetchRunOpens, sweepDeliveryResults } from '../src/modules/delivery/delivery-results.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';
import {
  addResidents,
  configureChannel,
  createLineFriends,
  freshChannelId,
  startLine,
  systemActor,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

/**
 * Results of delivery runs (DEL-8, DEL-13): LINE's open figures fetched through the emulator on
 * a schedule (pending, below LINE's threshold, ready; never twice at once), blocks within 7 days
 * of a run, and the `results` of the staff API and the CSV export.
 */
describe('delivery results', () => {
  const PROD = freshChannelId();
  let line: LineFixture;
  let worker: DeliveryWorker;
  let t: TestTenant;
  let staff: AdminClient;
  let users: string[] = [];
  let residentIds: string[] = [];
  const DAY = 24 * 3600_000;

  const tenantQuery = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    withTenant(t.tenant.id, (m) => m.query(sql, params) as Promise<T[]>);
  const opensOf = async (runId: string) =>
    (
      await tenantQuery<{
        status: string;
        unique_impression: number | null;
        fetch_count: number;
        next_fetch_at: Date | null;
        fetch_until: Date;
        from_day: string;
        to_day: string;
        aggregation_unit: string;
        last_error: string | null;
      }>(
        `select status, unique_impression, fetch_count, next_fetch_at, fetch_until, aggregation_unit, last_error,
                to_char(from_day, 'YYYYMMDD') as from_day, to_char(to_day, 'YYYYMMDD') as to_day
           from delivery_run_opens where run_id = $1`,
        [runId],
      )
    )[0];
  const makeDue = (runId: string) =>
    tenantQuery(
      `update delivery_run_opens set next_fetch_at = now() - interval '1 second' where run_id = $1`,
      [runId],
    );
  const insightCalls = async () =>
    (
      await line.admin<{ requests: unknown[] }>(
        'GET',
        `/requests?channel=${PROD}&endpoint=getStatisticsPerUnit&limit=1000`,
      )
    ).requests.length;
  const read = (userIds: string[]) =>
    Promise.all(
      userIds.map((u) => line.admin('POST', `/channels/${PROD}/users/${u}/actions`, { type: 'read' })),
    );
  const jstDay = (ms: number) => new Date(ms + 9 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');

  async function sendNow(title: string, text = `${title} https://www.city.example.jp/info`) {
    const d = await withTenant(t.tenant.id, (m) =>
      createDelivery(
        m,
        t.tenant.id,
        {
          title,
          organisationId: t.orgs.ka!,
          channel: 'production',
          target: { type: 'all' },
          messages: [{ type: 'text', text }],
        },
        systemActor,
      ),
    );
    await scheduleDelivery(t.tenant.id, d.id, { kind: 'immediate' }, systemActor);
    const [run] = await waitForRuns(t.tenant.id, d.id);
    expect(run!.status).toBe('sent');
    return { delivery: d, runId: run!.id };
  }

  beforeAll(async () => {
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('dr', ['ka']);
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    users = await createLineFriends(line, PROD, 25);
    residentIds = await addResidents(t.tenant.id, 'production', users);
    const s = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['delivery'],
    });
    staff = AdminClient.forTenant(t.tenant);
    expect((await staff.login(s.loginId)).status).toBe(200);
    worker = await startDeliveryWorker({
      concurrency: 4,
      sweepIntervalMs: 3_600_000,
      resultsSweepIntervalMs: 3_600_000,
    });
  });

  afterAll(async () => {
    await worker?.close();
    await closeDeliveryQueue();
    setLineConfig(undefined);
    setDeliveryConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('schedules LINE’s open figures when a run is sent, then reads pending, below-threshold and ready answers', async () => {
    const delay = 3 * DAY;
    await line.admin('POST', '/channels', { channelId: PROD, insightDelayMs: delay });
    try {
      const { delivery, runId } = await sendNow('ごみ収集日のお知らせ');
      const scheduled = await opensOf(runId);
      const [run] = await tenantQuery<{ finished_at: Date; snapshot_at: Date }>(
        'select finished_at, snapshot_at from delivery_run where id = $1',
        [runId],
      );
      // Scheduled in the transaction that closed the run: a day later, for two weeks.
      expect(scheduled).toMatchObject({
        status: 'pending',
        fetch_count: 0,
        aggregation_unit: delivery.aggregationUnit,
        from_day: jstDay(run!.snapshot_at.getTime()),
        to_day: jstDay(run!.finished_at.getTime()),
      });
      expect(scheduled!.next_fetch_at!.getTime() - run!.finished_at.getTime()).toBe(DAY);
      expect(scheduled!.fetch_until.getTime() - run!.finished_at.getTime()).toBe(14 * DAY);

      // Not due yet: nothing is asked.
      const before = await insightCalls();
      expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('not_due');
      expect(await insightCalls()).toBe(before);

      // LINE has not aggregated the messages yet (emulator: younger than insightDelayMs): 集計中.
      await read(users.slice(0, 10));
      await makeDue(runId);
      expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('pending');
      let row = await opensOf(runId);
      expect(row).toMatchObject({
        status: 'pending',
        fetch_count: 1,
        unique_impression: null,
        last_error: null,
      });
      expect(row!.next_fetch_at!.getTime()).toBeGreaterThan(Date.now() + DAY - 60_000);
      expect(await insightCalls()).toBe(before + 1);

      // Aggregated, 10 readers: LINE answers null (below 20).
      await line.admin('POST', '/clock', { advanceMs: delay });
      await makeDue(runId);
      expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('below_threshold');
      expect((await opensOf(runId))!.unique_impression).toBeNull();

      // 22 readers of 25: ready, rate = 22 / 25 sent.
      await read(users.slice(10, 22));
      await makeDue(runId);
      // Two workers at once: one claims the fetch, the other finds nothing due.
      const outcomes = await Promise.all([
        fetchRunOpens({ tenantId: t.tenant.id, runId }),
        fetchRunOpens({ tenantId: t.tenant.id, runId }),
      ]);
      expect(outcomes.sort()).toEqual(['not_due', 'ready']);
      expect(await insightCalls()).toBe(before + 3);
      row = await opensOf(runId);
      expect(row).toMatchObject({ status: 'ready', unique_impression: 22, fetch_count: 3 });

      const detail = await staff.get(`/api/deliveries/${delivery.id}`);
      expect(detail.status).toBe(200);
      expect(detail.body.runs[0].results.opens).toEqual({
        status: 'ready',
        uniqueImpressions: 22,
        rate: 0.88,
      });

      // The last fetch of the window stops the schedule.
      await tenantQuery(
        `update delivery_run_opens set fetch_until = now() - interval '1 second', next_fetch_at = now() - interval '1 second' where run_id = $1`,
        [runId],
      );
      expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('ready');
      row = await opensOf(runId);
      expect(row!.next_fetch_at).toBeNull();
      expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('not_due');
    } finally {
      await line.admin('POST', '/clock', { reset: true });
      await line.admin('POST', '/channels', { channelId: PROD, insightDelayMs: 0 });
    }
  });

  it('asks for the run’s own days: another day’s figures are not this run’s; never published → unavailable', async () => {
    const { runId } = await sendNow('防災訓練のお知らせ');
    await read(users);
    // The run's days moved to a day LINE has nothing for: pending, not someone else's figures.
    await tenantQuery(
      `update delivery_run_opens set from_day = from_day - 3, to_day = to_day - 3, next_fetch_at = now() - interval '1 second' where run_id = $1`,
      [runId],
    );
    expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('pending');
    // Still nothing when the window ends: 集計なし rather than 集計中 for ever.
    await tenantQuery(
      `update delivery_run_opens set fetch_until = now() - interval '1 second', next_fetch_at = now() - interval '1 second' where run_id = $1`,
      [runId],
    );
    expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('unavailable');
    expect((await opensOf(runId))!.next_fetch_at).toBeNull();
  });

  it('a LINE error is stored and retried later; the sweeper schedules runs without figures and queues due fetches', async () => {
    const { runId } = await sendNow('健診のお知らせ');
    await makeDue(runId);
    await line.admin('POST', '/faults', {
      channelId: PROD,
      endpoint: 'getStatisticsPerUnit',
      fault: '500',
      times: 1,
    });
    expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('error');
    const failed = await opensOf(runId);
    expect(failed!.last_error).toMatch(/^LINEの統計情報を取得できませんでした（500）/);
    expect(failed!.status).toBe('pending');
    expect(failed!.next_fetch_at!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);

    // A run sent before results existed (no schedule): the sweeper schedules it, then queues it when due.
    await tenantQuery('delete from delivery_run_opens where run_id = $1', [runId]);
    expect((await sweepDeliveryResults()).scheduled).toBeGreaterThanOrEqual(1);
    expect((await opensOf(runId))!.status).toBe('pending');
    await makeDue(runId);
    await read(users);
    expect((await sweepDeliveryResults()).queued).toBeGreaterThanOrEqual(1);
    const deadline = Date.now() + 15_000;
    while ((await opensOf(runId))!.fetch_count === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await opensOf(runId)).toMatchObject({ status: 'ready', unique_impression: 25, fetch_count: 1 });
  });

  it('respects the channel’s 60 insight requests an hour (shared by all workers): no slot → later, LINE not asked', async () => {
    const { runId } = await sendNow('図書館のお知らせ');
    const key = `${PROD}:insight:statisticsPerUnit`;
    const limiter = new RedisSlidingWindowLimiter(redis());
    const clear = () => redis().del(`line:rl:{${key}}`, `line:rl:{${key}}:seq`);
    // Another worker took this hour's 60 requests of the channel (the earlier tests' fetches forgotten).
    await clear();
    for (let i = 0; i < LINE_INSIGHT_RATE_LIMIT.limit; i++)
      await limiter.acquire(key, LINE_INSIGHT_RATE_LIMIT);
    try {
      await makeDue(runId);
      const before = await insightCalls();
      expect(await fetchRunOpens({ tenantId: t.tenant.id, runId }, { slotWaitMs: 300 })).toBe('busy');
      expect(await insightCalls()).toBe(before);
      const row = await opensOf(runId);
      expect(row).toMatchObject({ status: 'pending', fetch_count: 0, last_error: null });
      expect(row!.next_fetch_at!.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
    } finally {
      await clear();
    }
  });

  it('the list and the detail carry every run’s results in one shape; the CSV has open, click and block columns', async () => {
    setDeliveryConfig(undefined);
    const { delivery, runId } = await sendNow(
      '=HYPERLINK("x") 申込のお知らせ',
      '申込はこちら https://form.example.jp/a と https://form.example.jp/b',
    );
    const links = await tenantQuery<{ n: number; url: string }>(
      'select n, url from delivery_link where run_id = $1 order by n',
      [runId],
    );
    expect(links).toEqual([
      { n: 1, url: 'https://form.example.jp/a' },
      { n: 2, url: 'https://form.example.jp/b' },
    ]);
    // Three clicks on the first link by two residents, one anonymous click on the second.
    await tenantQuery(
      `insert into delivery_click (tenant_id, run_id, n, resident_id, via)
       values ($1, $2, 1, $3, 'liff'), ($1, $2, 1, $3, 'liff'), ($1, $2, 1, $4, 'session'),
              ($1, $2, 2, null, 'anonymous')`,
      [t.tenant.id, runId, residentIds[5], residentIds[6]],
    );
    await read(users);
    await makeDue(runId);
    expect(await fetchRunOpens({ tenantId: t.tenant.id, runId })).toBe('ready');

    const expected = {
      opens: { status: 'ready', uniqueImpressions: 25, rate: 1 },
      clicks: {
        total: 4,
        uniqueResidents: 2,
        // Two of 25 recipients clicked (the anonymous click is in the total only).
        rate: 0.08,
        links: [
          { url: 'https://form.example.jp/a', total: 3, uniqueResidents: 2 },
          { url: 'https://form.example.jp/b', total: 1, uniqueResidents: 0 },
        ],
      },
      blocks: { count: 0, rate: 0 },
    };
    const list = await staff.get('/api/deliveries?pageSize=100');
    expect(list.status).toBe(200);
    const item = list.body.items.find((d: { id: string }) => d.id === delivery.id);
    expect(item.lastRun.results).toEqual(expected);
    // Every run on the page has the same shape, whatever its state.
    for (const d of list.body.items as Array<{ lastRun: { results: Record<string, unknown> } | null }>)
      if (d.lastRun) expect(Object.keys(d.lastRun.results).sort()).toEqual(['blocks', 'clicks', 'opens']);
    const detail = await staff.get(`/api/deliveries/${delivery.id}`);
    expect(detail.body.runs[0].results).toEqual(expected);

    const csv = await staff
      .get('/api/deliveries/export.csv?encoding=sjis')
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(csv.status).toBe(200);
    const rows = iconv
      .decode(csv.body as Buffer, 'cp932')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const header = rows[0]!;
    expect(header.slice(-7)).toEqual([
      '開封数',
      '開封率',
      'クリック数',
      'クリックした住民数',
      'クリック率',
      'ブロック数（7日以内）',
      'ブロック率',
    ]);
    const line = rows.find((r) => r[0] === delivery.id)!;
    // The title that looks like a formula is neutralised by the CSV writer.
    expect(line[1]).toMatch(/^"?'=HYPERLINK/);
    expect(line.slice(-7)).toEqual(['25', '100.0%', '4', '2', '8.0%', '0', '0.0%']);
    const pending = rows.find((r) => r[1] === '健診のお知らせ');
    expect(pending).toBeDefined();
  });
  it('counts recipients who blocked within 7 days of their message (also those who came back), and the rate', async () => {
    const { delivery, runId } = await sendNow('イベントのお知らせ');
    const [{ accepted_at: acceptedAt }] = (await tenantQuery<{ accepted_at: Date }>(
      'select min(accepted_at) as accepted_at from delivery_chunk where run_id = $1',
      [runId],
    )) as [{ accepted_at: Date }];
    const at = (ms: number) => new Date(acceptedAt.getTime() + ms);
    const outsider = (await createLineFriends(line, PROD, 1))[0]!;
    const [outsiderId] = await addResidents(t.tenant.id, 'production', [outsider]);
    await withTenant(t.tenant.id, async (m) => {
      // Blocked an hour and six days later: counted.
      await recordUnfollow(m, 'production', users[0]!, at(3600_000));
      await recordUnfollow(m, 'production', users[1]!, at(6 * DAY));
      // Blocked after eight days: outside the window.
      await recordUnfollow(m, 'production', users[2]!, at(8 * DAY));
      // Blocked the next day and followed again: its unfollow event still counts.
      await m.query(
        `insert into webhook_event (tenant_id, channel_kind, webhook_event_id, event_type, source_user_id, event_timestamp, payload, status)
         values ($1, 'production', $2, 'unfollow', $3, $4, '{}', 'processed')`,
        [t.tenant.id, `01TESTUNFOLLOW${Date.now()}`, users[3], at(DAY)],
      );
      await recordFollow(m, 'production', users[3]!, at(2 * DAY));
      // Not a recipient of the run.
      await recordUnfollow(m, 'production', outsider, at(3600_000));
    });
    expect(outsiderId).toBeTruthy();

    const detail = await staff.get(`/api/deliveries/${delivery.id}`);
    expect(detail.body.runs[0].results.blocks).toEqual({ count: 3, rate: 0.12 });
  });
});
