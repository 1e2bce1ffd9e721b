import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LineGateway, LineSendError, type LineGatewayOptions } from './gateway.js';
import type { LineMessage } from './messages.js';
import {
  MemorySlidingWindowLimiter,
  RedisSlidingWindowLimiter,
  type RateLimit,
  type SlotLimiter,
} from './rate-limiter.js';
import { MemorySendLogSink } from './send-log.js';

// ---------------------------------------------------------------------------------------------
// A tiny fake of LINE's sending endpoints with fault injection (not the emulator: just enough
// of LINE's retry-key semantics to check the gateway's behaviour).

type Fault =
  | 'ok'
  /** Answer this status without processing the request. */
  | { status: number; body?: object; headers?: Record<string, string> }
  /** Process (deliver, accept the retry key), then answer 500 anyway. */
  | 'process-then-500'
  /** Never answer, without processing. */
  | 'hang'
  /** Process, then never answer. */
  | 'process-then-hang';

interface Received {
  endpoint: string;
  retryKey: string | null;
  authorization: string | undefined;
  body: { to?: string | string[]; replyToken?: string; messages?: unknown[] };
}

class FakeLine {
  server!: Server;
  url = '';
  received: Received[] = [];
  /** retry key → X-Line-Request-Id of the accepted request */
  accepted = new Map<string, string>();
  /** userId → copies delivered */
  copies = new Map<string, number>();
  usedReplyTokens = new Set<string>();
  /** Faults for the next calls, in order; then `random`. */
  next: Fault[] = [];
  random: (endpoint: string) => Fault = () => 'ok';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  reset(): void {
    this.received = [];
    this.accepted.clear();
    this.copies.clear();
    this.usedReplyTokens.clear();
    this.next = [];
    this.random = () => 'ok';
  }

  count(endpoint: string): number {
    return this.received.filter((r) => r.endpoint === endpoint).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const endpoint = (req.url ?? '').replace('/v2/bot/message/', '');
    const retryKey = (req.headers['x-line-retry-key'] as string | undefined) ?? null;
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Received['body'];
    this.received.push({ endpoint, retryKey, authorization: req.headers.authorization, body });
    const requestId = randomUUID();
    const send = (status: number, json: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-line-request-id': requestId,
        // No keep-alive: afterEach drops hung connections, which must not include pooled idle ones.
        connection: 'close',
        ...headers,
      });
      res.end(JSON.stringify(json));
    };

    const fault = this.next.shift() ?? this.random(endpoint);
    if (fault === 'hang') return;
    if (typeof fault === 'object')
      return send(fault.status, fault.body ?? { message: 'fault' }, fault.headers);

    // LINE's semantics.
    if (endpoint === 'reply' && retryKey)
      return send(400, { message: 'The retry key is not supported for reply' });
    if (retryKey && this.accepted.has(retryKey)) {
      return send(
        409,
        { message: 'The retry key is already accepted' },
        { 'x-line-accepted-request-id': this.accepted.get(retryKey)! },
      );
    }
    if (endpoint === 'reply') {
      if (!body.replyToken || this.usedReplyTokens.has(body.replyToken))
        return send(400, { message: 'Invalid reply token' });
      this.usedReplyTokens.add(body.replyToken);
    }
    if (retryKey) this.accepted.set(retryKey, requestId);
    const to = body.to === undefined ? [] : Array.isArray(body.to) ? body.to : [body.to];
    for (const u of to) this.copies.set(u, (this.copies.get(u) ?? 0) + 1);

    if (fault === 'process-then-hang') return;
    if (fault === 'process-then-500') return send(500, { message: 'An error occurred in the server' });
    const sentMessages = (body.messages ?? []).map(() => ({ id: String(Date.now()), quoteToken: 'q' }));
    if (endpoint === 'narrowcast') return send(202, {});
    return send(200, endpoint === 'push' || endpoint === 'reply' ? { sentMessages } : {});
  }
}

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const userId = (i: number) => 'U' + i.toString(16).padStart(32, '0');
const hello: LineMessage[] = [{ type: 'text', text: 'お知らせです' }];

const line = new FakeLine();
let sink: MemorySendLogSink;

function gateway(extra: Partial<LineGatewayOptions> = {}): LineGateway {
  return new LineGateway({
    channelKey: '1234567890',
    channelAccessToken: 'token-abc',
    apiBaseUrl: line.url,
    dataApiBaseUrl: line.url,
    limiter: new MemorySlidingWindowLimiter(),
    sink,
    ...extra,
    retry: {
      maxAttempts: 6,
      baseDelayMs: 2,
      maxDelayMs: 20,
      minRateLimitedDelayMs: 5,
      timeoutMs: 150,
      ...extra.retry,
    },
  });
}

