import { Readable } from 'node:stream';
import { encryptField } from '../../platform/crypto/tenant-keys.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { sniffContentType, storage } from '../../platform/storage/storage.js';
import type { ChannelKind } from './channels.service.js';
import { gatewayFor } from './gateways.js';
import { RESIDENT_NAME_PURPOSE } from './residents.service.js';

export interface FetchProfileJob {
  tenantId: string;
  channelKind: ChannelKind;
  userId: string;
}
export interface DownloadContentJob {
  tenantId: string;
  channelKind: ChannelKind;
  userId: string;
  messageId: string;
  messageType: 'image' | 'video' | 'audio' | 'file';
}

/** LINE keeps user-sent content for a limited time only; ours must not depend on theirs. */
export const MAX_CONTENT_BYTES = 50 * 1024 * 1024;

/** Profile of a new friend (name stored encrypted). A 404 means not a friend any more: nothing to do. */
export async function fetchProfile(job: FetchProfileJob): Promise<'updated' | 'gone'> {
  const gw = await gatewayFor(job.tenantId, job.channelKind);
  let profile: { displayName: string; pictureUrl?: string; language?: string };
  try {
    profile = await gw.api.getProfile(job.userId);
  } catch (e) {
    if (
      (e as { status?: number; statusCode?: number }).status === 404 ||
      (e as { statusCode?: number }).statusCode === 404
    )
      return 'gone';
    throw e;
  }
  await withTenant(job.tenantId, async (m) =>
    m.query(
      `update resident set display_name = $3, picture_url = $4, language = $5, profile_fetched_at = now(), updated_at = now()
        where channel_kind = $1 and line_user_id = $2`,
      [
        job.channelKind,
        job.userId,
        await encryptField(profile.displayName, RESIDENT_NAME_PURPOSE),
        profile.pictureUrl ?? null,
        profile.language ?? null,
      ],
    ),
  );
  return 'updated';
}

async function readLimited(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > limit) {
      stream.destroy();
      throw new Error(`content larger than ${limit} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Copies a resident's image/video/audio/file from LINE into our storage at once (LINE deletes it
 * after a while). Idempotent: a message already copied is skipped. The type comes from the bytes.
 */
export async function downloadContent(job: DownloadContentJob): Promise<'stored' | 'already'> {
  const exists = await withTenant(job.tenantId, (m) =>
    m.query('select 1 from line_content where channel_kind = $1 and message_id = $2', [
      job.channelKind,
      job.messageId,
    ]),
  );
  if (exists.length) return 'already';
  const gw = await gatewayFor(job.tenantId, job.channelKind);
  const data = await readLimited(await gw.blob.getMessageContent(job.messageId), MAX_CONTENT_BYTES);
  const contentType = sniffContentType(data) ?? 'application/octet-stream';
  const key = `tenants/${job.tenantId}/line-content/${job.channelKind}/${job.messageId.replace(/[^0-9A-Za-z]/g, '')}`;
  await storage().put(key, data, contentType);
  await withTenant(job.tenantId, (m) =>
    m.query(
      `insert into line_content (tenant_id, channel_kind, message_id, line_user_id, message_type, storage_key, content_type, size_bytes)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (tenant_id, channel_kind, message_id) do nothing`,
      [
        job.tenantId,
        job.channelKind,
        job.messageId,
        job.userId,
        job.messageType,
        key,
        contentType,
        data.length,
      ],
    ),
  );
  return 'stored';
}
