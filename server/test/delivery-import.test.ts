import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { addDays, jstDate, RECURRENCE_CSV_HEADER } from '../src/modules/delivery/schedule/index.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

/**
 * Recurring delivery patterns in bulk by CSV (DEL-3: 500+ patterns), and the schedule preview the
 * composer's recurrence builder shows.
 */
describe('/api/deliveries/recurring-import', () => {
  let t: TestTenant;
  let staff: AdminClient;
  let otherOrg: AdminClient;
  let segmentId = '';
  let flexDeliveryId = '';

  const today = jstDate(new Date());
  const start = addDays(today, 1).replaceAll('-', '/');
  const end = addDays(today, 365).replaceAll('-', '/');
  const onceDay = addDays(today, 10).replaceAll('-', '/');

  type Row = Record<string, string>;
  const KINDS: Array<[string, Row]> = [
    ['毎日', {}],
    ['平日', {}],
    ['毎週', { 曜日: '月;水' }],
    ['隔週', { 曜日: '金' }],
    ['毎月', { 日付: '1;15' }],
    ['月末', {}],
    ['日ごと', { 間隔: '3' }],
    ['第n曜日', { 第n: '2;4', 曜日: '火' }],
    ['1回', {}],
  ];
  const TARGETS = ['全員', '子育て世帯', '', 'テスター'];

  /** `count` patterns of every kind; rows whose index is a multiple of `emptyBodyEvery` (0: none) have no 本文. */
  function rows(count: number, emptyBodyEvery = 7): Row[] {
    return Array.from({ length: count }, (_, i) => {
      const [kind, pattern] = KINDS[i % KINDS.length]!;
      const once = kind === '1回';
      return {
        タイトル: `定期のお知らせ ${i + 1}`,
        種類: kind,
        ...pattern,
        時刻: `${7 + (i % 12)}:${i % 2 ? '30' : '00'}`,
        開始日: once ? onceDay : start,
        終了日: once ? '' : end,
        年末年始休業: !once && i % 5 === 0 ? 'する' : '',
        祝日の扱い: !once && i % 3 === 0 ? '翌営業日' : '',
        配信対象: TARGETS[i % TARGETS.length]!,
        本文: emptyBodyEvery > 0 && i % emptyBodyEvery === 0 ? '' : `第${i + 1}回のお知らせです。`,
      };
    });
  }
  const toCsv = (data: Row[]) =>
    Buffer.from(
      '\ufeff' +
        [
          RECURRENCE_CSV_HEADER.join(','),
          ...data.map((r) => RECURRENCE_CSV_HEADER.map((h) => r[h] ?? '').join(',')),
        ].join('\r\n'),
      'utf8',
    );
  const post = (c: AdminClient, csv: Buffer, query: Record<string, string>) =>
    c
      .post(`/api/deliveries/recurring-import?${new URLSearchParams(query).toString()}`)
      .set('Content-Type', 'text/csv')
      .send(csv);
  const countDeliveries = async () =>
    (
      await withTenant(t.tenant.id, (m) =>
        m.query(`select count(*)::int as n from delivery where title like '定期のお知らせ%'`),
      )
    )[0].n as number;

  beforeAll(async () => {
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('imp', ['ka', 'kb']);
    const s = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['delivery', 'segments'],
    });
    staff = AdminClient.forTenant(t.tenant);
    expect((await staff.login(s.loginId)).status).toBe(200);
    const o = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.kb!],
      featuresAllow: ['delivery'],
    });
    otherOrg = AdminClient.forTenant(t.tenant);
    expect((await otherOrg.login(o.loginId)).status).toBe(200);
    segmentId = await withTenant(t.tenant.id, async (m) => {
      const r: Array<{ id: string }> = await m.query(
        `insert into segment (tenant_id, organisation_id, name, definition) values ($1, $2, '子育て世帯', $3::jsonb) returning id`,
        [t.tenant.id, t.orgs.ka, JSON.stringify({ type: 'friend_status', statuses: ['friend'] })],
      );
      return r[0]!.id;
    });
    const flex = await staff.post('/api/deliveries', {
      title: 'お知らせカード（取り込み用）',
      organisationId: t.orgs.ka,
      messages: [
        {
          type: 'flex',
          altText: 'お知らせ',
          contents: {
            type: 'bubble',
            body: {
              type: 'box',
              layout: 'vertical',
              contents: [{ type: 'text', text: 'お知らせ', weight: 'bold' }],
            },
          },
        },
      ],
    });
    expect(flex.status, JSON.stringify(flex.body)).toBe(201);
    flexDeliveryId = flex.body.id;
  });

  afterAll(async () => {
    await deliveryQueue().obliterate({ force: true });
    await closeDeliveryQueue();
    await closeDataSources();
    await closeRedis();
  });

  it('previews 520 patterns without creating anything', async () => {
    const res = await post(staff, toCsv(rows(520)), {
      organisationId: t.orgs.ka!,
      mode: 'schedule',
      defaultTarget: 'all',
      messagesFrom: flexDeliveryId,
    });
    expect(res.status, JSON.stringify(res.body.errors?.slice(0, 3))).toBe(200);
    expect(res.body).toMatchObject({ applied: false, summary: { rows: 520, errors: 0 }, errors: [] });
    expect(res.body.rows).toHaveLength(520);
    const third = res.body.rows[2];
    expect(third).toMatchObject({
      line: 4,
      title: '定期のお知らせ 3',
      scheduleKind: 'recurring',
      description: expect.stringMatching(/^毎週月・水曜 9:00（\d{4}\/\d{2}\/\d{2}まで）$/),
      // 配信対象 empty: the default chosen on the screen.
      target: { type: 'all' },
      messageSource: 'body',
    });
    expect(third.next).toHaveLength(3);
    expect(res.body.rows[1]).toMatchObject({
      target: { type: 'segment', segmentId },
      targetName: '子育て世帯',
      description: expect.stringMatching(/^平日（月〜金） 8:30/),
    });
    expect(res.body.rows[0]).toMatchObject({ target: { type: 'all' }, messageSource: 'copied' });
    expect(res.body.rows[8]).toMatchObject({
      scheduleKind: 'at',
      description: expect.stringContaining('1回のみ'),
    });
    expect(await countDeliveries()).toBe(0);
  });

  it('imports 520 recurring deliveries at once, scheduled with their first fire jobs queued', async () => {
    const started = Date.now();
    const res = await post(staff, toCsv(rows(520)), {
      organisationId: t.orgs.ka!,
      mode: 'schedule',
      dryRun: 'false',
      defaultTarget: 'all',
      messagesFrom: flexDeliveryId,
    });
    expect(res.status, JSON.stringify(res.body.errors?.slice(0, 3))).toBe(201);
    expect(res.body.applied).toBe(true);
    expect(res.body.deliveries).toHaveLength(520);
    expect(Date.now() - started).toBeLessThan(30_000);

    const stored: Array<{
      status: string;
      schedule_kind: string;
      next_run_at: Date;
      recurrence: { kind: string } | null;
      target: { type: string };
      messages: Array<{ type: string }>;
    }> = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select status, schedule_kind, next_run_at, recurrence, target, messages from delivery
          where title like '定期のお知らせ%' order by created_at, title`,
      ),
    );
    expect(stored).toHaveLength(520);
    expect(stored.every((d) => d.status === 'scheduled' && d.next_run_at.getTime() > started)).toBe(true);
    const onceRows = rows(520).filter((r) => r.種類 === '1回').length;
    expect(stored.filter((d) => d.schedule_kind === 'at')).toHaveLength(onceRows);
    expect(stored.filter((d) => d.schedule_kind === 'recurring').every((d) => d.recurrence !== null)).toBe(
      true,
    );
    expect(stored.filter((d) => d.messages[0]!.type === 'flex')).toHaveLength(Math.ceil(520 / 7));
    expect(stored.filter((d) => d.target.type === 'segment')).toHaveLength(130);

    const first = res.body.deliveries[0] as { id: string; nextRunAt: string };
    const job = await deliveryQueue().getJob(`fire-${first.id}-${Date.parse(first.nextRunAt)}`);
    expect(job?.data).toMatchObject({ tenantId: t.tenant.id, deliveryId: first.id });
    expect(await deliveryQueue().getDelayedCount()).toBeGreaterThanOrEqual(520);

    const audit: Array<{ detail: { deliveries: number; ids: string[] } }> = await withTenant(
      t.tenant.id,
      (m) => m.query(`select detail from audit_log where action = 'delivery.import' and outcome = 'success'`),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail.deliveries).toBe(520);
    expect(audit[0]!.detail.ids).toHaveLength(520);

    // The history list shows them as 繰り返し配信 with the segment's name.
    const list = await staff.get('/api/deliveries?type=recurring&q=定期のお知らせ 3&pageSize=5&sort=title');
    expect(list.status).toBe(200);
    const seg = (list.body.items as Array<{ targetName: string | null; target: { type: string } }>).find(
      (d) => d.target.type === 'segment',
    );
    expect(seg?.targetName).toBe('子育て世帯');
  });

  it('with any bad row creates nothing and lists every error by row and column in Japanese', async () => {
    const data = rows(600, 0);
    data[9]!.種類 = '毎時';
    data[249]!.開始日 = '2026/2/30';
    data[400]!.配信対象 = '存在しないセグメント';
    Object.assign(data[501]!, {
      種類: '1回',
      開始日: '2020/4/1',
      ...{ 終了日: '', 年末年始休業: '', 祝日の扱い: '', 曜日: '', 第n: '', 日付: '', 間隔: '' },
    });
    data[598]!.本文 = '';
    const before = await countDeliveries();
    // Shift_JIS, as Excel saves "CSV (コンマ区切り)".
    const sjis = iconv.encode(
      toCsv(data)
        .toString('utf8')
        .replace(/^\ufeff/, ''),
      'Shift_JIS',
    );
    const res = await post(staff, sjis, {
      organisationId: t.orgs.ka!,
      mode: 'schedule',
      dryRun: 'false',
      defaultTarget: 'segment',
      defaultSegmentId: segmentId,
    });
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(false);
    const errors = res.body.errors as Array<{ line: number; column: string | null; message: string }>;
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [11, '種類'],
      [251, '開始日'],
      [402, '配信対象'],
      [503, '開始日'],
      [600, '本文'],
    ]);
    expect(errors[0]!.message).toMatch(/^11行目 種類: 種類「毎時」は使えません/);
    expect(errors[1]!.message).toContain('251行目 開始日: 開始日「2026/2/30」を読み取れません');
    expect(errors[2]!.message).toContain(
      '402行目 配信対象: セグメント「存在しないセグメント」が見つかりません',
    );
    expect(errors[3]!.message).toBe('503行目 開始日: 配信日時が過ぎています。これから先の日時にしてください');
    expect(errors[4]!.message).toContain('600行目 本文: 本文を入力するか');
    expect(res.body.summary).toEqual({ rows: 600, errors: 5 });
    expect(await countDeliveries()).toBe(before);
    const failed: unknown[] = await withTenant(t.tenant.id, (m) =>
      m.query(`select 1 from audit_log where action = 'delivery.import' and outcome = 'failure'`),
    );
    expect(failed).toHaveLength(1);
  });

  it('imports drafts that keep their rule, to check and schedule one by one', async () => {
    const res = await post(
      staff,
      toCsv(rows(3).map((r) => ({ ...r, タイトル: `${r.タイトル}（下書き）` }))),
      {
        organisationId: t.orgs.ka!,
        mode: 'draft',
        dryRun: 'false',
        defaultTarget: 'testers',
        messagesFrom: flexDeliveryId,
      },
    );
    expect(res.status, JSON.stringify(res.body.errors)).toBe(201);
    const id = res.body.deliveries[2].id as string;
    const got = await staff.get(`/api/deliveries/${id}`);
    expect(got.body).toMatchObject({
      status: 'draft',
      scheduleKind: 'recurring',
      nextRunAt: null,
      recurrence: { kind: 'weekly', weekdays: [1, 3] },
      scheduleText: expect.stringMatching(/^毎週月・水曜/),
    });
    const scheduled = await staff.post(`/api/deliveries/${id}/schedule`, {
      schedule: { kind: 'recurring', rule: got.body.recurrence },
    });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    expect(scheduled.body.status).toBe('scheduled');
  });

  it('refuses an organisation the account does not belong to, and a missing file', async () => {
    const denied = await post(otherOrg, toCsv(rows(2)), { organisationId: t.orgs.ka!, defaultTarget: 'all' });
    expect(denied.status).toBe(403);
    const empty = await post(staff, Buffer.alloc(0), { organisationId: t.orgs.ka! });
    expect(empty.status).toBe(422);
    expect(empty.body.title).toBe('CSVファイルを選んでください');
    const noSegmentsFeature = await post(otherOrg, toCsv(rows(4)), {
      organisationId: t.orgs.kb!,
      defaultTarget: 'all',
      messagesFrom: flexDeliveryId,
    });
    // kb's staff may not read ka's delivery, nor see segments without the feature.
    expect(noSegmentsFeature.status).toBe(422);
    expect(noSegmentsFeature.body.errors).toEqual([
      { path: 'messagesFrom', message: 'メッセージを使う配信が見つかりません' },
    ]);
  });
});

describe('/api/deliveries/schedule-preview', () => {
  let staff: AdminClient;
  beforeAll(async () => {
    const t = await createTestTenant('prv', ['ka']);
    const s = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['delivery'],
    });
    staff = AdminClient.forTenant(t.tenant);
    expect((await staff.login(s.loginId)).status).toBe(200);
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('describes a rule in Japanese with its next dates', async () => {
    const startDate = addDays(jstDate(new Date()), 1);
    const res = await staff.post('/api/deliveries/schedule-preview', {
      rule: {
        kind: 'nthWeekday',
        ordinals: [2],
        weekdays: [2],
        time: '09:00',
        startDate,
        excludeDates: ['2099-01-13'],
        holidayPolicy: 'next-business-day',
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.description).toBe('毎月第2火曜 9:00（2099/01/13を除く・祝日は翌営業日）');
    expect(res.body.next).toHaveLength(5);
    const first = new Date(res.body.next[0]);
    expect(first.getTime()).toBeGreaterThan(Date.now());
    // 09:00 JST is 00:00 UTC.
    expect(first.toISOString()).toMatch(/T00:00:00\.000Z$/);
  });

  it('answers 422 with the field and a Japanese message', async () => {
    const res = await staff.post('/api/deliveries/schedule-preview', {
      rule: { kind: 'weekly', weekdays: [], time: '25:00', startDate: '2026-04-01' },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'schedule.rule.weekdays', message: '曜日を1つ以上選んでください' },
        { path: 'schedule.rule.time', message: '配信時刻は「09:00」の形（00:00〜23:59）で入力してください' },
      ]),
    );
    const ended = await staff.post('/api/deliveries/schedule-preview', {
      rule: { kind: 'daily', time: '09:00', startDate: '2020-04-01', endDate: '2020-04-30' },
    });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ ended: true, next: [] });
  });
});
