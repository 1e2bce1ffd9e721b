import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, consoleOrigin, launch, loginToConsole, newContext, removeQuietly, shot } from './helpers';

/** Every screen of the staff console loads for an administrator, with its help link. */
describe('staff console screens', () => {
  let browser: Browser;
  let page: Page;
  const origin = consoleOrigin('akaiwa');
  const cleanup: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    await loginToConsole(page, origin, ADMIN.login, ADMIN.password);
  });
  afterAll(async () => {
    if (page) await removeQuietly(page, cleanup);
    await browser?.close();
  });

  it('loads the security settings with your IP address', async () => {
    await page.goto(`${origin}/security`);
    expect(await page.locator('h1').first().innerText()).toBe('セキュリティ設定');
    await page.getByText('あなたのIPアドレス', { exact: true }).waitFor();
    expect((await page.getByTestId('your-ip').innerText()).trim()).toMatch(/[0-9a-f:.]+/);
    await shot(page, 'security');
  });

  const screens: [string, string, string][] = [
    ['/organisations', '組織・チーム・権限', 'organisations'],
    ['/teams', '組織・チーム・権限', 'teams'],
    ['/forms', 'フォーム一覧', 'forms'],
    ['/forms/new', 'フォームの作成', 'forms-new'],
    ['/account/totp', '二要素認証（TOTP）', 'totp'],
    ['/account/password', 'パスワード変更', 'password'],
    ['/manual', '操作マニュアル', 'manual'],
    ['/manual/staff', '職員管理', 'manual-staff'],
  ];

  for (const [path, title, name] of screens) {
    it(`loads ${path}`, async () => {
      await page.goto(`${origin}${path}`);
      await expect.poll(() => page.locator('h1').first().innerText()).toBe(title);
      expect(await page.getByText('エラーが発生しました').count()).toBe(0);
      if (!path.startsWith('/manual'))
        expect(await page.getByRole('link', { name: /ヘルプ/ }).count()).toBe(1);
      await shot(page, name);
    });
  }

  it('shows screenshots in the manual', async () => {
    await page.goto(`${origin}/manual/staff`);
    const img = page.getByRole('img', { name: /画面の例/ }).first();
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  });

  it('opens the TOTP setup with a QR code', async () => {
    await page.goto(`${origin}/account/totp`);
    await page.getByRole('heading', { name: '現在の状態' }).waitFor();
    const start = page.getByRole('button', { name: '設定を始める' });
    if (await start.count()) {
      await start.click();
      await page.getByRole('img', { name: '二要素認証の設定用QRコード' }).waitFor();
      expect(await page.locator('.qr svg').count()).toBe(1);
      await shot(page, 'totp-setup');
    }
  });

  it('creates a form and opens its grants editor', async () => {
    await page.goto(`${origin}/forms/new`);
    await page.locator('#ff-org option').nth(1).waitFor({ state: 'attached' });
    await page.locator('#ff-title').fill(`E2E アンケート ${Date.now()}`);
    const org = page.locator('#ff-org');
    const values = await org
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const first = values.find((v) => v);
    if (!first) return;
    await org.selectOption(first);
    await page.getByRole('button', { name: '作成する' }).click();
    await page.waitForURL(/\/forms\/[0-9a-f-]+$/);
    cleanup.push(`/api${new URL(page.url()).pathname}`);
    // A new form opens on its builder; the grants are on the 基本情報・権限 tab.
    await page.getByRole('tab', { name: '基本情報・権限' }).click();
    await page.getByRole('heading', { name: '権限' }).waitFor();
    await shot(page, 'form-detail');
  });
});
