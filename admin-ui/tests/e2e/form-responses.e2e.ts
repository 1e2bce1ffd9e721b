import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { BASE, SCREENSHOTS, consoleOrigin, launch, loginToConsole, newContext } from './helpers';

/**
 * FORM-7 and FORM-8 in the browser, as Kuwana's administrator: a small published form with
 * answers entered by staff (電話・紙) and one from a resident's browser; the response list finds
 * them, narrows by a hierarchical choice and by keyword (with removable chips and the count),
 * the detail shows the answers labelled by their version, the status and the memo are changed and
 * survive a reload, and the CSV of the current list downloads as Shift_JIS with Japanese headers
 * and a formula-like answer neutralised.
 */
const ORIGIN = consoleOrigin('kuwana');
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
const PASSWORD = 'Kuwana-demo-2026';
const run = Date.now().toString(36);
const TITLE = `図書館についてのご意見 ${run}`;

async function snap(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `form-responses-${name}.png`), fullPage: true });
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

async function emulator<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${LINE}/_emulator${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A LINE Login ID token for a simulated friend, as the LIFF page would get it from LINE. */
async function idTokenFor(loginChannelId: string, userId: string): Promise<string> {
  const redirect = 'http://localhost/callback';
  const authorize = new URL(`${LINE}/oauth2/v2.1/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: loginChannelId,
    redirect_uri: redirect,
    scope: 'openid profile',
    state: 's',
    user_id: userId,
  }))
    authorize.searchParams.set(k, v);
  const res = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const token = await fetch(`${LINE}/oauth2/v2.1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: loginChannelId,
      redirect_uri: redirect,
    }),
  });
  return ((await token.json()) as { id_token: string }).id_token;
}

const definition = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: 'ご意見',
      sections: [
        {
          code: 's1',
          title: 'ご意見',
          items: [
            {
              type: 'hierarchyChoice',
              code: 'area',
              label: 'お住まいの地区',
              required: true,
              options: [
                {
                  code: 'north',
                  label: '北部',
                  children: [
                    { code: 'kumayama', label: '熊山' },
                    { code: 'seto', label: '瀬戸' },
                  ],
                },
                { code: 'south', label: '南部' },
              ],
            },
            { type: 'number', code: 'visits', label: '月の利用回数', unit: '回' },
            { type: 'longText', code: 'opinion', label: 'ご意見', required: true },
            { type: 'shortText', code: 'name', label: 'お名前', personal: true },
            { type: 'location', code: 'place', label: '気になる場所' },
            { type: 'file', code: 'photo', label: '写真', accept: ['image'] },
            {
              type: 'singleChoice',
              code: 'review',
              label: '確認結果',
              staffOnly: true,
              options: [
                { code: 'ok', label: '確認済み' },
                { code: 'again', label: '要再確認' },
              ],
            },
          ],
        },
        {
          code: 'calls',
          title: '対応履歴',
          staffOnly: true,
          repeat: { min: 0, max: 3, itemName: '対応' },
          items: [{ type: 'longText', code: 'call_note', label: '対応の内容', required: true }],
        },
      ],
    },
  ],
};

