import { createHmac, timingSafeEqual } from 'node:crypto';

/** base64(HMAC-SHA256(channel secret, raw body)): LINE's x-line-signature. */
export function lineSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** Constant-time check of a webhook signature against the raw body bytes. */
export function verifyLineSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(lineSignature(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
