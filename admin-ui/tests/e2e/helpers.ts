import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where the server runs (E2E_BASE, e.g. http://localhost:3000); consoles are on subdomains. */
export const BASE = new URL(process.env.E2E_BASE ?? 'http://localhost:3000');

export function consoleOrigin(slug: string | null): string {
  const host = slug ? `${slug}.admin.localhost` : 'admin.localhost';
  return `${BASE.protocol}//${host}${BASE.port ? `:${BASE.port}` : ''}`;
}

export const ADMIN = {
  login: process.env.E2E_ADMIN_LOGIN ?? 'admin',
  password: process.env.E2E_ADMIN_PASSWORD ?? 'Tsunagu-demo-2026',
};

export const VENDOR = {
  login: process.env.E2E_VENDOR_LOGIN ?? 'support',
  password: process.env.E2E_VENDOR_PASSWORD ?? 'Tsunagu-vendor-2026',
};

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../screenshots');

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--headless',
    ],
  });
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    viewport: { width: 1366, height: 900 },
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `admin-${name}.png`), fullPage: true });
}

/** Signs in on the login page of the console `page` is on. */
export async function login(page: Page, origin: string, loginId: string, password: string): Promise<void> {
  await page.goto(`${origin}/login`);
  await page.locator('#loginId').fill(loginId);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
}

/** Signs in and waits until the console shell is shown. */
export async function loginToConsole(
  page: Page,
  origin: string,
  loginId: string,
  password: string,
): Promise<void> {
  await login(page, origin, loginId, password);
  await page.getByRole('button', { name: 'ログアウト' }).waitFor({ timeout: 20_000 });
  await page.waitForURL((u) => u.pathname !== '/login');
}

/** The text of the page heading (h1). */
export async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').first().innerText()).trim();
}

/** A login id unique to this run. */
export function uniqueId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** Calls the API from the signed-in page (same origin, session cookie and CSRF token). */
export async function apiCall(
  page: Page,
  method: string,
  path: string,
): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ([m, p]) => {
      const s = (await (await fetch('/api/auth/session')).json()) as { csrfToken?: string };
      const res = await fetch(p, { method: m, headers: { 'X-CSRF-Token': s.csrfToken ?? '' } });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    },
    [method, path] as const,
  );
}

/** Removes what a test created, so runs against a shared demo server leave no traces behind. */
export async function removeQuietly(page: Page, paths: string[]): Promise<void> {
  for (const p of paths) {
    try {
      await apiCall(page, 'DELETE', p);
    } catch {
      // best effort
    }
  }
}
