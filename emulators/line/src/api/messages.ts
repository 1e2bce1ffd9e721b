import { LineError, MESSAGES, notFound } from '../http/line-error.js';
import type { Issues } from '../limits/issues.js';
import { checkMessages } from '../limits/messages.js';
import { assertQuota, assertRecipient, deliverAll, noteAggregationUnit } from './send.js';
import type { Ctx, Endpoints } from './types.js';

/** Sending endpoints: reply, push, multicast, broadcast, narrowcast (+ progress), validate, quota. */

const checkBody = (issues: Issues, body: { messages?: unknown }) => checkMessages(issues, body.messages);

function checkUnits(issues: Issues, units: unknown): void {
  if (!Array.isArray(units)) return;
  issues.size('customAggregationUnits', units, 0, 1);
  units.forEach((u, i) => {
    if (typeof u !== 'string' || !/^[a-zA-Z0-9_]{1,30}$/.test(u))
      issues.add(`customAggregationUnits[${i}]`, 'Invalid value');
  });
}

function reply(ctx: Ctx) {
  const token = ctx.channel.replyTokens.get(ctx.body.replyToken);
  // Single use, one minute (see webhook/reply-tokens.ts for redelivered events).
  if (!token || token.used || ctx.now > token.expiresAt)
    throw new LineError(400, { message: MESSAGES.invalidReplyToken });
  token.used = true;
  const sentMessages = deliverAll(ctx, [token.userId], ctx.body.messages);
  return { body: { sentMessages } };
}

function push(ctx: Ctx) {
  assertRecipient(ctx.body.to, 'to', true);
  assertQuota(ctx.channel, ctx.now, 1);
  const unit = ctx.body.customAggregationUnits?.[0];
  noteAggregationUnit(ctx, unit);
  const sentMessages = deliverAll(ctx, [ctx.body.to], ctx.body.messages, unit);
  ctx.channel.countUsage(ctx.now, 1);
  return { body: { sentMessages } };
}

function multicast(ctx: Ctx) {
  const to: unknown[] = ctx.body.to;
  to.forEach((id, i) => assertRecipient(id, `to[${i}]`, false));
  const recipients = [...new Set(to as string[])];
  assertQuota(ctx.channel, ctx.now, recipients.length);
  const unit = ctx.body.customAggregationUnits?.[0];
  noteAggregationUnit(ctx, unit);
  deliverAll(ctx, recipients, ctx.body.messages, unit);
  ctx.channel.countUsage(ctx.now, recipients.length);
  return { body: {} };
}

function broadcast(ctx: Ctx) {
  const recipients = ctx.channel.friends().map((u) => u.userId);
  assertQuota(ctx.channel, ctx.now, recipients.length);
  deliverAll(ctx, recipients, ctx.body.messages);
  ctx.channel.countUsage(ctx.now, recipients.length);
  return { body: {} };
}

/**
 * Narrowcast: the emulator cannot evaluate audiences or demographics, so it targets every friend
 * (up to `limit.max`); delivery completes at once and the progress endpoint reports it.
 */
function narrowcast(ctx: Ctx) {
  let recipients = ctx.channel.friends().map((u) => u.userId);
  const limit = ctx.body.limit ?? {};
  if (typeof limit.max === 'number') recipients = recipients.slice(0, limit.max);
  if (limit.upToRemainingQuota) recipients = recipients.slice(0, ctx.channel.remaining(ctx.now));
  assertQuota(ctx.channel, ctx.now, recipients.length);
  deliverAll(ctx, recipients, ctx.body.messages);
  ctx.channel.countUsage(ctx.now, recipients.length);
  ctx.channel.narrowcasts.set(ctx.requestId, {
    requestId: ctx.requestId,
    acceptedAt: ctx.now,
    completedAt: ctx.now,
    phase: 'succeeded',
    targetCount: recipients.length,
    successCount: recipients.length,
    failureCount: 0,
  });
  return { status: 202, body: {} };
}

function narrowcastProgress(ctx: Ctx) {
  const n = ctx.channel.narrowcasts.get(ctx.query.requestId ?? '');
  if (!n) throw notFound();
  return {
    body: {
      phase: n.phase,
      successCount: n.successCount,
      failureCount: n.failureCount,
      targetCount: n.targetCount,
      acceptedTime: new Date(n.acceptedAt).toISOString(),
      ...(n.completedAt ? { completedTime: new Date(n.completedAt).toISOString() } : {}),
    },
  };
}

const validateOnly = { check: checkBody, handle: () => ({ body: {} }) };

export const messageEndpoints: Endpoints = {
  replyMessage: { check: checkBody, handle: reply },
  pushMessage: {
    check: (issues, body) => {
      checkBody(issues, body);
      checkUnits(issues, body.customAggregationUnits);
    },
    handle: push,
  },
  multicast: { check: checkBody, handle: multicast },
  broadcast: { check: checkBody, handle: broadcast },
  narrowcast: { check: checkBody, handle: narrowcast },
  getNarrowcastProgress: { handle: narrowcastProgress },
  validateReply: validateOnly,
  validatePush: validateOnly,
  validateMulticast: validateOnly,
  validateNarrowcast: validateOnly,
  validateBroadcast: validateOnly,
  getMessageQuota: {
    handle: ({ channel }) => ({
      body:
        channel.config.quota.type === 'limited'
          ? { type: 'limited', value: channel.config.quota.value ?? 0 }
          : { type: 'none' },
    }),
  },
  getMessageQuotaConsumption: {
    handle: ({ channel, now }) => ({ body: { totalUsage: channel.usageThisMonth(now) } }),
  },
};
