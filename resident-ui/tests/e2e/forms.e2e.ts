import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ageOn, formJstDate, type FormDefinitionInput } from '@tsunagu/server/contracts';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

const BASE = new URL(process.env.E2E_BASE ?? 'http://localhost:3000');
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
/** The talk view on localhost, the same site as the resident pages (the session cookie is kept). */
const TALK = LINE.replace('//127.0.0.1', '//localhost');
const ADMIN = `${BASE.protocol}//kuwana.admin.localhost${BASE.port ? `:${BASE.port}` : ''}`;
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

/** Calls the staff API from a page on Kuwana's console origin (its session cookie and CSRF token). */
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

const focusedId = (where: FrameLocator) => where.locator(':focus').getAttribute('id');

/**
 * 子育て応援券の申請: who applies (postal code → address, birthday → age), whether they have
 * children (the next page appears only then: up to three children, a school question only for
 * those of six and over), and a photo of the health insurance card.
 */
const definition: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'applicant',
      title: '申請する方について',
      sections: [
        {
          code: 'person',
          items: [
            { type: 'shortText', code: 'name', label: '氏名', required: true, placeholder: '例：桑名 花子' },
            { type: 'birthday', code: 'birth', label: '生年月日', required: true, minAge: 18 },
            { type: 'phone', code: 'tel', label: '電話番号', required: true },
            { type: 'postalCode', code: 'zip', label: '郵便番号', required: true, fillAddress: 'home' },
            { type: 'address', code: 'home', label: '住所', required: true },
            {
              type: 'singleChoice',
              code: 'has_children',
              label: '中学生までのお子さまはいますか',
              required: true,
              options: [
                { code: 'yes', label: 'いる' },
                { code: 'no', label: 'いない' },
              ],
            },
          ],
        },
      ],
    },
    {
      code: 'family',
      title: 'お子さまについて',
      showWhen: { op: 'equals', item: 'has_children', value: 'yes' },
      sections: [
        {
          code: 'kids',
          title: 'お子さま',
          description: '中学生までのお子さまを、3人まで入力してください。',
          repeat: { min: 1, max: 3, itemName: 'お子さま' },
          items: [
            { type: 'shortText', code: 'kid_name', label: 'お子さまの氏名', required: true },
            { type: 'birthday', code: 'kid_birth', label: 'お子さまの生年月日', required: true, maxAge: 15 },
            {
              type: 'singleChoice',
              code: 'kid_school',
              label: '通っている学校',
              required: true,
              showWhen: { op: 'gte', item: 'kid_birth', value: 6 },
              options: [
                { code: 'elementary', label: '小学校' },
                { code: 'junior', label: '中学校' },
              ],
            },
          ],
        },
      ],
    },
    {
      code: 'docs',
      title: '書類の添付',
      sections: [
        {
          code: 'papers',
          items: [
            {
              type: 'description',
              code: 'docs_note',
              label: '添付書類',
              text: '健康保険証の写真を添付してください。文字が読めるように撮影してください。',
            },
            {
              type: 'file',
              code: 'card',
              label: '健康保険証の写真',
              required: true,
              accept: ['image'],
              maxFiles: 2,
              maxSizeMb: 5,
            },
          ],
        },
      ],
    },
  ],
};

/** A photo-sized JPEG (about 1.5 MB of noise over a gradient: it does not compress away). */
async function photo(): Promise<Buffer> {
  const width = 1600;
  const height = 1200;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = Math.floor(Math.random() * 90);
      pixels[i] = Math.min(255, Math.round((x / width) * 160) + n);
      pixels[i + 1] = Math.min(255, Math.round((y / height) * 150) + n);
      pixels[i + 2] = Math.min(255, 120 + Math.round(n / 2));
    }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

