import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/** Files residents sent (images, video, audio, files), copied from LINE into our storage on receipt. */
export class LineContent1764115200000 implements MigrationInterface {
  name = 'LineContent1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE line_content (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        message_id text NOT NULL,
        line_user_id text NOT NULL,
        message_type text NOT NULL CHECK (message_type IN ('image', 'video', 'audio', 'file')),
        storage_key text NOT NULL,
        content_type text NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes >= 0),
        downloaded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, channel_kind, message_id)
      );
    `);
    await q.query(tenantIsolation('line_content') + grantReadWrite('line_content'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS line_content');
  }
}
