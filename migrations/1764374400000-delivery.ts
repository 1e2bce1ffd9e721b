import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/**
 * Message delivery (DEL-1…5, 8; DESIGN.md "Delivery reliability"):
 * - `delivery`: what staff compose (title, target, 1–5 LINE messages, schedule), owned by an
 *   organisation. `next_run_at` is set exactly while it is `scheduled`; the sweeper and the fire
 *   job claim a due one with a conditional update.
 * - `delivery_run`: one firing, unique per (delivery, purpose, fired_for) so a scheduler firing
 *   twice makes one run. It keeps the messages and target it was fired with.
 * - `delivery_recipient`: the snapshot, one row per resident, taken by one INSERT … SELECT.
 * - `delivery_chunk`: ≤500 recipients sent by one multicast with a retry key chosen when the chunk
 *   is created and kept for every attempt, so a crashed or repeated job never sends twice.
 * Counts are derived from these rows (the run's recipient and skipped counts are written once,
 * from its snapshot rows, in the snapshot's transaction).
 */
export class Delivery1764374400000 implements MigrationInterface {
  name = 'Delivery1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- DEL-2: residents registered as testers receive test deliveries on the production channel.
      ALTER TABLE resident ADD COLUMN is_tester boolean NOT NULL DEFAULT false;
      CREATE INDEX resident_testers ON resident (tenant_id, channel_kind) WHERE is_tester;

      CREATE TABLE delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL,
        title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'failed')),
        channel_kind text NOT NULL DEFAULT 'production' CHECK (channel_kind IN ('production', 'test')),
        target jsonb NOT NULL DEFAULT '{"type": "all"}',
        messages jsonb NOT NULL CHECK (jsonb_typeof(messages) = 'array' AND jsonb_array_length(messages) BETWEEN 1 AND 5),
        schedule_kind text NOT NULL DEFAULT 'immediate' CHECK (schedule_kind IN ('immediate', 'at', 'recurring')),
        scheduled_at timestamptz,
        recurrence jsonb,
        next_run_at timestamptz,
        last_fired_at timestamptz,
        -- LINE's customAggregationUnits name (^[a-zA-Z0-9_]{1,30}$): one per delivery, shared by the
        -- runs of a recurring delivery, since LINE allows only 1,000 unit names a month per channel.
        aggregation_unit text NOT NULL GENERATED ALWAYS AS ('d' || left(replace(id::text, '-', ''), 29)) STORED,
        copied_from uuid REFERENCES delivery(id) ON DELETE SET NULL,
        created_by uuid,
        updated_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisation(tenant_id, id),
        CHECK ((status = 'scheduled') = (next_run_at IS NOT NULL)),
        CHECK (schedule_kind <> 'at' OR scheduled_at IS NOT NULL),
        CHECK (schedule_kind <> 'recurring' OR recurrence IS NOT NULL)
      );
      CREATE INDEX delivery_list ON delivery (tenant_id, created_at DESC);
      CREATE INDEX delivery_org ON delivery (tenant_id, organisation_id);
      -- The sweeper looks for due deliveries of every tenant.
      CREATE INDEX delivery_due ON delivery (next_run_at) WHERE status = 'scheduled';

      CREATE TABLE delivery_run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        delivery_id uuid NOT NULL REFERENCES delivery(id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('production', 'test')),
        fired_for timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'snapshotting'
          CHECK (status IN ('snapshotting', 'sending', 'sent', 'failed', 'cancelled')),
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        target jsonb NOT NULL,
        messages jsonb NOT NULL,
        aggregation_unit text CHECK (aggregation_unit ~ '^[a-zA-Z0-9_]{1,30}$'),
        recipient_count integer CHECK (recipient_count >= 0),
        skipped_count integer CHECK (skipped_count >= 0),
        snapshot_at timestamptz,
        finished_at timestamptz,
        error text,
        requested_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, delivery_id, purpose, fired_for)
      );
      CREATE INDEX delivery_run_latest ON delivery_run (tenant_id, delivery_id, purpose, fired_for DESC);
      CREATE INDEX delivery_run_history ON delivery_run (tenant_id, fired_for DESC);
      CREATE INDEX delivery_run_snapshotting ON delivery_run (created_at) WHERE status = 'snapshotting';
      CREATE INDEX delivery_run_sending ON delivery_run (created_at) WHERE status = 'sending';

      CREATE TABLE delivery_chunk (
        -- Derived from (run, seq) when the snapshot assigns recipients, so the recipients' chunk_id
        -- is written by the same INSERT … SELECT that creates them.
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES delivery_run(id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 0),
        recipient_count integer NOT NULL CHECK (recipient_count BETWEEN 1 AND 500),
        retry_key uuid NOT NULL DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'accepted', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        claim_token uuid,
        claimed_at timestamptz,
        request_id text,
        accepted_request_id text,
        last_error text,
        error_detail jsonb,
        accepted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, run_id, seq),
        UNIQUE (retry_key)
      );
      CREATE INDEX delivery_chunk_run ON delivery_chunk (tenant_id, run_id, status);
      -- The sweeper resumes open chunks of every tenant.
      CREATE INDEX delivery_chunk_open ON delivery_chunk (updated_at) WHERE status IN ('pending', 'sending');

      -- Written once per recipient and updated twice (sending, sent): room on each page lets
      -- PostgreSQL update in place (HOT; status is in no index).
      CREATE TABLE delivery_recipient (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES delivery_run(id) ON DELETE CASCADE,
        -- No foreign key: the history outlives a resident who is deleted.
        resident_id uuid NOT NULL,
        line_user_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('created', 'sending', 'sent', 'failed', 'skipped_blocked')),
        chunk_id uuid,
        error text,
        PRIMARY KEY (tenant_id, run_id, resident_id),
        CHECK ((chunk_id IS NULL) = (status = 'skipped_blocked'))
      ) WITH (fillfactor = 70);
      CREATE INDEX delivery_recipient_chunk ON delivery_recipient (tenant_id, chunk_id) WHERE chunk_id IS NOT NULL;
    `);
    for (const t of ['delivery', 'delivery_run', 'delivery_chunk', 'delivery_recipient'])
      await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS delivery_recipient, delivery_chunk, delivery_run, delivery');
    await q.query('DROP INDEX IF EXISTS resident_testers');
    await q.query('ALTER TABLE resident DROP COLUMN IF EXISTS is_tester');
  }
}
