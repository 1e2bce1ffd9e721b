import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { AdminClient, createStaff, createTestTenant, superuser, type TestTenant } from './helpers.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

/** Acceptance: tampering with one row makes the verify command name that row. */
describe('audit hash chain', () => {
  let t: TestTenant;
  let admin: AdminClient;

  beforeAll(async () => {
    t = await createTestTenant('audit');
    await createStaff(t.tenant.id, { role: 'administrator', loginId: 'auditor' });
    admin = AdminClient.forTenant(t.tenant);
    await admin.login('auditor');
    for (let i = 0; i < 5; i++) await admin.post('/api/organisations', { code: `o${i}`, name: `組織${i}` });
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('records who did what, searchable and exportable as safe CSV', async () => {
    const list = await admin.get('/api/audit?action=organisation.create');
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(5);
    expect(list.body.items[0]).toMatchObject({
      action: 'organisation.create',
      outcome: 'success',
      actorType: 'staff',
    });
    expect(list.body.items[0].actorLabel).toContain('auditor');
    const logins = await admin.get('/api/audit?action=auth.login&outcome=success');
    expect(logins.body.total).toBe(1);
    const csv = await admin.get('/api/audit/export.csv?action=organisation');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    expect(csv.text).toContain('organisation.create');
  });

  it('verifies an untouched chain, and names the first tampered row', async () => {
    const ok = await admin.get('/api/audit/verify');
    expect(ok.body).toMatchObject({ ok: true, broken: null });
    expect(ok.body.checked).toBeGreaterThanOrEqual(7);

    const target = await superuser(async (c) => {
      const { rows } = await c.query<{ seq: string }>(
        "select seq from audit_log where tenant_id = $1 and action = 'organisation.create' order by seq limit 1 offset 2",
        [t.tenant.id],
      );
      await c.query('begin');
      await c.query("set local session_replication_role = 'replica'"); // a DBA bypassing the append-only trigger
      await c.query(
        `update audit_log set detail = '{"after":{"name":"改ざん"}}' where tenant_id = $1 and seq = $2`,
        [t.tenant.id, rows[0]!.seq],
      );
      await c.query('commit');
      return Number(rows[0]!.seq);
    });

    const broken = await admin.get('/api/audit/verify');
    expect(broken.body.ok).toBe(false);
    expect(broken.body.broken).toEqual({ seq: target, reason: 'content does not match hash' });

    const env = { ...process.env };
    const cli = await run(
      path.join(root, 'node_modules/.bin/tsx'),
      ['scripts/audit-verify.ts', t.tenant.slug],
      { cwd: root, env },
    ).catch((e: { code: number; stdout: string }) => e);
    expect((cli as { code?: number }).code).toBe(1);
    expect(cli.stdout).toContain(`tenant ${t.tenant.slug}: BROKEN at seq ${target}`);
  });

  it('the append-only trigger stops even the owner role from rewriting history', async () => {
    await superuser(async (c) => {
      await expect(
        c.query("update audit_log set action = 'x' where tenant_id = $1", [t.tenant.id]),
      ).rejects.toThrow(/append-only/);
      await expect(c.query('delete from audit_log where tenant_id = $1', [t.tenant.id])).rejects.toThrow(
        /append-only/,
      );
    });
  });
});
