import type { EntityManager } from 'typeorm';
import { containsPattern } from '../../platform/db/sql.js';
import { z } from 'zod';
import { FEATURE_KEYS, isFeatureKey } from '../../contracts/features.js';
import { notFound } from '../../platform/http/errors.js';
import { conflictsAs409 } from '../../platform/db/sql.js';
import { Tenant } from '../../platform/tenancy/tenant.entity.js';
import type { TenantFile } from './tenant-file.js';

/** What the vendor console may set on a tenant. Channels and secrets come with the LINE module. */
export const tenantInput = z.object({
  slug: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9-]{1,30}$/, 'スラッグは半角英小文字で始まる英数字・ハイフン2〜31文字にしてください'),
  nameJa: z.string().trim().min(1, '自治体名を入力してください').max(100),
  nameEn: z.string().trim().min(1, '英語名を入力してください').max(100),
  prefectureJa: z.string().trim().min(2, '都道府県を入力してください').max(10),
  localGovCode: z
    .string()
    .trim()
    .regex(/^[0-9]{6}$/, '全国地方公共団体コードは6桁の数字です'),
  adminSubdomain: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9-]{1,30}$/, 'サブドメインの形式が正しくありません'),
  lineAccountId: z.string().trim().max(50).nullable().default(null),
  modules: z.array(z.string()).refine((ms) => ms.every(isFeatureKey), '不明な機能が含まれています'),
});
export type TenantInput = z.infer<typeof tenantInput>;

function conflictMessage(constraint: string): string {
  if (constraint.includes('slug')) return 'このスラッグはすでに使われています';
  if (constraint.includes('local_gov_code')) return 'この全国地方公共団体コードはすでに登録されています';
  if (constraint.includes('admin_subdomain')) return 'このサブドメインはすでに使われています';
  return '同じ内容の自治体がすでにあります';
}

/** Runs on the ops pool: creates the tenant row and its default security settings. */
export async function createTenant(m: EntityManager, input: TenantInput): Promise<Tenant> {
  return conflictsAs409(m, { unique: conflictMessage }, async () => {
    const t = m.create(Tenant, {
      ...input,
      status: 'active',
      links: [],
      boundary: null,
      modules: [...new Set(input.modules)],
    });
    await m.save(t);
    await m.query('insert into tenant_security (tenant_id) values ($1) on conflict do nothing', [t.id]);
    return t;
  });
}

export async function updateTenant(
  m: EntityManager,
  id: string,
  patch: Partial<TenantInput>,
): Promise<{ before: Tenant; after: Tenant }> {
  const before = await m.findOne(Tenant, { where: { id } });
  if (!before) throw notFound('自治体');
  await conflictsAs409(m, { unique: conflictMessage }, () =>
    m.update(Tenant, { id }, { ...patch, updatedAt: new Date() }),
  );
  return { before, after: await m.findOneOrFail(Tenant, { where: { id } }) };
}

/**
 * Applies the declarative tenant files (tenants/*.yaml): creates missing tenants, updates names,
 * modules, links and boundary of existing ones, and adds departments as organisations. Never
 * deletes anything and never touches status, so a suspended tenant stays suspended. Idempotent.
 */
