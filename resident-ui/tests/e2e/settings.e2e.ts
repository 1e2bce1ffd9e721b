import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

const BASE = process.env.E2E_BASE ?? 'http://localhost:3000';
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
/**
 * The talk view on localhost, the same site as the resident pages, so the session cookie
 * (SameSite=Lax) set inside its in-app browser (an iframe) is kept, as in LINE's own browser.
 */
const TALK = LINE.replace('//127.0.0.1', '//localhost');
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../screenshots');
const PHONE = { width: 390, height: 844 };

async function emulator<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${LINE}/_emulator${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface BotMessage {
  message: {
    type: string;
    text?: string;
    template?: { type: string; text: string; actions: Array<{ type: string; label: string; uri?: string }> };
  };
}

async function shot(page: Page, name: string, opts: { fullPage?: boolean; selector?: string } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `settings-${name}.png`);
  if (opts.selector) await page.locator(opts.selector).screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: opts.fullPage ?? true });
}

/** Reports the page's script errors with a failed test (a blank page says nothing by itself). */
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

/** The id of the element that has the focus inside the in-app browser. */
function focusedId(where: FrameLocator | Page) {
  return where.locator(':focus').getAttribute('id');
}

/**
 * SEG-3 / SEG-1 / DEL-10 from the resident's side: a new friend of Toyonaka's test account gets
 * the greeting, taps its button, and registers 受信設定 in the LINE app's in-app browser (the
 * emulator's talk view), signed in by LIFF.
 */
