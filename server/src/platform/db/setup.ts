import pg from 'pg';
import { runMigrations } from './data-sources.js';

export interface DatabaseUrls {
  /** A superuser connection, used only to create roles and the database. */
  adminUrl: string;
  ownerUrl: string;
  appUrl: string;
  opsUrl: string;
}

function databaseName(url: string): string {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsupported database name: ${name}`);
  return name;
}

function roleName(url: string): string {
  const name = decodeURIComponent(new URL(url).username);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsupported role name: ${name}`);
  return name;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Idempotent: creates the three roles (owner; app without BYPASSRLS; ops with BYPASSRLS), the
 * database owned by the owner role, then applies pending migrations as the owner. Migrations
 * grant to the fixed role names tsunagu_app and tsunagu_ops, so those names are required.
 */
export async function setUpDatabase(urls: DatabaseUrls): Promise<string[]> {
  const dbName = databaseName(urls.ownerUrl);
  const owner = roleName(urls.ownerUrl);
  const roles: Array<[string, string, string | undefined]> = [
    [owner, 'NOBYPASSRLS', new URL(urls.ownerUrl).password],
    [roleName(urls.appUrl), 'NOBYPASSRLS', new URL(urls.appUrl).password],
    [roleName(urls.opsUrl), 'BYPASSRLS', new URL(urls.opsUrl).password],
  ];
  if (roles[1]![0] !== 'tsunagu_app' || roles[2]![0] !== 'tsunagu_ops') {
    throw new Error('the app and ops roles must be named tsunagu_app and tsunagu_ops');
  }
  await withClient(urls.adminUrl, async (c) => {
    for (const [name, rls, password] of roles) {
      const exists = await c.query('select 1 from pg_roles where rolname = $1', [name]);
      const pw = password ? ` PASSWORD ${c.escapeLiteral(decodeURIComponent(password))}` : '';
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await c.query(`${verb} ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE ${rls}${pw}`);
    }
    const db = await c.query('select 1 from pg_database where datname = $1', [dbName]);
    if (!db.rowCount)
      await c.query(`CREATE DATABASE ${dbName} OWNER ${owner} ENCODING 'UTF8' TEMPLATE template0`);
  });
  const adminOnDb = new URL(urls.adminUrl);
  adminOnDb.pathname = `/${dbName}`;
  await withClient(adminOnDb.toString(), async (c) => {
    await c.query(`REVOKE ALL ON DATABASE ${dbName} FROM PUBLIC`);
    await c.query(`GRANT CONNECT ON DATABASE ${dbName} TO ${roles.map((r) => r[0]).join(', ')}`);
    await c.query(`GRANT USAGE ON SCHEMA public TO tsunagu_app, tsunagu_ops`);
    await markIndexOperatorsLeakproof(c);
  });
  return runMigrations(urls.ownerUrl);
}

/**
 * Under forced row-level security PostgreSQL uses a condition in an index scan only when its
 * function is LEAKPROOF; array overlap/containment (`facets && …`, `facets @> …`) and the
 * full-text match (`search @@ …`) are not marked so, which left the GIN indexes of form responses
 * unused (every filter read the tenant's whole table). These functions raise no error that
 * depends on the data and the app role runs only SQL the server builds, so they are marked
 * (docs/decisions/0013-leakproof-index-operators.md). Needs a superuser: without one the setup
 * says so and the queries stay correct, only slower.
 */
export const LEAKPROOF_INDEX_FUNCTIONS = [
  'pg_catalog.arrayoverlap(anyarray, anyarray)',
  'pg_catalog.arraycontains(anyarray, anyarray)',
  'pg_catalog.ts_match_vq(tsvector, tsquery)',
] as const;

async function markIndexOperatorsLeakproof(c: pg.Client): Promise<void> {
  try {
    for (const fn of LEAKPROOF_INDEX_FUNCTIONS) await c.query(`ALTER FUNCTION ${fn} LEAKPROOF`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42501') throw e;
    console.warn(
      'database setup: not a superuser, so the GIN indexes of form responses stay unused under row-level security (docs/decisions/0013-leakproof-index-operators.md)',
    );
  }
}
