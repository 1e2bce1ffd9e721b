import { HTTPFetchError, insight, messagingApi } from '@line/bot-sdk';
import { config } from '../config/config.js';
import { logger } from '../log/logger.js';
import { redis } from '../queue/redis.js';
import { lineConfig } from './line-config.js';
import { validateMessages, type LineMessage, type MessageIssue } from './messages.js';
import {
  MemorySlidingWindowLimiter,
  RedisSlidingWindowLimiter,
  sleep,
  type RateLimit,
  type SlotLimiter,
} from './rate-limiter.js';
import {
  loggerSendLogSink,
  type LineEndpoint,
  type SendErrorInfo,
  type SendErrorKind,
  type SendLogEntry,
  type SendLogSink,
  type SendStatus,
} from './send-log.js';

export type { LineEndpoint, SendLogEntry, SendLogSink, SendStatus } from './send-log.js';

/**
 * The outbound LINE gateway of one channel (DESIGN.md, LINE layer; issue 3 item 3). Every send
 * goes through it:
 * - messages and recipients are validated with the message model first: what LINE would reject
 *   is refused here and never sent;
 * - push, multicast, broadcast and narrowcast carry the caller's retry key (stored beforehand
 *   with the chunk, DESIGN.md "Delivery reliability") on every attempt; reply never has one;
 * - errors are classified: 409 on a retry key is a success (LINE accepted it earlier), 429 waits
 *   (Retry-After, else backoff) and retries, 5xx / timeouts / network errors retry with
 *   exponential backoff and full jitter up to `maxAttempts`, any other 4xx fails at once with
 *   LINE's message and details;
 * - each attempt first takes a slot from the per-channel, per-endpoint rate limiter shared by
 *   all workers through Redis;
 * - every call ends in one send-log entry (counts and ids, never user ids or text).
 */

/** LINE's documented per-channel limits (reference/external-apis.md). */
export const LINE_RATE_LIMITS: Record<LineEndpoint, RateLimit> = {
  reply: { limit: 2000, windowMs: 1000 },
  push: { limit: 2000, windowMs: 1000 },
  multicast: { limit: 200, windowMs: 1000 },
  broadcast: { limit: 60, windowMs: 3_600_000 },
  narrowcast: { limit: 60, windowMs: 3_600_000 },
};

export const MULTICAST_MAX_RECIPIENTS = 500;

/** LINE's limit on each insight endpoint: 60 requests an hour per channel. */
export const LINE_INSIGHT_RATE_LIMIT: RateLimit = { limit: 60, windowMs: 3_600_000 };

export interface RetryPolicy {
  /** HTTP attempts at most, all causes together (the first one included). */
  maxAttempts: number;
  /** Backoff: full jitter over min(maxDelayMs, baseDelayMs · 2^(n−1)). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429 without Retry-After waits at least this long. */
  minRateLimitedDelayMs: number;
  /** A Retry-After longer than this is cut to it (the caller's job can be re-queued instead). */
  maxRetryAfterMs: number;
  /** An attempt without an answer after this long is abandoned and retried. */
  timeoutMs: number;
}

const DEFAULT_RETRY: Omit<RetryPolicy, 'timeoutMs'> = {
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  minRateLimitedDelayMs: 1000,
  maxRetryAfterMs: 5 * 60_000,
};

/** A reply token lives one minute: fewer, shorter retries. */
const REPLY_MAX_ATTEMPTS = 3;

export interface LineGatewayOptions {
  /** The LINE channel id: names the channel in rate-limit keys and the send log. */
  channelKey: string;
  channelAccessToken: string;
  /** Default: LINE_API_BASE_URL / LINE_DATA_API_BASE_URL (line-config.ts). */
  apiBaseUrl?: string;
  dataApiBaseUrl?: string;
  /** Default: Redis-shared limiter (per-process one in the embedded, Redis-less mode). */
  limiter?: SlotLimiter;
  rateLimits?: Partial<Record<LineEndpoint, RateLimit>>;
  retry?: Partial<RetryPolicy>;
  /** Default: structured log lines. */
  sink?: SendLogSink;
}

