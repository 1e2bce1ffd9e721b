import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { consoleOrigin, launch, loginToConsole, newContext, SCREENSHOTS } from './helpers';

const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
const TALK = LINE.replace('//127.0.0.1', '//localhost');
const ORIGIN = consoleOrigin('toyonaka');
const TOYONAKA = { login: 'admin', password: 'Toyonaka-demo-2026' };

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
  await page.screenshot({ path: path.join(SCREENSHOTS, `delivery-${name}.png`), fullPage });
}

/** A JSON call from the signed-in console page (session cookie and CSRF token). */
async function call<T>(
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
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    [method, p, body] as const,
  );
}

interface BotMessage {
  endpoint: string;
  message: { type: string; text?: string; emojis?: unknown[]; altText?: string; contents?: unknown };
}

/** Messages the simulated friend received through deliveries (multicast; the follow greeting is a reply). */
async function received(channelId: string, userId: string): Promise<BotMessage[]> {
  const r = await emulator<{ messages: BotMessage[] }>(
    'GET',
    `/channels/${channelId}/users/${userId}/messages?from=bot`,
  );
  return r.messages.filter((m) => m.endpoint === 'multicast');
}

/** JST date and time (YYYY-MM-DD, HH:MM) of an instant. */
function jst(at: Date): { date: string; time: string } {
  const iso = new Date(at.getTime() + 9 * 3600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

describe('deliveries: compose, preview, test-send, schedule (Toyonaka, LINE emulator)', () => {
  let browser: Browser;
  let channelId: string;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    browser = await launch();
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/toyonaka/test'))!.channelId;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it(
    'text with a LINE emoji and a Flex card: preview, errors, test send, a scheduled send',
    { timeout: 480_000 },
    async () => {
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      onTestFailed(() => snap(page, 'failure'));
      await loginToConsole(page, ORIGIN, TOYONAKA.login, TOYONAKA.password);

      // A friend of Toyonaka's test account (the follow webhook makes them a resident).
      const before = await call<{ reachable: number }>(page, 'POST', '/api/deliveries/audience', {
        channel: 'test',
        target: { type: 'all' },
      });
      expect(before.status).toBe(200);
      const friend = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
        displayName: `豊中 太郎 ${run}`,
      });
      await expect
        .poll(
          async () =>
            (
              await call<{ reachable: number }>(page, 'POST', '/api/deliveries/audience', {
                channel: 'test',
                target: { type: 'all' },
              })
            ).body.reachable,
          { timeout: 30_000 },
        )
        .toBeGreaterThan(before.body.reachable);

      // --- the list and a new delivery
      await page.goto(`${ORIGIN}/deliveries`);
      await expect.poll(() => page.locator('h1').first().innerText()).toBe('メッセージ配信');
      await page.getByRole('link', { name: '新しい配信' }).click();
      await page.waitForURL(/\/deliveries\/new$/);
      const title = `E2E 市民まつりのお知らせ ${run}`;
      await page.locator('#d-title').fill(title);
      await page.locator('#d-org').selectOption({ index: 1 });
      await page.getByLabel('テスト用アカウント', { exact: true }).check();
      await page.getByLabel('友だち全員', { exact: true }).check();
      await expect
        .poll(() => page.getByTestId('audience').innerText(), { timeout: 15_000 })
        .toMatch(/配信対象：\d+人/);

      // 1通目: text with a LINE emoji inserted at the caret.
      await page.locator('#m0-text').fill('豊中市からのお知らせです');
      await page.getByRole('button', { name: '☺ LINE絵文字を入れる' }).click();
      await page.getByRole('button', { name: 'LINE絵文字 001' }).click();
      await page.locator('#m0-text').press('End');
      await page.locator('#m0-text').pressSequentially('\n今週末は市民まつりです。');
      await expect
        .poll(() => page.locator('#m0-text').inputValue())
        .toBe('豊中市からのお知らせです$\n今週末は市民まつりです。');
      const preview = page.getByTestId('line-preview');
      await expect.poll(() => preview.locator('.emoji').count()).toBe(1);
      await expect.poll(() => preview.innerText()).toContain('今週末は市民まつりです。');

      // 2通目: a Flex お知らせカード with an uploaded picture.
      await page.getByRole('button', { name: '＋ メッセージを追加' }).click();
      await page.getByRole('button', { name: /カード（Flex）/ }).click();
      const hero = await sharp({
        create: { width: 1200, height: 780, channels: 3, background: { r: 11, g: 92, b: 171 } },
      })
        .png()
        .toBuffer();
      await page
        .locator('#m1-card0-img')
        .setInputFiles({ name: 'matsuri.png', mimeType: 'image/png', buffer: hero });
      await page.locator('#m1-card0-title').fill('とよなか市民まつり');
      await page.locator('#m1-card0-body').fill('10月12日（日）10時から、豊島公園で開きます。');
      await page.locator('#m1-card0-b0-value').fill('https://www.city.toyonaka.osaka.jp/');
      await expect.poll(() => preview.locator('img[src^="/media/"]').count(), { timeout: 20_000 }).toBe(1);
      await expect.poll(() => preview.innerText()).toContain('とよなか市民まつり');
      await expect.poll(() => page.locator('#m1-alt').inputValue()).toBe('とよなか市民まつり');
      await snap(page, 'composer');

      // Bad input: a sixth message is refused, an empty text is named in Japanese.
      for (let i = 0; i < 3; i++) {
        await page.getByRole('button', { name: '＋ メッセージを追加' }).click();
        await page.getByRole('button', { name: /^テキスト/ }).click();
      }
      await page.getByRole('button', { name: '＋ メッセージを追加' }).click();
      await page.getByText('メッセージは1回の配信で5通までです').waitFor();
      await page.getByRole('button', { name: '下書きを保存' }).click();
      await page.getByText('3通目: テキストを入力してください').waitFor();
      expect(await page.locator('#m2-text-error').innerText()).toBe('テキストを入力してください');
      expect(await preview.locator('li.invalid').count()).toBe(3);
      await snap(page, 'errors');
      for (const n of [5, 4, 3]) await page.getByRole('button', { name: `${n}通目を削除` }).click();

      // Saved as a draft: the page becomes the delivery's own.
      await page.getByRole('button', { name: '下書きを保存' }).click();
      await page.waitForURL(/\/deliveries\/[0-9a-f-]{36}$/, { timeout: 20_000 });
      const deliveryId = page.url().split('/').pop()!;
      await expect.poll(() => page.getByTestId('status').innerText()).toBe('下書き');

      // --- test send to Toyonaka's test account: it arrives in the emulator.
      await page.getByLabel('テスト用アカウントの友だち全員に送る').check();
      await page.getByRole('button', { name: 'テスト配信する' }).click();
      await expect
        .poll(() => page.getByTestId('test-result').innerText(), { timeout: 30_000 })
        .toContain('配信済み');
      await expect
        .poll(async () => (await received(channelId, friend.userId)).length, { timeout: 30_000 })
        .toBe(2);
      const [text, flex] = await received(channelId, friend.userId);
      expect(text!.message).toMatchObject({
        type: 'text',
        text: '豊中市からのお知らせです$\n今週末は市民まつりです。',
        emojis: [{ index: 12, productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' }],
      });
      expect(flex!.message).toMatchObject({ type: 'flex', altText: 'とよなか市民まつり' });
      expect(JSON.stringify(flex!.message.contents)).toMatch(
        /https:\/\/localhost:\d+\/media\/t\/[0-9a-f-]{36}\/[0-9a-f]{32}\/original/,
      );
      await snap(page, 'test-sent');

      const talk = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'ja-JP' });
      onTestFailed(() => snap(talk, 'talk-failure', false));
      await talk.goto(`${TALK}/?channel=${channelId}&user=${friend.userId}`);
      await expect
        .poll(() => talk.locator('.msg.bot').count(), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(2);
      await expect
        .poll(() => talk.locator('.bubble.text').last().innerText())
        .toContain('今週末は市民まつりです。');
      expect(await talk.locator('.flex-bubble').count()).toBeGreaterThanOrEqual(1);
      await snap(talk, 'talk-test', false);

      // --- the recurring builder shows the server's description and next dates
      await page.getByRole('button', { name: '配信する・予約する…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('繰り返し配信する').check();
      await dialog.getByLabel('くり返し方').selectOption('nthWeekday');
      await dialog.getByLabel('第4').check();
      await expect
        .poll(() => dialog.getByTestId('recurrence-preview').innerText(), { timeout: 15_000 })
        .toContain('毎月第2・第4月曜 9:00');
      expect(await dialog.locator('[data-testid=recurrence-preview] ol li').count()).toBe(5);
      await dialog.getByTestId('recurrence-preview').scrollIntoViewIfNeeded();
      await snap(page, 'recurring', false);

      // --- scheduled a minute or two ahead, confirmed with target and count, delivered by the worker
      const at = new Date(Math.ceil((Date.now() + 70_000) / 60_000) * 60_000);
      const { date, time } = jst(at);
      await dialog.getByLabel('日時を指定して予約する（1回）').check();
      await dialog.getByLabel('配信日').fill(date);
      await dialog.getByLabel('時刻（日本時間）').fill(time);
      await dialog.getByRole('button', { name: '確認へ進む' }).click();
      const confirm = page.getByTestId('confirm-text');
      await confirm.waitFor();
      const statement = await confirm.innerText();
      expect(statement).toContain(`「${title}」を、テスト用アカウントの友だち全員（`);
      expect(statement).toContain(`${date.replaceAll('-', '/')} ${time}（日本時間）に配信します`);
      await snap(page, 'confirm', false);
      await page.getByRole('dialog').getByRole('button', { name: '予約する' }).click();
      await expect.poll(() => page.getByTestId('status').innerText(), { timeout: 15_000 }).toBe('予約中');
      await snap(page, 'scheduled');

      await expect
        .poll(async () => (await received(channelId, friend.userId)).length, {
          timeout: 240_000,
          interval: 2_000,
        })
        .toBe(4);
      expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
      await expect
        .poll(
          async () => {
            await page.reload();
            return page.getByTestId('status').innerText();
          },
          { timeout: 60_000, interval: 2_000 },
        )
        .toBe('配信済み');
      const production = page.locator('[data-testid=runs] tr[data-purpose=production]');
      await expect.poll(() => production.count()).toBe(1);
      expect(await production.innerText()).toContain('配信済み');
      await snap(page, 'delivered');

      // The history list: date, time, title, type, status, counts.
      await page.goto(`${ORIGIN}/deliveries?q=${encodeURIComponent(run)}`);
      const row = page.locator('[data-testid=deliveries] tbody tr', { hasText: title });
      await row.waitFor();
      const cells = await row.locator('td').allInnerTexts();
      expect(cells[0]).toBe(date.replaceAll('-', '/'));
      expect(cells[1]).toContain(time);
      expect(cells[3]).toBe('予約');
      expect(cells[4]).toBe('配信済み');
      expect(Number(cells[7])).toBeGreaterThanOrEqual(1);
      await snap(page, 'list');

      // Copy a past delivery as a new draft (DEL-9).
      await row.getByRole('button', { name: /コピー/ }).click();
      await page.waitForURL(
        (u) => /\/deliveries\/[0-9a-f-]{36}$/.test(u.pathname) && !u.pathname.endsWith(deliveryId),
      );
      await expect.poll(() => page.locator('#d-title').inputValue()).toBe(`${title}のコピー`);
      await expect.poll(() => page.getByTestId('line-preview').innerText()).toContain('とよなか市民まつり');
      await ctx.close();
    },
  );

  it('registers recurring deliveries from a CSV: every error first, then drafts', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    onTestFailed(() => snap(page, 'import-failure'));
    await loginToConsole(page, ORIGIN, TOYONAKA.login, TOYONAKA.password);
    await page.goto(`${ORIGIN}/deliveries`);
    await page.getByRole('link', { name: '繰り返し配信をCSVで登録' }).click();
    await expect.poll(() => page.locator('h1').first().innerText()).toBe('繰り返し配信のCSV登録');

    const start = jst(new Date(Date.now() + 24 * 3600_000)).date.replaceAll('-', '/');
    const header =
      'タイトル,種類,曜日,第n,日付,間隔,時刻,開始日,終了日,回数,除外日,休業日,年末年始休業,祝日の扱い,配信対象,本文';
    const rows = (kind: string) => [
      `E2E 資源ごみ ${run},第n曜日,火,2;4,,,8:00,${start},,,,,,翌営業日,全員,明日は資源ごみの日です。`,
      `E2E 広報紙 ${run},毎月,,,1;15,,12:00,${start},,12,,,する,,,広報紙の最新号を掲載しました。`,
      `E2E 燃やせるごみ ${run},${kind},月;木,,,,7:30,${start},,,,,,,テスター,明日は燃やせるごみの日です。`,
    ];
    const file = (kind: string) => ({
      name: 'patterns.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`\ufeff${[header, ...rows(kind)].join('\r\n')}\r\n`, 'utf8'),
    });
    await page.locator('#i-org').selectOption({ index: 1 });
    await page.locator('#i-target').selectOption('all');
    await page.locator('#i-file').setInputFiles(file('毎時'));
    await page.getByRole('button', { name: '内容を確認する' }).click();
    const result = page.getByTestId('import-result');
    await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain('誤りがあります（1件）');
    const [line, column, message] = await result.locator('tbody tr').first().locator('td').allInnerTexts();
    expect([line, column]).toEqual(['4', '種類']);
    expect(message).toMatch(/^種類「毎時」は使えません。/);
    await snap(page, 'import-errors');

    await page.locator('#i-file').setInputFiles(file('毎週'));
    await page.getByRole('button', { name: '内容を確認する' }).click();
    await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain('確認結果：3件');
    expect(await result.innerText()).toContain('毎月第2・第4火曜 8:00（祝日は翌営業日）');
    await page.getByRole('button', { name: '3件を下書きとして登録する' }).click();
    await expect
      .poll(() => result.innerText(), { timeout: 20_000 })
      .toContain('3件の配信を下書きとして登録しました');
    await snap(page, 'import-done');

    await page.goto(`${ORIGIN}/deliveries?type=recurring&status=draft&q=${encodeURIComponent(run)}`);
    await expect.poll(() => page.locator('[data-testid=deliveries] tbody tr').count()).toBe(3);
    expect(await page.locator('[data-testid=deliveries]').innerText()).toContain('毎週月・木曜 7:30');
    await ctx.close();
  });
});
