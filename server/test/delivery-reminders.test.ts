import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { addDays, jstDate } from '../src/modules/delivery/scheduling.js';
import { createRun, prepareRun } from '../src/modules/delivery/delivery.engine.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { createDelivery } from '../src/modules/delivery/delivery.service.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';
import {
  addResidents,
  configureChannel,
  createLineFriends,
  freshChannelId,
  startLine,
  systemActor,
  type LineFixture,
} from './delivery-fixtures.js';

/**
 * Date-relative reminders (DEL-4) are daily recurring deliveries to a segment whose condition is
 * counted from the occurrence's day: 「お子さまの誕生日の3日前」 is the anniversary condition, 「登録日の
 * 7日後」 a one-day period 7 days back. The snapshot evaluates it on the day the occurrence is
 * for, even when it runs later (a worker that was down over midnight).
 */
describe('reminders relative to registered dates', () => {
  const PROD = freshChannelId();
  let line: LineFixture;
  let t: TestTenant;
  let admin: AdminClient;
  const ids: Record<string, string> = {};

  /** Yesterday and today (JST) as ISO dates, and the occurrence instants of 09:00 JST. */
  const today = jstDate(new Date());
  const yesterday = addDays(today, -1);
  const nineAm = (date: string) => new Date(`${date}T00:00:00Z`);
  // Whole multiples of four years keep a 29 February a real date.
  const birthdayIn = (date: string, years: number) => `${Number(date.slice(0, 4)) - years}${date.slice(4)}`;

  beforeAll(async () => {
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('rm', ['ka']);
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const item = await admin.post('/api/attributes', {
      code: 'children',
      kind: 'dates',
      label: 'お子さまの生年月日',
      config: { maxCount: 5 },
    });
    expect(item.status, JSON.stringify(item.body)).toBe(201);
    const users = await createLineFriends(line, PROD, 3);
    const [a1, b1, c1] = await addResidents(t.tenant.id, 'production', users);
    // Birthdays whose anniversary is 3 days after yesterday, 3 days after today, and neither.
    const values: Array<[string, string, string[]]> = [
      ['yesterdays', a1!, [birthdayIn(addDays(yesterday, 3), 8)]],
      ['todays', b1!, [birthdayIn(addDays(today, 3), 4), birthdayIn(addDays(today, 40), 4)]],
      ['neither', c1!, [birthdayIn(addDays(today, 10), 4)]],
    ];
    for (const [name, id, dates] of values) {
      ids[name] = id;
      const res = await admin.put(`/api/attributes/residents/${id}`, { values: { children: dates } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });

  afterAll(async () => {
    await closeDeliveryQueue();
    setLineConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  async function snapshotFor(segmentId: string, firedFor: Date): Promise<string[]> {
    const runId = await withTenant(t.tenant.id, async (m) => {
      const d = await createDelivery(
        m,
        t.tenant.id,
        {
          title: '誕生日の3日前のお知らせ',
          organisationId: t.orgs.ka!,
          channel: 'production',
          target: { type: 'segment', segmentId },
          messages: [{ type: 'text', text: 'もうすぐお誕生日ですね。' }],
        },
        systemActor,
      );
      return createRun(m, t.tenant.id, {
        deliveryId: d.id,
        purpose: 'production',
        firedFor,
        channelKind: 'production',
        target: { type: 'segment', segmentId },
        messages: d.messages,
        aggregationUnit: null,
        requestedBy: null,
      });
    });
    // Snapshot only (the chunks' jobs are not run here): who would receive this occurrence.
    await prepareRun({ tenantId: t.tenant.id, runId });
    const rows: Array<{ resident_id: string }> = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select resident_id from delivery_recipient where run_id = $1 and status <> 'skipped_blocked'`,
        [runId],
      ),
    );
    return Object.entries(ids)
      .filter(([, id]) => rows.some((r) => r.resident_id === id))
      .map(([name]) => name);
  }

  it('the anniversary three days after the occurrence’s day; a late snapshot keeps that day', async () => {
    const seg = await admin.post('/api/segments', {
      name: '誕生日が3日後',
      organisationId: t.orgs.ka,
      definition: { type: 'date', item: 'children', op: 'anniversary', days: 3 },
    });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    expect(await snapshotFor(seg.body.id, nineAm(today))).toEqual(['todays']);
    // Yesterday's occurrence, snapshotted only now: yesterday's residents, not today's.
    expect(await snapshotFor(seg.body.id, nineAm(yesterday))).toEqual(['yesterdays']);
  });

  it('the live count says who it would reach today', async () => {
    const count = await admin.post('/api/segments/count', {
      channel: 'production',
      definition: { type: 'date', item: 'children', op: 'anniversary', days: 3 },
    });
    expect(count.status, JSON.stringify(count.body)).toBe(200);
    expect(count.body.count).toBe(1);
  });
});
