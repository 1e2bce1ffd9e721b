/**
 * Shared set-up of the delivery tests: a LINE emulator with a tenant's production and test
 * channels, simulated friends with matching `resident` rows, and waiting for runs to finish.
 */
import { startEmulator, type RunningEmulator } from '@tsunagu/line-emulator';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { saveChannel, type ChannelKind } from '../src/modules/line/channels.service.js';
import type { DeliveryActor } from '../src/modules/delivery/delivery.service.js';

let channelCounter = 0;
/** A LINE channel id no other test file uses (channel ids are unique across tenants). */
export function freshChannelId(): string {
  return String(1_700_000_000 + ((Date.now() * 10 + channelCounter++) % 290_000_000));
}

export interface LineFixture {
  emu: RunningEmulator;
  admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

export async function startLine(
  channels: Array<{ channelId: string; token: string; multicastPerSecond?: number }>,
): Promise<LineFixture> {
  const emu = await startEmulator({
    channels: channels.map((c) => ({
      channelId: c.channelId,
      channelSecret: `secret-${c.channelId}`,
      channelAccessToken: c.token,
      ...(c.multicastPerSecond
        ? { rateLimits: { multicast: { limit: c.multicastPerSecond, windowMs: 1000 } } }
        : {}),
    })),
    requestLogLimit: 200_000,
  });
  return {
    emu,
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${emu.url}/_emulator${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok && res.status !== 404)
        throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
  };
}

export async function configureChannel(
  tenantId: string,
  kind: ChannelKind,
  channelId: string,
  token: string,
): Promise<void> {
  await withTenant(tenantId, (m) =>
    saveChannel(m, tenantId, kind, {
      channelId,
      channelSecret: `secret-${channelId}`,
      accessToken: token,
      botUserId: null,
      loginChannelId: null,
      liffId: null,
      forwardUrl: null,
    }),
  );
}

/** Creates `count` friends in the emulator; returns their LINE user ids. */
export async function createLineFriends(
  line: LineFixture,
  channelId: string,
  count: number,
): Promise<string[]> {
  const out: string[] = [];
  for (let left = count; left > 0; left -= 100_000) {
    const { userIds } = await line.admin<{ userIds: string[] }>('POST', `/channels/${channelId}/users`, {
      count: Math.min(left, 100_000),
    });
    out.push(...userIds);
  }
  return out;
}

/** Resident rows for LINE users, in one statement; returns their ids in the same order. */
export async function addResidents(
  tenantId: string,
  kind: ChannelKind,
  userIds: string[],
  status: 'friend' | 'blocked' | 'unknown' = 'friend',
  opts: { tester?: boolean } = {},
): Promise<string[]> {
  return withTenant(tenantId, async (m) => {
    const rows: Array<{ id: string; line_user_id: string }> = await m.query(
      `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, is_tester, followed_at)
       select $1, $2, u, $4, $5, now() from unnest($3::text[]) u
       returning id, line_user_id`,
      [tenantId, kind, userIds, status, opts.tester ?? false],
    );
    const byUser = new Map(rows.map((r) => [r.line_user_id, r.id]));
    return userIds.map((u) => byUser.get(u)!);
  });
}

export const systemActor: DeliveryActor = {
  type: 'system',
  id: null,
  label: 'テスト',
  staffId: null,
  ip: null,
  userAgent: null,
};

export interface RunRow {
  id: string;
  status: string;
  purpose: string;
  recipient_count: number | null;
  skipped_count: number | null;
  aggregation_unit: string | null;
  error: string | null;
}

export async function runsOf(tenantId: string, deliveryId: string): Promise<RunRow[]> {
  return withTenant(tenantId, (m) =>
    m.query(
      `select id, status, purpose, recipient_count, skipped_count, aggregation_unit, error
         from delivery_run where delivery_id = $1 order by created_at`,
      [deliveryId],
    ),
  );
}

/** Waits until the delivery has `count` runs and every one of them is finished. */
export async function waitForRuns(
  tenantId: string,
  deliveryId: string,
  opts: { count?: number; timeoutMs?: number } = {},
): Promise<RunRow[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const runs = await runsOf(tenantId, deliveryId);
    if (runs.length >= (opts.count ?? 1) && runs.every((r) => r.status === 'sent' || r.status === 'failed'))
      return runs;
    if (Date.now() > deadline)
      throw new Error(`runs of ${deliveryId} not finished: ${JSON.stringify(runs.map((r) => r.status))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ChunkRow {
  id: string;
  seq: number;
  recipient_count: number;
  retry_key: string;
  status: string;
  attempts: number;
  request_id: string | null;
  accepted_request_id: string | null;
  last_error: string | null;
  error_detail: Record<string, unknown> | null;
}

export async function chunksOf(tenantId: string, runId: string): Promise<ChunkRow[]> {
  return withTenant(tenantId, (m) =>
    m.query(
      `select id, seq, recipient_count, retry_key, status, attempts, request_id, accepted_request_id, last_error, error_detail
         from delivery_chunk where run_id = $1 order by seq`,
      [runId],
    ),
  );
}

export interface EmulatorMessage {
  userId: string;
  retryKey: string | null;
  requestId: string;
  aggregationUnit?: string;
}

/** Bot messages the emulator's users received through multicast, optionally for some retry keys. */
export async function receivedMulticasts(
  line: LineFixture,
  channelId: string,
  retryKeys?: string[],
): Promise<EmulatorMessage[]> {
  const { messages } = await line.admin<{ messages: EmulatorMessage[] }>(
    'GET',
    `/channels/${channelId}/messages?endpoint=multicast`,
  );
  if (!retryKeys) return messages;
  const keys = new Set(retryKeys);
  return messages.filter((m) => m.retryKey !== null && keys.has(m.retryKey));
}

export interface EmulatorRequest {
  status: number;
  retryKey: string | null;
  fault?: string;
  requestBody?: { to?: string[] };
}

export async function multicastRequests(line: LineFixture, channelId: string): Promise<EmulatorRequest[]> {
  const { requests } = await line.admin<{ requests: EmulatorRequest[] }>(
    'GET',
    `/requests?channel=${channelId}&endpoint=multicast&limit=200000`,
  );
  return requests;
}
