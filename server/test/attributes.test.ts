import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

const user = (n: number) => `U${n.toString(16).padStart(32, 'a')}`;

async function createResident(tenantId: string, n: number): Promise<string> {
  return withTenant(tenantId, async (m) => {
    const rows: Array<{ id: string }> = await m.query(
      `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, followed_at)
       values ($1, 'production', $2, 'friend', now()) returning id`,
      [tenantId, user(n)],
    );
    return rows[0]!.id;
  });
}

const districtItem = {
  code: 'district',
  kind: 'hierarchy',
  label: 'お住まいの地区',
  helpText: '地区ごとのお知らせに使います',
  required: true,
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
const noteItem = { code: 'note', kind: 'text', label: 'ご意見', config: { maxLength: 100 } };

describe('attribute items and residents’ values (staff side)', () => {
  let t: TestTenant;
  let other: TestTenant;
  let admin: AdminClient;
  let staff: AdminClient;
  let outsider: AdminClient;
  let viewer: AdminClient;
  let otherAdmin: AdminClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestTenant('at');
    other = await createTestTenant('ato');
    const login = async (tt: TestTenant, opts: Parameters<typeof createStaff>[1]) => {
      const s = await createStaff(tt.tenant.id, opts);
      const c = AdminClient.forTenant(tt.tenant);
      expect((await c.login(s.loginId)).status).toBe(200);
      return c;
    };
    admin = await login(t, { role: 'administrator', orgIds: [t.orgs.ka!] });
    staff = await login(t, { role: 'staff', orgIds: [t.orgs.ka!], featuresAllow: ['segments'] });
    viewer = await login(t, { role: 'viewer', orgIds: [t.orgs.ka!], featuresAllow: ['segments'] });
    outsider = await login(t, { role: 'staff', orgIds: [t.orgs.ka!], featuresAllow: ['forms'] });
    otherAdmin = await login(other, { role: 'administrator', orgIds: [other.orgs.ka!] });
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('administrators create items of every kind; codes are unique per tenant', async () => {
    for (const body of [
      districtItem,
      topicsItem,
      noteItem,
      {
        code: 'children',
        kind: 'dates',
        label: 'お子さまの生年月日',
        config: { maxCount: 5, notFuture: true },
      },
      { code: 'household', kind: 'number', label: '世帯人数', config: { min: 1, max: 20, unit: '人' } },
    ]) {
      const res = await admin.post('/api/attributes', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ code: body.code, kind: body.kind, status: 'active' });
      ids[body.code] = res.body.id;
    }
    const dup = await admin.post('/api/attributes', { ...topicsItem, label: '別名' });
    expect(dup.status).toBe(409);
    expect(dup.body.title).toBe('このコードは別の項目で使われています');
    // The same code in another tenant is fine.
    expect((await otherAdmin.post('/api/attributes', topicsItem)).status).toBe(201);
    const list = await staff.get('/api/attributes');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { code: string }) => i.code)).toEqual([
      'district',
      'topics',
      'note',
      'children',
      'household',
    ]);
    expect(list.body.items[0].kindLabel).toBe('階層選択');
  });

  it('answers definition mistakes in Japanese, field by field', async () => {
    const res = await admin.post('/api/attributes', {
      code: 'Bad Code',
      kind: 'single',
      label: '',
      config: {
        options: [
          { code: 'a', label: 'A' },
          { code: 'a', label: 'B' },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.title).toBe('入力内容を確認してください');
    const byPath = Object.fromEntries(
      res.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
    );
    expect(byPath).toMatchObject({
      code: 'コードは英小文字で始まる英小文字・数字・_ の40文字以内にしてください',
      label: '項目名を入力してください',
      'config.options.1.code': '選択肢のコード「a」が重複しています',
    });
    const kind = await admin.post('/api/attributes', { code: 'x', kind: 'colour', label: '色', config: {} });
    expect(kind.status).toBe(422);
    expect(kind.body.errors[0].message).toContain('種類は');
    const range = await admin.patch(`/api/attributes/${ids.household}`, { config: { min: 10, max: 1 } });
    expect(range.status).toBe(422);
    expect(range.body.errors).toEqual([{ path: 'config.max', message: '最大値は最小値以上にしてください' }]);
  });

  it('only administrators manage items; the segments feature is needed to read them', async () => {
    expect((await staff.post('/api/attributes', { ...noteItem, code: 'note2' })).status).toBe(403);
    expect((await staff.patch(`/api/attributes/${ids.note}`, { label: 'x' })).status).toBe(403);
    expect((await outsider.get('/api/attributes')).status).toBe(403);
    expect((await staff.get(`/api/attributes/${ids.note}`)).status).toBe(200);
  });

  it('reorders with the full current list only', async () => {
    const order = [ids.household!, ids.children!, ids.note!, ids.topics!, ids.district!];
    const res = await admin.post('/api/attributes/reorder', { ids: order });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(order);
    const stale = await admin.post('/api/attributes/reorder', { ids: order.slice(1) });
    expect(stale.status).toBe(409);
  });

  it('staff change part of a resident’s settings, validated and audited with item codes only', async () => {
    const residentId = await createResident(t.tenant.id, 1);
    const bad = await staff.put(`/api/attributes/residents/${residentId}`, {
      values: { district: 'hokubu', household: 0 },
    });
    expect(bad.status).toBe(422);
    // In the order staff arranged the items (household first since the reorder).
    expect(bad.body.errors).toEqual([
      { path: 'values.household', message: '「世帯人数」は1人以上にしてください' },
      { path: 'values.district', message: '「お住まいの地区」は「北部」の中からさらに選んでください' },
    ]);
    const res = await staff.put(`/api/attributes/residents/${residentId}`, {
      values: {
        district: 'kumayama',
        topics: ['event'],
        note: '駅前の花壇がきれいです',
        children: ['2024-05-01'],
      },
      email: 'Taro@Example.jp',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.values).toEqual({
      district: 'kumayama',
      topics: ['event'],
      note: '駅前の花壇がきれいです',
      children: ['2024-05-01'],
    });
    expect(res.body.email).toBe('taro@example.jp');
    expect(res.body.changed.sort()).toEqual(['children', 'district', 'note', 'topics']);
    // Free text and e-mail are stored encrypted; the hierarchy answer has its area as an implied row.
    const raw = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select i.code, v.option_code, v.implied, v.text_value_enc from resident_attribute_value v
           join attribute_item i on i.id = v.item_id where v.resident_id = $1 order by i.code, v.implied`,
        [residentId],
      ),
    );
    expect(raw.find((r: { code: string }) => r.code === 'note').text_value_enc).toMatch(/^v1:/);
    expect(raw.filter((r: { code: string }) => r.code === 'district')).toEqual([
      { code: 'district', option_code: 'kumayama', implied: false, text_value_enc: null },
      { code: 'district', option_code: 'hokubu', implied: true, text_value_enc: null },
    ]);
    const contact = await withTenant(t.tenant.id, (m) =>
      m.query('select email_enc, email_hash from resident_contact where resident_id = $1', [residentId]),
    );
    expect(contact[0].email_enc).toMatch(/^v1:/);
    expect(contact[0].email_hash).toMatch(/^[0-9a-f]{64}$/);

    // Changing only one item leaves the others.
    const again = await staff.put(`/api/attributes/residents/${residentId}`, {
      values: { topics: ['kosodate'] },
    });
    expect(again.body.changed).toEqual(['topics']);
    expect(again.body.values.district).toBe('kumayama');

    const audit = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select detail, target_id from audit_log where action = 'resident.attributes_changed' order by seq`,
      ),
    );
    expect(audit).toHaveLength(2);
    expect(audit[0].target_id).toBe(residentId);
    expect(audit[0].detail.items.sort()).toEqual(['children', 'district', 'note', 'topics']);
    expect(audit[0].detail.emailChanged).toBe(true);
    const text = JSON.stringify(audit);
    for (const secret of ['kumayama', '花壇', 'example.jp', '2024-05-01']) expect(text).not.toContain(secret);

    const view = await staff.get(`/api/attributes/residents/${residentId}`);
    expect(view.status).toBe(200);
    expect(view.body.values.note).toBe('駅前の花壇がきれいです');
    expect((await viewer.put(`/api/attributes/residents/${residentId}`, { values: {} })).status).toBe(403);
  });

  it('an option with answers cannot be removed, only hidden; an item with answers only archived', async () => {
    const removeKumayama = {
      config: {
        options: [
          { code: 'hokubu', label: '北部', children: [{ code: 'yoshii', label: '吉井' }] },
          { code: 'nanbu', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
        ],
      },
    };
    const refused = await admin.patch(`/api/attributes/${ids.district}`, removeKumayama);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('「熊山」');
    // Relabelling and hiding keep the code, so answers and segments stay right.
    const relabel = await admin.patch(`/api/attributes/${ids.district}`, {
      label: '地区',
      config: {
        options: [
          {
            code: 'hokubu',
            label: '北部地域',
            children: [
              { code: 'kumayama', label: '熊山町', archived: true },
              { code: 'yoshii', label: '吉井' },
            ],
          },
          { code: 'nanbu', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
        ],
      },
    });
    expect(relabel.status).toBe(200);
    expect(relabel.body.label).toBe('地区');
    expect((await admin.delete(`/api/attributes/${ids.district}`)).status).toBe(409);
    const archived = await admin.post(`/api/attributes/${ids.district}/archive`);
    expect(archived.body.status).toBe('archived');
    expect(
      (await staff.get('/api/attributes')).body.items.map((i: { code: string }) => i.code),
    ).not.toContain('district');
    expect((await admin.post(`/api/attributes/${ids.district}/restore`)).body.status).toBe('active');
    // Unused items can be deleted.
    expect((await admin.delete(`/api/attributes/${ids.household}`)).status).toBe(204);
  });

  it('moving a district to another area rewrites the implied area rows', async () => {
    const res = await admin.patch(`/api/attributes/${ids.district}`, {
      config: {
        options: [
          { code: 'hokubu', label: '北部', children: [{ code: 'yoshii', label: '吉井' }] },
          {
            code: 'nanbu',
            label: '南部',
            children: [
              { code: 'sanyo', label: '山陽' },
              { code: 'kumayama', label: '熊山' },
            ],
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    const rows = await withTenant(t.tenant.id, (m) =>
      m.query(`select option_code from resident_attribute_value where item_id = $1 and implied`, [
        ids.district,
      ]),
    );
    expect(rows).toEqual([{ option_code: 'nanbu' }]);
  });

  it('another tenant’s items and residents are not found', async () => {
    expect((await otherAdmin.get(`/api/attributes/${ids.topics}`)).status).toBe(404);
    expect((await otherAdmin.patch(`/api/attributes/${ids.topics}`, { label: 'x' })).status).toBe(404);
    expect((await otherAdmin.post(`/api/attributes/${ids.topics}/archive`)).status).toBe(404);
    const residentId = await createResident(t.tenant.id, 2);
    expect((await otherAdmin.get(`/api/attributes/residents/${residentId}`)).status).toBe(404);
    expect((await otherAdmin.put(`/api/attributes/residents/${residentId}`, { values: {} })).status).toBe(
      404,
    );
  });
});
