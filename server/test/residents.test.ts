import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptField } from '../src/platform/crypto/tenant-keys.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { RESIDENT_NAME_PURPOSE } from '../src/modules/line/residents.service.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

const user = (n: number) => `U${n.toString(16).padStart(32, 'b')}`;
const day = (iso: string) => new Date(`${iso}T09:00:00+09:00`);

interface Seed {
  n: number;
  name: string | null;
  channel?: 'production' | 'test';
  status?: 'friend' | 'blocked' | 'unknown';
  followed?: string | null;
  tester?: boolean;
}

async function createResident(tenantId: string, s: Seed): Promise<string> {
  return withTenant(tenantId, async (m) => {
    const followed = s.followed === null ? null : day(s.followed ?? '2025-04-01');
    const blocked = s.status === 'blocked' ? day('2025-12-01') : null;
    const rows: Array<{ id: string }> = await m.query(
      `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, first_followed_at, followed_at,
                             blocked_since, display_name, is_tester)
       values ($1, $2, $3, $4, $5, $5, $6, $7, $8) returning id`,
      [
        tenantId,
        s.channel ?? 'production',
        user(s.n),
        s.status ?? 'friend',
        followed,
        blocked,
        s.name ? await encryptField(s.name, RESIDENT_NAME_PURPOSE) : null,
        s.tester ?? false,
      ],
    );
    return rows[0]!.id;
  });
}

interface Listed {
  id: string;
  displayName: string | null;
  channel: string;
  friendStatus: string;
  isTester: boolean;
  registrations: Array<{ formName: string }>;
}

