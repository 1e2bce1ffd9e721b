import { insight } from '@line/bot-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/app.js';
import { CH, admin, clients, failure, start, text } from './helpers.js';

let emu: RunningEmulator;
let api: ReturnType<typeof clients>['api'];
let stats: insight.InsightClient;

beforeAll(async () => {
  emu = await start();
  api = clients(emu).api;
  stats = new insight.InsightClient({ channelAccessToken: CH.channelAccessToken, baseURL: emu.url });
});
afterAll(() => emu.close());
beforeEach(() => admin(emu, 'POST', '/reset'));

const jstDay = (ms: number) => new Date(ms + 9 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '');
const friends = async (n: number) =>
  (await admin<{ userIds: string[] }>(emu, 'POST', `/channels/${CH.channelId}/users`, { count: n })).body
    .userIds;
const act = (userId: string, body: unknown) =>
  admin(emu, 'POST', `/channels/${CH.channelId}/users/${userId}/actions`, body);

describe('insight', () => {
  it('per-unit statistics count reads and clicks, null below 20', async () => {
    const ids = await friends(30);
    await api.multicast({
      to: ids,
      messages: [
        {
          type: 'template',
          altText: '防災',
          template: {
            type: 'buttons',
            text: '避難所',
            actions: [{ type: 'uri', label: '地図', uri: 'https://example.jp/map' }],
          },
        },
      ],
      customAggregationUnits: ['bosai_0701'],
    });
    await api.pushMessage({ to: ids[0]!, messages: [text('少数')], customAggregationUnits: ['small_unit'] });
    for (const u of ids.slice(0, 25)) await act(u, { type: 'read' });
    for (const u of ids.slice(0, 21)) {
      const inbox = await admin<{ messages: { messageId: string }[] }>(
        emu,
        'GET',
        `/channels/${CH.channelId}/users/${u}/messages`,
      );
      await act(u, {
        type: 'action',
        action: { type: 'uri', uri: 'https://example.jp/map' },
        messageId: inbox.body.messages[0]!.messageId,
      });
    }
    const today = jstDay(Date.now());
    const s = await stats.getStatisticsPerUnit('bosai_0701', today, today);
    expect(s.overview).toMatchObject({ uniqueImpression: 25, uniqueClick: 21, uniqueMediaPlayed: null });
    expect(s.messages[0]).toMatchObject({ seq: 1, impression: 25 });
    expect(s.clicks).toEqual([
      { seq: 1, url: 'https://example.jp/map', click: 21, uniqueClick: 21, uniqueClickOfRequest: 21 },
    ]);
    const small = await stats.getStatisticsPerUnit('small_unit', today, today);
    expect(small.overview.uniqueImpression).toBeNull();
    expect(await api.getAggregationUnitUsage()).toEqual({ numOfCustomAggregationUnits: 2 });
    const bad = await failure(stats.getStatisticsPerUnit('bad unit!', today, today));
    expect(bad.body.details).toEqual([{ message: 'Invalid value', property: 'customAggregationUnit' }]);
  });

  it('with insightDelayMs, a unit has no figures until its messages are old enough (then null below 20)', async () => {
    const delay = 3 * 24 * 3600_000;
    expect(
      (await admin(emu, 'POST', '/channels', { channelId: CH.channelId, insightDelayMs: delay })).status,
    ).toBe(200);
    try {
      const ids = await friends(22);
      await api.multicast({ to: ids, messages: [text('お知らせ')], customAggregationUnits: ['late_unit'] });
      await api.pushMessage({ to: ids[0]!, messages: [text('少数')], customAggregationUnits: ['few_unit'] });
      for (const u of ids) await act(u, { type: 'read' });
      const today = jstDay(Date.now());

      // Not aggregated yet: no message is listed at all, every figure is null.
      for (const unit of ['late_unit', 'few_unit']) {
        const s = await stats.getStatisticsPerUnit(unit, today, today);
        expect(s.messages).toEqual([]);
        expect(s.clicks).toEqual([]);
        expect(s.overview.uniqueImpression).toBeNull();
      }

      await admin(emu, 'POST', '/clock', { advanceMs: delay });
      const late = await stats.getStatisticsPerUnit('late_unit', today, today);
      expect(late.overview.uniqueImpression).toBe(22);
      expect(late.messages).toMatchObject([{ seq: 1, impression: 22 }]);
      // Aggregated, but one reader is below LINE's privacy threshold: listed with null counts.
      const few = await stats.getStatisticsPerUnit('few_unit', today, today);
      expect(few.messages).toMatchObject([{ seq: 1, impression: null }]);
      expect(few.overview.uniqueImpression).toBeNull();
    } finally {
      await admin(emu, 'POST', '/channels', { channelId: CH.channelId, insightDelayMs: 0 });
    }
  });

  it('followers as of a past day; the current day is unready', async () => {
    const ids = await friends(3);
    await act(ids[0]!, { type: 'block' });
    expect(await stats.getNumberOfFollowers(jstDay(Date.now()))).toEqual({ status: 'unready' });
    const day = jstDay(Date.now());
    await admin(emu, 'POST', '/clock', { advanceMs: 2 * 24 * 3600_000 });
    expect(await stats.getNumberOfFollowers(day)).toEqual({
      status: 'ready',
      followers: 3,
      targetedReaches: 2,
      blocks: 1,
    });
  });

  it('message events per request id (broadcast)', async () => {
    await friends(22);
    const r = await api.broadcastWithHttpInfo({ messages: [text('お知らせ')] });
    const requestId = r.httpResponse.headers.get('x-line-request-id')!;
    const ev = await stats.getMessageEvent(requestId);
    expect(ev.overview).toMatchObject({ requestId, delivered: 22, uniqueImpression: null });
  });
});
