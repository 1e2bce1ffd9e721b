/**
 * Demo data for the five tenants (idempotent): an administrator and staff of each role in the
 * city's departments, two teams, organisation-owned forms (a 市民満足度調査 with answers, in
 * Toyonaka also a パブリックコメント), and one vendor support account.
 * Every city's demo password is `<Slug>-demo-2026` (Akaiwa-demo-2026…). Demo accounts skip the forced first-login password change so a reviewer can log straight in;
 * real accounts are created through the console or CSV and must change their password.
 * Usage: tsx scripts/seed-demo.ts
 */
import { withOps, closeDataSources } from '../server/src/platform/db/data-sources.js';
import { withTenant } from '../server/src/platform/db/tenant-context.js';
import { hashPassword } from '../server/src/platform/auth/passwords.js';
import { appendToChain } from '../server/src/platform/audit/audit-chain.js';
import { seedDemoResidentValues, seedTenantAttributes } from '../server/src/modules/attributes/seed.js';
import { seedDemoForms } from '../server/src/modules/forms/demo-seed.js';

/** Each city's demo accounts have their own password, so one city's credentials fail at another. */
export function demoStaffPassword(slug: string): string {
  return `${slug[0]!.toUpperCase()}${slug.slice(1)}-demo-2026`;
}
const VENDOR_PASSWORD = process.env.DEMO_VENDOR_PASSWORD ?? 'Tsunagu-vendor-2026';

const tenants: Array<{ id: string; slug: string; nameJa: string; modules: string[] }> = await withOps((m) =>
  m.query('select id, slug, name_ja as "nameJa", modules from tenant order by slug'),
);

for (const t of tenants) {
  const staffHash = await hashPassword(demoStaffPassword(t.slug));
  await withTenant(t.id, async (m) => {
    const orgs: Array<{ id: string; code: string; name: string }> = await m.query(
      'select id, code, name from organisation order by sort_order, code',
    );
    const [orgA, orgB] = orgs;
    const teams = [
      { name: '広報チーム', features: ['delivery', 'segments', 'richmenu', 'stats'] },
      { name: '窓口チーム', features: ['forms', 'reservations', 'applications', 'reports'] },
    ];
    const teamIds: Record<string, string> = {};
    for (const team of teams) {
      const features = team.features.filter((f) => t.modules.includes(f));
      const rows: Array<{ id: string }> = await m.query(
        `insert into team (tenant_id, name, features) values ($1, $2, $3)
         on conflict (tenant_id, name) do update set name = excluded.name returning id`,
        [t.id, team.name, features],
      );
      teamIds[team.name] = rows[0]!.id;
    }
    const people = [
      { loginId: 'admin', name: '管理者 デモ', role: 'administrator', org: orgA, team: null },
      { loginId: 'staff01', name: '山田 花子', role: 'staff', org: orgA, team: '広報チーム' },
      { loginId: 'staff02', name: '佐藤 太郎', role: 'staff', org: orgB, team: '窓口チーム' },
      { loginId: 'itaku01', name: '委託 運用担当', role: 'operator', org: orgA, team: '広報チーム' },
      { loginId: 'etsuran01', name: '閲覧 担当', role: 'viewer', org: orgB, team: '窓口チーム' },
    ] as const;
    for (const p of people) {
      const rows: Array<{ id: string }> = await m.query(
        `insert into staff_account (tenant_id, login_id, display_name, role, password_hash, must_change_password, email)
         values ($1, $2, $3, $4, $5, false, $6)
         on conflict (tenant_id, lower(login_id)) do nothing returning id`,
        [t.id, p.loginId, p.name, p.role, staffHash, `${p.loginId}@${t.slug}.example.jp`],
      );
      const id = rows[0]?.id;
      if (!id) continue;
      if (p.org) {
        await m.query(
          'insert into staff_membership (tenant_id, staff_id, organisation_id) values ($1, $2, $3)',
          [t.id, id, p.org.id],
        );
      }
      if (p.team) {
        await m.query('insert into staff_team (tenant_id, staff_id, team_id) values ($1, $2, $3)', [
          t.id,
          id,
          teamIds[p.team],
        ]);
      }
      await appendToChain(
        m,
        { name: 'audit_log', tenantId: t.id },
        {
          actorType: 'system',
          actorLabel: 'デモデータ投入',
          action: 'staff.create',
          outcome: 'success',
          targetType: 'staff',
          targetId: id,
          detail: { loginId: p.loginId, role: p.role, via: 'seed-demo' },
        },
      );
    }
    const existingForms: Array<{ n: number }> = await m.query('select count(*)::int as n from form');
    if (existingForms[0]!.n === 0 && orgA && orgB) {
      // Drafts each department is working on (the published survey with answers comes below).
      const forms = [
        { org: orgA, title: '広報紙の読まれ方に関する調査', status: 'draft' },
        { org: orgB, title: '窓口サービス改善アンケート', status: 'draft' },
      ];
      for (const f of forms) {
        await m.query(
          'insert into form (tenant_id, organisation_id, title, status) values ($1, $2, $3, $4)',
          [t.id, f.org.id, f.title, f.status],
        );
      }
    }
  });
  console.log(`${t.slug}: demo staff and forms ready`);
  // The city's attribute items and 受信設定 forms (tenants/attributes/<slug>.yaml), and answers for
  // demo friends who have none yet.
  const attributes = await withTenant(t.id, async (m) => ({
    seeded: await seedTenantAttributes(m, t.id, t.slug),
    residents: await seedDemoResidentValues(m, t.id),
  }));
  if (attributes.seeded)
    console.log(
      `${t.slug}: attributes +${attributes.seeded.itemsCreated.length} items, +${attributes.seeded.formsCreated.length} forms, ${attributes.residents} demo residents answered`,
    );
}

// Each city's 市民満足度調査 with answers (Toyonaka also a パブリックコメント), submitted through the
// forms module's own submission path; forms that exist already are left alone. The cities are
// independent (one transaction each), so they are seeded side by side.
const formsStarted = Date.now();
await Promise.all(
  tenants
    .filter((t) => t.modules.includes('forms'))
    .map(async (t) => {
      const started = Date.now();
      const forms = await withTenant(t.id, (m) => seedDemoForms(m, t));
      if (forms.created.length)
        console.log(
          `${t.slug}: demo forms ${forms.created.join(', ')} with ${forms.responses} responses (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
    }),
);
console.log(`demo forms ready (${((Date.now() - formsStarted) / 1000).toFixed(1)} s)`);

await withOps(async (m) => {
  await m.query(
    `insert into vendor_account (login_id, display_name, password_hash, must_change_password)
     values ('support', 'サポート デモ', $1, false)
     on conflict (lower(login_id)) do nothing`,
    [await hashPassword(VENDOR_PASSWORD)],
  );
});
console.log('vendor support account ready (login id: support)');
await closeDataSources();
