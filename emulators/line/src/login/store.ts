import { randomBytes } from 'node:crypto';

/** Authorization codes and LINE Login access/refresh tokens (not Messaging API tokens). */

export interface LoginGrant {
  clientId: string;
  channelId: string;
  userId: string;
  scope: string;
  nonce?: string;
  redirectUri: string;
  codeChallenge?: string;
  expiresAt: number;
}

export interface LoginToken {
  clientId: string;
  channelId: string;
  userId: string;
  scope: string;
  expiresAt: number;
}

export const CODE_TTL_MS = 10 * 60_000;
export const ACCESS_TOKEN_TTL_S = 30 * 24 * 3600;
export const ID_TOKEN_TTL_S = 3600;

export class LoginStore {
  readonly codes = new Map<string, LoginGrant>();
  readonly accessTokens = new Map<string, LoginToken>();
  readonly refreshTokens = new Map<string, LoginToken>();

  newCode(grant: LoginGrant): string {
    const code = randomBytes(16).toString('base64url');
    this.codes.set(code, grant);
    return code;
  }

  issue(t: Omit<LoginToken, 'expiresAt'>, now: number) {
    const access = randomBytes(32).toString('base64url');
    const refresh = randomBytes(16).toString('base64url');
    this.accessTokens.set(access, { ...t, expiresAt: now + ACCESS_TOKEN_TTL_S * 1000 });
    this.refreshTokens.set(refresh, { ...t, expiresAt: now + 90 * 24 * 3600_000 });
    return { access, refresh };
  }

  clear(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }
}
