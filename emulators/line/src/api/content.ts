import { LineError, notFound } from '../http/line-error.js';
import type { Ctx, Endpoints } from './types.js';

/**
 * Content users sent (api-data host paths): images a simulated user posted are kept here until a
 * reset, so the product can download them "at once" as LINE requires; after an unsend, 410 Gone.
 */
function content(ctx: Ctx) {
  if (ctx.channel.unsent.has(ctx.params.messageId!)) throw new LineError(410, { message: 'Gone' });
  const c = ctx.channel.contents.get(ctx.params.messageId!);
  if (!c) throw notFound();
  return { binary: { contentType: c.contentType, data: c.data } };
}

export const contentEndpoints: Endpoints = {
  getMessageContent: { handle: content },
  getMessageContentPreview: { handle: content },
  getMessageContentTranscodingByMessageId: {
    handle: (ctx) => {
      if (!ctx.channel.contents.has(ctx.params.messageId!)) throw notFound();
      return { body: { status: 'succeeded' } };
    },
  },
};
