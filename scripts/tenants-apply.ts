/**
 * Applies tenants/*.yaml to the database (idempotent; never deletes, never changes status).
 * Usage: tsx scripts/tenants-apply.ts [folder]
 */
import path from 'node:path';
import { withOps, closeDataSources } from '../server/src/platform/db/data-sources.js';
import { loadTenantFiles } from '../server/src/modules/tenants/tenant-file.js';
import { applyTenantFiles } from '../server/src/modules/tenants/tenants.service.js';

const dir = process.argv[2] ?? path.resolve(import.meta.dirname, '../tenants');
const files = await loadTenantFiles(dir);
const results = await withOps((m) => applyTenantFiles(m, files));
for (const r of results) console.log(`${r.slug}: ${r.action}`);
await closeDataSources();
