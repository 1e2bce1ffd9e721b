import pg from 'pg';
import { testEnv } from '../vitest.config.js';

/** Recreates the test database from the migrations, so every run starts from the same schema. */
export default async function setup(): Promise<void> {
  Object.assign(process.env, testEnv);
  const dbName = new URL(testEnv.DATABASE_URL).pathname.slice(1);
  const admin = new pg.Client({ connectionString: testEnv.DATABASE_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  const { setUpDatabase } = await import('../src/platform/db/setup.js');
  await setUpDatabase({
    adminUrl: testEnv.DATABASE_ADMIN_URL,
    ownerUrl: testEnv.DATABASE_OWNER_URL,
    appUrl: testEnv.DATABASE_URL,
    opsUrl: testEnv.DATABASE_OPS_URL,
  });
}
