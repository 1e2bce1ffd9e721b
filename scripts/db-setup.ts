/**
 * Creates the PostgreSQL roles and database if missing and applies pending migrations.
 * Usage: tsx scripts/db-setup.ts   (DATABASE_ADMIN_URL: a superuser connection, used only here)
 */
import { config } from '../server/src/platform/config/config.js';
import { setUpDatabase } from '../server/src/platform/db/setup.js';

const cfg = config();
const ran = await setUpDatabase({
  adminUrl: process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  ownerUrl: cfg.DATABASE_OWNER_URL,
  appUrl: cfg.DATABASE_URL,
  opsUrl: cfg.DATABASE_OPS_URL,
});
console.log(ran.length ? `migrations applied: ${ran.join(', ')}` : 'database up to date');
