import { decryptField } from '../../platform/crypto/tenant-keys.js';
import { withOps } from '../../platform/db/data-sources.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { findChannel, type ChannelKind } from './channels.service.js';
import {
  enqueueUserEvents,
  lineEventsQueue,
  type ForwardEventsJob,
  type ProcessUserEventsJob,
} from './line-queue.js';
import { recordContact, recordFollow, recordUnfollow } from './residents.service.js';
import { recordTap } from '../richmenu/richmenu.service.js';
import { prepareFollowGreeting, sendFollowGreeting, type FollowGreeting } from '../attributes/greeting.js';
import { lineSignature } from './signature.js';
import type { DownloadContentJob, FetchProfileJob } from './follow-ups.jobs.js';
import { EVENT_PAYLOAD_PURPOSE } from './webhook-ingest.js';
import { handleFormTalk, sendTalkReply, type TalkReply } from '../forms/form-talk.js';

interface LineEvent {
  type: string;
  timestamp: number;
  source?: { type: string; userId?: string };
  [k: string]: unknown;
}

/** 'handled' when the product acted on the event; otherwise it may go to the external bot (PLAT-10). */
type Outcome = 'handled' | 'unhandled';

/** Work that needs LINE's API, done by jobs after the event transaction committed. */
type FollowUp =
  { name: 'fetch-profile'; data: FetchProfileJob } | { name: 'download-content'; data: DownloadContentJob };

const CONTENT_TYPES = new Set(['image', 'video', 'audio', 'file']);

/** What to fetch from LINE because of this event: a new friend's profile, a sent file's bytes. */
function followUpsOf(tenantId: string, kind: ChannelKind, e: LineEvent): FollowUp[] {
  const userId = e.source?.userId;
  if (!userId) return [];
  if (e.type === 'follow') return [{ name: 'fetch-profile', data: { tenantId, channelKind: kind, userId } }];
  const message = e.message as
    { id?: string; type?: string; contentProvider?: { type?: string } } | undefined;
  if (e.type === 'message' && message?.id && message.type && CONTENT_TYPES.has(message.type)) {
    if (message.contentProvider && message.contentProvider.type !== 'line') return [];
    return [
      {
        name: 'download-content',
        data: {
          tenantId,
          channelKind: kind,
          userId,
          messageId: message.id,
          messageType: message.type as DownloadContentJob['messageType'],
        },
      },
    ];
  }
  return [];
}

async function handleEvent(
  m: Parameters<Parameters<typeof withTenant>[1]>[0],
  kind: ChannelKind,
  e: LineEvent,
): Promise<Outcome> {
  const userId = e.source?.userId;
  const at = new Date(e.timestamp);
  if (!userId || !/^U[0-9a-f]{32}$/.test(userId)) return 'unhandled';
  switch (e.type) {
    case 'follow':
      await recordFollow(m, kind, userId, at);
      return 'handled';
    case 'unfollow':
      await recordUnfollow(m, kind, userId, at);
      return 'handled';
    case 'postback':
      await recordContact(m, kind, userId, at);
      // Rich-menu taps (MENU-10): `rm:<tab>:<area>` postbacks are counted and handled here.
      if (await recordTap(m, kind, (e.postback as { data?: unknown } | undefined)?.data, at))
        return 'handled';
      return 'unhandled';
    default:
      // Messages, postbacks…: the resident exists from first contact; the modules that answer them
      // (chatbot, rich-menu taps, forms) hook in here. Until one does, the event is forwardable.
      await recordContact(m, kind, userId, at);
      return 'unhandled';
  }
}

/**
 * Processes every pending event of one user of one channel, oldest first, under a per-user
 * advisory lock: ordered per user, idempotent (only 'received' rows are taken), and safe with
 * any number of workers. Unhandled events are marked for forwarding when the channel has a
 * forward URL, else 'ignored'.
 */
