import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/app.js';
import { ULID } from '../src/ids.js';
import { addSpecSchemas, createAjv, readSpec } from '../src/openapi/load.js';
import { solidPng } from '../src/util/png.js';
import { sign, verify } from '../src/webhook/sign.js';
import { CH, admin, clients, failure, inbox, receiver, start, text } from './helpers.js';

let emu: RunningEmulator;
let hook: Awaited<ReturnType<typeof receiver>>;
let status = 200;
let api: ReturnType<typeof clients>['api'];
let blob: ReturnType<typeof clients>['blob'];

const ajv = createAjv();
addSpecSchemas(ajv, 'webhook.yml', readSpec('webhook.yml'));
const validCallback = ajv.compile({ $ref: 'webhook.yml#/components/schemas/CallbackRequest' });

beforeAll(async () => {
  hook = await receiver(() => status);
  emu = await start();
  ({ api, blob } = clients(emu));
});
afterAll(async () => {
  await emu.close();
  await hook.close();
});
beforeEach(async () => {
  await admin(emu, 'POST', '/reset');
  await admin(emu, 'POST', '/channels', { ...CH, webhookUrl: hook.url, webhookRedelivery: false });
  hook.received.length = 0;
  status = 200;
});

type Ev = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const act = async (userId: string, body: Record<string, unknown>) =>
  (
    await admin<{ events: Ev[]; open: string | null; user: { richMenuId: string | null } }>(
      emu,
      'POST',
      `/channels/${CH.channelId}/users/${userId}/actions`,
      body,
    )
  ).body;

async function follower(name = '佐藤 一郎') {
  const r = await admin<{ userId: string }>(emu, 'POST', `/channels/${CH.channelId}/users`, {
    displayName: name,
  });
  return r.body.userId;
}

describe('signatures', () => {
  it('matches the test vector of external-apis.md', () => {
    const body = '{"destination":"U00000000000000000000000000000000","events":[]}';
    expect(sign('testsecret', body)).toBe('ELnyFCUVWa5oREVSj/VI6gaCRZNQ+63oBuDec55Hs/A=');
    expect(verify('testsecret', body, 'ELnyFCUVWa5oREVSj/VI6gaCRZNQ+63oBuDec55Hs/A=')).toBe(true);
    expect(verify('testsecret', body + ' ', 'ELnyFCUVWa5oREVSj/VI6gaCRZNQ+63oBuDec55Hs/A=')).toBe(false);
  });

  it('signs every webhook with the channel secret over the raw body', async () => {
    await follower();
    const r = hook.received[0]!;
    expect(r.headers['x-line-signature']).toBe(sign(CH.channelSecret, r.raw));
    expect(r.body.destination).toBe(CH.botUserId);
  });
});

