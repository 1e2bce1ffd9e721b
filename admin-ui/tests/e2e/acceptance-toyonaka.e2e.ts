import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { consoleOrigin, launch, loginToConsole, newContext, SCREENSHOTS } from './helpers';

/**
 * Issue 4's acceptance, end to end in chromium, as Toyonaka's staff: define a children's-birthday
 * item and put it on 受信設定; three friends of the test account register through the resident
 * page opened from the LINE emulator's talk view; a segment 「北部の3歳未満」 counts the two who
 * match; a text + Flex delivery is previewed, test-sent to the test account, and scheduled; at its
 * time exactly the two matching friends receive it.
 */
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
const TALK = LINE.replace('//127.0.0.1', '//localhost');
const ORIGIN = consoleOrigin('toyonaka');
const PASSWORD = 'Toyonaka-demo-2026';

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
  await page.screenshot({ path: path.join(SCREENSHOTS, `acceptance-${name}.png`), fullPage });
}

/** A JSON call from the signed-in console page (session cookie and CSRF token). */
async function call<T>(page: Page, method: string, p: string, body?: unknown) {
  return page.evaluate(
    async ([m, url, b]) => {
      const s = (await (await fetch('/api/auth/session')).json()) as { csrfToken?: string };
      const res = await fetch(url, {
        method: m,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken ?? '' },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as unknown };
    },
    [method, p, body] as const,
  ) as Promise<{ status: number; body: T }>;
}