export interface SendOptions {
  /** Caller's reference stored in the send log (no personal data). */
  ref?: string;
  notificationDisabled?: boolean;
  /** Stops waiting (for a slot or a retry) when aborted; the send then fails with `aborted`. */
  signal?: AbortSignal;
}

export interface RetryableSendOptions extends SendOptions {
  /** UUID stored with the chunk before the first attempt and reused on every retry, by every job. */
  retryKey: string;
}

export interface PushOptions extends RetryableSendOptions {
  /** At most one unit name `^[a-zA-Z0-9_]{1,30}$` (never personal data). */
  customAggregationUnits?: string[];
}

export interface NarrowcastOptions extends RetryableSendOptions {
  recipient?: messagingApi.Recipient;
  filter?: messagingApi.Filter;
  limit?: messagingApi.Limit;
}

export interface SendResult {
  status: 'sent' | 'already_accepted';
  requestId: string | null;
  acceptedRequestId: string | null;
  attempts: number;
  /** Reply and push: ids LINE gave the messages (absent on an already-accepted push answered without them). */
  sentMessages?: Array<{ id: string; quoteToken?: string }>;
}

/**
 * An insight read that did not succeed. Reads are not retried here: each attempt costs one of the
 * channel's 60 insight requests an hour, so the caller's job tries again later instead.
 * `rejected`: LINE refused it (4xx); `unavailable`: no answer, 5xx, 429 or the limiter is down;
 * `aborted`: no rate-limit slot before the caller's signal fired.
 */
export class LineReadError extends Error {
  override name = 'LineReadError';
  constructor(
    readonly kind: 'rejected' | 'unavailable' | 'aborted',
    message: string,
    readonly httpStatus: number | null,
  ) {
    super(message);
  }
}

/** A send that did not (or may not) reach LINE. `retryable`: the same call with the same key may succeed later. */
export class LineSendError extends Error {
  override name = 'LineSendError';
  constructor(
    readonly kind: SendErrorKind,
    message: string,
    readonly info: SendErrorInfo,
    readonly entry: SendLogEntry,
    readonly issues: MessageIssue[] = [],
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.kind === 'gave_up' || this.kind === 'aborted';
  }
  get httpStatus(): number | null {
    return this.info.httpStatus;
  }
}

const USER_ID = /^U[0-9a-f]{32}$/;
const PUSH_TARGET = /^[UCR][0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AGGREGATION_UNIT = /^[a-zA-Z0-9_]{1,30}$/;

type Attempt<T> = () => Promise<{ httpResponse: Response; body: T }>;

interface Outcome {
  kind: 'accepted' | 'permanent' | 'quota' | 'rate_limited' | 'transient';
  httpStatus: number | null;
  requestId: string | null;
  acceptedRequestId: string | null;
  retryAfterMs: number | null;
  message: string;
  details: Array<{ property: string; message: string }>;
  body: unknown;
}

class AttemptTimeout extends Error {
  override name = 'AttemptTimeout';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeout(`no answer from LINE within ${ms} ms`)), ms);
  });
  // The SDK's fetch cannot be cancelled: an abandoned attempt settles later and is ignored.
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function parseRetryAfter(v: string | null): number | null {
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function parseBody(text: string): { message?: unknown; details?: unknown } {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as { message?: unknown; details?: unknown }) : {};
  } catch {
    return {};
  }
}

