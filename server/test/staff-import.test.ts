import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';

const HEADER = '操作,ログインID,氏名,メールアドレス,権限,所属,チーム';

/** Acceptance: a 1,000-row import with one bad row applies nothing and reports the row and reason; a valid file creates, updates and deletes as it says. */
describe('staff CSV import and export', () => {
  let t: TestTenant;
  let admin: AdminClient;

  async function staffCount(): Promise<number> {
    return withTenant(
      t.tenant.id,
      async (m) => (await m.query('select count(*)::int as n from staff_account'))[0].n,
    );
  }
  function upload(csv: string | Buffer, dryRun: boolean) {
    return admin
      .post(`/api/staff/import?dryRun=${dryRun}`)
      .set('Content-Type', 'text/csv')
      .send(typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv);
  }

  beforeAll(async () => {
    t = await createTestTenant('csv', ['somu', 'kikaku']);
    await createStaff(t.tenant.id, { role: 'administrator', loginId: 'csvadmin' });
    await createStaff(t.tenant.id, { role: 'staff', loginId: 'keep-me', orgIds: [t.orgs.somu!] });
    await createStaff(t.tenant.id, { role: 'staff', loginId: 'change-me', orgIds: [t.orgs.somu!] });
    await createStaff(t.tenant.id, { role: 'viewer', loginId: 'remove-me' });
    admin = AdminClient.forTenant(t.tenant);
    await admin.login('csvadmin');
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('a 1,000-row file with one bad row applies nothing and names the row and reason', async () => {
    const rows = [HEADER];
    for (let i = 1; i <= 1000; i++) {
      const role = i === 637 ? '管理人' : '職員';
      rows.push(`,bulk${i},一括 ${i},bulk${i}@city.example.jp,${role},somu,`);
    }
    const before = await staffCount();
    const res = await upload(rows.join('\r\n'), false);
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(false);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ row: 638, column: '権限' });
    expect(res.body.errors[0].message).toContain('管理人');
    expect(await staffCount()).toBe(before);
  });

  it('a valid file (Shift_JIS, as Excel saves it) creates, updates and deletes as it says', async () => {
    const csv = [
      HEADER,
      ',new-person,新規 太郎,new@city.example.jp,職員,kikaku,',
      '更新,change-me,変更 花子,,閲覧者,somu;kikaku,',
      '削除,remove-me,,,,,',
      ',keep-me,職員 keep-me,,職員,somu,',
    ].join('\r\n');
    const sjis = iconv.encode(csv, 'cp932');
    const preview = await upload(sjis, true);
    expect(preview.body).toMatchObject({
      applied: false,
      errors: [],
      summary: { create: 1, update: 1, delete: 1, unchanged: 1 },
    });
    expect(await staffCount()).toBe(4);

    const res = await upload(sjis, false);
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(true);
    expect(res.body.temporaryPasswords.map((p: { loginId: string }) => p.loginId)).toEqual(['new-person']);

    const list = await admin.get('/api/staff?pageSize=100');
    const byLogin = Object.fromEntries(list.body.items.map((s: { loginId: string }) => [s.loginId, s]));
    expect(Object.keys(byLogin).sort()).toEqual(['change-me', 'csvadmin', 'keep-me', 'new-person']);
    expect(byLogin['new-person']).toMatchObject({
      displayName: '新規 太郎',
      role: 'staff',
      mustChangePassword: true,
    });
    expect(byLogin['new-person'].organisations.map((o: { code: string }) => o.code)).toEqual(['kikaku']);
    expect(byLogin['change-me']).toMatchObject({ displayName: '変更 花子', role: 'viewer', email: null });
    expect(byLogin['change-me'].organisations.map((o: { code: string }) => o.code).sort()).toEqual([
      'kikaku',
      'somu',
    ]);

    const audits = await withTenant(t.tenant.id, (m) =>
      m.query("select action from audit_log where detail->>'via' = 'csv' order by seq"),
    );
    expect(audits.map((a: { action: string }) => a.action).sort()).toEqual([
      'staff.create',
      'staff.delete',
      'staff.update',
    ]);
  });

  it('exports what it imports: the export re-imported changes nothing', async () => {
    const exported = await admin
      .get('/api/staff/export.csv?encoding=sjis')
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toContain("filename*=UTF-8''");
    const text = iconv.decode(exported.body as Buffer, 'cp932');
    expect(text.split('\r\n')[0]).toBe(HEADER);
    const again = await upload(exported.body as Buffer, true);
    expect(again.body.errors).toEqual([]);
    expect(again.body.summary).toMatchObject({ create: 0, update: 0, delete: 0 });
  });

  it('a malformed file is refused with a Japanese message', async () => {
    const res = await upload(`${HEADER}\r\n,"broken,x,y,職員,,`, true);
    expect(res.status).toBe(422);
    expect(res.body.title).toMatch(/CSV/);
  });
});
