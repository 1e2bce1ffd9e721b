import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { gatewayFor } from '../src/modules/line/gateways.js';
import { createTestTenant, type TestTenant } from './helpers.js';

describe('tenant gateways', () => {
  let t: TestTenant;
  let server: http.Server;
  const seen: Array<{ auth?: string; retryKey?: string; path?: string }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({
          auth: req.headers.authorization,
          retryKey: req.headers['x-line-retry-key'] as string,
          path: req.url,
        });
        res
          .writeHead(200, { 'content-type': 'application/json', 'x-line-request-id': 'req-' + seen.length })
          .end('{"sentMessages":[{"id":"1","quoteToken":"q"}]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    setLineConfig({ apiBaseUrl: base, dataApiBaseUrl: base, requestTimeoutMs: 2000 });
    t = await createTestTenant('gw');
    await withTenant(t.tenant.id, (m) =>
      saveChannel(m, t.tenant.id, 'test', {
        channelId: String(1700000000 + Math.floor(Math.random() * 1e8)),
        channelSecret: 'gw-secret',
        accessToken: 'gw-access-token',
        botUserId: null,
        loginChannelId: null,
        liffId: null,
        forwardUrl: null,
      }),
    );
  });
  afterAll(async () => {
    setLineConfig(undefined);
    server.close();
    await closeDataSources();
    await closeRedis();
  });

  it('sends with the tenant channel’s token and records the send, without recipients or text', async () => {
    const gw = await gatewayFor(t.tenant.id, 'test');
    const retryKey = randomUUID();
    const to = 'U' + 'c'.repeat(32);
    const out = await gw.push(to, [{ type: 'text', text: '明日は燃えるごみの日です' }], {
      retryKey,
      ref: 'test:push',
    });
    expect(out.status).toBe('sent');
    expect(seen.at(-1)).toMatchObject({
      auth: 'Bearer gw-access-token',
      retryKey,
      path: '/v2/bot/message/push',
    });
    const log = await withTenant(t.tenant.id, (m) => m.query('select * from line_send_log'));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      channel_kind: 'test',
      endpoint: 'push',
      retry_key: retryKey,
      status: 'sent',
      recipients: 1,
      ref: 'test:push',
    });
    expect(JSON.stringify(log[0])).not.toContain(to);
    expect(JSON.stringify(log[0])).not.toContain('燃える');
    await expect(withTenant(t.tenant.id, (m) => m.query('delete from line_send_log'))).rejects.toThrow(
      /permission denied/,
    );
  });

  it('a tenant without that channel gets a clear refusal', async () => {
    await expect(gatewayFor(t.tenant.id, 'production')).rejects.toThrow('LINEチャネルが設定されていません');
  });
});
