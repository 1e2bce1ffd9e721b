import { z } from 'zod';
import { LINE_LIMITS, validateMessages, type LineMessage } from '../../platform/line/messages.js';
import { CHANNEL_KINDS, type ChannelKind } from '../line/channels.service.js';
import type { FieldError } from '../../platform/http/errors.js';

/**
 * What staff compose for a delivery (DEL-1…3, 6), validated at the edge with Japanese messages.
 * The delivery engine stores these shapes as jsonb; the admin UI's editors send them.
 */

export const DELIVERY_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'cancelled', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const RUN_STATUSES = ['snapshotting', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const SCHEDULE_KINDS = ['immediate', 'at', 'recurring'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
export type RunPurpose = 'production' | 'test';
/** DEL-12: '' for ordinary runs; the A/B test's sample runs 'a' and 'b', and 'rest' for the winner. */
export const RUN_VARIANTS = ['', 'a', 'b', 'rest'] as const;
export type RunVariant = (typeof RUN_VARIANTS)[number];
export const VARIANT_LABEL: Record<RunVariant, string> = {
  '': '',
  a: 'パターンA',
  b: 'パターンB',
  rest: '残りの友だち',
};

export const STATUS_LABEL: Record<DeliveryStatus, string> = {
  draft: '下書き',
  scheduled: '予約中',
  sending: '配信中',
  sent: '配信済み',
  cancelled: '取消',
  failed: '失敗',
};
export const RUN_STATUS_LABEL: Record<RunStatus, string> = {
  snapshotting: '準備中',
  sending: '配信中',
  sent: '配信済み',
  failed: '失敗',
  cancelled: '取消',
};
export const SCHEDULE_LABEL: Record<ScheduleKind, string> = {
  immediate: '即時配信',
  at: '予約配信',
  recurring: '繰り返し配信',
};
export const CHANNEL_LABEL: Record<ChannelKind, string> = { production: '本番', test: 'テスト' };

/** LINE multicast takes at most 500 user ids per request. */
export const CHUNK_SIZE = 500;
/** An explicit recipient list is for small, hand-picked sends; bigger audiences are segments. */
export const MAX_EXPLICIT_RECIPIENTS = 10_000;

const uuid = (message: string) => z.uuid({ error: message });

/**
 * Who receives a delivery. Each target becomes a SQL predicate over the `resident` table (alias
 * `r`) when the run is fired (recipients.ts), so the audience is what it is at that moment.
 * - `all`: every resident of the delivery's channel (friends receive it; blocked ones are counted).
 * - `residents`: explicit resident ids.
 * - `testers`: residents flagged as testers (DEL-2).
 * - `segment`: a saved segment, compiled to SQL by the segments module when the run fires.
 */
export const targetSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('all') }),
    z.strictObject({
      type: z.literal('residents'),
      residentIds: z
        .array(uuid('住民IDの形式が正しくありません'), { error: '配信先の住民を選んでください' })
        .min(1, '配信先の住民を1人以上選んでください')
        .max(
          MAX_EXPLICIT_RECIPIENTS,
          `個別に選べる配信先は${MAX_EXPLICIT_RECIPIENTS.toLocaleString('ja-JP')}人までです。セグメントを使ってください`,
        ),
    }),
    z.strictObject({ type: z.literal('testers') }),
    z.strictObject({
      type: z.literal('segment'),
      segmentId: uuid('セグメントを選んでください'),
    }),
  ],
  { error: '配信先の種類（all, residents, testers, segment）を選んでください' },
);
export type DeliveryTarget = z.infer<typeof targetSchema>;

export const TARGET_LABEL: Record<DeliveryTarget['type'], string> = {
  all: '全員',
  residents: '個別指定',
  testers: 'テスター',
  segment: 'セグメント',
};

/**
 * Messages with one Japanese error per problem, its path under `messages` and the message's
 * number in words staff use (「2通目: …」), since the editor shows up to five messages at once.
 */
export function checkMessages(
  input: unknown,
): { ok: true; messages: LineMessage[] } | { ok: false; errors: FieldError[] } {
  if (!Array.isArray(input) || input.length === 0)
    return { ok: false, errors: [{ path: 'messages', message: 'メッセージを1通以上入力してください' }] };
  if (input.length > LINE_LIMITS.messagesPerRequest)
    return {
      ok: false,
      errors: [
        { path: 'messages', message: `メッセージは1回の配信で${LINE_LIMITS.messagesPerRequest}通までです` },
      ],
    };
  const v = validateMessages(input);
  if (v.ok) return { ok: true, messages: v.messages };
  return {
    ok: false,
    errors: v.issues.map((i) => {
      const [index, ...rest] = i.path.split('.');
      const n = Number(index);
      return Number.isInteger(n) && index !== ''
        ? { path: ['messages', index, ...rest].join('.'), message: `${n + 1}通目: ${i.message}` }
        : { path: i.path ? `messages.${i.path}` : 'messages', message: i.message };
    }),
  };
}

/**
 * DEL-12 「2つのパターンを一部の友だちに送り、クリックの多かった方を残りの友だちに送る」:
 * パターンB (パターンA is the delivery's own messages), the sample's share of the target (half of
 * it gets A, half B) and how long after the sample is sent the winner is chosen.
 */