async function failure(p: Promise<unknown>): Promise<LineSendError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LineSendError);
    return e as LineSendError;
  }
  throw new Error('expected the send to fail');
}

beforeAll(() => line.start());
afterAll(() => line.stop());
afterEach(() => {
  line.server.closeAllConnections();
  line.reset();
  sink = new MemorySendLogSink();
});
sink = new MemorySendLogSink();

// ---------------------------------------------------------------------------------------------

describe('fault tolerance', () => {
  it('delivers a 10,000-recipient multicast exactly once per recipient through 500s, 429s and timeouts', async () => {
    const rnd = prng(20251122);
    line.random = (endpoint) => {
      if (endpoint !== 'multicast') return 'ok';
      const r = rnd();
      if (r < 0.15) return { status: 500, body: { message: 'An error occurred in the server' } };
      if (r < 0.3) return 'process-then-500';
      if (r < 0.35)
        return { status: 429, body: { message: 'The API rate limit has been exceeded. Try again later.' } };
      if (r < 0.4)
        return {
          status: 429,
          body: { message: 'The API rate limit has been exceeded. Try again later.' },
          headers: { 'retry-after': '0' },
        };
      if (r < 0.43) return 'process-then-hang';
      if (r < 0.45) return 'hang';
      return 'ok';
    };

    // The delivery snapshot: 20 chunks of 500, each with its retry key stored before any send.
    const recipients = Array.from({ length: 10_000 }, (_, i) => userId(i));
    const chunks = Array.from({ length: 20 }, (_, c) => ({
      to: recipients.slice(c * 500, c * 500 + 500),
      retryKey: randomUUID(),
    }));

    // Two workers (two gateways of the same channel, one shared limiter) take chunks from a queue.
    const limiter = new MemorySlidingWindowLimiter();
    const workers = [
      gateway({ limiter, retry: { maxAttempts: 15 } }),
      gateway({ limiter, retry: { maxAttempts: 15 } }),
    ];
    const queue = [...chunks];
    const results: Array<{ status: string; acceptedRequestId: string | null }> = [];
    await Promise.all(
      workers.map(async (gw) => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          results.push(await gw.multicast(c.to, hello, { retryKey: c.retryKey, ref: `delivery:test:chunk` }));
        }
      }),
    );

    expect(results.every((r) => r.status === 'sent' || r.status === 'already_accepted')).toBe(true);
    expect(line.copies.size).toBe(10_000);
    expect([...line.copies.values()].every((n) => n === 1)).toBe(true);

    // Faults happened and were retried; some retries met a key LINE had already accepted.
    const calls = line.count('multicast');
    expect(calls).toBeGreaterThan(20);
    expect(results.some((r) => r.status === 'already_accepted' && r.acceptedRequestId)).toBe(true);

    // Every attempt of a chunk carried that chunk's key, and each key addressed one chunk only.
    for (const c of chunks) {
      const mine = line.received.filter((r) => r.retryKey === c.retryKey);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((r) => JSON.stringify(r.body.to) === JSON.stringify(c.to))).toBe(true);
    }
    expect(line.received.every((r) => r.retryKey !== null)).toBe(true);

    // One log entry per chunk; their attempts add up to the calls LINE saw.
    expect(sink.entries).toHaveLength(20);
    expect(sink.entries.reduce((s, e) => s + e.attempts, 0)).toBe(calls);
    expect(sink.entries.every((e) => e.recipients === 500 && e.retryKey && e.endpoint === 'multicast')).toBe(
      true,
    );

    // A crashed job that repeats a finished chunk sends nothing twice.
    line.random = () => 'ok';
    const again = await workers[0]!.multicast(chunks[0]!.to, hello, { retryKey: chunks[0]!.retryKey });
    expect(again.status).toBe('already_accepted');
    expect(again.acceptedRequestId).toBe(line.accepted.get(chunks[0]!.retryKey));
    expect([...line.copies.values()].every((n) => n === 1)).toBe(true);
  });

  it('reuses the same X-Line-Retry-Key on every retry', async () => {
    const key = randomUUID();
    line.next = [
      { status: 500 },
      { status: 429, body: { message: 'The API rate limit has been exceeded. Try again later.' } },
      'hang',
      { status: 503 },
      { status: 429, headers: { 'retry-after': '0' } },
    ];
    const r = await gateway({ retry: { maxAttempts: 10 } }).push(userId(1), hello, { retryKey: key });
    expect(r).toMatchObject({ status: 'sent', attempts: 6 });
    expect(r.sentMessages).toHaveLength(1);
    expect(line.received.map((x) => x.retryKey)).toEqual(Array(6).fill(key));
    expect(line.received.every((x) => x.authorization === 'Bearer token-abc')).toBe(true);
    expect(line.copies.get(userId(1))).toBe(1);
    expect(sink.entries).toMatchObject([
      { status: 'sent', attempts: 6, retryKey: key, recipients: 1, error: null },
    ]);
  });

  it('treats 409 on a retry key as success and records the accepted request id', async () => {
    const key = randomUUID();
    line.next = ['process-then-500'];
    const r = await gateway().multicast([userId(1), userId(2)], hello, { retryKey: key });
    expect(r.status).toBe('already_accepted');
    expect(r.acceptedRequestId).toBe(line.accepted.get(key));
    expect(line.copies.get(userId(1))).toBe(1);
    expect(sink.entries[0]).toMatchObject({
      status: 'already_accepted',
      acceptedRequestId: line.accepted.get(key),
      attempts: 2,
    });
  });

  it('retries after a timeout with the same key, and the late acceptance counts once', async () => {
    const key = randomUUID();
    line.next = ['process-then-hang'];
    const r = await gateway().broadcast(hello, { retryKey: key });
    expect(r.status).toBe('already_accepted');
    expect(line.received.map((x) => x.retryKey)).toEqual([key, key]);
  });

  it('gives up after maxAttempts with a retryable error', async () => {
    line.random = () => ({ status: 500, body: { message: 'An error occurred in the server' } });
    const e = await failure(
      gateway({ retry: { maxAttempts: 3 } }).push(userId(1), hello, { retryKey: randomUUID() }),
    );
    expect(e.kind).toBe('gave_up');
    expect(e.retryable).toBe(true);
    expect(e.httpStatus).toBe(500);
    expect(line.count('push')).toBe(3);
    expect(sink.entries[0]).toMatchObject({ status: 'gave_up', attempts: 3 });
  });

  it('stops waiting when the caller aborts', async () => {
    line.random = () => ({ status: 429, headers: { 'retry-after': '30' } });
    const ac = new AbortController();
    const p = gateway().push(userId(1), hello, { retryKey: randomUUID(), signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const e = await failure(p);
    expect(e.kind).toBe('aborted');
    expect(e.retryable).toBe(true);
    expect(line.count('push')).toBe(1);
  });
});

