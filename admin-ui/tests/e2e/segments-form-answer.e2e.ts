import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { BASE, SCREENSHOTS, consoleOrigin, launch, loginToConsole, newContext } from './helpers';

/**
 * SEG-8 in the browser, as Kuwana's administrator: a small survey is published through the staff
 * API and answered by three friends of Kuwana's test account from LINE (a LIFF session, as the
 * resident pages do), plus one paper response entered by staff, which never matches. The
 * administrator builds 「満足度で とても満足・満足 を回答した人」 with the mouse, sees the live count
 * (the two friends, not the paper answer) and the sentence, saves the segment and reopens it with
 * the condition intact.
 */
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
const ORIGIN = consoleOrigin('kuwana');
const PASSWORD = 'Kuwana-demo-2026';
const run = Date.now().toString(36);
const TITLE = `市民満足度調査 ${run}`;
const SEGMENT = `満足と答えた人 ${run}`;

const SURVEY = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: '',
      sections: [
        {
          code: 's1',
          title: '',
          items: [
            {
              type: 'singleChoice',
              code: 'satisfaction',
              label: '満足度',
              required: true,
              options: [
                { code: 'very', label: 'とても満足' },
                { code: 'ok', label: '満足' },
                { code: 'bad', label: '不満' },
              ],
            },
            { type: 'shortText', code: 'name', label: '氏名', personal: true },
          ],
        },
      ],
    },
  ],
};

/** Friends of Kuwana's test account and what they answer. */
const FRIENDS = [
  { name: `桑名 満${run}`, answer: 'very' },
  { name: `桑名 良子${run}`, answer: 'ok' },
  { name: `桑名 不二${run}`, answer: 'bad' },
];

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
  await page.screenshot({ path: path.join(SCREENSHOTS, `segments-form-answer-${name}.png`), fullPage: true });
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

