import 'reflect-metadata';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import { config } from '../config/config.js';
import { allEntities } from './entities.js';
import { allMigrations } from '../../../../migrations/index.js';

/**
 * Three pools, three PostgreSQL roles (docs/decisions/0002-database-roles.md):
 * - app: everything a request or job does; owns nothing, no BYPASSRLS, so RLS always applies.
 * - ops: BYPASSRLS, used only by the tenants/ops module (vendor console, cross-tenant figures).
 * - owner: runs migrations; never used to serve traffic.
 */
function options(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: allEntities,
    migrations: allMigrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'tsunagu' },
  };
}

let app: DataSource | undefined;
let ops: DataSource | undefined;

export async function appDataSource(): Promise<DataSource> {
  if (!app) {
    const ds = new DataSource(options(config().DATABASE_URL, config().DATABASE_POOL_SIZE));
    app = ds;
    await ds.initialize();
  }
  if (!app.isInitialized) await app.initialize();
  return app;
}

export async function opsDataSource(): Promise<DataSource> {
  if (!ops) {
    const ds = new DataSource(options(config().DATABASE_OPS_URL, 3));
    ops = ds;
    await ds.initialize();
  }
  if (!ops.isInitialized) await ops.initialize();
  return ops;
}

export async function runMigrations(url = config().DATABASE_OWNER_URL): Promise<string[]> {
  const ds = new DataSource(options(url, 1));
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export async function closeDataSources(): Promise<void> {
  await app?.destroy().catch(() => undefined);
  await ops?.destroy().catch(() => undefined);
  app = undefined;
  ops = undefined;
}

/** A vendor-console unit of work: one transaction on the BYPASSRLS pool. */
export async function withOps<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
  const ds = await opsDataSource();
  return ds.transaction(fn);
}
