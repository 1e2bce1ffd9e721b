import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, setConfig } from '../src/platform/config/config.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { AdminClient, createStaff, createTestTenant, testApp, type TestTenant } from './helpers.js';

/** A stand-in for LINE's ID-token verify endpoint: tokens are "header.<base64url claims>.sig". */
function fakeToken(claims: Record<string, unknown>): string {
  return `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
}

interface Resident {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  id: string;
}

describe('registration forms and residents’ own settings (SEG-3…5)', () => {
  let t: TestTenant;
  let other: TestTenant;
  let server: http.Server;
  let admin: AdminClient;
  let staff: AdminClient;
  const original = config();
  const item: Record<string, string> = {};
  const form: Record<string, string> = {};
  let taro: Resident;
  let hanako: Resident;
  const LOGIN = String(2100000000 + Math.floor(Math.random() * 1e8));
  const OTHER_LOGIN = String(2200000000 + Math.floor(Math.random() * 1e8));

  async function signIn(slug: string, sub: string, aud = LOGIN): Promise<Resident> {
    const agent = request.agent(testApp());
    const res = await agent
      .post(`/api/t/${slug}/session`)
      .set('Host', 'localhost')
      .set('X-Requested-With', 'tsunagu')
      .send({ idToken: fakeToken({ sub, aud, name: '市民' }) });
    expect(res.status).toBe(200);
    return { agent, csrf: res.body.csrfToken, id: res.body.resident.id };
  }
  const get = (r: Resident, path: string, slug = t.tenant.slug) =>
    r.agent.get(`/api/t/${slug}${path}`).set('Host', 'localhost');
  const put = (r: Resident, path: string, body: unknown, csrf = r.csrf) =>
    r.agent
      .put(`/api/t/${t.tenant.slug}${path}`)
      .set('Host', 'localhost')
      .set('X-CSRF-Token', csrf)
      .send(body as object);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const f = Object.fromEntries(new URLSearchParams(body));
        const claims = JSON.parse(Buffer.from(f.id_token!.split('.')[1]!, 'base64url').toString());
        const now = Math.floor(Date.now() / 1000);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ iss: 'https://access.line.me', iat: now, exp: now + 3600, ...claims }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    setConfig({
      ...original,
      LINE_API_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    t = await createTestTenant('rg');
    other = await createTestTenant('rgo');
    for (const [tt, login] of [
      [t, LOGIN],
      [other, OTHER_LOGIN],
    ] as const) {
      await withTenant(tt.tenant.id, (m) =>
        saveChannel(m, tt.tenant.id, 'production', {
          channelId: String(1700000000 + Math.floor(Math.random() * 1e8)),
          channelSecret: 'secret',
          accessToken: 'token',
          botUserId: null,
          loginChannelId: login,
          liffId: null,
          forwardUrl: null,
        }),
      );
    }
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const s = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['segments'],
    });
    staff = AdminClient.forTenant(t.tenant);
    expect((await staff.login(s.loginId)).status).toBe(200);

    for (const body of [
      {
        code: 'district',
        kind: 'hierarchy',
        label: 'お住まいの地区',
        required: true,
        config: {
          options: [
            { code: 'hokubu', label: '北部', children: [{ code: 'kumayama', label: '熊山' }] },
            { code: 'nanbu', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
          ],
        },
      },
      {
        code: 'topics',
        kind: 'multi',
        label: '受け取りたい情報',
        config: {
          options: [
            { code: 'kosodate', label: '子育て' },
            { code: 'event', label: 'イベント' },
          ],
        },
      },
      {
        code: 'children',
        kind: 'dates',
        label: 'お子さまの生年月日',
        config: { maxCount: 3, notFuture: true },
      },
      {
        code: 'dept',
        kind: 'single',
        label: '所属部署',
        required: true,
        config: {
          options: [
            { code: 'soumu', label: '総務部' },
            { code: 'kenkou', label: '健康福祉部' },
          ],
        },
      },
      { code: 'retired', kind: 'text', label: '使わない項目', config: { maxLength: 10 } },
    ]) {
      const res = await admin.post('/api/attributes', body);
      expect(res.status).toBe(201);
      item[body.code] = res.body.id;
    }
    expect((await admin.post(`/api/attributes/${item.retired}/archive`)).status).toBe(200);
    taro = await signIn(t.tenant.slug, 'U' + 'b1'.repeat(16));
    hanako = await signIn(t.tenant.slug, 'U' + 'b2'.repeat(16));
  });
  afterAll(async () => {
    setConfig(original);
    server.close();
    await closeDataSources();
    await closeRedis();
  });

  it('administrators build forms from active items; mistakes come back in Japanese', async () => {
    const settings = await admin.post('/api/registration-forms', {
      code: 'settings',
      name: '受信設定',
      introText: 'お知らせの受け取り方を設定します',
      askEmail: true,
      itemIds: [item.district, item.topics, item.children],
    });
    expect(settings.status, JSON.stringify(settings.body)).toBe(201);
    expect(settings.body.items.map((i: { code: string }) => i.code)).toEqual([
      'district',
      'topics',
      'children',
    ]);
    form.settings = settings.body.id;
    const staffOnly = await admin.post('/api/registration-forms', {
      code: 'shokuin',
      name: '職員専用',
      visibility: 'unlisted',
      passcode: 'kawa-2026',
      itemIds: [item.dept],
    });
    expect(staffOnly.status).toBe(201);
    expect(staffOnly.body.hasPasscode).toBe(true);
    expect(JSON.stringify(staffOnly.body)).not.toContain('kawa-2026');
    form.shokuin = staffOnly.body.id;

    const archived = await admin.post('/api/registration-forms', {
      code: 'x',
      name: 'x',
      itemIds: [item.retired],
    });
    expect(archived.status).toBe(422);
    expect(archived.body.errors[0].message).toBe('「使わない項目」 はアーカイブされています');
    const twice = await admin.post('/api/registration-forms', {
      code: 'y',
      name: 'y',
      itemIds: [item.dept, item.dept],
    });
    expect(twice.status).toBe(422);
    expect((await admin.post('/api/registration-forms', { code: 'settings', name: '重複' })).status).toBe(
      409,
    );
    expect((await staff.post('/api/registration-forms', { code: 'z', name: 'z' })).status).toBe(403);
    expect(
      (await staff.get('/api/registration-forms')).body.items.map((f: { code: string }) => f.code),
    ).toEqual(['settings', 'shokuin']);
    const audit = await withTenant(t.tenant.id, (m) =>
      m.query("select detail::text from audit_log where action = 'registration_form.create'"),
    );
    expect(audit.map((a: { detail: string }) => a.detail).join()).not.toContain('kawa-2026');
  });

  it('a resident sees the public forms and saves one; invalid answers are refused as a whole', async () => {
    const list = await get(taro, '/registration');
    expect(list.status).toBe(200);
    expect(list.body.forms.map((f: { code: string }) => f.code)).toEqual(['settings']);
    expect(list.body.forms[0].registration).toBeNull();
    expect(list.body.values).toEqual({});

    const bad = await put(taro, '/registration/settings', {
      values: { topics: ['kosodate', 'golf'], children: ['2099-01-01'] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: 'values.district', message: '「お住まいの地区」を選択してください' },
      { path: 'values.topics', message: '「受け取りたい情報」の選択肢が正しくありません' },
      { path: 'values.children', message: '「お子さまの生年月日」の1件目: 未来の日付は登録できません' },
    ]);
    expect((await get(taro, '/registration')).body.values).toEqual({});

    expect(
      (await put(taro, '/registration/settings', { values: { district: 'kumayama' } }, 'wrong-token')).status,
    ).toBe(403);

    const ok = await put(taro, '/registration/settings', {
      values: { district: 'kumayama', topics: ['kosodate', 'event'], children: ['2024-04-02'] },
      email: 'taro@example.jp',
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.values).toEqual({
      district: 'kumayama',
      topics: ['kosodate', 'event'],
      children: ['2024-04-02'],
    });
    expect(ok.body.email).toBe('taro@example.jp');
    expect(ok.body.form.registration.registeredAt).toBeTruthy();

    const audit = await withTenant(t.tenant.id, (m) =>
      m.query(
        "select actor_type, actor_id, detail from audit_log where action = 'resident.registration_saved' order by seq",
      ),
    );
    expect(audit).toEqual([
      {
        actor_type: 'resident',
        actor_id: taro.id,
        detail: { form: 'settings', items: ['district', 'topics', 'children'], emailChanged: true },
      },
    ]);
  });

  it('saving a form replaces that form’s answers only', async () => {
    // Staff set an item outside the form; the resident's next save must leave it.
    expect(
      (await staff.put(`/api/attributes/residents/${taro.id}`, { values: { dept: 'soumu' } })).status,
    ).toBe(200);
    const res = await put(taro, '/registration/settings', { values: { district: 'sanyo' } });
    expect(res.status).toBe(200);
    expect(res.body.values).toEqual({ district: 'sanyo', dept: 'soumu' });
    // The e-mail was not part of this submission: it stays.
    expect(res.body.email).toBe('taro@example.jp');
  });

  it('the staff-only form opens by its link and needs the passcode', async () => {
    const open = await get(hanako, '/registration/shokuin');
    expect(open.status).toBe(200);
    expect(open.body.form).toMatchObject({ code: 'shokuin', requiresPasscode: true });
    expect((await put(hanako, '/registration/shokuin', { values: { dept: 'kenkou' } })).status).toBe(403);
    const wrong = await put(hanako, '/registration/shokuin', {
      values: { dept: 'kenkou' },
      passcode: 'nope-0000',
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.title).toBe('合言葉が違います');
    const ok = await put(hanako, '/registration/shokuin', {
      values: { dept: 'kenkou' },
      passcode: 'kawa-2026',
    });
    expect(ok.status).toBe(200);
    const email = await put(hanako, '/registration/shokuin', {
      values: { dept: 'kenkou' },
      passcode: 'kawa-2026',
      email: 'a@example.jp',
    });
    expect(email.status).toBe(422);
    expect(email.body.errors).toEqual([
      { path: 'email', message: 'このフォームではメールアドレスを登録できません' },
    ]);
    // Registered once, the unlisted form is listed for this resident (and only for her).
    expect((await get(hanako, '/registration')).body.forms.map((f: { code: string }) => f.code)).toEqual([
      'settings',
      'shokuin',
    ]);
    expect((await get(taro, '/registration')).body.forms.map((f: { code: string }) => f.code)).toEqual([
      'settings',
    ]);
    expect((await get(hanako, '/registration/nothing')).status).toBe(404);
  });

  it('passcode guesses are limited: the 11th save within 15 minutes is refused even with the right one', async () => {
    // Four saves above; six more guesses reach the limit of ten.
    for (let i = 0; i < 6; i++)
      expect(
        (await put(hanako, '/registration/shokuin', { values: { dept: 'kenkou' }, passcode: `guess-${i}` }))
          .status,
      ).toBe(403);
    const limited = await put(hanako, '/registration/shokuin', {
      values: { dept: 'kenkou' },
      passcode: 'kawa-2026',
    });
    expect(limited.status).toBe(429);
    expect(limited.body.title).toContain('15分ほど待って');
    // Another resident is not affected: a wrong guess of hers is a wrong guess, not a refusal.
    const other = await put(taro, '/registration/shokuin', { values: { dept: 'soumu' }, passcode: 'nope' });
    expect(other.status).toBe(403);
  });

  it('archived options stay visible only to residents who chose them', async () => {
    // Taro dropped "event" on his last save; staff set it again before the option is retired.
    expect(
      (await staff.put(`/api/attributes/residents/${taro.id}`, { values: { topics: ['event'] } })).status,
    ).toBe(200);
    const res = await admin.patch(`/api/attributes/${item.topics}`, {
      config: {
        options: [
          { code: 'kosodate', label: '子育て' },
          { code: 'event', label: 'イベント', archived: true },
        ],
      },
    });
    expect(res.status).toBe(200);
    const optionsOf = async (r: Resident) =>
      (await get(r, '/registration')).body.forms[0].items
        .find((i: { code: string }) => i.code === 'topics')
        .config.options.map((o: { code: string }) => o.code);
    expect(await optionsOf(taro)).toEqual(['kosodate', 'event']);
    expect(await optionsOf(hanako)).toEqual(['kosodate']);
    // Keeping it is fine; choosing it anew is not.
    expect(
      (await put(taro, '/registration/settings', { values: { district: 'sanyo', topics: ['event'] } }))
        .status,
    ).toBe(200);
    const refused = await put(hanako, '/registration/settings', {
      values: { district: 'sanyo', topics: ['event'] },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].message).toBe('「受け取りたい情報」の選択肢「イベント」は現在選べません');
  });

  it('staff see registrations; their changes are marked as made by staff', async () => {
    const before = await staff.get(`/api/attributes/residents/${taro.id}`);
    expect(before.body.registrations).toEqual([
      expect.objectContaining({ formCode: 'settings', formName: '受信設定', updatedBy: 'resident' }),
    ]);
    await staff.put(`/api/attributes/residents/${taro.id}`, { values: { district: 'kumayama' } });
    const after = await staff.get(`/api/attributes/residents/${taro.id}`);
    expect(after.body.registrations[0].updatedBy).toBe('staff');
    expect(after.body.email).toBe('taro@example.jp');
  });

  it('needs a resident session of the same tenant', async () => {
    const anonymous = request.agent(testApp());
    expect(
      (await anonymous.get(`/api/t/${t.tenant.slug}/registration`).set('Host', 'localhost')).status,
    ).toBe(401);
    expect((await get(taro, '/registration', other.tenant.slug)).status).toBe(401);
    expect((await get(taro, '/registration', 'no-such-city')).status).toBe(404);
  });

  it('greeting settings: defaults, LINE limits, and only forms that exist', async () => {
    const g = await staff.get('/api/registration-forms/greeting');
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ enabled: true, buttonLabel: '受信設定をする', formCode: null });
    const long = await admin.put('/api/registration-forms/greeting', {
      enabled: true,
      text: 'ようこそ',
      buttonText: 'こちら',
      buttonLabel: 'あ'.repeat(21),
    });
    expect(long.status).toBe(422);
    expect(long.body.errors[0]).toEqual({
      path: 'buttonLabel',
      message: 'ボタンの文字は20文字以内にしてください',
    });
    const missing = await admin.put('/api/registration-forms/greeting', {
      enabled: true,
      text: 'ようこそ',
      buttonText: 'こちら',
      buttonLabel: '設定する',
      formCode: 'nothing',
    });
    expect(missing.status).toBe(422);
    const ok = await admin.put('/api/registration-forms/greeting', {
      enabled: true,
      text: '{name}へようこそ',
      buttonText: '受信設定をお願いします',
      buttonLabel: '設定する',
      formCode: 'settings',
    });
    expect(ok.status).toBe(200);
    expect((await staff.get('/api/registration-forms/greeting')).body.text).toBe('{name}へようこそ');
    expect((await staff.put('/api/registration-forms/greeting', ok.body)).status).toBe(403);
  });
});
