import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

const BASE = process.env.E2E_BASE ?? 'http://localhost:3000';
/** The mail emulator's web view and inspection API (scripts/test.mjs starts it). */
const MAIL = process.env.E2E_MAIL ?? 'http://127.0.0.1:3902';
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../screenshots');
const PHONE = { width: 390, height: 844 };

interface CaughtMail {
  subject: string;
  text: string;
  html: string | null;
  envelopeTo: string[];
  headers: Record<string, string>;
}

async function mailsTo(to: string): Promise<CaughtMail[]> {
  const res = await fetch(`${MAIL}/_mail/messages?to=${encodeURIComponent(to)}`);
  if (!res.ok) throw new Error(`mail emulator: ${res.status}`);
  return ((await res.json()) as { messages: CaughtMail[] }).messages;
}

async function shot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `mail-subscription-${name}.png`), fullPage: true });
}

function reportErrors(page: Page) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  onTestFailed(() => {
    if (errors.length) console.error(`browser errors:\n${errors.join('\n')}`);
  });
}

/** Toyonaka's staff console, on the same port as the resident pages. */
function consoleOrigin(): string {
  const base = new URL(BASE);
  return `${base.protocol}//toyonaka.admin.localhost${base.port ? `:${base.port}` : ''}`;
}

/** A JSON call of the staff API from the signed-in console page (session cookie and CSRF token). */
async function staffCall<T>(
  page: Page,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ([m, url, b]) => {
      const s = (await (await fetch('/api/auth/session')).json()) as { csrfToken?: string };
      const res = await fetch(url as string, {
        method: m as string,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken ?? '' },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    [method, p, body] as const,
  ) as Promise<{ status: number; body: T }>;
}

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? null);
/** The text of the focused element (a result's heading gets the focus, for screen readers). */
const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? null);

/**
 * DEL-10 from the side of a citizen without LINE: signs up on Toyonaka's page with an address and
 * the 受信設定 items, confirms through the link of the mail the mail emulator caught, changes a
 * setting from the manage link and stops the mails — in a phone-sized browser, not inside LINE.
 */
