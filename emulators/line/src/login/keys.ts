import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The ES256 key LINE Login signs ID tokens with: generated at start, or read from a PEM file
 * (EMULATOR_LOGIN_KEY_FILE) so tokens stay verifiable across restarts. The public half is
 * published as a JWKS at /oauth2/v2.1/certs with a `kid`, as LINE does.
 */
export class SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;

  constructor(pemFile?: string) {
    if (pemFile) {
      this.privateKey = createPrivateKey(readFileSync(pemFile, 'utf8'));
      this.publicKey = createPublicKey(this.privateKey);
    } else {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      this.privateKey = pair.privateKey;
      this.publicKey = pair.publicKey;
    }
    const { x, y } = this.publicKey.export({ format: 'jwk' });
    // RFC 7638 thumbprint: a stable kid for the same key.
    this.kid = createHash('sha256')
      .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
      .digest('hex');
  }

  jwk() {
    return { ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'ES256', use: 'sig' };
  }

  /** A compact JWS (header.payload.signature), ES256 with the raw r||s signature JWS expects. */
  signJwt(payload: Record<string, unknown>): string {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${enc({ typ: 'JWT', alg: 'ES256', kid: this.kid })}.${enc(payload)}`;
    const sig = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
  }

  /** The payload when the signature is ours, else undefined (expiry is the caller's check). */
  verifyJwt(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
      if (header.alg !== 'ES256') return undefined;
      const ok = verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        { key: this.publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(s, 'base64url'),
      );
      return ok ? (JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
}
