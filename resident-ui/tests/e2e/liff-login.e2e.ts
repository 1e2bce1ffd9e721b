import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BASE = process.env.E2E_BASE ?? 'http://localhost:3000';
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
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

/**
 * The resident's main path: a friend of Akaiwa's test account opens the city's LIFF page and
 * arrives signed in, with LINE's ID token verified by our server (here: by the LINE emulator's
 * LINE Login, exactly as with LINE).
 */
describe('resident pages opened from LINE', () => {
  let browser: Browser;
  let akaiwaChannel: string;

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
    akaiwaChannel = channels.find((c) => c.webhookUrl?.includes('/webhook/akaiwa/test'))!.channelId;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a friend opening Akaiwa’s LIFF page arrives signed in as that resident', async () => {
    const user = await emulator<{ userId: string }>('POST', `/channels/${akaiwaChannel}/users`, {
      displayName: '赤磐 一郎',
    });
    await emulator('POST', `/channels/${akaiwaChannel}/select`, { userId: user.userId });
    const page = await browser.newPage({ viewport: { width: 390, height: 760 }, locale: 'ja-JP' });
    await page.goto(`${BASE}/t/akaiwa/?channel=test`);
    await expect
      .poll(() => page.locator('.resident-status').textContent(), { timeout: 20_000 })
      .toBe('赤磐 一郎さん、こんにちは');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'resident-liff-signed-in.png') });
  });

  it('a page opened outside LINE shows the city’s information without signing in', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 760 }, locale: 'ja-JP' });
    await page.goto(`${BASE}/t/toyonaka/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('豊中市のご案内');
    expect(await page.locator('.resident-status').count()).toBe(0);
  });
});
