import { USER_ID } from '../ids.js';
import { notFound } from '../http/line-error.js';
import type { Ctx, Endpoints } from './types.js';

/** Profiles and follower ids, as LINE shows them: only friends (not blocked, not unfollowed). */

function profile(ctx: Ctx) {
  const id = ctx.params.userId!;
  const u = USER_ID.test(id) ? ctx.channel.users.get(id) : undefined;
  if (!u || u.status !== 'friend') throw notFound();
  return {
    body: {
      displayName: u.displayName,
      userId: u.userId,
      ...(u.pictureUrl ? { pictureUrl: u.pictureUrl } : {}),
      ...(u.statusMessage ? { statusMessage: u.statusMessage } : {}),
      ...(u.language ? { language: u.language } : {}),
    },
  };
}

/** Continuation tokens are opaque to clients; here an offset into the friends ordered by follow time. */
const encode = (offset: number) => Buffer.from(`o${offset}`).toString('base64url');
const decode = (token: string | undefined) => {
  const m = token ? /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString()) : null;
  return m ? Number(m[1]) : 0;
};

function followers(ctx: Ctx) {
  const limit = Number(ctx.query.limit ?? 300);
  const start = decode(ctx.query.start);
  const all = ctx.channel
    .friends()
    .sort((a, b) => (a.followedAt ?? 0) - (b.followedAt ?? 0) || a.userId.localeCompare(b.userId));
  const page = all.slice(start, start + limit).map((u) => u.userId);
  const next = start + limit < all.length ? encode(start + limit) : undefined;
  return { body: next ? { userIds: page, next } : { userIds: page } };
}

export const userEndpoints: Endpoints = {
  getProfile: { handle: profile },
  getFollowers: { handle: followers },
};
