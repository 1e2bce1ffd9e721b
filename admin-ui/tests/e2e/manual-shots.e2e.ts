import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, consoleOrigin, launch, loginToConsole, SCREENSHOTS, VENDOR } from './helpers';

/**
 * Regenerates the screenshots shown in the in-app manual (PLAT-9) from the demo data:
 * MANUAL_SHOTS=1 npm run test:e2e -w @tsunagu/admin-ui -- manual-shots
 */
const OUT = path.resolve(import.meta.dirname, '../../static/manual-images');

describe.skipIf(!process.env.MANUAL_SHOTS)('manual screenshots', () => {
  let browser: Browser;
  let page: Page;

  async function capture(name: string, url: string, ready: (p: Page) => Promise<unknown>) {
    await page.goto(url);
    await ready(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, `${name}.jpg`), type: 'jpeg', quality: 80 });
    await page.screenshot({ path: path.join(SCREENSHOTS, `manual-${name}.png`) });
  }

  /** Leaves out what earlier browser-test runs created, so the manual shows the demo data only. */
  async function hideTestData(p: Page) {
    await p.route(/\/api\/(staff|forms)(\?|$)/, async (route) => {
      // Node does not resolve *.localhost: fetch from 127.0.0.1 with the console's Host header.
      const url = new URL(route.request().url());
      const host = url.host;
      url.hostname = '127.0.0.1';
      const res = await route.fetch({ url: url.toString(), headers: { ...route.request().headers(), host } });
      const body = (await res.json()) as { items?: Record<string, unknown>[]; total?: number };
      if (Array.isArray(body.items)) {
        const kept = body.items.filter(
          (i) => !String(i.loginId ?? '').startsWith('e2e.') && !String(i.title ?? '').startsWith('E2E'),
        );
        body.total = (body.total ?? kept.length) - (body.items.length - kept.length);
        body.items = kept;
      }
      await route.fulfill({ response: res, json: body });
    });
  }

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launch();
    page = await (
      await browser.newContext({
        locale: 'ja-JP',
        timezoneId: 'Asia/Tokyo',
        viewport: { width: 1280, height: 760 },
      })
    ).newPage();
    await hideTestData(page);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('captures the staff console', async () => {
    const o = consoleOrigin('akaiwa');
    await capture('login', `${o}/login`, (p) => p.locator('#loginId').waitFor());
    await loginToConsole(page, o, ADMIN.login, ADMIN.password);
    const h1 = (t: string) => (p: Page) => p.getByRole('heading', { level: 1, name: t }).waitFor();
    await capture('home', `${o}/`, h1('ホーム'));
    await capture('staff', `${o}/staff`, h1('職員管理'));
    await capture('staff-new', `${o}/staff/new`, h1('職員の登録'));
    await capture('staff-import', `${o}/staff/import`, h1('職員のCSV一括登録'));
    await capture('organisations', `${o}/organisations`, h1('組織・チーム・権限'));
    await capture('teams', `${o}/teams`, h1('組織・チーム・権限'));
    await capture('audit', `${o}/audit`, h1('操作ログ'));
    await capture('security', `${o}/security`, h1('セキュリティ設定'));
    await capture('forms', `${o}/forms`, h1('フォーム一覧'));
    await capture('password', `${o}/account/password`, h1('パスワード変更'));
    await capture('totp', `${o}/account/totp`, h1('二要素認証（TOTP）'));
  });

  it('captures the vendor console', async () => {
    const o = consoleOrigin(null);
    await page.context().clearCookies();
    await loginToConsole(page, o, VENDOR.login, VENDOR.password);
    await capture('vendor-tenants', `${o}/vendor/tenants`, (p) =>
      p.getByRole('heading', { level: 1, name: '自治体一覧' }).waitFor(),
    );
  });
});
