import type { RateRule } from '../state/types.js';

/**
 * Per channel, per endpoint rate limits with LINE's defaults (reference/external-apis.md). Keys are
 * operationIds of the OpenAPI files; anything not listed gets LINE's general 2,000 requests/second.
 * Sliding-window log: exact at the boundaries LINE's limits are stated in (per second, per hour).
 */
const SECOND = 1000;
const HOUR = 3600_000;

export const DEFAULT_RULE: RateRule = { limit: 2000, windowMs: SECOND };

export const DEFAULT_RATE_LIMITS: Record<string, RateRule> = {
  multicast: { limit: 200, windowMs: SECOND },
  pushMessage: { limit: 2000, windowMs: SECOND },
  replyMessage: { limit: 2000, windowMs: SECOND },
  narrowcast: { limit: 60, windowMs: HOUR },
  broadcast: { limit: 60, windowMs: HOUR },
  createRichMenu: { limit: 100, windowMs: HOUR },
  deleteRichMenu: { limit: 100, windowMs: HOUR },
  richMenuBatch: { limit: 3, windowMs: HOUR },
  getNumberOfFollowers: { limit: 60, windowMs: HOUR },
  getFriendsDemographics: { limit: 60, windowMs: HOUR },
  getStatisticsPerUnit: { limit: 60, windowMs: HOUR },
  getMessageEvent: { limit: 60, windowMs: HOUR },
  getNumberOfMessageDeliveries: { limit: 60, windowMs: HOUR },
  getNumberOfSentBroadcastMessages: { limit: 60, windowMs: HOUR },
  getNumberOfSentMulticastMessages: { limit: 60, windowMs: HOUR },
  getNumberOfSentPushMessages: { limit: 60, windowMs: HOUR },
  getNumberOfSentReplyMessages: { limit: 60, windowMs: HOUR },
};

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  /** Global overrides (emulator options), applied under each channel's own overrides. */
  constructor(private readonly overrides: Record<string, RateRule> = {}) {}

  ruleFor(endpoint: string, channelRules: Record<string, RateRule>): RateRule {
    return (
      channelRules[endpoint] ??
      this.overrides[endpoint] ??
      DEFAULT_RATE_LIMITS[endpoint] ??
      channelRules['*'] ??
      this.overrides['*'] ??
      DEFAULT_RULE
    );
  }

  /** Counts a request; false when it is over the limit (and then it is not counted). */
  take(channelId: string, endpoint: string, rule: RateRule, now: number): boolean {
    const key = `${channelId}\n${endpoint}`;
    let log = this.hits.get(key);
    if (!log) this.hits.set(key, (log = []));
    const from = now - rule.windowMs;
    let drop = 0;
    while (drop < log.length && log[drop]! <= from) drop++;
    if (drop) log.splice(0, drop);
    if (log.length >= rule.limit) return false;
    log.push(now);
    return true;
  }

  reset(): void {
    this.hits.clear();
  }
}
