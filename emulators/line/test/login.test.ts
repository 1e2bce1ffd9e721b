import { createHash, createPublicKey, verify } from 'node:crypto';
import { messagingApi } from '@line/bot-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/app.js';
import { CH, admin, start } from './helpers.js';

let emu: RunningEmulator;
const LOGIN = '1650000001';
const REDIRECT = 'http://localhost:5173/t/akaiwa/liff';

beforeAll(async () => {
  emu = await start();
});
afterAll(() => emu.close());
beforeEach(async () => {
  await admin(emu, 'POST', '/reset');
  await admin(emu, 'POST', '/channels', { ...CH, loginChannelId: LOGIN, loginChannelSecret: 'login-secret' });
});

async function user(name = '田中 三郎') {
  return (
    await admin<{ userId: string }>(emu, 'POST', `/channels/${CH.channelId}/users`, {
      displayName: name,
      pictureUrl: 'https://example.jp/p.png',
    })
  ).body.userId;
}

async function authorize(params: Record<string, string>, headers: Record<string, string> = {}) {
  const u = new URL(emu.url + '/oauth2/v2.1/authorize');
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: LOGIN,
    redirect_uri: REDIRECT,
    state: 's1',
    scope: 'openid profile',
    ...params,
  }))
    u.searchParams.set(k, v);
  return fetch(u, { redirect: 'manual', headers });
}

const form = (path: string, body: Record<string, string>) =>
  fetch(emu.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

async function login(userId: string, extra: Record<string, string> = {}) {
  const res = await authorize({ user_id: userId, nonce: 'n-123', ...extra });
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get('location')!);
  expect(loc.origin + loc.pathname).toBe(REDIRECT);
  expect(loc.searchParams.get('state')).toBe('s1');
  const token = await form('/oauth2/v2.1/token', {
    grant_type: 'authorization_code',
    code: loc.searchParams.get('code')!,
    redirect_uri: REDIRECT,
    client_id: LOGIN,
    client_secret: 'login-secret',
  });
  expect(token.status).toBe(200);
  return (await token.json()) as { id_token: string; access_token: string; refresh_token: string };
}

