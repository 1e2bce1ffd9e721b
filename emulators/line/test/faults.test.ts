import { randomUUID } from 'node:crypto';
import { HTTPFetchError } from '@line/bot-sdk';
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

const fault = (body: Record<string, unknown>) =>
  admin(emu, 'POST', '/faults', { channelId: CH.channelId, ...body });

describe('fault injection', () => {
  it('500 before acceptance delivers nothing; the retry with the same key delivers once', async () => {
    const user = await newUser(emu);
    await fault({ endpoint: 'pushMessage', fault: '500', times: 1 });
    const key = randomUUID();
    const f = await failure(api.pushMessage({ to: user, messages: [text('a')] }, key));
    expect(f).toMatchObject({ status: 500, body: { message: 'An error occurred in the internal server.' } });
    expect(await inbox(emu, user)).toHaveLength(0);
    await api.pushMessage({ to: user, messages: [text('a')] }, key);
    expect(await inbox(emu, user)).toHaveLength(1);
  });

  it('accepted-500: delivered but the answer is lost; the retry gets 409 and no duplicate', async () => {
    const user = await newUser(emu);
    await fault({ endpoint: '/v2/bot/message/multicast', fault: 'accepted-500', times: 1 });
    const key = randomUUID();
    expect((await failure(api.multicast({ to: [user], messages: [text('a')] }, key))).status).toBe(500);
    expect(await inbox(emu, user)).toHaveLength(1);
    expect((await failure(api.multicast({ to: [user], messages: [text('a')] }, key))).status).toBe(409);
    expect(await inbox(emu, user)).toHaveLength(1);
  });

  it('429 for the next N calls, then normal', async () => {
    const user = await newUser(emu);
    await fault({ endpoint: 'pushMessage', fault: '429', times: 2 });
    expect((await failure(api.pushMessage({ to: user, messages: [text('a')] }))).status).toBe(429);
    expect((await failure(api.pushMessage({ to: user, messages: [text('a')] }))).status).toBe(429);
    await api.pushMessage({ to: user, messages: [text('a')] });
  });

  it('timeout hangs and then drops the connection; accepted-timeout still delivers', async () => {
    const user = await newUser(emu);
    await fault({ endpoint: 'pushMessage', fault: 'timeout', times: 1, timeoutMs: 50 });
    await expect(api.pushMessage({ to: user, messages: [text('lost')] })).rejects.toThrow();
    expect(await inbox(emu, user)).toHaveLength(0);
    await fault({ endpoint: 'pushMessage', fault: 'accepted-timeout', times: 1, timeoutMs: 50 });
    await expect(api.pushMessage({ to: user, messages: [text('kept')] })).rejects.toThrow();
    expect((await inbox(emu, user)).map((m) => m.message.text)).toEqual(['kept']);
    const log = await admin<{ requests: { status: number; fault?: string }[] }>(
      emu,
      'GET',
      '/requests?endpoint=pushMessage',
    );
    expect(log.body.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, 'timeout'],
      [0, 'accepted-timeout'],
    ]);
  });

  it('a seeded rate fails about that share of calls, repeatably', async () => {
    const user = await newUser(emu);
    const run = async () => {
      await admin(emu, 'DELETE', '/faults');
      await fault({ endpoint: 'pushMessage', fault: '500', rate: 0.3, seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 200; i++)
        out.push(
          await api.pushMessage({ to: user, messages: [text('x')] }).then(
            () => 200,
            (e: HTTPFetchError) => e.status,
          ),
        );
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const failed = a.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(40);
    expect(failed).toBeLessThan(80);
  });

  it('faults can be listed and removed', async () => {
    const r = await fault({ fault: '500', times: 5 });
    expect((await admin<{ faults: unknown[] }>(emu, 'GET', '/faults')).body.faults).toHaveLength(1);
    await admin(emu, 'DELETE', `/faults/${(r.body as { id: string }).id}`);
    expect((await admin<{ faults: unknown[] }>(emu, 'GET', '/faults')).body.faults).toHaveLength(0);
  });
});

describe('a large send under faults', () => {
  it('10,000 recipients in chunks of 500 with 30% 500s and some 429s: each receives exactly one copy', async () => {
    const ids = (
      await admin<{ userIds: string[] }>(emu, 'POST', `/channels/${CH.channelId}/users`, { count: 10_000 })
    ).body.userIds;
    await fault({ endpoint: 'multicast', fault: '500', rate: 0.15, seed: 1 });
    await fault({ endpoint: 'multicast', fault: 'accepted-500', rate: 0.15, seed: 2 });
    await fault({ endpoint: 'multicast', fault: '429', rate: 0.1, seed: 3 });
    for (let i = 0; i < ids.length; i += 500) {
      const key = randomUUID(); // stored with the chunk, reused on every retry
      for (let attempt = 0; ; attempt++) {
        try {
          await api.multicast({ to: ids.slice(i, i + 500), messages: [text('避難情報')] }, key);
          break;
        } catch (e) {
          const status = (e as HTTPFetchError).status;
          if (status === 409) break; // accepted earlier: the answer was lost
          if (status !== 500 && status !== 429) throw e;
          expect(attempt).toBeLessThan(50);
        }
      }
    }
    const all = await admin<{ count: number; messages: { userId: string }[] }>(
      emu,
      'GET',
      `/channels/${CH.channelId}/messages`,
    );
    expect(all.body.count).toBe(10_000);
    expect(new Set(all.body.messages.map((m) => m.userId)).size).toBe(10_000);
  });
});
