import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SCREENSHOTS, consoleOrigin, launch, loginToConsole, newContext } from './helpers';

/**
 * FORM-4, 7, 8 in the browser, as Kuwana's administrator: a form published through the API is
 * answered three times on /forms/[id]/responses/new (電話・窓口・紙) — once refused first for a
 * missing required answer (the engine's Japanese message at the item), once with a conditional
 * item that appears — each time showing the 受付番号; then /forms/[id]/stats counts and
 * percentages per option, filters by 受付方法 in the URL, and cross-tabulates two questions
 * (cells, row percentages, totals, CSV).
 */
const ORIGIN = consoleOrigin('kuwana');
const PASSWORD = 'Kuwana-demo-2026';
const run = Date.now().toString(36);
const TITLE = `窓口アンケート ${run}`;

const DEFINITION = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: '窓口のご利用について',
      sections: [
        {
          code: 's1',
          items: [
            {
              type: 'singleChoice',
              code: 'visit',
              label: '来庁の目的',
              required: true,
              options: [
                { code: 'juminhyo', label: '住民票' },
                { code: 'zeikin', label: '税金' },
                { code: 'sonota', label: 'その他' },
              ],
            },
            {
              type: 'shortText',
              code: 'visit_other',
              label: 'その他の内容',
              required: true,
              showWhen: { op: 'equals', item: 'visit', value: 'sonota' },
            },
            {
              type: 'singleChoice',
              code: 'rating',
              label: '窓口の対応',
              required: true,
              options: [
                { code: 'good', label: '良い' },
                { code: 'normal', label: '普通' },
                { code: 'bad', label: '悪い' },
              ],
            },
            { type: 'number', code: 'wait', label: '待ち時間（分）', min: 0, max: 300 },
          ],
        },
        {
          code: 's_staff',
          title: '職員記入欄',
          staffOnly: true,
          items: [{ type: 'shortText', code: 'staff_note', label: '対応した職員のメモ' }],
        },
      ],
    },
  ],
};

async function snap(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `form-stats-${name}.png`), fullPage: true });
}

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

