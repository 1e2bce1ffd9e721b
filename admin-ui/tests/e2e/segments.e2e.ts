import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { BASE, SCREENSHOTS, consoleOrigin, launch, loginToConsole, newContext } from './helpers';

/**
 * SEG-6…7 and STAFF-7 in the browser, as Toyonaka's administrator: friends of Toyonaka's test
 * account register their 受信設定 (area, children's birthdates) from the LINE emulator; the
 * administrator builds "children under 3 in 豊中市内" (the area node stands for its 18
 * districts), sees the same count as the API, saves and reopens it, looks at the research view,
 * and limits a staff account to that one segment.
 */
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
const ORIGIN = consoleOrigin('toyonaka');
const PASSWORD = 'Toyonaka-demo-2026';
const run = Date.now().toString(36);
const SEGMENT = `3歳未満の子どもがいる・豊中市内 ${run}`;

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
  await page.screenshot({ path: path.join(SCREENSHOTS, `segments-${name}.png`), fullPage: true });
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

/** A JST calendar date `years` years and `days` days before today. */
function ago(years: number, days = 0): string {
  const now = new Date(Date.now() + 9 * 3600_000);
  const d = new Date(Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate() - days));
  return d.toISOString().slice(0, 10);
}

/** Friends of Toyonaka's test account and what they register. */
const RESIDENTS = [
  { name: `豊中 花子${run}`, area: 'chu03', children: [ago(1)], under3: true },
  { name: `豊中 一郎${run}`, area: 'chu12', children: [ago(1, 180), ago(7)], under3: true },
  { name: `豊中 五郎${run}`, area: 'chu01', children: [ago(2, 30)], under3: true, blocks: true },
  { name: `豊中 次郎${run}`, area: 'shigai', children: [ago(1)], under3: false },
  { name: `豊中 三郎${run}`, area: 'chu05', children: [ago(5, 10)], under3: false },
  { name: `豊中 四郎${run}`, area: 'chu07', children: [], under3: false },
];

interface Count {
  count: number;
  friends: number;
  excluded: number;
}

