import type { EntityManager } from 'typeorm';
import { config } from '../../platform/config/config.js';
import { logger } from '../../platform/log/logger.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { findChannel, type ChannelKind } from '../line/channels.service.js';
import { gatewayFor } from '../line/gateways.js';
import { loadGreetingSettings } from './registration.service.js';

/** LINE keeps a redelivered event's reply token usable for at most 20 minutes. */
const REPLY_TOKEN_MAX_AGE_MS = 20 * 60 * 1000;

export interface FollowGreeting {
  tenantId: string;
  channelKind: ChannelKind;
  replyToken: string;
  messages: LineMessage[];
}

interface FollowEvent {
  type: string;
  timestamp: number;
  replyToken?: string;
  source?: { userId?: string };
}

/**
 * The resident-ui 受信設定 page as LINE opens it: through the channel's LIFF app when it has one
 * (so the resident arrives signed in), else the public page.
 */
export function settingsPageUrl(slug: string, liffId: string | null, formCode: string | null): string {
  const page = formCode ? `settings?form=${encodeURIComponent(formCode)}` : 'settings';
  if (liffId) return `https://liff.line.me/${liffId}/${page}`;
  return `${config().PUBLIC_ORIGIN.replace(/\/+$/, '')}/t/${slug}/${page}`;
}

/**
 * SEG-3 (TN 3-⑤ 新たに友だちになった利用者にはセグメント登録を促せること): what to answer a follow
 * event with — the tenant's greeting and a button to the 受信設定 page — or null when the greeting
 * is switched off, the event has no usable reply token, or the friend has registered before (a
 * returning friend who unblocked the account is not asked again). Runs inside the event's tenant
 * transaction; the reply itself is sent after it commits (sendFollowGreeting).
 */
export async function prepareFollowGreeting(
  m: EntityManager,
  tenantId: string,
  kind: ChannelKind,
  event: FollowEvent,
  now = Date.now(),
): Promise<FollowGreeting | null> {
  const userId = event.source?.userId;
  if (event.type !== 'follow' || !event.replyToken || !userId) return null;
  if (now - event.timestamp > REPLY_TOKEN_MAX_AGE_MS) return null;
  const settings = await loadGreetingSettings(m);
  if (!settings.enabled) return null;
  const registered: unknown[] = await m.query(
    `select 1 from resident_registration rr join resident r on r.id = rr.resident_id
      where r.channel_kind = $1 and r.line_user_id = $2 limit 1`,
    [kind, userId],
  );
  if (registered.length) return null;
  const tenant: Array<{ slug: string; name_ja: string }> = await m.query(
    'select slug, name_ja from tenant where id = $1',
    [tenantId],
  );
  const channel = await findChannel(m, kind);
  const url = settingsPageUrl(tenant[0]!.slug, channel?.liffId ?? null, settings.formCode);
  return {
    tenantId,
    channelKind: kind,
    replyToken: event.replyToken,
    messages: [
      { type: 'text', text: settings.text.replaceAll('{name}', tenant[0]!.name_ja) },
      {
        type: 'template',
        altText: `${settings.buttonText} ${url}`.slice(0, 400),
        template: {
          type: 'buttons',
          text: settings.buttonText,
          actions: [{ type: 'uri', label: settings.buttonLabel, uri: url }],
        },
      },
    ],
  };
}

/**
 * Sends a prepared greeting as the reply to the follow event (free of charge, unlike a push).
 * Never throws: the follow is already recorded, and a greeting that LINE refuses (an expired
 * reply token after an outage) is not worth failing the event job for. Logged without user ids.
 */
export async function sendFollowGreeting(g: FollowGreeting): Promise<boolean> {
  try {
    const gw = await gatewayFor(g.tenantId, g.channelKind);
    await gw.reply(g.replyToken, g.messages, { ref: 'follow-greeting' });
    return true;
  } catch (err) {
    logger.warn(
      { tenantId: g.tenantId, channel: g.channelKind, err: (err as Error).message },
      'follow greeting not sent',
    );
    return false;
  }
}