describe('reply', () => {
  it('never sends a retry key, even when retried', async () => {
    line.next = [{ status: 500 }];
    const r = await gateway().reply('reply-token-1', hello);
    expect(r.status).toBe('sent');
    expect(line.received).toHaveLength(2);
    expect(line.received.every((x) => x.retryKey === null && x.endpoint === 'reply')).toBe(true);
    expect(sink.entries[0]).toMatchObject({ endpoint: 'reply', retryKey: null, attempts: 2 });
  });

  it('reports a refused token after an unanswered attempt as uncertain, not as failed', async () => {
    line.next = ['process-then-500'];
    const e = await failure(gateway().reply('reply-token-2', hello));
    expect(e.kind).toBe('uncertain');
    expect(line.received).toHaveLength(2);
    expect(sink.entries[0]).toMatchObject({ status: 'uncertain' });
  });
});

describe('permanent failures', () => {
  it('does not retry a 400 and keeps LINE’s message and details', async () => {
    line.next = [
      {
        status: 400,
        body: {
          message: 'The request body has 1 error(s)',
          details: [{ message: 'May not be empty', property: 'messages[0].text' }],
        },
      },
    ];
    const e = await failure(gateway().push(userId(1), hello, { retryKey: randomUUID() }));
    expect(e.kind).toBe('rejected');
    expect(e.retryable).toBe(false);
    expect(e.info).toEqual({
      kind: 'rejected',
      httpStatus: 400,
      message: 'The request body has 1 error(s)',
      details: [{ property: 'messages[0].text', message: 'May not be empty' }],
    });
    expect(line.count('push')).toBe(1);
    expect(sink.entries[0]).toMatchObject({ status: 'rejected', attempts: 1 });
    expect(sink.entries[0]!.requestId).toBeTruthy();
  });

  it('does not retry 401, 403 or the monthly quota 429', async () => {
    for (const fault of [
      { status: 401, body: { message: 'Authentication failed' } },
      { status: 403, body: { message: 'Access to this API is not available for your account' } },
      { status: 429, body: { message: 'You have reached your monthly limit.' } },
    ]) {
      line.reset();
      line.next = [fault];
      const e = await failure(gateway().push(userId(1), hello, { retryKey: randomUUID() }));
      expect(e.kind).toBe(fault.status === 429 ? 'quota' : 'rejected');
      expect(line.count('push')).toBe(1);
    }
  });

  it('refuses locally what LINE would reject, and logs no ids or text', async () => {
    const gw = gateway();
    const six = Array.from({ length: 6 }, () => hello[0]!);
    let e = await failure(gw.push(userId(1), six, { retryKey: randomUUID() }));
    expect(e.kind).toBe('invalid');
    expect(e.issues).toEqual([{ path: 'messages', message: 'メッセージは5個までにしてください' }]);

    const tooMany = Array.from({ length: 501 }, (_, i) => userId(i));
    e = await failure(gw.multicast(tooMany, hello, { retryKey: randomUUID() }));
    expect(e.issues).toContainEqual({ path: 'to', message: '送信先は500人までにしてください' });

    e = await failure(gw.multicast([userId(1), 'someone'], hello, { retryKey: randomUUID() }));
    expect(e.issues).toContainEqual({ path: 'to.1', message: '送信先のユーザーIDの形式が正しくありません' });

    e = await failure(gw.push(userId(1), hello, { retryKey: 'chunk-1' }));
    expect(e.issues).toEqual([{ path: 'retryKey', message: '再送キーはUUIDで指定してください' }]);

    e = await failure(
      gw.push(userId(1), [{ type: 'text', text: 'あ'.repeat(5001) }], { retryKey: randomUUID() }),
    );
    expect(e.issues).toEqual([{ path: 'messages.0.text', message: 'テキストは5,000文字以内にしてください' }]);

    e = await failure(
      gw.push(userId(1), hello, { retryKey: randomUUID(), customAggregationUnits: ['a', 'b'] }),
    );
    expect(e.issues[0]!.path).toBe('customAggregationUnits');

    expect(line.received).toHaveLength(0);
    expect(sink.entries.every((x) => x.status === 'invalid' && x.attempts === 0)).toBe(true);
    const logged = JSON.stringify(sink.entries);
    expect(logged).not.toContain(userId(1));
    expect(logged).not.toContain('あああ');
    expect(logged).not.toContain('お知らせです');
  });
});

