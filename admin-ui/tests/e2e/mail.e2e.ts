import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleOrigin, launch, loginToConsole, newContext, SCREENSHOTS, uniqueId } from './helpers';

/**
 * メール連携 (DEL-11, Tozawa's ⑦): staff register the village's disaster-mail sender and a rule;
 * a mail sent through the mail emulator (playing the city's mail system) reaches a friend of the
 * test channel in the LINE emulator, cut at the marker with the footer; a mail from anyone else
 * sends nothing and is logged as refused.
 */
const LINE = process.env.E2E_LINE ?? 'http://127.0.0.1:3900';
const MAIL = process.env.E2E_MAIL ?? 'http://127.0.0.1:3902';
const ORIGIN = consoleOrigin('tozawa');

async function call<T>(base: string, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok && res.status !== 422) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function snap(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `mail-${name}.png`), fullPage: true });
}

describe('mail-to-LINE in the staff console', () => {
  let browser: Browser;
  let page: Page;
  let channelId: string;
  let userId: string;
  const sender = `${uniqueId('bousai')}@vill.tozawa.example.jp`;
  const ruleName = uniqueId('E2E 防災メール ');

  beforeAll(async () => {
    browser = await launch();
    const ctx = await newContext(browser);
    page = await ctx.newPage();
    await loginToConsole(page, ORIGIN, 'admin', 'Tozawa-demo-2026');
    const { channels } = await call<{ channels: Array<{ channelId: string; webhookUrl?: string }> }>(
      LINE,
      'GET',
      '/_emulator/channels',
    );
    channelId = channels.find((c) => c.webhookUrl?.includes('/webhook/tozawa/test'))!.channelId;
    // A new friend of Tozawa's test account; the worker records the follow.
    ({ userId } = await call<{ userId: string }>(LINE, 'POST', `/_emulator/channels/${channelId}/users`, {
      displayName: '戸沢 一郎',
    }));
  });

  afterAll(async () => {
    // The rule would otherwise answer every later run's mail: remove it.
    if (page && !page.isClosed()) {
      await page.goto(`${ORIGIN}/mail`);
      const row = page.getByRole('row').filter({ hasText: ruleName });
      if (await row.count()) {
        await row.getByRole('button', { name: /^削除/ }).click();
        await page.getByRole('dialog').getByRole('button', { name: /削除/ }).last().click();
      }
    }
    await browser?.close();
  });

  it('registers a sender and a rule; an allowed mail reaches LINE, another is refused', async () => {
    await page.goto(`${ORIGIN}/mail`);
    const address = (await page.getByTestId('inbound-address').innerText()).trim();
    expect(address).toMatch(/^tozawa-[a-z0-9]+@/);

    // A bad sender first: the server's Japanese message appears at the field.
    await page.locator('#sender-pattern').fill('bousai');
    await page.getByRole('button', { name: '送信元を追加' }).click();
    await page
      .getByText('送信元はメールアドレス（または @ から始まるドメイン）で入力してください')
      .first()
      .waitFor();
    await page.locator('#sender-pattern').fill(sender);
    await page.locator('#sender-note').fill('村の防災メール');
    await page.getByRole('button', { name: '送信元を追加' }).click();
    await page.locator('ul.senders').getByText(sender, { exact: true }).waitFor();

    await page.getByRole('button', { name: 'ルールを追加' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#rule-name').fill(ruleName);
    await dialog.locator('#rule-subject').fill('E2E避難情報');
    await dialog.locator('#rule-marker').fill('――配信元――');
    await dialog.locator('#rule-footer').fill('戸沢村 総務課');
    await dialog.locator('#rule-channel').selectOption('test');
    await snap(page, 'rule-dialog');
    await dialog.getByRole('button', { name: '保存する' }).click();
    await page.getByRole('row').filter({ hasText: ruleName }).waitFor();

    // The friend must be known (follow processed) before the delivery snapshots its audience:
    // the greeting new friends get (SEG-3) is sent once the follow is recorded.
    const botTexts = async () =>
      (
        await call<{ messages: Array<{ message: { type: string; text?: string } }> }>(
          LINE,
          'GET',
          `/_emulator/channels/${channelId}/users/${userId}/messages?from=bot`,
        )
      ).messages.map((m) => m.message.text ?? m.message.type);
    await expect.poll(async () => (await botTexts()).length, { timeout: 20_000 }).toBeGreaterThan(0);

    const sent = await call<{ accepted: boolean; response: string }>(MAIL, 'POST', '/_mail/send', {
      from: sender,
      to: address,
      subject: 'E2E避難情報 高齢者等避難',
      text: '最上川の水位が上昇しています。\n早めの避難をお願いします。\n――配信元――\n防災無線 担当 090-0000-0000',
    });
    expect(sent.accepted, sent.response).toBe(true);
    const expected =
      '【E2E避難情報 高齢者等避難】\n最上川の水位が上昇しています。\n早めの避難をお願いします。\n\n戸沢村 総務課';
    await expect.poll(botTexts, { timeout: 30_000 }).toContain(expected);

    const refused = await call<{ accepted: boolean }>(MAIL, 'POST', '/_mail/send', {
      from: 'stranger@example.com',
      to: address,
      subject: 'E2E避難情報 偽物',
      text: 'これは届いてはいけません',
    });
    expect(refused.accepted).toBe(false);

    await page.reload();
    const log = page.getByTestId('mail-log');
    await log
      .getByRole('row')
      .filter({ hasText: 'E2E避難情報 高齢者等避難' })
      .getByText('配信')
      .first()
      .waitFor();
    await log.getByRole('row').filter({ hasText: 'E2E避難情報 偽物' }).getByText('送信元を拒否').waitFor();
    await snap(page, 'screen');
  });
});