describe('segments: answers to a form as a condition (SEG-8, Kuwana)', () => {
  let browser: Browser;
  let channelId: string;
  let formId = '';
  let formCode = '';

  beforeAll(async () => {
    browser = await launch();
    const { channels } = await emulator<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      'GET',
      '/channels',
    );
    channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/kuwana/test'))!.channelId;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('publishes a survey that three friends answer from LINE (and one on paper)', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    onTestFailed(() => snap(page, 'publish-failure'));
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);
    const orgs = await api<{ items: Array<{ id: string }> }>(page, 'GET', '/api/organisations');
    const created = await api<{ id: string; code: string }>(page, 'POST', '/api/forms', {
      title: TITLE,
      organisationId: orgs.body.items[0]!.id,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    formId = created.body.id;
    formCode = created.body.code;
    const draft = await api(page, 'PUT', `/api/forms/${formId}/draft`, { definition: SURVEY });
    expect(draft.status, JSON.stringify(draft.body)).toBe(200);
    const published = await api(page, 'POST', `/api/forms/${formId}/publish`);
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    // Entered by staff from a paper form: no LINE friend behind it, so no segment ever holds it.
    const paper = await api(page, 'POST', `/api/forms/${formId}/responses`, {
      version: 1,
      answers: { satisfaction: 'very' },
      source: 'paper',
    });
    expect(paper.status, JSON.stringify(paper.body)).toBe(201);
    await ctx.close();

    for (const f of FRIENDS) {
      const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
        displayName: f.name,
      });
      await emulator('POST', `/channels/${channelId}/select`, { userId: user.userId });
      const phone = await browser.newContext({ viewport: { width: 390, height: 760 }, locale: 'ja-JP' });
      const p = await phone.newPage();
      // Opened from LINE: the LIFF login gives the page the friend's session.
      await p.goto(`${BASE.origin}/t/kuwana/?channel=test`);
      await expect
        .poll(() => p.locator('.resident-status').textContent(), { timeout: 20_000 })
        .toBe(`${f.name}さん、こんにちは`);
      const sent = await p.evaluate(
        async ([code, answer]) => {
          const me = (await (await fetch('/api/t/kuwana/me')).json()) as { csrfToken: string };
          const res = await fetch(`/api/t/kuwana/forms/${code}/responses`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken },
            body: JSON.stringify({ version: 1, answers: { satisfaction: answer } }),
          });
          return { status: res.status, body: await res.text() };
        },
        [formCode, f.answer] as const,
      );
      expect(sent.status, sent.body).toBe(201);
      await phone.close();
    }
  });

  it('builds the condition with the mouse, counts it, saves it and reopens it intact', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    onTestFailed(() => snap(page, 'failure'));
    await loginToConsole(page, ORIGIN, 'admin', PASSWORD);
    const definition = {
      type: 'and',
      conditions: [
        { type: 'form_answer', formId, question: 'satisfaction', op: 'in', values: ['very', 'ok'] },
      ],
    };
    // Follows are processed by the worker: wait until both friends who were satisfied count.
    const countViaApi = async () =>
      (await api<{ count: number }>(page, 'POST', '/api/segments/count', { channel: 'test', definition }))
        .body;
    await expect.poll(async () => (await countViaApi()).count, { timeout: 30_000 }).toBe(2);

    await page.goto(`${ORIGIN}/segments/new`);
    await page.getByRole('heading', { level: 1, name: 'セグメントの作成' }).waitFor();
    await page.locator('#seg-name').fill(SEGMENT);
    await page.locator('#seg-org').selectOption({ index: 1 });
    const leaf = page.locator('[data-leaf]').nth(0);
    const subject = leaf.locator('select[id$="-subject"]');
    expect(await subject.locator('optgroup[label="フォームの回答"] option').innerText()).toBe(
      'フォームの回答',
    );
    await subject.selectOption({ label: 'フォームの回答' });
    await leaf.locator('select[id$="-form"]').selectOption({ label: TITLE });
    // Personal items are not offered as questions.
    const questions = leaf.locator('select[id$="-question"] option');
    await expect.poll(() => questions.allInnerTexts()).toEqual(['選んでください', '満足度']);
    await leaf.locator('select[id$="-question"]').selectOption({ label: '満足度' });
    expect(await leaf.locator('select[id$="-form-op"] option:checked').innerText()).toBe('いずれかを選んだ');
    await leaf.locator('input[id$="-form-codes-very"]').check();
    await leaf.locator('input[id$="-form-codes-ok"]').check();
    await expect
      .poll(() => page.getByTestId('segment-sentence').innerText())
      .toBe(
        `フォーム「${TITLE}」の設問「満足度」で「とても満足」「満足」のいずれかを回答した人に当てはまる友だち`,
      );
    expect(await leaf.innerText()).toContain('LINEから回答した内容だけが対象です');

    // The live count: the two satisfied friends (the paper response has no friend behind it).
    await page.locator('#count-channel').selectOption('test');
    const count = page.locator('.count[data-state="done"] [data-testid="live-count"] strong');
    await expect.poll(() => count.innerText(), { timeout: 20_000 }).toBe('2人');
    await snap(page, 'builder');

    // Switching to 「どれも選んでいない」 counts the others; switching back restores the count.
    await leaf.locator('select[id$="-form-op"]').selectOption('not_in');
    const notIn = await api<{ count: number }>(page, 'POST', '/api/segments/count', {
      channel: 'test',
      definition: { type: 'and', conditions: [{ ...definition.conditions[0], op: 'not_in' }] },
    });
    expect(notIn.status).toBe(200);
    await expect
      .poll(() => count.innerText(), { timeout: 20_000 })
      .toBe(`${new Intl.NumberFormat('ja-JP').format(notIn.body.count)}人`);
    await leaf.locator('select[id$="-form-op"]').selectOption('in');
    await expect.poll(() => count.innerText(), { timeout: 20_000 }).toBe('2人');

    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    const segmentId = page.url().split('/').pop()!;
    const saved = (await api<{ definition: unknown }>(page, 'GET', `/api/segments/${segmentId}`)).body;
    expect(saved.definition).toEqual(definition);

    // Reopened: the same form, question, way of matching, options, sentence and count.
    await page.goto(`${ORIGIN}/segments`);
    await page.goto(`${ORIGIN}/segments/${segmentId}`);
    await page.getByRole('heading', { level: 1, name: SEGMENT }).waitFor();
    const again = page.locator('[data-leaf]').nth(0);
    expect(await again.locator('select[id$="-subject"]').inputValue()).toBe('@form_answer');
    expect(await again.locator('select[id$="-form"]').inputValue()).toBe(formId);
    expect(await again.locator('select[id$="-question"]').inputValue()).toBe('satisfaction');
    expect(await again.locator('select[id$="-form-op"]').inputValue()).toBe('in');
    expect(await again.locator('input[id$="-form-codes-very"]').isChecked()).toBe(true);
    expect(await again.locator('input[id$="-form-codes-ok"]').isChecked()).toBe(true);
    expect(await again.locator('input[id$="-form-codes-bad"]').isChecked()).toBe(false);
    await expect
      .poll(() => page.getByTestId('segment-sentence').innerText())
      .toBe(
        `フォーム「${TITLE}」の設問「満足度」で「とても満足」「満足」のいずれかを回答した人に当てはまる友だち`,
      );
    await page.locator('#count-channel').selectOption('test');
    await expect.poll(() => count.innerText(), { timeout: 20_000 }).toBe('2人');
    expect(await page.getByText('保存していない変更があります。').count()).toBe(0);
    await snap(page, 'reopened');
    await ctx.close();
  });
});
