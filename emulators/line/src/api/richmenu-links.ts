import { USER_ID } from '../ids.js';
import { invalidProperty, notFound } from '../http/line-error.js';
import type { Issues } from '../limits/issues.js';
import { assertHasImage, menuOf } from './richmenu.js';
import type { Ctx, Endpoints } from './types.js';

/** Which menu a user sees: the default menu, per-user links (single and bulk ≤500) and the batch API. */

function assertUserId(userId: string | undefined, property = 'userId'): asserts userId is string {
  if (!userId || !USER_ID.test(userId)) throw invalidProperty(property);
}

const checkUserIds = (issues: Issues, body: { userIds?: unknown[] }) =>
  (body.userIds ?? []).forEach((u, i) => {
    if (typeof u !== 'string' || !USER_ID.test(u)) issues.add(`userIds[${i}]`, 'Invalid user ID');
  });

function setDefault(ctx: Ctx) {
  assertHasImage(menuOf(ctx.channel, ctx.params.richMenuId));
  ctx.channel.defaultRichMenuId = ctx.params.richMenuId;
  return { body: {} };
}

function getDefault(ctx: Ctx) {
  const id = ctx.channel.defaultRichMenuId;
  if (!id) throw notFound('no default richmenu');
  return { body: { richMenuId: id } };
}

function link(ctx: Ctx) {
  assertUserId(ctx.params.userId);
  assertHasImage(menuOf(ctx.channel, ctx.params.richMenuId));
  ctx.channel.userRichMenus.set(ctx.params.userId, ctx.params.richMenuId!);
  return { body: {} };
}

function getOfUser(ctx: Ctx) {
  assertUserId(ctx.params.userId);
  const id = ctx.channel.userRichMenus.get(ctx.params.userId);
  if (!id) throw notFound('the user has no richmenu');
  return { body: { richMenuId: id } };
}

function unlink(ctx: Ctx) {
  assertUserId(ctx.params.userId);
  ctx.channel.userRichMenus.delete(ctx.params.userId);
  return { body: {} };
}

function bulkLink(ctx: Ctx) {
  assertHasImage(menuOf(ctx.channel, ctx.body.richMenuId));
  for (const u of ctx.body.userIds as string[]) {
    ctx.channel.userRichMenus.set(u, ctx.body.richMenuId);
  }
  return { status: 202, body: {} };
}

function bulkUnlink(ctx: Ctx) {
  for (const u of ctx.body.userIds as string[]) ctx.channel.userRichMenus.delete(u);
  return { status: 202, body: {} };
}

/** The batch API (link from→to, unlink from, unlinkAll); done at once, progress reports succeeded. */
const batches = new WeakMap<object, Map<string, { acceptedAt: number }>>();

function batch(ctx: Ctx) {
  const ops = ctx.body.operations as { type: string; from?: string; to?: string }[];
  for (const op of ops) if (op.type === 'link') assertHasImage(menuOf(ctx.channel, op.to));
  const links = ctx.channel.userRichMenus;
  for (const op of ops) {
    for (const [u, m] of [...links]) {
      if (op.type === 'unlinkAll' || m === op.from) links.delete(u);
      if (op.type === 'link' && m === op.from) links.set(u, op.to!);
    }
  }
  let map = batches.get(ctx.channel);
  if (!map) batches.set(ctx.channel, (map = new Map()));
  map.set(ctx.requestId, { acceptedAt: ctx.now });
  return { status: 202, body: {} };
}

function batchProgress(ctx: Ctx) {
  const b = batches.get(ctx.channel)?.get(ctx.query.requestId ?? '');
  if (!b) throw notFound();
  const t = new Date(b.acceptedAt).toISOString();
  return { body: { phase: 'succeeded', acceptedTime: t, completedTime: t } };
}

export const richMenuLinkEndpoints: Endpoints = {
  setDefaultRichMenu: { handle: setDefault },
  getDefaultRichMenuId: { handle: getDefault },
  cancelDefaultRichMenu: {
    handle: (ctx) => {
      ctx.channel.defaultRichMenuId = undefined;
      return { body: {} };
    },
  },
  linkRichMenuIdToUser: { handle: link },
  getRichMenuIdOfUser: { handle: getOfUser },
  unlinkRichMenuIdFromUser: { handle: unlink },
  linkRichMenuIdToUsers: { check: checkUserIds, handle: bulkLink },
  unlinkRichMenuIdFromUsers: { check: checkUserIds, handle: bulkUnlink },
  richMenuBatch: { handle: batch },
  validateRichMenuBatchRequest: {
    handle: (ctx) => {
      for (const op of ctx.body.operations as { type: string; from?: string; to?: string }[]) {
        if (op.type !== 'unlinkAll') menuOf(ctx.channel, op.from);
        if (op.type === 'link') menuOf(ctx.channel, op.to);
      }
      return { body: {} };
    },
  },
  getRichMenuBatchProgress: { handle: batchProgress },
};
