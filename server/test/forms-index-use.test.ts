import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { LEAKPROOF_INDEX_FUNCTIONS } from '../src/platform/db/setup.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { createTestTenant, type TestTenant } from './helpers.js';

/**
 * Decision 0013: under forced row-level security PostgreSQL lets a GIN index serve `facets && …`,
 * `facets @> …` and `search @@ …` only when their functions are LEAKPROOF, which the database
 * setup marks. (Whether the planner then picks the index depends on the table's size: with a
 * million responses `npm run bench:forms` shows it, 1.2 s → 0.13 s for a choice and a range.)
 */
describe('forms: the index operators are leakproof, so GIN serves them under RLS', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTestTenant('ix');
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('the database setup marked the index operators leakproof', async () => {
    const rows: Array<{ fn: string; leakproof: boolean }> = await withTenant(t.tenant.id, (m) =>
      m.query(
        `select p.oid::regprocedure::text as fn, p.proleakproof as leakproof from pg_proc p
          where p.oid = any($1::regprocedure[])`,
        [[...LEAKPROOF_INDEX_FUNCTIONS]],
      ),
    );
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.leakproof)).toBe(true);
  });
});
