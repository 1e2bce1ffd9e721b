import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

const BASE = new URL(process.env.E2E_BASE ?? 'http://localhost:3000');
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
/** The talk view on localhost, the same site as the resident pages (the session cookie is kept). */
const TALK = LINE.replace('//127.0.0.1', '//localhost');
const ADMIN = `${BASE.protocol}//kuwana.admin.localhost${BASE.port ? `:${BASE.port}` : ''}`;
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../screenshots');
const HANDOFF = '個人情報の入力へ進む（LINE内のブラウザで開きます）';

async function emulator<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${LINE}/_emulator${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function api<T = Record<string, unknown>>(
  page: Page,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, p, body }) => {
      const s = await fetch('/api/auth/session', { credentials: 'same-origin' });
      const csrf = ((await s.json()) as { csrfToken: string }).csrfToken;
      const res = await fetch(p, {
        method,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    },
    { method, p, body },
  );
}

/**
 * FORM-10 会話形式 in the emulator's talk view: a friend of Kuwana sends the keyword of a public
 * comment, answers the non-personal questions by tapping quick replies and typing (a page number
 * typed wrong is asked again), opens the form's page from the talk for their name and address —
 * the talk's answers already filled in — sends it, and the 受付番号 arrives in the talk; staff see
 * the response with that number.
 */
