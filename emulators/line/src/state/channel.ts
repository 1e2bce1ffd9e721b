import { newMessageId, newQuoteToken, newUserId } from '../ids.js';
import type {
  ChannelConfig,
  ContentRecord,
  NarrowcastRecord,
  ReplyTokenRecord,
  RetryKeyRecord,
  RichMenuRecord,
  SimUser,
  TalkEntry,
  WebhookDelivery,
} from './types.js';

/** The month a message counts against: LINE's quota runs by calendar month in Japan time. */
export function jstMonth(ms: number): string {
  return new Date(ms + 9 * 3600_000).toISOString().slice(0, 7);
}

/**
 * Everything the emulator keeps for one Messaging API channel. Plain maps: the emulator lives in
 * memory and starts empty (channels come back from EMULATOR_CHANNELS_FILE or the admin API).
 */
export class ChannelState {
  readonly users = new Map<string, SimUser>();
  readonly talk = new Map<string, TalkEntry[]>();
  readonly richMenus = new Map<string, RichMenuRecord>();
  readonly aliases = new Map<string, string>();
  defaultRichMenuId?: string;
  readonly userRichMenus = new Map<string, string>();
  readonly retryKeys = new Map<string, RetryKeyRecord>();
  readonly narrowcasts = new Map<string, NarrowcastRecord>();
  readonly contents = new Map<string, ContentRecord>();
  /** Ids of messages users unsent: their content answers 410 Gone. */
  readonly unsent = new Set<string>();
  readonly replyTokens = new Map<string, ReplyTokenRecord>();
  readonly usage = new Map<string, number>();
  readonly aggregationUnits = new Map<string, Set<string>>();
  readonly webhookDeliveries: WebhookDelivery[] = [];
  /** The user the talk view last selected: LINE Login consents as this user when no cookie says otherwise. */
  selectedUserId?: string;

  constructor(public config: ChannelConfig) {}

  get id(): string {
    return this.config.channelId;
  }

  addUser(input: Partial<SimUser>, now: number): SimUser {
    const user: SimUser = {
      userId: input.userId ?? newUserId(),
      displayName: input.displayName ?? 'LINEユーザー',
      pictureUrl: input.pictureUrl,
      statusMessage: input.statusMessage,
      language: input.language ?? 'ja',
      status: input.status ?? 'none',
      createdAt: now,
    };
    if (user.status === 'friend') user.firstFollowedAt = user.followedAt = now;
    this.users.set(user.userId, user);
    return user;
  }

  friends(): SimUser[] {
    return [...this.users.values()].filter((u) => u.status === 'friend');
  }

  talkOf(userId: string): TalkEntry[] {
    let list = this.talk.get(userId);
    if (!list) this.talk.set(userId, (list = []));
    return list;
  }

  /** Puts a bot message into a user's talk; returns the sent-message id (and quote token). */
  deliver(
    userId: string,
    message: Record<string, unknown>,
    meta: Omit<TalkEntry, 'messageId' | 'from' | 'userId' | 'message'>,
  ) {
    const quotable = ['text', 'textV2', 'sticker', 'image', 'video'].includes(message.type as string);
    const entry: TalkEntry = {
      messageId: newMessageId(),
      from: 'bot',
      userId,
      message,
      ...meta,
      ...(quotable ? { quoteToken: newQuoteToken() } : {}),
    };
    this.talkOf(userId).push(entry);
    return entry;
  }

  /** Whether a message to this user arrives: unknown ids (users the tests never created) do too. */
  reachable(userId: string): boolean {
    const u = this.users.get(userId);
    return !u || u.status === 'friend';
  }

  usageThisMonth(now: number): number {
    return this.usage.get(jstMonth(now)) ?? 0;
  }

  countUsage(now: number, n: number): void {
    const m = jstMonth(now);
    this.usage.set(m, (this.usage.get(m) ?? 0) + n);
  }

  /** Remaining messages this month, or Infinity without a limit. */
  remaining(now: number): number {
    const q = this.config.quota;
    return q.type === 'limited' ? Math.max(0, (q.value ?? 0) - this.usageThisMonth(now)) : Infinity;
  }

  /** The menu a user sees: the one linked to the user (by the API or a tab switch), else the default. */
  shownRichMenuId(userId: string): string | undefined {
    const candidates = [this.userRichMenus.get(userId), this.defaultRichMenuId];
    return candidates.find((id) => id !== undefined && this.richMenus.has(id));
  }

  forgetRichMenu(id: string): void {
    this.richMenus.delete(id);
    if (this.defaultRichMenuId === id) this.defaultRichMenuId = undefined;
    for (const [u, m] of this.userRichMenus) if (m === id) this.userRichMenus.delete(u);
  }
}
