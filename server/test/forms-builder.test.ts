import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { APPLICATION } from './forms-fixtures.js';
import { AdminClient, createStaff, createTestTenant, superuser, type TestTenant } from './helpers.js';

/**
 * The staff side of forms (issue 5, FORM-1, 5, 6, 11): templates, drafts checked by the engine,
 * publishing into immutable versions, closing and reopening, settings, duplicates, QR codes.
 */
describe('forms: builder API, versions and settings', () => {
  let t: TestTenant;
  let admin: AdminClient;
  let viewer: AdminClient;

  beforeAll(async () => {
    t = await createTestTenant('fb');
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const v = await createStaff(t.tenant.id, {
      role: 'viewer',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['forms'],
    });
    viewer = AdminClient.forTenant(t.tenant);
    expect((await viewer.login(v.loginId)).status).toBe(200);
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('creates forms from templates with Japanese starter content and a URL code', async () => {
    const templates = await admin.get('/api/forms/templates');
    expect(templates.body.items.map((x: { key: string }) => x.key)).toEqual([
      'blank',
      'settings',
      'survey',
      'satisfaction',
      'public_comment',
    ]);
    const res = await admin.post('/api/forms', {
      title: '令和8年度 市民満足度調査',
      organisationId: t.orgs.ka,
      template: 'satisfaction',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.code).toMatch(/^f-[a-z0-9]{8}$/);
    expect(res.body.status).toBe('draft');
    expect(res.body.publishedVersion).toBeNull();
    expect(res.body.draft.pages.map((p: { title: string }) => p.title)).toEqual([
      'あなたについて',
      '分野ごとの満足度',
      '全体について',
    ]);
    expect(res.body.settings).toMatchObject({ answersPerResident: 'one', requireLineLogin: true });
    expect(res.body.urls.resident).toBe(`http://localhost:3000/t/${t.tenant.slug}/forms/${res.body.code}`);
    expect(res.body.urls.liff).toBeNull();
    expect(res.body.can).toMatchObject({ update: true, publish: true, responses: true, export: true });

    const pc = await admin.post('/api/forms', {
      title: '〇〇計画（案）への意見募集',
      organisationId: t.orgs.ka,
      template: 'public_comment',
      code: 'iken-2026',
    });
    expect(pc.status).toBe(201);
    expect(pc.body.code).toBe('iken-2026');
    expect(pc.body.settings.receiptPrefix).toBe('P');
    const taken = await admin.post('/api/forms', {
      title: 'x',
      organisationId: t.orgs.ka,
      code: 'iken-2026',
    });
    expect(taken.status).toBe(409);
    expect(taken.body.errors[0].path).toBe('code');

    const list = await admin.get('/api/forms');
    const item = list.body.items.find((f: { id: string }) => f.id === res.body.id);
    expect(item).toMatchObject({ publishedVersion: null, responses: 0, code: res.body.code });
  });

  it('saves a draft only when it parses, with the engine’s errors under definition.', async () => {
    const created = await admin.post('/api/forms', { title: '下書き', organisationId: t.orgs.ka });
    const id = created.body.id;
    const bad = await admin.put(`/api/forms/${id}/draft`, {
      definition: {
        schemaVersion: 1,
        pages: [
          {
            code: 'p1',
            sections: [
              {
                code: 's1',
                items: [
                  { type: 'shortText', code: 'same', label: 'A' },
                  { type: 'shortText', code: 'same', label: '' },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'definition.pages.0.sections.0.items.1.label', message: '項目名を入力してください' },
      ]),
    );
    const good = await admin.put(`/api/forms/${id}/draft`, { definition: APPLICATION });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    expect(good.body.draft.pages[0].sections[0].items[0]).toMatchObject({
      code: 'name',
      required: true,
      help: '',
    });
    expect(typeof good.body.draftUpdatedAt).toBe('string');
    // A viewer may read but not change or publish.
    expect((await viewer.get(`/api/forms/${id}`)).body.can).toMatchObject({
      publish: false,
      responses: true,
    });
    expect((await viewer.put(`/api/forms/${id}/draft`, { definition: APPLICATION })).status).toBe(403);
    expect((await viewer.post(`/api/forms/${id}/publish`)).status).toBe(403);
  });

  it('publishes immutable versions; republishing an unchanged draft keeps the version', async () => {
    const created = await admin.post('/api/forms', { title: '版のテスト', organisationId: t.orgs.ka });
    const id = created.body.id;
    await admin.put(`/api/forms/${id}/draft`, { definition: APPLICATION });
    const v1 = await admin.post(`/api/forms/${id}/publish`);
    expect(v1.status, JSON.stringify(v1.body)).toBe(200);
    expect(v1.body.version).toBe(1);
    expect((await admin.post(`/api/forms/${id}/publish`)).body.version).toBe(1);

    const changed = structuredClone(APPLICATION);
    (changed.pages[0]!.sections[0]!.items[0] as { label: string }).label = 'お名前';
    await admin.put(`/api/forms/${id}/draft`, { definition: changed });
    expect((await admin.post(`/api/forms/${id}/publish`)).body.version).toBe(2);
    const detail = await admin.get(`/api/forms/${id}`);
    expect(detail.body.status).toBe('published');
    expect(detail.body.publishedVersion).toBe(2);
    expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(detail.body.versions[0].publishedByName).toMatch(/^職員 /);
    const old = await admin.get(`/api/forms/${id}/versions/1`);
    expect(old.body.definition.pages[0].sections[0].items[0].label).toBe('氏名');

    // The app may not change a published version, and even the owner's UPDATE or DELETE is refused.
    const appUpdate = withTenant(t.tenant.id, (m) =>
      m.query(`update form_version set definition = '{}'::jsonb where form_id = $1`, [id]),
    );
    await expect(appUpdate).rejects.toThrow(/permission denied/);
    const appDelete = withTenant(t.tenant.id, (m) =>
      m.query('delete from form_version where form_id = $1', [id]),
    );
    await expect(appDelete).rejects.toThrow(/permission denied/);
    await superuser(async (c) => {
      await expect(
        c.query(`update form_version set definition = '{}'::jsonb where form_id = $1`, [id]),
      ).rejects.toThrow(/immutable/);
      await expect(c.query('delete from form_version where form_id = $1', [id])).rejects.toThrow(/immutable/);
      const rows = await c.query('select count(*)::int as n from form_version where form_id = $1', [id]);
      expect(rows.rows[0].n).toBe(2);
    });

    const audits = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select action, detail from audit_log where target_id = $1 and action = 'form.publish' order by seq`,
        [id],
      ),
    );
    expect(audits.map((a: { detail: { version: number } }) => a.detail.version)).toEqual([1, 1, 2]);
  });

  it('refuses to publish a form residents could not answer', async () => {
    const created = await admin.post('/api/forms', { title: '職員だけ', organisationId: t.orgs.ka });
    await admin.put(`/api/forms/${created.body.id}/draft`, {
      definition: {
        schemaVersion: 1,
        pages: [
          {
            code: 'p1',
            sections: [
              { code: 's1', staffOnly: true, items: [{ type: 'shortText', code: 'a', label: 'A' }] },
            ],
          },
        ],
      },
    });
    const res = await admin.post(`/api/forms/${created.body.id}/publish`);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].message).toContain('利用者が回答できる項目がありません');
  });

  it('closes and reopens; older screens’ status field only closes or reopens', async () => {
    const created = await admin.post('/api/forms', { title: '受付', organisationId: t.orgs.ka });
    const id = created.body.id;
    expect((await admin.post(`/api/forms/${id}/close`)).status).toBe(409);
    expect((await admin.patch(`/api/forms/${id}`, { status: 'published' })).status).toBe(422);
    await admin.put(`/api/forms/${id}/draft`, { definition: APPLICATION });
    await admin.post(`/api/forms/${id}/publish`);
    expect((await admin.post(`/api/forms/${id}/close`)).body.status).toBe('closed');
    expect((await admin.post(`/api/forms/${id}/reopen`)).body.status).toBe('published');
    const back = await admin.patch(`/api/forms/${id}`, { status: 'draft' });
    expect(back.status).toBe(422);
    expect(back.body.errors[0]).toMatchObject({ path: 'status' });
    const closed = await admin.patch(`/api/forms/${id}`, { status: 'closed', title: '受付（終了）' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', title: '受付（終了）' });
  });

  it('settings: partial changes, checked whole, audited', async () => {
    const created = await admin.post('/api/forms', { title: '設定', organisationId: t.orgs.ka });
    const id = created.body.id;
    const ok = await admin.patch(`/api/forms/${id}/settings`, {
      opensAt: '2026-04-01T09:00:00+09:00',
      closesAt: '2026-04-30T17:00:00+09:00',
      responseLimit: 100,
      notifyEmails: ['kikaku@city.example.jp'],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ responseLimit: 100, answersPerResident: 'many', receiptPrefix: 'R' });
    const bad = await admin.patch(`/api/forms/${id}/settings`, {
      closesAt: '2026-03-01T00:00:00+09:00',
      notifyEmails: ['not-an-address'],
      answersPerResident: 'one',
      requireLineLogin: false,
      receiptPrefix: 'r1',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'notifyEmails.0',
      'receiptPrefix',
    ]);
    const cross = await admin.patch(`/api/forms/${id}/settings`, {
      closesAt: '2026-03-01T00:00:00+09:00',
      answersPerResident: 'one',
      requireLineLogin: false,
    });
    expect(cross.status).toBe(422);
    expect(cross.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'closesAt',
      'requireLineLogin',
    ]);
    expect((await admin.get(`/api/forms/${id}`)).body.settings.responseLimit).toBe(100);
    const audit = await withTenant(t.tenant.id, (m) =>
      m.query(`select detail from audit_log where target_id = $1 and action = 'form.settings_update'`, [id]),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].detail.after.responseLimit).toBe(100);
  });

  it('duplicates a form as a new draft with a new code', async () => {
    const src = await admin.post('/api/forms', {
      title: 'アンケート',
      organisationId: t.orgs.ka,
      template: 'survey',
    });
    await admin.post(`/api/forms/${src.body.id}/publish`);
    const copy = await admin.post(`/api/forms/${src.body.id}/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({
      title: 'アンケート（コピー）',
      status: 'draft',
      publishedVersion: null,
      versions: [],
    });
    expect(copy.body.code).not.toBe(src.body.code);
    expect(copy.body.draft).toEqual(src.body.draft);
  });

  it('QR codes of the form’s URL, through LIFF when the channel has a LIFF app', async () => {
    const created = await admin.post('/api/forms', {
      title: 'QR',
      organisationId: t.orgs.ka,
      template: 'survey',
    });
    const id = created.body.id;
    const svg = await admin.get(`/api/forms/${id}/qr.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(String(svg.body ?? svg.text)).toContain('<svg');
    const png = await admin.get(`/api/forms/${id}/qr.png?size=256`).buffer(true);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe('PNG');
    expect((await admin.get(`/api/forms/${id}/qr.png?target=liff`)).status).toBe(409);
    await withTenant(t.tenant.id, (m) =>
      saveChannel(m, t.tenant.id, 'production', {
        channelId: String(1800000000 + Math.floor(Math.random() * 1e8)),
        channelSecret: 'secret-secret',
        accessToken: 'token-token',
        botUserId: null,
        loginChannelId: null,
        liffId: '2000000000-AbCdEfGh',
        forwardUrl: null,
      }),
    );
    const detail = await admin.get(`/api/forms/${id}`);
    expect(detail.body.urls.liff).toBe(`https://liff.line.me/2000000000-AbCdEfGh/forms/${created.body.code}`);
    expect((await admin.get(`/api/forms/${id}/qr.png?target=liff`)).status).toBe(200);
  });
});