describe('events', () => {
  it('follow: LINE-shaped ids, reply token, mode, delivery context; valid against webhook.yml', async () => {
    const userId = await follower();
    expect(userId).toMatch(/^U[0-9a-f]{32}$/);
    const [e] = hook.events() as Ev[];
    expect(e).toMatchObject({
      type: 'follow',
      mode: 'active',
      source: { type: 'user', userId },
      deliveryContext: { isRedelivery: false },
      follow: { isUnblocked: false },
    });
    expect(e!.webhookEventId).toMatch(ULID);
    expect(e!.replyToken).toMatch(/^[0-9a-f]{32}$/);
    for (const r of hook.received)
      expect(validCallback(r.body), JSON.stringify(validCallback.errors)).toBe(true);
  });

  it('block, then follow again: unfollow without reply token, then isUnblocked', async () => {
    const userId = await follower();
    await act(userId, { type: 'block' });
    expect((await failure(api.getProfile(userId))).status).toBe(404);
    await act(userId, { type: 'follow' });
    const [, unfollow, again] = hook.events() as Ev[];
    expect(unfollow!.type).toBe('unfollow');
    expect(unfollow!.replyToken).toBeUndefined();
    expect(again!.follow).toEqual({ isUnblocked: true });
    expect((await api.getProfile(userId)).userId).toBe(userId);
  });

  it('text with LINE emoji, sticker, location, image (content downloadable)', async () => {
    const userId = await follower();
    await act(userId, {
      type: 'text',
      text: '(brown) ごみの日',
      emojis: [{ index: 0, length: 7, productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' }],
    });
    await act(userId, { type: 'sticker', packageId: '446', stickerId: '1988' });
    await act(userId, {
      type: 'location',
      title: '赤磐市役所',
      address: '岡山県赤磐市下市344',
      latitude: 34.755,
      longitude: 134.018,
    });
    const png = solidPng(32, 16);
    await act(userId, { type: 'image', data: png.toString('base64'), contentType: 'image/png' });
    const events = (hook.events() as Ev[]).slice(1);
    expect(events.map((e) => e.message.type)).toEqual(['text', 'sticker', 'location', 'image']);
    expect(events[0]!.message).toMatchObject({ text: '(brown) ごみの日', emojis: [{ index: 0, length: 7 }] });
    expect(events[0]!.message.quoteToken).toBeTruthy();
    expect(events[3]!.message.contentProvider).toEqual({ type: 'line' });
    const stream = await blob.getMessageContent(events[3]!.message.id);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(png)).toBe(true);
    for (const r of hook.received)
      expect(validCallback(r.body), JSON.stringify(validCallback.errors)).toBe(true);
    const talk = await admin<{ messages: { from: string }[] }>(
      emu,
      'GET',
      `/channels/${CH.channelId}/users/${userId}/messages?from=user`,
    );
    expect(talk.body.messages).toHaveLength(4);
  });

  it('the reply token of a message event works once with the SDK', async () => {
    const userId = await follower();
    const { events } = await act(userId, { type: 'text', text: '粗大ごみ' });
    await api.replyMessage({ replyToken: events[0]!.replyToken, messages: [text('受付します')] });
    expect((await inbox(emu, userId)).map((m) => m.message.text)).toEqual(['受付します']);
  });
});

describe('rich menu taps', () => {
  async function tabs() {
    const png = () => new Blob([solidPng(2500, 843)], { type: 'image/png' });
    const mk = async (name: string, areas: unknown[]) => {
      const { richMenuId } = await api.createRichMenu({
        size: { width: 2500, height: 843 },
        selected: true,
        name,
        chatBarText: name,
        areas,
      } as never);
      await blob.setRichMenuImage(richMenuId, png());
      return richMenuId;
    };
    const tabArea = (x: number, alias: string) => ({
      bounds: { x, y: 0, width: 1250, height: 200 },
      action: { type: 'richmenuswitch', richMenuAliasId: alias, data: `tab=${alias}` },
    });
    const body = (action: unknown) => ({ bounds: { x: 0, y: 200, width: 2500, height: 643 }, action });
    const a = await mk('くらし', [
      tabArea(0, 'tab-a'),
      tabArea(1250, 'tab-b'),
      body({ type: 'postback', data: 'menu=gomi', displayText: 'ごみ' }),
    ]);
    const b = await mk('防災', [
      tabArea(0, 'tab-a'),
      tabArea(1250, 'tab-b'),
      body({ type: 'uri', uri: 'https://example.jp/bosai' }),
    ]);
    await api.createRichMenuAlias({ richMenuAliasId: 'tab-a', richMenuId: a });
    await api.createRichMenuAlias({ richMenuAliasId: 'tab-b', richMenuId: b });
    await api.setDefaultRichMenu(a);
    return { a, b };
  }

  it('richmenuswitch changes the shown menu on the client and sends a postback with params', async () => {
    const { a, b } = await tabs();
    const userId = await follower();
    const out = await act(userId, { type: 'richmenu', x: 1300, y: 100 });
    expect(out.user.richMenuId).toBe(b);
    expect(out.events[0]).toMatchObject({
      type: 'postback',
      postback: { data: 'tab=tab-b', params: { newRichMenuAliasId: 'tab-b', status: 'SUCCESS' } },
    });
    const uri = await act(userId, { type: 'richmenu', areaIndex: 2 });
    expect(uri.open).toBe('https://example.jp/bosai');
    expect(uri.events).toEqual([]);
    const back = await act(userId, { type: 'richmenu', areaIndex: 0 });
    expect(back.user.richMenuId).toBe(a);
    const pb = await act(userId, { type: 'richmenu', areaIndex: 2 });
    expect(pb.events[0]!.postback).toEqual({ data: 'menu=gomi' });
    const talk = await admin<{ messages: { message: { text: string } }[] }>(
      emu,
      'GET',
      `/channels/${CH.channelId}/users/${userId}/messages?from=user`,
    );
    expect(talk.body.messages.map((m) => m.message.text)).toEqual(['ごみ']);
  });

  it('a tab switch links the menu to the user, so a new default reaches them only once unlinked', async () => {
    const { a, b } = await tabs();
    const userId = await follower();
    await act(userId, { type: 'richmenu', x: 1300, y: 100 });
    expect((await api.getRichMenuIdOfUser(userId)).richMenuId).toBe(b);
    await api.setDefaultRichMenu(a);
    expect((await act(userId, { type: 'richmenu', areaIndex: 2 })).user.richMenuId).toBe(b);
    await api.richMenuBatch({ operations: [{ type: 'unlinkAll' }] });
    const after = await act(userId, { type: 'richmenu', areaIndex: 2 });
    expect(after.user.richMenuId).toBe(a);
  });

  it('a switch to a missing alias reports RICHMENU_ALIAS_ID_NOTFOUND', async () => {
    await tabs();
    await api.deleteRichMenuAlias('tab-b');
    const userId = await follower();
    const out = await act(userId, { type: 'richmenu', x: 1300, y: 100 });
    expect(out.events[0]!.postback.params).toEqual({
      newRichMenuAliasId: 'tab-b',
      status: 'RICHMENU_ALIAS_ID_NOTFOUND',
    });
  });
});

describe('actions of received messages', () => {
  it('buttons, datetime picker, quick reply location; a uri tap counts as a click', async () => {
    const userId = await follower();
    await api.pushMessage({
      to: userId,
      messages: [
        {
          type: 'template',
          altText: '予約',
          template: {
            type: 'buttons',
            text: '予約しますか',
            actions: [
              { type: 'datetimepicker', label: '日時', data: 'book', mode: 'date' },
              { type: 'uri', label: '詳細', uri: 'https://example.jp/x' },
            ],
          },
        },
      ],
    });
    const [msg] = await inbox(emu, userId);
    const picked = await act(userId, {
      type: 'action',
      action: { type: 'datetimepicker', label: '日時', data: 'book', mode: 'date' },
      params: { date: '2026-12-01' },
    });
    expect(picked.events[0]!.postback).toEqual({ data: 'book', params: { date: '2026-12-01' } });
    const opened = await act(userId, {
      type: 'action',
      action: { type: 'uri', uri: 'https://example.jp/x' },
      messageId: (msg as unknown as { messageId: string }).messageId,
    });
    expect(opened.open).toBe('https://example.jp/x');
    const loc = await act(userId, {
      type: 'action',
      action: { type: 'location', label: '位置' },
      location: { latitude: 35, longitude: 135, address: '豊明市' },
    });
    expect(loc.events[0]!.message).toMatchObject({ type: 'location', latitude: 35, longitude: 135 });
    const [withClick] = await inbox(emu, userId);
    expect((withClick as unknown as { clicks: unknown[] }).clicks).toHaveLength(1);
  });
});

describe('delivery options', () => {
  it('redelivery keeps webhookEventId, replyToken and timestamp, marked isRedelivery', async () => {
    const userId = await follower();
    await act(userId, { type: 'text', text: 'a', delivery: { redeliver: true } });
    const [first, again] = (hook.events() as Ev[]).slice(1);
    expect(again!.deliveryContext).toEqual({ isRedelivery: true });
    expect(first!.deliveryContext).toEqual({ isRedelivery: false });
    for (const k of ['webhookEventId', 'replyToken', 'timestamp']) expect(again![k]).toEqual(first![k]);
  });

  it('duplicate sends the identical body twice', async () => {
    const userId = await follower();
    hook.received.length = 0;
    await act(userId, { type: 'text', text: 'dup', delivery: { duplicate: true } });
    expect(hook.received).toHaveLength(2);
    expect(hook.received[0]!.raw).toBe(hook.received[1]!.raw);
  });

  it('batches can arrive out of order, in one body or one POST per event', async () => {
    const userId = await follower();
    hook.received.length = 0;
    const texts = ['1', '2', '3', '4'];
    await admin(emu, 'POST', `/channels/${CH.channelId}/actions/batch`, {
      actions: texts.map((t) => ({ userId, type: 'text', text: t })),
      order: 'reverse',
    });
    const events = hook.events() as Ev[];
    expect(events.map((e) => e.message.text)).toEqual(['4', '3', '2', '1']);
    expect(events.map((e) => e.timestamp)).toEqual([...events.map((e) => e.timestamp)].sort((x, y) => y - x));
    hook.received.length = 0;
    await admin(emu, 'POST', `/channels/${CH.channelId}/actions/batch`, {
      actions: texts.map((t) => ({ userId, type: 'text', text: t })),
      order: 'shuffle',
      split: true,
    });
    expect(hook.received).toHaveLength(4);
  });

  it('a failing webhook is redelivered when the channel has redelivery on; deliveries are recorded', async () => {
    await admin(emu, 'POST', '/channels', { ...CH, webhookRedelivery: true });
    status = 500;
    const userId = await follower();
    await new Promise((r) => setTimeout(r, 40));
    status = 200;
    await emu.webhooks.idle();
    const d = await admin<{
      deliveries: { status: number; attempt: number; isRedelivery: boolean; latencyMs: number }[];
    }>(emu, 'GET', `/channels/${CH.channelId}/webhooks`);
    const statuses = d.body.deliveries.map((x) => x.status);
    expect(statuses[0]).toBe(500);
    expect(statuses.at(-1)).toBe(200);
    expect(d.body.deliveries.at(-1)!.isRedelivery).toBe(true);
    const events = hook.events() as Ev[];
    expect(new Set(events.map((e) => e.webhookEventId)).size).toBe(1);
    expect(events.at(-1)!.source.userId).toBe(userId);
  });

  it('no webhook URL: the delivery is recorded as failed', async () => {
    await admin(emu, 'POST', '/channels', { channelId: '2000000099', channelAccessToken: 'tok-99' });
    const r = await admin<{ webhook: { status: number; error: string } }>(
      emu,
      'POST',
      '/channels/2000000099/users',
      {},
    );
    expect(r.body.webhook).toMatchObject({ status: 0, error: 'The channel has no webhook URL' });
  });

  it('the product can test and set its webhook URL through the API', async () => {
    const res = await api.testWebhookEndpoint({ endpoint: hook.url });
    expect(res).toMatchObject({ success: true, statusCode: 200 });
    expect(hook.received.at(-1)!.body.events).toEqual([]);
    await api.setWebhookEndpoint({ endpoint: hook.url + '?v=2' });
    expect(await api.getWebhookEndpoint()).toEqual({ endpoint: hook.url + '?v=2', active: true });
  });
});

describe('unsend', () => {
  it('sends an unsend event and the content answers 410', async () => {
    const userId = await follower();
    const { events } = await act(userId, { type: 'image' });
    const id = events[0]!.message.id as string;
    const out = await act(userId, { type: 'unsend', messageId: id });
    expect(out.events[0]).toMatchObject({ type: 'unsend', unsend: { messageId: id } });
    expect(validCallback({ destination: CH.botUserId, events: out.events })).toBe(true);
    expect((await failure(blob.getMessageContent(id))).status).toBe(410);
  });
});
