import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  apiCall,
  consoleOrigin,
  heading,
  launch,
  loginToConsole,
  newContext,
  SCREENSHOTS,
} from './helpers';

/**
 * ごみ収集日のお知らせ (DEL-5, Akaiwa 5-①) as Akaiwa's administrator: a calendar on the city's
 * ゴミ収集地区, a CSV with errors (listed by row and column, nothing stored), the corrected file,
 * the upcoming collections by date, and 「リマインド配信を作る」 with links to the segments and
 * draft deliveries it made (a second click makes nothing new).
 */
const ORIGIN = consoleOrigin('akaiwa');

async function snap(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `garbage-${name}.png`), fullPage: true });
}

/** Today and the following days in Japan, as the CSV writes them (2026/12/1). */
function jstDay(offset: number): { iso: string; csv: string } {
  const d = new Date(Date.now() + 9 * 3600_000 + offset * 86_400_000);
  const iso = d.toISOString().slice(0, 10);
  const [y, m, day] = iso.split('-').map(Number);
  return { iso, csv: `${y}/${m}/${day}` };
}

/** A week of Akaiwa's collection districts (tenants/attributes/akaiwa.yaml): burnable and recyclables. */
function calendarCsv(extra: string[][] = []): Buffer {
  const rows = [['地区コード', '地区名', '日付', '品目']];
  const districts = ['A01', 'A02', 'A03', 'B01', 'C01', 'D01'];
  for (let i = 0; i < 7; i++) {
    const { csv } = jstDay(i);
    districts.forEach((code, j) => {
      // Each district collects burnable garbage every other day and recyclables once a week.
      if ((i + j) % 2 === 0) rows.push([code, '', csv, '燃やせるごみ']);
      if ((i + j) % 7 === 3) rows.push([code, '', csv, '資源ごみ;びん・缶']);
    });
  }
  // Tomorrow is burnable-garbage day in 山陽地域（北）, named by its name.
  rows.push(['', '山陽地域（北）', jstDay(1).csv, '燃やせるごみ']);
  return Buffer.from('\ufeff' + [...rows, ...extra].map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8');
}

describe('garbage-collection calendar and reminders', () => {
  let browser: Browser;
  let page: Page;
  const stamp = Date.now().toString(36);
  const code = `e2e${stamp}`;
  const name = `赤磐市E2E${stamp}`;
  let calendarUrl = '';
  const created: { segments: string[]; deliveries: string[] } = { segments: [], deliveries: [] };

  beforeAll(async () => {
    browser = await launch();
    const ctx = await newContext(browser);
    page = await ctx.newPage();
    await loginToConsole(page, ORIGIN, ADMIN.login, ADMIN.password);
  });

  afterAll(async () => {
    // Leave a shared demo server as it was: drafts cancelled, segments and the calendar removed.
    if (page && !page.isClosed()) {
      for (const id of created.deliveries) await apiCall(page, 'POST', `/api/deliveries/${id}/cancel`);
      for (const id of created.segments) await apiCall(page, 'DELETE', `/api/segments/${id}`);
      if (calendarUrl)
        await apiCall(page, 'DELETE', `/api/garbage-calendars/${calendarUrl.split('/').pop()}`);
    }
    await browser?.close();
  });

  it('creates a calendar, refuses a CSV with errors, stores the corrected one and shows the coming days', async () => {
    await page.goto(`${ORIGIN}/`);
    await page.getByRole('link', { name: 'ごみ収集日のお知らせ' }).first().click();
    await page.waitForURL(`${ORIGIN}/garbage`);
    expect(await heading(page)).toBe('ごみ収集日のお知らせ');

    await page.getByRole('button', { name: 'ごみカレンダーを作る' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#cal-name').fill(name);
    await dialog.locator('#cal-code').fill('Bad Code');
    // The city's collection-district item is offered first.
    expect(await dialog.locator('#cal-item option:checked').innerText()).toBe('ゴミ収集地区');
    await dialog.getByRole('button', { name: '作る', exact: true }).click();
    await dialog
      .getByText('コードは英小文字で始まる英小文字・数字・_・- の40文字以内にしてください')
      .first()
      .waitFor();
    await snap(page, '01-create-error');
    await dialog.locator('#cal-code').fill(code);
    await dialog.getByRole('button', { name: '作る', exact: true }).click();
    await page.waitForURL(/\/garbage\/[0-9a-f-]{36}$/);
    calendarUrl = page.url();
    expect(await heading(page)).toBe(name);

    // A file with an unknown district, a date that does not exist and an empty item.
    const bad = calendarCsv([
      ['Z99', '', jstDay(2).csv, '燃やせるごみ'],
      ['A02', '', '2026/2/30', '資源ごみ'],
      ['A03', '', jstDay(3).csv, ''],
    ]);
    await page.locator('#garbage-csv').setInputFiles({ name: 'gomi.csv', mimeType: 'text/csv', buffer: bad });
    await page.getByRole('button', { name: '内容を確認する（まだ登録しません）' }).click();
    const errors = page.getByTestId('upload-errors');
    await errors.waitFor();
    const rows = await errors.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('地区コード');
    expect(rows[0]).toContain('地区コード「Z99」は登録されていません');
    expect(rows[1]).toContain('日付「2026/2/30」を読み取れません');
    expect(rows[2]).toContain('品目を入力してください');
    await page.getByText('エラーがあるため登録できません（3件）').waitFor();
    expect(await page.getByRole('button', { name: 'この内容で登録する' }).count()).toBe(0);
    await snap(page, '02-upload-errors');
    const stats = await apiCall(page, 'GET', `/api/garbage-calendars/${calendarUrl.split('/').pop()}`);
    expect((stats.body as { stats: { collections: number } }).stats.collections).toBe(0);

    // The corrected file: checked, then stored.
    await page
      .locator('#garbage-csv')
      .setInputFiles({ name: 'gomi.csv', mimeType: 'text/csv', buffer: calendarCsv() });
    await page.getByRole('button', { name: '内容を確認する（まだ登録しません）' }).click();
    await page.getByText('エラーはありません。内容を確かめて登録してください').waitFor();
    await snap(page, '03-upload-preview');
    await page.getByRole('button', { name: 'この内容で登録する' }).click();
    await page.getByText(/収集日 \d+件を登録しました/).waitFor();
    const kinds = await page.getByTestId('calendar-items').locator('tbody th').allInnerTexts();
    expect(kinds.sort()).toEqual(['びん・缶', '燃やせるごみ', '資源ごみ']);

    // Tomorrow's row names 燃やせるごみ with 山陽地域（北） among its districts.
    const upcoming = page.getByTestId('upcoming');
    const tomorrow = upcoming.locator('tbody tr').nth(1);
    expect(await tomorrow.innerText()).toMatch(/燃やせるごみ[\s\S]*山陽地域（北）/);
    await snap(page, '04-uploaded');

    // Only one district: the view follows the URL.
    await page.locator('#up-district').selectOption({ label: '吉井地域' });
    await page.getByRole('button', { name: '表示', exact: true }).click();
    await page.waitForURL(/district=D01/);
    const text = await upcoming.innerText();
    expect(text).not.toContain('山陽地域（北）');
    expect(text).toContain('吉井地域');

    // The list shows the calendar's period and items; the manual explains the screen.
    await page.getByRole('link', { name: 'ごみカレンダーの一覧へ戻る' }).click();
    await page.waitForURL(`${ORIGIN}/garbage`);
    const row = page.getByRole('row').filter({ hasText: name });
    const listed = await row.innerText();
    expect(listed).toContain('6地区・34件');
    expect(listed).toContain('燃やせるごみ');
    await snap(page, '09-list');
    await page.getByRole('link', { name: 'ヘルプ' }).first().click();
    await page.waitForURL(`${ORIGIN}/manual/garbage`);
    expect(await heading(page)).toBe('ごみ収集日のお知らせ');
    await snap(page, '10-manual');
  });

  it('makes the reminders once, with links to their segments and draft deliveries', async () => {
    await page.goto(calendarUrl);
    await page.locator('#rm-org').selectOption({ index: 1 });
    expect(await page.locator('#rm-time').inputValue()).toBe('19:00');
    // Akaiwa's opt-in 「ゴミ収集日のお知らせ」 is chosen with 「受け取る」.
    expect(await page.locator('#rm-optin-item option:checked').innerText()).toBe('ゴミ収集日のお知らせ');
    expect(await page.getByRole('checkbox', { name: '受け取る', exact: true }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: 'びん・缶' }).uncheck();
    await page
      .getByText('例：明日は燃やせるごみの収集日です。朝8時30分までに、決められた場所に出してください。')
      .waitFor();
    await snap(page, '05-reminder-form');
    await page.getByRole('button', { name: 'リマインド配信を作る' }).click();
    const result = page.getByTestId('reminder-result');
    await result.waitFor();
    const lines = await result.locator('tbody tr').allInnerTexts();
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.includes('新しく作成'))).toBe(true);
    const burnable = result.locator('tbody tr').filter({ hasText: '燃やせるごみ' });
    const segmentLink = burnable.locator('a[href*="/segments/"]');
    const deliveryLink = burnable.locator('a[href*="/deliveries/"]');
    expect(await segmentLink.innerText()).toBe(`${name}：明日が燃やせるごみの収集日`);
    expect(await deliveryLink.innerText()).toBe(`燃やせるごみの収集日のお知らせ（${name}）`);
    for (const a of await result.locator('a').all()) {
      const href = (await a.getAttribute('href'))!;
      const id = href.split('/').pop()!;
      if (href.includes('/segments/')) created.segments.push(id);
      else created.deliveries.push(id);
    }
    await snap(page, '06-reminders-created');

    // A second click: nothing new.
    await page.getByRole('button', { name: 'リマインド配信を作る' }).click();
    await page.getByText('リマインド配信はすでに作られています').waitFor();
    const again = await result.locator('tbody tr').allInnerTexts();
    expect(again.every((l) => l.includes('作成済み'))).toBe(true);

    // The segment reads as one sentence in the builder.
    const deliveryHref = (await deliveryLink.getAttribute('href'))!;
    await segmentLink.click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    await page.getByTestId('segment-sentence').waitFor();
    expect(await page.getByTestId('segment-sentence').innerText()).toBe(
      `ごみカレンダー「${name}」で明日が燃やせるごみの収集日の地区、かつ「ゴミ収集日のお知らせ」が「受け取る」に当てはまる友だち`,
    );
    expect(await page.locator('select[id$="-calendar"] option:checked').innerText()).toBe(name);
    // The live count runs the garbage condition on the server (a number, not an error).
    await expect
      .poll(() => page.getByTestId('live-count').innerText(), { timeout: 20_000 })
      .toMatch(/^対象: [\d,]+人/);
    await snap(page, '07-segment');

    // The draft delivery opens in the delivery screen, where staff check the text and schedule it.
    await page.goto(`${ORIGIN}${deliveryHref}`);
    await page.waitForURL(/\/deliveries\/[0-9a-f-]{36}$/);
    await expect
      .poll(() => heading(page), { timeout: 20_000 })
      .toBe(`燃やせるごみの収集日のお知らせ（${name}）`);
    await snap(page, '08-delivery-draft');
  });
});