function classify(e: unknown, hasRetryKey: boolean): Outcome {
  const base = {
    httpStatus: null,
    requestId: null,
    acceptedRequestId: null,
    retryAfterMs: null,
    details: [],
    body: undefined,
  };
  if (e instanceof AttemptTimeout) return { ...base, kind: 'transient', message: e.message };
  if (!(e instanceof HTTPFetchError)) {
    // fetch failures (refused, reset, DNS) and unreadable answers: unknown outcome, retry with the key.
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return {
      ...base,
      kind: 'transient',
      message: `${(e as Error).message ?? String(e)}${cause ? ` (${cause})` : ''}`,
    };
  }
  const body = parseBody(e.body);
  const status = e.status;
  const message = typeof body.message === 'string' ? body.message : `${status} ${e.statusText}`;
  const details = Array.isArray(body.details)
    ? body.details.map((d: { property?: unknown; message?: unknown }) => ({
        property: typeof d?.property === 'string' ? d.property : '',
        message: typeof d?.message === 'string' ? d.message : '',
      }))
    : [];
  const out = {
    ...base,
    httpStatus: status,
    requestId: e.headers.get('x-line-request-id'),
    acceptedRequestId: e.headers.get('x-line-accepted-request-id'),
    message,
    details,
    body,
  };
  if (status === 409 && hasRetryKey) return { ...out, kind: 'accepted' };
  if (status === 429) {
    if (/monthly limit/i.test(message)) return { ...out, kind: 'quota' };
    return { ...out, kind: 'rate_limited', retryAfterMs: parseRetryAfter(e.headers.get('retry-after')) };
  }
  if (status >= 500) return { ...out, kind: 'transient' };
  return { ...out, kind: 'permanent' };
}

interface SendSpec {
  endpoint: LineEndpoint;
  retryKey: string | null;
  recipients: number | null;
  messages: number;
  opts: SendOptions;
}

export class LineGateway {
  readonly channelKey: string;
  /** The SDK clients, for calls the gateway does not wrap (rich menus, profile, content). */
  readonly api: messagingApi.MessagingApiClient;
  readonly blob: messagingApi.MessagingApiBlobClient;
  /** Insight reads go through {@link statisticsPerUnit} (rate-limited), not this client directly. */
  private readonly insight: insight.InsightClient;
  private readonly limiter: SlotLimiter;
  private readonly limits: Record<LineEndpoint, RateLimit>;
  private readonly retry: RetryPolicy;
  private readonly sink: SendLogSink;

  constructor(opts: LineGatewayOptions) {
    if (!opts.channelKey) throw new Error('LineGateway: channelKey is required');
    const lc = lineConfig();
    this.channelKey = opts.channelKey;
    this.api = new messagingApi.MessagingApiClient({
      channelAccessToken: opts.channelAccessToken,
      baseURL: opts.apiBaseUrl ?? lc.apiBaseUrl,
    });
    this.blob = new messagingApi.MessagingApiBlobClient({
      channelAccessToken: opts.channelAccessToken,
      baseURL: opts.dataApiBaseUrl ?? lc.dataApiBaseUrl,
    });
    this.insight = new insight.InsightClient({
      channelAccessToken: opts.channelAccessToken,
      baseURL: opts.apiBaseUrl ?? lc.apiBaseUrl,
    });
    this.limiter = opts.limiter ?? defaultLimiter();
    this.limits = { ...LINE_RATE_LIMITS, ...opts.rateLimits };
    this.retry = { ...DEFAULT_RETRY, timeoutMs: lc.requestTimeoutMs, ...opts.retry };
    this.sink = opts.sink ?? loggerSendLogSink;
  }

  /** Replies with a webhook event's reply token (single use, one minute). No retry key. */
  async reply(replyToken: string, messages: LineMessage[], opts: SendOptions = {}): Promise<SendResult> {
    const spec: SendSpec = {
      endpoint: 'reply',
      retryKey: null,
      recipients: 1,
      messages: count(messages),
      opts,
    };
    await this.validate(spec, messages, () =>
      replyToken ? [] : [issue('replyToken', '応答トークンがありません')],
    );
    return this.send(spec, () =>
      this.api.replyMessageWithHttpInfo({
        replyToken,
        messages: messages as messagingApi.Message[],
        ...(opts.notificationDisabled !== undefined
          ? { notificationDisabled: opts.notificationDisabled }
          : {}),
      }),
    );
  }

  /** Sends to one user, group or room. */
  async push(to: string, messages: LineMessage[], opts: PushOptions): Promise<SendResult> {
    const spec = this.spec('push', opts, 1, messages);
    await this.validate(spec, messages, () => [
      ...(PUSH_TARGET.test(to) ? [] : [issue('to', '送信先のIDの形式が正しくありません')]),
      ...aggregationIssues(opts.customAggregationUnits),
    ]);
    return this.send(spec, () =>
      this.api.pushMessageWithHttpInfo(
        {
          to,
          messages: messages as messagingApi.Message[],
          ...(opts.notificationDisabled !== undefined
            ? { notificationDisabled: opts.notificationDisabled }
            : {}),
          ...(opts.customAggregationUnits ? { customAggregationUnits: opts.customAggregationUnits } : {}),
        },
        opts.retryKey,
      ),
    );
  }

