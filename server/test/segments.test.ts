import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { segmentPredicate, SegmentNotFoundError } from '../src/modules/segments/segments.service.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

const districtItem = {
  code: 'district',
  kind: 'hierarchy',
  label: 'お住まいの地区',
  config: {
    options: [
      {
        code: 'hokubu',
        label: '北部',
        children: [
          { code: 'kumayama', label: '熊山' },
          { code: 'yoshii', label: '吉井' },
        ],
      },
      { code: 'nanbu', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
    ],
  },
};
const topicsItem = {
  code: 'topics',
  kind: 'multi',
  label: '受け取りたい情報',
  config: {
    options: [
      { code: 'kosodate', label: '子育て' },
      { code: 'event', label: 'イベント' },
    ],
  },
};
const childrenItem = {
  code: 'children',
  kind: 'dates',
  label: 'お子さまの生年月日',
  config: { maxCount: 5 },
};
const NORTH = { type: 'option', item: 'district', op: 'in', codes: ['hokubu'] };

describe('saved segments, counts, research view and STAFF-7', () => {
  let t: TestTenant;
  let other: TestTenant;
  let admin: AdminClient;
  let staffA: AdminClient;
  let staffB: AdminClient;
  let restricted: AdminClient;
  let restrictedId: string;
  let adminId: string;
  let otherAdmin: AdminClient;
  const items: Record<string, string> = {};
  let northSeg: string;
  let kosodateSeg: string;
  let otherSeg: string;

  async function resident(n: number, status: string, values: Record<string, unknown>) {
    const id = await withTenant(t.tenant.id, async (m) => {
      const rows: Array<{ id: string }> = await m.query(
        `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, followed_at)
         values ($1, 'production', $2, $3, now() - interval '30 days') returning id`,
        [t.tenant.id, `U${n.toString(16).padStart(32, 'c')}`, status],
      );
      return rows[0]!.id;
    });
    const res = await admin.put(`/api/attributes/residents/${id}`, { values });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return id;
  }

  beforeAll(async () => {
    t = await createTestTenant('sg', ['ka', 'kb']);
    other = await createTestTenant('sgo');
    const login = async (tt: TestTenant, opts: Parameters<typeof createStaff>[1]) => {
      const s = await createStaff(tt.tenant.id, opts);
      const c = AdminClient.forTenant(tt.tenant);
      expect((await c.login(s.loginId)).status).toBe(200);
      return { c, id: s.id };
    };
    const a = await login(t, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = a.c;
    adminId = a.id;
    staffA = (await login(t, { role: 'staff', orgIds: [t.orgs.ka!], featuresAllow: ['segments'] })).c;
    staffB = (await login(t, { role: 'staff', orgIds: [t.orgs.kb!], featuresAllow: ['segments'] })).c;
    const r = await login(t, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['segments', 'delivery'],
    });
    restricted = r.c;
    restrictedId = r.id;
    otherAdmin = (await login(other, { role: 'administrator', orgIds: [other.orgs.ka!] })).c;
    for (const body of [districtItem, topicsItem, childrenItem]) {
      const res = await admin.post('/api/attributes', body);
      expect(res.status).toBe(201);
      items[body.code] = res.body.id;
    }
    await resident(1, 'friend', { district: 'kumayama', topics: ['kosodate'], children: ['2025-01-01'] });
    await resident(2, 'friend', { district: 'yoshii', topics: ['event'] });
    await resident(3, 'friend', {
      district: 'sanyo',
      topics: ['kosodate', 'event'],
      children: ['2010-01-01'],
    });
    await resident(4, 'blocked', { district: 'kumayama', topics: ['kosodate'] });
    await resident(5, 'friend', {});
    expect((await otherAdmin.post('/api/attributes', districtItem)).status).toBe(201);
    const o = await otherAdmin.post('/api/segments', {
      name: '北部',
      organisationId: other.orgs.ka,
      definition: NORTH,
    });
    expect(o.status).toBe(201);
    otherSeg = o.body.id;
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('counts an unsaved definition for the builder: friends of the channel who match', async () => {
    const res = await staffA.post('/api/segments/count', { definition: NORTH });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Resident 4 lives in 北部 too but blocked the account: not counted, but reported as excluded.
    expect(res.body).toMatchObject({ count: 2, friends: 4, excluded: 1, channel: 'production' });
    expect(typeof res.body.tookMs).toBe('number');
    const test = await staffA.post('/api/segments/count', { definition: NORTH, channel: 'test' });
    expect(test.body).toMatchObject({ count: 0, friends: 0, excluded: 0 });
  });

  it('date conditions may count days from today, so a saved segment moves with the calendar', async () => {
    const count = async (leaf: Record<string, unknown>) => {
      const res = await staffA.post('/api/segments/count', {
        definition: { type: 'date', item: 'children', ...leaf },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.count as number;
    };
    // Children born after "today − 5 years" (resident 1's child, 2025-01-01); not resident 3's (2010).
    expect(await count({ op: 'after', days: -5 * 366 })).toBe(1);
    expect(await count({ op: 'before', days: -5 * 366 })).toBe(1);
    expect(await count({ op: 'before', days: 1 })).toBe(2);
    expect(await count({ op: 'between', fromDays: -20 * 366, toDays: 0 })).toBe(2);
    expect(await count({ op: 'between', from: '2009-01-01', toDays: -5 * 366 })).toBe(1);

    const refused = await staffA.post('/api/segments/count', {
      definition: {
        type: 'and',
        conditions: [
          { type: 'date', item: 'children', op: 'after', date: '2020-01-01', days: -30 },
          { type: 'date', item: 'children', op: 'before' },
          { type: 'date', item: 'children', op: 'between', fromDays: 10, toDays: -10 },
          { type: 'date', item: 'children', op: 'after', days: 1.5 },
        ],
      },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      { path: 'definition.conditions.0.date', message: '日付は日付か日数のどちらかにしてください' },
      { path: 'definition.conditions.1.date', message: '日付を入力してください' },
      { path: 'definition.conditions.2.to', message: '終了日は開始日以降にしてください' },
      { path: 'definition.conditions.3.days', message: '日数は整数にしてください' },
    ]);
  });

  it('refuses definitions that do not fit the items, in Japanese, with paths', async () => {
    const res = await staffA.post('/api/segments/count', {
      definition: {
        type: 'and',
        conditions: [
          { type: 'option', item: 'district', op: 'in', codes: ['nowhere'] },
          { type: 'option', item: 'district', op: 'all', codes: ['hokubu'] },
          { type: 'age', item: 'topics', unit: 'years', max: 2 },
          { type: 'answered', item: 'missing', answered: true },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        path: 'definition.conditions.0.codes',
        message: '「お住まいの地区」に選択肢 「nowhere」 はありません',
      },
      { path: 'definition.conditions.1.op', message: '「すべて含む」は複数選択の項目にだけ使えます' },
      { path: 'definition.conditions.2.type', message: '「受け取りたい情報」にはこの条件を使えません' },
      { path: 'definition.conditions.3.item', message: '項目「missing」はありません' },
    ]);
    const malformed = await staffA.post('/api/segments/count', {
      definition: { type: 'or', conditions: [] },
    });
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors).toEqual([
      { path: 'definition.conditions', message: '条件を1つ以上指定してください' },
    ]);
    const survey = await staffA.post('/api/segments/count', {
      definition: {
        type: 'form_answer',
        formId: '00000000-0000-4000-8000-000000000000',
        question: 'q',
        op: 'answered',
      },
    });
    // SEG-8: a condition on answers names a form of this city (forms-segments.test.ts has the rest).
    expect(survey.status).toBe(422);
    expect(survey.body.errors).toEqual([{ path: 'definition.formId', message: 'フォームが見つかりません' }]);
  });

  it('saves segments per organisation; others see them only when granted', async () => {
    const created = await staffA.post('/api/segments', {
      name: '北部の子育て世帯',
      description: '北部在住で子育て情報を希望',
      organisationId: t.orgs.ka,
      definition: {
        type: 'and',
        conditions: [NORTH, { type: 'option', item: 'topics', op: 'in', codes: ['kosodate'] }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    northSeg = created.body.id;
    expect(created.body.can).toMatchObject({ update: true, delete: true, target: true });
    const count = await staffA.get(`/api/segments/${northSeg}/count`);
    expect(count.body).toMatchObject({ count: 1, friends: 4, excluded: 1 });

    const k = await admin.post('/api/segments', {
      name: '子育て',
      organisationId: t.orgs.ka,
      definition: { type: 'option', item: 'topics', op: 'in', codes: ['kosodate'] },
    });
    kosodateSeg = k.body.id;
    // Staff of another organisation cannot create in ka, nor see ka's segments.
    expect(
      (await staffB.post('/api/segments', { name: 'x', organisationId: t.orgs.ka, definition: NORTH }))
        .status,
    ).toBe(403);
    expect((await staffB.get('/api/segments')).body.items).toEqual([]);
    expect((await staffB.get(`/api/segments/${northSeg}`)).status).toBe(403);

    const shared = await staffA.put(`/api/segments/${northSeg}/grants`, {
      grants: [{ granteeType: 'organisation', granteeId: t.orgs.kb, permissions: ['view'] }],
    });
    expect(shared.status).toBe(200);
    const seen = await staffB.get('/api/segments');
    expect(seen.body.items.map((s: { id: string }) => s.id)).toEqual([northSeg]);
    expect(seen.body.items[0].can).toMatchObject({ update: false, delete: false, target: true });
    expect((await staffB.patch(`/api/segments/${northSeg}`, { name: '変更' })).status).toBe(403);

    const renamed = await staffA.patch(`/api/segments/${northSeg}`, { name: '北部・子育て' });
    expect(renamed.body.name).toBe('北部・子育て');
    const audit = await withTenant(t.tenant.id, (m) =>
      m.query('select action, outcome from audit_log where target_id = $1 order by seq', [northSeg]),
    );
    expect(audit.map((a: { action: string; outcome: string }) => `${a.action}:${a.outcome}`)).toEqual([
      'segment.create:success',
      'segment.read:denied',
      'segment.grants_update:success',
      'segment.update:denied',
      'segment.update:success',
    ]);
  });

  it('the research view counts answers per option (nodes include their districts), optionally within a segment', async () => {
    const all = await staffA.get(`/api/attributes/${items.district}/distribution`);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body).toMatchObject({ friends: 4, answered: 3, unanswered: 1, unit: 'residents' });
    expect(all.body.buckets).toEqual([
      { key: 'hokubu', label: '北部', count: 2, depth: 0 },
      { key: 'kumayama', label: '北部 › 熊山', count: 1, depth: 1 },
      { key: 'yoshii', label: '北部 › 吉井', count: 1, depth: 1 },
      { key: 'nanbu', label: '南部', count: 1, depth: 0 },
      { key: 'sanyo', label: '南部 › 山陽', count: 1, depth: 1 },
    ]);
    const within = await staffA.get(`/api/attributes/${items.topics}/distribution?segmentId=${northSeg}`);
    expect(within.body.friends).toBe(1);
    expect(within.body.buckets).toEqual([
      { key: 'kosodate', label: '子育て', count: 1 },
      { key: 'event', label: 'イベント', count: 0 },
    ]);
    const ages = await staffA.get(`/api/attributes/${items.children}/distribution?by=age&band=5`);
    expect(ages.body.unit).toBe('values');
    expect(ages.body.buckets.map((b: { label: string; count: number }) => [b.label, b.count])).toEqual([
      ['0〜4歳', 1],
      ['15〜19歳', 1],
    ]);
    const months = await staffA.get(`/api/attributes/${items.children}/distribution?by=year`);
    expect(months.body.buckets.map((b: { key: string }) => b.key)).toEqual(['2010', '2025']);
    // Not within a segment the caller may not see.
    expect(
      (await staffB.get(`/api/attributes/${items.topics}/distribution?segmentId=${kosodateSeg}`)).status,
    ).toBe(403);
  });

  it('STAFF-7: a restricted account sees and uses only granted segments, never all friends', async () => {
    const refused = await admin.put('/api/segments/restrictions', {
      grantees: [{ granteeType: 'staff', granteeId: adminId }],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.title).toBe('管理者の配信先は制限できません');
    expect((await staffA.put('/api/segments/restrictions', { grantees: [] })).status).toBe(403);

    const before = await restricted.get('/api/segments');
    expect(before.body.mayTargetAllFriends).toBe(true);
    expect(before.body.items.map((s: { name: string }) => s.name).sort()).toEqual(['北部・子育て', '子育て']);

    const set = await admin.put('/api/segments/restrictions', {
      grantees: [{ granteeType: 'staff', granteeId: restrictedId }],
    });
    expect(set.status).toBe(200);
    expect((await admin.get('/api/segments/restrictions')).body.grantees).toEqual([
      expect.objectContaining({ granteeType: 'staff', granteeId: restrictedId }),
    ]);
    const none = await restricted.get('/api/segments');
    expect(none.body.items).toEqual([]);
    expect(none.body.mayTargetAllFriends).toBe(false);
    expect((await restricted.get(`/api/segments/${kosodateSeg}/count`)).status).toBe(403);

    await admin.put(`/api/segments/${kosodateSeg}/grants`, {
      grants: [{ granteeType: 'staff', granteeId: restrictedId, permissions: ['view'] }],
    });
    const granted = await restricted.get('/api/segments');
    expect(
      granted.body.items.map((s: { id: string; can: { target: boolean } }) => [s.id, s.can.target]),
    ).toEqual([[kosodateSeg, true]]);
    expect((await restricted.get(`/api/segments/${kosodateSeg}/count`)).body.count).toBe(2);
    const adHoc = await restricted.post('/api/segments/count', { definition: NORTH });
    expect(adHoc.status).toBe(403);
    expect(adHoc.body.title).toBe('条件を指定した配信は許可されていません');
    expect(
      (await restricted.post('/api/segments', { name: 'x', organisationId: t.orgs.ka, definition: NORTH }))
        .status,
    ).toBe(403);
    const denied = await withTenant(t.tenant.id, (m) =>
      m.query("select outcome, detail from audit_log where action = 'segment.target'"),
    );
    expect(denied).toEqual([{ outcome: 'denied', detail: { target: 'definition' } }]);

    // Lifting the restriction gives the organisation's segments back.
    await admin.put('/api/segments/restrictions', { grantees: [] });
    expect((await restricted.get('/api/segments')).body.mayTargetAllFriends).toBe(true);
  });

  it('an item used by a segment cannot be deleted', async () => {
    const unused = await admin.post('/api/attributes', {
      code: 'pets',
      kind: 'single',
      label: 'ペット',
      config: { options: [{ code: 'dog', label: '犬' }] },
    });
    const seg = await admin.post('/api/segments', {
      name: '犬',
      organisationId: t.orgs.ka,
      definition: { type: 'not', condition: { type: 'option', item: 'pets', op: 'in', codes: ['dog'] } },
    });
    expect(seg.status).toBe(201);
    const del = await admin.delete(`/api/attributes/${unused.body.id}`);
    expect(del.status).toBe(409);
    expect(del.body.detail).toContain('「犬」');
    expect((await admin.delete(`/api/segments/${seg.body.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/attributes/${unused.body.id}`)).status).toBe(204);
  });

  it('the delivery engine’s resolver compiles a saved segment with its own parameters', async () => {
    const p = await withTenant(t.tenant.id, (m) => segmentPredicate(m, northSeg, new Date()));
    expect(p.sql).toContain('$1::text');
    const n = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select count(*)::int as n from resident r where r.friend_status = 'friend' and ${p.sql}`,
        p.params,
      ),
    );
    expect(n[0].n).toBe(1);
    await expect(
      withTenant(other.tenant.id, (m) => segmentPredicate(m, northSeg, new Date())),
    ).rejects.toThrow(SegmentNotFoundError);
  });

  it('another tenant’s segments are not found', async () => {
    expect((await admin.get(`/api/segments/${otherSeg}`)).status).toBe(404);
    expect((await admin.get(`/api/segments/${otherSeg}/count`)).status).toBe(404);
    expect((await admin.patch(`/api/segments/${otherSeg}`, { name: 'x' })).status).toBe(404);
    expect((await admin.delete(`/api/segments/${otherSeg}`)).status).toBe(404);
    expect((await admin.get(`/api/segments/${otherSeg}/grants`)).status).toBe(404);
    expect(
      (await admin.get(`/api/attributes/${items.district}/distribution?segmentId=${otherSeg}`)).status,
    ).toBe(404);
    expect((await otherAdmin.get(`/api/attributes/${items.district}/distribution`)).status).toBe(404);
    expect((await admin.get('/api/segments')).body.items.map((s: { id: string }) => s.id)).not.toContain(
      otherSeg,
    );
  });
});
