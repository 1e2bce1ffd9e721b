import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

const tenantTables = [
  'attribute_item',
  'resident_attribute_value',
  'resident_contact',
  'registration_form',
  'registration_form_item',
  'resident_registration',
  'registration_settings',
  'segment',
];

/**
 * Residents' attributes and segments (SEG-1…8, STAFF-7).
 *
 * - attribute_item: what residents register (district, birth month, children's birthdates…), with
 *   kind-specific settings (options or an option tree, date precision, number range…) in `config`.
 *   Codes of items and of options are stable; labels may change at any time.
 * - resident_attribute_value: a typed EAV table built for segment counts over a million residents:
 *   one row per chosen option / per date / per number, so every condition is an index range scan
 *   on (tenant_id, item_id, value) that yields resident ids. A hierarchy answer also has one
 *   `implied` row per ancestor node, so "in 北部" finds every district under 北部 with the same
 *   equality lookup. Free text is personal data: encrypted with the tenant key, never searched.
 *   No surrogate key on purpose: rows are only ever reached by resident or by value, and a
 *   primary key index over ~20 rows per resident would cost more than it gives.
 * - registration_form (+ items): the named sets of items residents fill in (受信設定, 職員専用…).
 * - resident_registration: which form a resident registered with, when, last change by whom.
 * - resident_contact: an optional e-mail address for the mail channel (DEL-10), encrypted, with a
 *   keyed hash for lookups.
 * - registration_settings: the greeting new friends get with a button to the settings page.
 * - segment: saved condition trees owned by an organisation (grants as for forms).
 */
export class AttributesSegments1764288000000 implements MigrationInterface {
  name = 'AttributesSegments1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE attribute_item (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
        kind text NOT NULL CHECK (kind IN ('single', 'multi', 'hierarchy', 'date', 'dates', 'number', 'text')),
        label text NOT NULL,
        help_text text NOT NULL DEFAULT '',
        required boolean NOT NULL DEFAULT false,
        position integer NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        config jsonb NOT NULL DEFAULT '{}',
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, code),
        UNIQUE (tenant_id, id)
      );
      CREATE INDEX attribute_item_position ON attribute_item (tenant_id, status, position);

      CREATE TABLE resident_attribute_value (
        tenant_id uuid NOT NULL,
        resident_id uuid NOT NULL,
        item_id uuid NOT NULL,
        option_code text,
        implied boolean NOT NULL DEFAULT false,
        date_value date,
        number_value numeric,
        text_value_enc text,
        ordinal smallint NOT NULL DEFAULT 0,
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE CASCADE,
        -- Items with values are archived, never deleted.
        FOREIGN KEY (tenant_id, item_id) REFERENCES attribute_item(tenant_id, id),
        CHECK (num_nonnulls(option_code, date_value, number_value, text_value_enc) = 1),
        CHECK (NOT implied OR option_code IS NOT NULL)
      );
      -- Value indexes end with resident_id so that a condition is answered by an index-only scan.
      CREATE INDEX rav_option ON resident_attribute_value (tenant_id, item_id, option_code, resident_id)
        WHERE option_code IS NOT NULL;
      CREATE INDEX rav_date ON resident_attribute_value (tenant_id, item_id, date_value, resident_id)
        WHERE date_value IS NOT NULL;
      CREATE INDEX rav_number ON resident_attribute_value (tenant_id, item_id, number_value, resident_id)
        WHERE number_value IS NOT NULL;
      -- One resident's values (forms, staff view) and "answered at all" conditions.
      CREATE INDEX rav_resident ON resident_attribute_value (tenant_id, resident_id, item_id);
      CREATE INDEX rav_item_resident ON resident_attribute_value (tenant_id, item_id, resident_id);

      CREATE TABLE resident_contact (
        tenant_id uuid NOT NULL,
        resident_id uuid NOT NULL,
        email_enc text,
        email_hash text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, resident_id),
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE CASCADE,
        CHECK ((email_enc IS NULL) = (email_hash IS NULL))
      );
      CREATE INDEX resident_contact_email ON resident_contact (tenant_id, email_hash) WHERE email_hash IS NOT NULL;

      CREATE TABLE registration_form (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_-]{0,39}$'),
        name text NOT NULL,
        intro_text text NOT NULL DEFAULT '',
        visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'unlisted')),
        passcode_hash text,
        ask_email boolean NOT NULL DEFAULT false,
        position integer NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, code),
        UNIQUE (tenant_id, id)
      );

      CREATE TABLE registration_form_item (
        tenant_id uuid NOT NULL,
        form_id uuid NOT NULL,
        item_id uuid NOT NULL,
        position integer NOT NULL,
        PRIMARY KEY (tenant_id, form_id, item_id),
        FOREIGN KEY (tenant_id, form_id) REFERENCES registration_form(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, item_id) REFERENCES attribute_item(tenant_id, id)
      );
      CREATE INDEX registration_form_item_item ON registration_form_item (tenant_id, item_id);

      CREATE TABLE resident_registration (
        tenant_id uuid NOT NULL,
        resident_id uuid NOT NULL,
        form_id uuid NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL DEFAULT 'resident' CHECK (updated_by IN ('resident', 'staff')),
        PRIMARY KEY (tenant_id, resident_id, form_id),
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, form_id) REFERENCES registration_form(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX resident_registration_form ON resident_registration (tenant_id, form_id);

      CREATE TABLE registration_settings (
        tenant_id uuid PRIMARY KEY REFERENCES tenant(id) ON DELETE CASCADE,
        greeting_enabled boolean NOT NULL DEFAULT true,
        greeting_text text,
        button_text text,
        button_label text,
        form_code text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE segment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        definition jsonb NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisation(tenant_id, id)
      );
      CREATE INDEX segment_org ON segment (tenant_id, organisation_id);

      -- The audience of a count or delivery (friends of a channel) read from the index alone: the
      -- ids to join with the value indexes, and followed_at for "friends for n days".
      CREATE INDEX resident_audience ON resident (tenant_id, channel_kind, friend_status, id) INCLUDE (followed_at);
    `);
    for (const t of tenantTables) await q.query(tenantIsolation(t) + grantReadWrite(t));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS resident_audience;
      DROP TABLE IF EXISTS segment, registration_settings, resident_registration, registration_form_item,
        registration_form, resident_contact, resident_attribute_value, attribute_item;
    `);
  }
}
