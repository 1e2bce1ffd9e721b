import { createHmac, timingSafeEqual } from 'node:crypto';

/** `x-line-signature`: base64(HMAC-SHA256(channel secret, raw body bytes)). */
export function sign(channelSecret: string, body: string | Buffer): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}

/** Constant-time check, for the emulator's own tests and for anyone reusing it as a reference. */
export function verify(channelSecret: string, body: string | Buffer, signature: string): boolean {
  const expected = Buffer.from(sign(channelSecret, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
