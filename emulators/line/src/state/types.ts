/** The emulator's data model: channels, simulated users and what happened to them. */

export interface RateRule {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export interface QuotaConfig {
  type: 'none' | 'limited';
  /** Messages per month (JST calendar month) when limited. */
  value?: number;
}

/** What a channel is registered with (POST /_emulator/channels). */
export interface ChannelConfig {
  channelId: string;
  channelSecret: string;
  channelAccessToken: string;
  /** The bot's userId, the `destination` of its webhooks. Generated when not given. */
  botUserId: string;
  name: string;
  basicId: string;
  pictureUrl?: string;
  webhookUrl?: string;
  webhookActive: boolean;
  /** LINE's "webhook redelivery" setting: failed deliveries are sent again, marked isRedelivery. */
  webhookRedelivery: boolean;
  /** The LINE Login channel (LIFF) of the same provider: its ID tokens' `sub` is this channel's userId. */
  loginChannelId?: string;
  loginChannelSecret?: string;
  /** LIFF apps of the login channel: `https://liff.line.me/<liffId>/<path>` opens `<url>/<path>` in the talk view. */
  liffApps: { liffId: string; url: string }[];
  quota: QuotaConfig;
  /** Overrides of the default rate limits, by limit group (see http/rate-limit.ts). */
  rateLimits: Record<string, RateRule>;
  /**
   * LINE publishes message statistics only after a while ("a few days"): a bot message counts in
   * per-unit statistics and message events once it is this old (emulator clock). 0 = at once.
   */
  insightDelayMs: number;
}

export type FriendStatus = 'friend' | 'blocked' | 'none';

export interface SimUser {
  userId: string;
  displayName: string;
  pictureUrl?: string;
  statusMessage?: string;
  language?: string;
  status: FriendStatus;
  createdAt: number;
  firstFollowedAt?: number;
  followedAt?: number;
  blockedAt?: number;
}

/** One entry of a user's talk: a message the bot sent to them, or one they sent to the bot. */
export interface TalkEntry {
  messageId: string;
  from: 'bot' | 'user';
  userId: string;
  at: number;
  message: Record<string, unknown>;
  /** Bot messages: how they were sent. */
  endpoint?: string;
  requestId?: string;
  retryKey?: string;
  notificationDisabled?: boolean;
  aggregationUnit?: string;
  /** Position (1–5) of the message in its request: insight reports per `seq`. */
  seq?: number;
  quoteToken?: string;
  /** Set when the talk view shows the message (counts as an impression for insight). */
  readAt?: number;
  clicks?: { url: string; at: number }[];
}

export interface RichMenuRecord {
  richMenuId: string;
  size: { width: number; height: number };
  selected: boolean;
  name: string;
  chatBarText: string;
  areas: unknown[];
  image?: { contentType: string; data: Buffer };
  createdAt: number;
}

export interface ReplyTokenRecord {
  userId: string;
  webhookEventId: string;
  /** The original event time; a redelivered token never outlives it by more than 20 minutes. */
  eventAt: number;
  expiresAt: number;
  used: boolean;
}

export interface RetryKeyRecord {
  requestId: string;
  acceptedAt: number;
  endpoint: string;
  sentMessages?: { id: string; quoteToken?: string }[];
}

export interface NarrowcastRecord {
  requestId: string;
  acceptedAt: number;
  completedAt?: number;
  phase: 'waiting' | 'sending' | 'succeeded' | 'failed';
  targetCount: number;
  successCount: number;
  failureCount: number;
}

export interface ContentRecord {
  contentType: string;
  data: Buffer;
}

export interface RequestRecord {
  requestId: string;
  channelId?: string;
  method: string;
  path: string;
  endpoint?: string;
  status: number;
  at: number;
  durationMs: number;
  retryKey?: string;
  fault?: string;
  requestBody?: unknown;
  responseBody?: unknown;
}

export interface WebhookDelivery {
  id: string;
  channelId: string;
  url: string;
  at: number;
  attempt: number;
  isRedelivery: boolean;
  webhookEventIds: string[];
  eventTypes: string[];
  /** HTTP status of the webhook's answer; 0 when it did not answer (network error, timeout). */
  status: number;
  latencyMs: number;
  error?: string;
  body: string;
  signature: string;
}