  /** Sends to 1–500 users at once (one delivery chunk). */
  async multicast(to: string[], messages: LineMessage[], opts: PushOptions): Promise<SendResult> {
    const spec = this.spec('multicast', opts, to.length, messages);
    await this.validate(spec, messages, () => recipientIssues(to, opts.customAggregationUnits));
    return this.send(spec, () =>
      this.api.multicastWithHttpInfo(
        {
          to,
          messages: messages as messagingApi.Message[],
          ...(opts.notificationDisabled !== undefined
            ? { notificationDisabled: opts.notificationDisabled }
            : {}),
          ...(opts.customAggregationUnits ? { customAggregationUnits: opts.customAggregationUnits } : {}),
        },
        opts.retryKey,
      ),
    );
  }

  /** Sends to every friend of the channel. */
  async broadcast(messages: LineMessage[], opts: RetryableSendOptions): Promise<SendResult> {
    const spec = this.spec('broadcast', opts, null, messages);
    await this.validate(spec, messages, () => []);
    return this.send(spec, () =>
      this.api.broadcastWithHttpInfo(
        {
          messages: messages as messagingApi.Message[],
          ...(opts.notificationDisabled !== undefined
            ? { notificationDisabled: opts.notificationDisabled }
            : {}),
        },
        opts.retryKey,
      ),
    );
  }

  /**
   * Sends to an audience or demographic filter, asynchronously on LINE's side: the result's
   * `requestId` (or `acceptedRequestId` after a 409) is what `narrowcastProgress` asks about.
   */
  async narrowcast(messages: LineMessage[], opts: NarrowcastOptions): Promise<SendResult> {
    const spec = this.spec('narrowcast', opts, null, messages);
    await this.validate(spec, messages, () => []);
    return this.send(spec, () =>
      this.api.narrowcastWithHttpInfo(
        {
          messages: messages as messagingApi.Message[],
          ...(opts.recipient ? { recipient: opts.recipient } : {}),
          ...(opts.filter ? { filter: opts.filter } : {}),
          ...(opts.limit ? { limit: opts.limit } : {}),
          ...(opts.notificationDisabled !== undefined
            ? { notificationDisabled: opts.notificationDisabled }
            : {}),
        },
        opts.retryKey,
      ),
    );
  }

  async narrowcastProgress(requestId: string): Promise<messagingApi.NarrowcastProgressResponse> {
    return this.api.getNarrowcastProgress(requestId);
  }

  /**
   * Per-unit statistics of push and multicast messages sent with `customAggregationUnits` (opens,
   * clicks), for messages sent from `from` to `to` (yyyyMMdd, Japan time). Takes a slot of the
   * channel's insight limit (shared by all workers) first; waits for one until `signal` fires.
   */
  async statisticsPerUnit(
    unit: string,
    from: string,
    to: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<insight.GetStatisticsPerUnitResponse> {
    if (!AGGREGATION_UNIT.test(unit) || !/^\d{8}$/.test(from) || !/^\d{8}$/.test(to))
      throw new LineReadError('rejected', '集計単位名または期間の形式が正しくありません', null);
    return this.read(
      'statisticsPerUnit',
      () => this.insight.getStatisticsPerUnit(unit, from, to),
      opts.signal,
    );
  }

  private async read<T>(endpoint: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      await this.limiter.acquire(`${this.channelKey}:insight:${endpoint}`, LINE_INSIGHT_RATE_LIMIT, signal);
    } catch (e) {
      if (signal?.aborted)
        throw new LineReadError('aborted', 'LINEの統計APIの利用上限のため待機中です', null);
      throw new LineReadError('unavailable', `rate limiter unavailable: ${(e as Error).message}`, null);
    }
    try {
      return await withTimeout(call(), this.retry.timeoutMs);
    } catch (e) {
      const o = classify(e, false);
      throw new LineReadError(o.kind === 'permanent' ? 'rejected' : 'unavailable', o.message, o.httpStatus);
    }
  }

