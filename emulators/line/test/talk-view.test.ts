import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/app.js';
import { DEMO, seedDemo } from '../scripts/demo-data.js';
import { admin, receiver, start } from './helpers.js';

/** The talk view's main path in Debian's chromium (skipped where chromium is not installed). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('talk view in chromium', () => {
  let emu: RunningEmulator;
  let browser: Browser;
  let page: Page;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let userId: string;

  beforeAll(async () => {
    hook = await receiver();
    emu = await start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--headless',
      ],
    });
    ({ userId } = await seedDemo(emu, browser));
    await admin(emu, 'POST', '/channels', { channelId: DEMO.channelId, webhookUrl: hook.url });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    await page.goto(`${emu.url}/?channel=${DEMO.channelId}&user=${userId}`);
    await page.getByText('お問い合わせの種類を選んでください。').waitFor();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
    await hook?.close();
  });

  const lastEvent = () => hook.events().at(-1) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(check()).toBe(true);
  };

  it('renders templates, Flex and quick replies', async () => {
    await expect(page.getByRole('button', { name: '予約ページを開く' }).count()).resolves.toBe(1);
    await expect(page.getByText('今週のごみ収集').count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: '分別を調べる' }).count()).resolves.toBe(1);
    await expect(page.locator('.chip').allTextContents()).resolves.toEqual([
      'ごみ',
      '子育て',
      '位置情報',
      'カメラ',
    ]);
  });

  it('a quick reply sends a text message webhook', async () => {
    await page.locator('.chip', { hasText: '子育て' }).click();
    await until(() => lastEvent()?.message?.text === '子育て');
    expect(lastEvent().source.userId).toBe(userId);
  });

  it('a tab switches the menu on the client and sends the postback', async () => {
    await page.getByRole('button', { name: '防災' }).click();
    await until(() => lastEvent()?.postback?.params?.newRichMenuAliasId === 'tab-bosai');
    await page.getByRole('button', { name: '避難所' }).waitFor();
    const u = await admin<{ richMenuId: string }>(emu, 'GET', `/channels/${DEMO.channelId}/users/${userId}`);
    const ch = await admin<{ defaultRichMenuId: string }>(emu, 'GET', `/channels/${DEMO.channelId}`);
    expect(u.body.richMenuId).toBeTruthy();
    expect(u.body.richMenuId).not.toBe(ch.body.defaultRichMenuId);
    await page.getByRole('button', { name: 'くらし' }).click();
    await page.getByRole('button', { name: 'ごみの日' }).waitFor();
  });

  it('types a message', async () => {
    await page.getByRole('button', { name: 'キーボードで入力' }).click();
    await page.getByLabel('メッセージを入力').fill('こんにちは');
    await page.getByRole('button', { name: '送信' }).click();
    await until(() => lastEvent()?.message?.text === 'こんにちは');
    await page.getByRole('button', { name: 'リッチメニューを表示' }).click();
  });

  it('a menu area opens the LIFF app logged in as this user, and liff.closeWindow closes it', async () => {
    await page.getByRole('button', { name: 'マイページ' }).click();
    const frame = page.frameLocator('#browser-frame');
    await frame.getByText('ログインしています').waitFor({ timeout: 10_000 });
    await expect(frame.locator('#uid').textContent()).resolves.toBe(userId);
    await expect(frame.locator('#verified').textContent()).resolves.toContain(`sub = ${userId}`);
    await frame.getByRole('button', { name: '閉じる' }).click();
    await page.locator('#browser').waitFor({ state: 'hidden' });
  });

  it('creates a user who follows, and blocks', async () => {
    await page.getByLabel('表示名').fill('鈴木 次郎');
    await page.getByRole('button', { name: '作成して友だち追加' }).click();
    await until(() => lastEvent()?.type === 'follow');
    await expect.poll(() => page.locator('#user option:checked').textContent()).toBe('鈴木 次郎（友だち）');
    await page.getByRole('button', { name: 'ブロック' }).click();
    await until(() => lastEvent()?.type === 'unfollow');
    await page.getByText('状態：ブロック中', { exact: false }).waitFor();
  });
});
