/**
 * Demo LINE wiring (idempotent): gives every tenant a test channel on the LINE emulator, stored
 * like a real one (secrets encrypted with the tenant key), and writes the emulator's channel file
 * (.data/emulator-channels.json, git-ignored) so the emulator knows the same secrets, webhook URLs
 * and LIFF apps. Real channels are set in the vendor console instead.
 * It also gives every test account a few dozen demo friends (the same ones at every start: the
 * emulator creates them from the file, the database keeps their resident rows) with 受信設定
 * answers, so segments, the friends list and deliveries have people in them in the demo.
 * `DEMO_FRIENDS=0` leaves them out (the browser tests make their own friends).
 * Usage: tsx scripts/demo-line.ts <api origin> <output file>
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { closeDataSources, withOps } from '../server/src/platform/db/data-sources.js';
import { withTenant } from '../server/src/platform/db/tenant-context.js';
import { findChannel, saveChannel } from '../server/src/modules/line/channels.service.js';
import {
  recordFollow,
  recordUnfollow,
  RESIDENT_NAME_PURPOSE,
} from '../server/src/modules/line/residents.service.js';
import { encryptField } from '../server/src/platform/crypto/tenant-keys.js';
import { seedDemoResidentValues } from '../server/src/modules/attributes/seed.js';

const origin = process.argv[2] ?? 'http://localhost:3000';
const out = process.argv[3] ?? path.resolve(import.meta.dirname, '../.data/emulator-channels.json');

const demoFriends = Number(process.env.DEMO_FRIENDS ?? 30);
const FAMILY = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤'];
const GIVEN = ['花子', '太郎', '陽菜', '蓮', '結衣', '大翔', '美咲', '悠真', '葵', '湊', '凛', '樹'];

/** The same demo friends at every start: ids and names derived from the city and a number. */
function demoUsers(slug: string) {
  return Array.from({ length: demoFriends }, (_, i) => {
    const hash = createHash('sha256').update(`demo-friend:${slug}:${i}`).digest('hex');
    return {
      userId: `U${hash.slice(0, 32)}`,
      displayName: `${FAMILY[i % FAMILY.length]} ${GIVEN[(i * 7) % GIVEN.length]}`,
      // Friends for 1 to 120 days; every tenth one has blocked the account since.
      followedDaysAgo: 1 + ((parseInt(hash.slice(32, 36), 16) % 120) >>> 0),
      blocked: i % 10 === 9,
    };
  });
}

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
  const users = demoUsers(t.slug);
  const seeded = await withTenant(t.id, async (m) => {
    const day = 86_400_000;
    for (const u of users) {
      const known: unknown[] = await m.query(
        `select 1 from resident where channel_kind = 'test' and line_user_id = $1`,
        [u.userId],
      );
      if (known.length) continue;
      const followed = new Date(Date.now() - u.followedDaysAgo * day);
      await recordFollow(m, 'test', u.userId, followed);
      if (u.blocked) await recordUnfollow(m, 'test', u.userId, new Date(followed.getTime() + day / 2));
      await m.query(
        `update resident set display_name = $2, profile_fetched_at = now() where channel_kind = 'test' and line_user_id = $1`,
        [u.userId, await encryptField(u.displayName, RESIDENT_NAME_PURPOSE)],
      );
    }
    // 受信設定 answers for the demo friends who have none (derived from their ids).
    return seedDemoResidentValues(m, t.id);
  });
  if (seeded) console.log(`${t.slug}: ${seeded} demo friends answered 受信設定`);
  channels.push({
    users: users.filter((u) => !u.blocked).map((u) => ({ userId: u.userId, displayName: u.displayName })),
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
