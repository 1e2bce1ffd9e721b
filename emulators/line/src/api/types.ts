import type { Issues } from '../limits/issues.js';
import type { Operation } from '../openapi/load.js';
import type { ChannelState } from '../state/channel.js';
import type { EmulatorState } from '../state/emulator.js';
import type { WebhookSender } from '../webhook/sender.js';

/** What a Messaging API handler gets: the authenticated channel and the already-validated request. */
export interface Ctx {
  state: EmulatorState;
  channel: ChannelState;
  webhooks: WebhookSender;
  op: Operation;
  params: Record<string, string>;
  query: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated against the OpenAPI schema
  body: any;
  raw: Buffer;
  contentType: string;
  requestId: string;
  retryKey?: string;
  now: number;
}

export interface Result {
  status?: number;
  body?: unknown;
  binary?: { contentType: string; data: Buffer };
  headers?: Record<string, string>;
}

export interface Endpoint {
  /** LINE's limits beyond the schema; runs only when the body matched the schema. */
  check?: (issues: Issues, body: Ctx['body'], ctx: Ctx) => void;
  handle: (ctx: Ctx) => Result | Promise<Result>;
}

export type Endpoints = Record<string, Endpoint>;
