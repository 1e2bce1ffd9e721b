import express from 'express';
import type { ChannelState } from '../state/channel.js';
import type { EmulatorState } from '../state/emulator.js';
import type { SimUser } from '../state/types.js';
import type { UserActions } from '../simulate/actions.js';
import { USER_COOKIE } from '../login/pick-user.js';
import { AdminError, parse } from './http.js';
import { channelsBody, userInput } from './schemas.js';

/**
 * Registering channels (idempotent by channel id) and their simulated users:
 *   POST /_emulator/channels            one channel, an array, or {channels: [...]}
 *   GET  /_emulator/channels            all channels (with secrets: this is a local test tool)
 *   GET|DELETE /_emulator/channels/:id
 *   POST /_emulator/channels/:id/users  create a user (follows by default) or {count} friends
 *   GET  /_emulator/channels/:id/users
 *   GET  /_emulator/channels/:id/users/:userId
 */
export function channelView(c: ChannelState) {
  return {
    ...c.config,
    users: c.users.size,
    friends: c.friends().length,
    richMenus: c.richMenus.size,
    defaultRichMenuId: c.defaultRichMenuId ?? null,
  };
}

export function userView(c: ChannelState, u: SimUser) {
  return {
    ...u,
    richMenuId: c.shownRichMenuId(u.userId) ?? null,
    linkedRichMenuId: c.userRichMenus.get(u.userId) ?? null,
  };
}

export function channelOf(state: EmulatorState, id: string | undefined): ChannelState {
  const c = id === undefined ? undefined : state.channels.get(id);
  if (!c) throw new AdminError(404, `No channel ${id}`);
  return c;
}

export function userOf(c: ChannelState, userId: string | undefined): SimUser {
  const u = userId === undefined ? undefined : c.users.get(userId);
  if (!u) throw new AdminError(404, `No user ${userId} in channel ${c.id}`);
  return u;
}

export function channelRoutes(state: EmulatorState, actions: UserActions) {
  const r = express.Router();

  r.post('/channels', (req, res) => {
    const body = parse(channelsBody, req.body);
    const list = Array.isArray(body) ? body : 'channels' in body ? body.channels : [body];
    const results = list.map((input) => state.upsertChannel(input));
    const views = results.map((x) => channelView(x.channel));
    const created = results.some((x) => x.created);
    res
      .status(created ? 201 : 200)
      .json(Array.isArray(body) || 'channels' in body ? { channels: views } : views[0]);
  });

  r.get('/channels', (_req, res) => {
    res.json({ channels: [...state.channels.values()].map(channelView) });
  });

  r.get('/channels/:id', (req, res) => {
    res.json(channelView(channelOf(state, req.params.id)));
  });

  r.delete('/channels/:id', (req, res) => {
    const c = channelOf(state, req.params.id);
    state.channels.delete(c.id);
    for (const [t, id] of state.tokens) if (id === c.id) state.tokens.delete(t);
    res.status(204).end();
  });

  r.post('/channels/:id/users', async (req, res) => {
    const c = channelOf(state, req.params.id);
    const input = parse(userInput, req.body ?? {});
    if (input.count) {
      const users = Array.from({ length: input.count }, (_, i) =>
        c.addUser(
          { displayName: `${input.displayName ?? 'ユーザー'}${i + 1}`, status: 'friend' },
          state.now(),
        ),
      );
      res.status(201).json({ userIds: users.map((u) => u.userId) });
      return;
    }
    if (input.userId && c.users.has(input.userId)) throw new AdminError(409, `User ${input.userId} exists`);
    const user = c.addUser({ ...input, status: 'none' }, state.now());
    const webhook =
      input.follow === false ? undefined : await actions.follow(c, user, { silent: input.silent });
    res.status(201).json({ ...userView(c, user), webhook: webhook ?? null });
  });

  r.get('/channels/:id/users', (req, res) => {
    const c = channelOf(state, req.params.id);
    res.json({ users: [...c.users.values()].map((u) => userView(c, u)) });
  });

  // The talk view's current user: LINE Login (LIFF) logs in as this user. Also set as a cookie,
  // so two browser tabs can act as two users.
  r.post('/channels/:id/select', (req, res) => {
    const c = channelOf(state, req.params.id);
    const user = userOf(c, String((req.body ?? {}).userId ?? ''));
    c.selectedUserId = user.userId;
    res.cookie(USER_COOKIE, `${c.id}:${user.userId}`, { path: '/', sameSite: 'lax', httpOnly: true });
    res.json(userView(c, user));
  });

  r.get('/channels/:id/users/:userId', (req, res) => {
    const c = channelOf(state, req.params.id);
    res.json(userView(c, userOf(c, req.params.userId)));
  });

  return r;
}
