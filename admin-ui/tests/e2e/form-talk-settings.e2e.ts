import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SCREENSHOTS, consoleOrigin, launch, loginToConsole, newContext } from './helpers';

/**
 * FORM-10 会話形式 in the console: the form's settings switch answering in the LINE talk on, with
 * the explanation of what is asked there (never personal items), an optional keyword and the
 * postback data for a rich-menu button; the invitation's hint names the talk button.
 */
const ORIGIN = consoleOrigin('kuwana');
const PASSWORD = 'Kuwana-demo-2026';
const run = Date.now().toString(36);

async function api<T>(
  page: Page,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ([m, url, b]) => {
      const s = (await (await fetch('/api/auth/session')).json()) as { csrfToken?: string };
      const res = await fetch(url, {
        method: m,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken ?? '' },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as never };
    },
    [method, p, body] as const,
  );
}

describe('form settings: answering in the LINE talk (Kuwana)', () => {
  let browser: Browser;
  let page: Page;
  let formId = '';

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);
  });
  afterAll(async () => {
    if (formId) await api(page, 'DELETE', `/api/forms/${formId}`).catch(() => undefined);
    await browser?.close();
  });

  it('switches the talk on with a keyword; the explanation and the rich-menu data are shown', async () => {
    onTestFailed(async () => {
      await page.screenshot({
        path: path.join(SCREENSHOTS, 'form-talk-settings-failed.png'),
        fullPage: true,
      });
    });
    const orgs = await api<{ items: Array<{ id: string }> }>(page, 'GET', '/api/organisations');
    const created = await api<{ id: string; code: string }>(page, 'POST', '/api/forms', {
      title: `窓口アンケート ${run}`,
      organisationId: orgs.body.items[0]!.id,
      template: 'survey',
    });
    expect(created.status).toBe(201);
    formId = created.body.id;
    await page.goto(`${ORIGIN}/forms/${formId}`);
    await page.getByRole('tab', { name: '受付の設定' }).click();
    const talk = page.getByRole('checkbox', { name: 'LINEのトークで、会話しながら回答できるようにする' });
    await talk.waitFor();
    expect(await talk.isChecked()).toBe(false);
    expect(await page.locator('#fs-keyword').count()).toBe(0);
    const hint = await page.locator(`#${await talk.getAttribute('aria-describedby')}`).textContent();
    expect(hint).toContain('個人情報、ファイル、位置情報の項目はトークでは聞きません');
    await talk.check();
    await page.getByLabel('開始のキーワード（任意）').fill(`アンケート${run}`);
    expect(await page.locator('.settings code').textContent()).toBe(`form:${created.body.code}:start`);
    await page.locator('#fs-keyword').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'form-talk-settings.png'), fullPage: true });
    await page.getByRole('button', { name: '設定を保存' }).click();
    await page.getByText('フォームの設定を保存しました。').waitFor();
    const saved = await api<{ settings: Record<string, unknown> }>(page, 'GET', `/api/forms/${formId}`);
    expect(saved.body.settings).toMatchObject({ talkMode: true, talkKeyword: `アンケート${run}` });
    // Cleared, the keyword is saved as none (start from buttons only).
    await page.getByLabel('開始のキーワード（任意）').fill('  ');
    await page.getByRole('button', { name: '設定を保存' }).click();
    await expect
      .poll(
        async () =>
          (await api<{ settings: Record<string, unknown> }>(page, 'GET', `/api/forms/${formId}`)).body
            .settings.talkKeyword,
      )
      .toBeNull();
  });
});
