import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { consoleOrigin, launch, loginToConsole, newContext, shot, VENDOR } from './helpers';

describe('vendor console', () => {
  let browser: Browser;
  let page: Page;
  const origin = consoleOrigin(null);

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signs in and lists the tenants with usage figures', async () => {
    await page.goto(`${origin}/`);
    await page.waitForURL(/\/login$/);
    await shot(page, 'vendor-login');
    await loginToConsole(page, origin, VENDOR.login, VENDOR.password);
    await page.waitForURL(/\/vendor\/tenants$/);
    expect(await page.locator('h1').first().innerText()).toBe('自治体一覧');
    const row = page.getByRole('row').filter({ hasText: '赤磐市' });
    await row.waitFor();
    expect(await row.innerText()).toContain('akaiwa');
    expect(await page.getByRole('row').count()).toBeGreaterThanOrEqual(6);
    await shot(page, 'vendor-tenants');
  });

  it('opens a tenant and the audited entry dialog', async () => {
    await page.getByRole('row').filter({ hasText: '赤磐市' }).getByRole('link', { name: /^編集/ }).click();
    await page.waitForURL(/\/vendor\/tenants\/[0-9a-f-]+$/);
    expect(await page.locator('h1').first().innerText()).toBe('赤磐市');
    await shot(page, 'vendor-tenant');
    await page.getByRole('button', { name: 'この自治体に入る' }).click();
    const dialog = page.getByRole('dialog', { name: 'この自治体に入る' });
    await dialog.waitFor();
    // The reason is required.
    await dialog.getByRole('button', { name: '理由を記録して入る' }).click();
    await dialog.getByText('入る理由を入力してください').waitFor();
    await shot(page, 'vendor-enter-dialog');
    await dialog.getByRole('button', { name: 'キャンセル' }).click();
  });

  it('sets a tenant’s production LINE channel; a bad one is refused in Japanese', async () => {
    const card = page.locator('section[data-channel="production"]');
    await card.getByText('/webhook/akaiwa', { exact: false }).waitFor();
    await card.getByRole('button', { name: '本番チャネルを設定する' }).click();
    await card.locator('#ch-id').fill('12ab');
    await card.locator('#ch-secret').fill('e2e-production-secret');
    await card.locator('#ch-token').fill('e2e-production-access-token');
    await card.getByRole('button', { name: '保存する' }).click();
    await card.getByText('チャネルIDは数字です').first().waitFor();
    await shot(page, 'vendor-channel-errors');
    await card.locator('#ch-id').fill('1990000900');
    await card.getByRole('button', { name: '保存する' }).click();
    await card.getByRole('button', { name: '本番チャネルを変更する' }).waitFor();
    expect(await card.innerText()).toContain('1990000900');
    expect(await card.innerText()).not.toContain('e2e-production-secret');
    await shot(page, 'vendor-channel-saved');
  });

  it('enters Akaiwa as vendor support with a stated reason, shown as a banner', async () => {
    await page.goto(`${origin}/vendor/tenants?q=akaiwa`);
    const row = page.getByRole('row').filter({ hasText: '赤磐市' });
    await row.getByRole('button', { name: /この自治体に入る/ }).click();
    const dialog = page.getByRole('dialog', { name: 'この自治体に入る' });
    await dialog.getByLabel(/入る理由/).fill('E2E テスト: 問い合わせ 0001 の確認');
    await dialog.getByRole('button', { name: '理由を記録して入る' }).click();
    await page.waitForURL((u) => u.hostname.startsWith('akaiwa.admin.'));
    const banner = page.getByRole('region', { name: 'ベンダーサポートの入室中' });
    await banner.waitFor();
    expect(await banner.innerText()).toContain('ベンダーサポートとしてログイン中');
    expect(await banner.innerText()).toContain('理由: E2E テスト: 問い合わせ 0001 の確認');
    await shot(page, 'vendor-entered-akaiwa');
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${origin}/vendor/tenants`);
    await page.getByRole('heading', { name: '自治体一覧' }).waitFor();
  });

  it('shows the new tenant form with module checkboxes', async () => {
    await page.goto(`${origin}/vendor/tenants/new`);
    expect(await page.locator('h1').first().innerText()).toBe('自治体の登録');
    expect(await page.getByRole('checkbox').count()).toBeGreaterThan(5);
    await page.getByRole('button', { name: '登録する' }).click();
    await page.getByText('自治体名を入力してください').waitFor();
    await shot(page, 'vendor-tenant-new-errors');
  });
});
