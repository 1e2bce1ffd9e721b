import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/**
 * Forms in the LINE talk and messages to one respondent (FORM-10; docs/decisions/0012-forms-in-the-talk.md):
 * - `form_talk`: a resident's conversation with one form in the talk — the form version, a step
 *   counter (buttons carry it, so a double tap or a stale button does nothing), the answers and
 *   the path taken sealed with the tenant key, and an expiry. One conversation per resident.
 * - `form_message`: a message staff send to the LINE resident behind one response (FORM-10 ⑧),
 *   its text sealed; sent through the form_notification outbox (kind `message`).
 */
export class FormsTalk1765238400000 implements MigrationInterface {
  name = 'FormsTalk1765238400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE form_talk (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        form_id uuid NOT NULL,
        resident_id uuid NOT NULL,
        version integer NOT NULL,
        step integer NOT NULL DEFAULT 0,
        state_enc text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        UNIQUE (tenant_id, resident_id),
        FOREIGN KEY (tenant_id, form_id) REFERENCES form(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX form_talk_expires ON form_talk (expires_at);

      CREATE TABLE form_message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        response_id uuid NOT NULL,
        text_enc text NOT NULL,
        sent_by uuid,
        sent_by_label text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        FOREIGN KEY (tenant_id, response_id) REFERENCES form_response(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX form_message_response ON form_message (tenant_id, response_id, created_at);

      ALTER TABLE form_notification
        DROP CONSTRAINT form_notification_kind_check,
        DROP CONSTRAINT form_notification_event_check,
        ADD COLUMN message_id uuid,
        ADD CONSTRAINT form_notification_kind_check CHECK (kind IN ('talk', 'email', 'message')),
        ADD CONSTRAINT form_notification_event_check CHECK (event IN ('submitted', 'updated', 'message')),
        ADD CONSTRAINT form_notification_message_check CHECK ((kind = 'message') = (message_id IS NOT NULL)),
        ADD CONSTRAINT form_notification_message_fk FOREIGN KEY (tenant_id, message_id)
          REFERENCES form_message(tenant_id, id) ON DELETE CASCADE;
      CREATE UNIQUE INDEX form_notification_message ON form_notification (message_id) WHERE message_id IS NOT NULL;
    `);
    for (const t of ['form_talk', 'form_message']) await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM form_notification WHERE kind = 'message';
      ALTER TABLE form_notification
        DROP CONSTRAINT IF EXISTS form_notification_message_fk,
        DROP CONSTRAINT IF EXISTS form_notification_message_check,
        DROP CONSTRAINT IF EXISTS form_notification_kind_check,
        DROP CONSTRAINT IF EXISTS form_notification_event_check,
        DROP COLUMN IF EXISTS message_id,
        ADD CONSTRAINT form_notification_kind_check CHECK (kind IN ('talk', 'email')),
        ADD CONSTRAINT form_notification_event_check CHECK (event IN ('submitted', 'updated'));
      DROP TABLE IF EXISTS form_message, form_talk;
    `);
  }
}
