import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@tsunagu/line-emulator';
import { createLineGateway, LineSendError } from '../src/platform/line/gateway.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { MemorySendLogSink } from '../src/platform/line/send-log.js';
import { closeRedis } from '../src/platform/queue/redis.js';

/**
 * Acceptance (issue 3): with the emulator failing 30% of multicast calls with 500 (some after
 * delivering: the answer is lost) and answering some with 429, a 10,000-recipient send through
 * our gateway completes with every recipient receiving exactly one copy. Each 500-recipient chunk
 * has a retry key chosen before its first attempt, kept for every retry, as the delivery module
 * stores it in its chunk row.
 */
describe('multicast under faults, through the gateway and the LINE emulator', () => {
  let emu: RunningEmulator;
  const channelId = '1811111111';
  const token = 'fault-test-token';

  async function admin(method: string, path: string, body?: unknown) {
    const res = await fetch(`${emu.url}/_emulator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json() as Promise<Record<string, unknown>>;
  }

  beforeAll(async () => {
    emu = await startEmulator({
      channels: [{ channelId, channelSecret: 'fault-secret', channelAccessToken: token }],
    });
    setLineConfig({ apiBaseUrl: emu.url, dataApiBaseUrl: emu.url, requestTimeoutMs: 1500 });
  });
  afterAll(async () => {
    setLineConfig(undefined);
    await emu.close();
    await closeRedis();
  });

  it('10,000 recipients, 30% 500s and some 429s: each receives exactly one copy', async () => {
    const { userIds } = (await admin('POST', `/channels/${channelId}/users`, { count: 10_000 })) as {
      userIds: string[];
    };
    expect(userIds).toHaveLength(10_000);
    await admin('POST', '/faults', { channelId, endpoint: 'multicast', fault: '500', rate: 0.15, seed: 7 });
    await admin('POST', '/faults', {
      channelId,
      endpoint: 'multicast',
      fault: 'accepted-500',
      rate: 0.15,
      seed: 11,
    });
    await admin('POST', '/faults', { channelId, endpoint: 'multicast', fault: '429', rate: 0.1, seed: 13 });

    const sink = new MemorySendLogSink();
    const gateway = createLineGateway({
      channelKey: channelId,
      channelAccessToken: token,
      sink,
      retry: { maxAttempts: 12, baseDelayMs: 10, maxDelayMs: 200 },
    });
    const chunks = Array.from({ length: 20 }, (_, i) => ({
      to: userIds.slice(i * 500, (i + 1) * 500),
      retryKey: randomUUID(),
    }));
    // Two "workers" take chunks; a chunk whose attempts ran out is taken again with the same key.
    const queue = [...chunks];
    async function worker() {
      for (let c = queue.shift(); c; c = queue.shift()) {
        try {
          await gateway.multicast(c.to, [{ type: 'text', text: 'ごみ収集日のお知らせ' }], {
            retryKey: c.retryKey,
            ref: `test:${c.retryKey}`,
          });
        } catch (e) {
          if (e instanceof LineSendError && e.retryable) queue.push(c);
          else throw e;
        }
      }
    }
    await Promise.all([worker(), worker()]);

    const received = (await admin('GET', `/channels/${channelId}/messages?endpoint=multicast`)) as {
      count: number;
      messages: Array<{ userId: string }>;
    };
    expect(received.count).toBe(10_000);
    expect(new Set(received.messages.map((m) => m.userId)).size).toBe(10_000);
    const requests = (await admin(
      'GET',
      `/requests?channel=${channelId}&endpoint=multicast&limit=100000`,
    )) as {
      requests: Array<{ status: number }>;
    };
    const statuses = requests.requests.map((r) => r.status);
    // The faults really happened, and the gateway saw 409s for chunks whose earlier answer was lost.
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(2);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(sink.entries.filter((e) => e.status === 'sent' || e.status === 'already_accepted')).toHaveLength(
      20,
    );
  }, 120_000);
});
