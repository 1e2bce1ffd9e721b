import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { config, setConfig } from '../src/platform/config/config.js';
import { totpCode } from '../src/platform/auth/totp.js';
import { AdminClient, createStaff, createTestTenant, TEST_PASSWORD, type TestTenant } from './helpers.js';

async function auditActions(
  tenantId: string,
): Promise<Array<{ action: string; outcome: string; target_id: string | null }>> {
  return withTenant(tenantId, (m) =>
    m.query('select action, outcome, target_id from audit_log order by seq'),
  );
}

describe('staff authentication', () => {
  let t: TestTenant;
  let admin: AdminClient;

  beforeAll(async () => {
    t = await createTestTenant('auth');
    await createStaff(t.tenant.id, { role: 'administrator', loginId: 'chief' });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login('chief')).status).toBe(200);
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('locks after 5 wrong passwords, refuses the correct 6th, and an administrator unlock works', async () => {
    const victim = await createStaff(t.tenant.id, { loginId: 'victim' });
    const c = AdminClient.forTenant(t.tenant);
    for (let i = 1; i <= 4; i++) {
      const res = await c.login(victim.loginId, 'wrong-password-1');
      expect(res.status).toBe(401);
      expect(res.body.title).toBe('ログインIDまたはパスワードが正しくありません');
    }
    const fifth = await c.login(victim.loginId, 'wrong-password-1');
    expect(fifth.status).toBe(423);
    const sixth = await c.login(victim.loginId, TEST_PASSWORD);
    expect(sixth.status).toBe(423);
    expect(sixth.body.title).toBe('アカウントがロックされています');

    const list = await admin.get('/api/staff?status=locked');
    expect(list.body.items.map((s: { loginId: string }) => s.loginId)).toContain('victim');
    expect((await admin.post(`/api/staff/${victim.id}/unlock`)).status).toBe(200);
    expect((await c.login(victim.loginId, TEST_PASSWORD)).status).toBe(200);

    const log = await auditActions(t.tenant.id);
    const mine = log.filter((r) => r.target_id === victim.id);
    expect(mine.filter((r) => r.action === 'auth.login' && r.outcome === 'failure')).toHaveLength(5);
    expect(mine.some((r) => r.action === 'auth.locked')).toBe(true);
    expect(mine.some((r) => r.action === 'auth.login' && r.outcome === 'denied')).toBe(true);
    expect(mine.some((r) => r.action === 'staff.unlock')).toBe(true);
    expect(mine.at(-1)).toMatchObject({ action: 'auth.login', outcome: 'success' });
  });

  it('an unknown login id gets the same answer as a wrong password', async () => {
    const res = await AdminClient.forTenant(t.tenant).login('nobody-here', 'whatever-123');
    expect(res.status).toBe(401);
    expect(res.body.title).toBe('ログインIDまたはパスワードが正しくありません');
  });

  it('a reissued password must be changed before anything else, and the policy is enforced', async () => {
    const u = await createStaff(t.tenant.id, { loginId: 'reissued' });
    const reissue = await admin.post(`/api/staff/${u.id}/reissue-password`);
    expect(reissue.status).toBe(200);
    const temp: string = reissue.body.temporaryPassword;
    const c = AdminClient.forTenant(t.tenant);
    expect((await c.login('reissued', TEST_PASSWORD)).status).toBe(401);
    const login = await c.login('reissued', temp);
    expect(login.status).toBe(200);
    expect(login.body.mustChangePassword).toBe(true);
    const blocked = await c.get('/api/organisations');
    expect(blocked.status).toBe(403);
    expect(blocked.body.type).toBe('urn:tsunagu:password-change-required');
    const weak = await c.post('/api/auth/password', { currentPassword: temp, newPassword: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.errors.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining(['10文字以上にしてください', '英字と数字をどちらも含めてください']),
    );
    expect(
      (await c.post('/api/auth/password', { currentPassword: temp, newPassword: 'Brand-new-pass-77' }))
        .status,
    ).toBe(204);
    expect((await c.get('/api/organisations')).status).toBe(200);
  });

  it('rejects state changes without the CSRF token, and audits it', async () => {
    const before = (await auditActions(t.tenant.id)).length;
    const res = await admin.postWithoutCsrf('/api/organisations', { code: 'csrf', name: 'CSRF課' });
    expect(res.status).toBe(403);
    expect(res.body.type).toBe('urn:tsunagu:csrf');
    const wrong = await admin.agent
      .post('/api/organisations')
      .set('Host', admin.host)
      .set('X-CSRF-Token', 'not-the-token')
      .send({ code: 'csrf', name: 'CSRF課' });
    expect(wrong.status).toBe(403);
    const login = await AdminClient.forTenant(t.tenant).postWithoutCsrf('/api/auth/login', {
      loginId: 'chief',
      password: TEST_PASSWORD,
    });
    expect(login.status).toBe(403);
    const orgs = await admin.get('/api/organisations');
    expect(orgs.body.items.map((o: { code: string }) => o.code)).not.toContain('csrf');
    const after = await auditActions(t.tenant.id);
    expect(after.slice(before).filter((r) => r.action === 'access.csrf_refused')).toHaveLength(3);
  });

  it('refuses addresses outside the allow-list unless the emergency override is on', async () => {
    const put = await admin.put('/api/security', {
      ipAllowlist: ['127.0.0.1', '10.20.0.0/16'],
      totpRequired: false,
    });
    expect(put.status).toBe(200);
    expect(put.body.ipAllowlist).toEqual(['127.0.0.1/32', '10.20.0.0/16']);

    const inside = AdminClient.forTenant(t.tenant, '10.20.3.4');
    expect((await inside.login('chief')).status).toBe(200);
    const outside = AdminClient.forTenant(t.tenant, '203.0.113.9');
    const refused = await outside.login('chief');
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe('urn:tsunagu:ip-not-allowed');
    // A session opened inside is refused when it comes from outside.
    const moved = await inside.agent
      .get('/api/organisations')
      .set('Host', inside.host)
      .set('X-Forwarded-For', '203.0.113.9');
    expect(moved.status).toBe(403);

    expect((await admin.post('/api/security/emergency-override', { enabled: true })).status).toBe(422);
    const on = await admin.post('/api/security/emergency-override', {
      enabled: true,
      reason: '災害対応のため自宅から接続',
    });
    expect(on.status).toBe(200);
    expect((await outside.login('chief')).status).toBe(200);
    await admin.post('/api/security/emergency-override', { enabled: false });
    expect((await AdminClient.forTenant(t.tenant, '203.0.113.9').login('chief')).status).toBe(403);

    const lockout = await admin.put('/api/security', { ipAllowlist: ['192.0.2.0/24'], totpRequired: false });
    expect(lockout.status).toBe(422);
    const log = await auditActions(t.tenant.id);
    expect(log.some((r) => r.action === 'access.ip_refused' && r.outcome === 'denied')).toBe(true);
    expect(log.some((r) => r.action === 'security.override_on')).toBe(true);
    await admin.put('/api/security', { ipAllowlist: [], totpRequired: false });
  });

  it('TOTP: setup, enable, then login needs the code', async () => {
    await createStaff(t.tenant.id, { loginId: 'twofactor' });
    const c = AdminClient.forTenant(t.tenant);
    await c.login('twofactor');
    const setup = await c.post('/api/auth/totp/setup');
    expect(setup.status).toBe(200);
    expect(setup.body.qrSvg).toContain('<svg');
    const secret: string = setup.body.secret;
    expect((await c.post('/api/auth/totp/enable', { code: '000000' })).status).toBe(422);
    expect((await c.post('/api/auth/totp/enable', { code: totpCode(secret, Date.now()) })).status).toBe(204);

    const next = AdminClient.forTenant(t.tenant);
    const step1 = await next.login('twofactor');
    expect(step1.body.stage).toBe('totp');
    expect((await next.get('/api/organisations')).status).toBe(401);
    expect((await next.post('/api/auth/totp', { code: '123456' })).status).toBe(401);
    const ok = await next.post('/api/auth/totp', { code: totpCode(secret, Date.now()) });
    expect(ok.status).toBe(200);
    expect(ok.body.stage).toBe('active');
    expect((await next.get('/api/organisations')).status).toBe(200);
    // The secret is stored encrypted with the tenant key, never in clear.
    const stored = await withTenant(t.tenant.id, (m) =>
      m.query("select totp_secret from staff_account where login_id = 'twofactor'"),
    );
    expect(stored[0].totp_secret).toMatch(/^v1:/);
    expect(stored[0].totp_secret).not.toContain(secret);
  });

  it('rate-limits logins per address', async () => {
    const original = config();
    setConfig({ ...original, LOGIN_RATE_LIMIT_PER_MINUTE: 3 });
    try {
      const c = AdminClient.forTenant(t.tenant, '198.51.100.77');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await c.login('nobody', 'x')).status);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses[3]).toBe(429);
    } finally {
      setConfig(original);
    }
  });

  it('logout ends the session', async () => {
    const c = AdminClient.forTenant(t.tenant);
    await c.login('chief');
    expect((await c.post('/api/auth/logout')).status).toBe(204);
    expect((await c.get('/api/staff')).status).toBe(401);
  });
});
