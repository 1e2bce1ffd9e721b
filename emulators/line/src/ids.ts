import { randomBytes, randomUUID } from 'node:crypto';

/** Identifier formats as LINE issues them, so clients' own format checks pass. */

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** `U` + 32 lowercase hex digits: a userId (also the bot's own userId, the webhook `destination`). */
export const newUserId = () => `U${hex(16)}`;
export const USER_ID = /^U[0-9a-f]{32}$/;
export const GROUP_ID = /^C[0-9a-f]{32}$/;
export const ROOM_ID = /^R[0-9a-f]{32}$/;

export const newRichMenuId = () => `richmenu-${hex(16)}`;
export const newRequestId = () => randomUUID();
export const newReplyToken = () => hex(16);
export const newQuoteToken = () => randomBytes(48).toString('base64url');

/** Message ids are decimal strings (LINE's are 18 digits); monotonic so they sort by time. */
let lastMessageId = BigInt(Date.now()) * 100000n;
export function newMessageId(): string {
  lastMessageId += 1n;
  return lastMessageId.toString();
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID (26 chars, Crockford base32: 48-bit time + 80 random bits), LINE's webhookEventId format. */
export function newUlid(timeMs: number): string {
  let time = '';
  let t = timeMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[rnd[i]! % 32];
  return time + random;
}
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const RETRY_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
