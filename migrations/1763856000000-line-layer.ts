import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

const tenantTables = ['line_channel', 'webhook_event', 'resident'];

/** LINE layer: each tenant's channels, received webhook events, and residents (friends). */
export class LineLayer1763856000000 implements MigrationInterface {
  name = 'LineLayer1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE line_channel (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('production', 'test')),
        channel_id text NOT NULL CHECK (channel_id ~ '^[0-9]{1,20}$'),
        bot_user_id text CHECK (bot_user_id ~ '^U[0-9a-f]{32}$'),
        channel_secret text NOT NULL,
        access_token text NOT NULL,
        login_channel_id text CHECK (login_channel_id ~ '^[0-9]{1,20}$'),
        liff_id text,
        forward_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, kind)
      );
      -- A LINE channel belongs to one tenant only (global, across RLS).
      CREATE UNIQUE INDEX line_channel_channel_id ON line_channel (channel_id);

      CREATE TABLE webhook_event (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        webhook_event_id text NOT NULL,
        event_type text NOT NULL,
        source_user_id text,
        event_timestamp timestamptz NOT NULL,
        is_redelivery boolean NOT NULL DEFAULT false,
        payload text NOT NULL,
        status text NOT NULL DEFAULT 'received'
          CHECK (status IN ('received', 'held', 'processed', 'ignored', 'forward_pending', 'forwarded', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        error text,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        UNIQUE (tenant_id, webhook_event_id)
      );
      CREATE INDEX webhook_event_pending ON webhook_event (tenant_id, status, received_at);
      CREATE INDEX webhook_event_user ON webhook_event (tenant_id, channel_kind, source_user_id, event_timestamp);
      GRANT USAGE ON SEQUENCE webhook_event_id_seq TO tsunagu_app, tsunagu_ops;

      CREATE TABLE resident (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        line_user_id text NOT NULL CHECK (line_user_id ~ '^U[0-9a-f]{32}$'),
        friend_status text NOT NULL DEFAULT 'unknown' CHECK (friend_status IN ('friend', 'blocked', 'unknown')),
        status_changed_at timestamptz,
        first_followed_at timestamptz,
        followed_at timestamptz,
        blocked_since timestamptz,
        display_name text,
        picture_url text,
        language text,
        profile_fetched_at timestamptz,
        last_event_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, channel_kind, line_user_id),
        UNIQUE (tenant_id, id)
      );
      CREATE INDEX resident_status ON resident (tenant_id, channel_kind, friend_status);
    `);
    for (const t of tenantTables) await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS resident, webhook_event, line_channel CASCADE');
  }
}
