import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources, withOps } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { hashPassword } from '../src/platform/auth/passwords.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

describe('vendor console', () => {
  let t: TestTenant;
  let vendor: AdminClient;
  const vendorPassword = 'Vendor-support-99';

  beforeAll(async () => {
    t = await createTestTenant('vend');
    await createStaff(t.tenant.id, { role: 'administrator', loginId: 'cityadmin' });
    await withOps((m) =>
      hashPassword(vendorPassword).then((h) =>
        m.query(
          `insert into vendor_account (login_id, display_name, password_hash, must_change_password)
           values ('helpdesk', 'ヘルプデスク', $1, false) on conflict do nothing`,
          [h],
        ),
      ),
    );
    vendor = AdminClient.vendor();
    const res = await vendor.login('helpdesk', vendorPassword, '/api/vendor/session', '/api/vendor/login');
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('lists tenants with usage figures', async () => {
    const res = await vendor.get(`/api/vendor/tenants?q=${t.tenant.slug}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].usage.staffCount).toBe(1);
  });

  it('creates a tenant, refusing duplicates with a Japanese message', async () => {
    const body = {
      slug: `new${Date.now() % 100000}`,
      nameJa: '新市',
      nameEn: 'New City',
      prefectureJa: '愛知県',
      localGovCode: String(200000 + Math.floor(Math.random() * 99999)),
      adminSubdomain: `new${Date.now() % 100000}`,
      modules: ['delivery', 'forms'],
    };
    const created = await vendor.post('/api/vendor/tenants', body);
    expect(created.status).toBe(201);
    const dup = await vendor.post('/api/vendor/tenants', body);
    expect(dup.status).toBe(409);
    expect(dup.body.title).toBe('このスラッグはすでに使われています');
    const bad = await vendor.post('/api/vendor/tenants', { ...body, slug: 'X!', localGovCode: '12' });
    expect(bad.status).toBe(422);
  });

  it('vendor console endpoints do not answer on a tenant host, nor tenant ones on the vendor host', async () => {
    const onTenant = await AdminClient.forTenant(t.tenant).get('/api/vendor/tenants');
    expect(onTenant.status).toBe(404);
    expect((await vendor.get('/api/staff')).status).toBe(404);
  });

  it('suspending refuses staff access with a clear page, and resuming restores it', async () => {
    const city = AdminClient.forTenant(t.tenant);
    expect((await city.login('cityadmin')).status).toBe(200);
    expect((await vendor.post(`/api/vendor/tenants/${t.tenant.id}/suspend`, {})).status).toBe(422);
    expect(
      (await vendor.post(`/api/vendor/tenants/${t.tenant.id}/suspend`, { reason: '契約手続き中' })).status,
    ).toBe(200);
    const refused = await city.get('/api/staff');
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe('urn:tsunagu:tenant-suspended');
    const ctx = await city.get('/api/context');
    expect(ctx.body.title).toBe('このサービスは現在ご利用いただけません');
    const resident = await city.agent.get(`/api/t/${t.tenant.slug}/context`).set('Host', 'localhost');
    expect(resident.status).toBe(403);
    expect((await vendor.post(`/api/vendor/tenants/${t.tenant.id}/resume`)).status).toBe(200);
    expect((await city.login('cityadmin')).status).toBe(200);
    expect((await city.get('/api/staff')).status).toBe(200);
  });

  it('entering a tenant needs a reason, is shown as a banner and recorded in the tenant’s audit log', async () => {
    expect((await vendor.post(`/api/vendor/tenants/${t.tenant.id}/enter`, { reason: '' })).status).toBe(422);
    const enter = await vendor.post(`/api/vendor/tenants/${t.tenant.id}/enter`, {
      reason: '問い合わせ #123 の調査',
    });
    expect(enter.status).toBe(200);
    const url = new URL(enter.body.url);
    expect(url.hostname).toBe(`${t.tenant.adminSubdomain}.admin.localhost`);
    const city = AdminClient.forTenant(t.tenant);
    const arrive = await city.get(`${url.pathname}${url.search}`);
    expect(arrive.status).toBe(303);
    const session = await city.get('/api/auth/session');
    expect(session.body.vendor).toEqual({
      label: 'ヘルプデスク（helpdesk）',
      reason: '問い合わせ #123 の調査',
    });
    expect(session.body.permissions.administration).toBe(true);
    city.csrf = session.body.csrfToken;
    expect((await city.get('/api/staff')).status).toBe(200);
    // The ticket is single use.
    expect((await AdminClient.forTenant(t.tenant).get(`${url.pathname}${url.search}`)).status).toBe(400);
    const log = await withTenant(t.tenant.id, (m) =>
      m.query("select actor_type, actor_label, detail from audit_log where action = 'vendor.enter'"),
    );
    expect(log).toEqual([
      {
        actor_type: 'vendor',
        actor_label: 'ヘルプデスク（helpdesk）',
        detail: { reason: '問い合わせ #123 の調査' },
      },
    ]);
  });

  it('sets a tenant’s LINE channel; secrets are stored encrypted and never returned', async () => {
    const body = {
      channelId: '1657000001',
      channelSecret: 'a-very-secret-value',
      accessToken: 'long-lived-token-xyz',
      botUserId: null,
    };
    const res = await vendor.put(`/api/vendor/tenants/${t.tenant.id}/channels/test`, body);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('a-very-secret-value');
    expect(res.body.items[0]).toMatchObject({ kind: 'test', channelId: '1657000001' });
    expect(res.body.webhookUrls.test).toMatch(new RegExp(`/webhook/${t.tenant.slug}/test$`));
    const listed = await vendor.get(`/api/vendor/tenants/${t.tenant.id}/channels`);
    expect(listed.body.webhookUrls.production).toMatch(new RegExp(`/webhook/${t.tenant.slug}$`));
    expect(JSON.stringify(listed.body)).not.toContain('long-lived-token-xyz');
    const raw = await withTenant(t.tenant.id, (m) =>
      m.query('select channel_secret, access_token from line_channel'),
    );
    expect(raw[0].channel_secret).toMatch(/^v1:/);
    expect(raw[0].access_token).not.toContain('long-lived-token-xyz');
    expect((await vendor.put(`/api/vendor/tenants/${t.tenant.id}/channels/staging`, body)).status).toBe(422);
  });
});
