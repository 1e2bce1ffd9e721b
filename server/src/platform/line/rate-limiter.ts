import type { Redis } from 'ioredis';

/**
 * Per-channel, per-endpoint rate limits for LINE calls, shared by every worker through Redis.
 *
 * A sliding-window log: a call is granted a slot only while fewer than `limit` calls were granted
 * in the last `windowMs`, so no window of that length ever holds more than `limit` calls (a token
 * bucket would let a full bucket plus its refill through in one window). Callers await a slot
 * rather than fail; the Redis clock (TIME) is the only clock, so workers on several hosts agree.
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface SlotLimiter {
  /**
   * Resolves once a slot is granted, with the grant's time in ms (limiter clock); waits as long
   * as needed. Rejects only when `signal` aborts.
   */
  acquire(key: string, rate: RateLimit, signal?: AbortSignal): Promise<number>;
}

/** Sleeps `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Spreads waiters that wake for the same freed slot. */
function jitter(waitMs: number): number {
  return Math.floor(Math.random() * Math.min(50, Math.max(1, waitMs / 10)));
}

// KEYS[1] sorted set of grant times, KEYS[2] sequence for unique members.
// ARGV[1] limit, ARGV[2] window in ms. Returns {1, now} when granted, {0, wait ms} otherwise.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, now .. ':' .. seq)
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  redis.call('PEXPIRE', KEYS[2], window + 1000)
  return {1, now}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait}
`;

export class RedisSlidingWindowLimiter implements SlotLimiter {
  private sha: string | undefined;

  constructor(
    private readonly client: Redis,
    private readonly prefix = 'line:rl',
  ) {}

  async acquire(key: string, rate: RateLimit, signal?: AbortSignal): Promise<number> {
    // One hash tag per limited key keeps both keys on one slot in Redis Cluster.
    const zkey = `${this.prefix}:{${key}}`;
    for (;;) {
      signal?.throwIfAborted();
      const [granted, value] = await this.run(zkey, rate);
      if (granted === 1) return value;
      await sleep(value + jitter(value), signal);
    }
  }

  private async run(zkey: string, rate: RateLimit): Promise<[number, number]> {
    const args = [2, zkey, `${zkey}:seq`, rate.limit, rate.windowMs] as const;
    if (this.sha) {
      try {
        return (await this.client.evalsha(this.sha, ...args)) as [number, number];
      } catch (e) {
        if (!String((e as Error).message).includes('NOSCRIPT')) throw e;
      }
    }
    this.sha = (await this.client.script('LOAD', ACQUIRE)) as string;
    return (await this.client.evalsha(this.sha, ...args)) as [number, number];
  }
}

/**
 * The same algorithm in process memory: for the embedded mode of a fresh clone (no Redis, one
 * process, like platform/queue/redis.ts) and for unit tests.
 */
export class MemorySlidingWindowLimiter implements SlotLimiter {
  private readonly grants = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, rate: RateLimit, signal?: AbortSignal): Promise<number> {
    for (;;) {
      signal?.throwIfAborted();
      const t = this.now();
      const list = (this.grants.get(key) ?? []).filter((g) => g > t - rate.windowMs);
      this.grants.set(key, list);
      if (list.length < rate.limit) {
        list.push(t);
        return t;
      }
      const wait = Math.max(1, list[0]! + rate.windowMs - t);
      await sleep(wait + jitter(wait), signal);
    }
  }
}