describe('form responses: list, filters, detail, CSV (Kuwana)', () => {
  let browser: Browser;
  let page: Page;
  let formId = '';
  const receipts: Record<string, string> = {};
  let channelId = '';
  let lineUserId = '';
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
    // A form with responses cannot be deleted: close it, as staff would.
    if (formId) await api(page, 'POST', `/api/forms/${formId}/close`).catch(() => undefined);
    await browser?.close();
  });

  async function failed(name: string) {
    if (pageErrors.length) console.error(`errors in the page:\n${pageErrors.join('\n---\n')}`);
    await snap(page, name);
  }

  const count = () => page.locator('#rf-count').innerText();
  const rows = () => page.locator('tbody tr');

  it('publishes a form and receives answers from staff and from a resident', async () => {
    onTestFailed(() => failed('failed-setup'));
    const orgs = await api<{ items: Array<{ id: string }> }>(page, 'GET', '/api/organisations');
    const created = await api<{ id: string; urls: { resident: string } }>(page, 'POST', '/api/forms', {
      title: TITLE,
      organisationId: orgs.body.items[0]!.id,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    formId = created.body.id;
    expect((await api(page, 'PUT', `/api/forms/${formId}/draft`, { definition })).status).toBe(200);
    const settings = await api(page, 'PATCH', `/api/forms/${formId}/settings`, { requireLineLogin: false });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const published = await api<{ version: number }>(page, 'POST', `/api/forms/${formId}/publish`);
    expect(published.status, JSON.stringify(published.body)).toBe(200);

    // A photo staff attach to the library answer (a 1×1 PNG), uploaded as the page would.
    const photo = await page.evaluate(async (fid) => {
      const png = Uint8Array.from(
        atob(
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        ),
        (c) => c.charCodeAt(0),
      );
      const s = (await (await fetch('/api/auth/session')).json()) as { csrfToken?: string };
      const res = await fetch(`/api/forms/${fid}/files?item=photo`, {
        method: 'POST',
        headers: {
          'Content-Type': 'image/png',
          'X-File-Name': encodeURIComponent('図書館の入口.png'),
          'X-CSRF-Token': s.csrfToken ?? '',
        },
        body: png,
      });
      return {
        status: res.status,
        body: (await res.json()) as { id: string; name: string; size: number; type: string },
      };
    }, formId);
    expect(photo.status, JSON.stringify(photo.body)).toBe(201);

    const staffEntries = {
      library: {
        source: 'phone',
        answers: {
          area: 'kumayama',
          visits: 4,
          opinion: '図書館の開館時間を夜まで延長してください',
          name: '桑名 太郎',
          place: { lat: 35.065934, lng: 136.684139 },
          photo: [photo.body],
        },
      },
      formula: { source: 'paper', answers: { area: 'south', visits: 1, opinion: '=1+1', name: '長島 花子' } },
      bench: {
        source: 'phone',
        answers: { area: 'seto', visits: 12, opinion: '公園にベンチを増やしてほしい' },
      },
    };
    for (const [key, e] of Object.entries(staffEntries)) {
      const r = await api<{ receiptNumber: string }>(page, 'POST', `/api/forms/${formId}/responses`, {
        version: 1,
        ...e,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      receipts[key] = r.body.receiptNumber;
    }

    // A resident answers in a browser (no LINE login): the form's own cookie and CSRF token.
    const resident = await (await newContext(browser)).newPage();
    const residentUrl = new URL(created.body.urls.resident);
    await resident.goto(`${BASE.origin}${residentUrl.pathname}`);
    const code = residentUrl.pathname.split('/').pop()!;
    const sent = await resident.evaluate(async (c) => {
      const f = (await (await fetch(`/api/t/kuwana/forms/${c}`)).json()) as { csrfToken: string };
      const res = await fetch(`/api/t/kuwana/forms/${c}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': f.csrfToken },
        body: JSON.stringify({
          version: 1,
          answers: { area: 'south', opinion: 'バスの本数を増やしてほしい' },
        }),
      });
      return { status: res.status, body: (await res.json()) as { receiptNumber: string } };
    }, code);
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    receipts.web = sent.body.receiptNumber;
    await resident.context().close();

    // A friend of the test account answers in LINE (LIFF login with the emulator's ID token).
    const { channels } = await emulator<{
      channels: Array<{ channelId: string; loginChannelId?: string; webhookUrl?: string }>;
    }>('GET', '/channels');
    const channel = channels.find((c) => c.webhookUrl?.includes('/webhook/kuwana/test'))!;
    channelId = channel.channelId;
    const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
      displayName: '多度 次郎',
    });
    lineUserId = user.userId;
    const idToken = await idTokenFor(channel.loginChannelId!, lineUserId);
    const friend = await (await newContext(browser)).newPage();
    await friend.goto(`${BASE.origin}/t/kuwana/`);
    const answered = await friend.evaluate(
      async ([c, token]) => {
        const s = await fetch('/api/t/kuwana/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-requested-with': 'tsunagu' },
          body: JSON.stringify({ idToken: token }),
        });
        if (!s.ok) return { status: s.status, body: { receiptNumber: await s.text() } };
        const { csrfToken } = (await s.json()) as { csrfToken: string };
        const res = await fetch(`/api/t/kuwana/forms/${c}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
          body: JSON.stringify({
            version: 1,
            answers: { area: 'kumayama', opinion: '駅前の駐輪場を広げてほしい' },
          }),
        });
        return { status: res.status, body: (await res.json()) as { receiptNumber: string } };
      },
      [code, idToken] as const,
    );
    expect(answered.status, JSON.stringify(answered.body)).toBe(201);
    receipts.line = answered.body.receiptNumber;
    await friend.context().close();
  });

  it('lists every response with its answer columns', async () => {
    onTestFailed(() => failed('failed-list'));
    await page.goto(`${ORIGIN}/forms/${formId}/responses`);
    await page.locator('#rf-count').waitFor();
    expect(await count()).toContain('5件');
    expect(await rows().count()).toBe(5);
    const text = await page.locator('tbody').innerText();
    for (const r of Object.values(receipts)) expect(text).toContain(r);
    // Answer columns: the hierarchical choice as its path, the number with its unit.
    expect(text).toContain('北部 ＞ 熊山');
    expect(text).toContain('12 回');
    // Personal answers stay off the list.
    expect(text).not.toContain('桑名 太郎');
    expect(await page.locator('thead').innerText()).toMatch(
      /受付番号[\s\S]*受付日時[\s\S]*更新日時[\s\S]*状態[\s\S]*経路/,
    );
    await snap(page, '01-list');
  });

  it('narrows the list by a choice (the area includes the districts under it), then by keyword', async () => {
    onTestFailed(() => failed('failed-filter'));
    await page.locator('#rf-add-item').selectOption('area');
    await page.locator('#rf-add-item-button').click();
    await page.locator('#rf-item-area-north').check();
    await page.locator('#rf-submit').click();
    await expect.poll(count).toContain('3件');
    const text = await page.locator('tbody').innerText();
    expect(text).toContain(receipts.library);
    expect(text).toContain(receipts.bench);
    expect(text).toContain(receipts.line);
    expect(await page.locator('.chip').innerText()).toContain('お住まいの地区: 北部');
    expect(new URL(page.url()).searchParams.get('filters')).toBe(
      JSON.stringify([{ item: 'area', op: 'in', values: ['north'] }]),
    );
    await snap(page, '02-filtered');

    // The chip removes its filter.
    await page.locator('[data-chip="item:area"]').click();
    await expect.poll(count).toContain('5件');

    await page.locator('#rf-q').fill('図書館');
    await page.locator('#rf-submit').click();
    await expect.poll(count).toContain('1件');
    expect(await page.locator('tbody').innerText()).toContain(receipts.library);

    // Status and source filters come from the URL too.
    await page.goto(`${ORIGIN}/forms/${formId}/responses?source=web`);
    await expect.poll(count).toContain('1件');
    expect(await page.locator('tbody').innerText()).toContain(receipts.web);
    expect(await page.locator('#rf-source-web').isChecked()).toBe(true);
  });

  it('moves between the responses of a filtered, sorted list and returns to it', async () => {
    onTestFailed(() => failed('failed-stepper'));
    const filters = JSON.stringify([{ item: 'area', op: 'in', values: ['north'] }]);
    await page.goto(
      `${ORIGIN}/forms/${formId}/responses?${new URLSearchParams({ filters, sort: 'receiptNumber', order: 'asc' })}`,
    );
    await expect.poll(count).toContain('3件');
    const listed = (await page.locator('tbody tr td:first-child a').allInnerTexts()).map((t) => t.trim());
    expect(listed).toEqual([receipts.library, receipts.bench, receipts.line].sort());
    await page.getByRole('link', { name: listed[0], exact: true }).click();
    await expect.poll(() => page.locator('#resp-position').innerText()).toBe('3件中 1件目');
    expect(await page.locator('nav.stepper').innerText()).toContain('‹ 前の回答');
    expect(await page.locator('nav.stepper a[rel="prev"]').count()).toBe(0);
    for (const [i, receipt] of listed.slice(1).entries()) {
      await page.locator('nav.stepper a[rel="next"]').click();
      await expect.poll(() => page.locator('#resp-receipt').innerText()).toBe(receipt);
      await expect.poll(() => page.locator('#resp-position').innerText()).toBe(`3件中 ${i + 2}件目`);
    }
    expect(await page.locator('nav.stepper a[rel="next"]').count()).toBe(0);
    await snap(page, '02b-stepper');
    await page.locator('nav.stepper a[rel="prev"]').click();
    await expect.poll(() => page.locator('#resp-receipt').innerText()).toBe(listed[1]);
    await page.getByRole('link', { name: '回答一覧へ戻る' }).click();
    await expect.poll(count).toContain('3件');
    const back = new URL(page.url()).searchParams;
    expect([back.get('filters'), back.get('sort'), back.get('order')]).toEqual([
      filters,
      'receiptNumber',
      'asc',
    ]);
  });

  it('shows a response with its answers, and keeps a changed status and memo', async () => {
    onTestFailed(() => failed('failed-detail'));
    await page.goto(`${ORIGIN}/forms/${formId}/responses?q=${encodeURIComponent('図書館')}`);
    await page.getByRole('link', { name: receipts.library, exact: true }).click();
    await page.locator('#resp-receipt').waitFor();
    expect(await page.locator('#resp-receipt').innerText()).toBe(receipts.library);
    expect(await page.locator('[data-item="area"]').innerText()).toBe('北部 ＞ 熊山');
    expect(await page.locator('[data-item="visits"]').innerText()).toBe('4 回');
    expect(await page.locator('[data-item="name"]').innerText()).toBe('桑名 太郎');
    // A place as coordinates with a map link; a file as a download of the stored attachment.
    expect(await page.locator('[data-item="place"]').innerText()).toContain(
      '緯度 35.065934、経度 136.684139',
    );
    expect(await page.locator('[data-item="place"] a').getAttribute('href')).toBe(
      'https://maps.gsi.go.jp/#17/35.065934/136.684139/',
    );
    const fileLink = page.locator('[data-item="photo"] a');
    expect(await fileLink.innerText()).toBe('図書館の入口.png');
    const file = await page.evaluate(
      async (href) => {
        const res = await fetch(href);
        return { status: res.status, type: res.headers.get('content-type') };
      },
      (await fileLink.getAttribute('href'))!,
    );
    expect(file).toEqual({ status: 200, type: 'image/png' });
    expect(await page.locator('main').innerText()).toContain('電話');

    await page.locator('#resp-status').selectOption('in_progress');
    await page.locator('#resp-memo').fill('折り返し電話済み（12/7）');
    await page.locator('#resp-save').click();
    await expect.poll(() => page.locator('#resp-status-badge').innerText()).toBe('対応中');
    await page.reload();
    await page.locator('#resp-status').waitFor();
    expect(await page.locator('#resp-status').inputValue()).toBe('in_progress');
    expect(await page.locator('#resp-memo').inputValue()).toBe('折り返し電話済み（12/7）');
    await snap(page, '03-detail');

    // FORM-4: the 職員用 item is filled in after the response arrived (the resident never saw it).
    expect(await page.locator('[data-item="review"]').innerText()).toBe('（回答なし）');
    await page.getByRole('radio', { name: '確認済み' }).check();
    await page.locator('#staff-items-save').click();
    await page.getByText('職員用の項目を保存しました。').waitFor();
    await page.reload();
    await expect.poll(() => page.locator('[data-item="review"]').innerText()).toBe('確認済み');
    expect(await page.getByRole('radio', { name: '確認済み' }).isChecked()).toBe(true);

    // A staff-only list (対応履歴): entries added here, checked by the engine, kept.
    const calls = page.locator('[data-section="calls"]');
    expect(await calls.innerText()).toContain('対応はまだありません。');
    await calls.getByRole('button', { name: '＋ 対応を追加' }).click();
    await page.locator('#staff-items-save').click();
    await expect.poll(() => calls.locator('.pv-error').first().innerText()).toBe('入力してください');
    await calls.getByLabel('対応の内容').fill('12/7 折り返し電話で内容を確認');
    await page.locator('#staff-items-save').click();
    await page.getByText('職員用の項目を保存しました。').waitFor();
    await page.reload();
    await expect
      .poll(() => calls.getByLabel('対応の内容').inputValue())
      .toBe('12/7 折り返し電話で内容を確認');
    expect(await calls.locator('legend').innerText()).toBe('対応（1件目）');
    await snap(page, '03b-staff-list');

    await page.goto(`${ORIGIN}/forms/${formId}/responses?status=in_progress`);
    await expect.poll(count).toContain('1件');
  });

  it('sends a message to the LINE respondent only, and lists it with its status', async () => {
    onTestFailed(() => failed('failed-message'));
    await page.goto(`${ORIGIN}/forms/${formId}/responses?source=line`);
    await expect.poll(count).toContain('1件');
    await page.getByRole('link', { name: receipts.line, exact: true }).click();
    await page.waitForURL(/\/responses\/[0-9a-f-]{36}(\?|$)/);
    // The friend's follow event is processed in the background: until then they are not a friend.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.locator('#msg-open').waitFor();
          return page.locator('#msg-open').isDisabled();
        },
        { timeout: 20_000 },
      )
      .toBe(false);
    await page.locator('#msg-open').click();
    const text = `ご意見ありがとうございます。担当課で検討します（受付番号 ${receipts.line}）。`;
    await page.locator('#msg-text').fill(text);
    expect(await page.locator('#msg-count').innerText()).toContain(`${[...text].length} / 1,000文字`);
    // Nothing is sent before the confirmation is ticked.
    expect(await page.locator('#msg-send').isDisabled()).toBe(true);
    await page.locator('#msg-confirm').check();
    await snap(page, '04-message-dialog');
    await page.locator('#msg-send').click();
    await page.locator('#msg-list').waitFor();
    expect(await page.locator('#msg-list').innerText()).toContain(text);
    await expect
      .poll(
        async () =>
          (
            await emulator<{ messages: Array<{ message: { text?: string } }> }>(
              'GET',
              `/channels/${channelId}/users/${lineUserId}/messages?from=bot`,
            )
          ).messages.some((m) => m.message.text?.includes('担当課で検討します')),
        { timeout: 20_000 },
      )
      .toBe(true);
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.locator('#msg-list').waitFor();
          return page.locator('#msg-list').innerText();
        },
        { timeout: 20_000 },
      )
      .toContain('送信済み');
    await snap(page, '05-message-sent');

    // A staff-entered response has no LINE respondent: the button is off and says why.
    await page.goto(`${ORIGIN}/forms/${formId}/responses?q=${encodeURIComponent(receipts.bench!)}`);
    await page.getByRole('link', { name: receipts.bench, exact: true }).click();
    await page.locator('#msg-open').waitFor();
    expect(await page.locator('#msg-open').isDisabled()).toBe(true);
    expect((await page.locator('#msg-blocked').innerText()).length).toBeGreaterThan(0);
  });

  it('downloads the CSV of the current list in Shift_JIS, formulas neutralised', async () => {
    onTestFailed(() => failed('failed-csv'));
    await page.goto(`${ORIGIN}/forms/${formId}/responses?source=phone,paper`);
    await expect.poll(count).toContain('3件');
    await page.locator('#csv-encoding').selectOption('sjis');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#csv-download').click(),
    ]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    // Not UTF-8: Shift_JIS has no BOM, and decoding it as UTF-8 would garble the header.
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    const csv = new TextDecoder('shift_jis').decode(bytes);
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    expect(header).toContain('受付番号');
    expect(header).toContain('お住まいの地区');
    expect(header).toContain('ご意見');
    // The current filters: staff-entered ones only, the resident's web answer left out.
    expect(lines).toHaveLength(3);
    expect(csv).not.toContain(receipts.web);
    expect(csv).toContain('図書館の開館時間を夜まで延長してください');
    // Personal items are exported (the page says so).
    expect(csv).toContain('桑名 太郎');
    const formulaLine = lines.find((l) => l.includes(receipts.formula!))!;
    expect(formulaLine).toContain("'=1+1");
    expect(formulaLine).not.toMatch(/(^|,)"?=1\+1/);
  });

  it('links from the form to its responses, statistics and staff entry', async () => {
    onTestFailed(() => failed('failed-links'));
    await page.goto(`${ORIGIN}/forms/${formId}`);
    const link = page.locator('#form-responses-link');
    await link.waitFor();
    expect(await link.innerText()).toBe('回答一覧（5件）');
    expect(await page.locator('#form-stats-link').getAttribute('href')).toBe(`/forms/${formId}/stats`);
    expect(await page.locator('#form-entry-link').getAttribute('href')).toBe(
      `/forms/${formId}/responses/new`,
    );
    await link.click();
    await page.waitForURL(/\/responses$/);
    await expect.poll(count).toContain('5件');
  });
});