export async function applyTenantFiles(
  m: EntityManager,
  files: TenantFile[],
): Promise<Array<{ slug: string; action: 'created' | 'updated' | 'unchanged' }>> {
  const results: Array<{ slug: string; action: 'created' | 'updated' | 'unchanged' }> = [];
  for (const f of files) {
    const values = {
      slug: f.slug,
      nameJa: f.name.ja,
      nameEn: f.name.en,
      prefectureJa: f.prefecture,
      localGovCode: f.localGovCode,
      adminSubdomain: f.adminSubdomain,
      lineAccountId: f.lineAccountId ?? null,
      modules: [...f.modules],
      links: f.links ?? [],
      boundary: f.boundary ?? null,
    };
    let t = await m.findOne(Tenant, { where: { slug: f.slug } });
    let action: 'created' | 'updated' | 'unchanged';
    if (!t) {
      t = m.create(Tenant, { ...values, status: 'active' });
      await m.save(t);
      action = 'created';
    } else {
      const current = {
        slug: t.slug,
        nameJa: t.nameJa,
        nameEn: t.nameEn,
        prefectureJa: t.prefectureJa,
        localGovCode: t.localGovCode,
        adminSubdomain: t.adminSubdomain,
        lineAccountId: t.lineAccountId,
        modules: t.modules,
        links: t.links,
        boundary: t.boundary,
      };
      if (JSON.stringify(current) === JSON.stringify(values)) action = 'unchanged';
      else {
        await m.update(Tenant, { id: t.id }, { ...values, updatedAt: new Date() });
        action = 'updated';
      }
    }
    await m.query('insert into tenant_security (tenant_id) values ($1) on conflict do nothing', [t.id]);
    for (const [i, d] of (f.departments ?? []).entries()) {
      const inserted: unknown[] = await m.query(
        `insert into organisation (tenant_id, code, name, sort_order) values ($1, $2, $3, $4)
         on conflict (tenant_id, code) do nothing returning id`,
        [t.id, d.code, d.name, (i + 1) * 10],
      );
      if (inserted.length && action === 'unchanged') action = 'updated';
    }
    results.push({ slug: f.slug, action });
  }
  return results;
}

export const TENANT_SORTS = { slug: 't.slug', nameJa: 't.name_ja', createdAt: 't.created_at' } as const;

/** The vendor console's tenant list with usage figures, paged and sorted in SQL. */
export async function listTenantsWithUsage(
  m: EntityManager,
  q: {
    q?: string;
    status?: 'active' | 'suspended';
    sort: keyof typeof TENANT_SORTS;
    order: 'asc' | 'desc';
    page: number;
    pageSize: number;
  },
) {
  const params: unknown[] = [];
  const where: string[] = [];
  if (q.q) {
    params.push(containsPattern(q.q));
    where.push(
      `(t.slug ilike $${params.length} or t.name_ja ilike $${params.length} or t.name_en ilike $${params.length} or t.local_gov_code ilike $${params.length})`,
    );
  }
  if (q.status) {
    params.push(q.status);
    where.push(`t.status = $${params.length}`);
  }
  const w = where.length ? `where ${where.join(' and ')}` : '';
  const total: Array<{ n: number }> = await m.query(`select count(*)::int as n from tenant t ${w}`, params);
  const rows = await m.query(
    `select t.id, t.slug, t.name_ja as "nameJa", t.name_en as "nameEn", t.prefecture_ja as "prefectureJa",
       t.local_gov_code as "localGovCode", t.admin_subdomain as "adminSubdomain", t.line_account_id as "lineAccountId",
       t.status, t.suspended_reason as "suspendedReason", t.modules, t.created_at as "createdAt",
       json_build_object(
         'staffCount', (select count(*)::int from staff_account s where s.tenant_id = t.id),
         'activeSessions', (select count(*)::int from staff_session ss where ss.tenant_id = t.id and ss.expires_at > now()),
         'auditEvents30d', (select count(*)::int from audit_log a where a.tenant_id = t.id and a.occurred_at > now() - interval '30 days'),
         'lastLoginAt', (select max(s.last_login_at) from staff_account s where s.tenant_id = t.id)
       ) as usage
     from tenant t ${w}
     order by ${TENANT_SORTS[q.sort]} ${q.order === 'asc' ? 'asc' : 'desc'}, t.id
     limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, q.pageSize, (q.page - 1) * q.pageSize],
  );
  return { items: rows, total: total[0]!.n, page: q.page, pageSize: q.pageSize };
}

export const MODULE_KEYS = FEATURE_KEYS;
