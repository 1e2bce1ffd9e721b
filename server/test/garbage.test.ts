import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { toCsv } from '../src/platform/http/csv.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { addDays, jstDate } from '../src/modules/delivery/scheduling.js';
import { createRun, fireDelivery, prepareRun } from '../src/modules/delivery/delivery.engine.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { loadDelivery, scheduleDelivery } from '../src/modules/delivery/delivery.service.js';
import { startDeliveryWorker, type DeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';
import {
  addResidents,
  chunksOf,
  configureChannel,
  createLineFriends,
  freshChannelId,
  receivedMulticasts,
  startLine,
  systemActor,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

/**
 * Garbage-collection day reminders per district (DEL-5, Akaiwa 5-①) through the API, the segment
 * compiler, the delivery engine and the LINE emulator: a calendar's CSV is stored all or nothing
 * and replaces its dates from the file's first date on; the `garbage` condition selects exactly
 * the districts collecting the next day; 「リマインド配信を作る」 makes one segment and one draft
 * daily delivery per item, once; a run of such a delivery fired on a day reaches exactly the
 * opted-in residents of the districts collecting on the following day.
 */
describe('garbage-collection calendars and reminders', () => {
  const PROD = freshChannelId();
  let line: LineFixture;
  let t: TestTenant;
  let admin: AdminClient;
  let clerk: AdminClient;
  let operator: AdminClient;
  let worker: DeliveryWorker;
  let calendarId = '';
  const residents: Record<string, { id: string; userId: string }> = {};

  // The occurrence this suite fires: a minute ago (within the misfire tolerance), and its JST day.
  const firedFor = new Date(Date.now() - 60_000);
  const D = jstDate(firedFor);
  const day = (n: number) => addDays(D, n).replaceAll('-', '/');
  const HEADER = ['地区コード', '地区名', '日付', '品目'];
  const FIRST_FILE = [
    HEADER,
    ['A01', '', day(-2), '燃やせるごみ'],
    ['B01', '赤坂地域', day(0), '燃やせるごみ'],
    ['A01', '山陽地域（北）', day(1), '燃やせるごみ'],
    ['', '桜が丘', day(1), '燃やせるごみ'],
    ['A02', '', day(1), '資源ごみ'],
    ['B01', '', day(2), '燃やせるごみ'],
    ['A01', '', day(2), 'びん・缶'],
    ['A02', '', day(3), '燃やせるごみ'],
  ];

  const upload = (client: AdminClient, rows: string[][] | Buffer, dryRun: boolean) =>
    client
      .post(
        `/api/garbage-calendars/${calendarId}/upload?dryRun=${dryRun}`,
        Buffer.isBuffer(rows) ? rows : toCsv(rows, { encoding: 'utf8' }),
      )
      .set('Content-Type', 'text/csv');

  const stored = () =>
    withTenant(t.tenant.id, async (m) => {
      const rows: Array<{ date: string; district_code: string; item: string }> = await m.query(
        `select to_char(collection_date, 'YYYY/MM/DD') as date, district_code, item from garbage_collection
          where calendar_id = $1 order by collection_date, district_code, item`,
        [calendarId],
      );
      return rows.map((r) => `${r.date} ${r.district_code} ${r.item}`);
    });

  async function login(role: 'administrator' | 'staff' | 'operator', features: string[] = []) {
    const s = await createStaff(t.tenant.id, { role, orgIds: [t.orgs.ka!], featuresAllow: features });
    const c = AdminClient.forTenant(t.tenant);
    expect((await c.login(s.loginId)).status).toBe(200);
    return c;
  }

  beforeAll(async () => {
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('gb', ['ka']);
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    admin = await login('administrator');
    clerk = await login('staff', ['delivery', 'segments']);
    operator = await login('operator', ['delivery', 'segments']);

    // Akaiwa's two items: the collection district and the opt-in.
    for (const item of [
      {
        code: 'garbage_district',
        kind: 'single',
        label: 'ゴミ収集地区',
        config: {
          options: [
            { code: 'A01', label: '山陽地域（北）' },
            { code: 'A02', label: '山陽地域（南）' },
            { code: 'A03', label: '桜が丘' },
            { code: 'B01', label: '赤坂地域' },
          ],
        },
      },
      {
        code: 'garbage_reminder',
        kind: 'single',
        label: 'ゴミ収集日のお知らせ',
        config: {
          options: [
            { code: 'yes', label: '受け取る' },
            { code: 'no', label: '受け取らない' },
          ],
        },
      },
      { code: 'memo', kind: 'text', label: 'メモ', config: { maxLength: 100 } },
    ]) {
      const res = await admin.post('/api/attributes', item);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    const people: Array<[string, Record<string, string>, 'friend' | 'blocked']> = [
      ['a', { garbage_district: 'A01', garbage_reminder: 'yes' }, 'friend'],
      ['b', { garbage_district: 'A01', garbage_reminder: 'no' }, 'friend'],
      ['c', { garbage_district: 'A02', garbage_reminder: 'yes' }, 'friend'],
      ['d', { garbage_district: 'B01', garbage_reminder: 'yes' }, 'friend'],
      ['e', { garbage_district: 'A03', garbage_reminder: 'yes' }, 'friend'],
      ['f', { garbage_district: 'A01', garbage_reminder: 'yes' }, 'blocked'],
      ['g', { garbage_reminder: 'yes' }, 'friend'],
    ];
    const users = await createLineFriends(line, PROD, people.length);
    for (const [i, [name, values, status]] of people.entries()) {
      const [id] = await addResidents(t.tenant.id, 'production', [users[i]!], status);
      residents[name] = { id: id!, userId: users[i]! };
      const res = await admin.put(`/api/attributes/residents/${id}`, { values });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    worker = await startDeliveryWorker({ concurrency: 2, sweepIntervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await worker?.close();
    await closeDeliveryQueue();
    setLineConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('creates a calendar on a choice item; refuses other items, a taken code and outsourced operators', async () => {
    const bad = await admin.post('/api/garbage-calendars', { code: 'Gomi', name: '', districtItem: 'memo' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['code', 'name']);
    const text = await admin.post('/api/garbage-calendars', {
      code: 'gomi',
      name: 'x',
      districtItem: 'memo',
    });
    expect(text.status).toBe(422);
    expect(text.body.errors[0].message).toBe(
      '「メモ」は選択式の項目ではありません。地区を選ぶ項目を選んでください',
    );
    const none = await admin.post('/api/garbage-calendars', {
      code: 'gomi',
      name: 'x',
      districtItem: 'nothing',
    });
    expect(none.body.errors[0].message).toBe('項目「nothing」はありません');

    const denied = await operator.post('/api/garbage-calendars', {
      code: 'akaiwa2026',
      name: '赤磐市2026',
      districtItem: 'garbage_district',
    });
    expect(denied.status).toBe(403);
    expect(denied.body.title).toBe('ごみカレンダーを変更する権限がありません');

    // 職員 with the delivery feature keep the calendar (the environment division), not only administrators.
    const res = await clerk.post('/api/garbage-calendars', {
      code: 'akaiwa2026',
      name: '赤磐市2026',
      districtItem: 'garbage_district',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    calendarId = res.body.id;
    const dup = await admin.post('/api/garbage-calendars', {
      code: 'akaiwa2026',
      name: '別',
      districtItem: 'garbage_district',
    });
    expect(dup.status).toBe(409);
    expect(dup.body.title).toContain('すでにあります');

    const list = await operator.get('/api/garbage-calendars');
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { code: string }) => c.code)).toEqual(['akaiwa2026']);
    expect(list.body.can.manage).toBe(false);
  });

  it('a file with bad rows stores nothing and lists every error by row and column in Japanese', async () => {
    const rows = [
      ...FIRST_FILE,
      ['Z99', '', day(1), '燃やせるごみ'],
      ['A01', '赤坂地域', day(1), '資源ごみ'],
      ['A02', '', '2026/02/30', '資源ごみ'],
      ['A03', '', day(1), ''],
    ];
    const res = await upload(clerk, rows, false);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.applied).toBe(false);
    expect(res.body.errors).toEqual([
      { line: 10, column: '地区コード', message: '10行目 地区コード: 地区コード「Z99」は登録されていません' },
      {
        line: 11,
        column: '地区名',
        message: '11行目 地区名: 地区コード「A01」は「山陽地域（北）」です。地区名「赤坂地域」と合いません',
      },
      {
        line: 12,
        column: '日付',
        message:
          '12行目 日付: 日付「2026/02/30」を読み取れません。「2026-04-01」または「2026/4/1」の形で、実在する日付を入力してください',
      },
      { line: 13, column: '品目', message: '13行目 品目: 品目を入力してください（例: 燃やせるごみ）' },
    ]);
    expect(await stored()).toEqual([]);
    const audits = await withTenant(t.tenant.id, (m) =>
      m.query(`select outcome, detail from audit_log where action = 'garbage.upload' order by seq`),
    );
    expect(audits).toEqual([{ outcome: 'failure', detail: { rows: 12, errors: 4 } }]);

    // Operators may read the calendar but not upload it.
    expect((await upload(operator, FIRST_FILE, false)).status).toBe(403);
  });

  it('a valid file (Shift_JIS too) is checked first, then stored; a later file replaces from its first date on', async () => {
    const check = await upload(clerk, toCsv(FIRST_FILE, { encoding: 'sjis' }), true);
    expect(check.status).toBe(200);
    expect(check.body.applied).toBe(false);
    expect(check.body.errors).toEqual([]);
    expect(check.body.summary).toMatchObject({
      rows: 8,
      collections: 8,
      firstDate: addDays(D, -2),
      lastDate: addDays(D, 3),
      districts: 4,
      replace: { from: addDays(D, -2), existing: 0, kept: 0 },
    });
    expect(await stored()).toEqual([]);

    const res = await upload(clerk, toCsv(FIRST_FILE, { encoding: 'sjis' }), false);
    expect(res.body.applied).toBe(true);
    expect(await stored()).toEqual([
      `${day(-2)} A01 燃やせるごみ`,
      `${day(0)} B01 燃やせるごみ`,
      `${day(1)} A01 燃やせるごみ`,
      `${day(1)} A02 資源ごみ`,
      `${day(1)} A03 燃やせるごみ`,
      `${day(2)} A01 びん・缶`,
      `${day(2)} B01 燃やせるごみ`,
      `${day(3)} A02 燃やせるごみ`,
    ]);

    // The corrected second half: from D+2 on, A02's collection on D+3 is gone and D+4 is new.
    const second = [
      HEADER,
      ['B01', '', day(2), '燃やせるごみ'],
      ['A01', '', day(2), 'びん・缶'],
      ['A01', '', day(4), '燃やせるごみ;プラスチック'],
    ];
    const preview = await upload(admin, second, true);
    expect(preview.body.summary.replace).toEqual({ from: addDays(D, 2), existing: 3, kept: 5 });
    const replaced = await upload(admin, second, false);
    expect(replaced.body).toMatchObject({ applied: true, deleted: 3 });
    expect(await stored()).toEqual([
      `${day(-2)} A01 燃やせるごみ`,
      `${day(0)} B01 燃やせるごみ`,
      `${day(1)} A01 燃やせるごみ`,
      `${day(1)} A02 資源ごみ`,
      `${day(1)} A03 燃やせるごみ`,
      `${day(2)} A01 びん・缶`,
      `${day(2)} B01 燃やせるごみ`,
      `${day(4)} A01 プラスチック`,
      `${day(4)} A01 燃やせるごみ`,
    ]);
    const audits = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select detail->>'deleted' as deleted, detail->>'collections' as collections from audit_log
          where action = 'garbage.upload' and outcome = 'success' order by seq`,
      ),
    );
    expect(audits).toEqual([
      { deleted: '0', collections: '8' },
      { deleted: '3', collections: '4' },
    ]);
  });

  it('lists upcoming collections by date, item and district', async () => {
    const res = await operator.get(`/api/garbage-calendars/${calendarId}/collections?from=${D}&days=3`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.days).toEqual([
      { date: D, items: [{ item: '燃やせるごみ', districts: [{ code: 'B01', name: '赤坂地域' }] }] },
      {
        date: addDays(D, 1),
        items: [
          {
            item: '燃やせるごみ',
            districts: [
              { code: 'A01', name: '山陽地域（北）' },
              { code: 'A03', name: '桜が丘' },
            ],
          },
          { item: '資源ごみ', districts: [{ code: 'A02', name: '山陽地域（南）' }] },
        ],
      },
      {
        date: addDays(D, 2),
        items: [
          { item: 'びん・缶', districts: [{ code: 'A01', name: '山陽地域（北）' }] },
          { item: '燃やせるごみ', districts: [{ code: 'B01', name: '赤坂地域' }] },
        ],
      },
    ]);
    const a02 = await operator.get(
      `/api/garbage-calendars/${calendarId}/collections?from=${D}&days=5&district=A02`,
    );
    expect(
      a02.body.days.filter((x: { items: unknown[] }) => x.items.length).map((x: { date: string }) => x.date),
    ).toEqual([addDays(D, 1)]);
    const tooLong = await operator.get(`/api/garbage-calendars/${calendarId}/collections?days=90`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].message).toBe('日数は62日以内にしてください');
  });

  it('the garbage condition counts exactly the districts collecting tomorrow; unknown calendars and items are refused', async () => {
    const count = async (definition: unknown) => {
      const res = await admin.post('/api/segments/count', { channel: 'production', definition });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.count as number;
    };
    // Counted on today's JST date; the suite's day D is today unless it straddles midnight.
    if (jstDate(new Date()) === D) {
      const burnable = { type: 'garbage', calendar: 'akaiwa2026', items: ['燃やせるごみ'], days: 1 };
      // a, b (A01) and e (A03) are friends; f is blocked.
      expect(await count(burnable)).toBe(3);
      expect(
        await count({
          type: 'and',
          conditions: [burnable, { type: 'option', item: 'garbage_reminder', op: 'in', codes: ['yes'] }],
        }),
      ).toBe(2);
      expect(await count({ type: 'garbage', calendar: 'akaiwa2026', days: 1 })).toBe(4);
      expect(await count({ type: 'garbage', calendar: 'akaiwa2026', items: ['資源ごみ'], days: 0 })).toBe(0);
    }
    const unknown = await admin.post('/api/segments', {
      name: 'x',
      organisationId: t.orgs.ka,
      definition: { type: 'garbage', calendar: 'nothing', days: 1 },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      { path: 'definition.calendar', message: 'ごみカレンダー「nothing」はありません' },
    ]);
    const badItem = await admin.post('/api/segments/count', {
      definition: {
        type: 'and',
        conditions: [{ type: 'garbage', calendar: 'akaiwa2026', items: ['粗大ごみ'], days: 1 }],
      },
    });
    expect(badItem.status).toBe(422);
    expect(badItem.body.errors).toEqual([
      {
        path: 'definition.conditions.0.items',
        message: 'ごみカレンダー「赤磐市2026」に品目 「粗大ごみ」 はありません',
      },
    ]);
  });

  let burnableDelivery = '';

  it('「リマインド配信を作る」 makes a segment and a draft daily delivery per item, once', async () => {
    const body = {
      organisationId: t.orgs.ka,
      time: '19:00',
      optIn: { item: 'garbage_reminder', codes: ['yes'] },
    };
    const wrongOptIn = await admin.post(`/api/garbage-calendars/${calendarId}/reminders`, {
      ...body,
      optIn: { item: 'garbage_reminder', codes: ['maybe'] },
    });
    expect(wrongOptIn.status).toBe(422);
    expect(wrongOptIn.body.errors).toEqual([
      { path: 'optIn.codes', message: '「ゴミ収集日のお知らせ」に選択肢 「maybe」 はありません' },
    ]);

    const first = await clerk.post(`/api/garbage-calendars/${calendarId}/reminders`, body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const reminders = first.body.reminders as Array<{
      item: string;
      created: boolean;
      segment: { id: string; name: string };
      delivery: { id: string; title: string; status: string };
    }>;
    expect(reminders.map((r) => [r.item, r.created]).sort()).toEqual([
      ['びん・缶', true],
      ['プラスチック', true],
      ['燃やせるごみ', true],
      ['資源ごみ', true],
    ]);
    const burnable = reminders.find((r) => r.item === '燃やせるごみ')!;
    burnableDelivery = burnable.delivery.id;
    expect(burnable.segment.name).toBe('赤磐市2026：明日が燃やせるごみの収集日');
    const seg = await admin.get(`/api/segments/${burnable.segment.id}`);
    expect(seg.body.definition).toEqual({
      type: 'and',
      conditions: [
        { type: 'garbage', calendar: 'akaiwa2026', items: ['燃やせるごみ'], days: 1 },
        { type: 'option', item: 'garbage_reminder', op: 'in', codes: ['yes'] },
      ],
    });
    const d = await admin.get(`/api/deliveries/${burnable.delivery.id}`);
    expect(d.body).toMatchObject({
      status: 'draft',
      title: '燃やせるごみの収集日のお知らせ（赤磐市2026）',
      target: { type: 'segment', segmentId: burnable.segment.id },
      messages: [
        {
          type: 'text',
          text: '明日は燃やせるごみの収集日です。朝8時30分までに、決められた場所に出してください。',
        },
      ],
      scheduleKind: 'recurring',
      recurrence: { kind: 'daily', time: '19:00' },
    });

    const counts = () =>
      withTenant(t.tenant.id, async (m) => {
        const [s] = await m.query('select count(*)::int as n from segment');
        const [dl] = await m.query('select count(*)::int as n from delivery');
        return [s.n, dl.n];
      });
    const before = await counts();
    const again = await admin.post(`/api/garbage-calendars/${calendarId}/reminders`, body);
    expect(again.status).toBe(200);
    expect(again.body.reminders.every((r: { created: boolean }) => !r.created)).toBe(true);
    expect(again.body.reminders.find((r: { item: string }) => r.item === '燃やせるごみ').delivery.id).toBe(
      burnable.delivery.id,
    );
    expect(await counts()).toEqual(before);

    // A segment deleted since is made again, and the draft follows it.
    const plastic = reminders.find((r) => r.item === 'プラスチック')!;
    expect((await admin.delete(`/api/segments/${plastic.segment.id}`)).status).toBe(204);
    const third = await admin.post(`/api/garbage-calendars/${calendarId}/reminders`, {
      ...body,
      items: ['プラスチック'],
    });
    expect(third.status).toBe(201);
    const remade = third.body.reminders[0];
    expect(remade.created).toBe(true);
    expect(remade.segment.id).not.toBe(plastic.segment.id);
    expect(remade.delivery.id).toBe(plastic.delivery.id);
    const draft = await admin.get(`/api/deliveries/${plastic.delivery.id}`);
    expect(draft.body.target).toEqual({ type: 'segment', segmentId: remade.segment.id });

    const audits = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select detail->'created' as created, detail->>'existing' as existing from audit_log
          where action = 'garbage.reminders_create' order by seq`,
      ),
    );
    expect(
      audits.map((a: { created: unknown[]; existing: string }) => [a.created.length, a.existing]),
    ).toEqual([
      [4, '0'],
      [0, '4'],
      [1, '0'],
    ]);

    // A calendar that segments use cannot be deleted.
    const del = await admin.delete(`/api/garbage-calendars/${calendarId}`);
    expect(del.status).toBe(409);
    expect(del.body.title).toBe('セグメントの条件で使われているごみカレンダーは削除できません');
  });

  it('a run fired on a day reaches exactly the opted-in residents of the districts collecting the next day', async () => {
    await scheduleDelivery(
      t.tenant.id,
      burnableDelivery,
      { kind: 'recurring', rule: { kind: 'daily', time: '19:00', startDate: D } },
      systemActor,
    );
    // The clock reaches the occurrence: it is due a minute ago, on day D.
    await withTenant(t.tenant.id, (m) =>
      m.query('update delivery set next_run_at = $2 where id = $1', [burnableDelivery, firedFor]),
    );
    const fired = await fireDelivery({
      tenantId: t.tenant.id,
      deliveryId: burnableDelivery,
      firedFor: firedFor.toISOString(),
    });
    expect(fired.runId).not.toBeNull();
    const [run] = await waitForRuns(t.tenant.id, burnableDelivery);
    expect(run!.status).toBe('sent');
    const keys = (await chunksOf(t.tenant.id, run!.id)).map((c) => c.retry_key);
    const received = await receivedMulticasts(line, PROD, keys);
    const who = (userIds: string[]) =>
      Object.entries(residents)
        .filter(([, r]) => userIds.includes(r.userId))
        .map(([name]) => name)
        .sort();
    // A01 and A03 collect 燃やせるごみ on D+1: a and e opted in; b said no; f blocked; c (A02) collects
    // 資源ごみ; d (B01) collected on D itself; g registered no district.
    expect(who(received.map((m) => m.userId))).toEqual(['a', 'e']);
    expect((await withTenant(t.tenant.id, (m) => loadDelivery(m, burnableDelivery)))!.status).toBe(
      'scheduled',
    );

    // The next day's occurrence (snapshot only): B01 collects on D+2, so d.
    const nextRun = await withTenant(t.tenant.id, async (m) => {
      const d = (await loadDelivery(m, burnableDelivery))!;
      return createRun(m, t.tenant.id, {
        deliveryId: d.id,
        purpose: 'production',
        firedFor: new Date(firedFor.getTime() + 86_400_000),
        channelKind: 'production',
        target: d.target,
        messages: d.messages,
        aggregationUnit: null,
        requestedBy: null,
      });
    });
    await prepareRun({ tenantId: t.tenant.id, runId: nextRun });
    const rows: Array<{ resident_id: string }> = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select resident_id from delivery_recipient where run_id = $1 and status <> 'skipped_blocked'`,
        [nextRun],
      ),
    );
    expect(
      Object.entries(residents)
        .filter(([, r]) => rows.some((x) => x.resident_id === r.id))
        .map(([name]) => name),
    ).toEqual(['d']);
  });

  it('exports the calendar as a CSV the upload reads again', async () => {
    const res = await operator.get(`/api/garbage-calendars/${calendarId}/export.csv`).buffer(true);
    expect(res.status).toBe(200);
    const again = await upload(admin, Buffer.from(res.text, 'utf8'), true);
    expect(again.body.errors).toEqual([]);
    expect(again.body.summary).toMatchObject({ collections: 9, firstDate: addDays(D, -2), districts: 4 });
  });
});
