import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

const BASE = new URL(process.env.E2E_BASE ?? 'http://localhost:3000');
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
// The talk view on localhost, as staff open it.
const TALK = LINE.replace('//127.0.0.1', '//localhost');
const ADMIN = `${BASE.protocol}//akaiwa.admin.localhost${BASE.port ? `:${BASE.port}` : ''}`;
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../screenshots');

async function emulator<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${LINE}/_emulator${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Calls the staff API from a page on Akaiwa's console origin (its session cookie and CSRF token). */
async function api<T = Record<string, unknown>>(
  page: Page,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, p, body }) => {
      const s = await fetch('/api/auth/session', { credentials: 'same-origin' });
      const csrf = ((await s.json()) as { csrfToken: string }).csrfToken;
      const res = await fetch(p, {
        method,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    { method, p, body },
  );
}

/**
 * A resident taps a link of a delivery in LINE (the emulator's talk view): the tracking link opens
 * in the in-app browser, LIFF identifies the friend, the click is recorded for that resident and
 * the page goes on to the link's real destination; staff then see the click in the run's results.
 */
describe('a delivery’s link tapped in LINE', () => {
  let browser: Browser;
  let channelId: string;
  let trackingLink = '';

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--headless',
      ],
    });
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/akaiwa/test'))!.channelId;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('is counted for the resident identified by LIFF, then opens the real page', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // Staff send a delivery with a link to every friend of the test account.
    const staff = await browser.newPage({ locale: 'ja-JP' });
    await staff.goto(`${ADMIN}/api/context`);
    const credentials = {
      loginId: process.env.E2E_ADMIN_LOGIN ?? 'admin',
      password: process.env.E2E_ADMIN_PASSWORD ?? 'Akaiwa-demo-2026',
    };
    const login = await staff.evaluate(async (credentials) => {
      const s = await fetch('/api/auth/session');
      const csrf = ((await s.json()) as { csrfToken: string }).csrfToken;
      const res = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(credentials),
      });
      return res.status;
    }, credentials);
    expect(login).toBe(200);
    const orgs = await api<{ items: Array<{ id: string }> }>(staff, 'GET', '/api/organisations');
    const friends = async () =>
      (
        await api<{ reachable: number }>(staff, 'POST', '/api/deliveries/audience', {
          channel: 'test',
          target: { type: 'all' },
        })
      ).body.reachable;
    const before = await friends();
    // A new friend of Akaiwa's test account (the follow webhook makes them a resident).
    const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
      displayName: '赤磐 次郎',
    });
    await emulator('POST', `/channels/${channelId}/select`, { userId: user.userId });

    // Akaiwa's resident pages as its test account opens them (the test channel's LIFF app).
    const destination = `${BASE.origin}/t/akaiwa/?channel=test`;
    const created = await api<{ id: string }>(staff, 'POST', '/api/deliveries', {
      title: 'E2E 健診のご案内（リンク計測）',
      organisationId: orgs.body.items[0]!.id,
      channel: 'test',
      target: { type: 'all' },
      messages: [
        {
          type: 'template',
          altText: '健診のご案内',
          template: {
            type: 'buttons',
            text: '今年の特定健診の予約が始まりました',
            actions: [{ type: 'uri', label: '詳しく見る', uri: destination }],
          },
        },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // The friend must be a resident (follow webhook processed) before the run takes its snapshot.
    await expect.poll(friends, { timeout: 20_000 }).toBeGreaterThan(before);
    expect((await api(staff, 'POST', `/api/deliveries/${created.body.id}/send`)).status).toBe(202);
    await expect
      .poll(
        async () =>
          (await api<{ runs: Array<{ status: string }> }>(staff, 'GET', `/api/deliveries/${created.body.id}`))
            .body.runs[0]?.status,
        { timeout: 30_000 },
      )
      .toBe('sent');

    // The friend taps the button in the talk; the in-app browser opens the tracking link.
    const talk = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'ja-JP' });
    await talk.goto(`${TALK}/?channel=${channelId}&user=${user.userId}`);
    const button = talk.getByRole('button', { name: '詳しく見る' }).last();
    await button.waitFor({ timeout: 20_000 });
    await button.click();
    await talk.locator('#browser').waitFor({ state: 'visible' });
    const opened = (await talk.locator('#browser-external').getAttribute('href'))!;
    expect(opened).toMatch(new RegExp(`^${BASE.origin}/t/akaiwa/r/[A-Za-z0-9]{10}/1$`));
    trackingLink = opened;
    // …and arrives at the real page (Akaiwa's resident pages), signed in by LIFF there too.
    const pane = talk.frameLocator('#browser-frame');
    onTestFailed(async () => {
      console.warn(
        'in-app browser at',
        talk.frames().map((f) => f.url()),
      );
      await talk.screenshot({ path: path.join(SCREENSHOTS, 'resident-delivery-link-failure.png') });
    });
    await expect
      .poll(() => pane.locator('.resident-status').textContent(), { timeout: 20_000 })
      .toBe('赤磐 次郎さん、こんにちは');
    await talk.screenshot({ path: path.join(SCREENSHOTS, 'resident-delivery-link-opened.png') });

    // Staff see one click, by one identified resident, on that link.
    await expect
      .poll(
        async () =>
          (
            await api<{ runs: Array<{ results: { clicks: Record<string, unknown> } }> }>(
              staff,
              'GET',
              `/api/deliveries/${created.body.id}`,
            )
          ).body.runs[0]!.results.clicks,
        { timeout: 10_000 },
      )
      .toMatchObject({
        total: 1,
        uniqueResidents: 1,
        links: [{ url: destination, total: 1, uniqueResidents: 1 }],
      });
  });

  it('without JavaScript the link’s page goes on by itself (its no-script fallback)', async () => {
    expect(trackingLink).not.toBe('');
    const context = await browser.newContext({
      javaScriptEnabled: false,
      locale: 'ja-JP',
      viewport: { width: 390, height: 760 },
    });
    const page = await context.newPage();
    // Answer the fallback with "204 No Content", so the browser stays on the page to be looked at.
    const fallback: string[] = [];
    await page.route('**/go?**', (route) => {
      fallback.push(route.request().url());
      return route.fulfill({ status: 204 });
    });
    await page.goto(trackingLink);
    await expect.poll(() => fallback.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(fallback[0]).toMatch(new RegExp(`^${trackingLink}/go\\?v=`));
    expect(await page.locator('h1').textContent()).toBe('リンク先を開いています');
    await expect.poll(() => page.getByRole('link', { name: 'リンク先を開く' }).count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'resident-delivery-link-page.png') });
    await context.close();
  });

  it('a wrong or outdated link shows a Japanese page and goes nowhere', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 760 }, locale: 'ja-JP' });
    const res = await page.goto(`${BASE.origin}/t/akaiwa/r/AAAAAAAAAA/1`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('リンクが見つかりません');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'resident-delivery-link-not-found.png') });
  });
});
