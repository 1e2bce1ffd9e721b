import { newRichMenuId } from '../ids.js';
import { LineError, notFound } from '../http/line-error.js';
import { RICHMENU_MAX_PER_CHANNEL, checkRichMenu } from '../limits/richmenu.js';
import type { ChannelState } from '../state/channel.js';
import type { RichMenuRecord } from '../state/types.js';
import { imageInfo } from '../util/image-size.js';
import type { Ctx, Endpoints } from './types.js';

/** Rich menus: create/validate/get/list/delete and the image (api-data host paths). */

export const IMAGE_MAX_BYTES = 1024 * 1024;

export const richMenuNotFound = () => notFound('richmenu not found');

export function menuOf(channel: ChannelState, id: string | undefined): RichMenuRecord {
  const m = id === undefined ? undefined : channel.richMenus.get(id);
  if (!m) throw richMenuNotFound();
  return m;
}

/** LINE refuses to show (link, default, alias) a menu that has no image yet. */
export function assertHasImage(m: RichMenuRecord): void {
  if (!m.image)
    throw new LineError(400, { message: 'must upload richmenu image before applying it to user' });
}

export const toResponse = (m: RichMenuRecord) => ({
  richMenuId: m.richMenuId,
  size: m.size,
  selected: m.selected,
  name: m.name,
  chatBarText: m.chatBarText,
  areas: m.areas,
});

function create(ctx: Ctx) {
  const { channel, body } = ctx;
  if (channel.richMenus.size >= RICHMENU_MAX_PER_CHANNEL)
    throw new LineError(400, { message: 'The number of rich menus has reached the upper limit.' });
  const richMenuId = newRichMenuId();
  channel.richMenus.set(richMenuId, {
    richMenuId,
    size: { width: body.size.width, height: body.size.height },
    selected: body.selected,
    name: body.name,
    chatBarText: body.chatBarText,
    areas: body.areas,
    createdAt: ctx.now,
  });
  return { body: { richMenuId } };
}

function uploadImage(ctx: Ctx) {
  const menu = menuOf(ctx.channel, ctx.params.richMenuId);
  const type = ctx.contentType.split(';')[0]!.trim().toLowerCase();
  if (type !== 'image/jpeg' && type !== 'image/png')
    throw new LineError(415, { message: 'Unsupported media type' });
  if (ctx.raw.length > IMAGE_MAX_BYTES) throw new LineError(413, { message: 'Request entity too large' });
  const info = imageInfo(ctx.raw);
  if (!info || info.type !== type)
    throw new LineError(400, { message: 'Invalid image: the data is not a valid ' + type });
  if (menu.image) throw new LineError(400, { message: 'An image has already been uploaded to the richmenu' });
  if (info.width !== menu.size.width || info.height !== menu.size.height)
    throw new LineError(400, {
      message: `The image size (${info.width}x${info.height}) must be the rich menu size (${menu.size.width}x${menu.size.height})`,
    });
  menu.image = { contentType: type, data: Buffer.from(ctx.raw) };
  return { body: {} };
}

function downloadImage(ctx: Ctx) {
  const menu = menuOf(ctx.channel, ctx.params.richMenuId);
  if (!menu.image) throw notFound('richmenu image not found');
  return { binary: { contentType: menu.image.contentType, data: menu.image.data } };
}

export const richMenuEndpoints: Endpoints = {
  createRichMenu: { check: (issues, body) => checkRichMenu(issues, body), handle: create },
  validateRichMenuObject: {
    check: (issues, body) => checkRichMenu(issues, body),
    handle: () => ({ body: {} }),
  },
  getRichMenu: { handle: (ctx) => ({ body: toResponse(menuOf(ctx.channel, ctx.params.richMenuId)) }) },
  getRichMenuList: {
    handle: (ctx) => ({ body: { richmenus: [...ctx.channel.richMenus.values()].map(toResponse) } }),
  },
  deleteRichMenu: {
    handle: (ctx) => {
      menuOf(ctx.channel, ctx.params.richMenuId);
      ctx.channel.forgetRichMenu(ctx.params.richMenuId!);
      return { body: {} };
    },
  },
  setRichMenuImage: { handle: uploadImage },
  getRichMenuImage: { handle: downloadImage },
};
