import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/app.js';
import { solidPng } from '../src/util/png.js';
import { CH, admin, clients, failure, newUser, start } from './helpers.js';

let emu: RunningEmulator;
let api: ReturnType<typeof clients>['api'];
let blob: ReturnType<typeof clients>['blob'];

beforeAll(async () => {
  emu = await start();
  ({ api, blob } = clients(emu));
});
afterAll(() => emu.close());
beforeEach(() => admin(emu, 'POST', '/reset'));

const area = (x: number, action: Record<string, unknown>) => ({
  bounds: { x, y: 0, width: 800, height: 843 },
  action,
});
const menu = (over: Record<string, unknown> = {}) => ({
  size: { width: 2500, height: 843 },
  selected: true,
  name: 'メインメニュー',
  chatBarText: 'メニュー',
  areas: [area(0, { type: 'message', text: 'ごみ' }), area(800, { type: 'uri', uri: 'https://example.jp/' })],
  ...over,
});
const png = (w = 2500, h = 843) => new Blob([solidPng(w, h)], { type: 'image/png' });

async function menuWithImage(over: Record<string, unknown> = {}) {
  const { richMenuId } = await api.createRichMenu(menu(over) as never);
  await blob.setRichMenuImage(richMenuId, png());
  return richMenuId;
}

describe('rich menu objects', () => {
  it('create, validate, get, list, delete', async () => {
    const { richMenuId } = await api.createRichMenu(menu() as never);
    expect(richMenuId).toMatch(/^richmenu-[0-9a-f]{32}$/);
    expect(await api.validateRichMenuObject(menu() as never)).toEqual({});
    expect(await api.getRichMenu(richMenuId)).toMatchObject({
      richMenuId,
      name: 'メインメニュー',
      chatBarText: 'メニュー',
    });
    expect((await api.getRichMenuList()).richmenus.map((m) => m.richMenuId)).toEqual([richMenuId]);
    await api.deleteRichMenu(richMenuId);
    expect((await failure(api.getRichMenu(richMenuId))).status).toBe(404);
  });

  it('refuses 21 areas, a bad size and a long chat bar text', async () => {
    const areas = Array.from({ length: 21 }, (_, i) => ({
      bounds: { x: i * 100, y: 0, width: 100, height: 100 },
      action: { type: 'postback', data: `a=${i}` },
    }));
    const f = await failure(api.createRichMenu(menu({ areas }) as never));
    expect(f.status).toBe(400);
    expect(f.body.details).toContainEqual({ message: 'Size must be between 1 and 20', property: 'areas' });
    const g = await failure(
      api.validateRichMenuObject(menu({ size: { width: 2500, height: 2000 } }) as never),
    );
    expect(g.body.details).toContainEqual({
      message: 'The aspect ratio (width / height) must be at least 1.45',
      property: 'size',
    });
    const h = await failure(
      api.createRichMenu(menu({ size: { width: 700, height: 400 }, areas: [] }) as never),
    );
    expect(h.body.details).toContainEqual({
      message: 'Must be between 800 and 2500',
      property: 'size.width',
    });
    const i = await failure(api.createRichMenu(menu({ chatBarText: 'あ'.repeat(15) }) as never));
    expect(i.body.details).toEqual([{ message: 'Length must be between 0 and 14', property: 'chatBarText' }]);
    const j = await failure(
      api.createRichMenu(menu({ areas: [area(2000, { type: 'message', text: 'x' })] }) as never),
    );
    expect(j.body.details).toEqual([
      { message: 'The area must be inside the rich menu', property: 'areas[0].bounds' },
    ]);
  });

  it('refuses actions rich menus cannot carry', async () => {
    const f = await failure(
      api.createRichMenu(menu({ areas: [area(0, { type: 'camera', label: 'c' })] }) as never),
    );
    expect(f.body.details).toEqual([
      {
        message:
          'Must be one of the following values: [postback, message, uri, datetimepicker, richmenuswitch]',
        property: 'areas[0].action.type',
      },
    ]);
  });
});

describe('rich menu images', () => {
  it('uploads once, exactly the menu’s pixel size, and downloads the same bytes', async () => {
    const { richMenuId } = await api.createRichMenu(menu() as never);
    const wrong = await failure(blob.setRichMenuImage(richMenuId, png(2500, 1686)));
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe('The image size (2500x1686) must be the rich menu size (2500x843)');
    await blob.setRichMenuImage(richMenuId, png());
    const again = await failure(blob.setRichMenuImage(richMenuId, png()));
    expect(again.body).toEqual({ message: 'An image has already been uploaded to the richmenu' });
    const stream = await blob.getRichMenuImage(richMenuId);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(solidPng(2500, 843))).toBe(true);
  });

  it('refuses other media types and files over 1 MB', async () => {
    const { richMenuId } = await api.createRichMenu(menu() as never);
    const gif = await failure(
      blob.setRichMenuImage(richMenuId, new Blob([Buffer.from('GIF89a')], { type: 'image/gif' })),
    );
    expect(gif.status).toBe(415);
    const big = Buffer.concat([solidPng(2500, 843), Buffer.alloc(1024 * 1024)]);
    const f = await failure(blob.setRichMenuImage(richMenuId, new Blob([big], { type: 'image/png' })));
    expect(f.status).toBe(413);
  });

  it('reads JPEG sizes too', async () => {
    const { richMenuId } = await api.createRichMenu(menu() as never);
    // A minimal JPEG header: SOI, APP0, SOF0 with 843 x 2500.
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x03, 0x4b, 0x09, 0xc4,
      0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
    ]);
    await blob.setRichMenuImage(richMenuId, new Blob([jpeg], { type: 'image/jpeg' }));
  });
});

