/**
 * Fault injection for tests (POST /_emulator/faults). A rule fails matching calls either for the
 * next N of them or at a rate (seeded, so a test run is repeatable), in one of these ways:
 *   500 / 429 / timeout            before acceptance: nothing is delivered, retry key not consumed
 *   accepted-500 / accepted-timeout after acceptance: delivered and retry key consumed, but the
 *                                  client sees an error, so only a retry key prevents a duplicate
 * "timeout" holds the request for timeoutMs and then drops the connection without an answer.
 */
export type FaultKind = '500' | '429' | 'timeout' | 'accepted-500' | 'accepted-timeout';
export const FAULT_KINDS: FaultKind[] = ['500', '429', 'timeout', 'accepted-500', 'accepted-timeout'];

export interface FaultInput {
  channelId?: string;
  /** operationId (e.g. "multicast") or path (e.g. "/v2/bot/message/multicast"); omitted: every endpoint. */
  endpoint?: string;
  fault: FaultKind;
  /** Fail the next N matching calls (with `rate`: until N have failed). */
  times?: number;
  /** Probability 0..1 that a matching call fails. */
  rate?: number;
  seed?: number;
  timeoutMs?: number;
}

export interface FaultRule extends FaultInput {
  id: string;
  remaining?: number;
  fired: number;
  seen: number;
  next: () => number;
}

/** mulberry32: a tiny seedable PRNG, enough for "30 % of calls". */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private rules: FaultRule[] = [];
  private seq = 0;

  add(input: FaultInput): FaultRule {
    const rule: FaultRule = {
      ...input,
      id: `fault-${++this.seq}`,
      remaining: input.times,
      fired: 0,
      seen: 0,
      next: seeded(input.seed ?? this.seq * 7919),
    };
    this.rules.push(rule);
    return rule;
  }

  list(): Omit<FaultRule, 'next'>[] {
    return this.rules.map(({ next: _n, ...r }) => r);
  }

  remove(id?: string): void {
    this.rules = id ? this.rules.filter((r) => r.id !== id) : [];
  }

  /** Decides whether this call fails; each matching rule draws once, the first that fires wins. */
  draw(channelId: string, operationId: string, path: string): FaultRule | undefined {
    let hit: FaultRule | undefined;
    for (const r of this.rules) {
      if (r.channelId && r.channelId !== channelId) continue;
      if (r.endpoint && r.endpoint !== '*' && r.endpoint !== operationId && r.endpoint !== path) continue;
      r.seen++;
      const roll = r.rate === undefined ? 0 : r.next();
      if (hit) continue;
      const fires = r.rate === undefined ? true : roll < r.rate;
      if (!fires) continue;
      r.fired++;
      if (r.remaining !== undefined) r.remaining--;
      hit = r;
    }
    this.rules = this.rules.filter((r) => r.remaining === undefined || r.remaining > 0);
    return hit;
  }
}