export const AB_SAMPLE_PERCENT = { min: 10, max: 50 } as const;
export const AB_DECIDE_MINUTES = { min: 30, max: 2880 } as const;

const abTestFields = z.strictObject(
  {
    variantB: z.unknown(),
    samplePercent: z
      .number({ error: 'サンプルの割合を数字で入力してください' })
      .int('サンプルの割合は整数（%）で入力してください')
      .min(AB_SAMPLE_PERCENT.min, `サンプルの割合は${AB_SAMPLE_PERCENT.min}%以上にしてください`)
      .max(AB_SAMPLE_PERCENT.max, `サンプルの割合は${AB_SAMPLE_PERCENT.max}%以下にしてください`),
    decideAfterMinutes: z
      .number({ error: '結果を決めるまでの時間を数字（分）で入力してください' })
      .int('結果を決めるまでの時間は分単位の整数で入力してください')
      .min(AB_DECIDE_MINUTES.min, `結果を決めるまでの時間は${AB_DECIDE_MINUTES.min}分以上にしてください`)
      .max(
        AB_DECIDE_MINUTES.max,
        `結果を決めるまでの時間は${AB_DECIDE_MINUTES.max / 60}時間（${AB_DECIDE_MINUTES.max}分）以内にしてください`,
      ),
  },
  { error: 'A/Bテストの設定（variantB, samplePercent, decideAfterMinutes）を指定してください' },
);

export interface AbTest {
  variantB: LineMessage[];
  samplePercent: number;
  decideAfterMinutes: number;
}

/**
 * パターンB checked with the same message model and the same Japanese errors as the delivery's
 * messages, its paths under `abTest.variantB`.
 */
export function checkAbTest(
  input: z.infer<typeof abTestFields>,
): { ok: true; abTest: AbTest } | { ok: false; errors: FieldError[] } {
  const checked = checkMessages(input.variantB);
  if (!checked.ok)
    return {
      ok: false,
      errors: checked.errors.map((e) => ({ ...e, path: e.path.replace(/^messages/, 'abTest.variantB') })),
    };
  return {
    ok: true,
    abTest: {
      variantB: checked.messages,
      samplePercent: input.samplePercent,
      decideAfterMinutes: input.decideAfterMinutes,
    },
  };
}

const title = z
  .string({ error: 'タイトルを入力してください' })
  .trim()
  .min(1, 'タイトルを入力してください')
  .max(200, 'タイトルは200文字以内にしてください');

/** DEL-10 「メールでも配信する」: the same content by e-mail to subscribers and friends with a confirmed address. */
const email = z.boolean({ error: 'メールでも配信するかどうかは true か false で指定してください' });

/** A new delivery (a draft). Messages are checked by {@link checkMessages} for per-message errors. */
export const draftSchema = z.strictObject({
  title,
  organisationId: uuid('所属を選択してください'),
  channel: z
    .enum(CHANNEL_KINDS, { error: '配信チャネルは production か test にしてください' })
    .default('production'),
  target: targetSchema.default({ type: 'all' }),
  messages: z.unknown(),
  email: email.default(false),
  /** DEL-12: null (or left out) for an ordinary delivery. */
  abTest: abTestFields.nullable().default(null),
});
export type DraftInput = Omit<z.infer<typeof draftSchema>, 'messages' | 'email' | 'abTest'> & {
  messages: LineMessage[];
  /** Default false (deliveries made by other modules, e.g. mail-to-LINE). */
  email?: boolean;
  /** Default none. */
  abTest?: AbTest | null;
};

export const draftPatchSchema = z.strictObject({
  title: title.optional(),
  organisationId: uuid('所属を選択してください').optional(),
  channel: z.enum(CHANNEL_KINDS, { error: '配信チャネルは production か test にしてください' }).optional(),
  target: targetSchema.optional(),
  messages: z.unknown().optional(),
  email: email.optional(),
  /** null removes the A/B test. */
  abTest: abTestFields.nullable().optional(),
});
export type DraftPatch = Omit<z.infer<typeof draftPatchSchema>, 'messages' | 'abTest'> & {
  messages?: LineMessage[];
  abTest?: AbTest | null;
};

/**
 * When to send. `at` is an instant with its offset (the UI sends JST, e.g. 2026-04-01T09:00:00+09:00);
 * `recurring` carries a rule of the schedule library (checked there, see scheduling.ts).
 */
export const scheduleSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('immediate') }),
    z.strictObject({
      kind: z.literal('at'),
      at: z.iso.datetime({
        offset: true,
        error: '配信日時は「2026-04-01T09:00:00+09:00」の形で指定してください',
      }),
    }),
    z.strictObject({ kind: z.literal('recurring'), rule: z.unknown() }),
  ],
  { error: '配信のタイミング（immediate, at, recurring）を選んでください' },
);
export type ScheduleInput = z.infer<typeof scheduleSchema>;

export const testSendSchema = z.strictObject({
  via: z.enum(['test-channel', 'testers'], {
    error: 'テスト配信の送り先は test-channel（テスト用アカウント）か testers（テスター）にしてください',
  }),
});
export type TestVia = z.infer<typeof testSendSchema>['via'];
