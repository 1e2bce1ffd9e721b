import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources, withOps } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { saveChannel } from '../src/modules/line/channels.service.js';
import { lineSignature } from '../src/modules/line/signature.js';
import { forwardEvents, processUserEvents } from '../src/modules/line/events.jobs.js';
import { Worker } from 'bullmq';
import {
  closeLineEventsQueue,
  LINE_EVENTS_QUEUE,
  type ProcessUserEventsJob,
} from '../src/modules/line/line-queue.js';
import { queueConnection } from '../src/platform/queue/queues.js';
import { createTestTenant, testApp, type TestTenant } from './helpers.js';

const BOT = 'U00000000000000000000000000000000';
const VECTOR_BODY = '{"destination":"U00000000000000000000000000000000","events":[]}';
const VECTOR_SIG = 'ELnyFCUVWa5oREVSj/VI6gaCRZNQ+63oBuDec55Hs/A=';
const user = (n: number) => `U${n.toString(16).padStart(32, '0')}`;
let seq = 0;
function event(type: string, userId: string, timestamp: number, extra: Record<string, unknown> = {}) {
  seq += 1;
  return {
    type,
    mode: 'active',
    timestamp,
    webhookEventId: `01HZZZZZZZZZZZZZZZZZZ${String(seq).padStart(5, '0')}`,
    source: { type: 'user', userId },
    deliveryContext: { isRedelivery: false },
    ...extra,
  };
}