describe('segments: builder, live count, research view and restrictions (Toyonaka)', () => {
  let browser: Browser;
  let channelId: string;
  let segmentId = '';
  let copyId = '';
  let staff01 = '';

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

  it('friends of Toyonaka’s test account register their 受信設定 from LINE', async () => {
    // Each friend follows the account, opens the city's page from LINE and saves 受信設定.
    for (const r of RESIDENTS) {
      const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
        displayName: r.name,
      });
      await emulator('POST', `/channels/${channelId}/select`, { userId: user.userId });
      const ctx = await browser.newContext({ viewport: { width: 390, height: 760 }, locale: 'ja-JP' });
      const page = await ctx.newPage();
      await page.goto(`${BASE.origin}/t/toyonaka/?channel=test`);
      await expect
        .poll(() => page.locator('.resident-status').textContent(), { timeout: 20_000 })
        .toBe(`${r.name}さん、こんにちは`);
      const saved = await page.evaluate(
        async ([values]) => {
          const me = (await (await fetch('/api/t/toyonaka/me')).json()) as { csrfToken: string };
          const res = await fetch('/api/t/toyonaka/registration/settings', {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken },
            body: JSON.stringify({ values }),
          });
          return { status: res.status, body: await res.text() };
        },
        [{ area: r.area, categories: ['kosodate'], children_birthdates: r.children }] as const,
      );
      expect(saved.status, saved.body).toBe(200);
      await ctx.close();
      if (r.blocks)
        await emulator('POST', `/channels/${channelId}/users/${user.userId}/actions`, { type: 'block' });
    }
  });

  it('builds 「3歳未満の子どもがいる・豊中市内」, counts it like the API, saves and reopens it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    onTestFailed(() => snap(page, 'failure'));
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);

    // Follows and blocks are processed by the worker: wait until they are all in.
    const definition = {
      type: 'and',
      conditions: [
        { type: 'age', item: 'children_birthdates', unit: 'years', max: 2, quantifier: 'any' },
        { type: 'option', item: 'area', op: 'in', codes: ['shinai'] },
      ],
    };
    const under3Here = RESIDENTS.filter((r) => r.under3 && !r.blocks).length;
    const countViaApi = async () =>
      (await api<Count>(page, 'POST', '/api/segments/count', { channel: 'test', definition })).body;
    await expect
      .poll(
        async () => {
          const c = await countViaApi();
          return c.count >= under3Here && c.excluded >= 1;
        },
        { timeout: 30_000 },
      )
      .toBe(true);

    await page.goto(`${ORIGIN}/segments`);
    await page.getByRole('heading', { level: 1, name: 'セグメント' }).waitFor();
    await expect.poll(() => page.locator('nav').getByText('属性の分布').count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'セグメントを作成' }).click();
    await page.getByRole('heading', { level: 1, name: 'セグメントの作成' }).waitFor();

    await page.locator('#seg-name').fill(SEGMENT);
    await page.locator('#seg-org').selectOption({ label: '子育て支援担当' });
    // Condition 1: a child under 3 (any of the children's birthdates).
    const first = page.locator('[data-leaf]').nth(0);
    await first.locator('select[id$="-subject"]').selectOption('children_birthdates');
    await expect.poll(() => first.locator('select[id$="-cond"]').inputValue()).toBe('age');
    await first.locator('input[id$="-age-under"]').fill('3');
    // Condition 2: living anywhere in 豊中市内 (the area node: all its districts).
    await page
      .getByRole('button', { name: /^＋ 条件を追加/ })
      .first()
      .click();
    const second = page.locator('[data-leaf]').nth(1);
    await second.locator('select[id$="-subject"]').selectOption('area');
    await second.locator('input[id$="-codes-shinai"]').check();
    await expect.poll(() => second.locator('input[id$="-codes-chu07"]').isDisabled()).toBe(true);
    expect(await second.locator('input[id$="-codes-chu07"]').isChecked()).toBe(true);
    await expect
      .poll(() => page.getByTestId('segment-sentence').innerText())
      .toBe(
        '「お子さまの生年月日」のいずれかの日付から数えた年齢が3歳未満、かつ「お住まいの地域」が「豊中市内」（その下の18件を含む）に当てはまる友だち',
      );

    // The live count for the test account equals the API's count of the same definition.
    await page.locator('#count-channel').selectOption('test');
    const count = page.locator('.count[data-state="done"] [data-testid="live-count"]');
    await count.waitFor({ timeout: 20_000 });
    const viaApi = await countViaApi();
    expect(viaApi.count).toBeGreaterThanOrEqual(under3Here);
    expect(viaApi.excluded).toBeGreaterThanOrEqual(1);
    const nf = new Intl.NumberFormat('ja-JP');
    await expect
      .poll(async () => (await count.innerText()).replace(/\s+/g, ' '))
      .toBe(`対象: ${nf.format(viaApi.count)}人 （ブロック等 ${nf.format(viaApi.excluded)}人を除く）`);
    await snap(page, 'builder');

    // Typing does not wait for the count; a half-typed condition is held back, then counted again.
    await first.locator('input[id$="-age-under"]').fill('');
    await expect.poll(() => page.locator('.count').getAttribute('data-state')).toBe('incomplete');
    await first.locator('input[id$="-age-under"]').fill('3');
    await count.waitFor();

    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    segmentId = page.url().split('/').pop()!;
    await expect
      .poll(() => page.locator('.flash').allInnerTexts())
      .toContainEqual(expect.stringContaining('を保存しました'));
    const saved = (
      await api<{ definition: unknown; name: string }>(page, 'GET', `/api/segments/${segmentId}`)
    ).body;
    expect(saved.definition).toEqual(definition);
    const savedCount = (await api<Count>(page, 'GET', `/api/segments/${segmentId}/count?channel=test`)).body;
    expect(savedCount.count).toBe(viaApi.count);

    // Reopened: the same conditions, sentence and count.
    await page.goto(`${ORIGIN}/segments`);
    const row = page.locator(`tr[data-segment="${segmentId}"]`);
    await page.locator('#s-channel').selectOption('test');
    await row.getByRole('button', { name: /^数える/ }).click();
    await expect.poll(() => row.locator('.count strong').innerText()).toBe(`${nf.format(viaApi.count)}人`);
    await snap(page, 'list');
    await row.getByRole('link', { name: SEGMENT, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: SEGMENT }).waitFor();
    expect(await page.locator('#seg-name').inputValue()).toBe(SEGMENT);
    const leaves = page.locator('[data-leaf]');
    expect(await leaves.count()).toBe(2);
    expect(await leaves.nth(0).locator('select[id$="-subject"]').inputValue()).toBe('children_birthdates');
    expect(await leaves.nth(0).locator('input[id$="-age-under"]').inputValue()).toBe('3');
    expect(await leaves.nth(1).locator('input[id$="-codes-shinai"]').isChecked()).toBe(true);
    await page.locator('#count-channel').selectOption('test');
    await expect
      .poll(() => count.innerText(), { timeout: 20_000 })
      .toContain(`対象: ${nf.format(viaApi.count)}人`);
    expect(await page.getByText('保存していない変更があります。').count()).toBe(0);
    await snap(page, 'reopened');

    // An emptied group is pointed out next to it when saving; removing it leaves nothing unsaved.
    await page
      .getByRole('button', { name: /^＋ グループを追加/ })
      .first()
      .click();
    const sub = page.locator('[data-group]').nth(1);
    await sub.locator('[data-leaf]').getByRole('button', { name: /^削除/ }).click();
    await page.getByRole('button', { name: '変更を保存' }).click();
    await expect
      .poll(() => page.locator('[data-group] .field-error').allInnerTexts())
      .toContain('条件を追加するか、このグループを削除してください');
    await sub.getByRole('button', { name: /^グループを削除/ }).click();
    expect(await page.getByText('保存していない変更があります。').count()).toBe(0);
    await expect.poll(() => page.locator('.error-summary').count()).toBe(0);

    // Other kinds of condition in an OR group: a date counted back from today, days as a friend.
    await page
      .getByRole('button', { name: /^＋ グループを追加/ })
      .first()
      .click();
    const or = page.locator('[data-group]').nth(1);
    expect(await or.locator('select').first().inputValue()).toBe('or');
    const date = or.locator('[data-leaf]').nth(0);
    await date.locator('select[id$="-subject"]').selectOption('children_birthdates');
    await date.locator('select[id$="-cond"]').selectOption('date');
    await date.locator('select[id$="-a-mode"]').selectOption('days');
    await date.locator('input[id$="-a-n"]').fill('365');
    await or.getByRole('button', { name: /^＋ 条件を追加/ }).click();
    const period = or.locator('[data-leaf]').nth(1);
    await period.locator('select[id$="-subject"]').selectOption('@friend_period');
    await period.locator('input[id$="-max-days"]').fill('30');
    await expect
      .poll(() => page.getByTestId('segment-sentence').innerText())
      .toBe(
        '「お子さまの生年月日」のいずれかの日付から数えた年齢が3歳未満、かつ「お住まいの地域」が「豊中市内」（その下の18件を含む）、かつ（「お子さまの生年月日」のいずれかの日付が今日の365日前より後、または友だちになって30日以内）に当てはまる友だち',
      );
    // Counted by the server (it accepts days from today), the same figure as the API's.
    const orDef = {
      type: 'and',
      conditions: [
        ...definition.conditions,
        {
          type: 'or',
          conditions: [
            { type: 'date', item: 'children_birthdates', op: 'after', days: -365, quantifier: 'any' },
            { type: 'friend_period', maxDays: 30 },
          ],
        },
      ],
    };
    const orCount = (
      await api<Count>(page, 'POST', '/api/segments/count', { channel: 'test', definition: orDef })
    ).body;
    await expect
      .poll(() => page.locator('.count[data-state="done"] [data-testid="live-count"] strong').innerText(), {
        timeout: 20_000,
      })
      .toBe(`${nf.format(orCount.count)}人`);
    await snap(page, 'builder-kinds');
    // Leaving with unsaved changes asks first.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('link', { name: 'セグメント一覧へ戻る' }).click();
    await page.waitForURL(/\/segments$/);
    await ctx.close();
  });

  it('shows the research view of the segment’s answers, districts drilled down by area', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    onTestFailed(() => snap(page, 'research-failure'));
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);
    const items = (await api<{ items: Array<{ id: string; code: string }> }>(page, 'GET', '/api/attributes'))
      .body.items;
    const area = items.find((i) => i.code === 'area')!.id;
    const kids = items.find((i) => i.code === 'children_birthdates')!.id;
    const seg = (await api<Count>(page, 'GET', `/api/segments/${segmentId}/count?channel=test`)).body;

    await page.goto(`${ORIGIN}/segments/${segmentId}`);
    await page.getByRole('link', { name: 'このセグメントで属性の分布を見る' }).click();
    await page.getByRole('heading', { level: 1, name: '属性の分布' }).waitFor();
    await page.locator('#r-item').selectOption(area);
    await page.locator('#r-channel').selectOption('test');
    await page.getByRole('button', { name: '集計する' }).click();
    await page.waitForURL(/channel=test/);
    await expect.poll(() => page.getByTestId('dist-friends').innerText()).toBe(`${seg.count}人`);
    const table = page.locator('table.dist');
    // Top level: 豊中市内 holds everyone in the segment; 豊中市外 nobody.
    await expect
      .poll(() => table.locator('tbody tr').first().locator('th').innerText())
      .toContain('豊中市内');
    expect(await table.locator('tbody tr').first().locator('td').first().innerText()).toBe(`${seg.count}人`);
    await snap(page, 'research-area');
    await table.getByRole('link', { name: /豊中市内/ }).click();
    await page.waitForURL(/node=shinai/);
    // 豊中市内 → 北部・中部・南部 → the districts (第三中学校区 is in 南部).
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    await table.getByRole('link', { name: /南部/ }).click();
    await page.waitForURL(/node=nanbu/);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(6);
    const third = table.locator('tbody tr', { hasText: '第三中学校区' });
    expect(await third.locator('td').first().innerText()).not.toBe('0人');
    await snap(page, 'research-districts');

    // Dates by age, one year per band: the children of the segment's friends.
    await page.locator('#r-item').selectOption(kids);
    await page.locator('#r-by').selectOption('age');
    await page.locator('#r-band').selectOption('1');
    await page.getByRole('button', { name: '集計する' }).click();
    await page.waitForURL(/band=1/);
    await expect.poll(() => table.locator('tbody th').allInnerTexts()).toContain('1歳');
    await snap(page, 'research-ages');
    await ctx.close();
  });

  it('a restricted staff account sees and counts only the segment granted to it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    onTestFailed(() => snap(page, 'restrict-failure'));
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);

    // A copy in staff01's own organisation: staff01 would normally see it.
    await page.goto(`${ORIGIN}/segments/${segmentId}`);
    await page.getByRole('link', { name: '複製' }).click();
    await page.getByRole('heading', { level: 1, name: 'セグメントの複製' }).waitFor();
    expect(await page.locator('#seg-name').inputValue()).toBe(`${SEGMENT}のコピー`);
    await page.locator('#seg-org').selectOption({ label: 'デジタル戦略課' });
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(
      (u) => /\/segments\/[0-9a-f-]{36}$/.test(u.pathname) && !u.pathname.endsWith(segmentId),
    );
    copyId = page.url().split('/').pop()!;

    // Restrict staff01 (山田 花子).
    await page.goto(`${ORIGIN}/segments/restrictions`);
    await page.getByRole('heading', { level: 1, name: '配信先の制限' }).waitFor();
    await page.locator('#r-staff-q').fill('staff01');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.locator('#r-id option').allInnerTexts()).toContain('山田 花子（staff01）');
    await page.locator('#r-id').selectOption({ label: '山田 花子（staff01）' });
    await page.getByRole('button', { name: '追加', exact: true }).click();
    await page.getByRole('button', { name: '制限を保存' }).click();
    const restrictedRow = page.locator('tbody tr', { hasText: '山田 花子' });
    await expect.poll(() => restrictedRow.locator('.badge-warning').innerText()).toBe('制限中');
    staff01 = (await restrictedRow.getAttribute('data-grantee'))!;
    await snap(page, 'restrictions');

    // Grant the first segment to staff01.
    await page.goto(`${ORIGIN}/segments/${segmentId}`);
    await page.locator('#g-type').selectOption('staff');
    await page.locator('#g-staff-q').fill('staff01');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.locator('#g-id option').allInnerTexts()).toContain('山田 花子（staff01）');
    await page.locator('#g-id').selectOption({ label: '山田 花子（staff01）' });
    await page.getByRole('button', { name: '追加', exact: true }).click();
    await page.getByRole('button', { name: '権限を保存' }).click();
    await expect
      .poll(() => page.locator('.flash').allInnerTexts())
      .toContainEqual(expect.stringContaining('共有の設定を保存しました'));
    await page.goto(`${ORIGIN}/segments`);
    await expect.poll(() => page.getByTestId('restriction-summary').innerText()).toContain('山田 花子');

    // staff01 sees only the granted segment (not the copy of its own organisation).
    const ctx2 = await newContext(browser);
    const staff = await ctx2.newPage();
    onTestFailed(() => snap(staff, 'restricted-failure'));
    await loginToConsole(staff, ORIGIN, 'staff01', PASSWORD);
    await staff.goto(`${ORIGIN}/segments`);
    await staff.getByText('配信先が制限されています').waitFor();
    const names = await staff.locator('tbody tr[data-segment] td:first-child a').allInnerTexts();
    expect(names).toEqual([SEGMENT]);
    expect(await staff.getByRole('link', { name: 'セグメントを作成' }).count()).toBe(0);
    await snap(staff, 'restricted-list');
    const listed = (await api<{ items: Array<{ id: string }> }>(staff, 'GET', '/api/segments')).body.items;
    expect(listed.map((s) => s.id)).toEqual([segmentId]);
    expect((await api(staff, 'GET', `/api/segments/${copyId}`)).status).toBe(403);

    // It opens read-only and is counted as saved (a restricted account may not count its own conditions).
    await staff.getByRole('link', { name: SEGMENT, exact: true }).click();
    await staff.getByText('このセグメントは見るだけです').waitFor();
    await staff.locator('#count-channel').selectOption('test');
    const seg = (await api<Count>(page, 'GET', `/api/segments/${segmentId}/count?channel=test`)).body;
    await expect
      .poll(() => staff.locator('[data-testid="live-count"]').innerText(), { timeout: 20_000 })
      .toContain(`対象: ${seg.count}人`);
    expect(await staff.getByRole('button', { name: '変更を保存' }).count()).toBe(0);
    await snap(staff, 'restricted-segment');
    await ctx2.close();

    // Tidy up: lift the restriction, remove the copy (through the screen) and the segment.
    await page.goto(`${ORIGIN}/segments/restrictions`);
    await page
      .locator(`tr[data-grantee="${staff01}"]`)
      .getByRole('button', { name: /^制限をやめる/ })
      .click();
    await page.getByRole('button', { name: '制限を保存' }).click();
    await expect.poll(() => page.locator(`tr[data-grantee="${staff01}"]`).count()).toBe(0);
    await page.goto(`${ORIGIN}/segments/${copyId}`);
    await page.getByRole('button', { name: 'このセグメントを削除' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '削除する' }).click();
    await page.waitForURL(/\/segments$/);
    expect((await api(page, 'DELETE', `/api/segments/${segmentId}`)).status).toBe(204);
    await ctx.close();
  });
});
