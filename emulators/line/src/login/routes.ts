import { createHash } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { UserActions } from '../simulate/actions.js';
import type { EmulatorState } from '../state/emulator.js';
import type { SigningKey } from './keys.js';
import { pickUser } from './pick-user.js';
import { chooserPage, errorPage } from './pages.js';
import { ACCESS_TOKEN_TTL_S, CODE_TTL_MS, ID_TOKEN_TTL_S, type LoginStore } from './store.js';

/**
 * LINE Login v2.1 as the product and LIFF pages use it:
 *   GET  /oauth2/v2.1/authorize  consents at once as the selected simulated user, redirects with a code
 *   POST /oauth2/v2.1/token      code (or refresh token) → access_token, id_token (ES256, kid)
 *   POST /oauth2/v2.1/verify     id_token, client_id, nonce?, user_id? → claims, or LINE's 400
 *   GET  /oauth2/v2.1/verify     ?access_token → {scope, client_id, expires_in}
 *   GET  /oauth2/v2.1/certs      JWKS        GET /oauth2/v2.1/userinfo, GET /v2/profile
 *   POST /_emulator/liff/send    liff.sendMessages(): the user's texts become message events
 */
export const ISSUER = 'https://access.line.me';

const oauthError = (res: Response, status: number, error: string, description: string) =>
  void res.status(status).json({ error, error_description: description });

