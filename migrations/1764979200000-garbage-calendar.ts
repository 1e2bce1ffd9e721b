import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

const tenantTables = ['garbage_calendar', 'garbage_collection', 'garbage_reminder'];

/**
 * Garbage-collection calendars per district (DEL-5, Akaiwa 5-①; server/src/modules/garbage).
 *
 * - garbage_calendar: one published calendar (「赤磐市ごみカレンダー2026」). `code` names it in
 *   segment definitions (the `garbage` leaf), like attribute item codes; `district_item` is the
 *   code of the attribute item whose options are the collection districts (a single/multi choice
 *   such as Akaiwa's ゴミ収集地区, or the district hierarchy).
 * - garbage_collection: one row per district, date and item. The primary key serves the two reads:
 *   the segment leaf ("which districts collect <items> on <date>") and the upcoming list (a date
 *   range). An upload replaces the rows from the file's first date on, so past history stays.
 * - garbage_reminder: which segment and draft delivery 「リマインド配信を作る」 made for an item of
 *   a calendar, so a second click finds them instead of making duplicates. No foreign keys to
 *   segment and delivery: the service checks they still exist and makes missing ones again.
 */
export class GarbageCalendar1764979200000 implements MigrationInterface {
  name = 'GarbageCalendar1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE garbage_calendar (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_-]{0,39}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        district_item text NOT NULL,
        uploaded_at timestamptz,
        uploaded_by uuid,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, code),
        UNIQUE (tenant_id, id)
      );

      CREATE TABLE garbage_collection (
        tenant_id uuid NOT NULL,
        calendar_id uuid NOT NULL,
        collection_date date NOT NULL,
        district_code text NOT NULL,
        item text NOT NULL CHECK (length(item) BETWEEN 1 AND 50),
        PRIMARY KEY (tenant_id, calendar_id, collection_date, district_code, item),
        FOREIGN KEY (tenant_id, calendar_id) REFERENCES garbage_calendar(tenant_id, id) ON DELETE CASCADE
      );
      -- The kinds of a calendar (reminder set-up, the builder's choices) without reading every date.
      CREATE INDEX garbage_collection_item ON garbage_collection (tenant_id, calendar_id, item);

      CREATE TABLE garbage_reminder (
        tenant_id uuid NOT NULL,
        calendar_id uuid NOT NULL,
        item text NOT NULL,
        segment_id uuid NOT NULL,
        delivery_id uuid NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, calendar_id, item),
        FOREIGN KEY (tenant_id, calendar_id) REFERENCES garbage_calendar(tenant_id, id) ON DELETE CASCADE
      );
    `);
    for (const t of tenantTables) await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS garbage_reminder, garbage_collection, garbage_calendar');
  }
}