describe('LINE Login', () => {
  it('issues an ES256 ID token whose sub is the Messaging API userId; verify returns the claims', async () => {
    const userId = await user();
    const { id_token } = await login(userId);
    const res = await form('/oauth2/v2.1/verify', { id_token, client_id: LOGIN, nonce: 'n-123' });
    expect(res.status).toBe(200);
    const claims = (await res.json()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: 'https://access.line.me',
      sub: userId,
      aud: LOGIN,
      nonce: 'n-123',
      name: '田中 三郎',
    });
    expect(claims.picture).toBe('https://example.jp/p.png');
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  it('publishes a JWKS that verifies the token locally', async () => {
    const userId = await user();
    const { id_token } = await login(userId);
    const jwks = (await (await fetch(emu.url + '/oauth2/v2.1/certs')).json()) as {
      keys: Record<string, string>[];
    };
    const [h, p, s] = id_token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; kid: string };
    expect(header.alg).toBe('ES256');
    const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    expect(
      verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(s, 'base64url'),
      ),
    ).toBe(true);
  });

  it('verify answers LINE’s 400 errors', async () => {
    const userId = await user();
    const { id_token } = await login(userId);
    const err = async (body: Record<string, string>) => {
      const res = await form('/oauth2/v2.1/verify', body);
      expect(res.status).toBe(400);
      return (await res.json()) as { error: string; error_description: string };
    };
    expect(await err({ id_token, client_id: '1659999999' })).toEqual({
      error: 'invalid_request',
      error_description: 'Invalid IdToken Audience.',
    });
    expect((await err({ id_token, client_id: LOGIN, nonce: 'other' })).error_description).toBe(
      'Invalid IdToken Nonce.',
    );
    expect((await err({ id_token, client_id: LOGIN, user_id: 'U' + '0'.repeat(32) })).error_description).toBe(
      'Invalid IdToken Subject Identifier.',
    );
    const tampered = id_token.slice(0, -4) + (id_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await err({ id_token: tampered, client_id: LOGIN })).error_description).toBe('Invalid IdToken.');
    await admin(emu, 'POST', '/clock', { advanceMs: 3601_000 });
    expect(await err({ id_token, client_id: LOGIN })).toEqual({
      error: 'invalid_request',
      error_description: 'IdToken expired.',
    });
  });

  it('logs in as the user the talk view selected (cookie), else offers a chooser', async () => {
    const a = await user('ユーザーA');
    const b = await user('ユーザーB');
    const none = await authorize({});
    expect(none.status).toBe(200);
    const html = await none.text();
    expect(html).toContain('ログインするユーザーを選んでください');
    expect(html).toContain('ユーザーA');
    const sel = await fetch(emu.url + `/_emulator/channels/${CH.channelId}/select`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: b }),
    });
    const cookie = sel.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe(`line_emulator_user=${encodeURIComponent(`${CH.channelId}:${b}`)}`);
    const withCookie = await authorize({ nonce: 'x' }, { cookie: `line_emulator_user=${CH.channelId}:${a}` });
    const code = new URL(withCookie.headers.get('location')!).searchParams.get('code')!;
    const t = (await (
      await form('/oauth2/v2.1/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: LOGIN,
      })
    ).json()) as {
      id_token: string;
    };
    const claims = JSON.parse(Buffer.from(t.id_token.split('.')[1]!, 'base64url').toString()) as {
      sub: string;
    };
    expect(claims.sub).toBe(a);
    const selected = await authorize({});
    expect(selected.status).toBe(302); // falls back to the selected user b
  });

  it('refuses unknown clients, reused codes, wrong redirect and wrong secret', async () => {
    const userId = await user();
    expect((await authorize({ client_id: '999' })).status).toBe(400);
    const res = await authorize({ user_id: userId });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const bad = await form('/oauth2/v2.1/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: LOGIN,
      client_secret: 'nope',
    });
    expect(bad.status).toBe(400);
    const again = await form('/oauth2/v2.1/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: LOGIN,
    });
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('supports PKCE, profile and access-token verify, refresh', async () => {
    const userId = await user();
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const res = await authorize({
      user_id: userId,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const t = (await (
      await form('/oauth2/v2.1/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: LOGIN,
        code_verifier: verifier,
      })
    ).json()) as { access_token: string; refresh_token: string };
    const profile = await (
      await fetch(emu.url + '/v2/profile', { headers: { authorization: `Bearer ${t.access_token}` } })
    ).json();
    expect(profile).toEqual({ userId, displayName: '田中 三郎', pictureUrl: 'https://example.jp/p.png' });
    const v = await (await fetch(emu.url + `/oauth2/v2.1/verify?access_token=${t.access_token}`)).json();
    expect(v).toMatchObject({ client_id: LOGIN, scope: 'openid profile' });
    const r = await form('/oauth2/v2.1/token', {
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token,
      client_id: LOGIN,
    });
    expect(r.status).toBe(200);
  });

  it('serves the LIFF SDK stand-in', async () => {
    const res = await fetch(emu.url + '/liff/sdk.js');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(await res.text()).toContain('window.liff');
  });
});

describe('channel access tokens', () => {
  it('issues tokens with the channel id and secret that work on the Messaging API', async () => {
    const res = await form('/oauth2/v3/token', {
      grant_type: 'client_credentials',
      client_id: CH.channelId,
      client_secret: CH.channelSecret,
    });
    const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
    expect(expires_in).toBe(900);
    const api = new messagingApi.MessagingApiClient({ channelAccessToken: access_token, baseURL: emu.url });
    expect((await api.getBotInfo()).userId).toBe(CH.botUserId);
    const bad = await form('/v2/oauth/accessToken', {
      grant_type: 'client_credentials',
      client_id: CH.channelId,
      client_secret: 'x',
    });
    expect(bad.status).toBe(400);
  });
});
