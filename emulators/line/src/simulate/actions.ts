import { AdminError } from '../admin/http.js';
import type { ActionInput } from '../admin/schemas.js';
import { newMessageId, newQuoteToken } from '../ids.js';
import type { ChannelState } from '../state/channel.js';
import type { EmulatorState } from '../state/emulator.js';
import type { SimUser, WebhookDelivery } from '../state/types.js';
import { imageInfo } from '../util/image-size.js';
import { solidPng } from '../util/png.js';
import type { Event, WebhookSender } from '../webhook/sender.js';
import { baseEvent, withReplyToken } from './events.js';

/**
 * What a simulated user does in their LINE app, turned into state changes and webhook events:
 * follow / unfollow (blocking is an unfollow on LINE), messages, postbacks, taps on rich-menu areas
 * and on actions of received messages. `perform` applies the change and builds the events;
 * `dispatch` sends them (with redelivery / duplicate options).
 */
export interface Outcome {
  events: Event[];
  /** A uri action: the URL the app opens (in its in-app browser). */
  open?: string;
  /** Why nothing was sent (already a friend, clipboard copy…). */
  note?: string;
}

export interface DeliveryOptions {
  silent?: boolean;
  redeliver?: boolean;
  duplicate?: boolean;
}

type Action = Record<string, unknown>;

export class UserActions {
  constructor(
    private readonly state: EmulatorState,
    readonly sender: WebhookSender,
  ) {}

  /** Follow (used when a user is created): performs and dispatches. */
  async follow(channel: ChannelState, user: SimUser, opts: DeliveryOptions = {}) {
    const out = this.perform(channel, user, { type: 'follow' });
    return (await this.dispatch(channel, out.events, opts))[0];
  }

  perform(channel: ChannelState, user: SimUser, input: ActionInput): Outcome {
    const now = this.state.now();
    switch (input.type) {
      case 'follow': {
        if (user.status === 'friend') return { events: [], note: 'already a friend' };
        const isUnblocked = user.status === 'blocked';
        user.status = 'friend';
        user.firstFollowedAt ??= now;
        user.followedAt = now;
        user.blockedAt = undefined;
        return {
          events: [
            withReplyToken(channel, { ...baseEvent('follow', user, now), follow: { isUnblocked } }, now),
          ],
        };
      }
      case 'unfollow':
      case 'block': {
        if (user.status !== 'friend') return { events: [], note: 'not a friend' };
        user.status = 'blocked';
        user.blockedAt = now;
        return { events: [baseEvent('unfollow', user, now)] };
      }
      case 'text': {
        const message: Record<string, unknown> = { type: 'text', text: input.text };
        if (input.emojis?.length) message.emojis = input.emojis;
        return this.userMessage(channel, user, message, now);
      }
      case 'sticker':
        return this.userMessage(
          channel,
          user,
          {
            type: 'sticker',
            packageId: input.packageId,
            stickerId: input.stickerId,
            stickerResourceType: 'STATIC',
          },
          now,
        );
      case 'location': {
        const { type: _t, ...loc } = input;
        return this.userMessage(channel, user, { type: 'location', ...loc }, now);
      }
      case 'image':
        return this.image(channel, user, input.data, input.contentType, now);
      case 'postback':
        return this.postback(channel, user, input.data, input.displayText, input.params, now);
      case 'richmenu':
        return this.tapRichMenu(channel, user, input, now);
      case 'action': {
        const out = this.tap(channel, user, input.action, 'message', input, now);
        if (out.open && input.messageId) this.recordClick(channel, user, input.messageId, out.open, now);
        return out;
      }
      case 'unsend': {
        const talk = channel.talkOf(user.userId);
        const i = talk.findIndex((e) => e.from === 'user' && e.messageId === input.messageId);
        if (i < 0) throw new AdminError(404, `No message ${input.messageId} sent by this user`);
        talk.splice(i, 1);
        channel.unsent.add(input.messageId);
        channel.contents.delete(input.messageId);
        return { events: [{ ...baseEvent('unsend', user, now), unsend: { messageId: input.messageId } }] };
      }
      case 'read': {
        for (const e of channel.talk.get(user.userId) ?? [])
          if (e.from === 'bot' && !e.readAt && (!input.messageIds || input.messageIds.includes(e.messageId)))
            e.readAt = now;
        return { events: [], note: 'read' };
      }
    }
  }

  async dispatch(
    channel: ChannelState,
    events: Event[],
    opts: DeliveryOptions = {},
  ): Promise<WebhookDelivery[]> {
    if (!events.length || opts.silent) return [];
    const out = [await this.sender.post(channel, events)];
    if (opts.duplicate) out.push(await this.sender.post(channel, events));
    if (opts.redeliver) {
      const again = events.map((e) => ({ ...e, deliveryContext: { isRedelivery: true } }));
      this.sender.refreshReplyTokens(channel, again);
      out.push(await this.sender.post(channel, again, { isRedelivery: true, retries: 0 }));
    }
    return out;
  }

  private userMessage(
    channel: ChannelState,
    user: SimUser,
    content: Record<string, unknown>,
    now: number,
  ): Outcome {
    if (user.status === 'blocked')
      throw new AdminError(409, 'The user has blocked the channel and cannot send messages');
    const id = newMessageId();
    const quotable = ['text', 'sticker', 'image', 'video'].includes(content.type as string);
    const message = { id, ...content, ...(quotable ? { quoteToken: newQuoteToken() } : {}) };
    channel.talkOf(user.userId).push({ messageId: id, from: 'user', userId: user.userId, at: now, message });
    const event = withReplyToken(channel, { ...baseEvent('message', user, now), message }, now);
    return { events: [event] };
  }

