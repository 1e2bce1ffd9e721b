import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { conflictsAs409 } from '../../platform/db/sql.js';

export const CHANNEL_KINDS = ['production', 'test'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface LineChannel {
  id: string;
  kind: ChannelKind;
  channelId: string;
  botUserId: string | null;
  channelSecret: string;
  accessToken: string;
  loginChannelId: string | null;
  liffId: string | null;
  forwardUrl: string | null;
}

/** What the vendor console sets; secrets are write-only (never returned). */
export const channelInput = z.object({
  channelId: z
    .string()
    .trim()
    .regex(/^[0-9]{1,20}$/, 'チャネルIDは数字です'),
  channelSecret: z.string().trim().min(8, 'チャネルシークレットを入力してください').max(200),
  accessToken: z.string().trim().min(8, 'チャネルアクセストークンを入力してください').max(1000),
  botUserId: z
    .string()
    .trim()
    .regex(/^U[0-9a-f]{32}$/, 'ボットのユーザーIDは U で始まる33文字です')
    .nullable()
    .default(null),
  loginChannelId: z
    .string()
    .trim()
    .regex(/^[0-9]{1,20}$/, 'LINEログインのチャネルIDは数字です')
    .nullable()
    .default(null),
  liffId: z.string().trim().max(100).nullable().default(null),
  forwardUrl: z
    .string()
    .trim()
    .url('転送先URLの形式が正しくありません')
    .startsWith('https://', '転送先はhttpsのURLにしてください')
    .nullable()
    .default(null),
});
export type ChannelInput = z.infer<typeof channelInput>;

const SECRET = 'line.channel_secret';

const savedListeners: Array<(tenantId: string, kind: ChannelKind) => void> = [];
/** Caches of channel data subscribe here to drop an entry when this process saves the channel. */
export function onChannelSave(fn: (tenantId: string, kind: ChannelKind) => void): void {
  savedListeners.push(fn);
}
function onChannelSaved(tenantId: string, kind: ChannelKind): void {
  for (const fn of savedListeners) fn(tenantId, kind);
}
const TOKEN = 'line.access_token';

/** The tenant's channel of that kind with its secrets decrypted, or null when not configured. */
export async function findChannel(m: EntityManager, kind: ChannelKind): Promise<LineChannel | null> {
  const rows: Array<Record<string, string | null>> = await m.query(
    `select id, kind, channel_id, bot_user_id, channel_secret, access_token, login_channel_id, liff_id, forward_url
       from line_channel where kind = $1`,
    [kind],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id!,
    kind: r.kind as ChannelKind,
    channelId: r.channel_id!,
    botUserId: r.bot_user_id ?? null,
    channelSecret: await decryptField(r.channel_secret!, SECRET),
    accessToken: await decryptField(r.access_token!, TOKEN),
    loginChannelId: r.login_channel_id ?? null,
    liffId: r.liff_id ?? null,
    forwardUrl: r.forward_url ?? null,
  };
}

/** Public view of the tenant's channels for consoles: ids and settings, never secrets. */
export async function describeChannels(m: EntityManager) {
  return m.query(
    `select kind, channel_id as "channelId", bot_user_id as "botUserId", login_channel_id as "loginChannelId",
            liff_id as "liffId", forward_url as "forwardUrl", updated_at as "updatedAt"
       from line_channel order by kind`,
  );
}

/** Creates or replaces the tenant's channel of that kind; the secrets are stored encrypted. */
export async function saveChannel(
  m: EntityManager,
  tenantId: string,
  kind: ChannelKind,
  input: ChannelInput,
): Promise<void> {
  await conflictsAs409(m, { unique: 'このチャネルIDは別の自治体で使われています' }, async () => {
    await m.query(
      `insert into line_channel (tenant_id, kind, channel_id, bot_user_id, channel_secret, access_token, login_channel_id, liff_id, forward_url)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (tenant_id, kind) do update set channel_id = excluded.channel_id, bot_user_id = excluded.bot_user_id,
           channel_secret = excluded.channel_secret, access_token = excluded.access_token,
           login_channel_id = excluded.login_channel_id, liff_id = excluded.liff_id, forward_url = excluded.forward_url,
           updated_at = now()`,
      [
        tenantId,
        kind,
        input.channelId,
        input.botUserId,
        await encryptField(input.channelSecret, SECRET),
        await encryptField(input.accessToken, TOKEN),
        input.loginChannelId,
        input.liffId,
        input.forwardUrl,
      ],
    );
  });
  onChannelSaved(tenantId, kind);
}
