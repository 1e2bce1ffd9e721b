import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startEmulator } from '../src/app.js';
import { DEMO, seedDemo, seedGallery } from './demo-data.js';

/**
 * `npm run screenshots -w @tsunagu/line-emulator`: the talk view with demo content, in chromium,
 * saved as screenshots/emulator-*.png at the repository root.
 */
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../screenshots');
mkdirSync(out, { recursive: true });

const emu = await startEmulator({ host: '127.0.0.1' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--headless',
  ],
});
try {
  const { userId, api } = await seedDemo(emu, browser);
  const galleryUser = await seedGallery(emu, api);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  const shot = (name: string) => page.screenshot({ path: path.join(out, `emulator-${name}.png`) });
  await page.goto(`${emu.url}/?channel=${DEMO.channelId}&user=${userId}`);
  await page.getByText('お問い合わせの種類を選んでください。').waitFor();
  await shot('talk');

  await page.locator('#messages').evaluate((el) => (el.scrollTop = 0));
  await page.getByRole('button', { name: '窓口予約' }).first().waitFor();
  await shot('templates');

  await page.getByRole('button', { name: '防災' }).click();
  await page.getByRole('button', { name: '避難所' }).waitFor();
  await page.waitForTimeout(300);
  await shot('richmenu-tab');

  await page.getByRole('button', { name: 'くらし' }).click();
  await page.waitForTimeout(300);
  await page.getByRole('button', { name: 'ごみの日' }).click();
  await page.getByText('ごみの日', { exact: true }).last().waitFor();
  await page.getByRole('button', { name: 'キーボードで入力' }).click();
  await page.getByLabel('メッセージを入力').fill('粗大ごみの出し方を教えてください');
  await page.getByRole('button', { name: '送信' }).click();
  await page.getByText('粗大ごみの出し方を教えてください').waitFor();
  await shot('user-messages');

  await page.getByRole('button', { name: 'リッチメニューを表示' }).click();
  await page.getByRole('button', { name: 'マイページ' }).click();
  const frame = page.frameLocator('#browser-frame');
  await frame.getByText('ログインしています').waitFor({ timeout: 10_000 });
  await shot('liff');
  await page.goto(`${emu.url}/?channel=${DEMO.channelId}&user=${galleryUser}`);
  await page.getByText('岡山県赤磐市下市344').waitFor();
  await page.locator('#messages').evaluate((el) => (el.scrollTop = 0));
  await shot('gallery');
  await page.locator('#messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await shot('gallery-media');
  console.warn(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await emu.close();
}
