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
import { downloadContent, fetchProfile } from '../src/modules/line/follow-ups.jobs.js';
import { LocalDiskStorage, setStorage } from '../src/platform/storage/storage.js';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestTenant, type TestTenant } from './helpers.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('tenant gateways', () => {
  let t: TestTenant;
  let server: http.Server;
  const seen: Array<{ auth?: string; retryKey?: string; path?: string }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/v2/bot/profile/')) {
          const known = req.url.endsWith('c'.repeat(32));
          res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
          res.end(
            known
              ? JSON.stringify({ userId: 'U' + 'c'.repeat(32), displayName: '桑名 花子', language: 'ja' })
              : '{"message":"Not found"}',
          );
          return;
        }
        if (req.url === '/v2/bot/message/4711/content') {
          res.writeHead(200, { 'content-type': 'image/jpeg' }).end(PNG);
          return;
        }
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

  it('copies a resident’s image into our storage once, typed by its bytes, and fetches a new friend’s profile', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'content-'));
    setStorage(new LocalDiskStorage(dir));
    try {
      const job = {
        tenantId: t.tenant.id,
        channelKind: 'test' as const,
        userId: 'U' + 'c'.repeat(32),
        messageId: '4711',
        messageType: 'image' as const,
      };
      expect(await downloadContent(job)).toBe('stored');
      expect(await downloadContent(job)).toBe('already');
      const row = await withTenant(t.tenant.id, (m) =>
        m.query('select storage_key, content_type, size_bytes from line_content'),
      );
      expect(row).toHaveLength(1);
      expect(row[0]).toMatchObject({ content_type: 'image/png', size_bytes: PNG.length });
      expect((await new LocalDiskStorage(dir).get(row[0].storage_key))?.data).toEqual(PNG);

      await withTenant(t.tenant.id, (m) =>
        m.query(
          "insert into resident (tenant_id, channel_kind, line_user_id, friend_status) values ($1, 'test', $2, 'friend')",
          [t.tenant.id, job.userId],
        ),
      );
      expect(await fetchProfile({ tenantId: t.tenant.id, channelKind: 'test', userId: job.userId })).toBe(
        'updated',
      );
      const r = await withTenant(t.tenant.id, (m) =>
        m.query('select display_name, language from resident where line_user_id = $1', [job.userId]),
      );
      expect(r[0].display_name).toMatch(/^v1:/);
      expect(r[0].language).toBe('ja');
      expect(
        await fetchProfile({ tenantId: t.tenant.id, channelKind: 'test', userId: 'U' + 'd'.repeat(32) }),
      ).toBe('gone');
    } finally {
      setStorage(undefined);
    }
  });
});
