import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { config, setConfig } from '../src/platform/config/config.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { createTestTenant, testApp, type TestTenant } from './helpers.js';

const RESIDENT = 'U' + 'a1'.repeat(16);
/** A stand-in for LINE's verify endpoint: tokens are "header.<base64url claims>.sig"; "expired" fails. */
function fakeToken(claims: Record<string, unknown>): string {
  return `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
}

describe('resident sessions from LIFF ID tokens', () => {
  let a: TestTenant;
  let b: TestTenant;
  let server: http.Server;
  const original = config();
  const verifyCalls: Array<Record<string, string>> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        verifyCalls.push(form);
        const claims = JSON.parse(Buffer.from(form.id_token!.split('.')[1]!, 'base64url').toString());
        if (claims.expired) {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end('{"error":"invalid_request","error_description":"IdToken expired."}');
        } else if (claims.aud !== form.client_id) {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end('{"error":"invalid_request","error_description":"Invalid IdToken Audience."}');
        } else {
          const now = Math.floor(Date.now() / 1000);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ iss: 'https://access.line.me', iat: now, exp: now + 3600, ...claims }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    setConfig({
      ...original,
      LINE_API_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    a = await createTestTenant('rsa');
    b = await createTestTenant('rsb');
    for (const [t, login] of [
      [a, '2000000001'],
      [b, '2000000002'],
    ] as const) {
      await withTenant(t.tenant.id, (m) =>
        saveChannel(m, t.tenant.id, 'test', {
          channelId: String(1600000000 + Math.floor(Math.random() * 1e8)),
          channelSecret: 'secret-' + t.tenant.slug,
          accessToken: 'token-' + t.tenant.slug,
          botUserId: null,
          loginChannelId: login,
          liffId: null,
          forwardUrl: null,
        }),
      );
    }
  });
  afterAll(async () => {
    setConfig(original);
    server.close();
    await closeDataSources();
    await closeRedis();
  });

  const login = (agent: ReturnType<typeof request.agent>, slug: string, idToken: string, header = true) => {
    const r = agent.post(`/api/t/${slug}/session`).set('Host', 'localhost');
    if (header) r.set('X-Requested-With', 'tsunagu');
    return r.send({ idToken });
  };

  it('opens a session bound to the tenant and resident from a verified token', async () => {
    const agent = request.agent(testApp());
    const res = await login(
      agent,
      a.tenant.slug,
      fakeToken({ sub: RESIDENT, aud: '2000000001', name: '赤磐 太郎' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.resident.channel).toBe('test');
    expect(verifyCalls.at(-1)).toMatchObject({ client_id: '2000000001' });
    const me = await agent.get(`/api/t/${a.tenant.slug}/me`).set('Host', 'localhost');
    expect(me.status).toBe(200);
    expect(me.body.resident).toMatchObject({ displayName: '赤磐 太郎', friendStatus: 'unknown' });
    // The name is stored encrypted.
    const raw = await withTenant(a.tenant.id, (m) =>
      m.query('select display_name from resident where line_user_id = $1', [RESIDENT]),
    );
    expect(raw[0].display_name).toMatch(/^v1:/);
    // The same cookie means nothing on another tenant.
    const other = await agent.get(`/api/t/${b.tenant.slug}/me`).set('Host', 'localhost');
    expect(other.status).toBe(401);
    const audit = await withTenant(a.tenant.id, (m) =>
      m.query("select actor_type, outcome from audit_log where action = 'resident.login'"),
    );
    expect(audit).toEqual([{ actor_type: 'resident', outcome: 'success' }]);
  });

  it('refuses a token of another tenant’s login channel, an expired one, and a request without the custom header', async () => {
    const agent = request.agent(testApp());
    const otherCity = await login(agent, a.tenant.slug, fakeToken({ sub: RESIDENT, aud: '2000000002' }));
    expect(otherCity.status).toBe(401);
    expect(otherCity.body.title).toContain('LINE公式アカウントからページを開いてください');
    expect(
      (await login(agent, a.tenant.slug, fakeToken({ sub: RESIDENT, aud: '2000000001', expired: true })))
        .status,
    ).toBe(401);
    expect(
      (await login(agent, a.tenant.slug, fakeToken({ sub: RESIDENT, aud: '2000000001' }), false)).status,
    ).toBe(403);
    expect((await agent.get(`/api/t/${a.tenant.slug}/me`).set('Host', 'localhost')).status).toBe(401);
  });
});
