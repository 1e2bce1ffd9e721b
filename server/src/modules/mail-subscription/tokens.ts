import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { config } from '../../platform/config/config.js';

/**
 * Manage links (配信停止・登録内容の変更) of DEL-10 mails. Every delivery mail carries one, so they
 * are signed rather than stored: a million mails a run would otherwise mean a million stored
 * tokens. The token is the resident id and an expiry, with an HMAC over both and the keyed hash of
 * the address it was issued for, under a per-tenant key derived from the master key. It therefore
 * opens only that tenant's subscription, only while the address is the same (a link in a mail to an
 * old address stops working once the address changes), and only until it expires.
 * Confirmation links, by contrast, are random and stored hashed (mail_confirmation).
 */

/** How long a manage link works: unsubscribe links must keep working long after the mail. */
export const MANAGE_LINK_DAYS = 180;

const MAC_BYTES = 16;

function key(tenantId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', config().masterKey, tenantId, 'mail-manage-link', 32));
}

function uuidBytes(id: string): Buffer | null {
  const hex = id.replace(/-/g, '');
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : null;
}

function bytesUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function mac(tenantId: string, body: Buffer, emailHash: string): Buffer {
  return createHmac('sha256', key(tenantId))
    .update(body)
    .update('\0')
    .update(emailHash)
    .digest()
    .subarray(0, MAC_BYTES);
}

/** A manage link token for the resident's current address (`emailHash`). */
export function signManageToken(
  tenantId: string,
  residentId: string,
  emailHash: string,
  now = new Date(),
): string {
  const id = uuidBytes(residentId);
  if (!id) throw new Error('signManageToken: residentId must be a uuid');
  const expires = Buffer.alloc(4);
  expires.writeUInt32BE(Math.floor(now.getTime() / 1000) + MANAGE_LINK_DAYS * 86_400);
  const body = Buffer.concat([id, expires]);
  return `${body.toString('base64url')}.${mac(tenantId, body, emailHash).toString('base64url')}`;
}

export interface ManageToken {
  residentId: string;
  expiresAt: Date;
  /** True when the token was issued by this tenant for this address hash. */
  verify(emailHash: string): boolean;
}

/** Reads a token's resident (to look up the address hash to verify with); null when malformed or expired. */
export function readManageToken(tenantId: string, token: string, now = new Date()): ManageToken | null {
  const m = /^([A-Za-z0-9_-]{27})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return null;
  const body = Buffer.from(m[1]!, 'base64url');
  const given = Buffer.from(m[2]!, 'base64url');
  if (body.length !== 20 || given.length !== MAC_BYTES) return null;
  const expiresAt = new Date(body.readUInt32BE(16) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return null;
  return {
    residentId: bytesUuid(body.subarray(0, 16)),
    expiresAt,
    verify: (emailHash) => timingSafeEqual(mac(tenantId, body, emailHash), given),
  };
}
