import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/**
 * Results of deliveries (DEL-8, DEL-13; docs/decisions/0005-click-tracking.md):
 * - `delivery_run.click_code`: names a run in its tracking links (`/t/<slug>/r/<code>/<n>`), random,
 *   so a link says nothing about the run or its recipients.
 * - `delivery_link`: the http(s) URLs of a run's messages, numbered; a tracking link redirects only
 *   to the URL recorded here for its run and number (no open redirect).
 * - `delivery_click`: one row per counted click; `resident_id` when the clicker was identified as a
 *   recipient of the run (LIFF or resident session), null for anonymous clicks. `view_token` is the
 *   one-time token of the page view that recorded it, so the page's script and its no-script
 *   fallback never count one view twice.
 * - `delivery_run_opens`: LINE's per-unit open figures of a run, fetched on a schedule by the
 *   worker (`next_fetch_at`, claimed with a lease so two workers never fetch one run at once).
 * - Partial indexes for the block counts: recipients who blocked within 7 days of a run are found
 *   from the few residents who blocked in that window, never by scanning a run's recipients.
 */
export class DeliveryResults1764806400000 implements MigrationInterface {
  name = 'DeliveryResults1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE delivery_run ADD COLUMN click_code text CHECK (click_code ~ '^[A-Za-z0-9]{10}$');
      CREATE UNIQUE INDEX delivery_run_click_code ON delivery_run (tenant_id, click_code) WHERE click_code IS NOT NULL;

      CREATE TABLE delivery_link (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES delivery_run(id) ON DELETE CASCADE,
        n integer NOT NULL CHECK (n BETWEEN 1 AND 1000),
        url text NOT NULL CHECK (url ~ '^https?://' AND char_length(url) <= 2000),
        PRIMARY KEY (tenant_id, run_id, n),
        UNIQUE (tenant_id, run_id, url)
      );

      CREATE TABLE delivery_click (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        run_id uuid NOT NULL,
        n integer NOT NULL,
        -- No foreign key: the history outlives a resident who is deleted (as delivery_recipient).
        resident_id uuid,
        via text NOT NULL CHECK (via IN ('session', 'liff', 'anonymous')),
        view_token text CHECK (char_length(view_token) <= 100),
        clicked_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, run_id, n) REFERENCES delivery_link (tenant_id, run_id, n) ON DELETE CASCADE,
        CHECK ((resident_id IS NULL) = (via = 'anonymous')),
        UNIQUE (tenant_id, run_id, n, view_token)
      );
      CREATE INDEX delivery_click_run ON delivery_click (tenant_id, run_id, n, resident_id);

      CREATE TABLE delivery_run_opens (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES delivery_run(id) ON DELETE CASCADE,
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        aggregation_unit text NOT NULL CHECK (aggregation_unit ~ '^[a-zA-Z0-9_]{1,30}$'),
        -- The Japan-time days the run was sent on: LINE aggregates a unit's messages by send day.
        from_day date NOT NULL,
        to_day date NOT NULL CHECK (to_day >= from_day AND to_day - from_day <= 30),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'below_threshold', 'ready', 'unavailable')),
        unique_impression integer CHECK (unique_impression >= 0),
        unique_click integer CHECK (unique_click >= 0),
        fetch_count integer NOT NULL DEFAULT 0,
        fetched_at timestamptz,
        -- Null once the last fetch is done.
        next_fetch_at timestamptz,
        fetch_until timestamptz NOT NULL,
        claim_token uuid,
        claimed_until timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, run_id),
        CHECK (status <> 'ready' OR unique_impression IS NOT NULL)
      );
      -- The results sweeper looks for due fetches of every tenant.
      CREATE INDEX delivery_run_opens_due ON delivery_run_opens (next_fetch_at) WHERE next_fetch_at IS NOT NULL;

      CREATE INDEX resident_blocked_since ON resident (tenant_id, channel_kind, blocked_since)
        WHERE blocked_since IS NOT NULL;
      CREATE INDEX webhook_event_unfollow ON webhook_event (tenant_id, channel_kind, event_timestamp)
        WHERE event_type = 'unfollow';
    `);
    for (const t of ['delivery_link', 'delivery_click', 'delivery_run_opens'])
      await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS delivery_click, delivery_link, delivery_run_opens');
    await q.query(
      'DROP INDEX IF EXISTS resident_blocked_since, webhook_event_unfollow, delivery_run_click_code',
    );
    await q.query('ALTER TABLE delivery_run DROP COLUMN IF EXISTS click_code');
  }
}