describe('default and per-user menus', () => {
  it('default set/get/cancel; a menu without image cannot be shown', async () => {
    const { richMenuId: bare } = await api.createRichMenu(menu() as never);
    expect((await failure(api.setDefaultRichMenu(bare))).body).toEqual({
      message: 'must upload richmenu image before applying it to user',
    });
    const id = await menuWithImage();
    await api.setDefaultRichMenu(id);
    expect(await api.getDefaultRichMenuId()).toEqual({ richMenuId: id });
    await api.cancelDefaultRichMenu();
    expect((await failure(api.getDefaultRichMenuId())).status).toBe(404);
  });

  it('per-user link beats the default; bulk link/unlink answer 202', async () => {
    const main = await menuWithImage();
    const special = await menuWithImage({ name: '特別' });
    await api.setDefaultRichMenu(main);
    const [a, b] = [await newUser(emu), await newUser(emu)];
    await api.linkRichMenuIdToUser(a, special);
    expect(await api.getRichMenuIdOfUser(a)).toEqual({ richMenuId: special });
    const shown = async (u: string) =>
      (await admin<{ richMenuId: string }>(emu, 'GET', `/channels/${CH.channelId}/users/${u}`)).body
        .richMenuId;
    expect(await shown(a)).toBe(special);
    expect(await shown(b)).toBe(main);
    await api.unlinkRichMenuIdFromUser(a);
    expect(await shown(a)).toBe(main);
    const bulk = await api.linkRichMenuIdToUsersWithHttpInfo({ richMenuId: special, userIds: [a, b] });
    expect(bulk.httpResponse.status).toBe(202);
    expect(await shown(b)).toBe(special);
    const un = await api.unlinkRichMenuIdFromUsersWithHttpInfo({ userIds: [a, b] });
    expect(un.httpResponse.status).toBe(202);
    expect(await shown(b)).toBe(main);
    const tooMany = Array.from({ length: 501 }, () => a);
    expect(
      (await failure(api.linkRichMenuIdToUsers({ richMenuId: special, userIds: tooMany }))).body.details,
    ).toEqual([{ message: 'Size must be between 1 and 500', property: 'userIds' }]);
  });
});

describe('aliases', () => {
  it('create, get, list, update, delete; id pattern and conflicts', async () => {
    const a = await menuWithImage();
    const b = await menuWithImage();
    await api.createRichMenuAlias({ richMenuAliasId: 'tab-kurashi', richMenuId: a });
    expect(await api.getRichMenuAlias('tab-kurashi')).toEqual({
      richMenuAliasId: 'tab-kurashi',
      richMenuId: a,
    });
    expect(
      (await failure(api.createRichMenuAlias({ richMenuAliasId: 'tab-kurashi', richMenuId: b }))).body,
    ).toEqual({
      message: 'conflict richmenu alias id',
    });
    const bad = await failure(api.createRichMenuAlias({ richMenuAliasId: 'Tab_UPPER', richMenuId: a }));
    expect(bad.body.details).toEqual([{ message: 'Invalid value', property: 'richMenuAliasId' }]);
    await api.updateRichMenuAlias('tab-kurashi', { richMenuId: b });
    expect((await api.getRichMenuAliasList()).aliases).toEqual([
      { richMenuAliasId: 'tab-kurashi', richMenuId: b },
    ]);
    await api.deleteRichMenuAlias('tab-kurashi');
    expect((await failure(api.getRichMenuAlias('tab-kurashi'))).status).toBe(404);
  });
});

describe('rich menu rate limits', () => {
  it('create is limited per hour (configurable)', async () => {
    await admin(emu, 'POST', '/channels', {
      ...CH,
      rateLimits: { createRichMenu: { limit: 2, windowMs: 3600_000 } },
    });
    await api.createRichMenu(menu() as never);
    await api.createRichMenu(menu() as never);
    expect((await failure(api.createRichMenu(menu() as never))).status).toBe(429);
    await admin(emu, 'POST', '/channels', { ...CH, rateLimits: {} });
  });
});

describe('rich menu batch', () => {
  it('links from one menu to another for every user, with progress', async () => {
    const a = await menuWithImage();
    const b = await menuWithImage();
    const users = [await newUser(emu), await newUser(emu)];
    await api.linkRichMenuIdToUsers({ richMenuId: a, userIds: users });
    expect(
      await api.validateRichMenuBatchRequest({ operations: [{ type: 'link', from: a, to: b }] }),
    ).toEqual({});
    const r = await api.richMenuBatchWithHttpInfo({ operations: [{ type: 'link', from: a, to: b }] });
    expect(r.httpResponse.status).toBe(202);
    const progress = await api.getRichMenuBatchProgress(r.httpResponse.headers.get('x-line-request-id')!);
    expect(progress.phase).toBe('succeeded');
    for (const u of users) expect(await api.getRichMenuIdOfUser(u)).toEqual({ richMenuId: b });
  });
});