describe('friends for staff (/api/residents)', () => {
  let t: TestTenant;
  let other: TestTenant;
  let admin: AdminClient;
  let staff: AdminClient;
  let viewer: AdminClient;
  let outsider: AdminClient;
  let otherAdmin: AdminClient;
  const ids: Record<string, string> = {};
  let formId: string;

  beforeAll(async () => {
    t = await createTestTenant('rs');
    other = await createTestTenant('rso');
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

    const seeds: Array<[string, Seed]> = [
      ['taro', { n: 1, name: '豊中 太郎', followed: '2025-04-01' }],
      ['hanako', { n: 2, name: '豊中 花子', followed: '2025-05-10', tester: true }],
      ['jiro', { n: 3, name: '豊中 次郎', followed: '2025-06-20', status: 'blocked' }],
      ['saburo', { n: 4, name: null, followed: null, status: 'unknown' }],
      ['tester', { n: 5, name: 'テスト 職員', followed: '2025-07-01', channel: 'test' }],
    ];
    for (const [key, s] of seeds) ids[key] = await createResident(t.tenant.id, s);
    // Twenty-five more friends, one a day, for paging.
    for (let i = 0; i < 25; i++)
      await createResident(t.tenant.id, {
        n: 100 + i,
        name: `住民 ${String(i).padStart(2, '0')}`,
        followed: `2025-08-${String(i + 1).padStart(2, '0')}`,
      });
    await createResident(other.tenant.id, { n: 1, name: '他市 住民' });

    const form = await admin.post('/api/registration-forms', { code: 'settings', name: '受信設定' });
    expect(form.status, JSON.stringify(form.body)).toBe(201);
    formId = form.body.id;
    await withTenant(t.tenant.id, (m) =>
      m.query(`insert into resident_registration (tenant_id, resident_id, form_id) values ($1, $2, $3)`, [
        t.tenant.id,
        ids.taro,
        formId,
      ]),
    );
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('lists the newest friends first, a page at a time, names decrypted for that page', async () => {
    const res = await staff.get('/api/residents?channel=production&pageSize=10');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.total).toBe(29);
    expect(res.body.items).toHaveLength(10);
    expect(res.body.items.map((r: Listed) => r.displayName).slice(0, 3)).toEqual([
      '住民 24',
      '住民 23',
      '住民 22',
    ]);
    const page3 = await staff.get('/api/residents?channel=production&pageSize=10&page=3');
    // Never followed (a contact only) comes last going down.
    expect(page3.body.items.map((r: Listed) => r.displayName).slice(-4)).toEqual([
      '豊中 次郎',
      '豊中 花子',
      '豊中 太郎',
      null,
    ]);
    const up = await staff.get('/api/residents?channel=production&sort=followedAt&order=asc&pageSize=3');
    expect(up.body.items.map((r: Listed) => r.id)).toEqual([ids.saburo, ids.taro, ids.hanako]);
    // The names are not readable in the table.
    const stored = await withTenant(t.tenant.id, (m) =>
      m.query('select display_name from resident where id = $1', [ids.taro]),
    );
    expect(stored[0].display_name).toMatch(/^v1:/);
    expect(stored[0].display_name).not.toContain('太郎');
  });

  it('filters by channel, friend status, tester flag, registration and followed period', async () => {
    const names = async (q: string) => {
      const res = await staff.get(`/api/residents?${q}&pageSize=100`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.items as Listed[]).map((r) => r.displayName);
    };
    expect(await names('channel=test')).toEqual(['テスト 職員']);
    expect(await names('friendStatus=blocked')).toEqual(['豊中 次郎']);
    expect(await names('friendStatus=unknown')).toEqual([null]);
    expect(await names('tester=true')).toEqual(['豊中 花子']);
    expect(await names('tester=false&channel=production&friendStatus=friend')).toHaveLength(26);
    expect(await names('form=any')).toEqual(['豊中 太郎']);
    expect(await names(`form=${formId}`)).toEqual(['豊中 太郎']);
    expect(await names('form=none&friendStatus=blocked')).toEqual(['豊中 次郎']);
    // JST days as UTC instants; `to` is exclusive.
    const from = encodeURIComponent(new Date('2025-05-01T00:00:00+09:00').toISOString());
    const to = encodeURIComponent(new Date('2025-07-01T00:00:00+09:00').toISOString());
    expect(await names(`followedFrom=${from}&followedTo=${to}&order=asc`)).toEqual([
      '豊中 花子',
      '豊中 次郎',
    ]);
    const listed = (await staff.get('/api/residents?form=any')).body.items[0] as Listed;
    expect(listed.registrations.map((r) => r.formName)).toEqual(['受信設定']);
    // E-mail subscribers (DEL-10) have no LINE user: listed under their own kind only.
    await withTenant(t.tenant.id, (m) =>
      m.query(`insert into resident (tenant_id, channel_kind, friend_status) values ($1, 'mail', 'friend')`, [
        t.tenant.id,
      ]),
    );
    const mail = await staff.get('/api/residents?channel=mail');
    expect(mail.status, JSON.stringify(mail.body)).toBe(200);
    expect(mail.body.items).toEqual([expect.objectContaining({ channel: 'mail', friendStatus: 'friend' })]);
    expect(await names('tester=false&channel=production&friendStatus=friend')).toHaveLength(26);
  });

  it('answers a wrong query in Japanese', async () => {
    const res = await staff.get('/api/residents?channel=staging&sort=displayName&form=abc');
    expect(res.status).toBe(400);
    expect(res.body.title).toBe('検索条件が正しくありません');
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['channel', 'form', 'sort']);
    expect(res.body.errors.find((e: { path: string }) => e.path === 'channel').message).toBe(
      'チャネルは production・test・mail のいずれかにしてください',
    );
    const range = await staff.get(
      `/api/residents?followedFrom=${encodeURIComponent('2025-06-01T00:00:00Z')}&followedTo=${encodeURIComponent('2025-05-01T00:00:00Z')}`,
    );
    expect(range.status).toBe(400);
    expect(range.body.errors[0].message).toBe('友だち追加日の終わりは始まりより後にしてください');
  });

  it('shows one friend with dates and registrations', async () => {
    const res = await viewer.get(`/api/residents/${ids.taro}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids.taro,
      displayName: '豊中 太郎',
      channel: 'production',
      friendStatus: 'friend',
      isTester: false,
      followedAt: day('2025-04-01').toISOString(),
      registrations: [{ formId, formCode: 'settings', formName: '受信設定', updatedBy: 'resident' }],
    });
    const blocked = await viewer.get(`/api/residents/${ids.jiro}`);
    expect(blocked.body.blockedSince).toBe(day('2025-12-01').toISOString());
    expect((await viewer.get('/api/residents/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await viewer.get('/api/residents/not-a-uuid')).status).toBe(422);
  });

  it('staff mark testers (audited); viewers and staff without the feature may not', async () => {
    const on = await staff.patch(`/api/residents/${ids.taro}`, { isTester: true });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body.isTester).toBe(true);
    // The same value again changes nothing and is not logged twice.
    expect((await staff.patch(`/api/residents/${ids.taro}`, { isTester: true })).status).toBe(200);
    const testers = await staff.get('/api/residents?tester=true&order=asc');
    expect(testers.body.items.map((r: Listed) => r.id)).toEqual([ids.taro, ids.hanako]);

    const bad = await staff.patch(`/api/residents/${ids.taro}`, { isTester: 'yes' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]).toEqual({
      path: 'isTester',
      message: 'テスターにするかどうかを true か false で指定してください',
    });

    const refused = await viewer.patch(`/api/residents/${ids.taro}`, { isTester: false });
    expect(refused.status).toBe(403);
    expect(refused.body.title).toBe('この操作を行う権限がありません');
    expect((await outsider.get('/api/residents')).status).toBe(403);
    expect((await outsider.patch(`/api/residents/${ids.taro}`, { isTester: false })).status).toBe(403);

    const off = await admin.patch(`/api/residents/${ids.taro}`, { isTester: false });
    expect(off.body.isTester).toBe(false);

    const audit = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select outcome, target_id, detail from audit_log where action = 'resident.tester_changed' order by seq`,
      ),
    );
    expect(audit).toEqual([
      {
        outcome: 'success',
        target_id: ids.taro,
        detail: { before: { isTester: false }, after: { isTester: true } },
      },
      { outcome: 'denied', target_id: ids.taro, detail: {} },
      {
        outcome: 'success',
        target_id: ids.taro,
        detail: { before: { isTester: true }, after: { isTester: false } },
      },
    ]);
    // No name in the audit trail.
    expect(JSON.stringify(audit)).not.toContain('太郎');
  });

  it('another tenant sees neither the list nor the friend', async () => {
    const list = await otherAdmin.get('/api/residents');
    expect(list.body.total).toBe(1);
    expect(list.body.items[0].displayName).toBe('他市 住民');
    expect((await otherAdmin.get(`/api/residents/${ids.taro}`)).status).toBe(404);
    expect((await otherAdmin.patch(`/api/residents/${ids.taro}`, { isTester: true })).status).toBe(404);
    const still = await admin.get(`/api/residents/${ids.taro}`);
    expect(still.body.isTester).toBe(false);
  });
});
