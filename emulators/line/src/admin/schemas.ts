import { z } from 'zod';
import { FAULT_KINDS } from '../http/faults.js';

/** Bodies of the emulator's own admin API (/_emulator/...), validated at the edge. */

const rateRule = z.object({ limit: z.number().int().min(0), windowMs: z.number().int().positive() });

export const channelInput = z.object({
  channelId: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/),
  channelSecret: z.string().min(1).optional(),
  channelAccessToken: z.string().min(1).optional(),
  botUserId: z
    .string()
    .regex(/^U[0-9a-f]{32}$/)
    .optional(),
  name: z.string().min(1).max(100).optional(),
  basicId: z.string().optional(),
  pictureUrl: z.string().url().optional(),
  webhookUrl: z.string().url().optional(),
  webhookActive: z.boolean().optional(),
  webhookRedelivery: z.boolean().optional(),
  loginChannelId: z.string().min(1).optional(),
  loginChannelSecret: z.string().min(1).optional(),
  liffApps: z
    .array(z.object({ liffId: z.string().regex(/^[0-9]+-[A-Za-z0-9]+$/), url: z.string().url() }))
    .optional(),
  quota: z
    .object({ type: z.enum(['none', 'limited']), value: z.number().int().min(0).optional() })
    .optional(),
  rateLimits: z.record(z.string(), rateRule).optional(),
  insightDelayMs: z
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3600_000)
    .optional(),
});
export type ChannelInputBody = z.infer<typeof channelInput>;

export const channelsBody = z.union([
  channelInput,
  z.array(channelInput),
  z.object({ channels: z.array(channelInput) }),
]);

export const userInput = z.object({
  userId: z
    .string()
    .regex(/^U[0-9a-f]{32}$/)
    .optional(),
  displayName: z.string().min(1).max(20).optional(),
  pictureUrl: z.string().url().optional(),
  statusMessage: z.string().max(500).optional(),
  language: z.string().min(2).max(10).optional(),
  /** Follow at once (sends a follow webhook unless `silent`); default true. */
  follow: z.boolean().optional(),
  /** Create this many friends at once, without webhooks (load tests, large deliveries). */
  count: z.number().int().min(1).max(100_000).optional(),
  silent: z.boolean().optional(),
});

export const faultInput = z.object({
  channelId: z.string().optional(),
  endpoint: z.string().optional(),
  fault: z.enum(FAULT_KINDS as [string, ...string[]]),
  times: z.number().int().positive().optional(),
  rate: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  timeoutMs: z.number().int().min(0).max(600_000).optional(),
});

export const clockInput = z.object({ advanceMs: z.number().int().optional(), reset: z.boolean().optional() });
export const resetInput = z.object({ channels: z.boolean().optional() }).optional();

const emoji = z.object({
  index: z.number().int().min(0),
  length: z.number().int().min(1),
  productId: z.string(),
  emojiId: z.string(),
});
const location = z.object({
  title: z.string().max(100).optional(),
  address: z.string().max(100).optional(),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});
/** Values a picker returns: {date} | {time} | {datetime} for datetimepicker actions. */
const pickerParams = z.record(z.string(), z.string());

/** What a simulated user does (POST /_emulator/channels/:id/users/:userId/actions). */
export const actionInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('follow') }),
  z.object({ type: z.literal('unfollow') }),
  z.object({ type: z.literal('block') }),
  z.object({
    type: z.literal('text'),
    text: z.string().min(1).max(5000),
    emojis: z.array(emoji).max(20).optional(),
  }),
  z.object({ type: z.literal('sticker'), packageId: z.string(), stickerId: z.string() }),
  z.object({ type: z.literal('location'), ...location.shape }),
  z.object({
    type: z.literal('image'),
    /** base64 of a JPEG or PNG; a generated picture when omitted. */
    data: z.string().optional(),
    contentType: z.enum(['image/jpeg', 'image/png']).optional(),
  }),
  z.object({
    type: z.literal('postback'),
    data: z.string().max(300),
    displayText: z.string().max(300).optional(),
    params: pickerParams.optional(),
  }),
  z.object({
    type: z.literal('richmenu'),
    areaIndex: z.number().int().min(0).optional(),
    x: z.number().optional(),
    y: z.number().optional(),
    params: pickerParams.optional(),
    location: location.optional(),
  }),
  z.object({
    type: z.literal('action'),
    action: z.record(z.string(), z.unknown()),
    /** The bot message the action belongs to (a uri tap counts as its click). */
    messageId: z.string().optional(),
    params: pickerParams.optional(),
    location: location.optional(),
  }),
  z.object({ type: z.literal('read'), messageIds: z.array(z.string()).optional() }),
  /** The user unsends one of their messages: an unsend event; its content answers 410 from then on. */
  z.object({ type: z.literal('unsend'), messageId: z.string() }),
]);
export type ActionInput = z.infer<typeof actionInput>;

export const deliveryOptions = z
  .object({
    /** Do not send a webhook (state changes only). */
    silent: z.boolean().optional(),
    /** Send the same events again afterwards, marked isRedelivery (same ids, reply token and timestamp). */
    redeliver: z.boolean().optional(),
    /** Send the identical body twice (LINE may deliver an event more than once). */
    duplicate: z.boolean().optional(),
  })
  .optional();

export const actionBody = z.intersection(actionInput, z.object({ delivery: deliveryOptions }));

export const batchBody = z.object({
  actions: z
    .array(z.intersection(actionInput, z.object({ userId: z.string().optional() })))
    .min(1)
    .max(100),
  /** The order events are sent in: as given, reversed, or shuffled (seeded). */
  order: z.enum(['given', 'reverse', 'shuffle']).optional(),
  seed: z.number().int().optional(),
  /** One POST per event, all sent at once (so they may also arrive out of order). */
  split: z.boolean().optional(),
});