describe('LINE webhooks', () => {
  let a: TestTenant;
  let b: TestTenant;
  const post = (slug: string, body: string, signature?: string, path = '') => {
    const r = request(testApp())
      .post(`/webhook/${slug}${path}`)
      .set('Host', 'localhost')
      .set('Content-Type', 'application/json');
    if (signature !== undefined) r.set('x-line-signature', signature);
    return r.send(body);
  };
  const signedPost = (t: TestTenant, events: unknown[], secret = 'testsecret', path = '') => {
    const body = JSON.stringify({ destination: BOT, events });
    return post(t.tenant.slug, body, lineSignature(secret, body), path);
  };
  const stored = (t: TestTenant) =>
    withTenant(t.tenant.id, (m) =>
      m.query('select webhook_event_id, status, event_type from webhook_event order by id'),
    );

  beforeAll(async () => {
    a = await createTestTenant('wha');
    b = await createTestTenant('whb');
    await withTenant(a.tenant.id, (m) =>
      saveChannel(m, a.tenant.id, 'production', {
        channelId: String(1000000000 + Math.floor(Math.random() * 1e8)),
        channelSecret: 'testsecret',
        accessToken: 'token-a-production',
        botUserId: BOT,
        loginChannelId: null,
        liffId: null,
        forwardUrl: null,
      }),
    );
    await withTenant(a.tenant.id, (m) =>
      saveChannel(m, a.tenant.id, 'test', {
        channelId: String(2000000000 + Math.floor(Math.random() * 1e8)),
        channelSecret: 'test-channel-secret-a',
        accessToken: 'token-a-test',
        botUserId: null,
        loginChannelId: null,
        liffId: null,
        forwardUrl: null,
      }),
    );
    await withTenant(b.tenant.id, (m) =>
      saveChannel(m, b.tenant.id, 'production', {
        channelId: String(3000000000 + Math.floor(Math.random() * 1e8)),
        channelSecret: 'secret-of-tenant-b',
        accessToken: 'token-b',
        botUserId: BOT,
        loginChannelId: null,
        liffId: null,
        forwardUrl: null,
      }),
    );
  });
  afterAll(async () => {
    await closeLineEventsQueue();
    await closeDataSources();
    await closeRedis();
  });

  it('accepts the signed test vector (console verify: no events)', async () => {
    const res = await post(a.tenant.slug, VECTOR_BODY, VECTOR_SIG);
    expect(res.status).toBe(200);
  });

  it('refuses a changed byte, a missing signature and another tenant’s secret with 401, storing nothing', async () => {
    const body = JSON.stringify({ destination: BOT, events: [event('follow', user(1), Date.now())] });
    const sig = lineSignature('testsecret', body);
    const changed = body.replace('follow', 'folloW');
    expect((await post(a.tenant.slug, changed, sig)).status).toBe(401);
    expect((await post(a.tenant.slug, body)).status).toBe(401);
    expect((await post(a.tenant.slug, body, lineSignature('secret-of-tenant-b', body))).status).toBe(401);
    // The test channel has its own secret: the production one does not open it.
    expect((await post(a.tenant.slug, body, sig, '/test')).status).toBe(401);
    expect(await stored(a)).toEqual([]);
    expect((await post('no-such-city', body, sig)).status).toBe(404);
  });

  it('stores once, processes once: a redelivered or duplicated event changes nothing', async () => {
    const follow = event('follow', user(2), Date.now(), { replyToken: 'r1', follow: { isUnblocked: false } });
    expect((await signedPost(a, [follow])).status).toBe(200);
    const redelivered = { ...follow, deliveryContext: { isRedelivery: true } };
    expect((await signedPost(a, [redelivered])).status).toBe(200);
    expect((await signedPost(a, [follow])).status).toBe(200);
    const rows = (await stored(a)).filter(
      (r: { webhook_event_id: string }) => r.webhook_event_id === follow.webhookEventId,
    );
    expect(rows).toHaveLength(1);
    const first = await processUserEvents({
      tenantId: a.tenant.id,
      channelKind: 'production',
      userId: user(2),
    });
    const again = await processUserEvents({
      tenantId: a.tenant.id,
      channelKind: 'production',
      userId: user(2),
    });
    expect(first.processed).toBe(1);
    expect(first.followUps).toEqual([
      { name: 'fetch-profile', data: { tenantId: a.tenant.id, channelKind: 'production', userId: user(2) } },
    ]);
    expect(again.processed).toBe(0);
    const resident = await withTenant(a.tenant.id, (m) =>
      m.query('select friend_status, first_followed_at from resident where line_user_id = $1', [user(2)]),
    );
    expect(resident).toHaveLength(1);
    expect(resident[0].friend_status).toBe('friend');
  });

  it('applies follow/unfollow by event time, whatever order they arrive in', async () => {
    const u = user(3);
    const t0 = Date.now() - 60_000;
    const followEv = event('follow', u, t0);
    const unfollowEv = event('unfollow', u, t0 + 10_000);
    const refollow = event('follow', u, t0 + 20_000);
    // Unfollow arrives and is processed first, then the older follow, then the newest follow.
    await signedPost(a, [unfollowEv]);
    await processUserEvents({ tenantId: a.tenant.id, channelKind: 'production', userId: u });
    await signedPost(a, [followEv]);
    await processUserEvents({ tenantId: a.tenant.id, channelKind: 'production', userId: u });
    let r = await withTenant(a.tenant.id, (m) =>
      m.query('select * from resident where line_user_id = $1', [u]),
    );
    expect(r[0].friend_status).toBe('blocked');
    expect(new Date(r[0].first_followed_at).getTime()).toBe(t0);
    expect(new Date(r[0].blocked_since).getTime()).toBe(t0 + 10_000);
    await signedPost(a, [refollow]);
    await processUserEvents({ tenantId: a.tenant.id, channelKind: 'production', userId: u });
    r = await withTenant(a.tenant.id, (m) => m.query('select * from resident where line_user_id = $1', [u]));
    expect(r[0].friend_status).toBe('friend');
    expect(r[0].blocked_since).toBeNull();
    expect(new Date(r[0].first_followed_at).getTime()).toBe(t0);
  });

  it('keeps event payloads encrypted at rest', async () => {
    const msg = event('message', user(4), Date.now(), {
      message: { type: 'text', id: '1', text: '住所は赤磐市下市344です' },
    });
    await signedPost(a, [msg]);
    const raw = await withTenant(a.tenant.id, (m) =>
      m.query('select payload from webhook_event where webhook_event_id = $1', [msg.webhookEventId]),
    );
    expect(raw[0].payload).toMatch(/^v1:/);
    expect(raw[0].payload).not.toContain('赤磐');
  });

  it('forwards events it does not handle to the external bot, re-signed with the channel secret (PLAT-10)', async () => {
    const received: Array<{ body: string; signature: string | undefined }> = [];
    const bot = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-line-signature'] as string | undefined });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => bot.listen(0, '127.0.0.1', r));
    const port = (bot.address() as AddressInfo).port;
    try {
      await withTenant(b.tenant.id, (m) =>
        m.query(`update line_channel set forward_url = $1 where kind = 'production'`, [
          `http://127.0.0.1:${port}/bot`,
        ]),
      );
      const u = user(5);
      const msg = event('message', u, Date.now(), {
        message: { type: 'text', id: '2', text: 'ごみの日は？' },
      });
      const follow = event('follow', u, Date.now() - 1000);
      await signedPost(b, [follow, msg], 'secret-of-tenant-b');
      const out = await processUserEvents({ tenantId: b.tenant.id, channelKind: 'production', userId: u });
      expect(out.forward).toHaveLength(1);
      expect(
        await forwardEvents({ tenantId: b.tenant.id, channelKind: 'production', eventIds: out.forward }),
      ).toBe(1);
      expect(received).toHaveLength(1);
      const body = JSON.parse(received[0]!.body);
      expect(body.events.map((e: { webhookEventId: string }) => e.webhookEventId)).toEqual([
        msg.webhookEventId,
      ]);
      expect(received[0]!.signature).toBe(lineSignature('secret-of-tenant-b', received[0]!.body));
      // Forwarded once: a repeated job sends nothing.
      expect(
        await forwardEvents({ tenantId: b.tenant.id, channelKind: 'production', eventIds: out.forward }),
      ).toBe(0);
      expect(received).toHaveLength(1);
    } finally {
      bot.close();
    }
  });

  it('a suspended tenant’s webhooks are still answered 200 and stored, but held', async () => {
    await withOps((m) => m.query(`update tenant set status = 'suspended' where id = $1`, [a.tenant.id]));
    try {
      const ev = event('follow', user(6), Date.now());
      expect((await signedPost(a, [ev])).status).toBe(200);
      const rows = (await stored(a)).filter(
        (r: { webhook_event_id: string }) => r.webhook_event_id === ev.webhookEventId,
      );
      expect(rows).toEqual([{ webhook_event_id: ev.webhookEventId, status: 'held', event_type: 'follow' }]);
      expect(
        (await processUserEvents({ tenantId: a.tenant.id, channelKind: 'production', userId: user(6) }))
          .processed,
      ).toBe(0);
    } finally {
      await withOps((m) => m.query(`update tenant set status = 'active' where id = $1`, [a.tenant.id]));
    }
  });

  it('end to end through the queue: the 200 answer comes first, the worker then records the friend', async () => {
    const worker = new Worker(
      LINE_EVENTS_QUEUE,
      (job) => processUserEvents(job.data as ProcessUserEventsJob),
      {
        connection: queueConnection(),
      },
    );
    try {
      const u = user(7);
      expect((await signedPost(a, [event('follow', u, Date.now())])).status).toBe(200);
      let status: string | undefined;
      for (let i = 0; i < 100 && status !== 'friend'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const rows = await withTenant(a.tenant.id, (m) =>
          m.query('select friend_status from resident where line_user_id = $1', [u]),
        );
        status = rows[0]?.friend_status;
      }
      expect(status).toBe('friend');
    } finally {
      await worker.close();
    }
  });
});
