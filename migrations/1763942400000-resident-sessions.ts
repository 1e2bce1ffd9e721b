import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/** Sessions of residents on LIFF pages, opened from a server-verified LINE ID token. */
export class ResidentSessions1763942400000 implements MigrationInterface {
  name = 'ResidentSessions1763942400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE resident_session (
        id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        resident_id uuid NOT NULL,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX resident_session_resident ON resident_session (tenant_id, resident_id);
    `);
    await q.query(tenantIsolation('resident_session') + grantReadWrite('resident_session'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS resident_session');
  }
}