describe('forms: a friend of Kuwana answers a form opened from the talk', () => {
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

  /** A page on Kuwana's staff console origin, logged in as its demo administrator. */
  async function kuwanaStaff(): Promise<Page> {
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
    return staff;
  }

  /** Creates a form, saves its definition and settings, publishes it; its id and resident URL. */
  async function publishForm(
    staff: Page,
    form: {
      title: string;
      description: string;
      definition: FormDefinitionInput;
      settings: Record<string, unknown>;
    },
  ): Promise<{ formId: string; residentUrl: URL }> {
    const orgs = await api<{ items: Array<{ id: string }> }>(staff, 'GET', '/api/organisations');
    const created = await api<{ id: string; urls: { resident: string } }>(staff, 'POST', '/api/forms', {
      title: form.title,
      description: form.description,
      organisationId: orgs.body.items[0]!.id,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const formId = created.body.id;
    const saved = await api(staff, 'PUT', `/api/forms/${formId}/draft`, { definition: form.definition });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const settings = await api(staff, 'PATCH', `/api/forms/${formId}/settings`, form.settings);
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const published = await api<{ version: number }>(staff, 'POST', `/api/forms/${formId}/publish`);
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    const residentUrl = new URL(created.body.urls.resident);
    expect(residentUrl.pathname).toMatch(/^\/t\/kuwana\/forms\/[a-z0-9-]+$/);
    return { formId, residentUrl };
  }

  const shot = (where: Page, name: string, selector?: string) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    return selector
      ? where.locator(selector).screenshot({ path: path.join(SCREENSHOTS, `forms-${name}.png`) })
      : where.screenshot({ path: path.join(SCREENSHOTS, `forms-${name}.png`), fullPage: true });
  };

  it('conditions, repeats, postal code, age, photo, a draft in between, confirmation and a receipt number', async () => {
    // --- Staff of Kuwana build and publish the form (the forms API, as the builder uses it).
    const staff = await kuwanaStaff();
    const orgs = await api<{ items: Array<{ id: string }> }>(staff, 'GET', '/api/organisations');
    const { formId, residentUrl } = await publishForm(staff, {
      title: '子育て応援券の申請',
      description: '桑名市にお住まいで、中学生までのお子さまがいる世帯が対象です。',
      definition,
      settings: {
        completionMessage: 'ご申請ありがとうございました。審査のうえ、2週間ほどで応援券をお送りします。',
      },
    });

    // --- A new friend of the test account gets a message with the form's link (a delivery).
    const friends = async () =>
      (
        await api<{ reachable: number }>(staff, 'POST', '/api/deliveries/audience', {
          channel: 'test',
          target: { type: 'all' },
        })
      ).body.reachable;
    const before = await friends();
    const user = await emulator<{ userId: string }>('POST', `/channels/${channelId}/users`, {
      displayName: '桑名 花子',
    });
    await emulator('POST', `/channels/${channelId}/select`, { userId: user.userId });
    const context = await fetch(`${BASE.origin}/api/t/kuwana/context`).then(
      (r) => r.json() as Promise<{ liff: { apps: Array<{ channel: string; liffId: string }> } }>,
    );
    const liffId = context.liff.apps.find((a) => a.channel === 'test')!.liffId;
    const formLink = `https://liff.line.me/${liffId}${residentUrl.pathname.replace('/t/kuwana', '')}`;
    const delivery = await api<{ id: string }>(staff, 'POST', '/api/deliveries', {
      title: 'E2E 子育て応援券のご案内',
      organisationId: orgs.body.items[0]!.id,
      channel: 'test',
      target: { type: 'all' },
      messages: [
        {
          type: 'template',
          altText: '子育て応援券の申請',
          template: {
            type: 'buttons',
            text: '子育て応援券の申請を受け付けています',
            actions: [{ type: 'uri', label: '申請する', uri: formLink }],
          },
        },
      ],
    });
    expect(delivery.status, JSON.stringify(delivery.body)).toBe(201);
    await expect.poll(friends, { timeout: 20_000 }).toBeGreaterThan(before);
    expect((await api(staff, 'POST', `/api/deliveries/${delivery.body.id}/send`)).status).toBe(202);
    await expect
      .poll(
        async () =>
          (
            await api<{ runs: Array<{ status: string }> }>(
              staff,
              'GET',
              `/api/deliveries/${delivery.body.id}`,
            )
          ).body.runs[0]?.status,
        { timeout: 30_000 },
      )
      .toBe('sent');

    // --- The friend taps 申請する in the talk: the form opens in LINE's in-app browser.
    const talk = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: 'ja-JP' });
    reportErrors(talk);
    onTestFailed(() => shot(talk, 'failure'));
    await talk.goto(`${TALK}/?channel=${channelId}&user=${user.userId}`);
    const open = async () => {
      const button = talk.getByRole('button', { name: '申請する' }).last();
      await button.waitFor({ timeout: 20_000 });
      await button.click();
      await talk.locator('#browser').waitFor({ state: 'visible' });
    };
    await open();
    const pane = talk.frameLocator('#browser-frame');
    await expect
      .poll(() => pane.locator('.resident-status').textContent(), { timeout: 20_000 })
      .toBe('桑名 花子さん、こんにちは');
    await expect.poll(() => pane.locator('h1').textContent(), { timeout: 20_000 }).toBe('子育て応援券の申請');
    expect(await pane.locator('.step-status').textContent()).toBe('ステップ 1/4：申請する方について');
    await shot(talk, 'talk-open', '.phone');

    // Nothing filled in: 次へ進む names every missing answer, and the focus goes to the first.
    await pane.getByRole('button', { name: '次へ進む' }).click();
    await expect
      .poll(() => pane.locator('#error-summary-title').textContent())
      .toBe('入力内容を確認してください（6か所）');
    await expect.poll(() => focusedId(pane)).toBe('f-name');
    expect(await pane.locator('#f-name-error').textContent()).toBe('入力してください');
    expect(await pane.locator('#f-name').getAttribute('aria-describedby')).toContain('f-name-error');
    await shot(talk, 'talk-errors', '.phone');

    // Answers as typed on a phone: full-width digits, the postal code filling the address.
    await pane.getByLabel('氏名').fill('桑名 花子');
    await pane.getByLabel('生年月日').fill('1990-04-01');
    const today = formJstDate(new Date());
    await expect
      .poll(() => pane.locator('#f-birth-age').textContent())
      .toBe(`年齢：満${ageOn('1990-04-01', today)}歳（今日時点）`);
    await pane.getByLabel('電話番号').fill('０５９４ー２４ー１１１１');
    await pane.getByLabel('郵便番号').fill('５１１００６８');
    await expect
      .poll(() => pane.locator('#f-home-note').textContent(), { timeout: 10_000 })
      .toContain('〒511-0068から住所（三重県桑名市中央町）を入力しました');
    expect(await pane.locator('#f-home-prefecture').inputValue()).toBe('三重県');
    expect(await pane.getByLabel('市区町村').inputValue()).toBe('桑名市');
    expect(await pane.getByLabel('町名・番地').inputValue()).toBe('中央町');
    await pane.getByLabel('町名・番地').fill('中央町2丁目37');
    expect(await pane.locator('#f-tel-error').count()).toBe(0);
    await pane.getByRole('radio', { name: 'いる' }).check();
    // The children page appears as a step when the answer says so.
    await expect
      .poll(() => pane.locator('.step-status').textContent())
      .toBe('ステップ 1/5：申請する方について');
    await expect.poll(() => pane.locator('#error-summary').count()).toBe(0);
    await pane.locator('#f-home-note').scrollIntoViewIfNeeded();
    await shot(talk, 'talk-postal', '.phone');

    // --- The draft is saved while typing; closing LINE's browser and opening the link again restores it.
    await expect
      .poll(() => pane.locator('.draft-status').textContent(), { timeout: 10_000 })
      .toMatch(/^入力途中の内容を保存しました（\d{2}:\d{2}）/);
    await talk.locator('#browser-close').click();
    await talk.locator('#browser').waitFor({ state: 'hidden' });
    await open();
    await expect
      .poll(() => pane.locator('.notice').textContent(), { timeout: 20_000 })
      .toContain('前回の入力を復元しました');
    expect(await pane.getByLabel('氏名').inputValue()).toBe('桑名 花子');
    expect(await pane.getByLabel('町名・番地').inputValue()).toBe('中央町2丁目37');
    expect(await pane.getByRole('radio', { name: 'いる' }).isChecked()).toBe(true);
    await shot(talk, 'talk-restored', '.phone');
    await pane.getByRole('button', { name: '次へ進む' }).click();

    // --- Children: up to three, each its own group; the school question only from six years old.
    await pane.getByRole('heading', { name: 'お子さまについて', level: 2 }).waitFor();
    // The new page's heading takes the focus (a screen reader starts reading there).
    await expect.poll(() => pane.locator(':focus').textContent()).toBe('お子さまについて');
    await pane.locator('#f-kids-0-kid_name').fill('桑名 一郎');
    await pane.locator('#f-kids-0-kid_birth').fill('2016-06-01');
    await pane.getByRole('radio', { name: '小学校' }).check();
    const add = pane.getByRole('button', { name: '＋ お子さまを追加する' });
    await add.click();
    await expect.poll(() => focusedId(pane)).toBe('f-kids-1-kid_name');
    await pane.locator('#f-kids-1-kid_name').fill('桑名 次郎');
    // Mistyped: a child over fifteen is refused when the field is left.
    await pane.locator('#f-kids-1-kid_birth').fill('2008-01-01');
    await pane.locator('#f-kids-1-kid_birth').blur();
    await expect
      .poll(() => pane.locator('#f-kids-1-kid_birth-error').textContent())
      .toBe('満15歳以下の方が対象です');
    await pane.locator('#f-kids-1-kid_birth').fill('2022-09-10');
    expect(await pane.locator('#f-kids-1-kid_school-l0, [name="f-kids-1-kid_school"]').count()).toBe(0);
    await add.click();
    await expect.poll(() => pane.locator('fieldset.entry').count()).toBe(3);
    expect(await add.count()).toBe(0);
    expect(await pane.locator('.repeat .full').textContent()).toBe('お子さまは3件まで入力できます');
    await pane.locator('.repeat .full').scrollIntoViewIfNeeded();
    await shot(talk, 'talk-kids-full', '.phone');
    await pane.getByRole('button', { name: 'お子さま（3件目）を削除' }).click();
    await expect.poll(() => pane.locator('fieldset.entry').count()).toBe(2);
    await pane.getByRole('button', { name: '次へ進む' }).click();

    // --- A photo, uploaded with a progress bar (the connection slowed down to see it).
    await pane.getByRole('heading', { name: '書類の添付', level: 2 }).waitFor();
    const cdp = await talk.context().newCDPSession(talk);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 300 * 1024,
    });
    // A PDF is not a photo: refused before anything is sent.
    const input = pane.locator('#f-card-input');
    await input.setInputFiles({
      name: '保険証.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n'),
    });
    await expect
      .poll(() => pane.locator('#f-card-error').textContent())
      .toBe('「保険証.pdf」は添付できない種類のファイルです（画像のみ）');
    const jpeg = await photo();
    await input.setInputFiles({ name: '保険証.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await pane.locator('.file.sending progress').waitFor({ timeout: 10_000 });
    await expect
      .poll(async () => Number(await pane.locator('.file.sending progress').getAttribute('value')), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    await shot(talk, 'talk-uploading', '.phone');
    await pane.locator('.file:not(.sending)').waitFor({ timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    expect(await pane.locator('.file .name').textContent()).toBe('保険証.jpg');
    expect(await pane.locator('.file img.thumb').count()).toBe(1);
    await shot(talk, 'talk-photo', '.phone');
    await pane.getByRole('button', { name: '入力内容を確認する' }).click();

    // --- The confirmation page reads everything back.
    await pane.getByRole('heading', { name: 'この内容で送信します' }).waitFor();
    await expect.poll(() => focusedId(pane)).toBe('confirm-title');
    const answers = await pane.locator('main').innerText();
    for (const text of [
      '桑名 花子',
      `1990年4月1日（満${ageOn('1990-04-01', today)}歳）`,
      '0594241111',
      '〒511-0068',
      '三重県桑名市中央町2丁目37',
      'お子さま（1件目）',
      '桑名 一郎',
      '小学校',
      'お子さま（2件目）',
      `2022年9月10日（満${ageOn('2022-09-10', today)}歳）`,
      '保険証.jpg',
    ])
      expect(answers).toContain(text);
    expect(answers).not.toContain('お子さま（3件目）');
    await shot(talk, 'talk-confirm', '.phone');
    await pane.getByRole('button', { name: '送信する', exact: true }).click();

    // --- Sent: the receipt number and the completion message; the same number comes to the talk.
    await pane.getByRole('heading', { name: '送信しました' }).waitFor({ timeout: 20_000 });
    const receipt = (await pane.locator('.receipt').textContent())!;
    expect(receipt).toMatch(/^R-\d{4}-\d{6}$/);
    expect(await pane.locator('.completion').textContent()).toBe(
      'ご申請ありがとうございました。審査のうえ、2週間ほどで応援券をお送りします。',
    );
    await shot(talk, 'talk-done', '.phone');
    await expect
      .poll(
        async () =>
          (
            await emulator<{ messages: Array<{ message: { text?: string } }> }>(
              'GET',
              `/channels/${channelId}/users/${user.userId}/messages?from=bot`,
            )
          ).messages.some((m) => m.message.text?.includes(receipt)),
        { timeout: 20_000 },
      )
      .toBe(true);
    const responses = await api<{ items: Array<{ receiptNumber: string }> }>(
      staff,
      'GET',
      `/api/forms/${formId}/responses`,
    );
    expect(responses.body.items.map((r) => r.receiptNumber)).toEqual([receipt]);

    // --- Opened again on a phone: a fresh form (the draft went with the answer), the receipt listed.
    const phone = await browser.newPage({ viewport: PHONE, locale: 'ja-JP' });
    await phone.goto(`${BASE.origin}${residentUrl.pathname}?channel=test`);
    reportErrors(phone);
    await phone.locator('h1').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => phone.locator('.mine-details summary').textContent(), { timeout: 20_000 })
      .toBe('これまでの回答（1件）');
    expect(await phone.getByLabel('氏名').inputValue()).toBe('');
    expect(await phone.locator('.notice').count()).toBe(0);
    await phone.locator('.mine-details summary').click();
    expect(await phone.locator('.mine').innerText()).toContain(receipt);
    await shot(phone, 'phone-again');
    await phone.close();
    await staff.close();
    await talk.close();
  });
  it('a public comment in a browser without LINE; a version published meanwhile carries the answers over', async () => {
    const staff = await kuwanaStaff();
    const v1: FormDefinitionInput = {
      schemaVersion: 1,
      pages: [
        {
          code: 'comment',
          title: 'ご意見',
          sections: [
            {
              code: 'main',
              items: [
                {
                  type: 'description',
                  code: 'about',
                  text: '「桑名市地域公共交通計画（案）」へのご意見を募集します。',
                },
                {
                  type: 'singleChoice',
                  code: 'age_group',
                  label: '年代',
                  required: true,
                  options: [
                    { code: 'u30', label: '30歳未満' },
                    { code: 'mid', label: '30代〜50代' },
                    { code: 'senior', label: '60歳以上' },
                  ],
                },
                { type: 'longText', code: 'opinion', label: 'ご意見', required: true, maxLength: 2000 },
              ],
            },
          ],
        },
      ],
    };
    const { formId, residentUrl } = await publishForm(staff, {
      title: '地域公共交通計画（案）へのご意見',
      description: '計画案は市のホームページと各地区市民センターでご覧いただけます。',
      definition: v1,
      settings: {
        requireLineLogin: false,
        answersPerResident: 'many',
        completionMessage: 'ご意見をお寄せいただき、ありがとうございました。',
      },
    });

    // Opened from the city's website on a phone: no LINE login, the form answers by its own cookie.
    const context = await browser.newContext({ viewport: PHONE, locale: 'ja-JP' });
    const page = await context.newPage();
    reportErrors(page);
    onTestFailed(() => shot(page, 'comment-failure'));
    await page.goto(`${BASE.origin}${residentUrl.pathname}`);
    await expect
      .poll(() => page.locator('h1').textContent(), { timeout: 20_000 })
      .toBe('地域公共交通計画（案）へのご意見');
    expect(await page.locator('.resident-status').count()).toBe(0);
    await page.getByRole('radio', { name: '30代〜50代' }).check();
    await page.getByLabel('ご意見').fill('朝の通勤時間帯に、駅へ向かうバスを増やしてください。');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await page.getByRole('heading', { name: 'この内容で送信します' }).waitFor();

    // Meanwhile staff publish version 2: the age groups are split differently.
    const v2 = structuredClone(v1);
    const ageItem = v2.pages[0]!.sections[0]!.items[1]!;
    if (ageItem.type !== 'singleChoice') throw new Error('the fixture changed');
    ageItem.options = [
      { code: 'u30', label: '30歳未満' },
      { code: 'a30', label: '30代・40代' },
      { code: 'a50', label: '50代' },
      { code: 'senior', label: '60歳以上' },
    ];
    expect((await api(staff, 'PUT', `/api/forms/${formId}/draft`, { definition: v2 })).status).toBe(200);
    expect((await api<{ version: number }>(staff, 'POST', `/api/forms/${formId}/publish`)).body.version).toBe(
      2,
    );

    // Sending the answers to version 1: the page loads version 2 and keeps what still fits.
    await page.getByRole('button', { name: '送信する', exact: true }).click();
    await expect
      .poll(() => page.locator('.notice').textContent(), { timeout: 20_000 })
      .toContain('フォームの内容が更新されました');
    expect(await page.locator('.notice').textContent()).toContain(
      '次の回答は新しい内容に合わないため、引き継げませんでした：年代',
    );
    expect(await page.getByLabel('ご意見').inputValue()).toBe(
      '朝の通勤時間帯に、駅へ向かうバスを増やしてください。',
    );
    expect(await page.getByRole('radio', { name: '30代・40代' }).isChecked()).toBe(false);
    await shot(page, 'comment-new-version');
    await page.getByRole('radio', { name: '30代・40代' }).check();
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await page.getByRole('heading', { name: 'この内容で送信します' }).waitFor();
    expect(await page.locator('.answers').first().innerText()).toContain('30代・40代');
    await page.getByRole('button', { name: '送信する', exact: true }).click();
    await page.getByRole('heading', { name: '送信しました' }).waitFor({ timeout: 20_000 });
    const receipt = (await page.locator('.receipt').textContent())!;
    expect(receipt).toMatch(/^R-\d{4}-\d{6}$/);
    await shot(page, 'comment-done');

    const responses = await api<{ items: Array<{ receiptNumber: string; version: number }> }>(
      staff,
      'GET',
      `/api/forms/${formId}/responses`,
    );
    expect(responses.body.items).toMatchObject([{ receiptNumber: receipt, version: 2 }]);
    await context.close();
    await staff.close();
  });
});
