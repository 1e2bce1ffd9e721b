import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  ADMIN,
  BASE,
  SCREENSHOTS,
  apiCall,
  consoleOrigin,
  launch,
  loginToConsole,
  newContext,
} from './helpers';

const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
/**
 * The talk view as staff open it (`npm start` prints localhost): its in-app browser is an iframe,
 * so it must be the same site as the resident pages for their session cookie (SameSite=Lax) to
 * be kept, as it is in LINE's own in-app browser, which is a top-level page.
 */
const TALK = LINE.replace('//127.0.0.1', '//localhost');
const ORIGIN = consoleOrigin('akaiwa');

async function emulator<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${LINE}/_emulator${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function snap(page: Page, name: string, fullPage = true) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `richmenu-${name}.png`), fullPage });
}

/** Creates a menu set on the list screen and lands on its editor. */
async function createSet(page: Page, name: string, code: string, kind: 'normal' | 'emergency') {
  await page.goto(`${ORIGIN}/richmenus`);
  await page.getByRole('button', { name: 'メニューを作成' }).click();
  await page.locator('#rm-name').fill(name);
  await page.locator(`input[name="rm-kind"][value="${kind}"]`).check();
  await page.locator('#rm-org').selectOption({ index: 1 });
  await page.locator('#rm-code').fill(code);
  await page.getByRole('button', { name: '作成する' }).click();
  await page.waitForURL(/\/richmenus\/[0-9a-f-]{36}$/);
  await expect.poll(() => page.locator('h1').first().innerText()).toBe(name);
}

async function addTab(page: Page, name: string, chat: string, size = '2500x1686') {
  await page.getByRole('button', { name: '＋ タブを追加' }).click();
  await page.locator('#new-tab-name').fill(name);
  await page.locator('#new-tab-chat').fill(chat);
  await page.locator('#new-tab-size').selectOption(size);
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByRole('tab', { name: new RegExp(name) }).waitFor();
  await page.getByRole('tab', { name: new RegExp(name) }).click();
  await expect.poll(() => page.locator('#tab-name').inputValue()).toBe(name);
}

/** Composes the tab image from tiles `label:icon` (icon optional) (areas follow the tiles unless `noAreas`). */
async function compose(page: Page, labels: string[], opts: { layout?: string; noAreas?: boolean } = {}) {
  await page.getByRole('button', { name: '画像を作成' }).click();
  if (opts.layout) await page.locator('#cmp-layout').selectOption(opts.layout);
  for (const [i, tile] of labels.entries()) {
    const [label, icon] = tile.split(':');
    await page.locator(`#cmp-label-${i}`).fill(label!);
    if (icon) await page.locator(`#cmp-icon-${i}`).selectOption(icon);
  }
  if (opts.noAreas) await page.getByLabel(/マスに合わせてタップ領域を作り直す/).uncheck();
  await page.getByRole('button', { name: 'この画像を使う' }).click();
  await page.getByRole('button', { name: '画像を作成' }).waitFor({ timeout: 20_000 });
  await expect.poll(() => page.locator('.image .badge').innerText()).toBe('登録済み');
}

async function setAction(page: Page, i: number, type: string, label: string, value: string) {
  await page.locator(`#area-${i}-type`).selectOption(type);
  await page.locator(`#area-${i}-label`).fill(label);
  if (type === 'page') await page.locator(`#area-${i}-path`).fill(value);
  if (type === 'tab') await page.locator(`#area-${i}-tab`).selectOption({ label: value });
}

/** Saves the tab and waits until its confirmation (shown after the reload) appears. */
async function saveTab(page: Page) {
  const close = page.getByRole('button', { name: 'このお知らせを閉じる' });
  while ((await close.count()) > 0) await close.first().click();
  await page.getByRole('button', { name: 'タブを保存' }).click();
  await expect
    .poll(() => page.locator('.flash').allInnerTexts())
    .toContainEqual(expect.stringContaining('を保存しました'));
}

async function publishTest(page: Page) {
  await page.getByRole('button', { name: 'テスト環境に公開' }).click();
  await page.getByTestId('publish-result').waitFor({ timeout: 30_000 });
}

/** Leaves the test channel out of emergency mode (a failed earlier run may have left it on). */
async function emergencyOff(page: Page) {
  await page.evaluate(async () => {
    const s = (await (await fetch('/api/auth/session')).json()) as { csrfToken?: string };
    const st = (await (await fetch('/api/richmenus/emergency')).json()) as {
      channels: Array<{ channel: string; enabled: boolean }>;
    };
    if (!st.channels.find((c) => c.channel === 'test')?.enabled) return;
    await fetch('/api/richmenus/emergency', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken ?? '' },
      body: JSON.stringify({ channel: 'test', enabled: false, reason: 'E2E の後片付け' }),
    });
  });
}

async function chatBar(talk: Page) {
  return (await talk.locator('#chatbar').innerText()).replace(/ [▼▲]$/, '');
}