describe('staff-entered responses and their statistics (Kuwana)', () => {
  let browser: Browser;
  let page: Page;
  let formId = '';
  const receipts: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    page.on('pageerror', (e) => pageErrors.push(`${e.message}\n${e.stack ?? ''}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);

    const orgs = await api<{ items: Array<{ id: string }> }>(page, 'GET', '/api/organisations');
    const created = await api<{ id: string }>(page, 'POST', '/api/forms', {
      title: TITLE,
      organisationId: orgs.body.items[0]!.id,
      template: 'blank',
    });
    expect(created.status).toBe(201);
    formId = created.body.id;
    expect((await api(page, 'PUT', `/api/forms/${formId}/draft`, { definition: DEFINITION })).status).toBe(
      200,
    );
    expect((await api(page, 'POST', `/api/forms/${formId}/publish`)).status).toBe(200);
  });

  afterAll(async () => {
    // A form with responses cannot be deleted: close it so it takes no more answers.
    if (formId) await api(page, 'POST', `/api/forms/${formId}/close`).catch(() => undefined);
    await browser?.close();
  });

  async function failed(name: string) {
    if (pageErrors.length) console.error(`errors in the page:\n${pageErrors.join('\n---\n')}`);
    await snap(page, name);
  }

  const subnav = () => page.getByRole('navigation', { name: '回答の画面' });
  const item = (code: string) => page.locator(`[data-path="${code}"]`);

  async function save(): Promise<string> {
    await page.getByRole('button', { name: 'この内容で回答を登録' }).click();
    const receipt = page.getByTestId('entry-receipt');
    await receipt.waitFor();
    const n = (await receipt.innerText()).trim();
    expect(n).toMatch(/^R-\d{4}-\d{6}$/);
    expect(await page.getByRole('heading', { name: '回答を登録しました' }).isVisible()).toBe(true);
    const detail = page.getByRole('link', { name: '登録した回答を見る' });
    expect(await detail.getAttribute('href')).toMatch(
      new RegExp(`/forms/${formId}/responses/[0-9a-f-]{36}$`),
    );
    receipts.push(n);
    return n;
  }

  it('enters a response by phone, refused first for a missing required answer', async () => {
    onTestFailed(() => failed('failed-entry-1'));
    await page.goto(`${ORIGIN}/forms/${formId}/responses/new`);
    expect((await page.locator('h1').innerText()).trim()).toBe(`回答を入力：${TITLE}`);
    // Staff-only items are part of the staff's form.
    await item('staff_note').waitFor();
    expect(await page.getByText('職員記入欄').isVisible()).toBe(true);
    // The conditional item is not there until its condition holds.
    expect(await item('visit_other').count()).toBe(0);

    await page.getByRole('radio', { name: '電話' }).check();
    await item('visit').getByLabel('住民票').check();
    await page.getByRole('button', { name: 'この内容で回答を登録' }).click();
    const summary = page.getByTestId('entry-errors');
    await summary.waitFor();
    expect(await summary.innerText()).toContain('入力内容を確認してください（1件）');
    expect(await summary.innerText()).toContain('窓口の対応：選んでください');
    expect((await item('rating').locator('.pv-error').innerText()).trim()).toBe('選んでください');
    await snap(page, '01-refused');
    expect(await page.getByTestId('entry-saved').count()).toBe(0);

    await item('rating').getByLabel('良い').check();
    expect(await item('rating').locator('.pv-error').count()).toBe(0);
    await item('wait').locator('input').fill('3');
    await save();
    await snap(page, '02-saved');
  });

  it('enters a counter response whose answer shows a conditional item', async () => {
    onTestFailed(() => failed('failed-entry-2'));
    await page.getByRole('button', { name: '続けて次の回答を入力する' }).click();
    await item('visit').waitFor();
    await page.getByRole('radio', { name: '窓口' }).check();
    await item('visit').getByLabel('その他').check();
    await item('visit_other').waitFor();
    await item('visit_other').locator('input').fill('ごみの分別の相談');
    await item('rating').getByLabel('普通').check();
    await item('wait').locator('input').fill('42');
    await item('staff_note').locator('input').fill('資料をお渡し済み');
    await save();
  });

  it('enters a paper response, and the three have consecutive 受付番号', async () => {
    onTestFailed(() => failed('failed-entry-3'));
    await page.getByRole('button', { name: '続けて次の回答を入力する' }).click();
    await item('visit').waitFor();
    await page.getByRole('radio', { name: '紙' }).check();
    await item('visit').getByLabel('住民票').check();
    await item('rating').getByLabel('良い').check();
    await item('wait').locator('input').fill('18');
    await save();
    const seq = receipts.map((r) => Number(r.slice(-6)));
    expect(seq).toEqual([seq[0], seq[0]! + 1, seq[0]! + 2]);

    // The server kept what staff typed, the staff-only item and the source included.
    const list = await api<{ items: Array<{ source: string; answers: Record<string, unknown> }> }>(
      page,
      'GET',
      `/api/forms/${formId}/responses?sort=receiptNumber&order=asc`,
    );
    expect(list.body.items.map((r) => r.source)).toEqual(['phone', 'counter', 'paper']);
    expect(list.body.items[1]!.answers).toMatchObject({
      visit: 'sonota',
      visit_other: 'ごみの分別の相談',
      staff_note: '資料をお渡し済み',
    });
  });

  const optionRow = (q: string, label: string) =>
    page
      .locator(`#q-${q} tbody tr`)
      .filter({ has: page.locator('th', { hasText: new RegExp(`^${label}$`) }) });
  const rowCells = async (q: string, label: string) =>
    (await optionRow(q, label).locator('td.num').allInnerTexts()).map((t) => t.trim());

  it('shows counts and percentages per option on 集計', async () => {
    onTestFailed(() => failed('failed-stats'));
    await page.goto(`${ORIGIN}/forms/${formId}/stats`);
    await page.getByTestId('stats-total').waitFor();
    expect(await page.getByTestId('stats-total').innerText()).toContain('3件');
    expect(await subnav().getByRole('link', { name: '集計' }).getAttribute('aria-current')).toBe('page');
    expect(await subnav().getByRole('link', { name: '回答一覧' }).getAttribute('href')).toBe(
      `/forms/${formId}/responses`,
    );

    expect(await rowCells('visit', '住民票')).toEqual(['2', '66.7%']);
    expect(await rowCells('visit', '税金')).toEqual(['0', '0.0%']);
    expect(await rowCells('visit', 'その他')).toEqual(['1', '33.3%']);
    expect(await rowCells('rating', '良い')).toEqual(['2', '66.7%']);
    expect(await rowCells('rating', '普通')).toEqual(['1', '33.3%']);
    expect(await rowCells('rating', '悪い')).toEqual(['0', '0.0%']);
    // The table says what the bars show, for screen readers too.
    expect(await page.locator('#q-rating caption').innerText()).toContain(
      '窓口の対応の選択肢ごとの件数と割合',
    );
    expect(await page.locator('#q-visit_other').innerText()).toContain('回答 1件');
    // A number: its figures and a histogram of round bins (3, 18, 42 minutes → bins of 5).
    expect(await page.locator('#q-wait [data-testid="stats-number"]').innerText()).toMatch(/平均\s*21/);
    expect(await rowCells('wait', '0〜4')).toEqual(['1', '33.3%']);
    expect(await rowCells('wait', '5〜9')).toEqual(['0', '0.0%']);
    expect(await rowCells('wait', '15〜19')).toEqual(['1', '33.3%']);
    expect(await rowCells('wait', '40〜44')).toEqual(['1', '33.3%']);
    expect(await page.locator('#q-wait tbody tr').count()).toBe(9);
    await snap(page, '03-stats');
  });

  it('filters by 受付方法, kept in the URL', async () => {
    onTestFailed(() => failed('failed-filter'));
    await page.getByRole('group', { name: '受付方法' }).getByLabel('電話').check();
    await page.getByRole('button', { name: 'この条件で集計' }).click();
    await page.waitForURL((u) => u.searchParams.get('source') === 'phone');
    await page.getByTestId('stats-total').filter({ hasText: '1件' }).waitFor();
    expect(await rowCells('visit', '住民票')).toEqual(['1', '100.0%']);
    expect(await rowCells('visit', 'その他')).toEqual(['0', '0.0%']);
    // The list link carries the filter.
    expect(await subnav().getByRole('link', { name: '回答一覧' }).getAttribute('href')).toBe(
      `/forms/${formId}/responses?source=phone`,
    );
    await page.getByRole('link', { name: '条件をクリア' }).click();
    await page.getByTestId('stats-total').filter({ hasText: '3件' }).waitFor();
  });

  it('cross-tabulates 来庁の目的 × 窓口の対応 with row percentages, totals and a CSV', async () => {
    onTestFailed(() => failed('failed-crosstab'));
    await page.locator('#ct-row').selectOption({ label: '来庁の目的' });
    await page.locator('#ct-col').selectOption({ label: '窓口の対応' });
    await page.getByRole('button', { name: 'クロス集計する' }).click();
    await page.waitForURL(
      (u) => u.searchParams.get('row') === 'visit' && u.searchParams.get('col') === 'rating',
    );
    const table = page.getByTestId('crosstab');
    await table.waitFor();
    const cell = async (r: string, c: string) =>
      (await table.locator(`td[data-row="${r}"][data-col="${c}"]`).innerText()).replace(/\s+/g, ' ').trim();
    expect(await cell('juminhyo', 'good')).toBe('2 100.0%');
    expect(await cell('juminhyo', 'normal')).toBe('0 0.0%');
    expect(await cell('sonota', 'normal')).toBe('1 100.0%');
    expect(await cell('zeikin', 'good')).toBe('0 0.0%');
    expect(await cell('juminhyo', 'total')).toBe('2 66.7%');
    expect(await cell('total', 'good')).toBe('2 66.7%');
    expect(await cell('total', 'total')).toBe('3 100.0%');
    await snap(page, '04-crosstab');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSVでダウンロード' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${TITLE}_クロス集計_来庁の目的×窓口の対応.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[1]).toBe('来庁の目的 ＼ 窓口の対応,良い,普通,悪い,計');
    expect(lines[2]).toBe('住民票,2,0,0,2');
    expect(lines[5]).toBe('計,2,1,0,3');
  });

  it('shows the demo 市民満足度調査 the seed answered (120–200 responses, every age group counted)', async () => {
    onTestFailed(() => failed('failed-demo'));
    const list = await api<{ items: Array<{ id: string; title: string; responses: number }> }>(
      page,
      'GET',
      `/api/forms?q=${encodeURIComponent('市民満足度調査')}`,
    );
    const demo = list.body.items.find((f) => f.title.startsWith('市民満足度調査'));
    expect(demo).toBeTruthy();
    await page.goto(`${ORIGIN}/forms/${demo!.id}/stats?row=age_group&col=keep_living`);
    const total = Number(
      (await page.getByTestId('stats-total').innerText()).match(/([\d,]+)件/)![1]!.replace(/,/g, ''),
    );
    expect(total).toBe(demo!.responses);
    expect(total).toBeGreaterThanOrEqual(120);
    expect(total).toBeLessThanOrEqual(200);
    // 年代 is required: its options add up to every response.
    const counts = await page.locator('#q-age_group tbody td.num:nth-of-type(2)').allInnerTexts();
    expect(counts).toHaveLength(8);
    expect(counts.reduce((a, c) => a + Number(c), 0)).toBe(total);
    const grand = await page
      .getByTestId('crosstab')
      .locator('td[data-row="total"][data-col="total"] .count')
      .innerText();
    expect(Number(grand.replace(/,/g, ''))).toBe(total);
    await snap(page, '05-demo');
  });
});
