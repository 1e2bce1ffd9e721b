import type { EntityManager } from 'typeorm';
import { containsPattern } from '../../platform/db/sql.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/validation.js';
import { hashPassword, temporaryPassword } from '../../platform/auth/passwords.js';
import { isFeatureKey } from '../../contracts/features.js';
import { StaffAccount, type StaffRole } from './staff.entities.js';

export interface StaffView {
  id: string;
  loginId: string;
  displayName: string;
  email: string | null;
  role: StaffRole;
  organisations: Array<{ id: string; code: string; name: string }>;
  teams: Array<{ id: string; name: string }>;
  locked: boolean;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  featuresAllow: string[];
  featuresDeny: string[];
  lastLoginAt: Date | null;
  createdAt: Date;
}

export interface StaffListQuery {
  q?: string;
  role?: StaffRole;
  organisationId?: string;
  status?: 'locked' | 'active';
  sort: 'loginId' | 'displayName' | 'role' | 'lastLoginAt' | 'createdAt';
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

const SORT_COLUMNS: Record<StaffListQuery['sort'], string> = {
  loginId: 'lower(s.login_id)',
  displayName: 's.display_name',
  role: 's.role',
  lastLoginAt: 's.last_login_at',
  createdAt: 's.created_at',
};

async function attachRelations(m: EntityManager, rows: StaffAccount[]): Promise<StaffView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const orgs: Array<{ staff_id: string; id: string; code: string; name: string }> = await m.query(
    `select sm.staff_id, o.id, o.code, o.name from staff_membership sm join organisation o on o.id = sm.organisation_id
      where sm.staff_id = any($1::uuid[]) order by o.sort_order, o.code`,
    [ids],
  );
  const teams: Array<{ staff_id: string; id: string; name: string }> = await m.query(
    `select st.staff_id, t.id, t.name from staff_team st join team t on t.id = st.team_id
      where st.staff_id = any($1::uuid[]) order by t.name`,
    [ids],
  );
  return rows.map((s) => ({
    id: s.id,
    loginId: s.loginId,
    displayName: s.displayName,
    email: s.email,
    role: s.role,
    organisations: orgs.filter((o) => o.staff_id === s.id).map(({ id, code, name }) => ({ id, code, name })),
    teams: teams.filter((t) => t.staff_id === s.id).map(({ id, name }) => ({ id, name })),
    locked: s.lockedAt !== null,
    mustChangePassword: s.mustChangePassword,
    totpEnabled: s.totpEnabledAt !== null,
    featuresAllow: s.featuresAllow,
    featuresDeny: s.featuresDeny,
    lastLoginAt: s.lastLoginAt,
    createdAt: s.createdAt,
  }));
}

export async function listStaff(m: EntityManager, q: StaffListQuery): Promise<Page<StaffView>> {
  const qb = m.createQueryBuilder(StaffAccount, 's');
  if (q.q) {
    qb.andWhere("(s.login_id ilike :q or s.display_name ilike :q or coalesce(s.email, '') ilike :q)", {
      q: containsPattern(q.q),
    });
  }
  if (q.role) qb.andWhere('s.role = :role', { role: q.role });
  if (q.status === 'locked') qb.andWhere('s.locked_at is not null');
  if (q.status === 'active') qb.andWhere('s.locked_at is null');
  if (q.organisationId) {
    qb.andWhere(
      'exists (select 1 from staff_membership sm where sm.staff_id = s.id and sm.organisation_id = :org)',
      {
        org: q.organisationId,
      },
    );
  }
  const total = await qb.getCount();
  const rows = await qb
    .orderBy(
      SORT_COLUMNS[q.sort],
      q.order === 'asc' ? 'ASC' : 'DESC',
      q.order === 'asc' ? 'NULLS FIRST' : 'NULLS LAST',
    )
    .addOrderBy('s.id', 'ASC')
    .offset((q.page - 1) * q.pageSize)
    .limit(q.pageSize)
    .getMany();
  return { items: await attachRelations(m, rows), total, page: q.page, pageSize: q.pageSize };
}

export async function getStaff(m: EntityManager, id: string): Promise<StaffView> {
  const s = await m.findOne(StaffAccount, { where: { id } });
  if (!s) throw notFound('職員アカウント');
  return (await attachRelations(m, [s]))[0]!;
}

export interface StaffInput {
  loginId: string;
  displayName: string;
  email: string | null;
  role: StaffRole;
  organisationIds: string[];
  teamIds: string[];
  featuresAllow: string[];
  featuresDeny: string[];
}

async function checkReferences(
  m: EntityManager,
  orgIds: string[],
  teamIds: string[],
  features: string[],
): Promise<void> {
  const errors: Array<{ path: string; message: string }> = [];
  if (orgIds.length) {
    const found: Array<{ id: string }> = await m.query(
      'select id from organisation where id = any($1::uuid[])',
      [orgIds],
    );
    if (found.length !== new Set(orgIds).size)
      errors.push({ path: 'organisationIds', message: '存在しない所属が含まれています' });
  }
  if (teamIds.length) {
    const found: Array<{ id: string }> = await m.query('select id from team where id = any($1::uuid[])', [
      teamIds,
    ]);
    if (found.length !== new Set(teamIds).size)
      errors.push({ path: 'teamIds', message: '存在しないチームが含まれています' });
  }
  const unknown = features.filter((f) => !isFeatureKey(f));
  if (unknown.length) errors.push({ path: 'features', message: `不明な機能です: ${unknown.join(', ')}` });
  if (errors.length) throw new HttpError(422, '入力内容を確認してください', { errors });
}