describe('rich menus: build in the admin, see them in LINE (emulator)', () => {
  let browser: Browser;
  let channelId: string;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    browser = await launch();
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/akaiwa/test'))!.channelId;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('three tabs from the composer, a resident page and tab switches, emergency on and off', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    onTestFailed(() => snap(page, 'failure'));
    await loginToConsole(page, ORIGIN, ADMIN.login, ADMIN.password);
    await emergencyOff(page);
    onTestFailed(() => emergencyOff(page));
    await page.goto(`${ORIGIN}/richmenus`);
    await expect.poll(() => page.locator('nav').getByText('リッチメニュー').count()).toBeGreaterThan(0);

    // --- the normal menu: three tabs
    const name = `E2E 赤磐メニュー ${run}`;
    await createSet(page, name, `e2e_${run}`, 'normal');
    await addTab(page, 'くらし', 'くらしのメニュー');
    await addTab(page, '子育て', '子育てメニュー');
    await addTab(page, '防災', '防災メニュー');

    await page.getByRole('tab', { name: /くらし/ }).click();
    await compose(page, [
      'マイページ:home',
      '子育て:calendar',
      '防災:warning',
      'ごみの日:trash',
      '地図:pin',
      '受信設定:settings',
    ]);
    expect(await page.locator('li.area').count()).toBe(6);
    await setAction(page, 0, 'page', 'マイページ', 'home');
    await setAction(page, 1, 'tab', '子育てタブへ', '子育て');
    await setAction(page, 2, 'tab', '防災タブへ', '防災');
    // An area that starts the city's survey in the talk, question by question (FORM-10).
    await setAction(page, 3, 'form', 'アンケート', '');
    await page.locator('#area-3-form').selectOption({ label: '市民満足度調査（令和8年度）' });
    await page.getByRole('radio', { name: 'トークで1問ずつ回答する' }).check();
    await saveTab(page);
    await snap(page, 'editor');

    await page.getByRole('tab', { name: /子育て/ }).click();
    await compose(
      page,
      ['くらしへ:home', '健診:calendar', '保育園:pin', '手当:megaphone', 'バス:bus', '相談:phone'],
      { layout: '3x2' },
    );
    await setAction(page, 0, 'tab', 'くらしタブへ', 'くらし');
    await saveTab(page);

    // The third tab: image without areas, one area drawn with the mouse.
    await page.getByRole('tab', { name: /防災/ }).click();
    await compose(page, ['くらしへ:home', '避難所:pin', '防災無線:megaphone', 'よくある質問:question'], {
      layout: '2x2',
      noAreas: true,
    });
    expect(await page.locator('li.area').count()).toBe(0);
    // Centred, so the sticky header does not cover the start of the drag.
    await page.getByTestId('area-canvas').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const box = (await page.getByTestId('area-canvas').boundingBox())!;
    await page.mouse.move(box.x + 10, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 10, box.y + box.height / 2 - 10, { steps: 5 });
    await page.mouse.up();
    expect(await page.locator('li.area').count()).toBe(1);
    const w = Number(await page.locator('#area-0-width').inputValue());
    expect(w).toBeGreaterThan(1000);
    expect(w).toBeLessThan(1300);
    const x = Number(await page.locator('#area-0-x').inputValue());
    await page.getByTestId('area-canvas').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => Number(await page.locator('#area-0-x').inputValue())).toBe(x + 10);
    await page.locator('#area-0-x').fill('0');
    await page.locator('#area-0-y').fill('0');
    await page.locator('#area-0-width').fill('1250');
    await page.locator('#area-0-height').fill('843');
    await setAction(page, 0, 'tab', 'くらしタブへ', 'くらし');
    await snap(page, 'drawn-area');
    await saveTab(page);

    // A server validation error shows in Japanese next to the field.
    await page.locator('#area-0-width').fill('2600');
    await page.getByRole('button', { name: 'タブを保存' }).click();
    await expect
      .poll(() => page.locator('li.area .field-error').first().innerText())
      .toContain('はみ出しています');
    await page.locator('#area-0-width').fill('1250');
    await saveTab(page);

    await publishTest(page);
    await snap(page, 'published');

    // --- the emergency menu (published on the test channel too)
    const emName = `E2E 緊急メニュー ${run}`;
    await createSet(page, emName, `e2e_em_${run}`, 'emergency');
    await addTab(page, '緊急情報', '緊急情報', '2500x843');
    await compose(page, ['避難所:pin', '災害情報:warning'], { layout: '2x1' });
    await saveTab(page);
    await publishTest(page);

    // --- LINE: a friend of Akaiwa's test account
    const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
      displayName: '赤磐 花子',
    });
    const talk = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'ja-JP' });
    onTestFailed(() => snap(talk, 'talk-failure', false));
    await talk.goto(`${TALK}/?channel=${channelId}&user=${user.userId}`);
    await expect.poll(() => chatBar(talk), { timeout: 20_000 }).toBe('くらしのメニュー');
    if (await talk.locator('#richmenu').isHidden()) await talk.locator('#chatbar').click();
    await snap(talk, 'talk-normal', false);

    await talk.getByRole('button', { name: '子育てタブへ' }).click();
    await expect.poll(() => chatBar(talk)).toBe('子育てメニュー');
    await snap(talk, 'talk-tab2', false);
    await talk.getByRole('button', { name: 'くらしタブへ' }).click();
    await expect.poll(() => chatBar(talk)).toBe('くらしのメニュー');

    // The 住民ページ area opens Akaiwa's resident site (through the test channel's LIFF app) in
    // the talk view's in-app browser, where the friend arrives signed in by name.
    await talk.getByRole('button', { name: 'マイページ' }).click();
    await talk.locator('#browser').waitFor({ state: 'visible' });
    const opened = (await talk.locator('#browser-external').getAttribute('href'))!;
    expect(opened.startsWith(`${BASE.origin}/t/akaiwa/`)).toBe(true);
    const pane = talk.frameLocator('#browser-frame');
    await expect
      .poll(() => pane.locator('.resident-status').textContent(), { timeout: 20_000 })
      .toBe('赤磐 花子さん、こんにちは');
    await snap(talk, 'talk-resident-pane', false);
    await talk.locator('#browser-close').click();

    // The form area: the survey's first question arrives in the talk.
    await talk.getByRole('button', { name: 'アンケート' }).click();
    await expect
      .poll(() => talk.locator('#messages').innerText(), { timeout: 20_000 })
      .toContain('「市民満足度調査（令和8年度）」にトークで回答します');
    await snap(talk, 'talk-form', false);
    await talk.getByRole('button', { name: 'やめる' }).last().click();
    await expect
      .poll(() => talk.locator('#messages').innerText(), { timeout: 20_000 })
      .toContain('回答をやめました');

    // --- emergency on while the friend is on the 子育て tab: LINE links a switched tab's menu to
    // the friend, which outranks the default; the switch resets those links, so the friend sees
    // the emergency menu, and after it the normal menu's first tab.
    await talk.getByRole('button', { name: '子育てタブへ' }).click();
    await expect.poll(() => chatBar(talk)).toBe('子育てメニュー');
    await page.goto(`${ORIGIN}/richmenus`);
    await page.getByRole('button', { name: 'テスト環境の緊急モードをオンにする' }).click();
    await page.getByRole('dialog').locator('textarea').fill('E2E 訓練（大雨警報を想定）');
    await page.getByRole('dialog').getByRole('button', { name: '緊急モードをオンにする' }).click();
    await page.locator('.emergency-banner[data-channel="test"]').waitFor();
    await snap(page, 'emergency-on');
    await expect.poll(() => chatBar(talk), { timeout: 20_000 }).toBe('緊急情報');
    if (await talk.locator('#richmenu').isHidden()) await talk.locator('#chatbar').click();
    await snap(talk, 'talk-emergency', false);

    await page.getByRole('button', { name: 'テスト環境の緊急モードをオフにする' }).click();
    await page.getByRole('dialog').locator('textarea').fill('E2E 訓練の終了');
    await page.getByRole('dialog').getByRole('button', { name: '緊急モードをオフにする' }).click();
    await page.locator('.emergency-banner').waitFor({ state: 'detached' });
    await expect.poll(() => chatBar(talk), { timeout: 20_000 }).toBe('くらしのメニュー');
    await snap(page, 'list');

    // The emergency set is withdrawn from LINE, then deleted; the normal one, shown to friends as
    // the default menu, cannot be withdrawn.
    const sets = (await apiCall(page, 'GET', '/api/richmenus')).body as {
      items: Array<{ id: string; name: string }>;
    };
    const emId = sets.items.find((s) => s.name === emName)!.id;
    await page.goto(`${ORIGIN}/richmenus/${emId}`);
    await page.locator('li[data-channel="test"]').getByRole('button', { name: '公開を停止' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '公開を停止する' }).click();
    await page.locator('li[data-channel="test"]').getByText('未公開').waitFor();
    await page.getByRole('button', { name: 'このメニューを削除' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '削除する' }).click();
    await page.waitForURL(/\/richmenus$/);
    const normalId = sets.items.find((s) => s.name === name)!.id;
    await page.goto(`${ORIGIN}/richmenus/${normalId}`);
    await page.locator('li[data-channel="test"]').getByRole('button', { name: '公開を停止' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '公開を停止する' }).click();
    await page.getByText('既定メニューとして表示中です').waitFor();
    await snap(page, 'unpublish-refused');
    const after = (await apiCall(page, 'GET', '/api/richmenus')).body as { items: Array<{ name: string }> };
    expect(after.items.map((s) => s.name)).toContain(name);
    expect(after.items.map((s) => s.name)).not.toContain(emName);
    await ctx.close();
  });
});
