import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { startEmulator, type AppOptions, type RunningEmulator } from '../src/app.js';

/** Shared by the test files: an emulator on a free port, SDK clients, and a webhook receiver. */

export const CH = {
  channelId: '2000000001',
  channelSecret: 'secret-akaiwa-test',
  channelAccessToken: 'token-akaiwa-test',
  botUserId: 'U' + 'a'.repeat(32),
  name: '赤磐市（テスト）',
};
export const CH2 = {
  channelId: '2000000002',
  channelSecret: 'secret-toyoake-test',
  channelAccessToken: 'token-toyoake-test',
  name: '豊明市（テスト）',
};

export async function start(opts: AppOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ channels: [CH, CH2], webhookRetryDelaysMs: [20, 20, 20], ...opts });
}

export function clients(emu: RunningEmulator, token = CH.channelAccessToken) {
  return {
    api: new messagingApi.MessagingApiClient({ channelAccessToken: token, baseURL: emu.url }),
    blob: new messagingApi.MessagingApiBlobClient({ channelAccessToken: token, baseURL: emu.url }),
  };
}

/** Runs a call that must fail; returns LINE's status, parsed body and headers. */
export async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof HTTPFetchError) {
      return { status: e.status, body: JSON.parse(e.body) as Record<string, unknown>, headers: e.headers };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

export async function admin<T = Record<string, unknown>>(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(emu.url + '/_emulator' + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function newUser(
  emu: RunningEmulator,
  channelId = CH.channelId,
  extra: Record<string, unknown> = {},
) {
  const r = await admin<{ userId: string }>(emu, 'POST', `/channels/${channelId}/users`, {
    displayName: '山田 花子',
    ...extra,
  });
  return r.body.userId;
}

export async function inbox(emu: RunningEmulator, userId: string, channelId = CH.channelId) {
  const r = await admin<{
    messages: { message: Record<string, unknown>; retryKey?: string; requestId: string; endpoint: string }[];
  }>(emu, 'GET', `/channels/${channelId}/users/${userId}/messages`);
  return r.body.messages;
}

export interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { destination: string; events: Record<string, unknown>[] };
}

/** A webhook endpoint that records what it receives and answers with `status()`. */
export async function receiver(status: () => number = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.statusCode = status();
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return {
    url,
    received,
    events: () => received.flatMap((r) => r.body.events),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const text = (t: string) => ({ type: 'text' as const, text: t });