describe('a public comment answered in the LINE talk', () => {
  let browser: Browser;
  let channelId: string;

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
    channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/kuwana/test'))!.channelId;
  });
  afterAll(async () => {
    await browser?.close();
  });

  const shot = (where: Page, name: string) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    return where
      .locator('.phone')
      .screenshot({ path: path.join(SCREENSHOTS, `public-comment-talk-${name}.png`) });
  };

  it('from the keyword to the 受付番号, personal details only on the page', async () => {
    const staff = await browser.newPage({ locale: 'ja-JP' });
    await staff.goto(`${ADMIN}/api/context`);
    const login = await staff.evaluate(async () => {
      const s = await fetch('/api/auth/session');
      const csrf = ((await s.json()) as { csrfToken: string }).csrfToken;
      const res = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ loginId: 'admin', password: 'Kuwana-demo-2026' }),
      });
      return res.status;
    });
    expect(login).toBe(200);
    const orgs = await api<{ items: Array<{ id: string }> }>(staff, 'GET', '/api/organisations');
    const created = await api<{ id: string; settings: { talkMode: boolean } }>(staff, 'POST', '/api/forms', {
      title: '桑名市地域公共交通計画（案）への意見募集',
      organisationId: orgs.body.items[0]!.id,
      template: 'public_comment',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.settings.talkMode).toBe(true);
    const formId = created.body.id;
    const keyword = `いけん${Date.now() % 1_000_000}`;
    expect(
      (await api(staff, 'PATCH', `/api/forms/${formId}/settings`, { talkKeyword: keyword })).status,
    ).toBe(200);
    expect((await api(staff, 'POST', `/api/forms/${formId}/publish`)).status).toBe(200);

    const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
      displayName: '桑名 一郎',
    });
    const talk = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: 'ja-JP' });
    const errors: string[] = [];
    talk.on('pageerror', (e) => errors.push(e.message));
    onTestFailed(async () => {
      if (errors.length) console.error(`browser errors:\n${errors.join('\n')}`);
      await shot(talk, 'failure');
    });
    await talk.goto(`${TALK}/?channel=${channelId}&user=${user.userId}`);
    await talk.locator('#text').waitFor();

    const chip = (label: string) =>
      talk.locator('#quick-replies').getByRole('button', { name: label, exact: true });
    const tap = async (label: string) => {
      await chip(label).waitFor({ timeout: 20_000 });
      await chip(label).click();
    };
    const say = async (text: string) => {
      await talk.locator('#text').fill(text);
      await talk.locator('#text').press('Enter');
    };
    const lastBot = () => talk.locator('#messages > li').last().innerText();

    await say(keyword);
    await chip('〇〇計画（案）').waitFor({ timeout: 30_000 });
    expect(await talk.locator('#messages').innerText()).toContain('パブリックコメント（意見募集）');
    await shot(talk, 'start');
    await tap('〇〇計画（案）');
    await tap('案件に利害関係がある方');
    await expect.poll(lastBot, { timeout: 20_000 }).toContain('案件との利害関係の内容');
    await tap('ひとつ戻る');
    await tap('市内に住所がある方');
    await expect.poll(lastBot, { timeout: 20_000 }).toContain('該当するページ');
    await say('三ページ');
    await expect.poll(lastBot, { timeout: 20_000 }).toMatch(/⚠ /);
    await shot(talk, 'reasked');
    await say('3');
    await expect.poll(lastBot, { timeout: 20_000 }).toContain('該当する箇所');
    await tap('スキップ');
    await expect.poll(lastBot, { timeout: 20_000 }).toContain('ご意見');
    await say('バスの本数を増やしてください。');

    // The personal part: a button opens the form's page in LINE's browser, the talk's answers filled in.
    const open = talk.getByRole('button', { name: HANDOFF });
    await open.waitFor({ timeout: 20_000 });
    await shot(talk, 'handoff');
    expect(await talk.locator('#messages').innerText()).not.toContain('【必須】氏名');
    await open.click();
    await talk.locator('#browser').waitFor({ state: 'visible' });
    const pane = talk.frameLocator('#browser-frame');
    await expect
      .poll(() => pane.locator('h1').textContent(), { timeout: 30_000 })
      .toBe('桑名市地域公共交通計画（案）への意見募集');
    await expect.poll(() => pane.locator('.notice').textContent(), { timeout: 20_000 }).toContain('復元');
    // It opens where the talk stopped (提出者); the pages before hold the talk's answers.
    await pane.getByLabel('氏名').waitFor();
    await shot(talk, 'page');
    await pane.getByRole('button', { name: '前へ戻る' }).click();
    await expect.poll(() => pane.getByLabel('該当するページ').inputValue()).toBe('3');
    expect(await pane.getByLabel('ご意見').inputValue()).toBe('バスの本数を増やしてください。');
    await pane.getByRole('button', { name: '次へ進む' }).click();
    await pane.getByLabel('氏名').fill('桑名 一郎');
    await pane.getByLabel('郵便番号').fill('5110068');
    await expect.poll(() => pane.getByLabel('市区町村').inputValue(), { timeout: 10_000 }).toBe('桑名市');
    await pane.getByLabel('町名・番地').fill('中央町2丁目37');
    await pane.getByRole('button', { name: '入力内容を確認する' }).click();
    await pane.getByRole('heading', { name: 'この内容で送信します' }).waitFor();
    const confirm = await pane.locator('main').innerText();
    for (const text of ['市内に住所がある方', 'バスの本数を増やしてください。', '桑名 一郎'])
      expect(confirm).toContain(text);
    await pane.getByRole('button', { name: '送信する', exact: true }).click();
    await pane.getByRole('heading', { name: '送信しました' }).waitFor({ timeout: 20_000 });
    const receipt = (await pane.locator('.receipt').textContent())!;
    expect(receipt).toMatch(/^P-\d{4}-\d{6}$/);
    await talk.locator('#browser-close').click();

    // The 受付番号 reaches the talk once; staff see the response with it.
    await expect
      .poll(() => talk.locator('#messages').innerText(), { timeout: 30_000 })
      .toContain(`受付番号：${receipt}`);
    await shot(talk, 'done');
    const bot = await emulator<{ messages: Array<{ message: { text?: string } }> }>(
      'GET',
      `/channels/${channelId}/users/${user.userId}/messages?from=bot`,
    );
    expect(bot.messages.filter((m) => m.message.text?.includes(receipt))).toHaveLength(1);
    const responses = await api<{ items: Array<{ receiptNumber: string; source: string }> }>(
      staff,
      'GET',
      `/api/forms/${formId}/responses`,
    );
    expect(responses.body.items).toEqual([
      expect.objectContaining({ receiptNumber: receipt, source: 'line' }),
    ]);
    await staff.close();
    await talk.close();
  });
});
