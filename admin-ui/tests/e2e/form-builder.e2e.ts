import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SCREENSHOTS, consoleOrigin, launch, loginToConsole, newContext } from './helpers';

/**
 * FORM-1, 2, 5, 6 in the browser, as Kuwana's administrator: a form built with the mouse from
 * the palette — a question whose answer shows a repeating section (at most 3 children, each with
 * a name and a photo), a postal code that fills the address, a birthday whose age is computed —
 * reordered with the keyboard, operated in the LINE-framed preview (the section appears, the
 * age is shown, a fourth child is refused, the engine's messages appear), published as version 1,
 * with its settings saved and its QR code shown. Then the acceptance: a friend of the
 * test account answers it from the LINE emulator's talk view (invited by the form's own delivery),
 * and staff find the response, filter on the answer, open it and export the CSV in Shift_JIS.
 */
const ORIGIN = consoleOrigin('kuwana');
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
/** The talk view on localhost, the same site as the resident pages (the session cookie is kept). */
const TALK = LINE.replace('//127.0.0.1', '//localhost');

async function emulator<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${LINE}/_emulator${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const PASSWORD = 'Kuwana-demo-2026';
const run = Date.now().toString(36);
const TITLE = `子育て応援券の申込み ${run}`;

async function snap(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `form-builder-${name}.png`), fullPage: true });
}

/** Calls the staff API from the signed-in page (session cookie, CSRF token). */
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

/** A JST calendar date `years` years before today, moved by `days`. */
function yearsAgo(years: number, days = 0): string {
  const now = new Date(Date.now() + 9 * 3600_000);
  const d = new Date(Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate() + days));
  return d.toISOString().slice(0, 10);
}

