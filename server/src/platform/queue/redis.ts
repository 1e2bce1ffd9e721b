import { Redis } from 'ioredis';
import { config } from '../config/config.js';

let client: Redis | undefined;

/** One shared connection for counters and rate limits (BullMQ opens its own). */
export function redis(): Redis {
  client ??= new Redis(config().REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
  return client;
}

export async function closeRedis(): Promise<void> {
  await client?.quit().catch(() => undefined);
  client = undefined;
}

/**
 * Fixed-window counter: true while `key` has been hit at most `limit` times in the current
 * window. Shared by every API process through Redis (per process in embedded mode).
 */
export async function withinRateLimit(key: string, limit: number, windowSeconds: number): Promise<boolean> {
  const window = Math.floor(Date.now() / 1000 / windowSeconds);
  const k = `ratelimit:${key}:${window}`;
  if (config().QUEUE_BACKEND === 'postgres') return withinLocalRateLimit(k, limit, window);
  const [[, count]] = (await redis()
    .multi()
    .incr(k)
    .expire(k, windowSeconds * 2)
    .exec()) as [[null, number]];
  return count <= limit;
}

// Embedded mode has no Redis and runs a single API process: count in memory instead.
const localCounters = new Map<string, { window: number; count: number }>();
function withinLocalRateLimit(k: string, limit: number, window: number): boolean {
  if (localCounters.size > 10_000) {
    for (const [key, v] of localCounters) if (v.window < window) localCounters.delete(key);
  }
  const c = localCounters.get(k) ?? { window, count: 0 };
  c.count += 1;
  localCounters.set(k, c);
  return c.count <= limit;
}
