import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenDigest } from '../src/platform/auth/tokens.js';
import { cookieName } from '../src/platform/http/cookies.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import type { LineMessage } from '../src/platform/line/messages.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { decideAbTest } from '../src/modules/delivery/ab-decide.js';
import { sweepDeliveries } from '../src/modules/delivery/delivery.engine.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { startDeliveryWorker, type DeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import {
  AdminClient,
  createStaff,
  createTestTenant,
  superuser,
  testApp,
  type TestTenant,
} from './helpers.js';
import {
  addResidents,
  chunksOf,
  configureChannel,
  createLineFriends,
  freshChannelId,
  receivedMulticasts,
  runsOf,
  startLine,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.9.0';

interface AbRunRow {
  id: string;
  variant: string;
  status: string;
  recipient_count: number | null;
  aggregation_unit: string | null;
  click_code: string | null;
  messages: LineMessage[];
}

/**
 * A/B tests of deliveries (DEL-12) through the LINE emulator, with an in-process delivery worker:
 * a sample of a segment split into A and B by bucket, identified clicks through the tracking
 * link's route with a resident session, the decision (twice, and with a worker "killed" after its
 * commit), the winner to everyone else exactly once, the sweeper finding a lost decision, test
 * sends of both variants, and the Japanese validation of the API.
 */
describe('delivery A/B tests', () => {
  const PROD = freshChannelId();
  const TEST = freshChannelId();
  let line: LineFixture;
  let worker: DeliveryWorker;
  let t: TestTenant;
  let admin: AdminClient;
  let segmentId = '';
  /** Friends in the segment (district kita): LINE user id → resident id. */
  const kita = new Map<string, string>();
  let minami: string[] = [];
  let testFriends: string[] = [];

  const A: LineMessage[] = [
    { type: 'text', text: '健診のご案内です。詳しくは https://www.city.example.jp/kenshin/a' },
  ];
  const B: LineMessage[] = [
    { type: 'text', text: '【予約受付中】特定健診はこちらから https://www.city.example.jp/kenshin/b' },
  ];
  const body = (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    organisationId: t.orgs.ka,
    channel: 'production',
    target: { type: 'segment', segmentId },
    messages: A,
    abTest: { variantB: B, samplePercent: 20, decideAfterMinutes: 30 },
    ...extra,
  });

  const abRuns = (deliveryId: string): Promise<AbRunRow[]> =>
    withTenant(t.tenant.id, (m) =>
      m.query(
        `select id, variant, status, recipient_count, aggregation_unit, click_code, messages
           from delivery_run where delivery_id = $1 and purpose = 'production' order by variant`,
        [deliveryId],
      ),
    );
  const reached = async (runId: string): Promise<string[]> =>
    (
      (await withTenant(t.tenant.id, (m) =>
        m.query(`select line_user_id from delivery_recipient where run_id = $1 and status = 'sent'`, [runId]),
      )) as Array<{ line_user_id: string }>
    ).map((r) => r.line_user_id);
  /** What the emulator's users received from these runs: one entry per user and message. */
  const receivedFrom = async (runIds: string[]) => {
    const keys: string[] = [];
    for (const id of runIds) keys.push(...(await chunksOf(t.tenant.id, id)).map((c) => c.retry_key));
    return receivedMulticasts(line, PROD, keys);
  };

  /** An identified click: a resident session of the city opening the run's tracking link. */
  async function clickAs(residentId: string, code: string, n = 1): Promise<void> {
    const token = randomBytes(24).toString('base64url');
    await withTenant(t.tenant.id, (m) =>
      m.query(
        `insert into resident_session (id, tenant_id, resident_id, csrf_token, expires_at)
         values ($1, $2, $3, $4, now() + interval '1 hour')`,
        [tokenDigest(token), t.tenant.id, residentId, randomBytes(16).toString('hex')],
      ),
    );
    const res = await request(testApp())
      .get(`/t/${t.tenant.slug}/r/${code}/${n}`)
      .set('Host', 'localhost')
      .set('User-Agent', PHONE)
      .set('Cookie', `${cookieName('rsid')}=${token}`);
    expect(res.status).toBe(302);
  }

  async function sampleFinished(deliveryId: string): Promise<AbRunRow[]> {
    await waitForRuns(t.tenant.id, deliveryId, { count: 2, timeoutMs: 60_000 });
    return abRuns(deliveryId);
  }

  beforeAll(async () => {
    line = await startLine([
      { channelId: PROD, token: `token-${PROD}` },
      { channelId: TEST, token: `token-${TEST}` },
    ]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('ab', ['ka']);
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    await configureChannel(t.tenant.id, 'test', TEST, `token-${TEST}`);
    const s = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(s.loginId)).status).toBe(200);

    const item = await admin.post('/api/attributes', {
      code: 'district',
      kind: 'single',
      label: '地区',
      config: {
        options: [
          { code: 'kita', label: '北部' },
          { code: 'minami', label: '南部' },
        ],
      },
    });
    expect(item.status, JSON.stringify(item.body)).toBe(201);
    // 1,000 friends in 北部 (the segment), 3 who blocked there, 50 friends in 南部.
    const users = await createLineFriends(line, PROD, 1053);
    const kitaUsers = users.slice(0, 1000);
    minami = users.slice(1003);
    const kitaIds = await addResidents(t.tenant.id, 'production', kitaUsers);
    const blockedIds = await addResidents(t.tenant.id, 'production', users.slice(1000, 1003), 'blocked');
    const minamiIds = await addResidents(t.tenant.id, 'production', minami);
    kitaUsers.forEach((u, i) => kita.set(u, kitaIds[i]!));
    await setDistrict([...kitaIds, ...blockedIds], 'kita', item.body.id);
    await setDistrict(minamiIds, 'minami', item.body.id);
    const seg = await admin.post('/api/segments', {
      name: '北部の友だち',
      organisationId: t.orgs.ka,
      definition: { type: 'option', item: 'district', op: 'in', codes: ['kita'] },
    });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    segmentId = seg.body.id;
    testFriends = await createLineFriends(line, TEST, 2);
    await addResidents(t.tenant.id, 'test', testFriends);
    worker = await startDeliveryWorker({
      concurrency: 4,
      sweepIntervalMs: 3_600_000,
      resultsSweepIntervalMs: 3_600_000,
    });
  });

  async function setDistrict(residentIds: string[], code: string, itemId: string): Promise<void> {
    await withTenant(t.tenant.id, (m) =>
      m.query(
        `insert into resident_attribute_value (tenant_id, resident_id, item_id, option_code)
         select $1, r, $2, $3 from unnest($4::uuid[]) r`,
        [t.tenant.id, itemId, code, residentIds],
      ),
    );
  }

  afterAll(async () => {
    await worker?.close();
    await closeDeliveryQueue();
    setLineConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('validates the A/B test in Japanese: sample, time, パターンB’s messages, links in both; recurring refused', async () => {
    const bad = async (abTest: unknown, messages: unknown = A) => {
      const res = await admin.post('/api/deliveries', body('検証', { abTest, messages }));
      expect(res.status).toBe(422);
      return res.body.errors as Array<{ path: string; message: string }>;
    };
    expect(await bad({ variantB: B, samplePercent: 5, decideAfterMinutes: 30 })).toEqual([
      { path: 'abTest.samplePercent', message: 'サンプルの割合は10%以上にしてください' },
    ]);
    expect(await bad({ variantB: B, samplePercent: 60, decideAfterMinutes: 30 })).toEqual([
      { path: 'abTest.samplePercent', message: 'サンプルの割合は50%以下にしてください' },
    ]);
    expect(await bad({ variantB: B, samplePercent: 20, decideAfterMinutes: 10 })).toEqual([
      { path: 'abTest.decideAfterMinutes', message: '結果を決めるまでの時間は30分以上にしてください' },
    ]);
    expect(await bad({ variantB: B, samplePercent: 20, decideAfterMinutes: 3000 })).toEqual([
      {
        path: 'abTest.decideAfterMinutes',
        message: '結果を決めるまでの時間は48時間（2880分）以内にしてください',
      },
    ]);
    expect(await bad({ variantB: [], samplePercent: 20, decideAfterMinutes: 30 })).toEqual([
      { path: 'abTest.variantB', message: 'メッセージを1通以上入力してください' },
    ]);
    // The same errors as the delivery's own messages, under abTest.variantB; both lists at once.
    expect(
      await bad({ variantB: [B[0], { type: 'text', text: '' }], samplePercent: 20, decideAfterMinutes: 30 }, [
        { type: 'text', text: '' },
      ]),
    ).toEqual([
      { path: 'messages.0.text', message: '1通目: テキストを入力してください' },
      { path: 'abTest.variantB.1.text', message: '2通目: テキストを入力してください' },
    ]);
    const noLinks = await bad(
      { variantB: [{ type: 'text', text: 'リンクなし' }], samplePercent: 20, decideAfterMinutes: 30 },
      [{ type: 'text', text: 'LINEのリンクは数えません https://liff.line.me/1234567890-abcd' }],
    );
    expect(noLinks.map((e) => e.path)).toEqual(['messages', 'abTest.variantB']);
    expect(noLinks[0]!.message).toBe(
      'A/Bテストはリンクを押した人の割合で結果を決めるため、パターンAのメッセージにリンク（https:// で始まるURL）を1つ以上入れてください',
    );
    expect(noLinks[1]!.message).toContain('パターンBのメッセージにリンク');

    const created = await admin.post('/api/deliveries', body('A/Bの下書き'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.abTest).toEqual({ variantB: B, samplePercent: 20, decideAfterMinutes: 30 });
    // A patch that would leave パターンA without a link is refused; null removes the test.
    const unlinked = await admin.patch(`/api/deliveries/${created.body.id}`, {
      messages: [{ type: 'text', text: 'リンクを消しました' }],
    });
    expect(unlinked.status).toBe(422);
    expect(unlinked.body.errors[0].path).toBe('messages');
    const removed = await admin.patch(`/api/deliveries/${created.body.id}`, { abTest: null });
    expect(removed.body.abTest).toBeNull();
    const again = await admin.patch(`/api/deliveries/${created.body.id}`, {
      abTest: { variantB: B, samplePercent: 30, decideAfterMinutes: 120 },
    });
    expect(again.body.abTest).toMatchObject({ samplePercent: 30, decideAfterMinutes: 120 });
    const copy = await admin.post(`/api/deliveries/${created.body.id}/copy`);
    expect(copy.body.abTest).toEqual(again.body.abTest);

    const recurring = await admin.post(`/api/deliveries/${created.body.id}/schedule`, {
      schedule: { kind: 'recurring', rule: { freq: 'daily', time: '09:00', start: '2030-01-01' } },
    });
    expect(recurring.status).toBe(422);
    expect(recurring.body.errors).toEqual([
      {
        path: 'schedule',
        message:
          'A/Bテストをする配信は繰り返し配信にできません。今すぐ配信するか、日時を指定して予約してください（繰り返すときはA/Bテストを外してください）',
      },
    ]);
    expect((await admin.get(`/api/deliveries/${created.body.id}`)).body.status).toBe('draft');
    const audit: Array<{ action: string; detail: Record<string, unknown> }> = await withTenant(
      t.tenant.id,
      (m) =>
        m.query(`select action, detail from audit_log where target_id = $1 order by seq`, [created.body.id]),
    );
    expect(audit.map((a) => [a.action, a.detail.abTest])).toEqual([
      ['delivery.create', { samplePercent: 20, decideAfterMinutes: 30, variantBMessages: 1 }],
      ['delivery.update', null],
      ['delivery.update', { samplePercent: 30, decideAfterMinutes: 120, variantBMessages: 1 }],
    ]);
  });

  it('sends A to ~10 % and B to ~10 % of the segment, nobody both; clicks make B the winner; B goes to everyone else exactly once', async () => {
    const created = await admin.post('/api/deliveries', body('特定健診のご案内'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const sent = await admin.post(`/api/deliveries/${id}/send`);
    expect(sent.status).toBe(202);

    const sample = await sampleFinished(id);
    expect(sample.map((r) => [r.variant, r.status])).toEqual([
      ['a', 'sent'],
      ['b', 'sent'],
    ]);
    const [runA, runB] = sample as [AbRunRow, AbRunRow];
    const toA = await reached(runA.id);
    const toB = await reached(runB.id);
    // 10 % each of 1,000 friends by bucket: about 100 (binomial; ±40 is four standard deviations).
    for (const n of [toA.length, toB.length]) {
      expect(n).toBeGreaterThan(60);
      expect(n).toBeLessThan(140);
    }
    expect(toA.filter((u) => toB.includes(u))).toEqual([]);
    for (const u of [...toA, ...toB]) expect(kita.has(u)).toBe(true);
    // Their own LINE aggregation units: the delivery's with a / b in front.
    expect(runA.aggregation_unit).toBe(`a${created.body.aggregationUnit.slice(1)}`);
    expect(runB.aggregation_unit).toBe(`b${created.body.aggregationUnit.slice(1)}`);
    // Each got its own variant, through its run's tracking link.
    const got = await receivedFrom([runA.id, runB.id]);
    expect(got).toHaveLength(toA.length + toB.length);
    const talk = async (userId: string) =>
      (
        await line.admin<{ messages: Array<{ message: { text: string } }> }>(
          'GET',
          `/channels/${PROD}/users/${userId}/messages?from=bot`,
        )
      ).messages.map((x) => x.message.text);
    expect((await talk(toA[0]!))[0]).toMatch(
      /^健診のご案内です。詳しくは https?:\/\/.+\/r\/[A-Za-z0-9]{10}\/1$/,
    );
    expect((await talk(toB[0]!))[0]).toMatch(
      /^【予約受付中】特定健診はこちらから https?:\/\/.+\/r\/[A-Za-z0-9]{10}\/1$/,
    );

    let view = await admin.get(`/api/deliveries/${id}`);
    expect(view.body.status).toBe('sending');
    expect(view.body.abTests).toHaveLength(1);
    expect(view.body.abTests[0]).toMatchObject({ samplePercent: 20, decision: null });
    expect(view.body.runs.map((r: { variantLabel: string }) => r.variantLabel).sort()).toEqual([
      'パターンA',
      'パターンB',
    ]);
    const firedFor = view.body.abTests[0].firedFor as string;
    // Not before its time (30 minutes after the sample).
    expect((await decideAbTest({ tenantId: t.tenant.id, deliveryId: id, firedFor })).outcome).toBe('not_due');

    // Identified clicks: 30 of B's recipients, 5 of A's (one of them twice).
    for (const u of toB.slice(0, 30)) await clickAs(kita.get(u)!, runB.click_code!);
    for (const u of toA.slice(0, 5)) await clickAs(kita.get(u)!, runA.click_code!);
    await clickAs(kita.get(toA[0]!)!, runA.click_code!);
    // Friends who join the segment after the sample get the winner; someone who left never does.
    const joined = await createLineFriends(line, PROD, 10);
    const joinedIds = await addResidents(t.tenant.id, 'production', joined);
    joined.forEach((u, i) => kita.set(u, joinedIds[i]!));
    const itemId = (
      (await withTenant(t.tenant.id, (m) =>
        m.query(`select id from attribute_item where code = 'district'`),
      )) as Array<{
        id: string;
      }>
    )[0]!.id;
    await setDistrict(joinedIds, 'kita', itemId);

    // Time is up. A worker decides and "dies" right after the commit (no prepare)…
    await superuser((c) =>
      c.query(`update delivery_ab_test set decide_at = now() - interval '1 second' where delivery_id = $1`, [
        id,
      ]),
    );
    const first = await decideAbTest({ tenantId: t.tenant.id, deliveryId: id, firedFor }, { prepare: false });
    expect(first.outcome).toBe('decided');
    expect((await abRuns(id)).find((r) => r.variant === 'rest')).toMatchObject({ status: 'snapshotting' });
    // …the job's retry, and a duplicate at the same moment, find it decided: one rest run.
    const [second, third] = await Promise.all([
      decideAbTest({ tenantId: t.tenant.id, deliveryId: id, firedFor }),
      decideAbTest({ tenantId: t.tenant.id, deliveryId: id, firedFor }),
    ]);
    expect([second.outcome, third.outcome]).toEqual(['already_decided', 'already_decided']);
    expect(second.restRunId).toBe(first.restRunId);
    const all = await waitForRuns(t.tenant.id, id, { count: 3, timeoutMs: 60_000 });
    expect(all.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);

    const runs = await abRuns(id);
    const rest = runs.find((r) => r.variant === 'rest')!;
    expect(rest.id).toBe(first.restRunId);
    expect(rest.aggregation_unit).toBe(created.body.aggregationUnit);
    const toRest = await reached(rest.id);
    expect(toRest).toHaveLength(1010 - toA.length - toB.length);
    // Every friend of the segment received exactly one variant in total; nobody else anything.
    const everything = await receivedFrom(runs.map((r) => r.id));
    const perUser = new Map<string, number>();
    for (const m of everything) perUser.set(m.userId, (perUser.get(m.userId) ?? 0) + 1);
    expect(perUser.size).toBe(1010);
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);
    expect([...perUser.keys()].every((u) => kita.has(u))).toBe(true);
    for (const u of minami) expect(perUser.has(u)).toBe(false);
    for (const u of joined) expect(toRest).toContain(u);
    // The rest got B's words, through links of its own run.
    expect(rest.messages[0]).toMatchObject({ type: 'text' });
    expect((rest.messages[0] as { text: string }).text).toMatch(
      /^【予約受付中】特定健診はこちらから .+\/r\/[A-Za-z0-9]{10}\/1$/,
    );
    expect(rest.click_code).not.toBe(runB.click_code);
    expect((await talk(toRest[0]!))[0]).toContain('【予約受付中】');

    view = await admin.get(`/api/deliveries/${id}`);
    expect(view.body.status).toBe('sent');
    const decision = view.body.abTests[0].decision;
    expect(decision).toMatchObject({
      winner: 'b',
      reason: 'higher_rate',
      reasonLabel: 'パターンBのクリック率が高かったため',
      a: { sent: toA.length, clickers: 5 },
      b: { sent: toB.length, clickers: 30 },
    });
    expect(decision.b.rate).toBeCloseTo(30 / toB.length, 4);
    expect(decision.a.rate).toBeCloseTo(5 / toA.length, 4);
    expect(view.body.abTests[0].runs).toEqual({ a: runA.id, b: runB.id, rest: rest.id });
    // The runs' own results say the same (the same click rows).
    const runB2 = view.body.runs.find((r: { variant: string }) => r.variant === 'b');
    expect(runB2.results.clicks.uniqueResidents).toBe(30);
    const audit: Array<{ detail: Record<string, unknown> }> = await withTenant(t.tenant.id, (m) =>
      m.query(`select detail from audit_log where action = 'delivery.ab_decided' and target_id = $1`, [id]),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({
      winner: 'b',
      reason: 'higher_rate',
      a: { sent: toA.length, clickers: 5 },
      b: { sent: toB.length, clickers: 30 },
      restRunId: rest.id,
    });

    // The history list shows the occurrence as one line, everyone added up.
    const list = await admin.get('/api/deliveries?q=特定健診のご案内');
    expect(list.body.items[0]).toMatchObject({
      id,
      runs: 1,
      abTest: { samplePercent: 20 },
      lastRun: { status: 'sent', recipients: 1010, sent: 1010, skippedBlocked: 3 },
    });
    expect(list.body.items[0].lastRun.results.clicks.uniqueResidents).toBe(35);
    // The CSV keeps its columns: one line per run, the part named in 種類.
    const csv = await admin
      .get('/api/deliveries/export.csv?q=特定健診のご案内')
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    const lines = (csv.body as Buffer).subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['配信ID', 'タイトル', '種類']);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(','))
        .map((c) => [c[2], c[8]])
        .sort(),
    ).toEqual(
      [
        ['即時配信（A/Bテスト・パターンA）', String(toA.length)],
        ['即時配信（A/Bテスト・パターンB）', String(toB.length)],
        ['即時配信（A/Bテスト・残りの友だち）', String(toRest.length)],
      ].sort(),
    );

    // The delayed job firing later, or the sweeper, change nothing.
    expect((await decideAbTest({ tenantId: t.tenant.id, deliveryId: id, firedFor })).outcome).toBe(
      'already_decided',
    );
    expect((await sweepDeliveries()).decisions).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await receivedFrom(runs.map((r) => r.id))).toHaveLength(1010);
    expect(await runsOf(t.tenant.id, id)).toHaveLength(3);
  });

  it('a lost decision job is found by the sweeper; no clicks keep A, the original', async () => {
    const created = await admin.post(
      '/api/deliveries',
      body('ごみ分別アプリのご案内', {
        target: { type: 'residents', residentIds: [...kita.values()].slice(0, 200) },
        abTest: { variantB: B, samplePercent: 50, decideAfterMinutes: 60 },
      }),
    );
    const id = created.body.id as string;
    await admin.post(`/api/deliveries/${id}/send`);
    const [runA, runB] = (await sampleFinished(id)) as [AbRunRow, AbRunRow];
    const toA = await reached(runA.id);
    const toB = await reached(runB.id);
    // 25 % each of 200: about 50.
    for (const n of [toA.length, toB.length]) {
      expect(n).toBeGreaterThan(25);
      expect(n).toBeLessThan(75);
    }
    // The decision waits as a delayed job for an hour; before then the sweeper leaves it alone.
    const firedFor = (await admin.get(`/api/deliveries/${id}`)).body.abTests[0].firedFor as string;
    const jobId = `abdecide-${id}-${Date.parse(firedFor)}`;
    const job = await deliveryQueue().getJob(jobId);
    expect(job?.opts.delay).toBeGreaterThan(59 * 60_000);
    expect((await sweepDeliveries()).decisions).toBe(0);

    // Redis lost it; the time has come.
    await job!.remove();
    await superuser((c) =>
      c.query(`update delivery_ab_test set decide_at = now() - interval '1 second' where delivery_id = $1`, [
        id,
      ]),
    );
    expect((await sweepDeliveries()).decisions).toBe(1);
    const runs = await waitForRuns(t.tenant.id, id, { count: 3, timeoutMs: 60_000 });
    expect(runs.every((r) => r.status === 'sent')).toBe(true);
    const view = await admin.get(`/api/deliveries/${id}`);
    expect(view.body.status).toBe('sent');
    expect(view.body.abTests[0].decision).toMatchObject({
      winner: 'a',
      reason: 'no_clicks',
      reasonLabel: 'どちらのパターンもクリックがなかったため、元のパターンAにしました',
      a: { clickers: 0, rate: 0 },
      b: { clickers: 0, rate: 0 },
    });
    const rest = (await abRuns(id)).find((r) => r.variant === 'rest')!;
    expect((rest.messages[0] as { text: string }).text).toMatch(/^健診のご案内です。/);
    expect((await reached(rest.id)).length).toBe(200 - toA.length - toB.length);
    const everything = await receivedFrom([runA.id, runB.id, rest.id]);
    expect(everything).toHaveLength(200);
    expect(new Set(everything.map((m) => m.userId)).size).toBe(200);
  });

  it('a test send sends both variants to the test audience and changes nothing', async () => {
    const created = await admin.post('/api/deliveries', body('テスト配信の確認', { channel: 'test' }));
    const id = created.body.id as string;
    const res = await admin.post(`/api/deliveries/${id}/test-send`, { via: 'test-channel' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ channel: 'test', recipients: 2 });
    expect(res.body.runIds).toHaveLength(2);
    await waitForRuns(t.tenant.id, id, { count: 2 });
    const view = await admin.get(`/api/deliveries/${id}`);
    expect(view.body.status).toBe('draft');
    expect(view.body.abTests).toEqual([]);
    expect(view.body.runs.map((r: { purpose: string; variant: string }) => [r.purpose, r.variant])).toEqual([
      ['test', 'a'],
      ['test', 'b'],
    ]);
    for (const u of testFriends) {
      const talk = await line.admin<{ messages: Array<{ message: { text: string } }> }>(
        'GET',
        `/channels/${TEST}/users/${u}/messages?from=bot`,
      );
      const texts = talk.messages.map((x) => x.message.text);
      expect(texts).toHaveLength(2);
      expect(texts.filter((x) => x.startsWith('健診のご案内です。'))).toHaveLength(1);
      expect(texts.filter((x) => x.startsWith('【予約受付中】'))).toHaveLength(1);
    }
  });
});
