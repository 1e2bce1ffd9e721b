/**
 * SQL that puts a business table under tenant isolation: RLS enabled and forced (so even the
 * table owner is filtered), one policy for reads and writes keyed on `app.tenant_id`, which
 * withTenant() sets per transaction. An unset or empty setting matches no row.
 */
export const TENANT_PREDICATE = `tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid`;

export function tenantIsolation(table: string): string {
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON ${table} USING (${TENANT_PREDICATE}) WITH CHECK (${TENANT_PREDICATE});`;
}

/** The app role reads and writes business tables; the ops role (BYPASSRLS) too, for the vendor console. */
export function grantReadWrite(table: string): string {
  return `
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tsunagu_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tsunagu_ops;`;
}
