import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagingApi } from '@line/bot-sdk';
import { solidPng, startEmulator, type RunningEmulator } from '@tsunagu/line-emulator';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { processUserEvents } from '../src/modules/line/events.jobs.js';
import { closeLineEventsQueue, lineEventsQueue } from '../src/modules/line/line-queue.js';
import {
  RESET_USER_MENUS_JOB,
  resetUserMenus,
  setEmergencyMode,
} from '../src/modules/richmenu/richmenu.service.js';
import { AdminClient, createStaff, createTestTenant, testApp, type TestTenant } from './helpers.js';

const CHANNEL_ID = String(1900000000 + Math.floor(Math.random() * 1e8));
const SECRET = 'richmenu-test-secret';
const TOKEN = 'richmenu-test-token';

describe('rich menus: model, publish, emergency mode, tap statistics', () => {
  let emu: RunningEmulator;
  let server: http.Server;
  let t: TestTenant;
  let admin: AdminClient;
  let other: AdminClient;
  let line: messagingApi.MessagingApiClient;

  const emuAdmin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const png = (w: number, h: number) => solidPng(w, h);
  const putImage = (c: AdminClient, tabId: string, data: Buffer) =>
    c.put(`/api/richmenus/tabs/${tabId}/image`).set('Content-Type', 'application/octet-stream').send(data);
  const tile = (i: number, action: Record<string, unknown>) => ({
    bounds: { x: (i % 3) * 833, y: Math.floor(i / 3) * 843, width: 833, height: 843 },
    action,
  });

  beforeAll(async () => {
    t = await createTestTenant('rm', ['ka', 'kb']);
    server = http.createServer(testApp());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    emu = await startEmulator({
      channels: [
        {
          channelId: CHANNEL_ID,
          channelSecret: SECRET,
          channelAccessToken: TOKEN,
          webhookUrl: `http://127.0.0.1:${port}/webhook/${t.tenant.slug}/test`,
        },
      ],
    });
    setLineConfig({ apiBaseUrl: emu.url, dataApiBaseUrl: emu.url, requestTimeoutMs: 5000 });
    line = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: emu.url });
    await withTenant(t.tenant.id, (m) =>
      saveChannel(m, t.tenant.id, 'test', {
        channelId: CHANNEL_ID,
        channelSecret: SECRET,
        accessToken: TOKEN,
        botUserId: null,
        loginChannelId: null,
        liffId: null,
        forwardUrl: null,
      }),
    );
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const o = await createStaff(t.tenant.id, {
      role: 'staff',
      orgIds: [t.orgs.kb!],
      featuresAllow: ['richmenu'],
    });
    other = AdminClient.forTenant(t.tenant);
    expect((await other.login(o.loginId)).status).toBe(200);
  });
  afterAll(async () => {
    setLineConfig(undefined);
    await emu.close();
    server.close();
    await closeLineEventsQueue();
    await closeDataSources();
    await closeRedis();
  });

  let setId = '';
  const tabIds: string[] = [];
  let emergencyId = '';

  it('creates a 3-tab set with tab switches, a resident page and a postback; refuses bad input in Japanese', async () => {
    const created = await admin.post('/api/richmenus', {
      name: '通常メニュー',
      organisationId: t.orgs.ka,
      code: 'main',
    });
    expect(created.status).toBe(201);
    setId = created.body.id;
    for (const [i, name] of ['くらし', '子育て', '防災'].entries()) {
      const res = await admin.post(`/api/richmenus/${setId}/tabs`, {
        name,
        chatBarText: `メニュー${i + 1}`,
        size: { width: 2500, height: 1686 },
        areas: [tile(0, { type: 'message', text: `${name}の情報` })],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      tabIds.push(res.body.id);
    }
    const patched = await admin.patch(`/api/richmenus/tabs/${tabIds[0]}`, {
      areas: [
        tile(0, { type: 'tab', tabId: tabIds[1], label: '子育て' }),
        tile(1, { type: 'tab', tabId: tabIds[2], label: '防災' }),
        tile(2, { type: 'page', path: 'settings', label: '受信設定' }),
        tile(3, { type: 'postback', data: 'gomi', displayText: 'ごみの日' }),
        tile(4, { type: 'uri', uri: 'https://www.example.jp/' }),
      ],
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);

    // 21 areas, out of bounds, a 15-character chat bar text: refused with Japanese messages.
    const base = { name: 'x', chatBarText: 'メニュー', size: { width: 2500, height: 843 } };
    const many = await admin.post(`/api/richmenus/${setId}/tabs`, {
      ...base,
      areas: Array.from({ length: 21 }, () => ({
        bounds: { x: 0, y: 0, width: 10, height: 10 },
        action: { type: 'message', text: 'a' },
      })),
    });
    expect(many.status).toBe(422);
    expect(JSON.stringify(many.body.errors)).toContain('タップ領域は20個以内にしてください');
    const out = await admin.post(`/api/richmenus/${setId}/tabs`, {
      ...base,
      areas: [{ bounds: { x: 2000, y: 0, width: 600, height: 100 }, action: { type: 'message', text: 'a' } }],
    });
    expect(out.status).toBe(422);
    expect(JSON.stringify(out.body.errors)).toContain('画像の範囲（2500×843）からはみ出しています');
    const long = await admin.post(`/api/richmenus/${setId}/tabs`, { ...base, chatBarText: 'あ'.repeat(15) });
    expect(long.status).toBe(422);
    expect(JSON.stringify(long.body.errors)).toContain('メニューバーのテキストは14文字以内にしてください');

    // Images: wrong pixel size refused; right size accepted.
    const wrong = await putImage(admin, tabIds[0]!, png(2500, 843));
    expect(wrong.status).toBe(422);
    expect(wrong.body.title).toBe('画像の大きさは2500×1686ピクセルにしてください');
    for (const id of tabIds) expect((await putImage(admin, id, png(2500, 1686))).status).toBe(200);

    const list = await admin.get('/api/richmenus');
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain(setId);
    // Another organisation's staff does not see it in the list.
    const otherList = await other.get('/api/richmenus');
    expect(otherList.status).toBe(200);
    expect(otherList.body.items).toEqual([]);
  });

  it('publishes to the test channel: 3 menus, 3 aliases, the default; a second publish deletes the old ones', async () => {
    const res = await admin.post(`/api/richmenus/${setId}/publish`, { channel: 'test' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const first = (res.body.menus as Array<{ richMenuId: string }>).map((m) => m.richMenuId);
    expect(first).toHaveLength(3);
    const menus = (await line.getRichMenuList()).richmenus;
    expect(menus.map((m) => m.richMenuId).sort()).toEqual([...first].sort());
    const aliases = (await line.getRichMenuAliasList()).aliases;
    expect(aliases.map((a) => [a.richMenuAliasId, a.richMenuId]).sort()).toEqual(
      [
        ['main-0', first[0]],
        ['main-1', first[1]],
        ['main-2', first[2]],
      ].sort(),
    );
    expect((await line.getDefaultRichMenuId()).richMenuId).toBe(first[0]);
    const tab0 = menus.find((m) => m.richMenuId === first[0])!;
    expect(tab0.areas[0]!.action).toMatchObject({ type: 'richmenuswitch', richMenuAliasId: 'main-1' });
    expect(tab0.areas[2]!.action).toMatchObject({
      type: 'uri',
      uri: expect.stringMatching(new RegExp(`/t/${t.tenant.slug}/settings$`)),
    });
    expect((tab0.areas[3]!.action as { data: string }).data).toMatch(/^rm:[a-z0-9]+:3:gomi$/);

    const again = await admin.post(`/api/richmenus/${setId}/publish`, { channel: 'test' });
    expect(again.status).toBe(200);
    const second = (again.body.menus as Array<{ richMenuId: string }>).map((m) => m.richMenuId);
    const now = (await line.getRichMenuList()).richmenus.map((m) => m.richMenuId);
    expect(now.sort()).toEqual([...second].sort());
    for (const id of first) expect(now).not.toContain(id);
    expect((await line.getDefaultRichMenuId()).richMenuId).toBe(second[0]);
    expect(
      (await line.getRichMenuAliasList()).aliases.find((a) => a.richMenuAliasId === 'main-2')?.richMenuId,
    ).toBe(second[2]);
  });

  it('a publish interrupted after creating menus leaves no orphans once retried', async () => {
    await emuAdmin('POST', '/faults', {
      channelId: CHANNEL_ID,
      endpoint: 'setRichMenuImage',
      fault: '500',
      times: 1,
    });
    const failed = await admin.post(`/api/richmenus/${setId}/publish`, { channel: 'test' });
    expect(failed.status).toBe(502);
    expect((await line.getRichMenuList()).richmenus).toHaveLength(4); // 3 published + 1 orphan
    const retried = await admin.post(`/api/richmenus/${setId}/publish`, { channel: 'test' });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const ids = (retried.body.menus as Array<{ richMenuId: string }>).map((m) => m.richMenuId).sort();
    expect((await line.getRichMenuList()).richmenus.map((m) => m.richMenuId).sort()).toEqual(ids);
    expect((await line.getDefaultRichMenuId()).richMenuId).toBe(retried.body.menus[0].richMenuId);
  });

  it('another organisation’s staff cannot publish (403, audited)', async () => {
    const res = await other.post(`/api/richmenus/${setId}/publish`, { channel: 'test' });
    expect(res.status).toBe(403);
    const rows: Array<{ action: string; outcome: string }> = await withTenant(t.tenant.id, (m) =>
      m.query(`select action, outcome from audit_log where target_id = $1 order by seq`, [setId]),
    );
    expect(rows).toContainEqual({ action: 'richmenu.update', outcome: 'denied' });
    expect(rows).toContainEqual({ action: 'richmenu.publish', outcome: 'success' });
  });

  it('emergency mode switches the default to the emergency set and back', async () => {
    const before = await admin.post('/api/richmenus/emergency', {
      channel: 'test',
      enabled: true,
      reason: '訓練',
    });
    expect(before.status).toBe(409);
    const created = await admin.post('/api/richmenus', {
      name: '災害時メニュー',
      kind: 'emergency',
      organisationId: t.orgs.ka,
      code: 'bosai',
    });
    emergencyId = created.body.id;
    const tab = await admin.post(`/api/richmenus/${emergencyId}/tabs`, {
      name: '避難情報',
      chatBarText: '緊急情報',
      size: { width: 2500, height: 843 },
      areas: [tile(0, { type: 'uri', uri: 'https://www.example.jp/hinan' })],
    });
    expect((await putImage(admin, tab.body.id, png(2500, 843))).status).toBe(200);
    const pub = await admin.post(`/api/richmenus/${emergencyId}/publish`, { channel: 'test' });
    expect(pub.status, JSON.stringify(pub.body)).toBe(200);
    const normalDefault = (await line.getDefaultRichMenuId()).richMenuId;
    expect(pub.body.menus[0].richMenuId).not.toBe(normalDefault);

    // A friend who switched to the 子育て tab: LINE links that tab's menu to them, which outranks
    // any default, so the switch must also reset per-user menus to reach them.
    const friend = (await emuAdmin('POST', `/channels/${CHANNEL_ID}/users`, { displayName: '市民B' })) as {
      userId: string;
    };
    const shown = async () =>
      ((await emuAdmin('GET', `/channels/${CHANNEL_ID}/users/${friend.userId}`)) as { richMenuId: string })
        .richMenuId;
    await emuAdmin('POST', `/channels/${CHANNEL_ID}/users/${friend.userId}/actions`, {
      type: 'richmenu',
      areaIndex: 0,
    });
    const childcareTab = await shown();
    expect(childcareTab).not.toBe(normalDefault);

    const on = await admin.post('/api/richmenus/emergency', {
      channel: 'test',
      enabled: true,
      reason: '大雨警報',
    });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body.userMenus).toBe('done');
    expect((await line.getDefaultRichMenuId()).richMenuId).toBe(pub.body.menus[0].richMenuId);
    expect(await shown()).toBe(pub.body.menus[0].richMenuId);
    const state = await admin.get('/api/richmenus/emergency');
    expect(state.body.channels.find((c: { channel: string }) => c.channel === 'test')).toMatchObject({
      enabled: true,
      reason: '大雨警報',
    });
    // The internal API (disaster module, mail rules) switches back.
    await setEmergencyMode(t.tenant.id, 'test', false, '警報解除', {
      type: 'system',
      id: null,
      label: '防災連携',
    });
    expect((await line.getDefaultRichMenuId()).richMenuId).toBe(normalDefault);
    expect(await shown()).toBe(normalDefault);

    // When LINE refuses the reset (its batch API allows 3 requests an hour), the switch still
    // happens and a queued job resets per-user menus later.
    await emuAdmin('POST', `/channels/${CHANNEL_ID}/users/${friend.userId}/actions`, {
      type: 'richmenu',
      areaIndex: 0,
    });
    await emuAdmin('POST', '/faults', {
      channelId: CHANNEL_ID,
      endpoint: 'richMenuBatch',
      fault: '429',
      times: 1,
    });
    const limited = await setEmergencyMode(t.tenant.id, 'test', true, '訓練', {
      type: 'system',
      id: null,
      label: '防災連携',
    });
    expect(limited.userMenus).toBe('queued');
    expect(await shown()).toBe(childcareTab);
    const queued = await lineEventsQueue().getJob(`rm-reset-${t.tenant.id}-test`);
    expect(queued?.name).toBe(RESET_USER_MENUS_JOB);
    await queued!.remove();
    await resetUserMenus({ tenantId: t.tenant.id, channelKind: 'test' });
    expect(await shown()).toBe(pub.body.menus[0].richMenuId);
    await setEmergencyMode(t.tenant.id, 'test', false, '訓練終了', {
      type: 'system',
      id: null,
      label: '防災連携',
    });
    const audit: Array<{ action: string }> = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select action from audit_log where action like 'richmenu.emergency%' and outcome = 'success' order by seq`,
      ),
    );
    expect(audit.map((a) => a.action)).toEqual([
      'richmenu.emergency_on',
      'richmenu.emergency_off',
      'richmenu.emergency_on',
      'richmenu.emergency_off',
    ]);
  });

  it('unpublishes a set residents do not see; refuses the default menu; then the set can be deleted', async () => {
    const normal = await admin.post(`/api/richmenus/${setId}/unpublish`, { channel: 'test' });
    expect(normal.status).toBe(409);
    expect(normal.body.title).toContain('既定メニューとして表示中');
    const menusBefore = (await line.getRichMenuList()).richmenus.length;
    const em = await admin.post(`/api/richmenus/${emergencyId}/unpublish`, { channel: 'test' });
    expect(em.status, JSON.stringify(em.body)).toBe(200);
    expect(em.body.deleted).toBe(1);
    expect((await line.getRichMenuList()).richmenus.length).toBe(menusBefore - 1);
    expect((await admin.get('/api/richmenus/emergency')).body.channels[1].emergencySetId).toBeNull();
    const again = await admin.post(`/api/richmenus/${emergencyId}/unpublish`, { channel: 'test' });
    expect(again.status).toBe(409);
    expect(again.body.title).toBe('このメニューはテストチャネルに公開されていません');
    expect((await admin.delete(`/api/richmenus/${emergencyId}`)).status).toBe(204);
  });

  it('a user tapping areas produces postbacks that are counted per area', async () => {
    const user = (await emuAdmin('POST', `/channels/${CHANNEL_ID}/users`, { displayName: '市民A' })) as {
      userId: string;
    };
    for (const areaIndex of [3, 3, 0]) {
      const r = await emuAdmin('POST', `/channels/${CHANNEL_ID}/users/${user.userId}/actions`, {
        type: 'richmenu',
        areaIndex,
      });
      expect((r.deliveries as Array<{ status: number }>)[0]!.status).toBe(200);
      if (areaIndex === 0) break;
    }
    await processUserEvents({ tenantId: t.tenant.id, channelKind: 'test', userId: user.userId });
    const statuses: Array<{ event_type: string; status: string }> = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select event_type, status from webhook_event where event_type = 'postback' and source_user_id = $1`,
        [user.userId],
      ),
    );
    expect(statuses).toHaveLength(3);
    expect(statuses.every((s) => s.status === 'processed')).toBe(true);
    const stats = await admin.get(`/api/richmenus/${setId}/stats`);
    expect(stats.status).toBe(200);
    const areas = stats.body.tabs[0].areas as Array<{ areaIndex: number; taps: number }>;
    expect(areas.find((a) => a.areaIndex === 3)!.taps).toBe(2);
    expect(areas.find((a) => a.areaIndex === 0)!.taps).toBe(1);
    expect(areas.find((a) => a.areaIndex === 2)!.taps).toBe(0);
  });
});