export async function processUserEvents(
  job: ProcessUserEventsJob,
): Promise<{ processed: number; forward: string[]; followUps: FollowUp[] }> {
  const greetings: FollowGreeting[] = [];
  const talkReplies: TalkReply[] = [];
  const result = await withTenant(job.tenantId, async (m) => {
    await m.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `line-user:${job.tenantId}:${job.channelKind}:${job.userId ?? '-'}`,
    ]);
    const rows: Array<{ id: string; payload: string }> = await m.query(
      `select id, payload from webhook_event
        where channel_kind = $1 and source_user_id is not distinct from $2 and status = 'received'
        order by event_timestamp, id`,
      [job.channelKind, job.userId],
    );
    if (rows.length === 0) return { processed: 0, forward: [] as string[], followUps: [] as FollowUp[] };
    const channel = await findChannel(m, job.channelKind);
    const forward: string[] = [];
    const followUps: FollowUp[] = [];
    for (const row of rows) {
      const event = JSON.parse(await decryptField(row.payload, EVENT_PAYLOAD_PURPOSE)) as LineEvent;
      let outcome = await handleEvent(m, job.channelKind, event);
      // FORM-10: answering a form in the talk (its start postback, its keyword, the conversation's replies).
      const talk = await handleFormTalk(m, job.tenantId, job.channelKind, event);
      if (talk) {
        talkReplies.push(talk);
        outcome = 'handled';
      }
      followUps.push(...followUpsOf(job.tenantId, job.channelKind, event));
      const greeting = await prepareFollowGreeting(m, job.tenantId, job.channelKind, event);
      if (greeting) greetings.push(greeting);
      const status =
        outcome === 'handled' ? 'processed' : channel?.forwardUrl ? 'forward_pending' : 'ignored';
      if (status === 'forward_pending') forward.push(row.id);
      await m.query(
        `update webhook_event set status = $2, processed_at = now(), attempts = attempts + 1 where id = $1`,
        [row.id, status],
      );
    }
    return { processed: rows.length, forward, followUps };
  });
  // SEG-3: new friends are greeted with a button to 受信設定 once their follow is committed.
  for (const g of greetings) await sendFollowGreeting(g);
  for (const r of talkReplies) await sendTalkReply(r);
  if (result.followUps.length) {
    await lineEventsQueue().addBulk(
      result.followUps.map((f) => ({
        name: f.name,
        data: f.data,
        opts: {
          jobId:
            f.name === 'download-content'
              ? `dl-${f.data.tenantId}-${f.data.channelKind}-${f.data.messageId}`
              : `pf-${f.data.tenantId}-${f.data.userId}-${Date.now()}`,
        },
      })),
    );
  }
  if (result.forward.length) {
    await lineEventsQueue().add(
      'forward-events',
      {
        tenantId: job.tenantId,
        channelKind: job.channelKind,
        eventIds: result.forward,
      } satisfies ForwardEventsJob,
      { jobId: `fw-${job.tenantId}-${result.forward[0]}` },
    );
  }
  return result;
}

/**
 * PLAT-10: sends events the product did not handle to the tenant's external bot, as LINE would:
 * same body shape, signed with the channel secret, so another vendor's bot can share the account.
 * Throws on failure so BullMQ retries with backoff; rows already forwarded are not sent again.
 */
export async function forwardEvents(job: ForwardEventsJob, fetchImpl: typeof fetch = fetch): Promise<number> {
  const prepared = await withTenant(job.tenantId, async (m) => {
    const channel = await findChannel(m, job.channelKind);
    const rows: Array<{ id: string; payload: string }> = await m.query(
      `select id, payload from webhook_event where id = any($1::bigint[]) and status = 'forward_pending' order by event_timestamp, id`,
      [job.eventIds],
    );
    if (!channel?.forwardUrl || rows.length === 0) return null;
    const events = await Promise.all(
      rows.map(async (r) => JSON.parse(await decryptField(r.payload, EVENT_PAYLOAD_PURPOSE)) as unknown),
    );
    const body = JSON.stringify({ destination: channel.botUserId ?? '', events });
    return {
      url: channel.forwardUrl,
      body,
      signature: lineSignature(channel.channelSecret, body),
      ids: rows.map((r) => r.id),
    };
  });
  if (!prepared) return 0;
  const res = await fetchImpl(prepared.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-line-signature': prepared.signature },
    body: prepared.body,
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`external bot answered ${res.status}`);
  await withTenant(job.tenantId, (m) =>
    m.query(
      `update webhook_event set status = 'forwarded', processed_at = now() where id = any($1::bigint[])`,
      [prepared.ids],
    ),
  );
  return prepared.ids.length;
}

/** Re-enqueues events still 'received' after a while (an enqueue lost after the 200 answer). */
export async function sweepPendingEvents(olderThanSeconds = 30): Promise<number> {
  const stuck: Array<{
    tenant_id: string;
    channel_kind: ChannelKind;
    source_user_id: string | null;
    id: string;
  }> = await withOps((m) =>
    m.query(
      `select distinct on (tenant_id, channel_kind, source_user_id) tenant_id, channel_kind, source_user_id, id::text
         from webhook_event where status = 'received' and received_at < now() - make_interval(secs => $1)
        order by tenant_id, channel_kind, source_user_id, id limit 5000`,
      [olderThanSeconds],
    ),
  );
  await enqueueUserEvents(
    stuck.map((s) => ({
      tenantId: s.tenant_id,
      channelKind: s.channel_kind,
      userId: s.source_user_id,
      rowId: `sweep-${s.id}`,
    })),
  );
  return stuck.length;
}
