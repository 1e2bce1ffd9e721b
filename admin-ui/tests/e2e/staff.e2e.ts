import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN,
  consoleOrigin,
  launch,
  login,
  loginToConsole,
  newContext,
  removeQuietly,
  shot,
  uniqueId,
} from './helpers';

describe('staff management', () => {
  let browser: Browser;
  let page: Page;
  const origin = consoleOrigin('akaiwa');
  let created: { loginId: string; temporaryPassword: string } | null = null;
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

  it('creates a staff account, shows its temporary password once and lists it', async () => {
    const loginId = uniqueId('e2e.');
    await page.goto(`${origin}/staff/new`);
    await page.locator('#sf-loginId').fill(loginId);
    await page.locator('#sf-displayName').fill('試験 花子');
    await page.locator('#sf-email').fill(`${loginId}@example.lg.jp`);
    await page.getByRole('radio', { name: /^職員/ }).check();
    // Put the account in the first organisation and team, if there are any.
    const firstOrg = page.getByRole('group', { name: /所属/ }).getByRole('checkbox').first();
    if (await firstOrg.count()) await firstOrg.check();
    await shot(page, 'staff-new');
    await page.getByRole('button', { name: '登録して仮パスワードを発行' }).click();

    await page.getByText('職員を登録しました').waitFor();
    const temp = (await page.locator('output').first().innerText()).trim();
    expect(temp.length).toBeGreaterThanOrEqual(10);
    created = { loginId, temporaryPassword: temp };
    await shot(page, 'staff-created');

    await page.goto(`${origin}/staff?q=${encodeURIComponent(loginId)}`);
    const row = page.getByRole('row').filter({ hasText: loginId });
    await row.waitFor();
    expect(await row.innerText()).toContain('試験 花子');
    expect(await row.innerText()).toContain('初回変更待ち');
    await shot(page, 'staff-list-filtered');

    await row.getByRole('link', { name: '試験 花子', exact: true }).click();
    await page.waitForURL(/\/staff\/[0-9a-f-]+$/);
    cleanup.push(`/api${new URL(page.url()).pathname}`);
    expect(await page.locator('h1').first().innerText()).toBe('試験 花子');
    await page.getByRole('button', { name: '変更を保存' }).waitFor();
    await shot(page, 'staff-detail');
  });

  it('makes the new account change its temporary password first', async () => {
    expect(created).not.toBeNull();
    if (!created) return;
    const other = await (await newContext(browser)).newPage();
    await login(other, origin, created.loginId, created.temporaryPassword);
    await other.waitForURL(/\/password$/);
    expect(await other.locator('h1').first().innerText()).toBe('初回パスワード変更');
    // Other screens are not reachable until the password is changed.
    await other.goto(`${origin}/forms`);
    await other.waitForURL(/\/password$/);
    await other.locator('#pw-current').fill(created.temporaryPassword);
    await other.locator('#pw-new').fill('short1');
    await other.locator('#pw-confirm').fill('short1');
    await other.getByRole('button', { name: '新しいパスワードを設定する' }).click();
    await other.getByText('新しいパスワードが決まりを満たしていません').waitFor();
    await shot(other, 'password-first-change');
    const next = `Sakura-${Date.now()}`;
    await other.locator('#pw-new').fill(next);
    await other.locator('#pw-confirm').fill(next);
    await other.getByRole('button', { name: '新しいパスワードを設定する' }).click();
    await other.waitForURL((u) => u.pathname === '/');
    expect(await other.locator('h1').first().innerText()).toBe('ホーム');
    // A plain staff member sees no administration section.
    const nav = other.getByRole('navigation', { name: 'メインメニュー' });
    expect(await nav.getByRole('link', { name: '職員', exact: true }).count()).toBe(0);
    await other.goto(`${origin}/staff`);
    await other.getByRole('heading', { name: 'この画面を表示する権限がありません' }).waitFor();
    await shot(other, 'staff-forbidden');
    await other.context().close();
  });

  it('lists staff with server-side paging', async () => {
    await page.goto(`${origin}/staff`);
    await page.getByRole('navigation', { name: 'ページ送り' }).waitFor();
    expect(await page.getByRole('row').count()).toBeGreaterThan(1);
    expect(await page.getByText(/全\s*\d+\s*人中/).count()).toBe(1);
    await shot(page, 'staff-list');
  });

  it('shows the CSV import screen', async () => {
    await page.goto(`${origin}/staff/import`);
    expect(await page.locator('h1').first().innerText()).toBe('職員のCSV一括登録');
    await shot(page, 'staff-import');
  });
});