async function setRelations(
  m: EntityManager,
  tenantId: string,
  staffId: string,
  orgIds: string[],
  teamIds: string[],
) {
  await m.query('delete from staff_membership where staff_id = $1', [staffId]);
  await m.query('delete from staff_team where staff_id = $1', [staffId]);
  for (const o of new Set(orgIds)) {
    await m.query('insert into staff_membership (tenant_id, staff_id, organisation_id) values ($1, $2, $3)', [
      tenantId,
      staffId,
      o,
    ]);
  }
  for (const t of new Set(teamIds)) {
    await m.query('insert into staff_team (tenant_id, staff_id, team_id) values ($1, $2, $3)', [
      tenantId,
      staffId,
      t,
    ]);
  }
}

export async function loginIdTaken(m: EntityManager, loginId: string, exceptId?: string): Promise<boolean> {
  const rows: unknown[] = await m.query(
    'select 1 from staff_account where lower(login_id) = lower($1) and ($2::uuid is null or id <> $2)',
    [loginId, exceptId ?? null],
  );
  return rows.length > 0;
}

/** Creates an account with a temporary password that must be changed at first login. */
export async function createStaff(
  m: EntityManager,
  tenantId: string,
  input: StaffInput,
): Promise<{ staff: StaffView; temporaryPassword: string }> {
  await checkReferences(m, input.organisationIds, input.teamIds, [
    ...input.featuresAllow,
    ...input.featuresDeny,
  ]);
  if (await loginIdTaken(m, input.loginId)) {
    throw new HttpError(409, 'このログインIDはすでに使われています', {
      errors: [{ path: 'loginId', message: 'このログインIDはすでに使われています' }],
    });
  }
  const password = temporaryPassword();
  const s = m.create(StaffAccount, {
    tenantId,
    loginId: input.loginId,
    displayName: input.displayName,
    email: input.email,
    role: input.role,
    passwordHash: await hashPassword(password),
    mustChangePassword: true,
    failedLoginCount: 0,
    featuresAllow: input.featuresAllow,
    featuresDeny: input.featuresDeny,
  });
  await m.save(s);
  await setRelations(m, tenantId, s.id, input.organisationIds, input.teamIds);
  return { staff: await getStaff(m, s.id), temporaryPassword: password };
}

async function administratorCount(m: EntityManager, exceptId: string): Promise<number> {
  const rows: Array<{ n: number }> = await m.query(
    "select count(*)::int as n from staff_account where role = 'administrator' and id <> $1",
    [exceptId],
  );
  return rows[0]!.n;
}

export async function updateStaff(
  m: EntityManager,
  tenantId: string,
  id: string,
  patch: Partial<Omit<StaffInput, 'loginId'>>,
): Promise<{ before: StaffView; after: StaffView }> {
  const before = await getStaff(m, id);
  await checkReferences(m, patch.organisationIds ?? [], patch.teamIds ?? [], [
    ...(patch.featuresAllow ?? []),
    ...(patch.featuresDeny ?? []),
  ]);
  if (
    before.role === 'administrator' &&
    patch.role &&
    patch.role !== 'administrator' &&
    (await administratorCount(m, id)) === 0
  ) {
    throw new HttpError(409, '管理者が1人もいなくなるため、権限を変更できません');
  }
  const changes: Partial<StaffAccount> = { updatedAt: new Date() };
  if (patch.displayName !== undefined) changes.displayName = patch.displayName;
  if (patch.email !== undefined) changes.email = patch.email;
  if (patch.role !== undefined) changes.role = patch.role;
  if (patch.featuresAllow !== undefined) changes.featuresAllow = patch.featuresAllow;
  if (patch.featuresDeny !== undefined) changes.featuresDeny = patch.featuresDeny;
  await m.update(StaffAccount, { id }, changes);
  if (patch.organisationIds || patch.teamIds) {
    await setRelations(
      m,
      tenantId,
      id,
      patch.organisationIds ?? before.organisations.map((o) => o.id),
      patch.teamIds ?? before.teams.map((t) => t.id),
    );
  }
  return { before, after: await getStaff(m, id) };
}

export async function deleteStaff(
  m: EntityManager,
  id: string,
  actingStaffId: string | null,
): Promise<StaffView> {
  const before = await getStaff(m, id);
  if (id === actingStaffId) throw new HttpError(409, 'ご自身のアカウントは削除できません');
  if (before.role === 'administrator' && (await administratorCount(m, id)) === 0) {
    throw new HttpError(409, '管理者が1人もいなくなるため、削除できません');
  }
  await m.delete(StaffAccount, { id });
  return before;
}

export async function unlockStaff(m: EntityManager, id: string): Promise<StaffView> {
  await getStaff(m, id);
  await m.update(StaffAccount, { id }, { lockedAt: null, failedLoginCount: 0, updatedAt: new Date() });
  return getStaff(m, id);
}

/** A new temporary password; the account is unlocked, logged out and must change it at next login. */
export async function reissuePassword(m: EntityManager, id: string): Promise<string> {
  await getStaff(m, id);
  const password = temporaryPassword();
  await m.update(
    StaffAccount,
    { id },
    {
      passwordHash: await hashPassword(password),
      mustChangePassword: true,
      lockedAt: null,
      failedLoginCount: 0,
      updatedAt: new Date(),
    },
  );
  await m.query('delete from staff_session where staff_id = $1', [id]);
  return password;
}

export async function resetTotp(m: EntityManager, id: string): Promise<StaffView> {
  await getStaff(m, id);
  await m.update(StaffAccount, { id }, { totpSecret: null, totpEnabledAt: null, updatedAt: new Date() });
  await m.query('delete from staff_session where staff_id = $1', [id]);
  return getStaff(m, id);
}
