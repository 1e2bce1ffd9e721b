import { GROUP_ID, ROOM_ID, USER_ID, newMessageId } from '../ids.js';
import { LineError, MESSAGES, invalidProperty } from '../http/line-error.js';
import { jstMonth, type ChannelState } from '../state/channel.js';
import type { Ctx } from './types.js';

/** Shared by the sending endpoints: recipient checks, quota, and putting messages into talks. */

export type Sent = { id: string; quoteToken?: string };

export function assertRecipient(to: unknown, property: string, allowGroups: boolean): asserts to is string {
  const ok =
    typeof to === 'string' && (USER_ID.test(to) || (allowGroups && (GROUP_ID.test(to) || ROOM_ID.test(to))));
  if (!ok) throw invalidProperty(property);
}

/** LINE refuses a send that the month's remaining quota cannot cover (one count per recipient). */
export function assertQuota(channel: ChannelState, now: number, recipients: number): void {
  if (recipients > channel.remaining(now)) throw new LineError(429, { message: MESSAGES.monthlyLimit });
}

const AGGREGATION_UNITS_PER_MONTH = 1000;

export function noteAggregationUnit(ctx: Ctx, unit: string | undefined): void {
  if (!unit) return;
  const month = jstMonth(ctx.now);
  let set = ctx.channel.aggregationUnits.get(month);
  if (!set) ctx.channel.aggregationUnits.set(month, (set = new Set()));
  if (!set.has(unit) && set.size >= AGGREGATION_UNITS_PER_MONTH)
    throw new LineError(400, {
      message: 'The number of aggregation units used this month has reached the upper limit.',
    });
  set.add(unit);
}

/**
 * Delivers a request's messages to each recipient that can receive them (friends and ids the
 * emulator does not know; not users who blocked or never followed). Returns the sent-message ids
 * of the first recipient (what push and reply answer with).
 */
export function deliverAll(
  ctx: Ctx,
  recipients: string[],
  messages: Record<string, unknown>[],
  aggregationUnit?: string,
): Sent[] {
  const { channel } = ctx;
  let first: Sent[] | undefined;
  for (const userId of recipients) {
    const reachable = channel.reachable(userId);
    const sent = messages.map((message, i) => {
      if (!reachable) return { id: newMessageId() };
      const e = channel.deliver(userId, message, {
        at: ctx.now,
        endpoint: ctx.op.operationId,
        requestId: ctx.requestId,
        retryKey: ctx.retryKey,
        notificationDisabled: ctx.body?.notificationDisabled === true,
        aggregationUnit,
        seq: i + 1,
      });
      return e.quoteToken ? { id: e.messageId, quoteToken: e.quoteToken } : { id: e.messageId };
    });
    first ??= sent;
  }
  return first ?? [];
}
