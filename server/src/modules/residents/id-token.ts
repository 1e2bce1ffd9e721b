import { config } from '../../platform/config/config.js';

export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  nonce?: string;
  name?: string;
  picture?: string;
}

export class IdTokenError extends Error {}

/** The `aud` of a JWT read without trusting it: only to pick which login channel to verify against. */
export function unverifiedAudience(idToken: string): string | null {
  const part = idToken.split('.')[1];
  if (!part) return null;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof payload.aud === 'string' ? payload.aud : null;
  } catch {
    return null;
  }
}

/**
 * Verifies a LIFF ID token with LINE's verify endpoint (the emulator's in the demo): LINE checks
 * the signature, expiry and that `aud` is our login channel. The page never sends a profile we
 * would trust; only this answer is believed.
 */
export async function verifyIdToken(
  idToken: string,
  clientId: string,
  fetchImpl: typeof fetch = fetch,
): Promise<IdTokenClaims> {
  const res = await fetchImpl(`${config().LINE_API_BASE_URL}/oauth2/v2.1/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ id_token: idToken, client_id: clientId }).toString(),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json().catch(() => ({}))) as Partial<IdTokenClaims> & {
    error_description?: string;
  };
  if (!res.ok) throw new IdTokenError(body.error_description ?? `verify answered ${res.status}`);
  if (body.iss !== 'https://access.line.me' || body.aud !== clientId || typeof body.sub !== 'string') {
    throw new IdTokenError('unexpected claims');
  }
  if (typeof body.exp !== 'number' || body.exp * 1000 < Date.now())
    throw new IdTokenError('IdToken expired.');
  return body as IdTokenClaims;
}
