import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@tsunagu/line-emulator';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { processUserEvents } from '../src/modules/line/events.jobs.js';
import { closeLineEventsQueue } from '../src/modules/line/line-queue.js';
import { prepareFollowGreeting } from '../src/modules/attributes/greeting.js';
import { AdminClient, createStaff, createTestTenant, testApp, type TestTenant } from './helpers.js';

const CHANNEL_ID = String(1800000000 + Math.floor(Math.random() * 1e8));
const SECRET = 'greeting-test-secret';
const TOKEN = 'greeting-test-token';
const LIFF_ID = '2000000000-greet';

interface BotMessage {
  message: {
    type: string;
    text?: string;
    template?: { text: string; actions: Array<{ label: string; uri: string }> };
  };
}

describe('greeting new friends with a button to 受信設定 (SEG-3)', () => {
  let emu: RunningEmulator;
  let server: http.Server;
  let t: TestTenant;
  let admin: AdminClient;

  const emuAdmin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  /** A new friend in the emulator: LINE sends the follow webhook, the worker processes it. */
  const newFriend = async (name: string) => {
    const user = (await emuAdmin('POST', `/channels/${CHANNEL_ID}/users`, { displayName: name })) as {
      userId: string;
    };
    await processUserEvents({ tenantId: t.tenant.id, channelKind: 'test', userId: user.userId });
    const got = await emuAdmin('GET', `/channels/${CHANNEL_ID}/users/${user.userId}/messages`);
    return { userId: user.userId, messages: got.messages as BotMessage[] };
  };

  beforeAll(async () => {
    t = await createTestTenant('gr');
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
    await withTenant(t.tenant.id, (m) =>
      saveChannel(m, t.tenant.id, 'test', {
        channelId: CHANNEL_ID,
        channelSecret: SECRET,
        accessToken: TOKEN,
        botUserId: null,
        loginChannelId: null,
        liffId: LIFF_ID,
        forwardUrl: null,
      }),
    );
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
  });
  afterAll(async () => {
    await emu.close();
    server.close();
    await closeLineEventsQueue();
    await closeDataSources();
    await closeRedis();
  });

  it('replies to a follow with the default greeting and a button that opens the settings page in LIFF', async () => {
    const { messages } = await newFriend('市民A');
    expect(messages).toHaveLength(2);
    expect(messages[0]!.message.text).toContain(`${t.tenant.nameJa}公式LINEを友だち追加いただき`);
    expect(messages[1]!.message.type).toBe('template');
    expect(messages[1]!.message.template!.actions).toEqual([
      { type: 'uri', label: '受信設定をする', uri: `https://liff.line.me/${LIFF_ID}/settings` },
    ]);
  });

  it('uses the tenant’s text and form; says nothing when switched off', async () => {
    const form = await admin.post('/api/registration-forms', { code: 'settings', name: '受信設定' });
    expect(form.status).toBe(201);
    expect(
      (
        await admin.put('/api/registration-forms/greeting', {
          enabled: true,
          text: 'ようこそ{name}へ！',
          buttonText: 'まずは受信設定をお願いします',
          buttonLabel: '設定する',
          formCode: 'settings',
        })
      ).status,
    ).toBe(200);
    const { messages } = await newFriend('市民B');
    expect(messages[0]!.message.text).toBe(`ようこそ${t.tenant.nameJa}へ！`);
    expect(messages[1]!.message.template).toMatchObject({
      text: 'まずは受信設定をお願いします',
      actions: [{ label: '設定する', uri: `https://liff.line.me/${LIFF_ID}/settings?form=settings` }],
    });
    await admin.put('/api/registration-forms/greeting', {
      enabled: false,
      text: 'ようこそ',
      buttonText: 'どうぞ',
      buttonLabel: '設定する',
    });
    expect((await newFriend('市民C')).messages).toEqual([]);
  });

  it('a returning friend who registered before is not asked again; stale or tokenless events get nothing', async () => {
    await admin.put('/api/registration-forms/greeting', {
      enabled: true,
      text: 'ようこそ',
      buttonText: 'どうぞ',
      buttonLabel: '設定する',
    });
    const { userId } = await newFriend('市民D');
    await withTenant(t.tenant.id, (m) =>
      m.query(
        `insert into resident_registration (tenant_id, resident_id, form_id)
         select $1, r.id, f.id from resident r, registration_form f where r.line_user_id = $2 and f.code = 'settings'`,
        [t.tenant.id, userId],
      ),
    );
    const follow = { type: 'follow', timestamp: Date.now(), replyToken: 'token', source: { userId } };
    const check = (e: object) =>
      withTenant(t.tenant.id, (m) => prepareFollowGreeting(m, t.tenant.id, 'test', e as typeof follow));
    expect(await check(follow)).toBeNull();
    const stranger = { ...follow, source: { userId: 'U' + 'e'.repeat(32) } };
    expect(await check(stranger)).not.toBeNull();
    expect(await check({ ...stranger, replyToken: undefined })).toBeNull();
    expect(await check({ ...stranger, timestamp: Date.now() - 21 * 60_000 })).toBeNull();
    expect(await check({ ...stranger, type: 'message' })).toBeNull();
  });
});
