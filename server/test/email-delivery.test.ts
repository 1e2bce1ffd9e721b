import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailEmulator, type CaughtMail, type RunningMailEmulator } from '@tsunagu/mail-emulator';
import { config, setConfig, type Config } from '../src/platform/config/config.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeMailer } from '../src/platform/mail/mailer.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { emailLookupHash } from '../src/modules/attributes/attributes.service.js';
import { deliveryMessageId, sendEmailBatch } from '../src/modules/delivery/delivery-email.js';
import { fireDelivery } from '../src/modules/delivery/delivery.engine.js';
import { decideAbTest } from '../src/modules/delivery/ab-decide.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { startDeliveryWorker, type DeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import { SIGNUP_LIMITS } from '../src/modules/mail-subscription/subscription.routes.js';
import {
  AdminClient,
  createStaff,
  createTestTenant,
  superuser,
  testApp,
  type TestTenant,
} from './helpers.js';
import {
  addResidents,
  configureChannel,
  createLineFriends,
  freshChannelId,
  startLine,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

/**
 * Deliveries by e-mail (DEL-10, TN 3-⑩) end to end, through the mail emulator (SMTP) and the LINE
 * emulator: sign-up with double opt-in, LINE friends' addresses confirmed, a segment delivery
 * reaching LINE friends by LINE and confirmed addresses by mail exactly once, crashes and retries,
 * SMTP failures, unsubscribing, rate limits and tenant isolation.
 */
describe('deliveries by e-mail (DEL-10)', () => {
  const PROD = freshChannelId();
  const ORIGIN = 'https://tsunagu.example.jp';
  const original = config();
  let mail: RunningMailEmulator;
  let line: LineFixture;
  let worker: DeliveryWorker | undefined;
  let a: TestTenant;
  let b: TestTenant;
  let admin: AdminClient;
  let adminB: AdminClient;
  let segmentId = '';
  let lineUsers: string[] = [];
  /** LINE friends of A by name: L1…L6 (L5 blocked the account). */
  const L = {} as Record<'L1' | 'L2' | 'L3' | 'L4' | 'L5' | 'L6', string>;
  /** Subscribers by e-mail of A: S1…S4. */
  const S = {} as Record<'S1' | 'S2' | 'S3' | 'S4', string>;
  const manageTokens = {} as Record<'S1' | 'S4', string>;

  const addr = (name: string) => `${name}@mail.example.jp`;
  const SHARED = addr('shared');
  const FORM = { area: 'north' };

  function smtpConfig(url: string | undefined): void {
    setConfig({ ...original, PUBLIC_ORIGIN: ORIGIN, SMTP_URL: url } as Config);
    closeMailer();
  }

  const api = (ip = '203.0.113.10') => ({
    get: (path: string, token?: string) => {
      const r = request(testApp()).get(path).set('Host', 'localhost').set('X-Forwarded-For', ip);
      return token ? r.set('X-Mail-Token', token) : r;
    },
    post: (path: string, body?: object, token?: string) => {
      const r = request(testApp()).post(path).set('Host', 'localhost').set('X-Forwarded-For', ip);
      return (token ? r.set('X-Mail-Token', token) : r).send(body);
    },
    put: (path: string, body: object, token: string) =>
      request(testApp())
        .put(path)
        .set('Host', 'localhost')
        .set('X-Forwarded-For', ip)
        .set('X-Mail-Token', token)
        .send(body),
  });
  const base = (t: TestTenant = a) => `/api/t/${t.tenant.slug}/mail-subscription`;

  function signUp(
    email: string,
    values: Record<string, unknown> = FORM,
    opts: { ip?: string; t?: TestTenant } = {},
  ) {
    return api(opts.ip).post(base(opts.t), { email, values, agree: true });
  }

  /** Mails the emulator caught for an address, waiting until there are `count` (matching `subject`). */
  async function mailsTo(to: string, opts: { count?: number; subject?: RegExp } = {}): Promise<CaughtMail[]> {
    const want = opts.count ?? 1;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = mail.mails.filter(
        (m) => m.envelopeTo.includes(to) && (!opts.subject || opts.subject.test(m.subject)),
      );
      if (found.length >= want) return found;
      if (Date.now() > deadline)
        throw new Error(`${want} mail(s) to ${to} ${opts.subject ?? ''} expected, ${found.length} caught`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const tokenIn = (m: CaughtMail, page: 'confirm' | 'manage') =>
    new RegExp(`/mail/${page}/#token=([A-Za-z0-9_.-]+)`).exec(m.text)?.[1] ?? '';

  async function confirmFrom(to: string, subject: RegExp) {
    const [m] = (await mailsTo(to, { subject })).slice(-1);
    const res = await api().post(`${base()}/confirm`, { token: tokenIn(m!, 'confirm') });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { result: string; recipient: string; manageToken: string };
  }

  async function subscriberId(email: string, t: TestTenant = a): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select r.id from resident r join resident_contact c on c.resident_id = r.id
          where r.channel_kind = 'mail' and c.email_hash = $1`,
        [emailLookupHash(t.tenant.id, email)],
      ),
    );
    return rows[0]?.id;
  }

  async function resident(id: string, t: TestTenant = a) {
    const rows: Array<{ friend_status: string; confirmed: boolean; email: boolean; is_tester: boolean }> =
      await withTenant(t.tenant.id, (m) =>
        m.query(
          `select r.friend_status, c.email_confirmed_at is not null as confirmed, c.email_hash is not null as email, r.is_tester
             from resident r left join resident_contact c on c.resident_id = r.id where r.id = $1`,
          [id],
        ),
      );
    return rows[0]!;
  }

  async function emailRows(runId: string) {
    return withTenant(a.tenant.id, (m) =>
      m.query(
        `select resident_id as "residentId", status, attempts, error, next_attempt_at > now() as "later"
           from delivery_email where run_id = $1 order by resident_id`,
        [runId],
      ),
    ) as Promise<
      Array<{ residentId: string; status: string; attempts: number; error: string | null; later: boolean }>
    >;
  }

  async function waitForMails(runId: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while ((await emailRows(runId)).some((r) => r.status === 'created' || r.status === 'sending')) {
      if (Date.now() > deadline) throw new Error(`mails of run ${runId} not finished`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function talk(userId: string): Promise<string[]> {
    const res = await line.admin<{ messages: Array<{ message: { type: string; text?: string } }> }>(
      'GET',
      `/channels/${PROD}/users/${userId}/messages?from=bot`,
    );
    return res.messages.map((m) => m.message.text ?? m.message.type);
  }

  const runMessageIds = (runId: string, residentIds: string[]) =>
    residentIds.map((id) => deliveryMessageId(runId, id));
  const caughtWithIds = (ids: string[]) => mail.mails.filter((m) => m.messageId && ids.includes(m.messageId));

  beforeAll(async () => {
    mail = await startMailEmulator({ smtpPort: 0, httpPort: 0 });
    smtpConfig(`smtp://127.0.0.1:${mail.smtpPort}`);
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    await deliveryQueue().obliterate({ force: true });
    a = await createTestTenant('em', ['ka']);
    b = await createTestTenant('emb', ['ka']);
    await configureChannel(a.tenant.id, 'production', PROD, `token-${PROD}`);
    for (const [t, set] of [
      [a, (c: AdminClient) => (admin = c)],
      [b, (c: AdminClient) => (adminB = c)],
    ] as const) {
      const s = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
      const c = AdminClient.forTenant(t.tenant);
      expect((await c.login(s.loginId)).status).toBe(200);
      set(c);
      const item = await c.post('/api/attributes', {
        code: 'area',
        kind: 'single',
        label: 'お住まいの地域',
        required: true,
        config: {
          options: [
            { code: 'north', label: '北部' },
            { code: 'south', label: '南部' },
          ],
        },
      });
      expect(item.status, JSON.stringify(item.body)).toBe(201);
      const form = await c.post('/api/registration-forms', {
        code: 'settings',
        name: '受信設定',
        askEmail: true,
        itemIds: [item.body.id],
      });
      expect(form.status, JSON.stringify(form.body)).toBe(201);
    }
    const seg = await admin.post('/api/segments', {
      name: '北部',
      organisationId: a.orgs.ka,
      definition: { type: 'option', item: 'area', op: 'in', codes: ['north'] },
    });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    segmentId = seg.body.id;
    lineUsers = await createLineFriends(line, PROD, 6);
    const friends = await addResidents(a.tenant.id, 'production', lineUsers.slice(0, 4));
    const blocked = await addResidents(a.tenant.id, 'production', [lineUsers[4]!], 'blocked');
    const last = await addResidents(a.tenant.id, 'production', [lineUsers[5]!]);
    [L.L1, L.L2, L.L3, L.L4] = friends as [string, string, string, string];
    L.L5 = blocked[0]!;
    L.L6 = last[0]!;
    worker = await startDeliveryWorker({ concurrency: 4, sweepIntervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await worker?.close();
    await closeDeliveryQueue();
    setLineConfig(undefined);
    setConfig(original);
    closeMailer();
    await line?.emu.close();
    await mail?.close();
    await closeDataSources();
    await closeRedis();
  });

  it('sign-up is checked at the edge, in Japanese, before anything is stored', async () => {
    const bad = await api().post(base(), { email: 'not an address', values: { area: 'east' }, agree: false });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'email', message: 'メールアドレスの形式が正しくありません' },
        { path: 'agree', message: '個人情報の取り扱いに同意してください' },
      ]),
    );
    const values = await signUp(addr('x1'), { area: 'east' });
    expect(values.status).toBe(422);
    expect(values.body.errors).toEqual([
      { path: 'values.area', message: '「お住まいの地域」の選択肢が正しくありません' },
    ]);
    const missing = await signUp(addr('x1'), {});
    expect(missing.body.errors).toEqual([
      { path: 'values.area', message: '「お住まいの地域」を選択してください' },
    ]);
    expect(await subscriberId(addr('x1'))).toBeUndefined();
    expect(mail.mails.filter((m) => m.envelopeTo.includes(addr('x1')))).toEqual([]);

    const form = await api().get(base());
    expect(form.status).toBe(200);
    expect(form.body).toMatchObject({
      city: a.tenant.nameJa,
      form: { code: 'settings', name: '受信設定', items: [{ code: 'area', kind: 'single', required: true }] },
    });
  });

  it('double opt-in: nothing is active until the link in the confirmation mail is opened', async () => {
    const res = await signUp(SHARED);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.title).toBe('確認のメールを送りました');
    S.S1 = (await subscriberId(SHARED))!;
    expect(await resident(S.S1)).toMatchObject({ friend_status: 'unknown', confirmed: false });
    const values: unknown[] = await withTenant(a.tenant.id, (m) =>
      m.query('select 1 from resident_attribute_value where resident_id = $1', [S.S1]),
    );
    expect(values).toEqual([]);

    const [m] = await mailsTo(SHARED, { subject: /メール配信の登録確認$/ });
    expect(m!.subject).toBe(`【${a.tenant.nameJa}】メール配信の登録確認`);
    expect(m!.from).toBe('noreply@localhost');
    expect(m!.text).toContain(`${ORIGIN}/t/${a.tenant.slug}/mail/confirm/#token=`);
    expect(m!.text).toContain('24時間以内');

    expect((await api().post(`${base()}/confirm`, { token: 'x'.repeat(43) })).status).toBe(410);
    const ok = await api().post(`${base()}/confirm`, { token: tokenIn(m!, 'confirm') });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ result: 'subscribed', recipient: 'subscriber' });
    manageTokens.S1 = ok.body.manageToken;
    expect(await resident(S.S1)).toMatchObject({ friend_status: 'friend', confirmed: true });
    // Tapped twice: the same answer, nothing more.
    const again = await api().post(`${base()}/confirm`, { token: tokenIn(m!, 'confirm') });
    expect(again.body).toMatchObject({ result: 'subscribed' });
    const view = await api().get(`${base()}/manage`, manageTokens.S1);
    expect(view.body).toMatchObject({
      recipient: 'subscriber',
      status: 'active',
      email: SHARED,
      values: { area: 'north' },
    });
  });

  it('a known address gets the same answer as a new one; its owner is told by mail instead', async () => {
    const known = await signUp(SHARED, { area: 'south' });
    const fresh = await signUp(addr('s2'), { area: 'south' });
    expect(known.status).toBe(202);
    expect(known.body).toEqual(fresh.body);
    const [change] = await mailsTo(SHARED, { subject: /登録内容の変更確認$/ });
    expect(change!.text).toContain('すでに登録されています');
    expect(change!.text).toMatch(/\/mail\/manage\/#token=/);
    // Until that link is opened the settings stay as they were.
    expect((await api().get(`${base()}/manage`, manageTokens.S1)).body.values).toEqual({ area: 'north' });

    expect((await confirmFrom(addr('s2'), /登録確認$/)).result).toBe('subscribed');
    S.S2 = (await subscriberId(addr('s2')))!;
    expect((await signUp(addr('s3'))).status).toBe(202); // never confirmed
    S.S3 = (await subscriberId(addr('s3')))!;
    expect((await signUp(addr('s4'))).status).toBe(202);
    manageTokens.S4 = (await confirmFrom(addr('s4'), /登録確認$/)).manageToken;
    S.S4 = (await subscriberId(addr('s4')))!;
    const audit: Array<{ action: string; detail: Record<string, unknown> }> = await withTenant(
      a.tenant.id,
      (m) =>
        m.query(`select action, detail from audit_log where action like 'mail_subscription.%' order by seq`),
    );
    expect(audit.map((x) => x.action)).toContain('mail_subscription.requested');
    expect(audit.map((x) => x.action)).toContain('mail_subscription.confirmed');
    expect(JSON.stringify(audit)).not.toContain('@mail.example.jp');
  });

  it('LINE friends: an address saved for them is confirmed by its owner before it receives anything', async () => {
    const plan: Array<[keyof typeof L, string, string | null]> = [
      ['L1', 'north', addr('l1')],
      ['L2', 'north', null],
      ['L3', 'south', addr('l3')],
      ['L4', 'north', addr('l4')],
      ['L5', 'north', addr('l5')],
      ['L6', 'north', SHARED],
    ];
    for (const [who, area, email] of plan) {
      const res = await admin.put(`/api/attributes/residents/${L[who]}`, {
        values: { area },
        ...(email ? { email } : {}),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (email) expect(res.body.emailStatus).toBe('pending');
    }
    for (const who of ['l1', 'l3', 'l5'])
      expect((await confirmFrom(addr(who), /メールアドレスの確認$/)).result).toBe('address_confirmed');
    const shared = await confirmFrom(SHARED, /メールアドレスの確認$/);
    expect(shared).toMatchObject({ result: 'address_confirmed', recipient: 'line' });
    const [l4] = await mailsTo(addr('l4'), { subject: /メールアドレスの確認$/ });
    expect(l4!.text).toContain('公式LINEの受信設定で、このメールアドレスが登録されました');
    expect((await admin.get(`/api/attributes/residents/${L.L1}`)).body.emailStatus).toBe('confirmed');
    expect((await admin.get(`/api/attributes/residents/${L.L4}`)).body.emailStatus).toBe('pending');
    // Changing the address makes it unconfirmed again, and the old link useless.
    const [l3mail] = await mailsTo(addr('l3'), { subject: /メールアドレスの確認$/ });
    await admin.put(`/api/attributes/residents/${L.L3}`, { email: addr('l3b') });
    expect((await resident(L.L3)).confirmed).toBe(false);
    expect((await api().post(`${base()}/confirm`, { token: tokenIn(l3mail!, 'confirm') })).status).toBe(410);
    await confirmFrom(addr('l3b'), /メールアドレスの確認$/);
    expect((await resident(L.L3)).confirmed).toBe(true);
  });

  it('the manage link changes a subscriber’s settings and stops the mails in one step', async () => {
    const view = await api().get(`${base()}/manage`, manageTokens.S4);
    expect(view.body).toMatchObject({
      recipient: 'subscriber',
      status: 'active',
      form: { code: 'settings' },
    });
    const bad = await api().put(`${base()}/manage`, { values: { area: 'west' } }, manageTokens.S4);
    expect(bad.status).toBe(422);
    const saved = await api().put(`${base()}/manage`, { values: { area: 'south' } }, manageTokens.S4);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.values).toEqual({ area: 'south' });
    await api().put(`${base()}/manage`, { values: { area: 'north' } }, manageTokens.S4);
    const stopped = await api().post(`${base()}/unsubscribe`, {}, manageTokens.S4);
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body.status).toBe('unsubscribed');
    expect(await resident(S.S4)).toMatchObject({ friend_status: 'blocked', confirmed: false });
    expect((await api().post(`${base()}/unsubscribe`, {}, manageTokens.S4)).status).toBe(200);
    expect((await api().put(`${base()}/manage`, { values: { area: 'north' } }, manageTokens.S4)).status).toBe(
      409,
    );
    expect((await api().get(`${base()}/manage`, 'x'.repeat(27) + '.' + 'y'.repeat(22))).status).toBe(404);
  });

  it('the composer’s audience preview counts the mailboxes a delivery would reach by e-mail', async () => {
    const north = await admin.post('/api/deliveries/audience', { target: { type: 'segment', segmentId } });
    expect(north.status, JSON.stringify(north.body)).toBe(200);
    // L1 and the shared address (S1 and L6); not L4 (unconfirmed), L5 (blocked), S3 (unconfirmed), S4 (stopped).
    expect(north.body.email).toEqual({ recipients: 2 });
    const all = await admin.post('/api/deliveries/audience', { target: { type: 'all' } });
    expect(all.body.email).toEqual({ recipients: 4 });
  });

  let deliveryId = '';
  let runId = '';

  it('a segment delivery with e-mail: LINE friends by LINE, confirmed addresses by mail, each once', async () => {
    const text =
      '$北部の資源ごみの収集日が変わります。\n詳しくは https://city.example.jp/gomi をご覧ください。';
    const created = await admin.post('/api/deliveries', {
      title: '北部の収集日変更のお知らせ',
      organisationId: a.orgs.ka,
      target: { type: 'segment', segmentId },
      email: true,
      messages: [
        { type: 'text', text, emojis: [{ index: 0, productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' }] },
        {
          type: 'image',
          originalContentUrl: 'https://city.example.jp/map.png',
          previewImageUrl: 'https://city.example.jp/map-s.png',
        },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.email).toBe(true);
    deliveryId = created.body.id;
    expect((await admin.post(`/api/deliveries/${deliveryId}/send`)).status).toBe(202);
    const [run] = await waitForRuns(a.tenant.id, deliveryId);
    runId = run!.id;
    await waitForMails(runId);

    // LINE: the north friends (L1, L2, L4, L6); not L3 (south) nor L5 (blocked).
    for (const u of [0, 1, 3, 5]) expect(await talk(lineUsers[u]!)).toHaveLength(2);
    for (const u of [2, 4]) expect(await talk(lineUsers[u]!)).toEqual([]);

    // Mail: L1 and the shared address once (as S1, the subscriber); nobody else.
    const rows = await emailRows(runId);
    expect(rows.map((r) => [r.residentId, r.status]).sort()).toEqual(
      [
        [L.L1, 'sent'],
        [S.S1, 'sent'],
      ].sort(),
    );
    const ours = caughtWithIds(runMessageIds(runId, [L.L1!, S.S1!]));
    expect(ours.map((m) => m.envelopeTo[0]).sort()).toEqual([addr('l1'), SHARED].sort());
    for (const other of [addr('l3b'), addr('l4'), addr('l5'), addr('s2'), addr('s3'), addr('s4')])
      expect(
        mail.mails.filter((m) => m.envelopeTo.includes(other) && m.subject === '北部の収集日変更のお知らせ'),
      ).toEqual([]);

    const toShared = ours.find((m) => m.envelopeTo[0] === SHARED)!;
    expect(toShared.subject).toBe('北部の収集日変更のお知らせ');
    expect(toShared.from).toBe('noreply@localhost');
    expect(toShared.messageId).toBe(deliveryMessageId(runId, S.S1!));
    expect(toShared.text).toContain('北部の資源ごみの収集日が変わります。');
    expect(toShared.text).not.toContain('$');
    expect(toShared.text).toMatch(
      new RegExp(`詳しくは ${ORIGIN}/t/${a.tenant.slug}/r/[A-Za-z0-9]{10}/1 をご覧ください`),
    );
    expect(toShared.text).toContain('［画像］https://city.example.jp/map.png');
    expect(toShared.text).toContain('登録内容の変更・配信の停止はこちらから:');
    expect(toShared.text.trimEnd().endsWith(a.tenant.nameJa)).toBe(true);
    expect(toShared.html).toContain('<img src="https://city.example.jp/map.png"');
    expect(toShared.headers['list-unsubscribe']).toMatch(
      new RegExp(
        `^<${ORIGIN}/api/t/${a.tenant.slug}/mail-subscription/unsubscribe\\?token=[A-Za-z0-9_.%-]+>$`,
      ),
    );
    expect(toShared.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const toL1 = ours.find((m) => m.envelopeTo[0] === addr('l1'))!;
    expect(toL1.text).toContain('メールでの受け取りの停止はこちらから（LINEの受信設定からも変更できます）');

    const detail = await admin.get(`/api/deliveries/${deliveryId}`);
    expect(detail.body.runs[0].email).toEqual({ recipients: 2, sent: 2, failed: 0, skipped: 0 });
    const list = await admin.get('/api/deliveries');
    expect(list.body.items.find((d: { id: string }) => d.id === deliveryId).lastRun.email).toMatchObject({
      sent: 2,
    });
    const snap: Array<{ detail: Record<string, unknown> }> = await withTenant(a.tenant.id, (m) =>
      m.query(`select detail from audit_log where action = 'delivery.email_snapshot' and target_id = $1`, [
        deliveryId,
      ]),
    );
    expect(snap).toEqual([{ detail: { runId, purpose: 'production', recipients: 2 } }]);
  });

  it('an A/B delivery with e-mail mails the winner with its rest run only, not to the sample’s friends', async () => {
    const title = '北部の清掃活動のお知らせ（A/B）';
    const created = await admin.post('/api/deliveries', {
      title,
      organisationId: a.orgs.ka,
      target: { type: 'segment', segmentId },
      email: true,
      messages: [{ type: 'text', text: '清掃活動にご参加ください https://city.example.jp/seisou' }],
      abTest: {
        variantB: [{ type: 'text', text: '【参加者募集】清掃活動 https://city.example.jp/seisou?b' }],
        samplePercent: 50,
        decideAfterMinutes: 30,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect((await admin.post(`/api/deliveries/${id}/send`)).status).toBe(202);
    const sample = await waitForRuns(a.tenant.id, id, { count: 2 });
    // The sample runs have no mails.
    for (const r of sample) expect(await emailRows(r.id)).toEqual([]);
    const sampled: Array<{ resident_id: string }> = await withTenant(a.tenant.id, (m) =>
      m.query(`select resident_id from delivery_recipient where run_id = any($1::uuid[])`, [
        sample.map((r) => r.id),
      ]),
    );
    const inSample = new Set(sampled.map((r) => r.resident_id));

    await superuser((c) =>
      c.query(`update delivery_ab_test set decide_at = now() - interval '1 second' where delivery_id = $1`, [
        id,
      ]),
    );
    const firedFor = (await admin.get(`/api/deliveries/${id}`)).body.abTests[0].firedFor as string;
    const decided = await decideAbTest({ tenantId: a.tenant.id, deliveryId: id, firedFor });
    expect(decided.outcome).toBe('decided');
    await waitForRuns(a.tenant.id, id, { count: 3 });
    await waitForMails(decided.restRunId!);
    // The segment's mailboxes (as above: L1's, and the shared one through S1, a subscriber who is
    // never in a LINE sample), but not L1's when L1 already had a variant on LINE.
    const expected = [S.S1!, ...(inSample.has(L.L1!) ? [] : [L.L1!])].sort();
    const rows = await emailRows(decided.restRunId!);
    expect(rows.map((r) => r.residentId).sort()).toEqual(expected);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const caught = mail.mails.filter((m) => m.subject === title);
    expect(caught).toHaveLength(expected.length);
    // The winner's words (without clicks A, unless nobody was sampled for A).
    const { winner } = (await admin.get(`/api/deliveries/${id}`)).body.abTests[0].decision;
    for (const m of caught)
      expect(m.text).toContain(winner === 'a' ? '清掃活動にご参加ください' : '【参加者募集】清掃活動');
  });

  it('the one-click unsubscribe of the List-Unsubscribe header stops a LINE friend’s mails', async () => {
    const toL1 = caughtWithIds(runMessageIds(runId, [L.L1!]))[0]!;
    const url = new URL(toL1.headers['list-unsubscribe']!.slice(1, -1));
    const res = await request(testApp())
      .post(url.pathname + url.search)
      .set('Host', 'localhost')
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ recipient: 'line', status: 'unsubscribed' });
    expect(await resident(L.L1!)).toMatchObject({ friend_status: 'friend', email: false });
    const audit: Array<{ detail: Record<string, unknown> }> = await withTenant(a.tenant.id, (m) =>
      m.query(
        `select detail from audit_log where action = 'mail_subscription.unsubscribed' and target_id = $1`,
        [L.L1],
      ),
    );
    expect(audit).toEqual([{ detail: { recipient: 'line', via: 'one-click' } }]);
  });

  async function firedRun(target: object): Promise<string> {
    const d = await admin.post('/api/deliveries', {
      title: `再送テスト ${randomUUID().slice(0, 8)}`,
      organisationId: a.orgs.ka,
      target,
      email: true,
      messages: [{ type: 'text', text: '再送のテストです' }],
    });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    const sent = await admin.post(`/api/deliveries/${d.body.id}/send`);
    expect(sent.status).toBe(202);
    // No worker runs now: the test plays the worker (fire, then the mail jobs).
    await fireDelivery({ tenantId: a.tenant.id, deliveryId: d.body.id, firedFor: sent.body.nextRunAt });
    const [run] = await withTenant(a.tenant.id, (m) =>
      m.query('select id from delivery_run where delivery_id = $1', [d.body.id]),
    );
    return (run as { id: string }).id;
  }

  it('a crashed or repeated job never sends a mail twice; a mail sent again keeps its Message-ID', async () => {
    await worker!.close();
    worker = undefined;
    await deliveryQueue().obliterate({ force: true });
    const run = await firedRun({ type: 'all' });
    // Everyone of A with a confirmed address now: L3 (l3b), the shared address (S1) and S2.
    const rows = await emailRows(run);
    expect(rows.map((r) => r.residentId).sort()).toEqual([L.L3!, S.S1!, S.S2!].sort());
    const ids = runMessageIds(run, [L.L3!, S.S1!, S.S2!]);

    // A worker claimed S2's row and died before sending: its lease still runs, nobody takes it.
    await withTenant(a.tenant.id, (m) =>
      m.query(
        `update delivery_email set status = 'sending', claim_token = $3, attempts = 1, next_attempt_at = now() + interval '2 minutes'
          where run_id = $1 and resident_id = $2`,
        [run, S.S2, randomUUID()],
      ),
    );
    expect(await sendEmailBatch({ tenantId: a.tenant.id, runId: run })).toMatchObject({ sent: 2 });
    expect(await sendEmailBatch({ tenantId: a.tenant.id, runId: run })).toEqual({
      sent: 0,
      failed: 0,
      skipped: 0,
      deferred: 0,
    });
    expect(caughtWithIds(ids)).toHaveLength(2);
    // The lease ran out: the row is resumed and its mail sent, once.
    await withTenant(a.tenant.id, (m) =>
      m.query(
        `update delivery_email set next_attempt_at = now() - interval '1 second' where run_id = $1 and resident_id = $2`,
        [run, S.S2],
      ),
    );
    expect(await sendEmailBatch({ tenantId: a.tenant.id, runId: run })).toMatchObject({ sent: 1 });
    expect(
      caughtWithIds(ids)
        .map((m) => m.messageId)
        .sort(),
    ).toEqual([...ids].sort());
    expect((await emailRows(run)).every((r) => r.status === 'sent')).toBe(true);

    // Two jobs on one run at the same time take different rows.
    const run2 = await firedRun({ type: 'all' });
    const ids2 = runMessageIds(run2, [L.L3!, S.S1!, S.S2!]);
    const [j1, j2] = await Promise.all([
      sendEmailBatch({ tenantId: a.tenant.id, runId: run2 }),
      sendEmailBatch({ tenantId: a.tenant.id, runId: run2 }),
    ]);
    expect(j1!.sent + j2!.sent).toBe(3);
    expect(caughtWithIds(ids2)).toHaveLength(3);
    expect(new Set(caughtWithIds(ids2).map((m) => m.envelopeTo[0])).size).toBe(3);

    // A worker died after the SMTP server accepted a mail, before marking it: the mail sent again
    // carries the same Message-ID, so mail programs show it once.
    await withTenant(a.tenant.id, (m) =>
      m.query(
        `update delivery_email set status = 'sending', sent_at = null, claim_token = $3, next_attempt_at = now() - interval '1 second'
          where run_id = $1 and resident_id = $2`,
        [run2, S.S2, randomUUID()],
      ),
    );
    await sendEmailBatch({ tenantId: a.tenant.id, runId: run2 });
    const copies = mail.mails.filter((m) => m.messageId === deliveryMessageId(run2, S.S2!));
    expect(copies).toHaveLength(2);
    expect(copies[0]!.messageId).toBe(copies[1]!.messageId);
  });

  it('SMTP trouble: temporary failures are retried later, a 5xx answer fails the mail for good', async () => {
    const run = await firedRun({ type: 'segment', segmentId });
    expect((await emailRows(run)).map((r) => r.residentId)).toEqual([S.S1]);
    // Nothing listens there: a temporary failure.
    smtpConfig('smtp://127.0.0.1:9');
    expect(await sendEmailBatch({ tenantId: a.tenant.id, runId: run })).toMatchObject({
      sent: 0,
      deferred: 1,
    });
    const [deferred] = await emailRows(run);
    expect(deferred).toMatchObject({
      status: 'created',
      attempts: 1,
      later: true,
      error: 'メールサーバーに接続できなかったため再送します',
    });
    // The relay refuses the mailbox: permanent.
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, done) {
        done(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const port = (refusing as unknown as { server: { address(): AddressInfo } }).server.address().port;
    smtpConfig(`smtp://127.0.0.1:${port}`);
    try {
      await withTenant(a.tenant.id, (m) =>
        m.query(`update delivery_email set next_attempt_at = now() where run_id = $1`, [run]),
      );
      expect(await sendEmailBatch({ tenantId: a.tenant.id, runId: run })).toMatchObject({ failed: 1 });
      const [failed] = await emailRows(run);
      expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
      expect(failed!.error).toBe(
        'メールサーバーが受け取りを拒否しました（550）。アドレスが存在しないか、受信が制限されています',
      );
      expect(failed!.error).not.toContain('@');
    } finally {
      // The pooled connection to the refusing server is closed first, or its close waits for it.
      smtpConfig(`smtp://127.0.0.1:${mail.smtpPort}`);
      await new Promise<void>((r) => refusing.close(() => r()));
    }
    worker = await startDeliveryWorker({ concurrency: 4, sweepIntervalMs: 3_600_000 });
  });

  it('a test send goes by e-mail only to testers with a confirmed address', async () => {
    await withTenant(a.tenant.id, (m) =>
      m.query('update resident set is_tester = true where id = any($1::uuid[])', [[S.S2, L.L3, L.L4]]),
    );
    const res = await admin.post(`/api/deliveries/${deliveryId}/test-send`, { via: 'testers' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const test = res.body.runId as string;
    await waitForRuns(a.tenant.id, deliveryId, { count: 2 });
    await waitForMails(test);
    const rows = await emailRows(test);
    // S2 and L3 (l3b); L4 is a tester without a confirmed address, S1 is no tester.
    expect(rows.map((r) => r.residentId).sort()).toEqual([L.L3!, S.S2!].sort());
    const caught = caughtWithIds(runMessageIds(test, [L.L3!, S.S2!]));
    expect(caught.map((m) => m.subject)).toEqual([
      '【テスト配信】北部の収集日変更のお知らせ',
      '【テスト配信】北部の収集日変更のお知らせ',
    ]);
  });

  it('tenants are isolated: links, counts and subscribers of one city mean nothing in another', async () => {
    const bApi = `/api/t/${b.tenant.slug}/mail-subscription`;
    expect((await api().get(`${bApi}/manage`, manageTokens.S1)).status).toBe(404);
    expect((await api().post(`${bApi}/unsubscribe`, {}, manageTokens.S1)).status).toBe(404);
    expect(await resident(S.S1!)).toMatchObject({ friend_status: 'friend', confirmed: true });
    const [first] = await mailsTo(SHARED, { subject: /メール配信の登録確認$/ });
    expect((await api().post(`${bApi}/confirm`, { token: tokenIn(first!, 'confirm') })).status).toBe(410);
    const audience = await adminB.post('/api/deliveries/audience', { target: { type: 'all' } });
    expect(audience.body.email).toEqual({ recipients: 0 });
    // The same address signs up with B: a subscriber of B's own, confirmed by its own link.
    expect((await signUp(SHARED, FORM, { t: b })).status).toBe(202);
    const [mb] = await mailsTo(SHARED, {
      subject: new RegExp(`^【${b.tenant.nameJa}】メール配信の登録確認$`),
    });
    expect((await api().post(`${bApi}/confirm`, { token: tokenIn(mb!, 'confirm') })).body.result).toBe(
      'subscribed',
    );
    expect(await subscriberId(SHARED, b)).not.toBe(S.S1);
    expect((await adminB.post('/api/deliveries/audience', { target: { type: 'all' } })).body.email).toEqual({
      recipients: 1,
    });
    expect(
      await withTenant(b.tenant.id, (m) => m.query('select id from resident where id = $1', [S.S1])),
    ).toEqual([]);
  });

  it('sign-ups are limited per address and per IP, with the same answer for known and new addresses', async () => {
    const who = addr(`limit-${randomUUID().slice(0, 6)}`);
    for (let i = 0; i < SIGNUP_LIMITS.perAddress; i++)
      expect((await signUp(who, FORM, { ip: `198.51.100.${i + 1}` })).status).toBe(202);
    const refused = await signUp(who, FORM, { ip: '198.51.100.99' });
    expect(refused.status).toBe(429);
    expect(refused.body.title).toBe('短い時間に何度も送信されたため、受け付けを一時停止しています');
    expect(refused.headers['retry-after']).toBe('600');
    // A known, confirmed address is limited the same way (the answer tells nothing).
    for (let i = 0; i < SIGNUP_LIMITS.perAddress - 1; i++)
      expect((await signUp(addr('s2'), FORM, { ip: '198.51.100.120' })).status).toBe(202);
    expect((await signUp(addr('s2'), FORM, { ip: '198.51.100.121' })).status).toBe(429);

    const ip = '192.0.2.77';
    for (let i = 0; i < SIGNUP_LIMITS.perIp; i++)
      expect((await signUp(addr(`ip-${i}-${randomUUID().slice(0, 4)}`), FORM, { ip })).status).toBe(202);
    expect((await signUp(addr('ip-last'), FORM, { ip })).status).toBe(429);
    expect(await subscriberId(addr('ip-last'))).toBeUndefined();
  });

  it('the 「メールでも配信する」 flag is validated, carried by copies and audited', async () => {
    const bad = await admin.post('/api/deliveries', {
      title: 'x',
      organisationId: a.orgs.ka,
      email: 'yes',
      messages: [{ type: 'text', text: 'x' }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toContainEqual({
      path: 'email',
      message: 'メールでも配信するかどうかは true か false で指定してください',
    });
    const copy = await admin.post(`/api/deliveries/${deliveryId}/copy`);
    expect(copy.status).toBe(201);
    expect(copy.body.email).toBe(true);
    const off = await admin.patch(`/api/deliveries/${copy.body.id}`, { email: false });
    expect(off.body.email).toBe(false);
    const audit: Array<{ action: string; detail: Record<string, unknown> }> = await withTenant(
      a.tenant.id,
      (m) =>
        m.query(`select action, detail from audit_log where target_id = $1 order by seq`, [copy.body.id]),
    );
    expect(audit.map((x) => [x.action, x.detail.email])).toEqual([
      ['delivery.copy', true],
      ['delivery.update', false],
    ]);
    // Without an SMTP server the flag is refused where staff set it, with what to do.
    smtpConfig(undefined);
    try {
      const noSmtp = await admin.patch(`/api/deliveries/${copy.body.id}`, { email: true });
      expect(noSmtp.status).toBe(422);
      expect(noSmtp.body.errors[0].message).toMatch(/^メールの送信設定がないため、メールでは配信できません/);
      expect((await api().get(base())).status).toBe(404);
    } finally {
      smtpConfig(`smtp://127.0.0.1:${mail.smtpPort}`);
    }
  });

  it('the sweeper resumes confirmation mails left unsent and removes sign-ups never confirmed', async () => {
    const { sweepEmail } = await import('../src/modules/delivery/delivery-email.js');
    // S3 signed up 8 days ago and never confirmed; its link expired.
    await withTenant(a.tenant.id, (m) =>
      m.query(`update resident set created_at = now() - interval '8 days' where id = $1;`, [S.S3]),
    );
    await withTenant(a.tenant.id, (m) =>
      m.query(`update mail_confirmation set expires_at = now() - interval '1 day' where resident_id = $1`, [
        S.S3,
      ]),
    );
    // A confirmation whose job was lost (Redis down when the address was saved).
    const { insertConfirmation } = await import('../src/modules/mail-subscription/confirmation.js');
    await withTenant(a.tenant.id, async (m) => {
      const id = await insertConfirmation(m, a.tenant.id, {
        residentId: L.L4!,
        purpose: 'address',
        emailHash: emailLookupHash(a.tenant.id, addr('l4')),
      });
      await m.query(
        `update mail_confirmation set next_attempt_at = now() - interval '1 minute' where id = $1`,
        [id],
      );
    });
    const before = mail.mails.filter((m) => m.envelopeTo.includes(addr('l4'))).length;
    // A run's mail left waiting (its job was lost too).
    await withTenant(a.tenant.id, (m) =>
      m.query(
        `update delivery_email set status = 'created', sent_at = null, next_attempt_at = now() - interval '1 minute'
          where run_id = $1 and resident_id = $2`,
        [runId, S.S1],
      ),
    );
    const sentBefore = mail.mails.filter((m) => m.messageId === deliveryMessageId(runId, S.S1!)).length;
    const report = await sweepEmail();
    expect(report).toMatchObject({ runs: 1, confirmations: 1 });
    expect(report.removedSignups).toBeGreaterThanOrEqual(1);
    expect(await subscriberId(addr('s3'))).toBeUndefined();
    expect(await subscriberId(addr('s2'))).toBe(S.S2);
    await mailsTo(addr('l4'), { count: before + 1, subject: /メールアドレスの確認$/ });
    await waitForMails(runId);
    expect(mail.mails.filter((m) => m.messageId === deliveryMessageId(runId, S.S1!))).toHaveLength(
      sentBefore + 1,
    );
  });
});