describe('受信設定: a new friend registers from the greeting', () => {
  let browser: Browser;
  let channelId: string;
  let channelOf: (slug: string) => string;

  /**
   * A new friend of the city's test account opens one of its pages in a phone-sized browser
   * through the LIFF app (LINE Login of the emulator, as the LINE app would), arriving signed in.
   */
  async function openAsFriend(slug: string, displayName: string, page: string) {
    const channel = channelOf(slug);
    const user = await emulator<{ userId: string }>('POST', `/channels/${channel}/users`, { displayName });
    await emulator('POST', `/channels/${channel}/select`, { userId: user.userId });
    const context = await browser.newContext({ viewport: PHONE, locale: 'ja-JP' });
    const tab = await context.newPage();
    onTestFailed(() => shot(tab, `${slug}-failure`));
    reportErrors(tab);
    await tab.goto(`${BASE}/t/${slug}/${page}?channel=test`);
    await expect
      .poll(() => tab.locator('.resident-status').textContent(), { timeout: 20_000 })
      .toBe(`${displayName}さん、こんにちは`);
    return { context, page: tab };
  }

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
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    channelOf = (slug) => channels.find((c) => c.webhookUrl?.includes(`/webhook/${slug}/test`))!.channelId;
    channelId = channelOf('toyonaka');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('greeting → settings → district and two birthdates → confirm → saved, and shown again', async () => {
    // --- LINE: follow; the server answers the follow event with the greeting and a button.
    const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
      displayName: '豊中 花子',
    });
    let greeting: BotMessage[] = [];
    await expect
      .poll(
        async () => {
          greeting = (
            await emulator<{ messages: BotMessage[] }>(
              'GET',
              `/channels/${channelId}/users/${user.userId}/messages?from=bot`,
            )
          ).messages;
          return greeting.length;
        },
        { timeout: 20_000 },
      )
      .toBe(2);
    expect(greeting[0]!.message.text).toContain('豊中市公式LINEを友だち追加いただき、ありがとうございます。');
    const buttons = greeting[1]!.message.template!;
    expect(buttons.type).toBe('buttons');
    expect(buttons.actions[0]).toMatchObject({ type: 'uri', label: '受信設定をする' });
    // The LIFF URL of Toyonaka's test channel, path `settings` (greeting.ts settingsPageUrl).
    expect(buttons.actions[0]!.uri).toMatch(/^https:\/\/liff\.line\.me\/\d+-toyonaka\/settings$/);

    const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: 'ja-JP' });
    const talk = await context.newPage();
    onTestFailed(() => shot(talk, 'failure', { fullPage: false }));
    reportErrors(talk);
    await talk.goto(`${TALK}/?channel=${channelId}&user=${user.userId}`);
    await talk.getByRole('button', { name: '受信設定をする' }).click();
    await talk.locator('#browser').waitFor({ state: 'visible' });
    expect(await talk.locator('#browser-external').getAttribute('href')).toBe(
      `${BASE}/t/toyonaka/settings?channel=test`,
    );
    const pane = talk.frameLocator('#browser-frame');

    // --- the list: signed in by LIFF, the form not registered yet
    await expect
      .poll(() => pane.locator('.resident-status').textContent(), { timeout: 20_000 })
      .toBe('豊中 花子さん、こんにちは');
    await expect.poll(() => pane.locator('h1').textContent()).toBe('受信設定');
    const card = pane.locator('.card', { has: pane.getByRole('heading', { name: '受信設定' }) });
    await expect.poll(() => card.locator('.state').innerText()).toBe('未登録');
    expect(await pane.getByRole('link', { name: '受信設定', exact: true }).getAttribute('aria-current')).toBe(
      'page',
    );
    await shot(talk, 'talk-list', { selector: '.phone' });

    // --- the form
    await card.getByRole('link', { name: '登録する' }).click();
    await pane.getByRole('button', { name: '入力内容を確認する' }).waitFor();
    expect(await pane.locator('h1').textContent()).toBe('受信設定');
    expect(await pane.locator('.steps [aria-current="step"]').innerText()).toContain('入力');
    await shot(talk, 'talk-form', { selector: '.phone' });

    // Nothing chosen: the required area is refused before the confirmation step, in words.
    await pane.getByRole('button', { name: '入力内容を確認する' }).click();
    await expect
      .poll(() => pane.locator('#item-area-error').textContent())
      .toBe('「お住まいの地域」を選択してください');
    await expect.poll(() => focusedId(pane)).toBe('item-area-l0');

    // District in three steps: 豊中市内 → 南部 → 第三中学校区 (the list is long enough to come with a
    // search by name, so its first step is labelled as the list to pick from).
    await pane.locator('#item-area-l0').selectOption({ label: '豊中市内' });
    await pane.getByLabel('「豊中市内」の中から選ぶ').selectOption({ label: '南部' });
    await pane.getByLabel('「南部」の中から選ぶ').selectOption({ label: '第三中学校区' });
    await pane.getByRole('checkbox', { name: '子育て' }).check();
    await pane.getByRole('checkbox', { name: '検診・予防接種' }).check();

    // Two children; the second birthdate mistyped in the future.
    await pane.locator('#item-children_birthdates-0').fill('2019-04-02');
    // Other tests may add more date items to the form: this one's rows are found by their ids.
    await pane
      .locator('fieldset', { has: pane.locator('#item-children_birthdates-0') })
      .getByRole('button', { name: '＋ もう1件追加する' })
      .click();
    await expect.poll(() => focusedId(pane)).toBe('item-children_birthdates-1');
    await pane.locator('#item-children_birthdates-1').fill('2099-11-15');
    // E-mail too (DEL-10), with a slip the server refuses (two dots in a row).
    await pane.getByLabel('メールアドレス').fill('hanako..toyonaka@example.jp');
    await pane.getByRole('button', { name: '入力内容を確認する' }).click();
    await expect
      .poll(() => pane.locator('#item-children_birthdates-error').textContent())
      .toBe('「お子さまの生年月日」の2件目: 未来の日付は登録できません');
    await expect.poll(() => focusedId(pane)).toBe('item-children_birthdates-1');
    expect(await pane.locator('#item-area-error').count()).toBe(0);
    await shot(talk, 'talk-error', { selector: '.phone' });

    await pane.locator('#item-children_birthdates-1').fill('2022-11-15');
    await pane.getByRole('button', { name: '入力内容を確認する' }).click();

    // --- the confirmation step
    await pane.getByRole('heading', { name: 'この内容で登録します' }).waitFor();
    const answers = await pane.locator('.answers').innerText();
    expect(answers).toContain('豊中市内 › 南部 › 第三中学校区');
    expect(answers).toContain('2019年4月2日');
    expect(answers).toContain('2022年11月15日');
    expect(answers).toContain('子育て');
    expect(answers).toContain('hanako..toyonaka@example.jp');
    await pane.getByRole('button', { name: '登録する', exact: true }).click();

    // The server refuses the address: back to the form, the message at the field, nothing lost.
    await expect
      .poll(() => pane.locator('#email-error').textContent(), { timeout: 10_000 })
      .toBe('メールアドレスの形式が正しくありません');
    await expect.poll(() => focusedId(pane)).toBe('email');
    expect(await pane.locator('.summary').innerText()).toContain('入力内容を確認してください（1か所）');
    expect(await pane.locator('#item-area-l2').inputValue()).toBe('chu03');
    expect(await pane.locator('#item-children_birthdates-0').inputValue()).toBe('2019-04-02');
    expect(await pane.locator('#item-children_birthdates-1').inputValue()).toBe('2022-11-15');
    expect(await pane.getByRole('checkbox', { name: '子育て' }).isChecked()).toBe(true);
    expect(await pane.getByLabel('メールアドレス').inputValue()).toBe('hanako..toyonaka@example.jp');
    await shot(talk, 'talk-server-error', { selector: '.phone' });

    await pane.getByLabel('メールアドレス').fill('hanako.toyonaka@example.jp');
    await pane.getByRole('button', { name: '入力内容を確認する' }).click();
    await pane.getByRole('heading', { name: 'この内容で登録します' }).waitFor();
    await expect.poll(() => focusedId(pane)).toBe('confirm-title');
    await shot(talk, 'talk-confirm', { selector: '.phone' });
    await pane.getByRole('button', { name: '登録する', exact: true }).click();

    // --- saved
    await pane.getByRole('heading', { name: '登録しました' }).waitFor({ timeout: 10_000 });
    expect(await pane.locator('.steps [aria-current="step"]').innerText()).toContain('完了');
    await shot(talk, 'talk-done', { selector: '.phone' });
    // Inside LINE the page can close itself, back to the talk.
    await pane.getByRole('button', { name: 'LINEのトーク画面に戻る' }).click();
    await talk.locator('#browser').waitFor({ state: 'hidden' });

    // --- reopened from the same greeting: registered, and the answers are filled in
    await talk.getByRole('button', { name: '受信設定をする' }).click();
    await talk.locator('#browser').waitFor({ state: 'visible' });
    await expect
      .poll(() => card.locator('.state').innerText(), { timeout: 20_000 })
      .toMatch(/^登録済み\n?\s*最終変更：\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    await card.getByRole('link', { name: '登録内容を変更する' }).click();
    await pane.getByRole('button', { name: '入力内容を確認する' }).waitFor();
    expect(await pane.locator('#item-area-l0').inputValue()).toBe('shinai');
    expect(await pane.locator('#item-area-l1').inputValue()).toBe('nanbu');
    expect(await pane.locator('#item-area-l2').inputValue()).toBe('chu03');
    expect(await pane.locator('#item-children_birthdates-0').inputValue()).toBe('2019-04-02');
    expect(await pane.locator('#item-children_birthdates-1').inputValue()).toBe('2022-11-15');
    expect(await pane.getByRole('checkbox', { name: '検診・予防接種' }).isChecked()).toBe(true);
    expect(await pane.getByRole('checkbox', { name: 'イベント情報' }).isChecked()).toBe(false);
    expect(await pane.getByLabel('メールアドレス').inputValue()).toBe('hanako.toyonaka@example.jp');

    // --- the same session on a phone-sized page, opened by the greeting's form link form
    // (`settings?form=<code>`): it lands on that form, filled in.
    const phone = await context.newPage();
    await phone.setViewportSize(PHONE);
    await phone.goto(`${BASE}/t/toyonaka/settings?form=settings`);
    await phone.getByRole('button', { name: '入力内容を確認する' }).waitFor({ timeout: 20_000 });
    expect(new URL(phone.url()).pathname).toBe('/t/toyonaka/settings/settings/');
    expect(await phone.locator('#item-area-l2').inputValue()).toBe('chu03');
    expect(await phone.locator('.meta').innerText()).toMatch(/^最終変更：/);
    await shot(phone, 'phone-form-filled');
    await context.close();
  });

  it('a long three-level list is searchable; numbers, months and text are checked in words', async () => {
    const { context, page } = await openAsFriend('kuwana', '桑名 一郎', 'settings/settings/');
    await page.getByRole('button', { name: '入力内容を確認する' }).waitFor({ timeout: 20_000 });
    await page.getByRole('radio', { name: '40代' }).check();

    // お住まい: prefecture → municipality → district; found by part of its name.
    await page.getByRole('searchbox', { name: '名前で探す' }).fill('星見');
    await expect
      .poll(() => page.locator('#item-residence-search-status').textContent())
      .toBe('1件見つかりました。選ぶと下の欄に入ります。');
    await shot(page, 'kuwana-search', { selector: 'fieldset:has(#item-residence-search)' });
    await page.getByRole('button', { name: '三重県 › 桑名市 › 星見ヶ丘' }).click();
    expect(await page.locator('#item-residence-l0').inputValue()).toBe('p24');
    expect(await page.locator('#item-residence-l1').inputValue()).toBe('kuwana');
    expect(await page.locator('#item-residence-l2').inputValue()).toBe('kuwana-hoshimigaoka');
    await expect.poll(() => focusedId(page)).toBe('item-residence-l2');

    await page.getByLabel('生年月').fill('1985-06');
    // Typed on a Japanese keyboard (full-width), and too many.
    await page.getByLabel('世帯の人数').fill('２５');
    await page.getByLabel('市へのご意見').fill('バスの本数を増やしてほしいです。\n土日も。');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await expect
      .poll(() => page.locator('#item-household_size-error').textContent())
      .toBe('「世帯の人数」は20人以下にしてください');
    await expect.poll(() => focusedId(page)).toBe('item-household_size');
    await shot(page, 'kuwana-number-error', { selector: '.item:has(#item-household_size)' });
    await shot(page, 'kuwana-form');
    await page.getByLabel('世帯の人数').fill('４');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await page.getByRole('heading', { name: 'この内容で登録します' }).waitFor();
    const answers = await page.locator('.answers').innerText();
    for (const text of ['40代', '1985年6月', '三重県 › 桑名市 › 星見ヶ丘', '4人', '土日も。'])
      expect(answers).toContain(text);
    await page.getByRole('button', { name: '登録する', exact: true }).click();
    await page.getByRole('heading', { name: '登録しました' }).waitFor({ timeout: 10_000 });
    await page.reload();
    await page.getByRole('button', { name: '入力内容を確認する' }).waitFor({ timeout: 20_000 });
    expect(await page.getByLabel('世帯の人数').inputValue()).toBe('4');
    expect(await page.getByLabel('生年月').inputValue()).toBe('1985-06');
    expect(await page.locator('#item-residence-l2').inputValue()).toBe('kuwana-hoshimigaoka');
    await context.close();
  });

  it('the staff-only form opened by its link needs its passcode; a wrong one keeps the answers', async () => {
    // Tozawa's staff set the passcode of their staff-only form (SEG-5).
    const admin = await browser.newContext({ locale: 'ja-JP' });
    const console_ = await admin.newPage();
    const origin = BASE.replace('//localhost', '//tozawa.admin.localhost');
    await console_.goto(`${origin}/login`);
    await console_.locator('#loginId').fill('admin');
    await console_.locator('#password').fill('Tozawa-demo-2026');
    await console_.getByRole('button', { name: 'ログイン', exact: true }).click();
    await console_.getByRole('button', { name: 'ログアウト' }).waitFor({ timeout: 20_000 });
    const status = await console_.evaluate(async () => {
      const s = (await (await fetch('/api/auth/session')).json()) as { csrfToken?: string };
      const list = (await (await fetch('/api/registration-forms')).json()) as {
        items: Array<{ id: string; code: string }>;
      };
      const form = list.items.find((f) => f.code === 'shokuin')!;
      const res = await fetch(`/api/registration-forms/${form.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken ?? '' },
        body: JSON.stringify({ passcode: 'mogami-2026' }),
      });
      return res.status;
    });
    expect(status).toBe(200);
    await admin.close();

    const { context, page } = await openAsFriend('tozawa', '戸沢 次郎', 'settings/shokuin/');
    await page.getByRole('heading', { name: '合言葉' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('h1').textContent()).toBe('職員専用登録');
    await page.getByRole('radio', { name: '農林課' }).check();
    await page.getByRole('radio', { name: '第2次参集' }).check();
    // No passcode: asked for before the confirmation step.
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await expect.poll(() => page.locator('#passcode-error').textContent()).toBe('合言葉を入力してください');
    await expect.poll(() => focusedId(page)).toBe('passcode');
    // A wrong one: the server refuses it at the passcode, the answers stay.
    await page.getByRole('textbox', { name: '合言葉', exact: true }).fill('mogami-2025');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await page.getByRole('button', { name: '登録する', exact: true }).click();
    await expect
      .poll(() => page.locator('#passcode-error').textContent(), { timeout: 10_000 })
      .toBe('合言葉が違います');
    await expect.poll(() => focusedId(page)).toBe('passcode');
    expect(await page.getByRole('radio', { name: '農林課' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: '第2次参集' }).isChecked()).toBe(true);
    await shot(page, 'tozawa-passcode-error', { fullPage: false });
    await page.getByRole('textbox', { name: '合言葉', exact: true }).fill('mogami-2026');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await page.getByRole('button', { name: '登録する', exact: true }).click();
    await page.getByRole('heading', { name: '登録しました' }).waitFor({ timeout: 10_000 });

    // Registered once, the unlisted form is listed on this resident's settings page.
    await page.getByRole('link', { name: '受信設定の一覧へ戻る' }).click();
    const names = page.locator('.card h2');
    await expect
      .poll(() => names.allTextContents(), { timeout: 20_000 })
      .toEqual(['受信設定', '職員専用登録']);
    await expect
      .poll(() =>
        page
          .locator('.card', { has: page.getByRole('heading', { name: '職員専用登録' }) })
          .locator('.badge')
          .textContent(),
      )
      .toBe('登録済み');
    await shot(page, 'tozawa-list');
    await context.close();
  });

  it('outside LINE the page asks to open it from the talk, and shows nothing of anyone', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'ja-JP' });
    const page = await context.newPage();
    await page.goto(`${BASE}/t/toyonaka/settings/`);
    await expect
      .poll(() => page.locator('h1').textContent(), { timeout: 20_000 })
      .toBe('LINEのトーク画面から開いてください');
    expect(await page.locator('main').innerText()).toContain('豊中市公式LINEのトーク画面');
    await shot(page, 'phone-signed-out');
    await page.goto(`${BASE}/t/toyonaka/settings/settings/`);
    await expect
      .poll(() => page.locator('h1').textContent(), { timeout: 20_000 })
      .toBe('LINEのトーク画面から開いてください');
    expect(await page.locator('form').count()).toBe(0);
    await context.close();
  });
});
