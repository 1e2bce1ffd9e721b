import type { EntityManager } from 'typeorm';

export interface RlsProblem {
  table: string;
  problem: string;
}

/**
 * The catalogue check: every table in `public` with a tenant_id column must have row-level
 * security enabled and forced, and a policy that reads `app.tenant_id` for both USING and WITH
 * CHECK. Returns the problems; an empty list means every tenant table is isolated.
 */
export async function findRlsProblems(m: EntityManager): Promise<RlsProblem[]> {
  const rows: Array<{ table: string; enabled: boolean; forced: boolean; policies: number }> = await m.query(`
    select c.relname as "table", c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
      (select count(*)::int from pg_policy p
        where p.polrelid = c.oid
          and pg_get_expr(p.polqual, p.polrelid) like '%app.tenant_id%'
          and pg_get_expr(p.polwithcheck, p.polrelid) like '%app.tenant_id%'
          and p.polcmd = '*') as policies
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p')
      and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
    order by c.relname`);
  const problems: RlsProblem[] = [];
  for (const r of rows) {
    if (!r.enabled) problems.push({ table: r.table, problem: 'row level security is not enabled' });
    if (!r.forced) problems.push({ table: r.table, problem: 'row level security is not forced' });
    if (r.policies === 0)
      problems.push({ table: r.table, problem: 'no tenant_isolation policy on app.tenant_id' });
  }
  return problems;
}
