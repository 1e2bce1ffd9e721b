import { logger } from '../log/logger.js';

/**
 * What the outbound gateway records of every send: which channel and endpoint, the retry key and
 * LINE's request ids, how many recipients and messages, the outcome. Never the user ids nor any
 * message text: those stay in the delivery's own (encrypted, per-recipient) rows, joined by the
 * retry key or the caller's `ref`.
 */
export type LineEndpoint = 'reply' | 'push' | 'multicast' | 'broadcast' | 'narrowcast';

export type SendStatus =
  /** LINE answered 2xx. */
  | 'sent'
  /** LINE answered 409: this retry key was accepted by an earlier attempt or job. A success. */
  | 'already_accepted'
  /** Refused before sending: LINE would reject it (messages or recipients invalid). */
  | 'invalid'
  /** LINE refused it (4xx other than 409/429, or 429 monthly quota). Do not retry as is. */
  | 'rejected'
  /** Transient failures (5xx, timeouts, network, 429) until the attempts ran out: retry later, same key. */
  | 'gave_up'
  /** The caller aborted (shutdown): retry later with the same key. */
  | 'aborted'
  /** A reply was refused after an earlier attempt whose outcome is unknown: it may have been delivered. */
  | 'uncertain';

export type SendErrorKind = 'invalid' | 'rejected' | 'quota' | 'gave_up' | 'aborted' | 'uncertain';

export interface SendErrorInfo {
  kind: SendErrorKind;
  /** LINE's HTTP status of the last attempt, when there was an answer. */
  httpStatus: number | null;
  /** LINE's `message` (or ours, in Japanese, for local refusals and transport failures). */
  message: string;
  /** LINE's `details` (property and message), or our validation issues (path and message). */
  details: Array<{ property: string; message: string }>;
}

export interface SendLogEntry {
  /** The LINE channel (its channel id): the key of the rate limits too. */
  channelKey: string;
  endpoint: LineEndpoint;
  /** X-Line-Retry-Key sent on every attempt; null for reply. */
  retryKey: string | null;
  /** X-Line-Request-Id of the last answer. For narrowcast, the id to ask progress with. */
  requestId: string | null;
  /** X-Line-Accepted-Request-Id of a 409: the request that was delivered. */
  acceptedRequestId: string | null;
  /** Number of recipients addressed (1 for reply/push, the userIds for multicast; null when LINE decides). */
  recipients: number | null;
  /** Number of message objects in the request. */
  messages: number;
  status: SendStatus;
  /** HTTP attempts made (0 when refused locally). */
  attempts: number;
  error: SendErrorInfo | null;
  /** Caller's reference (e.g. `delivery:<id>:chunk:<n>`); must not contain personal data. */
  ref: string | null;
  startedAt: Date;
  finishedAt: Date;
}

export interface SendLogSink {
  record(entry: SendLogEntry): Promise<void> | void;
}

/** Keeps entries in memory: for tests and for callers that persist them themselves. */
export class MemorySendLogSink implements SendLogSink {
  readonly entries: SendLogEntry[] = [];
  record(entry: SendLogEntry): void {
    this.entries.push(entry);
  }
}

/** Default sink until the database-backed one exists: one structured log line per send. */
export const loggerSendLogSink: SendLogSink = {
  record(e) {
    const level = e.status === 'sent' || e.status === 'already_accepted' ? 'info' : 'warn';
    logger[level](
      {
        line: {
          channelKey: e.channelKey,
          endpoint: e.endpoint,
          retryKey: e.retryKey,
          requestId: e.requestId,
          acceptedRequestId: e.acceptedRequestId,
          recipients: e.recipients,
          messages: e.messages,
          status: e.status,
          attempts: e.attempts,
          error: e.error,
          ref: e.ref,
          ms: e.finishedAt.getTime() - e.startedAt.getTime(),
        },
      },
      'line send',
    );
  },
};
