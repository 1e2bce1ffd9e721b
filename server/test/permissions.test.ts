import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

/**
 * Acceptance: a staff member of 課A cannot list, read, export or change 課B's resources; an
 * operator cannot reach administration screens; every refusal is audited.
 */
describe('permissions', () => {
  let t: TestTenant;
  let staffA: AdminClient;
  let operator: AdminClient;
  let viewer: AdminClient;
  let admin: AdminClient;
  let formA: string;
  let formB: string;
  let staffAId: string;

  async function deniedAudits(actorId: string) {
    return withTenant(t.tenant.id, (m) =>
      m.query(
        "select action, target_id from audit_log where outcome = 'denied' and actor_id = $1 order by seq",
        [actorId],
      ),
    );
  }

  beforeAll(async () => {
    t = await createTestTenant('perm', ['ka', 'kb']);
    const forms = { features: ['forms'] };
    staffAId = (
      await createStaff(t.tenant.id, {
        loginId: 'staff-a',
        role: 'staff',
        orgIds: [t.orgs.ka!],
        featuresAllow: forms.features,
      })
    ).id;
    await createStaff(t.tenant.id, {
      loginId: 'op-a',
      role: 'operator',
      orgIds: [t.orgs.ka!],
      featuresAllow: forms.features,
    });
    await createStaff(t.tenant.id, {
      loginId: 'viewer-a',
      role: 'viewer',
      orgIds: [t.orgs.ka!],
      featuresAllow: forms.features,
    });
    await createStaff(t.tenant.id, { loginId: 'boss', role: 'administrator' });
    await withTenant(t.tenant.id, async (m) => {
      formA = (
        await m.query(
          "insert into form (tenant_id, organisation_id, title) values ($1, $2, 'A課の調査') returning id",
          [t.tenant.id, t.orgs.ka],
        )
      )[0].id;
      formB = (
        await m.query(
          "insert into form (tenant_id, organisation_id, title) values ($1, $2, 'B課の調査') returning id",
          [t.tenant.id, t.orgs.kb],
        )
      )[0].id;
    });
    staffA = AdminClient.forTenant(t.tenant);
    operator = AdminClient.forTenant(t.tenant);
    viewer = AdminClient.forTenant(t.tenant);
    admin = AdminClient.forTenant(t.tenant);
    for (const [c, id] of [
      [staffA, 'staff-a'],
      [operator, 'op-a'],
      [viewer, 'viewer-a'],
      [admin, 'boss'],
    ] as const) {
      expect((await c.login(id)).status).toBe(200);
    }
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('課A staff list, read, export and change only 課A’s forms', async () => {
    const list = await staffA.get('/api/forms');
    expect(list.status).toBe(200);
    expect(list.body.items.map((f: { id: string }) => f.id)).toEqual([formA]);
    expect(list.body.total).toBe(1);

    expect((await staffA.get(`/api/forms/${formA}`)).status).toBe(200);
    expect((await staffA.get(`/api/forms/${formB}`)).status).toBe(403);
    expect((await staffA.patch(`/api/forms/${formB}`, { title: '書き換え' })).status).toBe(403);
    expect((await staffA.delete(`/api/forms/${formB}`)).status).toBe(403);
    expect((await staffA.put(`/api/forms/${formB}/grants`, { grants: [] })).status).toBe(403);
    expect((await staffA.post('/api/forms', { title: '越権', organisationId: t.orgs.kb })).status).toBe(403);
    expect((await staffA.patch(`/api/forms/${formA}`, { organisationId: t.orgs.kb })).status).toBe(403);

    const csv = await staffA.get('/api/forms/export.csv');
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('A課の調査');
    expect(csv.text).not.toContain('B課の調査');

    const b = await withTenant(t.tenant.id, (m) =>
      m.query('select title, organisation_id from form where id = $1', [formB]),
    );
    expect(b[0]).toEqual({ title: 'B課の調査', organisation_id: t.orgs.kb });

    const denied = await deniedAudits(staffAId);
    expect(denied).toEqual(
      expect.arrayContaining([
        { action: 'form.read', target_id: formB },
        { action: 'form.update', target_id: formB },
        { action: 'form.delete', target_id: formB },
        { action: 'form.create', target_id: null },
      ]),
    );
    expect(denied.length).toBe(6);
  });

  it('a grant opens exactly what it says', async () => {
    const grant = await admin.put(`/api/forms/${formB}/grants`, {
      grants: [{ granteeType: 'organisation', granteeId: t.orgs.ka, permissions: ['view'] }],
    });
    expect(grant.status).toBe(200);
    const list = await staffA.get('/api/forms');
    expect(list.body.items.map((f: { id: string }) => f.id).sort()).toEqual([formA, formB].sort());
    expect((await staffA.get(`/api/forms/${formB}`)).status).toBe(200);
    expect((await staffA.patch(`/api/forms/${formB}`, { title: '書き換え' })).status).toBe(403);
    const csv = await staffA.get('/api/forms/export.csv');
    expect(csv.text).not.toContain('B課の調査');
    await admin.put(`/api/forms/${formB}/grants`, { grants: [] });
    expect((await staffA.get(`/api/forms/${formB}`)).status).toBe(403);
  });

  it('an operator cannot reach administration screens, and each refusal is audited', async () => {
    const paths = ['/api/staff', '/api/audit', '/api/security', '/api/staff/export.csv', '/api/audit/verify'];
    for (const p of paths) {
      const res = await operator.get(p);
      expect(res.status, p).toBe(403);
      expect(res.body.title).toBe('この画面は管理者のみ利用できます');
    }
    expect((await operator.post('/api/organisations', { code: 'x', name: 'x' })).status).toBe(403);
    expect(
      (await operator.post('/api/staff', { loginId: 'sneaky', displayName: 'x', role: 'administrator' }))
        .status,
    ).toBe(403);
    const opId = (await operator.get('/api/auth/session')).body.staff.id;
    const denied = await deniedAudits(opId);
    expect(denied.filter((d: { action: string }) => d.action === 'access.denied')).toHaveLength(
      paths.length + 2,
    );
    // Operators may work on their own organisation's forms, but not export or delete them.
    expect((await operator.get(`/api/forms/${formA}`)).status).toBe(200);
    expect((await operator.delete(`/api/forms/${formA}`)).status).toBe(403);
    expect((await operator.get('/api/forms/export.csv')).text).not.toContain('A課の調査');
  });

  it('a viewer only reads', async () => {
    const detail = await viewer.get(`/api/forms/${formA}`);
    expect(detail.status).toBe(200);
    expect(detail.body.can).toEqual({
      update: false,
      delete: false,
      export: false,
      share: false,
      publish: false,
      responses: true,
    });
    expect(detail.body.organisationName).toBe('KA課');
    expect((await staffA.get(`/api/forms/${formA}`)).body.can).toEqual({
      update: true,
      delete: true,
      export: true,
      share: true,
      publish: true,
      responses: true,
    });
    // Everyone may look up colleagues by name to share with them; only ids and names come back.
    const dir = await viewer.get('/api/directory/staff?q=staff-a');
    expect(dir.body.items).toEqual([{ id: staffAId, loginId: 'staff-a', displayName: '職員 staff-a' }]);
    expect((await viewer.patch(`/api/forms/${formA}`, { title: 'x' })).status).toBe(403);
    expect((await viewer.post('/api/forms', { title: 'x', organisationId: t.orgs.ka })).status).toBe(403);
  });

  it('feature toggles: without the forms feature the module is closed', async () => {
    await createStaff(t.tenant.id, { loginId: 'no-forms', role: 'staff', orgIds: [t.orgs.ka!] });
    const c = AdminClient.forTenant(t.tenant);
    await c.login('no-forms');
    const res = await c.get('/api/forms');
    expect(res.status).toBe(403);
    expect(res.body.title).toBe('この機能を利用する権限がありません');
    // Granting the feature through a team opens it.
    const team = await admin.post('/api/teams', { name: 'フォーム班', features: ['forms'] });
    expect(team.status).toBe(201);
    const staff = (await admin.get('/api/staff?q=no-forms')).body.items[0];
    expect((await admin.patch(`/api/staff/${staff.id}`, { teamIds: [team.body.id] })).status).toBe(200);
    expect((await c.get('/api/forms')).status).toBe(200);
    // An account-level deny beats the team.
    await admin.patch(`/api/staff/${staff.id}`, { featuresDeny: ['forms'] });
    expect((await c.get('/api/forms')).status).toBe(403);
  });

  it('administrators see everything in their tenant', async () => {
    const list = await admin.get('/api/forms');
    expect(list.body.total).toBe(2);
  });
});
