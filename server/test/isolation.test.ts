import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryFailedError } from 'typeorm';
import { appDataSource, closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { findRlsProblems } from '../src/platform/db/rls-check.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { AdminClient, createStaff, createTestTenant, superuser, type TestTenant } from './helpers.js';

/**
 * Acceptance (platform core): data in two tenants; every admin endpoint answers 404 for the
 * other tenant's ids; SQL without a tenant setting reads nothing and cannot write; the RLS
 * catalogue check passes, and fails when a policy is dropped.
 */
describe('tenant isolation', () => {
  let a: TestTenant;
  let b: TestTenant;
  let clientA: AdminClient;
  const bIds: Record<string, string> = {};

  beforeAll(async () => {
    a = await createTestTenant('isoa');
    b = await createTestTenant('isob');
    const adminA = await createStaff(a.tenant.id, { role: 'administrator', loginId: 'admin' });
    await createStaff(b.tenant.id, { role: 'administrator', loginId: 'admin' });
    bIds.staff = (await createStaff(b.tenant.id, { loginId: 'bstaff', orgIds: [b.orgs.ka!] })).id;
    bIds.organisation = b.orgs.ka!;
    await withTenant(b.tenant.id, async (m) => {
      const team: Array<{ id: string }> = await m.query(
        "insert into team (tenant_id, name) values ($1, 'B班') returning id",
        [b.tenant.id],
      );
      bIds.team = team[0]!.id;
      const form: Array<{ id: string }> = await m.query(
        "insert into form (tenant_id, organisation_id, title) values ($1, $2, 'B市のフォーム') returning id",
        [b.tenant.id, b.orgs.ka],
      );
      bIds.form = form[0]!.id;
    });
    clientA = AdminClient.forTenant(a.tenant);
    const res = await clientA.login(adminA.loginId);
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('answers 404 on every id-taking admin endpoint for another tenant’s ids', async () => {
    const calls: Array<[string, () => Promise<{ status: number }>]> = [
      ['GET staff', () => clientA.get(`/api/staff/${bIds.staff}`)],
      ['PATCH staff', () => clientA.patch(`/api/staff/${bIds.staff}`, { displayName: 'x' })],
      ['DELETE staff', () => clientA.delete(`/api/staff/${bIds.staff}`)],
      ['unlock', () => clientA.post(`/api/staff/${bIds.staff}/unlock`)],
      ['reissue', () => clientA.post(`/api/staff/${bIds.staff}/reissue-password`)],
      ['reset totp', () => clientA.post(`/api/staff/${bIds.staff}/reset-totp`)],
      ['PATCH organisation', () => clientA.patch(`/api/organisations/${bIds.organisation}`, { name: 'x' })],
      ['DELETE organisation', () => clientA.delete(`/api/organisations/${bIds.organisation}`)],
      ['PATCH team', () => clientA.patch(`/api/teams/${bIds.team}`, { name: 'x' })],
      ['DELETE team', () => clientA.delete(`/api/teams/${bIds.team}`)],
      ['GET form', () => clientA.get(`/api/forms/${bIds.form}`)],
      ['PATCH form', () => clientA.patch(`/api/forms/${bIds.form}`, { title: 'x' })],
      ['DELETE form', () => clientA.delete(`/api/forms/${bIds.form}`)],
      ['GET grants', () => clientA.get(`/api/forms/${bIds.form}/grants`)],
      ['PUT grants', () => clientA.put(`/api/forms/${bIds.form}/grants`, { grants: [] })],
    ];
    for (const [name, call] of calls) {
      const res = await call();
      expect(res.status, name).toBe(404);
    }
    // Nothing of B's changed.
    const still = await withTenant(b.tenant.id, (m) =>
      m.query('select title from form where id = $1', [bIds.form]),
    );
    expect(still[0].title).toBe('B市のフォーム');
  });

  it('lists only the own tenant’s rows', async () => {
    const staff = await clientA.get('/api/staff?pageSize=100');
    expect(staff.body.items.map((s: { id: string }) => s.id)).not.toContain(bIds.staff);
    const forms = await clientA.get('/api/forms?pageSize=100');
    expect(forms.body.items.map((f: { id: string }) => f.id)).not.toContain(bIds.form);
    const orgs = await clientA.get('/api/organisations');
    expect(orgs.body.items.map((o: { id: string }) => o.id)).not.toContain(bIds.organisation);
  });

  it('refuses a session cookie of tenant A on tenant B’s host', async () => {
    const onB = new AdminClient(`${b.tenant.adminSubdomain}.admin.localhost`);
    // Same cookie jar as A's logged-in client, other host.
    const res = await clientA.agent.get('/api/staff').set('Host', onB.host);
    expect(res.status).toBe(401);
  });

  it('resident endpoints resolve only their own tenant', async () => {
    const res = await clientA.agent.get(`/api/t/${b.tenant.slug}/context`).set('Host', 'localhost');
    expect(res.body.tenant.slug).toBe(b.tenant.slug);
    const unknown = await clientA.agent.get('/api/t/nosuchcity/context').set('Host', 'localhost');
    expect(unknown.status).toBe(404);
  });

  it('reads zero rows and cannot write without a tenant setting (app role)', async () => {
    const ds = await appDataSource();
    const tables: Array<{ table: string }> = await ds.query(`
      select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')`);
    expect(tables.length).toBeGreaterThan(5);
    for (const { table } of tables) {
      const rows: Array<{ n: number }> = await ds.query(`select count(*)::int as n from ${table}`);
      expect(rows[0]!.n, table).toBe(0);
    }
    await expect(
      ds.query("insert into organisation (tenant_id, code, name) values ($1, 'x', 'x')", [a.tenant.id]),
    ).rejects.toThrow(/row-level security/);
    const updated: [unknown[], number] = await ds.query("update staff_account set display_name = 'hacked'");
    expect(updated[1]).toBe(0);
  });

  it('cannot write into another tenant from inside a tenant transaction', async () => {
    await expect(
      withTenant(a.tenant.id, (m) =>
        m.query("insert into organisation (tenant_id, code, name) values ($1, 'evil', 'x')", [b.tenant.id]),
      ),
    ).rejects.toBeInstanceOf(QueryFailedError);
    const rows = await withTenant(a.tenant.id, (m) =>
      m.query('select count(*)::int as n from staff_account where tenant_id = $1', [b.tenant.id]),
    );
    expect(rows[0].n).toBe(0);
  });

  it('app role cannot update or delete the audit log', async () => {
    await expect(
      withTenant(a.tenant.id, (m) => m.query("update audit_log set action = 'x'")),
    ).rejects.toThrow(/permission denied|append-only/);
    await expect(withTenant(a.tenant.id, (m) => m.query('delete from audit_log'))).rejects.toThrow(
      /permission denied|append-only/,
    );
  });

  it('the RLS catalogue check passes, and names a table whose policy was dropped', async () => {
    const ds = await appDataSource();
    expect(await findRlsProblems(ds.manager)).toEqual([]);
    await superuser(async (c) => {
      await c.query('begin');
      await c.query('drop policy tenant_isolation on form');
      await c.query('alter table team no force row level security');
      // Run the same check through this connection, inside the open transaction.
      const fake = { query: (sql: string) => c.query(sql).then((r) => r.rows) } as never;
      const problems = await findRlsProblems(fake);
      await c.query('rollback');
      expect(problems).toEqual(
        expect.arrayContaining([
          { table: 'form', problem: 'no tenant_isolation policy on app.tenant_id' },
          { table: 'team', problem: 'row level security is not forced' },
        ]),
      );
    });
    expect(await findRlsProblems(ds.manager)).toEqual([]);
  });
});
