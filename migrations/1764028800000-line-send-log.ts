import type { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantIsolation } from './rls.js';

/** A record of every send to LINE (counts and ids only, never user ids or text). Append-only for the app. */
export class LineSendLog1764028800000 implements MigrationInterface {
  name = 'LineSendLog1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE line_send_log (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        channel_key text NOT NULL,
        endpoint text NOT NULL CHECK (endpoint IN ('reply', 'push', 'multicast', 'broadcast', 'narrowcast')),
        retry_key text,
        request_id text,
        accepted_request_id text,
        recipients integer CHECK (recipients >= 0),
        messages smallint NOT NULL CHECK (messages >= 0),
        status text NOT NULL CHECK (status IN ('sent', 'already_accepted', 'invalid', 'rejected', 'gave_up', 'aborted', 'uncertain')),
        attempts smallint NOT NULL CHECK (attempts >= 0),
        error jsonb,
        ref text,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL
      );
      CREATE INDEX line_send_log_retry_key ON line_send_log (tenant_id, retry_key) WHERE retry_key IS NOT NULL;
      CREATE INDEX line_send_log_ref ON line_send_log (tenant_id, ref) WHERE ref IS NOT NULL;
      CREATE INDEX line_send_log_recent ON line_send_log (tenant_id, finished_at DESC);
      GRANT SELECT, INSERT ON line_send_log TO tsunagu_app;
      GRANT SELECT, INSERT, DELETE ON line_send_log TO tsunagu_ops;
      GRANT USAGE ON SEQUENCE line_send_log_id_seq TO tsunagu_app, tsunagu_ops;
    `);
    await q.query(tenantIsolation('line_send_log'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS line_send_log');
  }
}
