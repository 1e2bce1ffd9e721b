import { newReplyToken, newUlid } from '../ids.js';
import type { ChannelState } from '../state/channel.js';
import type { SimUser } from '../state/types.js';
import type { Event } from '../webhook/sender.js';

/**
 * Webhook event objects as LINE sends them (webhook.yml): common fields, and a fresh reply token
 * (single use, valid one minute) on the event types that carry one.
 */
export const REPLY_TOKEN_TTL_MS = 60_000;

export function baseEvent(type: string, user: SimUser, now: number): Event {
  return {
    type,
    mode: 'active',
    timestamp: now,
    source: { type: 'user', userId: user.userId },
    webhookEventId: newUlid(now),
    deliveryContext: { isRedelivery: false },
  };
}

/** Adds a reply token to the event and remembers it for the reply endpoint. */
export function withReplyToken(channel: ChannelState, event: Event, now: number): Event {
  const replyToken = newReplyToken();
  pruneTokens(channel, now);
  channel.replyTokens.set(replyToken, {
    userId: (event.source as { userId: string }).userId,
    webhookEventId: event.webhookEventId,
    eventAt: now,
    expiresAt: now + REPLY_TOKEN_TTL_MS,
    used: false,
  });
  return { ...event, replyToken };
}

/** Keeps the token map small in long runs: tokens older than LINE's 20-minute ceiling are useless. */
function pruneTokens(channel: ChannelState, now: number): void {
  if (channel.replyTokens.size < 10_000) return;
  for (const [t, r] of channel.replyTokens) if (now - r.eventAt > 20 * 60_000) channel.replyTokens.delete(t);
}