  private image(
    channel: ChannelState,
    user: SimUser,
    base64: string | undefined,
    type: string | undefined,
    now: number,
  ) {
    const data = base64 ? Buffer.from(base64, 'base64') : solidPng(640, 480, [120, 170, 230]);
    const info = imageInfo(data);
    if (!info) throw new AdminError(400, 'The image must be a PNG or JPEG');
    const out = this.userMessage(channel, user, { type: 'image', contentProvider: { type: 'line' } }, now);
    const id = (out.events[0]!.message as { id: string }).id;
    channel.contents.set(id, { contentType: type ?? info.type, data });
    return out;
  }

  private postback(
    channel: ChannelState,
    user: SimUser,
    data: string,
    displayText: string | undefined,
    params: Record<string, string> | undefined,
    now: number,
  ): Outcome {
    // LINE shows displayText as if the user typed it, but sends only the postback event.
    if (displayText)
      channel.talkOf(user.userId).push({
        messageId: newMessageId(),
        from: 'user',
        userId: user.userId,
        at: now,
        message: { type: 'text', text: displayText, displayOnly: true },
      });
    const postback = params ? { data, params } : { data };
    return { events: [withReplyToken(channel, { ...baseEvent('postback', user, now), postback }, now)] };
  }

  private tapRichMenu(
    channel: ChannelState,
    user: SimUser,
    input: Extract<ActionInput, { type: 'richmenu' }>,
    now: number,
  ) {
    const menuId = channel.shownRichMenuId(user.userId);
    const menu = menuId ? channel.richMenus.get(menuId) : undefined;
    if (!menu) throw new AdminError(409, 'The user sees no rich menu');
    const areas = menu.areas as {
      bounds: { x: number; y: number; width: number; height: number };
      action: Action;
    }[];
    const area =
      input.areaIndex !== undefined
        ? areas[input.areaIndex]
        : areas.find(
            ({ bounds: b }) =>
              input.x! >= b.x && input.x! < b.x + b.width && input.y! >= b.y && input.y! < b.y + b.height,
          );
    if (!area) throw new AdminError(404, 'No rich-menu area there');
    return this.tap(channel, user, area.action, 'richmenu', input, now);
  }

  /** Tapping an action object, as the LINE app does it. */
  private tap(
    channel: ChannelState,
    user: SimUser,
    action: Action,
    from: 'richmenu' | 'message',
    input: {
      params?: Record<string, string>;
      location?: { latitude: number; longitude: number; title?: string; address?: string };
    },
    now: number,
  ): Outcome {
    const str = (k: string) => (typeof action[k] === 'string' ? (action[k] as string) : undefined);
    switch (action.type) {
      case 'message':
        return this.userMessage(channel, user, { type: 'text', text: str('text') ?? '' }, now);
      case 'postback':
        return this.postback(
          channel,
          user,
          str('data') ?? '',
          str('displayText') ?? str('text'),
          undefined,
          now,
        );
      case 'uri':
        return { events: [], open: str('uri') };
      case 'datetimepicker': {
        const mode = str('mode') ?? 'datetime';
        const value = input.params?.[mode] ?? str('initial') ?? defaultPick(mode, now);
        return this.postback(channel, user, str('data') ?? '', undefined, { [mode]: value }, now);
      }
      case 'richmenuswitch': {
        if (from !== 'richmenu') throw new AdminError(400, 'richmenuswitch works only in rich menus');
        const aliasId = str('richMenuAliasId') ?? '';
        const target = channel.aliases.get(aliasId);
        let status = 'SUCCESS';
        if (!target) status = 'RICHMENU_ALIAS_ID_NOTFOUND';
        else if (!channel.richMenus.has(target)) status = 'RICHMENU_NOTFOUND';
        // LINE implements tabs with per-user rich menus: the switch links the tab's menu to the user
        // (the bot makes no call; it only hears the postback), so it then outranks the default.
        else channel.userRichMenus.set(user.userId, target);
        return this.postback(
          channel,
          user,
          str('data') ?? '',
          undefined,
          { newRichMenuAliasId: aliasId, status },
          now,
        );
      }
      case 'location':
        if (!input.location)
          throw new AdminError(400, 'A location action needs `location` (latitude, longitude)');
        return this.userMessage(channel, user, { type: 'location', ...input.location }, now);
      case 'camera':
      case 'cameraRoll':
        return this.image(channel, user, undefined, undefined, now);
      case 'clipboard':
        return { events: [], note: 'copied to the clipboard' };
      default:
        throw new AdminError(400, `Unknown action type ${String(action.type)}`);
    }
  }

  private recordClick(channel: ChannelState, user: SimUser, messageId: string, url: string, now: number) {
    const entry = channel.talk.get(user.userId)?.find((e) => e.messageId === messageId);
    if (entry) (entry.clicks ??= []).push({ url, at: now });
  }
}

function defaultPick(mode: string, now: number): string {
  const iso = new Date(now + 9 * 3600_000).toISOString(); // the user's clock: Japan time
  if (mode === 'date') return iso.slice(0, 10);
  if (mode === 'time') return iso.slice(11, 16);
  return iso.slice(0, 16);
}
