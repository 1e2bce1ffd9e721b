import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/app.js';
import { CH, admin, clients, failure, inbox, newUser, start, text } from './helpers.js';

let emu: RunningEmulator;
let api: ReturnType<typeof clients>['api'];

beforeAll(async () => {
  emu = await start();
  api = clients(emu).api;
});
afterAll(() => emu.close());
beforeEach(() => admin(emu, 'POST', '/reset'));

describe('auth and common answers', () => {
  it('answers every call with X-Line-Request-Id', async () => {
    const user = await newUser(emu);
    const r = await api.pushMessageWithHttpInfo({ to: user, messages: [text('こんにちは')] });
    expect(r.httpResponse.status).toBe(200);
    expect(r.httpResponse.headers.get('x-line-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.sentMessages).toHaveLength(1);
    expect(r.body.sentMessages[0]!.id).toMatch(/^\d+$/);
  });

  it('refuses a wrong token with 401 and LINE’s body', async () => {
    const bad = clients(emu, 'not-a-token').api;
    const f = await failure(bad.getBotInfo());
    expect(f.status).toBe(401);
    expect(f.body).toEqual({
      message: 'Authentication failed. Confirm that the access token in the authorization header is valid.',
    });
    expect(f.headers.get('x-line-request-id')).toBeTruthy();
  });

  it('refuses a missing Authorization header', async () => {
    const res = await fetch(emu.url + '/v2/bot/info');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/^Authorization header required/);
  });

  it('answers unknown paths with 404 and LINE’s body', async () => {
    const res = await fetch(emu.url + '/v2/bot/nothing/here', {
      headers: { authorization: `Bearer ${CH.channelAccessToken}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not found' });
    expect(res.headers.get('x-line-request-id')).toBeTruthy();
  });

  it('keeps channels apart: a token only reaches its own channel', async () => {
    const user = await newUser(emu);
    const other = clients(emu, 'token-toyoake-test').api;
    await expect(other.getProfile(user)).rejects.toMatchObject({ status: 404 });
    expect((await api.getProfile(user)).displayName).toBe('山田 花子');
  });
});

describe('sending', () => {
  it('push delivers to the user, with request id and endpoint recorded', async () => {
    const user = await newUser(emu);
    const r = await api.pushMessageWithHttpInfo({ to: user, messages: [text('お知らせ'), text('二通目')] });
    const got = await inbox(emu, user);
    expect(got.map((m) => m.message.text)).toEqual(['お知らせ', '二通目']);
    expect(got[0]!.requestId).toBe(r.httpResponse.headers.get('x-line-request-id'));
    expect(got[0]!.endpoint).toBe('pushMessage');
  });

  it('refuses 6 messages with LINE’s 400 body', async () => {
    const user = await newUser(emu);
    const f = await failure(
      api.pushMessage({ to: user, messages: Array.from({ length: 6 }, (_, i) => text(`m${i}`)) }),
    );
    expect(f.status).toBe(400);
    expect(f.body).toEqual({
      message: 'The request body has 1 error(s)',
      details: [{ message: 'Size must be between 1 and 5', property: 'messages' }],
    });
    expect(await inbox(emu, user)).toHaveLength(0);
  });

  it('refuses a multicast to 501 users', async () => {
    const to = Array.from({ length: 501 }, () => 'U' + randomUUID().replaceAll('-', ''));
    const f = await failure(api.multicast({ to, messages: [text('x')] }));
    expect(f.status).toBe(400);
    expect(f.body.details).toEqual([{ message: 'Size must be between 1 and 500', property: 'to' }]);
  });

  it('refuses text over 5,000 UTF-16 units and names the property', async () => {
    const user = await newUser(emu);
    const f = await failure(api.pushMessage({ to: user, messages: [text('あ'.repeat(5001))] }));
    expect(f.body.details).toEqual([
      { message: 'Length must be between 1 and 5000', property: 'messages[0].text' },
    ]);
    await api.pushMessage({ to: user, messages: [text('あ'.repeat(5000))] });
  });

  it('checks LINE emoji: at most 20, each on a $', async () => {
    const user = await newUser(emu);
    const emoji = (index: number) => ({ index, productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' });
    await api.pushMessage({ to: user, messages: [{ type: 'text', text: '$ 晴れ', emojis: [emoji(0)] }] });
    const f = await failure(
      api.pushMessage({ to: user, messages: [{ type: 'text', text: 'a $', emojis: [emoji(0)] }] }),
    );
    expect(f.body.details).toEqual([
      { message: 'Must point at a $ in the text', property: 'messages[0].emojis[0].index' },
    ]);
    const many = '$'.repeat(21);
    const g = await failure(
      api.pushMessage({
        to: user,
        messages: [{ type: 'text', text: many, emojis: [...many].map((_, i) => emoji(i)) }],
      }),
    );
    expect(g.body.details).toContainEqual({
      message: 'Size must be between 0 and 20',
      property: 'messages[0].emojis',
    });
  });

  it('names an unknown message type and missing fields', async () => {
    const user = await newUser(emu);
    const f = await failure(
      api.pushMessage({
        to: user,
        messages: [
          { type: 'txt' } as never,
          { type: 'image', originalContentUrl: 'https://x/a.png' } as never,
        ],
      }),
    );
    expect(f.body.details).toContainEqual({
      message:
        'Must be one of the following values: [text, textV2, sticker, image, video, audio, location, imagemap, template, flex, coupon]',
      property: 'messages[0].type',
    });
    expect(f.body.details).toContainEqual({
      message: 'must be specified',
      property: 'messages[1].previewImageUrl',
    });
  });

  it('refuses a body over 2 MB with 413 and a non-JSON body with 415', async () => {
    const res = await fetch(emu.url + '/v2/bot/message/broadcast', {
      method: 'POST',
      headers: { authorization: `Bearer ${CH.channelAccessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [text('x'.repeat(2 * 1024 * 1024))] }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('x-line-request-id')).toBeTruthy();
    const form = await fetch(emu.url + '/v2/bot/message/broadcast', {
      method: 'POST',
      headers: { authorization: `Bearer ${CH.channelAccessToken}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
  });

  it('refuses a malformed recipient the way LINE does', async () => {
    const f = await failure(api.pushMessage({ to: 'someone', messages: [text('x')] }));
    expect(f.body).toEqual({
      message: "The property, 'to', in the request body is invalid (line: -, column: -)",
    });
  });

  it('multicast, broadcast and narrowcast (+ progress) reach friends only', async () => {
    const a = await newUser(emu);
    const b = await newUser(emu);
    const blocked = await newUser(emu);
    await admin(emu, 'POST', `/channels/${CH.channelId}/users/${blocked}/actions`, { type: 'block' });
    expect(await api.multicast({ to: [a, b, blocked], messages: [text('multi')] })).toEqual({});
    expect(await api.broadcast({ messages: [text('all')] })).toEqual({});
    const n = await api.narrowcastWithHttpInfo({ messages: [text('narrow')] });
    expect(n.httpResponse.status).toBe(202);
    const progress = await api.getNarrowcastProgress(n.httpResponse.headers.get('x-line-request-id')!);
    expect(progress).toMatchObject({ phase: 'succeeded', targetCount: 2, successCount: 2 });
    expect((await inbox(emu, a)).map((m) => m.message.text)).toEqual(['multi', 'all', 'narrow']);
    expect(await inbox(emu, blocked)).toEqual([]);
  });

  it('validate endpoints check without sending', async () => {
    expect(await api.validatePush({ messages: [text('ok')] })).toEqual({});
    const f = await failure(api.validateMulticast({ messages: [] }));
    expect(f.body.details).toEqual([{ message: 'Size must be between 1 and 5', property: 'messages' }]);
    for (const call of [api.validateReply, api.validateNarrowcast, api.validateBroadcast])
      expect(await call.call(api, { messages: [text('ok')] })).toEqual({});
  });
});

describe('message object limits', () => {
  let user: string;
  beforeEach(async () => {
    user = await newUser(emu);
  });
  const push = (m: unknown) => api.pushMessage({ to: user, messages: [m as never] });

  it('flex bubble over 30 KB and carousel over 12 bubbles', async () => {
    const bubble = (t: string) => ({
      type: 'bubble',
      body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: t }] },
    });
    await push({ type: 'flex', altText: 'ok', contents: bubble('小さい') });
    const big = await failure(push({ type: 'flex', altText: 'big', contents: bubble('x'.repeat(30_100)) }));
    expect(big.body.details).toEqual([
      { message: 'Bubble JSON must be at most 30000 bytes', property: 'messages[0].contents' },
    ]);
    const many = await failure(
      push({
        type: 'flex',
        altText: 'c',
        contents: { type: 'carousel', contents: Array.from({ length: 13 }, () => bubble('a')) },
      }),
    );
    expect(many.body.details).toContainEqual({
      message: 'Size must be between 1 and 12',
      property: 'messages[0].contents.contents',
    });
  });

  it('templates: confirm needs exactly 2 actions, labels at most 20', async () => {
    const msg = (actions: unknown[]) => ({
      type: 'template',
      altText: 'a',
      template: { type: 'confirm', text: '参加しますか', actions },
    });
    const yes = { type: 'message', label: 'はい', text: 'はい' };
    await push(msg([yes, { ...yes, label: 'いいえ', text: 'いいえ' }]));
    const f = await failure(push(msg([yes, yes, yes])));
    expect(f.body.details).toContainEqual({
      message: 'Size must be between 2 and 2',
      property: 'messages[0].template.actions',
    });
    const g = await failure(push(msg([yes, { ...yes, label: 'あ'.repeat(21) }])));
    expect(g.body.details).toEqual([
      { message: 'Length must be between 1 and 20', property: 'messages[0].template.actions[1].label' },
    ]);
  });

  it('quick reply at most 13 items; camera only there; postback data at most 300', async () => {
    const item = { type: 'action', action: { type: 'camera', label: 'カメラ' } };
    await push({ type: 'text', text: 'q', quickReply: { items: [item] } });
    const f = await failure(push({ type: 'text', text: 'q', quickReply: { items: Array(14).fill(item) } }));
    expect(f.body.details).toContainEqual({
      message: 'Size must be between 0 and 13',
      property: 'messages[0].quickReply.items',
    });
    const g = await failure(
      push({
        type: 'template',
        altText: 'a',
        template: {
          type: 'buttons',
          text: 't',
          actions: [{ type: 'postback', label: 'p', data: 'x'.repeat(301) }],
        },
      }),
    );
    expect(g.body.details).toEqual([
      { message: 'Length must be between 0 and 300', property: 'messages[0].template.actions[0].data' },
    ]);
  });

  it('images need HTTPS URLs', async () => {
    const f = await failure(
      push({ type: 'image', originalContentUrl: 'http://x/a.jpg', previewImageUrl: 'https://x/p.jpg' }),
    );
    expect(f.body.details).toEqual([
      { message: 'Must be a valid HTTPS URL', property: 'messages[0].originalContentUrl' },
    ]);
  });
});

describe('retry keys', () => {
  it('a repeated key gets 409 with the accepted request id, and no second delivery', async () => {
    const user = await newUser(emu);
    const key = randomUUID();
    const first = await api.pushMessageWithHttpInfo({ to: user, messages: [text('一度だけ')] }, key);
    const f = await failure(api.pushMessage({ to: user, messages: [text('一度だけ')] }, key));
    expect(f.status).toBe(409);
    expect(f.body.message).toBe('The retry key is already accepted');
    expect(f.body.sentMessages).toEqual(first.body.sentMessages);
    expect(f.headers.get('x-line-accepted-request-id')).toBe(
      first.httpResponse.headers.get('x-line-request-id'),
    );
    const got = await inbox(emu, user);
    expect(got).toHaveLength(1);
    expect(got[0]!.retryKey).toBe(key);
  });

  it('multicast keys are per channel and expire after 24 hours', async () => {
    const user = await newUser(emu);
    const key = randomUUID();
    await api.multicast({ to: [user], messages: [text('1')] }, key);
    expect((await failure(api.multicast({ to: [user], messages: [text('1')] }, key))).status).toBe(409);
    await admin(emu, 'POST', '/clock', { advanceMs: 24 * 3600_000 + 1000 });
    await api.multicast({ to: [user], messages: [text('1')] }, key);
    expect(await inbox(emu, user)).toHaveLength(2);
  });

  it('reply refuses a retry key with 400; a malformed key is refused too', async () => {
    const user = await newUser(emu);
    const res = await fetch(emu.url + '/v2/bot/message/reply', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${CH.channelAccessToken}`,
        'content-type': 'application/json',
        'x-line-retry-key': randomUUID(),
      },
      body: JSON.stringify({ replyToken: 'x', messages: [text('a')] }),
    });
    expect(res.status).toBe(400);
    const f = await failure(api.pushMessage({ to: user, messages: [text('a')] }, 'not-a-uuid'));
    expect(f.status).toBe(400);
  });

  it('a request refused by validation does not consume the key', async () => {
    const user = await newUser(emu);
    const key = randomUUID();
    await failure(api.pushMessage({ to: user, messages: [] }, key));
    await api.pushMessage({ to: user, messages: [text('ok')] }, key);
    expect(await inbox(emu, user)).toHaveLength(1);
  });
});

describe('reply tokens', () => {
  it('are single use and valid one minute', async () => {
    const created = await admin<{ userId: string }>(emu, 'POST', `/channels/${CH.channelId}/users`, {
      displayName: '太郎',
    });
    const userId = created.body.userId;
    const act = async () =>
      (
        await admin<{ events: { replyToken: string }[] }>(
          emu,
          'POST',
          `/channels/${CH.channelId}/users/${userId}/actions`,
          {
            type: 'text',
            text: 'ごみの日は？',
          },
        )
      ).body.events[0]!.replyToken;
    const token = await act();
    const r = await api.replyMessage({ replyToken: token, messages: [text('月曜日です')] });
    expect(r.sentMessages).toHaveLength(1);
    expect((await failure(api.replyMessage({ replyToken: token, messages: [text('again')] }))).body).toEqual({
      message: 'Invalid reply token',
    });
    const late = await act();
    await admin(emu, 'POST', '/clock', { advanceMs: 61_000 });
    expect((await failure(api.replyMessage({ replyToken: late, messages: [text('late')] }))).status).toBe(
      400,
    );
    expect((await inbox(emu, userId)).map((m) => m.message.text)).toEqual(['月曜日です']);
  });
});

describe('quota and rate limits', () => {
  it('counts usage per recipient and refuses over the monthly limit', async () => {
    await admin(emu, 'POST', '/channels', { ...CH, quota: { type: 'limited', value: 3 } });
    const users = [await newUser(emu), await newUser(emu)];
    expect(await api.getMessageQuota()).toEqual({ type: 'limited', value: 3 });
    await api.multicast({ to: users, messages: [text('a')] });
    expect(await api.getMessageQuotaConsumption()).toEqual({ totalUsage: 2 });
    const f = await failure(api.multicast({ to: users, messages: [text('b')] }));
    expect(f).toMatchObject({ status: 429, body: { message: 'You have reached your monthly limit.' } });
    await api.pushMessage({ to: users[0]!, messages: [text('c')] });
    await admin(emu, 'POST', '/channels', { ...CH, quota: { type: 'none' } });
  });

  it('limits requests per channel and endpoint', async () => {
    await admin(emu, 'POST', '/channels', {
      ...CH,
      rateLimits: { multicast: { limit: 2, windowMs: 60_000 } },
    });
    const user = await newUser(emu);
    await api.multicast({ to: [user], messages: [text('1')] });
    await api.multicast({ to: [user], messages: [text('2')] });
    const f = await failure(api.multicast({ to: [user], messages: [text('3')] }));
    expect(f).toEqual(
      expect.objectContaining({
        status: 429,
        body: { message: 'The API rate limit has been exceeded. Try again later.' },
      }),
    );
    await api.pushMessage({ to: user, messages: [text('push is another endpoint')] });
    await admin(emu, 'POST', '/channels', { ...CH, rateLimits: {} });
  });

  it('defaults to LINE’s limits: broadcast 60 per hour', async () => {
    await newUser(emu);
    for (let i = 0; i < 60; i++) await api.broadcast({ messages: [text(`b${i}`)] });
    expect((await failure(api.broadcast({ messages: [text('61')] }))).status).toBe(429);
  });
});

describe('users', () => {
  it('profile of friends only; follower ids page with limit/start', async () => {
    const ids = (
      await admin<{ userIds: string[] }>(emu, 'POST', `/channels/${CH.channelId}/users`, { count: 25 })
    ).body.userIds;
    const p = await api.getProfile(ids[0]!);
    expect(p).toMatchObject({ userId: ids[0], displayName: 'ユーザー1', language: 'ja' });
    const page1 = await api.getFollowers(undefined, 10);
    expect(page1.userIds).toHaveLength(10);
    const page2 = await api.getFollowers(page1.next, 10);
    const page3 = await api.getFollowers(page2.next, 10);
    expect(page3.userIds).toHaveLength(5);
    expect(page3.next).toBeUndefined();
    expect(new Set([...page1.userIds, ...page2.userIds, ...page3.userIds])).toEqual(new Set(ids));
    expect((await failure(api.getFollowers(undefined, 1001))).status).toBe(400);
    expect((await failure(api.getProfile('U' + '0'.repeat(32)))).status).toBe(404);
  });

  it('bot info names the channel', async () => {
    expect(await api.getBotInfo()).toMatchObject({
      userId: CH.botUserId,
      displayName: '赤磐市（テスト）',
      chatMode: 'bot',
    });
  });
});

describe('inspection', () => {
  it('lists requests with status, endpoint and retry key', async () => {
    const user = await newUser(emu);
    const key = randomUUID();
    await api.pushMessage({ to: user, messages: [text('a')] }, key);
    await failure(api.pushMessage({ to: user, messages: [text('a')] }, key));
    const r = await admin<{ requests: { status: number; retryKey: string; endpoint: string }[] }>(
      emu,
      'GET',
      `/requests?channel=${CH.channelId}&endpoint=pushMessage`,
    );
    expect(r.body.requests.map((x) => [x.status, x.retryKey])).toEqual([
      [200, key],
      [409, undefined],
    ]);
    const byPath = await admin<{ count: number }>(emu, 'GET', '/requests?endpoint=/v2/bot/message/push');
    expect(byPath.body.count).toBe(2);
  });
});
