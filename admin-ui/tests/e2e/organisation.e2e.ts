import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN,
  apiCall,
  consoleOrigin,
  launch,
  loginToConsole,
  newContext,
  removeQuietly,
  shot,
  uniqueId,
} from './helpers';

describe('organisations, teams and CSV import', () => {
  let browser: Browser;
  let page: Page;
  const origin = consoleOrigin('akaiwa');
  const cleanup: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    await loginToConsole(page, origin, ADMIN.login, ADMIN.password);
  });
  afterAll(async () => {
    if (page) await removeQuietly(page, cleanup);
    await browser?.close();
  });

  it('creates and deletes an organisation', async () => {
    const code = uniqueId('e2e-');
    await page.goto(`${origin}/organisations`);
    await page.getByRole('button', { name: '組織を登録' }).click();
    const dialog = page.getByRole('dialog', { name: '組織の登録' });
    await dialog.locator('#org-code').fill(code);
    await dialog.locator('#org-name').fill('E2E 試験課');
    await shot(page, 'organisation-new');
    await dialog.getByRole('button', { name: '登録する' }).click();
    const row = page.getByRole('row').filter({ hasText: code });
    await row.waitFor();
    expect(await row.innerText()).toContain('0人');
    await row.getByRole('button', { name: /削除/ }).click();
    await page
      .getByRole('dialog', { name: '組織を削除しますか' })
      .getByRole('button', { name: '削除する' })
      .click();
    await row.waitFor({ state: 'detached' });
  });

  it('creates a team with features', async () => {
    const name = `E2E チーム ${Date.now()}`;
    await page.goto(`${origin}/teams`);
    await page.getByRole('button', { name: 'チームを登録' }).click();
    const dialog = page.getByRole('dialog', { name: 'チームの登録' });
    await dialog.locator('#team-name').fill(name);
    await dialog.getByRole('checkbox').first().check();
    await shot(page, 'team-new');
    await dialog.getByRole('button', { name: '登録する' }).click();
    const row = page.getByRole('row').filter({ hasText: name });
    await row.waitFor();
    expect(await row.locator('.badge').count()).toBe(1);
    const teams = (await apiCall(page, 'GET', '/api/teams')).body as {
      items: { id: string; name: string }[];
    };
    for (const t of teams.items.filter((t) => t.name === name)) cleanup.push(`/api/teams/${t.id}`);
  });

  it('previews a CSV import with row errors, then applies a valid one', async () => {
    const header = '操作,ログインID,氏名,メールアドレス,権限,所属,チーム';
    await page.goto(`${origin}/staff/import`);
    const bad = `${header}\n登録,${uniqueId('e2e.')},CSV 誤り,,社長,,\n`;
    await page
      .locator('#csv-file')
      .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: /内容を確認する/ }).click();
    await page.getByText('エラーがあるため反映できません').waitFor();
    expect(await page.getByRole('row').filter({ hasText: '2行目' }).count()).toBeGreaterThan(0);
    await shot(page, 'staff-import-errors');

    const loginId = uniqueId('e2e.');
    const good = `\uFEFF${header}\n登録,${loginId},CSV 太郎,,職員,,\n`;
    await page
      .locator('#csv-file')
      .setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: /内容を確認する/ }).click();
    await page.getByRole('button', { name: 'この内容で反映する' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: loginId }).innerText()).toContain('登録');
    await shot(page, 'staff-import-preview');
    await page.getByRole('button', { name: 'この内容で反映する' }).click();
    await page
      .getByRole('dialog', { name: 'CSVの内容を反映しますか' })
      .getByRole('button', { name: '反映する' })
      .click();
    await page.getByText('CSVの内容を反映しました').first().waitFor();
    expect(await page.getByRole('row').filter({ hasText: loginId }).count()).toBe(1);
    await shot(page, 'staff-import-applied');
    const found = (await apiCall(page, 'GET', `/api/staff?q=${encodeURIComponent(loginId)}`)).body as {
      items: { id: string; loginId: string }[];
    };
    for (const s of found.items.filter((s) => s.loginId === loginId)) cleanup.push(`/api/staff/${s.id}`);
  });
});
