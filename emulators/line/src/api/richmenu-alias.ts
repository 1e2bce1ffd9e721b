import { LineError, notFound } from '../http/line-error.js';
import { ALIAS_MAX_PER_CHANNEL } from '../limits/richmenu.js';
import { assertHasImage, menuOf } from './richmenu.js';
import type { Ctx, Endpoints } from './types.js';

/** Rich-menu aliases: what `richmenuswitch` actions name, so tabs can be re-pointed on publish. */

const aliasNotFound = () => notFound('richmenu alias not found');

function create(ctx: Ctx) {
  const { richMenuAliasId, richMenuId } = ctx.body as { richMenuAliasId: string; richMenuId: string };
  if (ctx.channel.aliases.has(richMenuAliasId))
    throw new LineError(400, { message: 'conflict richmenu alias id' });
  if (ctx.channel.aliases.size >= ALIAS_MAX_PER_CHANNEL)
    throw new LineError(400, { message: 'The number of rich menu aliases has reached the upper limit.' });
  assertHasImage(menuOf(ctx.channel, richMenuId));
  ctx.channel.aliases.set(richMenuAliasId, richMenuId);
  return { body: {} };
}

function get(ctx: Ctx) {
  const id = ctx.params.richMenuAliasId!;
  const richMenuId = ctx.channel.aliases.get(id);
  if (!richMenuId) throw aliasNotFound();
  return { body: { richMenuAliasId: id, richMenuId } };
}

function update(ctx: Ctx) {
  const id = ctx.params.richMenuAliasId!;
  if (!ctx.channel.aliases.has(id)) throw aliasNotFound();
  assertHasImage(menuOf(ctx.channel, ctx.body.richMenuId));
  ctx.channel.aliases.set(id, ctx.body.richMenuId);
  return { body: {} };
}

function remove(ctx: Ctx) {
  const id = ctx.params.richMenuAliasId!;
  if (!ctx.channel.aliases.delete(id)) throw aliasNotFound();
  return { body: {} };
}

export const richMenuAliasEndpoints: Endpoints = {
  createRichMenuAlias: { handle: create },
  getRichMenuAlias: { handle: get },
  updateRichMenuAlias: { handle: update },
  deleteRichMenuAlias: { handle: remove },
  getRichMenuAliasList: {
    handle: (ctx) => ({
      body: {
        aliases: [...ctx.channel.aliases].map(([richMenuAliasId, richMenuId]) => ({
          richMenuAliasId,
          richMenuId,
        })),
      },
    }),
  },
};
