import { randomUUID } from 'node:crypto';
import type { ChannelState } from '../state/channel.js';
import type { EmulatorState } from '../state/emulator.js';
import type { WebhookDelivery } from '../state/types.js';
import { sign } from './sign.js';

/**
 * POSTs webhook bodies to a channel's webhook URL, signed with the channel secret, and records each
 * attempt (status, latency). LINE gives a webhook 2 seconds; an answer that is later, or not 2xx,
 * is a failure, redelivered later (marked isRedelivery) when the channel's redelivery setting is on.
 */
export interface PostOptions {
  url?: string;
  /** Redelivery attempts after a failure (default: 3 when the channel has redelivery on, else 0). */
  retries?: number;
  isRedelivery?: boolean;
}

export interface SenderOptions {
  timeoutMs?: number;
  /** Waits before each redelivery attempt. */
  retryDelaysMs?: number[];
}

export type Event = Record<string, unknown> & { webhookEventId: string; type: string };

export class WebhookSender {
  readonly timeoutMs: number;
  readonly retryDelaysMs: number[];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly state: EmulatorState,
    opts: SenderOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.retryDelaysMs = opts.retryDelaysMs ?? [1000, 10_000, 60_000];
  }

  /** Sends one body with these events; resolves with the first attempt's record. */
  async post(channel: ChannelState, events: Event[], opts: PostOptions = {}): Promise<WebhookDelivery> {
    const url = opts.url ?? channel.config.webhookUrl;
    const first = await this.attempt(channel, url, events, 1, opts.isRedelivery ?? false);
    const retries = opts.retries ?? (channel.config.webhookRedelivery ? this.retryDelaysMs.length : 0);
    if (!ok(first) && retries > 0 && url) this.track(this.redeliver(channel, url, events, retries));
    return first;
  }

  /** Waits until background redeliveries are done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async redeliver(
    channel: ChannelState,
    url: string,
    events: Event[],
    retries: number,
  ): Promise<void> {
    const again = events.map((e) => ({ ...e, deliveryContext: { isRedelivery: true } }));
    for (let i = 0; i < retries; i++) {
      await sleep(this.retryDelaysMs[Math.min(i, this.retryDelaysMs.length - 1)] ?? 1000);
      this.refreshReplyTokens(channel, again);
      if (ok(await this.attempt(channel, url, again, i + 2, true))) return;
    }
  }

  /** A redelivered reply token is valid for a minute from redelivery, never beyond 20 minutes from the event. */
  refreshReplyTokens(channel: ChannelState, events: Event[]): void {
    const now = this.state.now();
    for (const e of events) {
      const t = typeof e.replyToken === 'string' ? channel.replyTokens.get(e.replyToken) : undefined;
      if (t && !t.used) t.expiresAt = Math.min(now + 60_000, t.eventAt + 20 * 60_000);
    }
  }

  private async attempt(
    channel: ChannelState,
    url: string | undefined,
    events: Event[],
    attempt: number,
    isRedelivery: boolean,
  ): Promise<WebhookDelivery> {
    const body = JSON.stringify({ destination: channel.config.botUserId, events });
    const signature = sign(channel.config.channelSecret, body);
    const record: WebhookDelivery = {
      id: randomUUID(),
      channelId: channel.id,
      url: url ?? '',
      at: this.state.now(),
      attempt,
      isRedelivery,
      webhookEventIds: events.map((e) => e.webhookEventId),
      eventTypes: events.map((e) => e.type),
      status: 0,
      latencyMs: 0,
      body,
      signature,
    };
    channel.webhookDeliveries.push(record);
    if (!url) {
      record.error = 'The channel has no webhook URL';
      return record;
    }
    if (!channel.config.webhookActive) {
      record.error = 'Webhook is turned off for the channel';
      return record;
    }
    const started = performance.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-line-signature': signature,
          'user-agent': 'LineBotWebhook/2.0',
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      record.status = res.status;
    } catch (e) {
      record.error =
        (e as Error).name === 'TimeoutError'
          ? `No answer within ${this.timeoutMs} ms`
          : String((e as Error).cause ?? e);
    }
    record.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return record;
  }
}

const ok = (d: WebhookDelivery) => d.status >= 200 && d.status < 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
