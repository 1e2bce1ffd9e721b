import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SCREENSHOTS, consoleOrigin, launch, loginToConsole, newContext } from './helpers';

/**
 * Residents' attributes as Toyonaka's administrator sets them up (SEG-1…5, SEG-4, DEL-2): an item
 * of several dates and a tree pasted in one go, both put on a staff-only registration form, the
 * greeting of new friends, and one friend's settings and tester flag changed by staff.
 */
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
const ORIGIN = consoleOrigin('toyonaka');
const LOGIN = { id: 'admin', password: process.env.E2E_TOYONAKA_PASSWORD ?? 'Toyonaka-demo-2026' };

async function emulator<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${LINE}/_emulator${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function snap(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `attributes-${name}.png`), fullPage: true });
}

/** Calls the API from the signed-in page (session cookie, CSRF token). */
async function call<T = unknown>(page: Page, method: string, p: string, body?: unknown) {
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

/** Waits for a confirmation toast containing `text`, then closes the toasts. */
async function flashed(page: Page, text: string) {
  await expect
    .poll(() => page.locator('.flash').allInnerTexts(), { timeout: 15_000 })
    .toContainEqual(expect.stringContaining(text));
  const close = page.getByRole('button', { name: 'このお知らせを閉じる' });
  while ((await close.count()) > 0) await close.first().click();
}

interface Item {
  id: string;
  code: string;
  label: string;
  status: string;
  config: {
    options?: Array<{ code: string; label: string; children?: Array<{ code: string; label: string }> }>;
  };
}

describe('attributes, registration forms, greeting and friends (Toyonaka)', () => {
  let browser: Browser;
  let page: Page;
  const run = Date.now().toString(36);
  const kidsCode = `e2e_kids_${run}`;
  const areaCode = `e2e_area_${run}`;
  const friendName = `豊中 E2E花子 ${run}`;
  const cleanup: Array<() => Promise<unknown>> = [];
  let greetingBefore: unknown;

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    await loginToConsole(page, ORIGIN, LOGIN.id, LOGIN.password);
    greetingBefore = (await call(page, 'GET', '/api/registration-forms/greeting')).body;
  });
  afterAll(async () => {
    // Leave the demo as it was: what has answers is archived, the rest removed.
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
    await browser?.close();
  });

  const items = async () =>
    (await call<{ items: Item[] }>(page, 'GET', '/api/attributes?status=all')).body.items;

  it('creates an item of several dates (子どもの生年月日), with a Japanese error first', async () => {
    onTestFailed(() => snap(page, 'failure-dates'));
    await page.goto(`${ORIGIN}/attributes`);
    await page.getByRole('link', { name: '項目を作成' }).click();
    await expect.poll(() => page.locator('h1').first().innerText()).toBe('属性項目の作成');
    await page.locator('#if-code').fill(kidsCode);
    await page.getByRole('radio', { name: /複数の日付/ }).check();
    // Without a name the form says what is missing, next to the field.
    await page.getByRole('button', { name: '作成する' }).click();
    await expect.poll(() => page.locator('#if-label-error').innerText()).toBe('項目名を入力してください');
    expect(await page.locator('#if-label').getAttribute('aria-invalid')).toBe('true');

    await page.locator('#if-label').fill(`子どもの生年月日 ${run}`);
    await page.locator('#if-help').fill('健診や予防接種のお知らせに使います。');
    await page.locator('#if-maxCount').fill('3');
    await page.getByLabel('今日より後の日付は受け付けない（生年月日など）').check();
    // The preview shows the item as residents will see it.
    await expect
      .poll(() => page.locator('aside.preview legend').innerText())
      .toContain(`子どもの生年月日 ${run}`);
    await snap(page, 'new-dates');
    await page.getByRole('button', { name: '作成する' }).click();
    await flashed(page, `項目「子どもの生年月日 ${run}」を作成しました`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/attributes');
    const kids = (await items()).find((i) => i.code === kidsCode)!;
    cleanup.push(() => call(page, 'POST', `/api/attributes/${kids.id}/archive`));
    expect(kids.config).toMatchObject({ precision: 'day', maxCount: 3, notFuture: true });
  });

  it('creates a hierarchical item from pasted lines, renames an area and finds a district', async () => {
    onTestFailed(() => snap(page, 'failure-tree'));
    await page.goto(`${ORIGIN}/attributes/new`);
    await page.locator('#if-label').fill(`E2E お住まいの地区 ${run}`);
    await page.locator('#if-code').fill(areaCode);
    await page.getByRole('radio', { name: /階層選択/ }).check();
    await page.getByRole('button', { name: 'まとめて入力' }).click();
    const districts = Array.from({ length: 12 }, (_, i) => `北部/北の地区${i + 1}`);
    await page
      .locator('#opt-paste')
      .fill(
        ['北部/桜ヶ丘', '北部/緑丘', '南部/山陽', '南部/豊南,honan', '/空の地域', ...districts].join('\n'),
      );
    await expect.poll(() => page.locator('#opt-paste-result').innerText()).toContain('追加する選択肢：18件');
    expect(await page.locator('#opt-paste-result').innerText()).toContain('5行目：空の階層があります');
    await page.getByRole('button', { name: '追加する' }).click();
    // Fewer than 40 options: every area is open.
    await expect.poll(() => page.getByTestId('option-row').count()).toBe(18);
    await snap(page, 'tree-pasted');
    await page.getByRole('button', { name: '作成する' }).click();
    await flashed(page, '作成しました');
    const area = (await items()).find((i) => i.code === areaCode)!;
    cleanup.push(() => call(page, 'POST', `/api/attributes/${area.id}/archive`));
    const [north, south] = area.config.options!;
    expect(north).toMatchObject({ label: '北部' });
    expect(north!.children).toHaveLength(14);
    expect(south!.children!.map((c) => [c.code, c.label])).toContainEqual(['honan', '豊南']);

    // Rename 北部 (its code stays), look for 緑丘 among the districts, save.
    await page.goto(`${ORIGIN}/attributes/${area.id}`);
    await expect.poll(() => page.locator('h1').first().innerText()).toBe(`E2E お住まいの地区 ${run}`);
    const northLabel = page.getByRole('textbox', { name: /1段目選択肢の名前（1番目）/ });
    await northLabel.fill('北部地域');
    // Saved options keep their codes: the code boxes are read-only.
    expect(
      await page.locator('input[id^="opt-"][id$="-code"]').first().getAttribute('readonly'),
    ).not.toBeNull();
    await page.locator('#opt-search').fill('緑');
    await expect.poll(() => page.getByTestId('option-row').count()).toBe(2);
    await snap(page, 'tree-search');
    await page.locator('#opt-search').fill('');
    // Hundreds of districts: 300 more under 15 new areas, pasted at once.
    const many = Array.from(
      { length: 300 },
      (_, i) => `地域${Math.floor(i / 20) + 1}/地域${Math.floor(i / 20) + 1}の地区${i + 1}`,
    );
    await page.getByRole('button', { name: 'まとめて入力' }).click();
    await page.locator('#opt-paste').fill(many.join('\n'));
    await expect.poll(() => page.locator('#opt-paste-result').innerText()).toContain('追加する選択肢：315件');
    await page.getByRole('button', { name: '追加する' }).click();
    await page.getByRole('button', { name: '変更を保存' }).click();
    await flashed(page, '項目を保存しました');
    const renamed = (await items()).find((i) => i.code === areaCode)!;
    expect(renamed.config.options![0]).toMatchObject({ code: north!.code, label: '北部地域' });
    expect(renamed.config.options).toHaveLength(17);

    // A large tree opens folded: 17 areas; one area opens on demand; a search finds one district.
    await page.reload();
    await expect.poll(() => page.getByTestId('option-row').count()).toBe(17);
    await page.getByRole('button', { name: /「地域7」の下の選択肢（20件）を開く/ }).click();
    await expect.poll(() => page.getByTestId('option-row').count()).toBe(37);
    await snap(page, 'tree-300');
    await page.locator('#opt-search').fill('の地区123');
    await expect.poll(() => page.getByTestId('option-row').count()).toBe(2);
    expect(await page.locator('#opt-count').innerText()).toContain('選択肢 333件');
  });

  it('orders items with the keyboard and saves the order', async () => {
    onTestFailed(() => snap(page, 'failure-order'));
    await page.goto(`${ORIGIN}/attributes`);
    const before = (await items()).filter((i) => i.status === 'active').map((i) => i.code);
    expect(before.slice(-2)).toEqual([kidsCode, areaCode]);
    await page.getByRole('button', { name: new RegExp(`「E2E お住まいの地区 ${run}」の並び順`) }).focus();
    await page.keyboard.press('ArrowUp');
    await expect
      .poll(() => page.getByRole('status').allInnerTexts())
      .toContainEqual(expect.stringContaining(`番目に移動しました`));
    await page.getByRole('button', { name: '並び順を保存' }).click();
    await flashed(page, '並び順を保存しました');
    const after = (await items()).filter((i) => i.status === 'active').map((i) => i.code);
    expect(after.slice(-2)).toEqual([areaCode, kidsCode]);
    await snap(page, 'list');
  });

  let formId = '';
  it('puts both items on a staff-only registration form behind a passcode', async () => {
    onTestFailed(() => snap(page, 'failure-form'));
    await page.goto(`${ORIGIN}/registration-forms`);
    await page.getByRole('link', { name: 'フォームを作成' }).click();
    await page.locator('#rf-name').fill(`E2E 職員専用 ${run}`);
    await page.locator('#rf-code').fill(`e2e-staff-${run}`);
    await page.locator('#rf-intro').fill('市職員の方だけが登録するフォームです。');
    await page.getByLabel(/リンクを知っている人だけが開ける/).check();
    await page.getByLabel('合言葉を設定する').check();
    await page.locator('#rf-passcode').fill('abc');
    await page.getByRole('button', { name: new RegExp(`加える.*E2E お住まいの地区 ${run}`) }).click();
    await page.getByRole('button', { name: new RegExp(`加える.*子どもの生年月日 ${run}`) }).click();
    // A passcode that is too short is refused in Japanese, next to the field.
    await page.getByRole('button', { name: '作成する' }).click();
    await expect
      .poll(() => page.locator('#rf-passcode-error').innerText())
      .toBe('合言葉は4文字以上64文字以内にしてください');
    await page.locator('#rf-passcode').fill('sakura-2026');
    // 子どもの生年月日 first, dragged with the mouse onto the first row.
    const rows = page.getByTestId('rf-item-row');
    await rows.nth(1).locator('.handle').dragTo(rows.nth(0));
    await expect.poll(() => rows.first().innerText()).toContain(`子どもの生年月日 ${run}`);
    await snap(page, 'form-new');
    await page.getByRole('button', { name: '作成する' }).click();
    await flashed(page, `登録フォーム「E2E 職員専用 ${run}」を作成しました`);
    await page.waitForURL(/\/registration-forms\/[0-9a-f-]{36}$/);
    formId = new URL(page.url()).pathname.split('/').pop()!;
    cleanup.push(() => call(page, 'DELETE', `/api/registration-forms/${formId}`));
    const form = (
      await call<{ items: Item[]; visibility: string; hasPasscode: boolean }>(
        page,
        'GET',
        `/api/registration-forms/${formId}`,
      )
    ).body;
    expect(form.items.map((i) => i.code)).toEqual([kidsCode, areaCode]);
    expect(form).toMatchObject({ visibility: 'unlisted', hasPasscode: true });
    // The link residents are given opens the form in LINE (the test channel's LIFF app).
    await expect
      .poll(() => page.locator('.url').first().innerText())
      .toContain(`/settings?form=e2e-staff-${run}`);
    await snap(page, 'form-detail');
  });

  it('changes the greeting of new friends, with a preview of LINE', async () => {
    onTestFailed(() => snap(page, 'failure-greeting'));
    cleanup.push(() => {
      const { defaults: _d, ...before } = greetingBefore as Record<string, unknown>;
      return call(page, 'PUT', '/api/registration-forms/greeting', before);
    });
    await page.goto(`${ORIGIN}/registration-forms/greeting`);
    await expect.poll(() => page.locator('h1').first().innerText()).toBe('友だち追加時のあいさつ');
    await page.locator('#gr-text').fill('');
    await page.getByRole('button', { name: '保存する' }).click();
    await expect.poll(() => page.locator('#gr-text-error').innerText()).toBe('あいさつ文を入力してください');
    await page.locator('#gr-text').fill('{name}公式LINEへようこそ。\n受信設定をお願いします。');
    await page.locator('#gr-buttonLabel').fill('E2E 登録する');
    await page.locator('#gr-form').selectOption({ label: `登録フォーム「E2E 職員専用 ${run}」` });
    await expect
      .poll(() => page.getByTestId('greeting-text').innerText())
      .toContain('豊中市公式LINEへようこそ。');
    expect(await page.getByTestId('greeting-button').innerText()).toBe('E2E 登録する');
    await snap(page, 'greeting');
    await page.getByRole('button', { name: '保存する' }).click();
    await flashed(page, '友だち追加時のあいさつを保存しました');
    const saved = (
      await call<{ buttonLabel: string; formCode: string }>(page, 'GET', '/api/registration-forms/greeting')
    ).body;
    expect(saved).toMatchObject({ buttonLabel: 'E2E 登録する', formCode: `e2e-staff-${run}` });
  });

  it('opens a friend, changes their settings (a future birthdate refused) and makes them a tester', async () => {
    onTestFailed(() => snap(page, 'failure-resident'));
    // A friend of Toyonaka's test account, followed in the LINE emulator.
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    const channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/toyonaka/test'))!.channelId;
    await emulator('POST', `/channels/${channelId}/users`, { displayName: friendName });

    // The follow is processed by the worker, which also fetches the friend's profile name.
    await expect
      .poll(
        async () =>
          (
            await call<{ items: Array<{ displayName: string | null }> }>(
              page,
              'GET',
              '/api/residents?channel=test&pageSize=100',
            )
          ).body.items.some((r) => r.displayName === friendName),
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    await page.goto(`${ORIGIN}/residents`);
    await page.locator('#rf-channel').selectOption('test');
    await page.getByRole('button', { name: '絞り込む' }).click();
    await page.getByRole('link', { name: friendName }).waitFor();
    await snap(page, 'residents');
    await page.getByRole('link', { name: friendName }).click();
    await expect.poll(() => page.locator('h1').first().innerText()).toBe(friendName);
    expect(await page.getByTestId('friend-status').innerText()).toBe('友だち');

    // District: 北部地域 › 緑丘; children: one real date and one in the future.
    await page.locator(`#rv-${areaCode}-0`).selectOption({ label: '北部地域' });
    await page.locator(`#rv-${areaCode}-1`).selectOption({ label: '緑丘' });
    const kids = page.locator(`[data-code="${kidsCode}"]`);
    await kids.getByRole('button', { name: '＋ 日付を追加' }).click();
    await page.locator(`#rv-${kidsCode}-0`).fill('2021-04-05');
    await kids.getByRole('button', { name: '＋ 日付を追加' }).click();
    await page.locator(`#rv-${kidsCode}-1`).fill('2099-01-01');
    await page.getByRole('button', { name: '変更を保存' }).click();
    await expect
      .poll(() => page.locator(`#rv-${kidsCode}-error`).innerText())
      .toBe(`「子どもの生年月日 ${run}」の2件目: 未来の日付は登録できません`);
    await snap(page, 'resident-error');
    await kids.getByRole('button', { name: /削除.*2件目/ }).click();
    await page.getByRole('button', { name: '変更を保存' }).click();
    await flashed(page, `${friendName}さんの受信設定を変更しました（2項目）`);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const values = (
      await call<{ values: Record<string, unknown> }>(page, 'GET', `/api/attributes/residents/${id}`)
    ).body.values;
    const area = (await items()).find((i) => i.code === areaCode)!;
    const midori = area.config.options![0]!.children!.find((c) => c.label === '緑丘')!;
    expect(values).toMatchObject({ [kidsCode]: ['2021-04-05'], [areaCode]: midori.code });

    await page.getByRole('button', { name: 'テスターにする' }).click();
    await flashed(page, 'テスターにしました');
    expect(await page.getByTestId('tester-state').innerText()).toContain('テスト配信を受け取ります');
    await snap(page, 'resident');
    const testers = (
      await call<{ items: Array<{ id: string }> }>(page, 'GET', '/api/residents?channel=test&tester=true')
    ).body;
    expect(testers.items.map((r) => r.id)).toContain(id);
    cleanup.push(() => call(page, 'PATCH', `/api/residents/${id}`, { isTester: false }));
  });

  it('archives an item with answers (deleting it is refused, in Japanese) and restores it', async () => {
    onTestFailed(() => snap(page, 'failure-archive'));
    const label = `子どもの生年月日 ${run}`;
    await page.goto(`${ORIGIN}/attributes`);
    await page.getByRole('button', { name: new RegExp(`アーカイブ.*${label}`) }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'アーカイブする' }).click();
    await flashed(page, `「${label}」をアーカイブしました`);
    await page.getByRole('link', { name: /アーカイブ/ }).click();
    await page.getByRole('link', { name: label }).waitFor();
    // Answers exist: the server refuses to delete, and the dialog says why.
    await page.getByRole('button', { name: new RegExp(`削除.*${label}`) }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: '削除する' }).click();
    await expect
      .poll(() => dialog.getByRole('alert').innerText())
      .toContain('回答がある項目は削除できません');
    await snap(page, 'delete-refused');
    await dialog.getByRole('button', { name: 'キャンセル' }).click();
    await page.getByRole('button', { name: new RegExp(`使用中に戻す.*${label}`) }).click();
    await page.getByRole('dialog').getByRole('button', { name: '使用中に戻す' }).click();
    await flashed(page, `「${label}」を使用中に戻しました`);
    expect((await items()).find((i) => i.code === kidsCode)!.status).toBe('active');
  });
});