describe('send log', () => {
  it('records counts and ids, never recipients or text', async () => {
    const key = randomUUID();
    await gateway().multicast([userId(7), userId(8)], hello, { retryKey: key, ref: 'delivery:42:chunk:0' });
    const [entry] = sink.entries;
    expect(entry).toMatchObject({
      channelKey: '1234567890',
      endpoint: 'multicast',
      retryKey: key,
      acceptedRequestId: null,
      recipients: 2,
      messages: 1,
      status: 'sent',
      attempts: 1,
      error: null,
      ref: 'delivery:42:chunk:0',
    });
    expect(entry!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(entry)).not.toMatch(/U0{20}|お知らせ/);
  });

  it('a failing sink does not fail (nor repeat) the send', async () => {
    const r = await gateway({ sink: { record: () => Promise.reject(new Error('db down')) } }).push(
      userId(1),
      hello,
      {
        retryKey: randomUUID(),
      },
    );
    expect(r.status).toBe('sent');
    expect(line.count('push')).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Rate limiting shared through Redis

/** Records the limiter's grant times (the limiter's own clock), per key. */
class RecordingLimiter implements SlotLimiter {
  grants: Array<{ key: string; at: number }> = [];
  constructor(private readonly inner: SlotLimiter) {}
  async acquire(key: string, rate: RateLimit, signal?: AbortSignal): Promise<number> {
    const at = await this.inner.acquire(key, rate, signal);
    this.grants.push({ key, at });
    return at;
  }
}

/** The most grants found in any window [t, t + windowMs) starting at a grant. */
function maxPerWindow(times: number[], windowMs: number): number {
  const s = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0; i < s.length; i++) {
    let j = i;
    while (j < s.length && s[j]! < s[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

describe('rate limiting', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1';
  const connections: Redis[] = [];
  const connect = () => {
    const r = new Redis(url, { maxRetriesPerRequest: 2 });
    connections.push(r);
    return r;
  };
  const prefix = `test:line:rl:${randomUUID()}`;
  afterAll(async () => {
    const r = connections[0];
    if (r) {
      const keys = await r.keys(`${prefix}*`);
      if (keys.length) await r.del(...keys);
    }
    await Promise.all(connections.map((c) => c.quit()));
  });

  it('grants at most `limit` slots per window across workers, and every caller gets one', async () => {
    // Two workers, each with its own Redis connection, compete for the same channel's slots.
    const a = new RedisSlidingWindowLimiter(connect(), prefix);
    const b = new RedisSlidingWindowLimiter(connect(), prefix);
    const rate = { limit: 10, windowMs: 300 };
    const grants = await Promise.all(
      Array.from({ length: 25 }, (_, i) => (i % 2 ? a : b).acquire('111:multicast', rate)),
    );
    expect(grants).toHaveLength(25);
    expect(maxPerWindow(grants, rate.windowMs)).toBe(10);
    // 25 calls at 10 per window need three windows.
    const first = Math.min(...grants);
    const perWindow = [0, 0, 0, 0];
    for (const g of grants) perWindow[Math.floor((g - first) / rate.windowMs)]! += 1;
    expect(perWindow.slice(0, 3).every((n) => n <= 10)).toBe(true);
    expect(perWindow.reduce((s, n) => s + n, 0)).toBe(25);
    expect(Math.max(...grants) - first).toBeGreaterThanOrEqual(2 * rate.windowMs);
  });

  it('keeps channels and endpoints apart', async () => {
    const limiter = new RedisSlidingWindowLimiter(connect(), prefix);
    const rate = { limit: 2, windowMs: 60_000 };
    await limiter.acquire('A:multicast', rate);
    await limiter.acquire('A:multicast', rate);
    // Channel A's multicast is full for a minute; its push and channel B are not affected.
    await limiter.acquire('A:push', rate);
    await limiter.acquire('B:multicast', rate);
    const ac = new AbortController();
    const third = limiter.acquire('A:multicast', rate, ac.signal);
    const state = await Promise.race([
      third.then(() => 'granted'),
      new Promise((r) => setTimeout(() => r('waiting'), 200)),
    ]);
    expect(state).toBe('waiting');
    ac.abort();
    await expect(third).rejects.toBeDefined();
  });

  it('spreads gateway calls of two workers over windows', async () => {
    const recorder = new RecordingLimiter(new RedisSlidingWindowLimiter(connect(), prefix));
    const recorder2 = new RecordingLimiter(new RedisSlidingWindowLimiter(connect(), prefix));
    const rateLimits = { multicast: { limit: 5, windowMs: 400 } };
    const w1 = gateway({ limiter: recorder, rateLimits, channelKey: 'spread' });
    const w2 = gateway({ limiter: recorder2, rateLimits, channelKey: 'spread' });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? w1 : w2).multicast([userId(i)], hello, { retryKey: randomUUID() }),
      ),
    );
    expect(line.count('multicast')).toBe(12);
    const grants = [...recorder.grants, ...recorder2.grants];
    expect(grants).toHaveLength(12);
    expect(grants.every((g) => g.key === 'spread:multicast')).toBe(true);
    expect(
      maxPerWindow(
        grants.map((g) => g.at),
        400,
      ),
    ).toBe(5);
  });

  it('uses LINE’s limits by default', async () => {
    const { LINE_RATE_LIMITS } = await import('./gateway.js');
    expect(LINE_RATE_LIMITS).toEqual({
      reply: { limit: 2000, windowMs: 1000 },
      push: { limit: 2000, windowMs: 1000 },
      multicast: { limit: 200, windowMs: 1000 },
      broadcast: { limit: 60, windowMs: 3_600_000 },
      narrowcast: { limit: 60, windowMs: 3_600_000 },
    });
  });

  it('the in-memory limiter (embedded mode) obeys the same rule', async () => {
    const limiter = new MemorySlidingWindowLimiter();
    const grants = await Promise.all(
      Array.from({ length: 12 }, () => limiter.acquire('k', { limit: 4, windowMs: 200 })),
    );
    expect(maxPerWindow(grants, 200)).toBe(4);
  });
});

describe('limiter failure', () => {
  it('an unreachable limiter fails the send as retryable, without sending', async () => {
    const broken: SlotLimiter = { acquire: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const e = await failure(gateway({ limiter: broken }).push(userId(1), hello, { retryKey: randomUUID() }));
    expect(e.kind).toBe('gave_up');
    expect(e.retryable).toBe(true);
    expect(line.received).toHaveLength(0);
    expect(sink.entries[0]).toMatchObject({ status: 'gave_up', attempts: 0 });
  });
});
