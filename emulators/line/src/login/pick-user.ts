import type { Request } from 'express';
import type { ChannelState } from '../state/channel.js';
import type { EmulatorState } from '../state/emulator.js';
import type { SimUser } from '../state/types.js';

/**
 * Who "logs in" at the emulator's LINE Login: the simulated user the talk view has selected.
 * Sources, first wins: `user_id` query (an emulator extension, for tests), the talk view's cookie
 * `line_emulator_user=<channelId>:<userId>`, then the user last selected on a linked channel.
 * Only users of the Messaging API channels registered with this login channel qualify, so the
 * token's `sub` is their userId there (same provider).
 */
export const USER_COOKIE = 'line_emulator_user';

export function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export interface Picked {
  channel: ChannelState;
  user: SimUser;
}

export function pickUser(state: EmulatorState, clientId: string, req: Request): Picked | undefined {
  const channels = state.channelsByLogin(clientId);
  const find = (userId: string | undefined, channelId?: string): Picked | undefined => {
    if (!userId) return undefined;
    for (const channel of channels) {
      if (channelId && channel.id !== channelId) continue;
      const user = channel.users.get(userId);
      if (user) return { channel, user };
    }
    return undefined;
  };
  const q = typeof req.query.user_id === 'string' ? req.query.user_id : undefined;
  const [cookieChannel, cookieUser] = (cookie(req, USER_COOKIE) ?? '').split(':');
  return (
    find(q) ??
    find(cookieUser, cookieChannel) ??
    channels.map((c) => find(c.selectedUserId, c.id)).find((p) => p !== undefined)
  );
}
