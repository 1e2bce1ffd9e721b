import { z } from 'zod';
import { withTenant } from '../../platform/db/tenant-context.js';
import { encryptField } from '../../platform/crypto/tenant-keys.js';
import { findTenantBySlug } from '../../platform/tenancy/tenants.js';
import { findChannel, onChannelSave, type ChannelKind, type LineChannel } from './channels.service.js';
import { TtlCache } from '../../platform/cache/ttl-cache.js';
import { verifyLineSignature } from './signature.js';

const eventShape = z
  .object({
    type: z.string().min(1).max(50),
    webhookEventId: z.string().min(1).max(100),
    timestamp: z.number().int().nonnegative(),
    source: z
      .object({ type: z.string(), userId: z.string().max(40).optional() })
      .passthrough()
      .optional(),
    deliveryContext: z.object({ isRedelivery: z.boolean() }).passthrough().optional(),
  })
  .passthrough();
const bodyShape = z.object({ destination: z.string().max(40), events: z.array(eventShape).max(1000) });

export type IngestResult =
  | { status: 200; stored: Array<{ rowId: string; userId: string | null }>; tenantId: string; held: boolean }
  | { status: 400 | 401 | 404; reason: string };

export const EVENT_PAYLOAD_PURPOSE = 'line.webhook_event';

/**
 * The hot path of every webhook caches the channel with its decrypted secret (30 s; a process
 * that saves a channel drops its own entry at once). The tenant is read every time, so a
 * suspension holds new events at once. Verification happens on every request.
 */
export const webhookChannels = new TtlCache<LineChannel | null>(30_000);
onChannelSave((tenantId, kind) => webhookChannels.delete(`${tenantId}:${kind}`));

/**
 * Verifies and stores one webhook request of a tenant's channel. Nothing is written unless the
 * signature over the raw bytes matches that channel's secret. Events are deduplicated by
 * webhookEventId (a redelivery or duplicate stores nothing new); payloads are encrypted with the
 * tenant key since residents' messages may hold personal data. Events of a suspended tenant are
 * stored as 'held' and not processed.
 */
export async function ingestWebhook(
  slug: string,
  kind: ChannelKind,
  raw: Buffer,
  signature: string | undefined,
): Promise<IngestResult> {
  const tenant = await findTenantBySlug(slug);
  if (!tenant) return { status: 404, reason: 'unknown tenant' };
  return withTenant(tenant.id, async (m): Promise<IngestResult> => {
    const channel = await findChannel(m, kind);
    if (!channel) return { status: 404, reason: 'channel not configured' };
    if (!verifyLineSignature(channel.channelSecret, raw, signature))
      return { status: 401, reason: 'bad signature' };
    let parsed: z.infer<typeof bodyShape>;
    try {
      parsed = bodyShape.parse(JSON.parse(raw.toString('utf8')));
    } catch {
      return { status: 400, reason: 'malformed body' };
    }
    if (channel.botUserId && parsed.destination !== channel.botUserId)
      return { status: 400, reason: 'wrong destination' };
    const held = tenant.status === 'suspended';
    if (parsed.events.length === 0) return { status: 200, stored: [], tenantId: tenant.id, held };
    const ids: string[] = [];
    const types: string[] = [];
    const users: Array<string | null> = [];
    const times: string[] = [];
    const redelivery: boolean[] = [];
    const payloads: string[] = [];
    for (const e of parsed.events) {
      ids.push(e.webhookEventId);
      types.push(e.type);
      users.push(e.source?.userId ?? null);
      times.push(new Date(e.timestamp).toISOString());
      redelivery.push(e.deliveryContext?.isRedelivery ?? false);
      payloads.push(await encryptField(JSON.stringify(e), EVENT_PAYLOAD_PURPOSE));
    }
    const rows: Array<{ id: string; source_user_id: string | null }> = await m.query(
      `insert into webhook_event (tenant_id, channel_kind, webhook_event_id, event_type, source_user_id, event_timestamp,
                                  is_redelivery, payload, status)
       select $1, $2, e.id, e.type, e.user_id, e.ts, e.redelivery, e.payload, $9
         from unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::boolean[], $8::text[])
           as e(id, type, user_id, ts, redelivery, payload)
       on conflict (tenant_id, webhook_event_id) do nothing
       returning id, source_user_id`,
      [tenant.id, kind, ids, types, users, times, redelivery, payloads, held ? 'held' : 'received'],
    );
    return {
      status: 200,
      stored: rows.map((r) => ({ rowId: String(r.id), userId: r.source_user_id })),
      tenantId: tenant.id,
      held,
    };
  });
}
