/**
 * Demo LINE wiring (idempotent): gives every tenant a test channel on the LINE emulator, stored
 * like a real one (secrets encrypted with the tenant key), and writes the emulator's channel file
 * (.data/emulator-channels.json, git-ignored) so the emulator knows the same secrets, webhook URLs
 * and LIFF apps. Real channels are set in the vendor console instead.
 * Usage: tsx scripts/demo-line.ts <api origin> <output file>
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { closeDataSources, withOps } from '../server/src/platform/db/data-sources.js';
import { withTenant } from '../server/src/platform/db/tenant-context.js';
import { findChannel, saveChannel } from '../server/src/modules/line/channels.service.js';

const origin = process.argv[2] ?? 'http://localhost:3000';
const out = process.argv[3] ?? path.resolve(import.meta.dirname, '../.data/emulator-channels.json');

const tenants: Array<{ id: string; slug: string; name_ja: string }> = await withOps((m) =>
  m.query('select id, slug, name_ja from tenant order by slug'),
);
const channels = [];
for (const [i, t] of tenants.entries()) {
  const channel = await withTenant(t.id, async (m) => {
    const existing = await findChannel(m, 'test');
    if (existing) return existing;
    const login = String(2990000000 + i);
    await saveChannel(m, t.id, 'test', {
      channelId: String(1990000000 + i),
      channelSecret: randomBytes(16).toString('hex'),
      accessToken: randomBytes(32).toString('base64url'),
      botUserId: 'U' + createHash('sha256').update(`bot:${t.slug}`).digest('hex').slice(0, 32),
      loginChannelId: login,
      liffId: `${login}-${t.slug}`,
      forwardUrl: null,
    });
    return (await findChannel(m, 'test'))!;
  });
  channels.push({
    channelId: channel.channelId,
    channelSecret: channel.channelSecret,
    channelAccessToken: channel.accessToken,
    botUserId: channel.botUserId ?? undefined,
    name: `${t.name_ja}（テスト）`,
    webhookUrl: `${origin}/webhook/${t.slug}/test`,
    loginChannelId: channel.loginChannelId ?? undefined,
    liffApps: channel.liffId ? [{ liffId: channel.liffId, url: `${origin}/t/${t.slug}/?channel=test` }] : [],
  });
}
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ channels }, null, 2), { mode: 0o600 });
console.log(`test channels ready for ${channels.length} tenants (${path.relative(process.cwd(), out)})`);
await closeDataSources();