  // -------------------------------------------------------------------------------------------

  private spec(
    endpoint: LineEndpoint,
    opts: RetryableSendOptions,
    recipients: number | null,
    messages: unknown,
  ): SendSpec {
    return { endpoint, retryKey: opts.retryKey ?? null, recipients, messages: count(messages), opts };
  }

  /** Refuses locally (status `invalid`, no attempt) what LINE would reject. */
  private async validate(spec: SendSpec, messages: unknown, extra: () => MessageIssue[]): Promise<void> {
    const startedAt = new Date();
    const found: MessageIssue[] = [];
    if (spec.endpoint !== 'reply' && (!spec.retryKey || !UUID.test(spec.retryKey)))
      found.push(issue('retryKey', '再送キーはUUIDで指定してください'));
    found.push(...extra());
    const v = validateMessages(messages);
    if (!v.ok)
      found.push(...v.issues.map((i) => ({ ...i, path: i.path ? `messages.${i.path}` : 'messages' })));
    if (found.length === 0) return;
    const info: SendErrorInfo = {
      kind: 'invalid',
      httpStatus: null,
      message: 'LINEが受け付けない内容のため送信しませんでした',
      details: found.map((i) => ({ property: i.path, message: i.message })),
    };
    const entry = await this.finish(spec, startedAt, 'invalid', 0, null, null, info);
    throw new LineSendError('invalid', info.message, info, entry, found);
  }