describe('メールでのお知らせ: sign-up, confirmation, settings, unsubscribe', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--headless',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a citizen without LINE subscribes, confirms by mail, changes a setting and unsubscribes', async () => {
    const email = `hanako.mail.${Date.now().toString(36)}@example.jp`;
    const context = await browser.newContext({ viewport: PHONE, locale: 'ja-JP' });
    const page = await context.newPage();
    onTestFailed(() => shot(page, 'failure'));
    reportErrors(page);

    // --- the sign-up page, opened from the city's website (no LIFF, no LINE navigation)
    await page.goto(`${BASE}/t/toyonaka/mail/`);
    await page.getByRole('heading', { name: 'メールでお知らせを受け取る' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.lead').innerText()).toContain(
      '豊中市のお知らせを、LINEをお使いでない方にもメールでお届けします。',
    );
    expect(await page.locator('.resident-status').count()).toBe(0);
    expect(await page.locator('nav').count()).toBe(0);
    expect(await page.locator('.steps [aria-current="step"]').innerText()).toContain('入力');
    await shot(page, 'signup');

    // Nothing filled in: every problem in words, the focus on the first one.
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await expect
      .poll(() => page.locator('#email-error').textContent())
      .toBe('メールアドレスを入力してください');
    expect(await page.locator('#item-area-error').textContent()).toBe('「お住まいの地域」を選択してください');
    expect(await page.locator('#agree-error').textContent()).toBe('個人情報の取り扱いに同意してください');
    expect(await page.locator('.summary').innerText()).toContain('入力内容を確認してください（3か所）');
    await expect.poll(() => focusedId(page)).toBe('email');
    await shot(page, 'signup-errors');

    await page.locator('#email').fill(email);
    await page.getByLabel('一覧から選ぶ').selectOption({ label: '豊中市内' });
    await page.getByLabel('「豊中市内」の中から選ぶ').selectOption({ label: '北部' });
    await page.getByLabel('「北部」の中から選ぶ').selectOption({ label: '第八中学校区' });
    await page.getByRole('checkbox', { name: '子育て' }).check();
    await page.getByRole('checkbox', { name: '上記に同意する' }).check();
    await page.getByRole('button', { name: '入力内容を確認する' }).click();

    // --- confirmation step
    await page.getByRole('heading', { name: 'この内容で登録します' }).waitFor();
    await expect.poll(() => focusedId(page)).toBe('confirm-title');
    const answers = await page.locator('.answers').innerText();
    for (const s of [email, '豊中市内 › 北部 › 第八中学校区', '子育て', '同意しました'])
      expect(answers).toContain(s);
    await shot(page, 'signup-confirm');
    await page.getByRole('button', { name: '確認のメールを送る' }).click();

    // --- sent: the same words whoever the address belongs to
    await page.getByRole('heading', { name: '確認のメールを送りました' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.done').innerText()).toContain(`送信先：${email}`);
    await shot(page, 'signup-done');

    // --- the confirmation mail, caught by the mail emulator
    let confirmLink = '';
    await expect
      .poll(
        async () => {
          const m = (await mailsTo(email)).find((x) => x.subject === '【豊中市】メール配信の登録確認');
          confirmLink = /https?:\/\/\S+\/mail\/confirm\/#token=[A-Za-z0-9_-]+/.exec(m?.text ?? '')?.[0] ?? '';
          return confirmLink;
        },
        { timeout: 15_000 },
      )
      .not.toBe('');
    expect(confirmLink.startsWith(`${BASE}/t/toyonaka/mail/confirm/#token=`)).toBe(true);

    const inbox = await context.newPage();
    await inbox.setViewportSize({ width: 1100, height: 900 });
    await inbox.goto(`${MAIL}/?to=${encodeURIComponent(email)}`);
    await shot(inbox, 'inbox-confirmation');
    await inbox.close();

    await page.goto(confirmLink);
    await page.getByRole('heading', { name: 'メールアドレスの確認' }).waitFor({ timeout: 20_000 });
    await shot(page, 'confirm');
    await page.getByRole('button', { name: '確認を完了する' }).click();
    await page.getByRole('heading', { name: '登録が完了しました' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => focusedText(page)).toBe('登録が完了しました');
    expect(await page.locator('.done').innerText()).toContain(
      '今後、豊中市のお知らせをこのメールアドレスにお届けします。',
    );
    await shot(page, 'confirmed');

    // --- staff send a delivery 「メールでも配信する」: the subscriber gets it by mail
    const staff = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'ja-JP' });
    const consolePage = await staff.newPage();
    reportErrors(consolePage);
    await consolePage.goto(`${consoleOrigin()}/login`);
    await consolePage.locator('#loginId').fill('admin');
    await consolePage.locator('#password').fill('Toyonaka-demo-2026');
    await consolePage.getByRole('button', { name: 'ログイン', exact: true }).click();
    await consolePage.getByRole('button', { name: 'ログアウト' }).waitFor({ timeout: 20_000 });
    const orgs = await staffCall<{ items: Array<{ id: string }> }>(consolePage, 'GET', '/api/organisations');
    const title = `資源ごみ収集日のお知らせ ${Date.now().toString(36)}`;
    const created = await staffCall<{ id: string; email: boolean }>(consolePage, 'POST', '/api/deliveries', {
      title,
      organisationId: orgs.body.items[0]!.id,
      // The demo's LINE account is the test channel of the LINE emulator.
      channel: 'test',
      target: { type: 'all' },
      email: true,
      messages: [
        {
          type: 'text',
          text: '今週の金曜日は資源ごみの収集日です。\n出し方は https://www.city.toyonaka.osaka.jp/ をご覧ください。',
        },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.email).toBe(true);
    expect((await staffCall(consolePage, 'POST', `/api/deliveries/${created.body.id}/send`)).status).toBe(
      202,
    );
    await staff.close();
    let delivered: CaughtMail | undefined;
    await expect
      .poll(
        async () => {
          delivered = (await mailsTo(email)).find((x) => x.subject === title);
          return Boolean(delivered);
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    expect(delivered!.text).toContain('今週の金曜日は資源ごみの収集日です。');
    expect(delivered!.text).toContain('登録内容の変更・配信の停止はこちらから:');
    expect(delivered!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const deliveredInbox = await context.newPage();
    await deliveredInbox.setViewportSize({ width: 1100, height: 900 });
    await deliveredInbox.goto(`${MAIL}/?to=${encodeURIComponent(email)}`);
    await shot(deliveredInbox, 'inbox-delivery');
    await deliveredInbox.close();

    // --- the manage page: what was chosen at sign-up is there; change a category
    await page.getByRole('link', { name: '登録内容を確認・変更する' }).click();
    await page.getByRole('heading', { name: 'メール配信の登録内容' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.to').innerText()).toBe(`配信先：${email}`);
    expect(await page.locator('#item-area-l2').inputValue()).toBe('chu08');
    expect(await page.getByRole('checkbox', { name: '子育て' }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: 'イベント情報' }).check();
    await page.getByRole('button', { name: 'この内容で保存する' }).click();
    await expect
      .poll(() => page.getByRole('status').last().textContent(), { timeout: 10_000 })
      .toBe('保存しました。この内容に合わせてお知らせをお届けします。');
    await shot(page, 'manage-saved');
    await page.reload();
    await page.getByRole('heading', { name: 'メール配信の登録内容' }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('checkbox', { name: 'イベント情報' }).isChecked()).toBe(true);

    // --- one press stops the mails
    await page.getByRole('button', { name: '配信を停止する' }).click();
    await page.getByRole('heading', { name: '配信を停止しました' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => focusedText(page)).toBe('配信を停止しました');
    expect(await page.locator('.done').innerText()).toContain(`${email} へのお知らせの配信を停止しました。`);
    await shot(page, 'unsubscribed');
    // Opened again later: still stopped, and nothing to change.
    await page.reload();
    await page.getByRole('heading', { name: '配信を停止しました' }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'この内容で保存する' }).count()).toBe(0);
    await context.close();
  });
});