/** A 1×1 PNG, as a phone's photo would be chosen. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('form builder: build, operate the preview, publish (Kuwana)', () => {
  let browser: Browser;
  let page: Page;
  let formId = '';
  /** The 受付番号 the friend is given (acceptance part). */
  let receipt = '';
  /** Script errors in the page, printed with a failure (a broken screen says only 「エラー」). */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    page.on('pageerror', (e) => pageErrors.push(`${e.message}\n${e.stack ?? ''}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });

    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);
  });

  afterAll(async () => {
    // A form with answers is kept (the product refuses to delete it); one left without goes.
    if (formId && !receipt) await api(page, 'DELETE', `/api/forms/${formId}`).catch(() => undefined);
    await browser?.close();
  });

  async function failed(name: string) {
    if (pageErrors.length) console.error(`errors in the page:\n${pageErrors.join('\n---\n')}`);
    await snap(page, name);
  }

  const preview = () => page.getByTestId('form-preview');
  const settings = () => page.getByTestId('item-settings');
  const itemRow = (label: string) => page.getByTestId('builder-item').filter({ hasText: label });

  async function addItem(section: Locator, type: string) {
    await section.getByTestId('add-item').click();
    await section.getByTestId(`palette-${type}`).click();
    await settings().waitFor();
  }

  it('creates a blank form from /forms/new', async () => {
    onTestFailed(() => failed('failed-create'));
    await page.goto(`${ORIGIN}/forms/new`);
    await page.locator('#ff-title').fill(TITLE);
    const org = await page.locator('#ff-org option').nth(1).getAttribute('value');
    await page.locator('#ff-org').selectOption(org!);
    await expect(page.getByRole('radio', { name: /白紙から作る/ }).isChecked()).resolves.toBe(true);
    await expect(page.getByRole('radio', { name: /満足度調査/ }).count()).resolves.toBe(1);
    await expect(page.getByRole('radio', { name: /パブリックコメント/ }).count()).resolves.toBe(1);
    await snap(page, '01-new');
    await page.getByRole('button', { name: '作成する' }).click();
    await page.waitForURL(/\/forms\/[0-9a-f-]{36}$/);
    formId = page.url().split('/').pop()!;
    await page.getByTestId('builder-section').first().waitFor();
    expect(await page.getByRole('tab', { name: 'フォームの作成' }).getAttribute('aria-selected')).toBe(
      'true',
    );
  });

  it('adds items from the palette and sets them up with the mouse', async () => {
    onTestFailed(() => failed('failed-items'));
    const first = page.getByTestId('builder-section').first();

    await addItem(first, 'singleChoice');
    await settings().locator('input[id$="-label"]').first().fill('お子さまはいますか');
    const options = settings().locator('input[id^="opt-"][id$="-label"]');
    await options.nth(0).fill('いる');
    await options.nth(1).fill('いない');
    await settings()
      .getByLabel(/^必須にする/)
      .check();

    await addItem(first, 'postalCode');
    await addItem(first, 'address');
    await addItem(first, 'birthday');
    await settings().locator('input[id$="-label"]').first().fill('保護者の生年月日');

    // The postal code fills the address that now follows it.
    await itemRow('郵便番号').locator('.item-main').click();
    await settings().locator('select[id$="-fill"]').selectOption({ label: '住所' });
    expect(await first.getByTestId('builder-item').count()).toBe(4);
    await snap(page, '02-items');
  });

  it('reorders an item with the keyboard, and says so', async () => {
    onTestFailed(() => failed('failed-reorder'));
    const handle = page.getByRole('button', { name: /「保護者の生年月日」の並び順：4番目/ });
    await handle.focus();
    await page.keyboard.press('ArrowUp');
    await page.getByRole('button', { name: /「保護者の生年月日」の並び順：3番目/ }).waitFor();
    await expect(page.getByText('「保護者の生年月日」を3番目に移動しました（全4件）').count()).resolves.toBe(
      1,
    );
    const labels = await page.getByTestId('builder-section').first().locator('.item-label').allInnerTexts();
    expect(labels).toEqual(['お子さまはいますか', '郵便番号', '保護者の生年月日', '住所']);
  });

  it('adds a repeating section of at most 3 children, shown only when there are children', async () => {
    onTestFailed(() => failed('failed-section'));
    await page.getByTestId('add-repeat').click();
    const panel = page.getByTestId('section-settings');
    await panel.waitFor();
    await panel.locator('input[id$="-title"]').fill('お子さま');
    await panel.locator('input[id$="-name"]').fill('お子さま');
    expect(await panel.locator('input[id$="-max"]').inputValue()).toBe('3');
    await panel.getByLabel('条件を満たすときだけこのセクションを表示する').check();
    await panel.locator('select[id$="-item"]').selectOption({ label: 'お子さまはいますか' });
    await panel.getByLabel('いる', { exact: true }).check();

    const children = page.getByTestId('builder-section').nth(1);
    // The palette opened with the new section.
    await children.getByTestId('palette-shortText').click();
    await settings().locator('input[id$="-label"]').first().fill('お子さまのお名前');
    await settings()
      .getByLabel(/^必須にする/)
      .check();
    await addItem(children, 'file');
    await settings().locator('input[id$="-label"]').first().fill('お子さまの写真');
    await expect(children.getByText('繰り返し（最大3件）').count()).resolves.toBe(1);
    await expect(
      children.getByText('表示条件：「お子さまはいますか」で「いる」のいずれかを選んだとき').count(),
    ).resolves.toBe(1);
    await expect(page.getByTestId('builder-issues').count()).resolves.toBe(0);
    await snap(page, '03-repeat-section');
  });

  it('operates the preview: the section appears, the age is computed, a fourth child is refused', async () => {
    onTestFailed(() => failed('failed-preview'));
    const pv = preview();
    const childSection = pv.locator('[data-testid="pv-section"]').filter({ hasText: 'お子さま（' });
    expect(await pv.getByText('お子さまを追加').count()).toBe(0);

    await pv.getByLabel('いる', { exact: true }).check();
    const add = pv.getByRole('button', { name: '＋ お子さまを追加' });
    await add.click();
    await add.click();
    await add.click();
    expect(await pv.getByTestId('pv-entry').count()).toBe(3);
    expect(await add.count()).toBe(0);
    await expect(pv.getByTestId('pv-repeat-note').innerText()).resolves.toBe(
      'お子さまは3件まで入力できます（上限に達しました）',
    );
    expect(await childSection.count()).toBe(1);

    // 満年齢 on today's JST date: 30 years ago plus ten days is still 29.
    await pv.getByLabel('保護者の生年月日').fill(yearsAgo(30, 10));
    await expect(pv.getByTestId('pv-age').innerText()).resolves.toBe('満29歳');

    // The postal code fills 都道府県・市区町村・町域 through the server's Japan Post data.
    await pv.getByLabel('郵便番号').fill('511-0061');
    await pv.getByTestId('pv-postal').filter({ hasText: '三重県桑名市寿町' }).waitFor();
    await expect(pv.getByLabel('市区町村').inputValue()).resolves.toBe('桑名市');
    await expect(pv.getByLabel('町名・番地').inputValue()).resolves.toBe('寿町');
    // Emptied again (as a resident might), the part is missing and named in the summary.
    await pv.getByLabel('町名・番地').fill('');

    await pv
      .getByTestId('pv-file')
      .first()
      .setInputFiles({ name: 'kodomo.png', mimeType: 'image/png', buffer: PNG });
    await pv.getByText('kodomo.png').waitFor();

    // Sending shows the engine's messages for what is still missing.
    await pv.getByRole('button', { name: '送信する' }).click();
    const summary = pv.getByTestId('pv-summary');
    await summary.waitFor();
    const text = await summary.innerText();
    expect(text).toContain('お子さま（1件目）のお子さまのお名前：入力してください');
    expect(text).toContain('住所（町名・番地）');
    await snap(page, '04-preview');

    // Choosing いない hides the section again (its answers no longer count).
    await pv.getByLabel('いない', { exact: true }).check();
    expect(await pv.getByTestId('pv-entry').count()).toBe(0);
    await pv.getByLabel('いる', { exact: true }).check();
    expect(await pv.getByTestId('pv-entry').count()).toBe(3);
  });

  it('shows the engine’s error at the item and in the summary, and refuses to save it', async () => {
    onTestFailed(() => failed('failed-errors'));
    await itemRow('お子さまはいますか').locator('.item-main').click();
    const label = settings().locator('input[id$="-label"]').first();
    await label.fill('');
    await page.getByTestId('builder-issues').waitFor();
    await expect(settings().getByText('項目名を入力してください').count()).resolves.toBe(1);
    await page.getByTestId('save-draft').click();
    await page.getByText(/まだ保存できません。「要修正」の1か所を直してください。/).waitFor();
    await snap(page, '05-errors');
    await label.fill('お子さまはいますか');
    await expect(page.getByTestId('builder-issues').count()).resolves.toBe(0);
  });

  it('saves the draft and publishes it as version 1', async () => {
    onTestFailed(() => failed('failed-publish'));
    await page.getByTestId('save-draft').click();
    await page.getByText('下書きを保存しました。', { exact: false }).waitFor();
    await page.getByRole('button', { name: '公開する…' }).click();
    const dialog = page.getByRole('dialog', { name: 'バージョン1として公開しますか' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: '公開する' }).click();
    await page.getByText('バージョン1を公開しました。', { exact: false }).waitFor();
    await expect(page.getByTestId('published-version').innerText()).resolves.toBe('バージョン1');
    await expect(page.getByTestId('form-status-badge').innerText()).resolves.toBe('公開中');
    await page.getByText('公開の履歴（1件）').click();
    await expect(page.getByTestId('versions').innerText()).resolves.toContain('バージョン1（公開中）');
    await snap(page, '06-published');

    const saved = await api<{ publishedVersion: number; draft: { pages: Array<{ sections: unknown[] }> } }>(
      page,
      'GET',
      `/api/forms/${formId}`,
    );
    expect(saved.body.publishedVersion).toBe(1);
    expect(saved.body.draft.pages[0]!.sections).toHaveLength(2);
  });

  it('saves the settings in Japan time', async () => {
    onTestFailed(() => failed('failed-settings'));
    await page.getByRole('tab', { name: '受付の設定' }).click();
    await page.getByLabel('1回だけ回答できる').check();
    await page.locator('#fs-closes').fill('2031-03-31T17:00');
    await page.locator('#fs-limit').fill('300');
    await page.locator('#fs-emails').fill('kosodate@city.kuwana.example.jp');
    await page
      .locator('#fs-message')
      .fill('お申込みを受け付けました。審査の結果は2週間以内にお知らせします。');
    await page.getByRole('button', { name: '設定を保存' }).click();
    await page.getByText('フォームの設定を保存しました。').waitFor();
    const saved = await api<{ settings: Record<string, unknown> }>(page, 'GET', `/api/forms/${formId}`);
    expect(saved.body.settings).toMatchObject({
      answersPerResident: 'one',
      closesAt: expect.stringMatching(/^2031-03-31T08:00:00(\.000)?(Z|\+00:00)$/),
      responseLimit: 300,
      notifyEmails: ['kosodate@city.kuwana.example.jp'],
    });
    await snap(page, '07-settings');
  });

  it('shows the URL and the QR code, with SVG and PNG downloads', async () => {
    onTestFailed(() => failed('failed-qr'));
    await page.getByRole('tab', { name: 'URL・QRコード・配信' }).click();
    const img = page.getByTestId('qr-image');
    await img.waitFor();
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="qr-image"]') as HTMLImageElement | null)?.naturalWidth,
    );
    expect(await page.locator('#dist-url').inputValue()).toMatch(/\/forms\/[a-z0-9-]+$/);
    for (const [id, type] of [
      ['qr-svg', 'image/svg+xml'],
      ['qr-png', 'image/png'],
    ] as const) {
      const href = await page.getByTestId(id).getAttribute('href');
      const res = await page.evaluate(async (u) => {
        const r = await fetch(u!);
        return { status: r.status, type: r.headers.get('content-type') ?? '' };
      }, href);
      expect(res.status).toBe(200);
      expect(res.type).toContain(type);
    }
    await snap(page, '08-qr');
  });

  // ------------------------------------------------------------------------------------------
  // Acceptance (issue 5): the form built above is answered from the LINE emulator's talk view by a
  // friend of Kuwana's test account; staff then see the response, filter and export it.

  it('a friend answers the published form from the talk view', { timeout: 180_000 }, async () => {
    onTestFailed(() => failed('failed-resident'));
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    const channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/kuwana/test'))!.channelId;
    const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
      displayName: '桑名 花子',
    });
    // The friend is known to the city before the invitation goes out (the follow webhook).
    await expect
      .poll(
        async () =>
          (
            await api<{ items: Array<{ displayName: string | null }> }>(
              page,
              'GET',
              '/api/residents?channel=test&pageSize=100',
            )
          ).body.items.some((r) => r.displayName === '桑名 花子'),
        { timeout: 20_000 },
      )
      .toBe(true);

    // FORM-6: the form's invitation, sent to the test account's friends.
    const invitation = await api<{ deliveryId: string }>(page, 'POST', `/api/forms/${formId}/send`, {
      channel: 'test',
    });
    expect(invitation.status, JSON.stringify(invitation.body)).toBe(201);
    const deliveryId = invitation.body.deliveryId;
    expect((await api(page, 'POST', `/api/deliveries/${deliveryId}/send`)).status).toBe(202);
    await expect
      .poll(
        async () =>
          (await api<{ runs: Array<{ status: string }> }>(page, 'GET', `/api/deliveries/${deliveryId}`)).body
            .runs[0]?.status,
        { timeout: 30_000 },
      )
      .toBe('sent');

    const talk = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: 'ja-JP' });
    onTestFailed(async () => {
      await talk.screenshot({ path: path.join(SCREENSHOTS, 'form-builder-failed-talk.png') });
    });
    await talk.goto(`${TALK}/?channel=${channelId}&user=${user.userId}`);
    await talk.getByRole('button', { name: '回答する' }).last().click();
    await talk.locator('#browser').waitFor({ state: 'visible' });
    const pane = talk.frameLocator('#browser-frame');
    await pane.locator('h1').filter({ hasText: TITLE }).waitFor({ timeout: 20_000 });

    await pane.getByRole('radio', { name: 'いる' }).check();
    await pane.getByLabel('郵便番号').fill('511-0061');
    await expect.poll(() => pane.getByLabel('町名・番地').inputValue(), { timeout: 10_000 }).toBe('寿町');
    await pane.getByLabel('町名・番地').fill('寿町1-1');
    await pane.getByLabel('保護者の生年月日').fill(yearsAgo(35));
    // The section starts with no child (its minimum); one is added.
    await pane.getByRole('button', { name: '＋ お子さまを追加する' }).click();
    await pane.getByLabel('お子さまのお名前').first().fill('桑名 一郎');
    await pane
      .locator('input[type="file"]')
      .first()
      .setInputFiles({ name: 'kodomo.png', mimeType: 'image/png', buffer: PNG });
    await pane.getByText('kodomo.png').first().waitFor({ timeout: 20_000 });
    await pane.getByRole('button', { name: '入力内容を確認する' }).click();
    await pane.getByRole('heading', { name: 'この内容で送信します' }).waitFor();
    const confirm = await pane.locator('main').innerText();
    for (const text of ['いる', '〒511-0061', '三重県桑名市寿町1-1', '桑名 一郎', 'kodomo.png', '満35歳'])
      expect(confirm).toContain(text);
    await talk.screenshot({ path: path.join(SCREENSHOTS, 'form-builder-09-resident-confirm.png') });
    await pane.getByRole('button', { name: '送信する', exact: true }).click();
    await pane.getByRole('heading', { name: '送信しました' }).waitFor({ timeout: 20_000 });
    receipt = (await pane.locator('.receipt').textContent())!;
    expect(receipt).toMatch(/^R-\d{4}-\d{6}$/);
    await talk.screenshot({ path: path.join(SCREENSHOTS, 'form-builder-10-resident-done.png') });
    await talk.close();
  });

  it('staff see the response, filter it and export it in Shift_JIS', { timeout: 120_000 }, async () => {
    onTestFailed(() => failed('failed-responses'));
    const form = await api<{
      draft: { pages: Array<{ sections: Array<{ items: Array<{ code: string; label?: string }> }> }> };
    }>(page, 'GET', `/api/forms/${formId}`);
    const items = form.body.draft.pages.flatMap((p) => p.sections.flatMap((s) => s.items));
    const question = items.find((i) => i.label === 'お子さまはいますか')!.code;

    await page.goto(`${ORIGIN}/forms/${formId}`);
    await page.locator('#form-responses-link').click();
    await page.waitForURL(/\/responses/);
    await expect.poll(() => page.locator('#rf-count').innerText()).toContain('1件');
    await page.getByText(receipt).waitFor();

    // A filter on the answer: いる keeps the response, いない leaves nothing.
    await page.locator('#rf-add-item').selectOption(question);
    await page.locator('#rf-add-item-button').click();
    const options = await page.locator(`[id^="rf-item-${question}-"][type="checkbox"]`).all();
    expect(options.length).toBe(2);
    await options[1]!.check();
    await page.locator('#rf-submit').click();
    await expect.poll(() => page.locator('#rf-count').innerText()).toContain('0件');
    await options[1]!.uncheck();
    await options[0]!.check();
    await page.locator('#rf-submit').click();
    await expect.poll(() => page.locator('#rf-count').innerText()).toContain('1件');
    await snap(page, '11-responses');

    // The response itself, with the child and the photo.
    await page.getByText(receipt).click();
    await page.locator('#resp-receipt').filter({ hasText: receipt }).waitFor();
    const detail = await page.locator('main').innerText();
    for (const text of ['桑名 一郎', '三重県桑名市寿町1-1', 'kodomo.png']) expect(detail).toContain(text);
    await snap(page, '12-response');
    await page.goBack();

    // CSV in Shift_JIS for Excel: Japanese headers and answers read back right.
    await page.locator('#csv-encoding').selectOption('sjis');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#csv-download').click(),
    ]);
    const bytes = await readFile((await download.path())!);
    const csv = new TextDecoder('shift_jis').decode(bytes);
    expect(csv.split('\r\n')[0]).toContain('お子さまはいますか');
    expect(csv).toContain(receipt);
    expect(csv).toContain('いる');
    expect(csv).toContain('桑名 一郎');
    expect(csv).toContain('寿町1-1');
    // Bytes as Shift_JIS, not UTF-8 (「い」 is 0x82 0xA2 in Shift_JIS).
    expect(bytes.includes(Buffer.from([0x82, 0xa2]))).toBe(true);
  });
});