  private async send<T>(spec: SendSpec, attempt: Attempt<T>): Promise<SendResult> {
    const startedAt = new Date();
    const { endpoint, opts } = spec;
    const hasKey = spec.retryKey !== null;
    const maxAttempts =
      endpoint === 'reply' ? Math.min(REPLY_MAX_ATTEMPTS, this.retry.maxAttempts) : this.retry.maxAttempts;
    const rate = this.limits[endpoint];
    const rateKey = `${this.channelKey}:${endpoint}`;
    let attempts = 0;
    let requestId: string | null = null;
    let ambiguous = false;
    let last: Outcome | null = null;

    const fail = async (kind: SendErrorKind, status: SendStatus, o: Outcome | null, message?: string) => {
      const info: SendErrorInfo = {
        kind,
        httpStatus: o?.httpStatus ?? null,
        message: message ?? o?.message ?? kind,
        details: o?.details ?? [],
      };
      const entry = await this.finish(spec, startedAt, status, attempts, requestId, null, info);
      return new LineSendError(kind, info.message, info, entry);
    };

    for (;;) {
      try {
        await this.limiter.acquire(rateKey, rate, opts.signal);
      } catch (e) {
        if (opts.signal?.aborted) throw await fail('aborted', 'aborted', last, '送信を中断しました');
        // The shared limiter (Redis) is unreachable: nothing was sent; the job retries later.
        throw await fail('gave_up', 'gave_up', last, `rate limiter unavailable: ${(e as Error).message}`);
      }
      attempts += 1;
      let outcome: Outcome;
      try {
        const res = await withTimeout(attempt(), this.retry.timeoutMs);
        requestId = res.httpResponse.headers.get('x-line-request-id');
        const sentMessages = (res.body as { sentMessages?: SendResult['sentMessages'] } | null)?.sentMessages;
        await this.finish(spec, startedAt, 'sent', attempts, requestId, null, null);
        return {
          status: 'sent',
          requestId,
          acceptedRequestId: null,
          attempts,
          ...(sentMessages ? { sentMessages } : {}),
        };
      } catch (e) {
        outcome = classify(e, hasKey);
      }
      last = outcome;
      requestId = outcome.requestId ?? requestId;

      switch (outcome.kind) {
        case 'accepted': {
          const sentMessages = (outcome.body as { sentMessages?: SendResult['sentMessages'] })?.sentMessages;
          await this.finish(
            spec,
            startedAt,
            'already_accepted',
            attempts,
            requestId,
            outcome.acceptedRequestId,
            null,
          );
          return {
            status: 'already_accepted',
            requestId,
            acceptedRequestId: outcome.acceptedRequestId,
            attempts,
            ...(sentMessages ? { sentMessages } : {}),
          };
        }
        case 'quota':
          throw await fail('quota', 'rejected', outcome);
        case 'permanent':
          // A reply token refused after an attempt with no clear answer: that attempt may have delivered.
          if (endpoint === 'reply' && ambiguous) throw await fail('uncertain', 'uncertain', outcome);
          throw await fail('rejected', 'rejected', outcome);
        case 'transient':
          ambiguous = true;
          break;
        case 'rate_limited':
          break;
      }
      if (attempts >= maxAttempts) throw await fail('gave_up', 'gave_up', outcome);
      const delay =
        outcome.kind === 'rate_limited'
          ? Math.min(
              this.retry.maxRetryAfterMs,
              outcome.retryAfterMs ?? Math.max(this.retry.minRateLimitedDelayMs, this.backoff(attempts)),
            )
          : this.backoff(attempts);
      try {
        await sleep(delay, opts.signal);
      } catch {
        throw await fail('aborted', 'aborted', outcome, '送信を中断しました');
      }
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(Math.random() * ceiling);
  }

  private async finish(
    spec: SendSpec,
    startedAt: Date,
    status: SendStatus,
    attempts: number,
    requestId: string | null,
    acceptedRequestId: string | null,
    error: SendErrorInfo | null,
  ): Promise<SendLogEntry> {
    const entry: SendLogEntry = {
      channelKey: this.channelKey,
      endpoint: spec.endpoint,
      retryKey: spec.retryKey,
      requestId,
      acceptedRequestId,
      recipients: spec.recipients,
      messages: spec.messages,
      status,
      attempts,
      error,
      ref: spec.opts.ref ?? null,
      startedAt,
      finishedAt: new Date(),
    };
    try {
      await this.sink.record(entry);
    } catch (err) {
      // The send already happened (or not) on LINE's side: a failing log must not make it retry.
      logger.error(
        { err, channelKey: this.channelKey, endpoint: spec.endpoint, retryKey: spec.retryKey },
        'line send log failed',
      );
    }
    return entry;
  }
}

function count(messages: unknown): number {
  return Array.isArray(messages) ? messages.length : 0;
}

function issue(path: string, message: string): MessageIssue {
  return { path, message };
}

function aggregationIssues(units: string[] | undefined): MessageIssue[] {
  if (units === undefined) return [];
  if (units.length > 1) return [issue('customAggregationUnits', '集計単位は1つまでにしてください')];
  return units.every((u) => AGGREGATION_UNIT.test(u))
    ? []
    : [issue('customAggregationUnits.0', '集計単位名は半角英数字と_の30文字以内にしてください')];
}

function recipientIssues(to: string[], units: string[] | undefined): MessageIssue[] {
  const found: MessageIssue[] = [...aggregationIssues(units)];
  if (!Array.isArray(to) || to.length === 0)
    return [...found, issue('to', '送信先を1人以上指定してください')];
  if (to.length > MULTICAST_MAX_RECIPIENTS)
    found.push(issue('to', `送信先は${MULTICAST_MAX_RECIPIENTS}人までにしてください`));
  const bad = to.findIndex((u) => !USER_ID.test(u));
  if (bad >= 0) found.push(issue(`to.${bad}`, '送信先のユーザーIDの形式が正しくありません'));
  if (new Set(to).size !== to.length) found.push(issue('to', '送信先に同じユーザーIDが重複しています'));
  return found;
}

let sharedLimiter: SlotLimiter | undefined;

/** Redis-shared across workers; per process in the embedded mode, which has no Redis. */
function defaultLimiter(): SlotLimiter {
  sharedLimiter ??=
    config().QUEUE_BACKEND === 'postgres'
      ? new MemorySlidingWindowLimiter()
      : new RedisSlidingWindowLimiter(redis());
  return sharedLimiter;
}

/** The gateway of one channel. Cheap to build (two SDK clients); build one per job or cache by channel. */
export function createLineGateway(opts: LineGatewayOptions): LineGateway {
  return new LineGateway(opts);
}