/** YYYY-MM-DD of the JST day `days` and `years` before today. */
function ago(years: number, days = 0): string {
  const d = new Date(Date.now() + 9 * 3600_000);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** JST date and time (YYYY-MM-DD, HH:MM) of an instant. */
function jst(at: Date): { date: string; time: string } {
  const iso = new Date(at.getTime() + 9 * 3600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

interface Friend {
  name: string;
  area: '北部' | '南部';
  district: string;
  child: string;
  matches: boolean;
  userId?: string;
}

describe('acceptance (issue 4): Toyonaka sends to 「北部の3歳未満」 and exactly they receive it', () => {
  let browser: Browser;
  let page: Page;
  let channelId: string;
  const run = Date.now().toString(36);
  const kidsCode = `e2e_kodomo_${run}`;
  const kidsLabel = `子どもの誕生日 ${run}`;
  const segmentName = `北部の3歳未満 ${run}`;
  let settingsFormId = '';
  const friends: Friend[] = [
    { name: `北部 一郎 ${run}`, area: '北部', district: '第八中学校区', child: ago(1), matches: true },
    { name: `北部 二郎 ${run}`, area: '北部', district: '第九中学校区', child: ago(2, 330), matches: true },
    { name: `南部 三郎 ${run}`, area: '南部', district: '第三中学校区', child: ago(1), matches: false },
  ];

  /** Messages a friend received through deliveries (multicast; the greeting is a reply). */
  async function delivered(userId: string) {
    const r = await emulator<{
      messages: Array<{ endpoint: string; message: { type: string; text?: string } }>;
    }>('GET', `/channels/${channelId}/users/${userId}/messages?from=bot`);
    return r.messages.filter((m) => m.endpoint === 'multicast');
  }

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/toyonaka/test'))!.channelId;
  });
  afterAll(async () => {
    // Leave 受信設定 as it was for other suites: the item off the form, archived (it has answers).
    if (page && settingsFormId) {
      const form = await call<{ items: Array<{ id: string; code: string }> }>(
        page,
        'GET',
        `/api/registration-forms/${settingsFormId}`,
      );
      const kids = form.body.items.find((i) => i.code === kidsCode);
      if (kids) {
        await call(page, 'PATCH', `/api/registration-forms/${settingsFormId}`, {
          itemIds: form.body.items.filter((i) => i.code !== kidsCode).map((i) => i.id),
        });
        await call(page, 'POST', `/api/attributes/${kids.id}/archive`);
      }
    }
    await browser?.close();
  });

  it('staff define a children’s-birthday item and put it on 受信設定', async () => {
    onTestFailed(() => snap(page, 'failure-item'));
    await page.goto(`${ORIGIN}/attributes/new`);
    await page.locator('#if-code').fill(kidsCode);
    await page.getByRole('radio', { name: /複数の日付/ }).check();
    await page.locator('#if-label').fill(kidsLabel);
    await page.locator('#if-maxCount').fill('3');
    await page.getByLabel('今日より後の日付は受け付けない（生年月日など）').check();
    await page.getByRole('button', { name: '作成する' }).click();
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 15_000 }).toBe('/attributes');

    const forms = await call<{ items: Array<{ id: string; code: string }> }>(
      page,
      'GET',
      '/api/registration-forms',
    );
    const settings = forms.body.items.find((f) => f.code === 'settings')!;
    settingsFormId = settings.id;
    await page.goto(`${ORIGIN}/registration-forms/${settings.id}`);
    await page.getByRole('button', { name: new RegExp(`加える.*${kidsLabel}`) }).click();
    await page.getByRole('button', { name: '変更を保存' }).click();
    await expect
      .poll(async () => {
        const f = await call<{ items: Array<{ code: string }> }>(
          page,
          'GET',
          `/api/registration-forms/${settings.id}`,
        );
        return f.body.items.map((i) => i.code);
      })
      .toContain(kidsCode);
    await snap(page, 'form');
  });

  it('three friends register from the greeting in the LINE talk view', { timeout: 240_000 }, async () => {
    for (const f of friends) {
      const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
        displayName: f.name,
      });
      f.userId = user.userId;
      // The follow is recorded and answered with the greeting and its 受信設定 button.
      await expect
        .poll(
          async () =>
            (
              await emulator<{ messages: unknown[] }>(
                'GET',
                `/channels/${channelId}/users/${user.userId}/messages?from=bot`,
              )
            ).messages.length,
          { timeout: 20_000 },
        )
        .toBe(2);
      const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: 'ja-JP' });
      const talk = await ctx.newPage();
      onTestFailed(() => snap(talk, `failure-${f.area}`, false));
      await talk.goto(`${TALK}/?channel=${channelId}&user=${user.userId}`);
      await talk.getByRole('button', { name: '受信設定をする' }).click();
      await talk.locator('#browser').waitFor({ state: 'visible' });
      const pane = talk.frameLocator('#browser-frame');
      await expect
        .poll(() => pane.locator('.resident-status').textContent(), { timeout: 20_000 })
        .toBe(`${f.name}さん、こんにちは`);
      const card = pane.locator('.card', { has: pane.getByRole('heading', { name: '受信設定' }) });
      await card.getByRole('link', { name: '登録する' }).click();
      await pane.getByRole('button', { name: '入力内容を確認する' }).waitFor();
      await pane.locator('#item-area-l0').selectOption({ label: '豊中市内' });
      await pane.getByLabel('「豊中市内」の中から選ぶ').selectOption({ label: f.area });
      await pane.getByLabel(`「${f.area}」の中から選ぶ`).selectOption({ label: f.district });
      await pane.locator(`#item-${kidsCode}-0`).fill(f.child);
      await pane.getByRole('button', { name: '入力内容を確認する' }).click();
      await pane.getByRole('heading', { name: 'この内容で登録します' }).waitFor();
      expect(await pane.locator('.answers').innerText()).toContain(`豊中市内 › ${f.area} › ${f.district}`);
      if (f === friends[0]) await snap(talk, 'talk-confirm', false);
      await pane.getByRole('button', { name: '登録する', exact: true }).click();
      await pane.getByRole('heading', { name: '登録しました' }).waitFor({ timeout: 15_000 });
      await ctx.close();
    }
  });

  let segmentId = '';
  it('a segment 「北部の3歳未満」 built in the builder counts the two who match', async () => {
    onTestFailed(() => snap(page, 'failure-segment'));
    await page.goto(`${ORIGIN}/segments/new`);
    await page.getByRole('heading', { level: 1, name: 'セグメントの作成' }).waitFor();
    await page.locator('#seg-name').fill(segmentName);
    await page.locator('#seg-org').selectOption({ index: 1 });
    const first = page.locator('[data-leaf]').nth(0);
    await first.locator('select[id$="-subject"]').selectOption(kidsCode);
    await expect.poll(() => first.locator('select[id$="-cond"]').inputValue()).toBe('age');
    await first.locator('input[id$="-age-under"]').fill('3');
    await page
      .getByRole('button', { name: /^＋ 条件を追加/ })
      .first()
      .click();
    const second = page.locator('[data-leaf]').nth(1);
    await second.locator('select[id$="-subject"]').selectOption('area');
    await second.locator('input[id$="-codes-hokubu"]').check();
    await expect
      .poll(() => page.getByTestId('segment-sentence').innerText())
      .toBe(
        `「${kidsLabel}」のいずれかの日付から数えた年齢が3歳未満、かつ「お住まいの地域」が「豊中市内 › 北部」（その下の6件を含む）に当てはまる友だち`,
      );
    await page.locator('#count-channel').selectOption('test');
    const count = page.locator('.count[data-state="done"] [data-testid="live-count"]');
    await expect
      .poll(async () => (await count.innerText()).replace(/\s+/g, ' '), { timeout: 20_000 })
      .toBe('対象: 2人');
    await snap(page, 'segment');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    segmentId = page.url().split('/').pop()!;
  });

  it(
    'text + Flex with a preview, test-sent to the test account, scheduled: at its time exactly the two receive it',
    { timeout: 420_000 },
    async () => {
      onTestFailed(() => snap(page, 'failure-delivery'));
      await page.goto(`${ORIGIN}/deliveries/new`);
      const title = `E2E 乳幼児健診のお知らせ ${run}`;
      await page.locator('#d-title').fill(title);
      await page.locator('#d-org').selectOption({ index: 1 });
      await page.getByLabel('テスト用アカウント', { exact: true }).check();
      await page.getByLabel('セグメント（条件で絞り込んだ友だち）').check();
      await page.locator('#target-segment').selectOption(segmentId);
      await expect
        .poll(() => page.getByTestId('audience').innerText(), { timeout: 15_000 })
        .toContain('配信対象：2人');

      await page
        .locator('#m0-text')
        .fill('北部にお住まいで3歳未満のお子さまがいるご家庭へ。\n乳幼児健診のご案内です。');
      await page.getByRole('button', { name: '＋ メッセージを追加' }).click();
      await page.getByRole('button', { name: /カード（Flex）/ }).click();
      await page.locator('#m1-card0-title').fill('乳幼児健診のご案内');
      await page.locator('#m1-card0-body').fill('北部保健センターで毎月第2火曜に行います。');
      await page.locator('#m1-card0-b0-value').fill('https://www.city.toyonaka.osaka.jp/');
      const preview = page.getByTestId('line-preview');
      await expect.poll(() => preview.innerText()).toContain('乳幼児健診のご案内です。');
      await expect.poll(() => preview.innerText()).toContain('北部保健センターで毎月第2火曜に行います。');
      await snap(page, 'composer');
      await page.getByRole('button', { name: '下書きを保存' }).click();
      await page.waitForURL(/\/deliveries\/[0-9a-f-]{36}$/, { timeout: 20_000 });

      // Test send to Toyonaka's test account: every friend of it gets the two messages.
      const before = new Map<string, number>();
      for (const f of friends) before.set(f.userId!, (await delivered(f.userId!)).length);
      await page.getByLabel('テスト用アカウントの友だち全員に送る').check();
      await page.getByRole('button', { name: 'テスト配信する' }).click();
      await expect
        .poll(() => page.getByTestId('test-result').innerText(), { timeout: 30_000 })
        .toContain('配信済み');
      for (const f of friends)
        await expect
          .poll(async () => (await delivered(f.userId!)).length, { timeout: 30_000 })
          .toBe(before.get(f.userId!)! + 2);

      // Scheduled a minute or two ahead, confirmed with the segment and its count.
      const at = new Date(Math.ceil((Date.now() + 70_000) / 60_000) * 60_000);
      const { date, time } = jst(at);
      await page.getByRole('button', { name: '配信する・予約する…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('日時を指定して予約する（1回）').check();
      await dialog.getByLabel('配信日').fill(date);
      await dialog.getByLabel('時刻（日本時間）').fill(time);
      await dialog.getByRole('button', { name: '確認へ進む' }).click();
      const confirm = page.getByTestId('confirm-text');
      await confirm.waitFor();
      expect(await confirm.innerText()).toContain(`${segmentName}（2人）`);
      await page.getByRole('dialog').getByRole('button', { name: '予約する' }).click();
      await expect.poll(() => page.getByTestId('status').innerText(), { timeout: 15_000 }).toBe('予約中');

      const afterTest = new Map<string, number>();
      for (const f of friends) afterTest.set(f.userId!, (await delivered(f.userId!)).length);
      await expect
        .poll(
          async () => {
            await page.reload();
            return page.getByTestId('status').innerText();
          },
          { timeout: 240_000, interval: 3_000 },
        )
        .toBe('配信済み');
      expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
      for (const f of friends) {
        const got = await delivered(f.userId!);
        expect(got.length, f.name).toBe(afterTest.get(f.userId!)! + (f.matches ? 2 : 0));
        if (f.matches) expect(got.at(-2)!.message.text).toContain('乳幼児健診のご案内です。');
      }
      const production = page.locator('[data-testid=runs] tr[data-purpose=production]');
      expect(await production.innerText()).toContain('配信済み');
      await snap(page, 'delivered');

      // What the first matching friend sees in the talk view.
      const talk = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: 'ja-JP' });
      await talk.goto(`${TALK}/?channel=${channelId}&user=${friends[0]!.userId}`);
      await expect
        .poll(() => talk.locator('.flex-bubble').count(), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(2);
      await snap(talk, 'talk-delivered', false);
      await talk.close();
    },
  );
});