export function loginRoutes(state: EmulatorState, key: SigningKey, store: LoginStore, actions: UserActions) {
  const r = express.Router();
  const form = express.urlencoded({ extended: false });

  r.get('/oauth2/v2.1/certs', (_req, res) => void res.json({ keys: [key.jwk()] }));

  r.get('/oauth2/v2.1/authorize', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.client_id || state.channelsByLogin(q.client_id).length === 0)
      return void res
        .status(400)
        .type('html')
        .send(errorPage('client_id が登録されていません', q.client_id ?? ''));
    if (!q.redirect_uri || !/^https?:\/\//.test(q.redirect_uri))
      return void res
        .status(400)
        .type('html')
        .send(errorPage('redirect_uri が正しくありません', q.redirect_uri ?? ''));
    if (q.response_type && q.response_type !== 'code')
      return void res
        .status(400)
        .type('html')
        .send(errorPage('response_type は code のみです', q.response_type));
    const picked = pickUser(state, q.client_id, req);
    if (!picked) return void res.type('html').send(chooserPage(state, q.client_id, req.originalUrl));
    const code = store.newCode({
      clientId: q.client_id,
      channelId: picked.channel.id,
      userId: picked.user.userId,
      scope: q.scope ?? 'profile openid',
      nonce: q.nonce,
      redirectUri: q.redirect_uri,
      codeChallenge: q.code_challenge,
      expiresAt: state.now() + CODE_TTL_MS,
    });
    const to = new URL(q.redirect_uri);
    to.searchParams.set('code', code);
    if (q.state !== undefined) to.searchParams.set('state', q.state);
    res.redirect(302, to.toString());
  });

  r.post('/oauth2/v2.1/token', form, (req, res) => {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    const now = state.now();
    if (b.grant_type === 'refresh_token') {
      const t = b.refresh_token ? store.refreshTokens.get(b.refresh_token) : undefined;
      if (!t || t.expiresAt < now || t.clientId !== b.client_id)
        return oauthError(res, 400, 'invalid_grant', 'invalid refresh token');
      const { access, refresh } = store.issue(t, now);
      return void res.json({
        token_type: 'Bearer',
        scope: t.scope,
        access_token: access,
        expires_in: ACCESS_TOKEN_TTL_S,
        refresh_token: refresh,
      });
    }
    if (b.grant_type !== 'authorization_code')
      return oauthError(res, 400, 'unsupported_grant_type', 'unsupported grant_type');
    const grant = b.code ? store.codes.get(b.code) : undefined;
    if (!grant) return oauthError(res, 400, 'invalid_grant', 'invalid authorization code');
    store.codes.delete(b.code!); // single use
    if (grant.expiresAt < now) return oauthError(res, 400, 'invalid_grant', 'authorization code expired');
    if (grant.clientId !== b.client_id) return oauthError(res, 400, 'invalid_client', 'invalid client_id');
    if (grant.redirectUri !== b.redirect_uri)
      return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match');
    const secret = state.channelsByLogin(grant.clientId).find((c) => c.config.loginChannelSecret)
      ?.config.loginChannelSecret;
    if (grant.codeChallenge) {
      const v = b.code_verifier ? createHash('sha256').update(b.code_verifier).digest('base64url') : '';
      if (v !== grant.codeChallenge) return oauthError(res, 400, 'invalid_grant', 'invalid code_verifier');
    } else if (secret && b.client_secret !== undefined && b.client_secret !== secret) {
      // A LIFF page (public client) sends no secret; a server that sends one must send the right one.
      return oauthError(res, 400, 'invalid_client', 'invalid client_secret');
    }
    const channel = state.channels.get(grant.channelId);
    const user = channel?.users.get(grant.userId);
    if (!user) return oauthError(res, 400, 'invalid_grant', 'the user no longer exists');
    const { access, refresh } = store.issue(grant, now);
    const iat = Math.floor(now / 1000);
    const profile = grant.scope.split(/[ ,+]/).includes('profile');
    const idToken = key.signJwt({
      iss: ISSUER,
      sub: user.userId,
      aud: grant.clientId,
      exp: iat + ID_TOKEN_TTL_S,
      iat,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      amr: ['linesso'],
      ...(profile
        ? { name: user.displayName, ...(user.pictureUrl ? { picture: user.pictureUrl } : {}) }
        : {}),
    });
    res.json({
      access_token: access,
      expires_in: ACCESS_TOKEN_TTL_S,
      id_token: grant.scope.split(/[ ,+]/).includes('openid') ? idToken : undefined,
      refresh_token: refresh,
      scope: grant.scope,
      token_type: 'Bearer',
    });
  });

  r.post('/oauth2/v2.1/verify', form, (req, res) => {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    if (!b.id_token) return oauthError(res, 400, 'invalid_request', 'id_token is required');
    if (!b.client_id) return oauthError(res, 400, 'invalid_request', 'client_id is required');
    const claims = key.verifyJwt(b.id_token);
    if (!claims || claims.iss !== ISSUER) return oauthError(res, 400, 'invalid_request', 'Invalid IdToken.');
    if ((claims.exp as number) * 1000 <= state.now())
      return oauthError(res, 400, 'invalid_request', 'IdToken expired.');
    if (claims.aud !== b.client_id)
      return oauthError(res, 400, 'invalid_request', 'Invalid IdToken Audience.');
    if (b.nonce !== undefined && claims.nonce !== b.nonce)
      return oauthError(res, 400, 'invalid_request', 'Invalid IdToken Nonce.');
    if (b.user_id !== undefined && claims.sub !== b.user_id)
      return oauthError(res, 400, 'invalid_request', 'Invalid IdToken Subject Identifier.');
    res.json(claims);
  });

  r.get('/oauth2/v2.1/verify', (req, res) => {
    const t = store.accessTokens.get(String(req.query.access_token ?? ''));
    if (!t) return oauthError(res, 400, 'invalid_request', 'access token invalid');
    const left = Math.floor((t.expiresAt - state.now()) / 1000);
    if (left <= 0) return oauthError(res, 400, 'invalid_request', 'access token expired');
    res.json({ scope: t.scope, client_id: t.clientId, expires_in: left });
  });

  const bearer = (req: Request) => {
    const t = store.accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer\s+/i, ''));
    return t && t.expiresAt > state.now() ? t : undefined;
  };
  const userOf = (t: { channelId: string; userId: string }) =>
    state.channels.get(t.channelId)?.users.get(t.userId);

  r.get('/v2/profile', (req, res) => {
    const t = bearer(req);
    const u = t && userOf(t);
    if (!u) return void res.status(401).json({ message: 'invalid token' });
    res.json({
      userId: u.userId,
      displayName: u.displayName,
      ...(u.pictureUrl ? { pictureUrl: u.pictureUrl } : {}),
      ...(u.statusMessage ? { statusMessage: u.statusMessage } : {}),
    });
  });

  r.get('/oauth2/v2.1/userinfo', (req, res) => {
    const t = bearer(req);
    const u = t && userOf(t);
    if (!u) return oauthError(res, 401, 'invalid_token', 'invalid token');
    res.json({ sub: u.userId, name: u.displayName, ...(u.pictureUrl ? { picture: u.pictureUrl } : {}) });
  });

  r.post('/oauth2/v2.1/revoke', form, (req, res) => {
    store.accessTokens.delete(String((req.body ?? {}).access_token ?? ''));
    res.status(200).end();
  });

  r.post('/_emulator/liff/send', express.json(), async (req, res) => {
    const t = bearer(req);
    const channel = t && state.channels.get(t.channelId);
    const user = t && userOf(t);
    if (!channel || !user) return void res.status(401).json({ message: 'invalid token' });
    const messages = Array.isArray(req.body?.messages)
      ? (req.body.messages as { type?: string; text?: string }[])
      : [];
    if (messages.length < 1 || messages.length > 5)
      return void res.status(400).json({ message: 'Size must be between 1 and 5' });
    for (const m of messages)
      if (m.type === 'text' && m.text) {
        const out = actions.perform(channel, user, { type: 'text', text: m.text });
        await actions.dispatch(channel, out.events);
      }
    res.json({});
  });

  return r;
}
