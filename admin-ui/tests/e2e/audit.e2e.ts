import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, consoleOrigin, launch, loginToConsole, newContext, shot } from './helpers';

describe('audit log', () => {
  let browser: Browser;
  let page: Page;
  const origin = consoleOrigin('akaiwa');

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    await loginToConsole(page, origin, ADMIN.login, ADMIN.password);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the login that just happened, with its details', async () => {
    await page.goto(`${origin}/audit?action=auth.login`);
    const row = page.getByRole('row').filter({ hasText: 'ログイン' }).filter({ hasText: '成功' }).first();
    await row.waitFor();
    await shot(page, 'audit');
    await row.getByRole('button', { name: /詳細/ }).click();
    const dialog = page.getByRole('dialog', { name: '操作ログの詳細' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('auth.login');
    await shot(page, 'audit-detail');
    await dialog.getByRole('button', { name: '閉じる' }).first().click();
  });

  it('verifies the hash chain', async () => {
    await page.goto(`${origin}/audit`);
    await page.getByRole('button', { name: '改ざん検知' }).click();
    await page.getByText(/改ざんは見つかりませんでした|改ざんの可能性があります/).waitFor();
    expect(await page.getByText('改ざんは見つかりませんでした').count()).toBe(1);
    await shot(page, 'audit-verified');
  });
});
