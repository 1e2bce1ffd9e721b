import express from 'express';
import type { EmulatorState } from '../state/emulator.js';
import { channelOf, userOf, userView } from './channels.js';

/**
 * What the web talk view polls (no WebSocket):
 *   GET /_emulator/channels/:id/users/:userId/talk?since=<ms>&markRead=1
 *       → {user, messages (both directions, oldest first), richMenu (shown one, with image URL), now}
 *   GET /_emulator/channels/:id/richmenus/:richMenuId/image   the uploaded menu image
 *   GET /_emulator/channels/:id/content/:messageId            what a user sent (image)
 * markRead marks the bot's messages as shown: they count as impressions for insight.
 */
export function talkRoutes(state: EmulatorState) {
  const r = express.Router();

  r.get('/channels/:id/users/:userId/talk', (req, res) => {
    const c = channelOf(state, req.params.id);
    const user = userOf(c, req.params.userId);
    const since = Number(req.query.since ?? 0);
    const now = state.now();
    const messages = (c.talk.get(user.userId) ?? []).filter((e) => e.at >= since);
    if (req.query.markRead === '1') for (const e of messages) if (e.from === 'bot') e.readAt ??= now;
    const menuId = c.shownRichMenuId(user.userId);
    const menu = menuId ? c.richMenus.get(menuId) : undefined;
    res.json({
      now,
      user: userView(c, user),
      messages,
      richMenu: menu
        ? {
            richMenuId: menu.richMenuId,
            size: menu.size,
            chatBarText: menu.chatBarText,
            selected: menu.selected,
            areas: menu.areas,
            imageUrl: menu.image ? `/_emulator/channels/${c.id}/richmenus/${menu.richMenuId}/image` : null,
          }
        : null,
    });
  });

  r.get('/channels/:id/richmenus/:richMenuId/image', (req, res) => {
    const m = channelOf(state, req.params.id).richMenus.get(req.params.richMenuId);
    if (!m?.image) return void res.status(404).end();
    res.type(m.image.contentType).send(m.image.data);
  });

  r.get('/channels/:id/content/:messageId', (req, res) => {
    const content = channelOf(state, req.params.id).contents.get(req.params.messageId);
    if (!content) return void res.status(404).end();
    res.type(content.contentType).send(content.data);
  });

  return r;
}
