import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailEmulator, type RunningMailEmulator } from '@tsunagu/mail-emulator';
import { config, setConfig, type Config } from '../src/platform/config/config.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeMailer } from '../src/platform/mail/mailer.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { LocalDiskStorage, setStorage, storage } from '../src/platform/storage/storage.js';
import {
  closeFormsQueue,
  formsQueue,
  purgeFormUploads,
  startFormsWorker,
  type FormsWorker,
} from '../src/modules/forms/form-jobs.js';
import { PERSON_LIMITS } from '../src/modules/forms/resident-forms.routes.js';
import { APPLICATION, ResidentClient, publishedForm } from './forms-fixtures.js';
import {
  configureChannel,
  createLineFriends,
  freshChannelId,
  startLine,
  type LineFixture,
} from './delivery-fixtures.js';
import { AdminClient, createStaff, createTestTenant, testApp, type TestTenant } from './helpers.js';

/**
 * Residents answering forms (issue 5 items 3 and the acceptance tamper test): what the page gets,
 * drafts, uploads, submissions refused item by item with nothing stored, versions, the settings of
 * FORM-5 (one answer, limit, dates), 受付番号 under concurrency, answering without LINE login,
 * the completion message in the talk and the department's e-mail (through the emulators), the
 * postal lookup and the clean-up of uploads nobody submitted.
 */
