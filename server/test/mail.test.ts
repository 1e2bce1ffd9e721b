import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { setLineConfig } from '../src/platform/line/line-config.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { closeDeliveryQueue, deliveryQueue } from '../src/modules/delivery/delivery.queue.js';
import { startDeliveryWorker, type DeliveryWorker } from '../src/modules/delivery/delivery.worker.js';
import { createInboundSmtp, listenInboundSmtp } from '../src/modules/mail/mail-inbound.smtp.js';
import { AdminClient, createStaff, createTestTenant, type TestTenant } from './helpers.js';
import {
  addResidents,
  configureChannel,
  createLineFriends,
  freshChannelId,
  startLine,
  waitForRuns,
  type LineFixture,
} from './delivery-fixtures.js';

/**
 * Mail-to-LINE (DEL-11) end to end: a real SMTP conversation with the inbound listener, the
 * tenant's allowed senders and rules through the staff API, the delivery it creates sent by the
 * delivery worker to the LINE emulator, and the log of every mail received.
 */
describe('mail-to-LINE', () => {
  const PROD = freshChannelId();
  let line: LineFixture;
  let t: TestTenant;
  let admin: AdminClient;
  let staff: AdminClient;
  let worker: DeliveryWorker;
  let smtp: { port: number; close: () => Promise<void> };
  let address: string;
  let north: string[] = [];
  let south: string[] = [];
  let ruleId: string;

  const BODY = [
    '本日15時、市内全域に大雨警報が発表されました。',
    '',
    '',
    '',
    '河川や用水路には近づかないでください。',
    '----- 配信停止・登録変更 -----',
    'https://example.jp/unsubscribe?id=abc',
  ].join('\n');
  const EXPECTED = [
    '【大雨警報の発表について】',
    '本日15時、市内全域に大雨警報が発表されました。',
    '',
    '河川や用水路には近づかないでください。',
    '',
    '豊明市 防災担当（このメッセージへの返信はできません）',
  ].join('\n');

  function send(from: string, subject: string, text: string, messageId?: string) {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false });
    return transport.sendMail({ from, to: address, subject, text, ...(messageId ? { messageId } : {}) });
  }

  async function talk(userId: string): Promise<string[]> {
    const res = await line.admin<{ messages: Array<{ message: { type: string; text?: string } }> }>(
      'GET',
      `/channels/${PROD}/users/${userId}/messages?from=bot`,
    );
    return res.messages.map((m) => m.message.text ?? m.message.type);
  }

  async function logRows() {
    return withTenant(t.tenant.id, (m) =>
      m.query(
        `select outcome, from_address as "from", rule_name as "ruleName", delivery_id as "deliveryId", error
           from mail_inbound_log order by received_at`,
      ),
    ) as Promise<
      Array<{ outcome: string; from: string; ruleName: string; deliveryId: string; error: string }>
    >;
  }

  beforeAll(async () => {
    line = await startLine([{ channelId: PROD, token: `token-${PROD}` }]);
    setLineConfig({ apiBaseUrl: line.emu.url, dataApiBaseUrl: line.emu.url, requestTimeoutMs: 3000 });
    await deliveryQueue().obliterate({ force: true });
    t = await createTestTenant('ml', ['ka', 'kb']);
    await configureChannel(t.tenant.id, 'production', PROD, `token-${PROD}`);
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    const s = await createStaff(t.tenant.id, { role: 'staff', orgIds: [t.orgs.ka!] });
    staff = AdminClient.forTenant(t.tenant);
    expect((await staff.login(s.loginId)).status).toBe(200);

    // Friends in 北部 and 南部; the rule's segment is 北部.
    const item = await admin.post('/api/attributes', {
      code: 'area',
      kind: 'single',
      label: 'お住まいの地域',
      config: {
        options: [
          { code: 'north', label: '北部' },
          { code: 'south', label: '南部' },
        ],
      },
    });
    expect(item.status, JSON.stringify(item.body)).toBe(201);
    const users = await createLineFriends(line, PROD, 5);
    north = users.slice(0, 3);
    south = users.slice(3);
    const ids = await addResidents(t.tenant.id, 'production', users);
    for (const [i, id] of ids.entries()) {
      const res = await admin.put(`/api/attributes/residents/${id}`, {
        values: { area: i < 3 ? 'north' : 'south' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const seg = await admin.post('/api/segments', {
      name: '北部の友だち',
      organisationId: t.orgs.ka,
      definition: { type: 'option', item: 'area', op: 'in', codes: ['north'] },
    });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);

    expect((await admin.post('/api/mail/senders', { pattern: 'Bousai@City.Example.jp' })).status).toBe(201);
    const rule = await admin.post('/api/mail/rules', {
      name: '大雨・洪水の警報',
      organisationId: t.orgs.ka,
      subjectContains: '警報',
      cutMarker: '----- 配信停止',
      footer: '豊明市 防災担当（このメッセージへの返信はできません）',
      target: { type: 'segment', segmentId: seg.body.id },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    ruleId = rule.body.rules[0].id;
    const settings = await admin.get('/api/mail/settings');
    address = settings.body.inboundAddress;
    expect(address).toMatch(new RegExp(`^${t.tenant.slug}-[a-z0-9]{20}@`));

    smtp = await listenInboundSmtp(createInboundSmtp({ maxBytes: 256 * 1024 }), 0, '127.0.0.1');
    worker = await startDeliveryWorker({ concurrency: 2, sweepIntervalMs: 3_600_000 });
  });

  afterAll(async () => {
    await worker?.close();
    await smtp?.close();
    await closeDeliveryQueue();
    setLineConfig(undefined);
    await line?.emu.close();
    await closeDataSources();
    await closeRedis();
  });

  it('a mail from an allowed sender reaches the segment, cut at the marker, with the footer', async () => {
    const info = await send('防災担当 <bousai@city.example.jp>', '大雨警報の発表について', BODY);
    expect(info.accepted).toEqual([address]);
    const [log] = await logRows();
    expect(log).toMatchObject({ outcome: 'delivered', ruleName: '大雨・洪水の警報' });
    const [run] = await waitForRuns(t.tenant.id, log!.deliveryId);
    expect(run).toMatchObject({ status: 'sent', recipient_count: 3 });
    for (const u of north) expect(await talk(u)).toEqual([EXPECTED]);
    for (const u of south) expect(await talk(u)).toEqual([]);
  });

  it('the same mail delivered again (same Message-ID) sends nothing twice', async () => {
    const id = '<resend-1@city.example.jp>';
    await send('bousai@city.example.jp', '洪水警報', '本文', id);
    await send('bousai@city.example.jp', '洪水警報', '本文', id);
    const rows = (await logRows()).filter((r) => r.outcome === 'delivered');
    expect(rows).toHaveLength(2);
    await waitForRuns(t.tenant.id, rows[1]!.deliveryId);
    for (const u of north) expect(await talk(u)).toHaveLength(2);
  });

  it('a mail from any other sender is refused at SMTP, sends nothing and is logged as refused', async () => {
    const before = await withTenant(t.tenant.id, (m) => m.query('select count(*)::int as n from delivery'));
    await expect(send('someone@evil.example', '大雨警報', '偽の警報です')).rejects.toMatchObject({
      responseCode: 550,
    });
    const refused = (await logRows()).filter((r) => r.outcome === 'refused_sender');
    expect(refused).toEqual([expect.objectContaining({ from: 'someone@evil.example', deliveryId: null })]);
    const after = await withTenant(t.tenant.id, (m) => m.query('select count(*)::int as n from delivery'));
    expect(after).toEqual(before);
    for (const u of [...north, ...south]) expect((await talk(u)).join()).not.toContain('偽の警報');
  });

  it('a mail no rule matches is logged; an unknown address is refused before the data', async () => {
    await send('bousai@city.example.jp', '定例のお知らせ', '警報ではありません');
    expect((await logRows()).at(-1)).toMatchObject({ outcome: 'no_rule' });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false });
    await expect(
      transport.sendMail({
        from: 'bousai@city.example.jp',
        to: address.replace(/-[a-z0-9]+@/, '-0000000000000000000a@'),
        subject: '大雨警報',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it('a segment a rule sends to cannot be deleted; if it is gone anyway, the mail is logged as failed', async () => {
    const rules = (await admin.get('/api/mail/settings')).body.rules as Array<{
      target: { segmentId: string };
    }>;
    const segId = rules[0]!.target.segmentId;
    const del = await admin.delete(`/api/segments/${segId}`);
    expect(del.status).toBe(409);
    expect(del.body.title).toContain('メール連携ルール「大雨・洪水の警報」');
    // Removed behind the API's back (an operator's SQL): the mail cannot be sent, and says why.
    await withTenant(t.tenant.id, (m) => m.query('delete from segment where id = $1', [segId]));
    await send('bousai@city.example.jp', '大雨警報（続報）', '続報です');
    const last = (await logRows()).at(-1)!;
    expect(last.outcome).toBe('failed');
    expect(last.error).toBe('配信を作成できませんでした: 配信先のセグメントが見つかりません');
  });

  it('only administrators change senders and rules; staff with the feature read the log', async () => {
    expect((await staff.post('/api/mail/senders', { pattern: '@example.org' })).status).toBe(403);
    expect((await staff.delete(`/api/mail/rules/${ruleId}`)).status).toBe(403);
    const log = await admin.get('/api/mail/log?outcome=refused_sender');
    expect(log.status).toBe(200);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0].subject).toBe('大雨警報');
  });
});
