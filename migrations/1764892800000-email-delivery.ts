import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/**
 * Deliveries by e-mail (DEL-10; docs/decisions/0007-email-delivery.md).
 *
 * - `resident` rows of channel_kind `mail`: citizens without LINE who subscribed by e-mail. They
 *   have no LINE user id (only they), and their attributes live in resident_attribute_value like
 *   everyone's, so the same segments select them. friend_status keeps its meanings: `unknown` until
 *   the address is confirmed (double opt-in), `friend` once confirmed, `blocked` once unsubscribed.
 * - `resident_contact.email_confirmed_at`: an address receives deliveries only once its owner
 *   opened the confirmation link; saving another address clears it.
 * - `delivery.email`: 「メールでも配信する」.
 * - `delivery_email`: one row per mailbox of a run (unique per run and address hash, so a family
 *   sharing an address gets one mail), moved created → sending → sent | failed | skipped by
 *   conditional updates. `next_attempt_at` is when the row may be claimed: now for new rows, the
 *   end of the lease while `sending`, the backoff after a temporary SMTP failure; one partial index
 *   on it serves the claim and the sweeper.
 * - `mail_confirmation`: confirmation mails (sign-up, or an address saved on 受信設定) as an outbox:
 *   the request is written in the transaction that needs it, a job sends it; the link's token is
 *   chosen when the mail is sent and only its SHA-256 is stored.
 */
export class EmailDelivery1764892800000 implements MigrationInterface {
  name = 'EmailDelivery1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE resident DROP CONSTRAINT resident_channel_kind_check;
      ALTER TABLE resident ADD CONSTRAINT resident_channel_kind_check
        CHECK (channel_kind IN ('production', 'test', 'mail'));
      ALTER TABLE resident ALTER COLUMN line_user_id DROP NOT NULL;
      ALTER TABLE resident ADD CONSTRAINT resident_line_user_id_kind
        CHECK ((line_user_id IS NULL) = (channel_kind = 'mail'));

      ALTER TABLE resident_contact ADD COLUMN email_confirmed_at timestamptz;
      ALTER TABLE resident_contact ADD CONSTRAINT resident_contact_confirmed
        CHECK (email_confirmed_at IS NULL OR email_enc IS NOT NULL);
      -- The e-mail audience of a delivery: the few residents with a confirmed address.
      CREATE INDEX resident_contact_confirmed ON resident_contact (tenant_id, resident_id)
        INCLUDE (email_hash) WHERE email_confirmed_at IS NOT NULL;

      ALTER TABLE delivery ADD COLUMN email boolean NOT NULL DEFAULT false;

      CREATE TABLE delivery_email (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES delivery_run(id) ON DELETE CASCADE,
        -- No foreign key: the history outlives a resident who is deleted (as delivery_recipient).
        resident_id uuid NOT NULL,
        -- The keyed lookup hash of the address (never the address): one mail per mailbox and run.
        email_hash text NOT NULL,
        status text NOT NULL DEFAULT 'created'
          CHECK (status IN ('created', 'sending', 'sent', 'failed', 'skipped')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claim_token uuid,
        claimed_at timestamptz,
        sent_at timestamptz,
        error text,
        PRIMARY KEY (tenant_id, run_id, resident_id),
        UNIQUE (tenant_id, run_id, email_hash),
        CHECK ((status = 'sent') = (sent_at IS NOT NULL))
      ) WITH (fillfactor = 70);
      CREATE INDEX delivery_email_open ON delivery_email (next_attempt_at, tenant_id, run_id)
        WHERE status IN ('created', 'sending');

      CREATE TABLE mail_confirmation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        resident_id uuid NOT NULL,
        -- subscribe: a sign-up on the public page (payload: the settings to apply on confirmation);
        -- address: an address saved on 受信設定 or by staff.
        purpose text NOT NULL CHECK (purpose IN ('subscribe', 'address')),
        email_hash text NOT NULL,
        payload_enc text,
        token_hash text UNIQUE,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'used', 'superseded')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        sent_at timestamptz,
        used_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE CASCADE,
        CHECK (purpose = 'subscribe' OR payload_enc IS NULL)
      );
      CREATE INDEX mail_confirmation_resident ON mail_confirmation (tenant_id, resident_id, purpose);
      CREATE INDEX mail_confirmation_open ON mail_confirmation (next_attempt_at)
        WHERE status IN ('pending', 'sending');
      CREATE INDEX mail_confirmation_expired ON mail_confirmation (expires_at);
    `);
    for (const t of ['delivery_email', 'mail_confirmation'])
      await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS mail_confirmation, delivery_email;
      ALTER TABLE delivery DROP COLUMN IF EXISTS email;
      DROP INDEX IF EXISTS resident_contact_confirmed;
      ALTER TABLE resident_contact DROP CONSTRAINT IF EXISTS resident_contact_confirmed;
      ALTER TABLE resident_contact DROP COLUMN IF EXISTS email_confirmed_at;
      DELETE FROM resident WHERE channel_kind = 'mail';
      ALTER TABLE resident DROP CONSTRAINT IF EXISTS resident_line_user_id_kind;
      ALTER TABLE resident ALTER COLUMN line_user_id SET NOT NULL;
      ALTER TABLE resident DROP CONSTRAINT resident_channel_kind_check;
      ALTER TABLE resident ADD CONSTRAINT resident_channel_kind_check
        CHECK (channel_kind IN ('production', 'test'));
    `);
  }
}
