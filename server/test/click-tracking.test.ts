import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, setConfig, type Config } from '../src/platform/config/config.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import type { LineMessage } from '../src/platform/line/messages.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { createDelivery, scheduleDelivery } from '../src/modules/delivery/delivery.service.js';
import { startDeliveryWorker, type DeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import { checkViewToken, newViewToken } from '../src/modules/delivery/click-tracking.routes.js';
import { AdminClient, createStaff, createTestTenant, testApp, type TestTenant } from './helpers.js';
import {
  addResidents,
  createLineFriends,
  freshChannelId,
  startLine,
  systemActor,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.9.0';
const PREVIEWER = 'facebookexternalhit/1.1;line-poker/1.0';

/**
 * Click tracking (DEL-8) through the LINE emulator: what LINE receives carries tracking links in
 * every message type, the links redirect only to the run's recorded URLs, clickers are identified
 * by LIFF ID tokens (verified at the emulator's LINE Login) or a resident session, anonymous clicks
 * are counted apart, and previews, prefetches and double taps are not counted twice.
 */
describe('delivery click tracking', () => {
  const PROD = freshChannelId();
  const LOGIN = freshChannelId();
  let line: LineFixture;
  let worker: DeliveryWorker;
  let t: TestTenant;
  let other: TestTenant;
  let staff: AdminClient;
  let users: string[] = [];
  let residentIds: string[] = [];
  let stranger = '';
  let strangerId = '';
  let deliveryId = '';
  let runId = '';
  let code = '';
  const original: Config = config();

  const messages: LineMessage[] = [
    {
      type: 'text',
      text: '$ 特定健診のご案内 https://www.city.example.jp/kenshin 予約 https://yoyaku.example.jp/ (LIFF https://liff.line.me/2000000001-abcd)',
      emojis: [{ index: 0, productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' }],
    },
    {
      type: 'template',
      altText: '予約',
      template: {
        type: 'buttons',
        text: '予約はこちら',
        actions: [
          { type: 'uri', label: '予約する', uri: 'https://yoyaku.example.jp/' },
          { type: 'uri', label: '電話', uri: 'tel:0869000000' },
        ],
      },
    },
    {
      type: 'imagemap',
      baseUrl: 'https://img.example.jp/map',
      altText: '地図',
      baseSize: { width: 1040, height: 1040 },
      actions: [
        { type: 'uri', linkUri: 'https://map.example.jp/', area: { x: 0, y: 0, width: 1040, height: 1040 } },
      ],
    },
    {
      type: 'flex',
      altText: '申込',
      contents: {
        type: 'bubble',
        body: {
          type: 'box',
          layout: 'vertical',
          contents: [
            {
              type: 'button',
              action: { type: 'uri', label: '申し込む', uri: 'https://form.example.jp/apply?x=1' },
            },
          ],
        },
      },
      quickReply: {
        items: [
          { type: 'action', action: { type: 'uri', label: 'サイト', uri: 'https://www.city.example.jp/' } },
        ],
      },
    },
  ];
  const URLS = [
    'https://www.city.example.jp/kenshin',
    'https://yoyaku.example.jp/',
    'https://map.example.jp/',
    'https://form.example.jp/apply?x=1',
    'https://www.city.example.jp/',
  ];

  const app = () => request(testApp());
  const path = (n: number | string, slug = t.tenant.slug, c = code) => `/t/${slug}/r/${c}/${n}`;
  const open = (p: string, ua = PHONE) => app().get(p).set('Host', 'localhost').set('User-Agent', ua);
  const clicks = () =>
    withTenant(t.tenant.id, (m) =>
      m.query(
        `select n, resident_id as "residentId", via from delivery_click
          where run_id = $1 order by clicked_at, n`,
        [runId],
      ),
    ) as Promise<Array<{ n: number; residentId: string | null; via: string }>>;
  const viewToken = (html: string) =>
    JSON.parse(/id="tsunagu-click">(.*?)<\/script>/.exec(html)![1]!).v as string;

  /** An ID token from the emulator's LINE Login, as LIFF would get it for this user. */
  async function idTokenFor(userId: string): Promise<string> {
    const redirect = 'http://localhost/cb';
    const a = await fetch(
      `${line.emu.url}/oauth2/v2.1/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: LOGIN,
        redirect_uri: redirect,
        scope: 'openid profile',
        state: 's',
        user_id: userId,
      })}`,
      { redirect: 'manual' },
    );
    const authCode = new URL(a.headers.get('location')!).searchParams.get('code')!;
    const tok = await fetch(`${line.emu.url}/oauth2/v2.1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: authCode,
        redirect_uri: redirect,
        client_id: LOGIN,
      }),
    });
    return ((await tok.json()) as { id_token: string }).id_token;
  }

  const postClick = (n: number, body: Record<string, unknown>, ua = PHONE) =>
    app()
      .post(`${path(n)}/click`)
      .set('Host', 'localhost')
      .set('User-Agent', ua)
      .set('X-Requested-With', 'tsunagu')
      .send(body);

  beforeAll(async () => {
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    await line.admin('POST', '/channels', {
      channelId: PROD,
      loginChannelId: LOGIN,
      liffApps: [{ liffId: `${LOGIN}-clicks`, url: 'http://localhost:3000/t/x/' }],
    });
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    // ID tokens are verified at the emulator's LINE Login, as at LINE's.
    setConfig({ ...original, LINE_API_BASE_URL: line.emu.url, PUBLIC_ORIGIN: 'https://tsunagu.example' });
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('ck', ['ka']);
    other = await createTestTenant('co', ['ka']);
    await withTenant(t.tenant.id, (m) =>
      saveChannel(m, t.tenant.id, 'production', {
        channelId: PROD,
        channelSecret: `secret-${PROD}`,
        accessToken: `token-${PROD}`,
        botUserId: null,
        loginChannelId: LOGIN,
        liffId: `${LOGIN}-clicks`,
        forwardUrl: null,
      }),
    );
    users = await createLineFriends(line, PROD, 4);
    residentIds = await addResidents(t.tenant.id, 'production', users);
    const s = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.ka!],
      featuresAllow: ['delivery'],
    });
    staff = AdminClient.forTenant(t.tenant);
    expect((await staff.login(s.loginId)).status).toBe(200);
    worker = await startDeliveryWorker({
      concurrency: 4,
      sweepIntervalMs: 3_600_000,
      resultsSweepIntervalMs: 3_600_000,
    });

    const d = await withTenant(t.tenant.id, (m) =>
      createDelivery(
        m,
        t.tenant.id,
        {
          title: '健診のご案内',
          organisationId: t.orgs.ka!,
          channel: 'production',
          target: { type: 'all' },
          messages,
        },
        systemActor,
      ),
    );
    deliveryId = d.id;
    await scheduleDelivery(t.tenant.id, d.id, { kind: 'immediate' }, systemActor);
    const [run] = await waitForRuns(t.tenant.id, d.id);
    expect(run!.status).toBe('sent');
    runId = run!.id;
    code = (
      await withTenant(t.tenant.id, (m) =>
        m.query('select click_code from delivery_run where id = $1', [runId]),
      )
    )[0].click_code;
    // A friend who became a resident after the run: not one of its recipients.
    stranger = (await createLineFriends(line, PROD, 1))[0]!;
    strangerId = (await addResidents(t.tenant.id, 'production', [stranger]))[0]!;
  });

  afterAll(async () => {
    await worker?.close();
    await closeDeliveryQueue();
    setConfig(original);
    setLineConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('LINE receives tracking links in text, template, imagemap, Flex and quick reply; the delivery keeps its URLs', async () => {
    expect(code).toMatch(/^[A-Za-z0-9]{10}$/);
    const links = await withTenant(t.tenant.id, (m) =>
      m.query('select n, url from delivery_link where run_id = $1 order by n', [runId]),
    );
    expect(links).toEqual(URLS.map((url, i) => ({ n: i + 1, url })));

    const talk = await line.admin<{ messages: Array<{ message: Record<string, never> }> }>(
      'GET',
      `/channels/${PROD}/users/${users[0]}/messages?from=bot`,
    );
    const got = talk.messages.map((x) => x.message);
    const link = (n: number) => `https://tsunagu.example/t/${t.tenant.slug}/r/${code}/${n}`;
    expect(got).toHaveLength(4);
    const text = got[0] as unknown as { text: string; emojis: Array<{ index: number }> };
    expect(text.text).toBe(
      `$ 特定健診のご案内 ${link(1)} 予約 ${link(2)} (LIFF https://liff.line.me/2000000001-abcd)`,
    );
    expect(text.emojis[0]!.index).toBe(0);
    expect(got[1]).toMatchObject({
      template: { actions: [{ uri: link(2) }, { uri: 'tel:0869000000' }] },
    });
    expect(got[2]).toMatchObject({ baseUrl: 'https://img.example.jp/map', actions: [{ linkUri: link(3) }] });
    expect(got[3]).toMatchObject({
      contents: { body: { contents: [{ action: { uri: link(4) } }] } },
      quickReply: { items: [{ action: { uri: link(5) } }] },
    });
    // No message LINE received contains an original URL or anything about the recipient.
    const json = JSON.stringify(got);
    for (const url of URLS) expect(json).not.toContain(`"${url}"`);
    for (const u of users) expect(json).not.toContain(u);

    const detail = await staff.get(`/api/deliveries/${deliveryId}`);
    expect(detail.body.messages).toEqual(messages);
  });

  it('redirects only to the run’s recorded URLs: unknown codes, numbers and other cities answer 404', async () => {
    const bot = await open(path(2), PREVIEWER);
    expect(bot.status).toBe(302);
    expect(bot.headers.location).toBe('https://yoyaku.example.jp/');
    expect(bot.headers['cache-control']).toBe('no-store');

    for (const p of [
      path(9),
      path(0),
      path('1x'),
      path(1, t.tenant.slug, 'AAAAAAAAAA'),
      path(1, other.tenant.slug),
      path(1, 'nosuchcity'),
    ]) {
      const res = await open(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.location, p).toBeUndefined();
      expect(res.text).toContain('リンクが見つかりません');
    }
    // A query string never chooses the destination.
    const withQuery = await open(`${path(3)}?url=https://evil.example/`, PREVIEWER);
    expect(withQuery.headers.location).toBe('https://map.example.jp/');
    const goWithQuery = await open(`${path(3)}/go?url=https://evil.example/&v=x`);
    expect(goWithQuery.headers.location).toBe('https://map.example.jp/');
    // The admin consoles do not serve tracking links.
    const admin = await app()
      .get(path(1))
      .set('Host', `${t.tenant.adminSubdomain}.admin.localhost`)
      .set('User-Agent', PHONE);
    expect(admin.headers.location).toBeUndefined();
    expect(await clicks()).toEqual([]);
  });

  it('a page view without a session is counted once, anonymously, by its no-script fallback; previews and prefetches are not counted', async () => {
    const page = await open(path(1));
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<html lang="ja">');
    expect(page.text).toContain('リンク先を開く');
    expect(page.text).toContain('移動先: https://www.city.example.jp/kenshin');
    const v = viewToken(page.text);
    const go = `${path(1)}/go?v=${encodeURIComponent(v)}`;
    expect(page.text).toContain(
      `<noscript><meta http-equiv="refresh" content="0;url=${go.replaceAll('&', '&amp;')}"></noscript>`,
    );
    expect(page.text).toContain(`"liffId":"${LOGIN}-clicks"`);
    expect(await clicks()).toEqual([]);

    // Link previews follow the page's fallback link: redirected, not counted.
    expect((await open(go, PREVIEWER)).status).toBe(302);
    // A prefetch of the tracking link sees the page only.
    const prefetch = await open(path(1)).set('Sec-Purpose', 'prefetch');
    expect(prefetch.status).toBe(200);
    expect(await clicks()).toEqual([]);

    const first = await open(go);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('https://www.city.example.jp/kenshin');
    // No cookie of ours identifies the browser.
    expect(first.headers['set-cookie']).toBeUndefined();
    // The same view again (reload of the redirect, or script and fallback both): not counted again.
    expect((await open(go)).status).toBe(302);
    // A forged or foreign token redirects but records nothing.
    expect((await open(`${path(1)}/go?v=abc.99999999999.AAAA`)).headers.location).toBe(
      'https://www.city.example.jp/kenshin',
    );
    expect((await open(`${path(2)}/go?v=${encodeURIComponent(v)}`)).headers.location).toBe(
      'https://yoyaku.example.jp/',
    );
    expect(await clicks()).toEqual([{ n: 1, residentId: null, via: 'anonymous' }]);

    // Another page view, another link: another click.
    const again = await open(path(5));
    const v2 = viewToken(again.text);
    await open(`${path(5)}/go?v=${encodeURIComponent(v2)}`);
    expect((await clicks()).at(-1)).toEqual({ n: 5, residentId: null, via: 'anonymous' });
  });

  it('identifies a recipient by the LIFF ID token the page sends; a double tap is one click; non-recipients are anonymous', async () => {
    const before = (await clicks()).length;
    const v = viewToken((await open(path(2))).text);
    const res = await postClick(2, { v, idToken: await idTokenFor(users[0]!) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ location: 'https://yoyaku.example.jp/' });
    // The fallback of the same view arriving too: still one click.
    await open(`${path(2)}/go?v=${encodeURIComponent(v)}`);
    // Tapped again at once: the same click.
    const v2 = viewToken((await open(path(2))).text);
    await postClick(2, { v: v2, idToken: await idTokenFor(users[0]!) });
    // Another recipient, the same link.
    const v3 = viewToken((await open(path(2))).text);
    await postClick(2, { v: v3, idToken: await idTokenFor(users[1]!) });
    // A resident of the city who did not receive this run (a forwarded message): anonymous.
    const v4 = viewToken((await open(path(2))).text);
    await postClick(2, { v: v4, idToken: await idTokenFor(stranger) });
    // An ID token LINE does not confirm (tampered): anonymous.
    const v5 = viewToken((await open(path(2))).text);
    const forged = (await idTokenFor(users[2]!)).replace(/.{4}$/, 'AAAA');
    await postClick(2, { v: v5, idToken: forged });
    // Without our header (a cross-site form): nothing recorded.
    const v6 = viewToken((await open(path(2))).text);
    const crossSite = await app()
      .post(`${path(2)}/click`)
      .set('Host', 'localhost')
      .set('User-Agent', PHONE)
      .send({ v: v6, idToken: await idTokenFor(users[3]!) });
    expect(crossSite.body).toEqual({ location: 'https://yoyaku.example.jp/' });

    const added = (await clicks()).slice(before);
    expect(added).toEqual([
      { n: 2, residentId: residentIds[0], via: 'liff' },
      { n: 2, residentId: residentIds[1], via: 'liff' },
      { n: 2, residentId: null, via: 'anonymous' },
      { n: 2, residentId: null, via: 'anonymous' },
    ]);
    expect(added.map((c) => c.residentId)).not.toContain(strangerId);
  });

  it('a resident session of the city (LIFF pages) is recognised at once with a 302; not on prefetch or HEAD', async () => {
    const agent = request.agent(testApp());
    const login = await agent
      .post(`/api/t/${t.tenant.slug}/session`)
      .set('Host', 'localhost')
      .set('X-Requested-With', 'tsunagu')
      .send({ idToken: await idTokenFor(users[2]!) });
    expect(login.status).toBe(200);
    const before = (await clicks()).length;
    expect((await agent.head(path(3)).set('Host', 'localhost').set('User-Agent', PHONE)).status).toBe(200);
    expect(
      (
        await agent
          .get(path(3))
          .set('Host', 'localhost')
          .set('User-Agent', PHONE)
          .set('Sec-Purpose', 'prefetch')
      ).status,
    ).toBe(200);
    expect((await clicks()).length).toBe(before);
    const res = await agent.get(path(3)).set('Host', 'localhost').set('User-Agent', PHONE);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://map.example.jp/');
    expect((await clicks()).slice(before)).toEqual([{ n: 3, residentId: residentIds[2], via: 'session' }]);
    // A session of another city is not this city's resident: the page, not a redirect.
    const elsewhere = await agent
      .get(path(1, other.tenant.slug))
      .set('Host', 'localhost')
      .set('User-Agent', PHONE);
    expect(elsewhere.status).toBe(404);
  });

  it('staff see the clicks per link in the run’s results', async () => {
    const detail = await staff.get(`/api/deliveries/${deliveryId}`);
    const clicksResult = detail.body.runs[0].results.clicks;
    expect(clicksResult.links).toEqual([
      { url: URLS[0], total: 1, uniqueResidents: 0 },
      { url: URLS[1], total: 4, uniqueResidents: 2 },
      { url: URLS[2], total: 1, uniqueResidents: 1 },
      { url: URLS[3], total: 0, uniqueResidents: 0 },
      { url: URLS[4], total: 1, uniqueResidents: 0 },
    ]);
    expect(clicksResult.total).toBe(7);
    expect(clicksResult.uniqueResidents).toBe(3);
    // The share of recipients identified as clickers: 3 of 4 (anonymous clicks are in the total only).
    expect(clicksResult.rate).toBe(0.75);
  });

  it('view tokens are bound to their run and link and expire', () => {
    const v = newViewToken(t.tenant.id, runId, 1);
    expect(checkViewToken(v, t.tenant.id, runId, 1)).toBe(true);
    expect(checkViewToken(v, t.tenant.id, runId, 2)).toBe(false);
    expect(checkViewToken(v, other.tenant.id, runId, 1)).toBe(false);
    expect(
      checkViewToken(newViewToken(t.tenant.id, runId, 1, Date.now() - 16 * 60_000), t.tenant.id, runId, 1),
    ).toBe(false);
  });
});
