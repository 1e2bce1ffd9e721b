import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { actionRoutes } from './admin/actions.js';
import { channelRoutes } from './admin/channels.js';
import { controlRoutes } from './admin/control.js';
import { adminErrors } from './admin/http.js';
import { inspectRoutes } from './admin/inspect.js';
import { talkRoutes } from './admin/talk.js';
import { endpoints } from './api/index.js';
import { lineApi } from './http/line-api.js';
import { channelTokenRoutes } from './login/channel-token.js';
import { SigningKey } from './login/keys.js';
import { loginRoutes } from './login/routes.js';
import { UserActions } from './simulate/actions.js';
import { EmulatorState, type ChannelInput, type EmulatorOptions } from './state/emulator.js';
import type { SimUser } from './state/types.js';
import { WebhookSender } from './webhook/sender.js';

export interface ChannelSeed extends ChannelInput {
  /** Friends created silently at start (no follow webhook): demo accounts. */
  users?: Partial<Pick<SimUser, 'userId' | 'displayName' | 'pictureUrl' | 'language' | 'statusMessage'>>[];
}

export interface AppOptions extends EmulatorOptions {
  channels?: ChannelSeed[];
  webhookTimeoutMs?: number;
  webhookRetryDelaysMs?: number[];
  /** PEM file of the ES256 key that signs ID tokens; a fresh key per start when omitted. */
  loginKeyFile?: string;
}

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

export interface Emulator {
  app: express.Express;
  state: EmulatorState;
  webhooks: WebhookSender;
  actions: UserActions;
  key: SigningKey;
}

/** Builds the emulator (state + Express app) without listening: tests and main.ts share it. */
export function createEmulator(opts: AppOptions = {}): Emulator {
  const state = new EmulatorState(opts);
  const webhooks = new WebhookSender(state, {
    timeoutMs: opts.webhookTimeoutMs,
    retryDelaysMs: opts.webhookRetryDelaysMs,
  });
  const actions = new UserActions(state, webhooks);
  const key = new SigningKey(opts.loginKeyFile);
  for (const seed of opts.channels ?? []) seedChannel(state, seed);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // A local tool called from other origins (LIFF pages, UIs in development): open CORS.
  app.use((req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, x-line-retry-key');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
    res.setHeader('Access-Control-Expose-Headers', 'x-line-request-id, x-line-accepted-request-id');
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  });
  app.use('/v2/bot', lineApi(state, webhooks, endpoints));
  app.use(loginRoutes(state, key, state.login, actions));
  app.use(channelTokenRoutes(state));

  const admin = express.Router();
  admin.use(express.json({ limit: '20mb' }));
  admin.use(channelRoutes(state, actions));
  admin.use(actionRoutes(state, actions));
  admin.use(inspectRoutes(state));
  admin.use(controlRoutes(state));
  admin.use(talkRoutes(state));
  admin.use(adminErrors);
  app.use('/_emulator', admin);

  app.get('/healthz', (_req, res) => void res.json({ ok: true, channels: state.channels.size }));
  app.use(express.static(PUBLIC_DIR, { index: 'index.html', extensions: ['html'] }));
  return { app, state, webhooks, actions, key };
}

export function seedChannel(state: EmulatorState, seed: ChannelSeed): void {
  const { users, ...input } = seed;
  const { channel } = state.upsertChannel(input);
  for (const u of users ?? [])
    if (!u.userId || !channel.users.has(u.userId)) channel.addUser({ ...u, status: 'friend' }, state.now());
}

export interface RunningEmulator extends Emulator {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts listening (port 0 = any free port, what tests use). */
export async function startEmulator(
  opts: AppOptions & { port?: number; host?: string } = {},
): Promise<RunningEmulator> {
  const emu = createEmulator(opts);
  const server = await new Promise<Server>((resolve) => {
    const s = emu.app.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    ...emu,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
