import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ADMIN, consoleOrigin, launch, login, newContext, shot } from './helpers';

describe('staff login', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signs in to Akaiwa and shows the home screen', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${consoleOrigin('akaiwa')}/`);
    await page.waitForURL(/\/login$/);
    await expect.poll(() => page.locator('h1').first().innerText()).toBe('ログイン');
    expect(await page.getByTestId('tenant-name').count()).toBe(0);
    await shot(page, 'login');

    await login(page, consoleOrigin('akaiwa'), ADMIN.login, ADMIN.password);
    await page.getByRole('button', { name: 'ログアウト' }).waitFor();
    await page.waitForURL((u) => u.pathname === '/');
    expect(await page.getByTestId('tenant-name').innerText()).toContain('赤磐市');
    expect(await page.locator('h1').first().innerText()).toBe('ホーム');
    await expect.poll(() => page.getByText(/さん$/).first().isVisible()).toBe(true);
    // Administrators see the administration section.
    const nav = page.getByRole('navigation', { name: 'メインメニュー' });
    for (const label of ['職員', '組織・チーム', '操作ログ', 'セキュリティ']) {
      expect(await nav.getByRole('link', { name: label, exact: true }).count()).toBe(1);
    }
    await shot(page, 'home');

    // The manual of the screen is one click away.
    await page
      .getByRole('link', { name: /ヘルプ/ })
      .first()
      .click();
    await page.waitForURL(/\/manual\/home$/);
    expect(await page.locator('h1').first().innerText()).toBe('ホーム');
    await shot(page, 'manual-home');

    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL(/\/login$/);
    await page.context().close();
  });

  it("shows the API's Japanese message for a wrong password", async () => {
    const page = await (await newContext(browser)).newPage();
    await login(page, consoleOrigin('akaiwa'), 'no-such-user', 'wrong-password-123');
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/[ぁ-んァ-ン一-龥]/);
    await shot(page, 'login-error');
    // Empty fields are caught before sending.
    await page.locator('#loginId').fill('');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByText('ログインIDを入力してください').waitFor();
    await page.context().close();
  });

  it('shows a clear page when the tenant is suspended', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.route('**/api/context', (r) =>
      r.fulfill({
        status: 403,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'urn:tsunagu:tenant-suspended',
          title: 'この自治体は現在ご利用いただけません',
          status: 403,
        }),
      }),
    );
    await page.goto(`${consoleOrigin('akaiwa')}/`);
    await page.getByRole('heading', { name: 'このサービスは現在ご利用いただけません' }).waitFor();
    expect(await page.locator('#loginId').count()).toBe(0);
    await shot(page, 'suspended');
    await page.context().close();
  });

  it('explains a refused network, a locked account and too many attempts (API answers mocked)', async () => {
    const page = await (await newContext(browser)).newPage();
    const problem = (status: number, type: string, title: string, detail?: string) => ({
      status,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type, title, status, detail }),
    });
    await page.route('**/api/auth/session', (r) =>
      r.fulfill(
        problem(
          403,
          'urn:tsunagu:ip-not-allowed',
          'このネットワークからは管理画面を利用できません',
          '接続元IPアドレス（203.0.113.9）は許可されていません。',
        ),
      ),
    );
    await page.goto(`${consoleOrigin('akaiwa')}/login`);
    await page.getByText('このネットワークからは管理画面を利用できません').waitFor();
    await shot(page, 'login-ip-refused');

    await page.unroute('**/api/auth/session');
    let answer = problem(
      423,
      'about:blank',
      'アカウントがロックされています。管理者に解除を依頼してください',
    );
    await page.route('**/api/auth/login', (r) => r.fulfill(answer));
    await login(page, consoleOrigin('akaiwa'), 'someone', 'whatever-123');
    await page.getByRole('alert').filter({ hasText: 'アカウントがロックされています' }).waitFor();
    answer = problem(
      429,
      'about:blank',
      'ログインの試行回数が多すぎます。しばらく待ってから、もう一度お試しください',
    );
    await page.locator('#password').fill('whatever-123');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '試行回数が多すぎます' }).waitFor();
    await page.context().close();
  });

  it('refuses the same credentials on another city (Toyoake)', async () => {
    const page = await (await newContext(browser)).newPage();
    await login(page, consoleOrigin('toyoake'), ADMIN.login, ADMIN.password);
    const alert = page.getByRole('alert').first();
    await alert.waitFor({ timeout: 15_000 });
    expect((await alert.innerText()).length).toBeGreaterThan(0);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByRole('button', { name: 'ログアウト' }).count()).toBe(0);
    await shot(page, 'login-refused-toyoake');
    await page.context().close();
  });
});
