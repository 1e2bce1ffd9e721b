import type { EntityManager } from 'typeorm';
import type { StaffRequest } from '../../platform/http/tenant-route.js';
import type { PlannedChange, StaffCsvRecord } from './staff-csv.js';
import { createStaff, deleteStaff, updateStaff } from './staff.service.js';

/** Every account of the tenant in the CSV's terms (organisation codes, team names). */
export async function loadStaffCsvRecords(m: EntityManager): Promise<StaffCsvRecord[]> {
  const rows: Array<{
    id: string;
    login_id: string;
    display_name: string;
    email: string | null;
    role: StaffCsvRecord['role'];
    orgs: string[];
    teams: string[];
  }> = await m.query(`
    select s.id, s.login_id, s.display_name, s.email, s.role,
      coalesce(array(select o.code from staff_membership sm join organisation o on o.id = sm.organisation_id
                     where sm.staff_id = s.id order by o.code), '{}') as orgs,
      coalesce(array(select t.name from staff_team st join team t on t.id = st.team_id
                     where st.staff_id = s.id order by t.name), '{}') as teams
    from staff_account s order by lower(s.login_id)`);
  return rows.map((r) => ({
    id: r.id,
    loginId: r.login_id,
    displayName: r.display_name,
    email: r.email,
    role: r.role,
    organisationCodes: r.orgs,
    teamNames: r.teams,
  }));
}

/**
 * Applies a validated plan inside the request's transaction: all rows or none. Each change is
 * audited on its own row; returns the temporary passwords of created accounts (shown once).
 */
export async function applyStaffImport(
  ctx: StaffRequest,
  changes: PlannedChange[],
): Promise<Array<{ loginId: string; temporaryPassword: string }>> {
  const { m } = ctx;
  const orgs: Array<{ id: string; code: string }> = await m.query('select id, code from organisation');
  const teams: Array<{ id: string; name: string }> = await m.query('select id, name from team');
  const orgId = new Map(orgs.map((o) => [o.code, o.id]));
  const teamId = new Map(teams.map((t) => [t.name, t.id]));
  const passwords: Array<{ loginId: string; temporaryPassword: string }> = [];
  // Deletes first, so a file that removes an administrator and adds another is judged as a whole.
  const ordered = [...changes].sort((a, b) => Number(b.action === 'delete') - Number(a.action === 'delete'));
  for (const c of ordered) {
    if (c.action === 'unchanged') continue;
    if (c.action === 'delete') {
      const before = await deleteStaff(m, c.id, ctx.staff?.id ?? null);
      await ctx.audit({
        action: 'staff.delete',
        outcome: 'success',
        targetType: 'staff',
        targetId: c.id,
        detail: { before, via: 'csv', row: c.row },
      });
      continue;
    }
    const fields = {
      displayName: c.displayName,
      email: c.email,
      role: c.role,
      organisationIds: c.organisationCodes.map((code) => orgId.get(code)!),
      teamIds: c.teamNames.map((name) => teamId.get(name)!),
    };
    if (c.action === 'create') {
      const out = await createStaff(m, ctx.tenant.id, {
        loginId: c.loginId,
        ...fields,
        featuresAllow: [],
        featuresDeny: [],
      });
      passwords.push({ loginId: c.loginId, temporaryPassword: out.temporaryPassword });
      await ctx.audit({
        action: 'staff.create',
        outcome: 'success',
        targetType: 'staff',
        targetId: out.staff.id,
        detail: { after: out.staff, via: 'csv', row: c.row },
      });
    } else {
      const { before, after } = await updateStaff(m, ctx.tenant.id, c.id, fields);
      await ctx.audit({
        action: 'staff.update',
        outcome: 'success',
        targetType: 'staff',
        targetId: c.id,
        detail: { before, after, via: 'csv', row: c.row },
      });
    }
  }
  return passwords;
}
