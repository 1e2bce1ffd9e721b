import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

const tenantTables = ['mail_settings', 'mail_allowed_sender', 'mail_rule', 'mail_inbound_log'];

/**
 * Mail-to-LINE (DEL-11): each tenant's inbound address (a secret token in the local part), the
 * senders it accepts, the rules that turn a received mail into a LINE delivery (marker cut,
 * footer, target, optional emergency switch), and a log of every mail received and what it
 * caused. A mail is known by its Message-ID, so a redelivered mail is processed once.
 */
export class Mail1764547200000 implements MigrationInterface {
  name = 'Mail1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mail_settings (
        tenant_id uuid PRIMARY KEY REFERENCES tenant(id) ON DELETE CASCADE,
        inbound_token text NOT NULL CHECK (inbound_token ~ '^[a-z0-9]{16,40}$'),
        inbound_enabled boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE mail_allowed_sender (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        -- an address (bousai@city.example.jp) or a whole domain (@city.example.jp), lower case
        pattern text NOT NULL CHECK (pattern ~ '^[^@\\s]*@[^@\\s]+$' AND pattern = lower(pattern)),
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, pattern)
      );

      CREATE TABLE mail_rule (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        -- the department that owns the deliveries the rule creates (like any delivery)
        organisation_id uuid NOT NULL,
        name text NOT NULL,
        position integer NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        subject_contains text,
        body_contains text,
        include_subject boolean NOT NULL DEFAULT true,
        cut_marker text,
        footer text,
        channel_kind text NOT NULL DEFAULT 'production' CHECK (channel_kind IN ('production', 'test')),
        target jsonb NOT NULL,
        emergency text NOT NULL DEFAULT 'none' CHECK (emergency IN ('none', 'on', 'off')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisation(tenant_id, id)
      );
      CREATE INDEX mail_rule_position ON mail_rule (tenant_id, position);

      CREATE TABLE mail_inbound_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL DEFAULT now(),
        message_id text NOT NULL,
        from_address text,
        subject text,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'refused_sender', 'no_rule', 'failed')),
        rule_id uuid REFERENCES mail_rule(id) ON DELETE SET NULL,
        rule_name text,
        delivery_id uuid,
        emergency text,
        message_text text,
        error text,
        UNIQUE (tenant_id, message_id)
      );
      CREATE INDEX mail_inbound_log_received ON mail_inbound_log (tenant_id, received_at DESC);
    `);
    for (const t of tenantTables) await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE IF EXISTS mail_inbound_log, mail_rule, mail_allowed_sender, mail_settings CASCADE',
    );
  }
}
