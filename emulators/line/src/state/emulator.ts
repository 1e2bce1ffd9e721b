import { randomBytes } from 'node:crypto';
import { Clock } from '../clock.js';
import { Faults } from '../http/faults.js';
import { LoginStore } from '../login/store.js';
import { RateLimiter } from '../http/rate-limit.js';
import { newUserId } from '../ids.js';
import { ChannelState } from './channel.js';
import type { ChannelConfig, RateRule, RequestRecord } from './types.js';

export interface ChannelInput {
  channelId: string;
  channelSecret?: string;
  channelAccessToken?: string;
  botUserId?: string;
  name?: string;
  basicId?: string;
  pictureUrl?: string;
  webhookUrl?: string;
  webhookActive?: boolean;
  webhookRedelivery?: boolean;
  loginChannelId?: string;
  loginChannelSecret?: string;
  liffApps?: ChannelConfig['liffApps'];
  quota?: ChannelConfig['quota'];
  rateLimits?: Record<string, RateRule>;
  insightDelayMs?: number;
}

export interface EmulatorOptions {
  /** Global rate-limit overrides by operationId ("*" for every endpoint without its own default). */
  rateLimits?: Record<string, RateRule>;
  /** How many request records to keep (oldest dropped first). */
  requestLogLimit?: number;
}

/** The whole emulator's memory: channels by id, access tokens, the request log, clock and faults. */
export class EmulatorState {
  readonly clock = new Clock();
  readonly channels = new Map<string, ChannelState>();
  /** Access tokens → channel id (the registered long-lived token and any issued through /oauth). */
  readonly tokens = new Map<string, string>();
  readonly requests: RequestRecord[] = [];
  readonly faults = new Faults();
  /** LINE Login codes and tokens. */
  readonly login = new LoginStore();
  readonly rateLimiter: RateLimiter;
  readonly requestLogLimit: number;

  constructor(readonly options: EmulatorOptions = {}) {
    this.rateLimiter = new RateLimiter(options.rateLimits);
    this.requestLogLimit = options.requestLogLimit ?? 50_000;
  }

  now(): number {
    return this.clock.now();
  }

  /** Registers or updates a channel (idempotent by channel id); returns it and whether it is new. */
  upsertChannel(input: ChannelInput): { channel: ChannelState; created: boolean } {
    const existing = this.channels.get(input.channelId);
    const prev = existing?.config;
    const config: ChannelConfig = {
      channelId: input.channelId,
      channelSecret: input.channelSecret ?? prev?.channelSecret ?? randomBytes(16).toString('hex'),
      channelAccessToken:
        input.channelAccessToken ?? prev?.channelAccessToken ?? randomBytes(32).toString('base64url'),
      botUserId: input.botUserId ?? prev?.botUserId ?? newUserId(),
      name: input.name ?? prev?.name ?? `Channel ${input.channelId}`,
      basicId: input.basicId ?? prev?.basicId ?? `@${input.channelId.slice(-6)}emu`,
      pictureUrl: input.pictureUrl ?? prev?.pictureUrl,
      webhookUrl: input.webhookUrl ?? prev?.webhookUrl,
      webhookActive: input.webhookActive ?? prev?.webhookActive ?? true,
      webhookRedelivery: input.webhookRedelivery ?? prev?.webhookRedelivery ?? false,
      loginChannelId: input.loginChannelId ?? prev?.loginChannelId,
      loginChannelSecret: input.loginChannelSecret ?? prev?.loginChannelSecret,
      liffApps: input.liffApps ?? prev?.liffApps ?? [],
      quota: input.quota ?? prev?.quota ?? { type: 'none' },
      rateLimits: input.rateLimits ?? prev?.rateLimits ?? {},
      insightDelayMs: input.insightDelayMs ?? prev?.insightDelayMs ?? 0,
    };
    if (prev && prev.channelAccessToken !== config.channelAccessToken)
      this.tokens.delete(prev.channelAccessToken);
    this.tokens.set(config.channelAccessToken, config.channelId);
    if (existing) {
      existing.config = config;
      return { channel: existing, created: false };
    }
    const channel = new ChannelState(config);
    this.channels.set(config.channelId, channel);
    return { channel, created: true };
  }

  channelByToken(token: string): ChannelState | undefined {
    const id = this.tokens.get(token);
    return id === undefined ? undefined : this.channels.get(id);
  }

  /** Channels whose LINE Login channel is `loginChannelId` (a tenant's production and test channel may share one). */
  channelsByLogin(loginChannelId: string): ChannelState[] {
    return [...this.channels.values()].filter((c) => c.config.loginChannelId === loginChannelId);
  }

  logRequest(r: RequestRecord): void {
    this.requests.push(r);
    if (this.requests.length > this.requestLogLimit)
      this.requests.splice(0, this.requests.length - this.requestLogLimit);
  }

  /** Forgets everything but the registered channels (their users, talks, menus… are cleared too). */
  reset(opts: { channels?: boolean } = {}): void {
    this.requests.length = 0;
    this.faults.remove();
    this.rateLimiter.reset();
    this.clock.reset();
    this.login.clear();
    if (opts.channels) {
      this.channels.clear();
      this.tokens.clear();
      return;
    }
    for (const [id, c] of this.channels) this.channels.set(id, new ChannelState(c.config));
  }
}
