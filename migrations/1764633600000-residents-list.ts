import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The staff list of friends (友だち, /api/residents): its default order is "newest friends first"
 * within one channel. Without an index in that order a page of 20 means sorting every resident of
 * the tenant; with it, a page is read from the index and the scan stops after the page.
 * `followed_at NULLS FIRST` read forwards is the ascending order the list uses (nulls first), read
 * backwards it is the descending one (nulls last), so one index serves both directions.
 */
export class ResidentsList1764633600000 implements MigrationInterface {
  name = 'ResidentsList1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX resident_followed ON resident (tenant_id, channel_kind, followed_at NULLS FIRST, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS resident_followed');
  }
}