describe('forms: resident pages, submissions and their checks', () => {
  const PROD = freshChannelId();
  const original = config();
  let t: TestTenant;
  let other: TestTenant;
  let admin: AdminClient;
  let line: LineFixture;
  let mail: RunningMailEmulator;
  let worker: FormsWorker | undefined;
  let dir = '';
  let form: { id: string; code: string; version: number };
  const year = new Date(Date.now() + 9 * 3600 * 1000).getUTCFullYear();

  const valid = {
    name: '山田\u3000太郎',
    phone: '０９０－１２３４－５６７８',
    area: 'kuma',
    age_group: 'young',
    topics: ['bosai'],
    people: 2,
    opinion: '駐車場をもっと広くしてほしいです',
    kids: [{ kid_name: '山田 花子', kid_grade: 'g1' }],
  };
  const responsesOf = (formId: string) =>
    withTenant(t.tenant.id, (m) =>
      m.query('select * from form_response where form_id = $1 order by submitted_at', [formId]),
    ) as Promise<Array<Record<string, unknown>>>;
  const jpeg = (exif = true) =>
    sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
      .jpeg()
      .withExif(exif ? { IFD0: { Artist: 'Yamada Taro', ImageDescription: 'GPS 34.75,134.0' } } : {})
      .toBuffer();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'forms-'));
    setStorage(new LocalDiskStorage(dir));
    mail = await startMailEmulator({ smtpPort: 0, httpPort: 0 });
    setConfig({ ...original, SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}` } as Config);
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    t = await createTestTenant('fr');
    other = await createTestTenant('fro');
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    form = await publishedForm(admin, t.orgs.ka!, APPLICATION, { sendCompletionToTalk: false });
    await formsQueue().obliterate({ force: true });
  });

  afterAll(async () => {
    await worker?.close();
    await closeFormsQueue();
    setStorage(undefined);
    setLineConfig(undefined);
    setConfig(original);
    closeMailer();
    await line?.emu.close();
    await mail?.close();
    await rm(dir, { recursive: true, force: true });
    await closeDataSources();
    await closeRedis();
  });

  it('serves the form without its staff-only parts, with the resident’s state', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const res = await r.get(`/forms/${form.code}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      form: { code: form.code, title: 'テストフォーム', version: 1 },
      state: 'open',
      myResponses: [],
      draft: null,
      answersPerResident: 'many',
    });
    expect(res.body.csrfToken).toBeUndefined();
    expect(res.body.form.definition.pages[0].sections.map((s: { code: string }) => s.code)).toEqual([
      's_main',
      'kids',
    ]);
    expect(JSON.stringify(res.body)).not.toContain('checked');
    expect((await r.get('/forms/f-nothere')).status).toBe(404);
    const draftOnly = await admin.post('/api/forms', { title: '未公開', organisationId: t.orgs.ka });
    expect((await r.get(`/forms/${draftOnly.body.code}`)).status).toBe(404);
    // No LIFF session: this form asks for LINE login.
    const anon = await request(testApp())
      .get(`/api/t/${t.tenant.slug}/forms/${form.code}`)
      .set('Host', 'localhost');
    expect(anon.status).toBe(401);
    expect(anon.body.type).toBe('urn:tsunagu:resident-login');
    // A session of another city is no session here.
    const stranger = await ResidentClient.signIn(other.tenant);
    expect(
      (
        await request(testApp())
          .get(`/api/t/${t.tenant.slug}/forms/${form.code}`)
          .set('Host', 'localhost')
          .set('Cookie', (stranger as unknown as { cookie: string }).cookie)
      ).status,
    ).toBe(401);
  });

  it('acceptance: a tampered submission is refused item by item and nothing is stored', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const mallory = await ResidentClient.signIn(t.tenant);
    const small = await r.upload(form.code, 'photo', await jpeg(), 'photo.jpg', 'image/jpeg');
    expect(small.status, JSON.stringify(small.body)).toBe(201);
    const theirs = await mallory.upload(form.code, 'photo', await jpeg(), 'other.jpg', 'image/jpeg');
    // An oversized file never gets in: the upload itself is refused (the item allows 1 MB).
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1024 * 1024 + 10, 0x20)]);
    const tooBig = await r.upload(form.code, 'photo', big, 'big.pdf', 'application/pdf');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.title).toBe('ファイルは1MB以下にしてください');

    const res = await r.post(`/forms/${form.code}/responses`, {
      version: form.version,
      answers: {
        // name (required) and area (required) missing
        age_group: 'young',
        other_reason: '表示されていない項目への回答', // hidden: shown only for 65歳以上
        checked: 'ok', // a staff-only item
        removed_in_v2: 'x', // an item this version does not have
        photo: [
          small.body,
          { ...theirs.body }, // another resident's upload
          { id: '00000000-0000-4000-8000-000000000000', name: 'fake.jpg', size: 10, type: 'image/jpeg' },
        ],
      },
    });
    expect(res.status).toBe(422);
    const byPath = Object.fromEntries(
      res.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
    );
    expect(byPath).toMatchObject({
      'answers.name': '入力してください',
      'answers.area': '選んでください',
      'answers.other_reason': expect.stringContaining('表示されないため'),
      'answers.checked': 'この項目には回答できません',
      'answers.removed_in_v2': 'この項目はフォームにありません',
      'answers.photo': 'ファイルは2件まで添付できます',
    });
    // A declared size over the item's limit is refused by the engine at the file's path.
    const declared = await r.post(`/forms/${form.code}/responses`, {
      version: form.version,
      answers: { ...valid, photo: [{ ...small.body, size: 5 * 1024 * 1024 }] },
    });
    expect(declared.status).toBe(422);
    expect(declared.body.errors).toEqual([
      {
        path: 'answers.photo.0',
        message: '「photo.jpg」は1MBを超えています。1MB以下のファイルにしてください',
      },
    ]);
    // Files that are not the resident's own are refused by the server's own check, one by one.
    const files = await r.post(`/forms/${form.code}/responses`, {
      version: form.version,
      answers: {
        ...valid,
        photo: [
          theirs.body,
          { id: '00000000-0000-4000-8000-000000000000', name: 'fake.jpg', size: 10, type: 'image/jpeg' },
        ],
      },
    });
    expect(files.status).toBe(422);
    expect(files.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'answers.photo.0',
      'answers.photo.1',
    ]);

    expect(await responsesOf(form.id)).toEqual([]);
    const f = await withTenant(t.tenant.id, (m) =>
      m.query('select response_count, receipt_seq from form where id = $1', [form.id]),
    );
    expect(f[0]).toEqual({ response_count: 0, receipt_seq: 0 });
    const linked = await withTenant(t.tenant.id, (m) =>
      m.query('select count(*)::int as n from form_file where form_id = $1 and response_id is not null', [
        form.id,
      ]),
    );
    expect(linked[0].n).toBe(0);
  });

  it('stores a valid submission with its 受付番号; personal answers are sealed', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const up = await r.upload(form.code, 'photo', await jpeg(), 'IMG_0001.JPG', 'image/jpeg');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ name: 'IMG_0001.jpg', type: 'image/jpeg' });
    await r.put(`/forms/${form.code}/draft`, { version: form.version, answers: { name: '下書き' } });
    const res = await r.post(`/forms/${form.code}/responses`, {
      version: form.version,
      answers: { ...valid, photo: [up.body] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.receiptNumber).toMatch(new RegExp(`^R-${year}-\\d{6}$`));
    expect(res.body.completionMessage).toBe('ご回答ありがとうございました。');

    const [row] = (await responsesOf(form.id)).filter((x) => x.receipt_number === res.body.receiptNumber);
    expect(row).toMatchObject({ resident_id: r.id, source: 'line', version: 1, status: 'new' });
    expect(row!.answers).toEqual({
      area: 'kuma',
      age_group: 'young',
      topics: ['bosai'],
      people: 2,
      opinion: '駐車場をもっと広くしてほしいです',
      kids: [{ kid_grade: 'g1' }],
    });
    expect(row!.personal_enc).toMatch(/^v1:/);
    const sealed = String(row!.personal_enc) + String(row!.search) + JSON.stringify(row!.facets);
    for (const secret of ['山田', '09012345678', 'IMG_0001', '花子']) expect(sealed).not.toContain(secret);
    expect(row!.facets).toEqual(
      expect.arrayContaining(['name', 'phone', 'area=kuma', 'area^north', 'photo']),
    );
    const files = await withTenant(t.tenant.id, (m) =>
      m.query('select id, storage_key from form_file where response_id = $1', [row!.id]),
    );
    expect(files.map((f: { id: string }) => f.id)).toEqual([up.body.id]);
    // Stored without the EXIF the phone wrote (name and position of the photographer).
    const stored = await storage().get(files[0].storage_key);
    const meta = await sharp(stored!.data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(stored!.data.includes('Yamada Taro')).toBe(false);
    // The draft went with the submission; the page lists the response.
    const view = await r.get(`/forms/${form.code}`);
    expect(view.body.draft).toBeNull();
    expect(view.body.myResponses).toEqual([
      { receiptNumber: res.body.receiptNumber, submittedAt: expect.any(String), version: 1 },
    ]);
    const audit = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select actor_type, actor_id, detail from audit_log where action = 'form.response_submit' and target_id = $1`,
        [row!.id],
      ),
    );
    expect(audit[0]).toMatchObject({ actor_type: 'resident', actor_id: r.id });
    expect(JSON.stringify(audit[0].detail)).not.toContain('山田');
    // A form with responses is not deleted (its answers would go with it).
    expect((await admin.delete(`/api/forms/${form.id}`)).status).toBe(409);
  });

  it('uploads: the type comes from the bytes and must fit the item', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const fake = await r.upload(
      form.code,
      'photo',
      Buffer.from('これは画像ではありません'),
      'photo.jpg',
      'image/jpeg',
    );
    expect(fake.status).toBe(415);
    expect(fake.body.title).toBe('この項目に添付できるのは画像・PDFのファイルです');
    const broken = await r.upload(
      form.code,
      'photo',
      (await jpeg()).subarray(0, 200),
      'cut.jpg',
      'image/jpeg',
    );
    expect(broken.status).toBe(422);
    const pdf = await r.upload(
      form.code,
      'photo',
      Buffer.from('%PDF-1.7\n%…\n'),
      '申請書.pdf',
      'application/pdf',
    );
    expect(pdf.status).toBe(201);
    expect(pdf.body).toMatchObject({ name: '申請書.pdf', type: 'application/pdf' });
    expect((await r.upload(form.code, 'name', await jpeg(), 'a.jpg')).status).toBe(422);
    expect((await r.upload(form.code, 'checked', await jpeg(), 'a.jpg')).status).toBe(422);
  });

  it('drafts: kept as typed, minus what the engine drops; sealed; checked for version and CSRF', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const res = await r.put(`/forms/${form.code}/draft`, {
      version: form.version,
      answers: {
        name: '佐藤',
        phone: '090-12', // not a phone number yet: kept, the resident is still typing
        age_group: 'young',
        other_reason: '隠れている項目', // hidden: dropped
        checked: 'ok', // staff-only: dropped
        nonsense: 1, // unknown: dropped
        kids: [{ kid_name: '次郎', bogus: 1 }],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(typeof res.body.savedAt).toBe('string');
    const view = await r.get(`/forms/${form.code}`);
    expect(view.body.draft).toEqual({
      version: 1,
      answers: { name: '佐藤', phone: '090-12', age_group: 'young', kids: [{ kid_name: '次郎' }] },
      savedAt: expect.any(String),
    });
    const rows = await withTenant(t.tenant.id, (m) =>
      m.query('select answers_enc from form_draft where resident_id = $1', [r.id]),
    );
    expect(rows[0].answers_enc).toMatch(/^v1:/);
    expect(rows[0].answers_enc).not.toContain('佐藤');
    expect((await r.put(`/forms/${form.code}/draft`, { version: 99, answers: {} })).status).toBe(409);
    expect((await r.put(`/forms/${form.code}/draft`, { version: 1, answers: {} }, 'wrong')).status).toBe(403);
    expect((await r.delete(`/forms/${form.code}/draft`)).status).toBe(204);
    expect((await r.get(`/forms/${form.code}`)).body.draft).toBeNull();
  });

  it('versions: an old version’s submission gets 409; items of another version are refused', async () => {
    const f = await publishedForm(admin, t.orgs.ka!, APPLICATION, {}, '版');
    const v2 = structuredClone(APPLICATION);
    const items = v2.pages[0]!.sections[0]!.items;
    v2.pages[0]!.sections[0]!.items = items.filter((i) => i.code !== 'opinion');
    await admin.put(`/api/forms/${f.id}/draft`, { definition: v2 });
    expect((await admin.post(`/api/forms/${f.id}/publish`)).body.version).toBe(2);
    const r = await ResidentClient.signIn(t.tenant);
    const old = await r.post(`/forms/${f.code}/responses`, { version: 1, answers: valid });
    expect(old.status).toBe(409);
    expect(old.body).toMatchObject({
      reason: 'version',
      version: 2,
      title: 'フォームの内容が更新されました',
    });
    const mixed = await r.post(`/forms/${f.code}/responses`, { version: 2, answers: valid });
    expect(mixed.status).toBe(422);
    expect(mixed.body.errors).toEqual([
      { path: 'answers.opinion', message: 'この項目はフォームにありません' },
    ]);
    const { opinion: _, ...v2answers } = valid;
    expect((await r.post(`/forms/${f.code}/responses`, { version: 2, answers: v2answers })).status).toBe(201);
    expect((await r.get(`/forms/${f.code}`)).body.form.version).toBe(2);
  });

  it('settings: one answer per resident, editable; response limit; opening and closing times', async () => {
    const one = await publishedForm(admin, t.orgs.ka!, APPLICATION, { answersPerResident: 'one' }, '1人1回');
    const r = await ResidentClient.signIn(t.tenant);
    expect((await r.post(`/forms/${one.code}/responses`, { version: 1, answers: valid })).status).toBe(201);
    const again = await r.post(`/forms/${one.code}/responses`, { version: 1, answers: valid });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'already_answered' });
    expect((await r.get(`/forms/${one.code}`)).body.state).toBe('already_answered');

    await admin.patch(`/api/forms/${one.id}/settings`, { editableAfterSubmit: true });
    const view = await r.get(`/forms/${one.code}`);
    expect(view.body.state).toBe('open');
    expect(view.body.draft.answers).toMatchObject({ name: '山田\u3000太郎', area: 'kuma' });
    const first = view.body.myResponses[0].receiptNumber;
    const changed = await r.post(`/forms/${one.code}/responses`, {
      version: 1,
      answers: { ...valid, area: 'sanyo' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ receiptNumber: first, updated: true });
    const rows = await responsesOf(one.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.facets).toContain('area^south');

    const limited = await publishedForm(admin, t.orgs.ka!, APPLICATION, { responseLimit: 2 }, '先着2名');
    for (let i = 0; i < 2; i++) {
      const x = await ResidentClient.signIn(t.tenant);
      expect((await x.post(`/forms/${limited.code}/responses`, { version: 1, answers: valid })).status).toBe(
        201,
      );
    }
    const late = await ResidentClient.signIn(t.tenant);
    expect((await late.get(`/forms/${limited.code}`)).body.state).toBe('limit_reached');
    const refused = await late.post(`/forms/${limited.code}/responses`, { version: 1, answers: valid });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      reason: 'limit_reached',
      title: '回答数が上限に達したため、受付を終了しました',
    });

    const soon = await publishedForm(
      admin,
      t.orgs.ka!,
      APPLICATION,
      {
        opensAt: new Date(Date.now() + 3600_000).toISOString(),
      },
      '受付前',
    );
    expect((await late.get(`/forms/${soon.code}`)).body.state).toBe('not_yet');
    expect(
      (await late.post(`/forms/${soon.code}/responses`, { version: 1, answers: valid })).body.reason,
    ).toBe('not_yet');
    const past = await publishedForm(
      admin,
      t.orgs.ka!,
      APPLICATION,
      {
        opensAt: new Date(Date.now() - 7200_000).toISOString(),
        closesAt: new Date(Date.now() - 3600_000).toISOString(),
      },
      '受付終了',
    );
    expect((await late.get(`/forms/${past.code}`)).body.state).toBe('closed');
    await admin.patch(`/api/forms/${past.id}/settings`, { closesAt: null });
    expect((await late.get(`/forms/${past.code}`)).body.state).toBe('open');
    await admin.post(`/api/forms/${past.id}/close`);
    expect(
      (await late.post(`/forms/${past.code}/responses`, { version: 1, answers: valid })).body.reason,
    ).toBe('closed');
  });

  it('受付番号 stay unique and gapless when residents submit at the same moment', async () => {
    const f = await publishedForm(admin, t.orgs.ka!, APPLICATION, { receiptPrefix: 'K' }, '同時');
    const residents = await Promise.all(Array.from({ length: 16 }, () => ResidentClient.signIn(t.tenant)));
    const results = await Promise.all(
      residents.map((r) => r.post(`/forms/${f.code}/responses`, { version: 1, answers: valid })),
    );
    expect(results.map((x) => x.status)).toEqual(results.map(() => 201));
    const numbers = results.map((x) => x.body.receiptNumber as string).sort();
    expect(numbers).toEqual(
      Array.from({ length: 16 }, (_, i) => `K-${year}-${String(i + 1).padStart(6, '0')}`),
    );
  });

  it('a form that allows it is answered in a browser without LINE login', async () => {
    const f = await publishedForm(admin, t.orgs.ka!, APPLICATION, { requireLineLogin: false }, 'どなたでも');
    const agent = request.agent(testApp());
    const view = await agent.get(`/api/t/${t.tenant.slug}/forms/${f.code}`).set('Host', 'localhost');
    expect(view.status).toBe(200);
    expect(view.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(String(view.headers['set-cookie'])).toContain('tsunagu_fvid=');
    const csrf = view.body.csrfToken as string;
    const noToken = await agent
      .post(`/api/t/${t.tenant.slug}/forms/${f.code}/responses`)
      .set('Host', 'localhost')
      .send({ version: 1, answers: valid });
    expect(noToken.status).toBe(403);
    const draft = await agent
      .put(`/api/t/${t.tenant.slug}/forms/${f.code}/draft`)
      .set('Host', 'localhost')
      .set('X-CSRF-Token', csrf)
      .send({ version: 1, answers: { name: '匿名' } });
    expect(draft.status).toBe(200);
    expect(
      (await agent.get(`/api/t/${t.tenant.slug}/forms/${f.code}`).set('Host', 'localhost')).body.draft
        .answers,
    ).toEqual({ name: '匿名' });
    const sent = await agent
      .post(`/api/t/${t.tenant.slug}/forms/${f.code}/responses`)
      .set('Host', 'localhost')
      .set('X-CSRF-Token', csrf)
      .send({ version: 1, answers: valid });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const rows = await responsesOf(f.id);
    expect(rows[0]).toMatchObject({ resident_id: null, source: 'web' });
    expect(rows[0]!.visitor_hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await agent.get(`/api/t/${t.tenant.slug}/forms/${f.code}`).set('Host', 'localhost');
    expect(again.body.myResponses).toHaveLength(1);
    // Another browser sees none of it.
    const stranger = await request(testApp())
      .get(`/api/t/${t.tenant.slug}/forms/${f.code}`)
      .set('Host', 'localhost');
    expect(stranger.body.myResponses).toEqual([]);
  });

  it('sends the completion message to the talk and tells the department by mail, without answers', async () => {
    const [uid] = await createLineFriends(line, PROD, 1);
    const f = await publishedForm(
      admin,
      t.orgs.ka!,
      APPLICATION,
      {
        sendCompletionToTalk: true,
        completionMessage: 'お申し込みを受け付けました。',
        notifyEmails: ['shimin@city.example.jp', 'kikaku@city.example.jp'],
      },
      '講座の申込',
    );
    worker = await startFormsWorker({ concurrency: 2 });
    const r = await ResidentClient.signIn(t.tenant, { lineUserId: uid });
    const sent = await r.post(`/forms/${f.code}/responses`, { version: 1, answers: valid });
    expect(sent.status).toBe(201);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states: Array<{ kind: string; status: string }> = await withTenant(t.tenant.id, (m) =>
        m.query(
          `select n.kind, n.status from form_notification n join form_response r on r.id = n.response_id
            where r.form_id = $1 order by n.kind`,
          [f.id],
        ),
      );
      if (states.length === 2 && states.every((s) => s.status === 'sent')) break;
      if (Date.now() > deadline) throw new Error(`notifications not sent: ${JSON.stringify(states)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    const talk = await line.admin<{ messages: Array<{ message: { text?: string } }> }>(
      'GET',
      `/channels/${PROD}/users/${uid}/messages?from=bot`,
    );
    expect(talk.messages.map((x) => x.message.text)).toEqual([
      `お申し込みを受け付けました。\n\nフォーム：講座の申込\n受付番号：${sent.body.receiptNumber}`,
    ]);
    const caught = mail.mails.filter((x) => x.subject.includes(sent.body.receiptNumber));
    expect(caught).toHaveLength(1);
    expect(caught[0]!.to.sort()).toEqual(['kikaku@city.example.jp', 'shimin@city.example.jp']);
    expect(caught[0]!.subject).toBe(
      `【新しい回答がありました】講座の申込（受付番号 ${sent.body.receiptNumber}）`,
    );
    expect(caught[0]!.text).toContain(`/forms/${f.id}/responses/`);
    for (const secret of ['山田', '090', '熊山', '駐車場']) expect(caught[0]!.text).not.toContain(secret);
  });

  it('limits how often one person submits (rate limit per resident)', async () => {
    const f = await publishedForm(admin, t.orgs.ka!, APPLICATION, {}, '連投');
    const r = await ResidentClient.signIn(t.tenant);
    const statuses: number[] = [];
    for (let i = 0; i < PERSON_LIMITS.submits.n + 1; i++)
      statuses.push((await r.post(`/forms/${f.code}/responses`, { version: 1, answers: valid })).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(PERSON_LIMITS.submits.n);
    expect(statuses.at(-1)).toBe(429);
    expect((await responsesOf(f.id)).length).toBe(PERSON_LIMITS.submits.n);
  });

  it('looks up postal codes for the address autofill', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const hit = await r.get('/postal/5110061');
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual({ addresses: [{ prefecture: '三重県', city: '桑名市', town: '寿町' }] });
    expect((await r.get('/postal/9999999')).status).toBe(404);
    expect((await r.get('/postal/abc')).status).toBe(400);
  });

  it('removes uploads nobody submitted after a day, unless a draft still names them', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const kept = await r.upload(form.code, 'photo', await jpeg(false), 'kept.jpg', 'image/jpeg');
    const lost = await r.upload(form.code, 'photo', await jpeg(false), 'lost.jpg', 'image/jpeg');
    await r.put(`/forms/${form.code}/draft`, { version: 1, answers: { photo: [kept.body] } });
    const keyOf = async (id: string) =>
      (
        await withTenant(t.tenant.id, (m) => m.query('select storage_key from form_file where id = $1', [id]))
      )[0]?.storage_key as string | undefined;
    const lostKey = (await keyOf(lost.body.id))!;
    const tomorrow = new Date(Date.now() + 25 * 3600 * 1000);
    const result = await purgeFormUploads(tomorrow);
    expect(result.files).toBeGreaterThanOrEqual(1);
    expect(await keyOf(lost.body.id)).toBeUndefined();
    expect(await storage().get(lostKey)).toBeNull();
    expect(await keyOf(kept.body.id)).toBeDefined();
    // Files of submitted responses stay.
    const linked = await withTenant(t.tenant.id, (m) =>
      m.query('select count(*)::int as n from form_file where response_id is not null'),
    );
    expect(linked[0].n).toBeGreaterThan(0);
  });
});
