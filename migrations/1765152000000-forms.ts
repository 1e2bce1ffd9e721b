import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/** An empty page with an empty section: what a new form's draft starts as (it parses). */
const BLANK_DEFINITION = JSON.stringify({
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: '',
      description: '',
      sections: [{ code: 's1', title: '', description: '', staffOnly: false, items: [] }],
    },
  ],
});

/**
 * The forms engine's storage (issue 5; docs/decisions/0010-form-engine.md, 0011-form-responses.md):
 * - `form` gains its URL code (unique per tenant), the builder's draft, settings (FORM-5, 6, 9),
 *   the latest published version, a response counter and the 受付番号 sequence (both moved under
 *   the form row's lock by every submission, so limits and numbers hold under concurrency), and
 *   the largest number of entries seen per repeating section (the CSV's columns).
 * - `form_version`: published definitions, immutable (no UPDATE/DELETE grant for the app, and a
 *   trigger refusing both unless the form itself is being deleted).
 * - `form_response`: the version answered, non-personal answers in jsonb (filters, statistics,
 *   segment conditions), personal answers sealed with the tenant key, `facets` (answered items and
 *   chosen options, GIN) and `search` (bigram tsvector of non-personal free text, GIN).
 * - `form_draft`: a resident's resumable answers, sealed whole.
 * - `form_file`: uploads, linked to a response once it is submitted; a job removes orphans.
 * - `form_notification`: the outbox of the talk's completion message and the department's e-mail.
 */
export class Forms1765152000000 implements MigrationInterface {
  name = 'Forms1765152000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- A volatile default is evaluated per existing row while the column is added (RLS does not apply to DDL).
      ALTER TABLE form
        ADD COLUMN code text NOT NULL DEFAULT ('f-' || substr(md5(gen_random_uuid()::text), 1, 8))
          CHECK (code ~ '^[a-z0-9][a-z0-9-]{2,39}$'),
        ADD COLUMN draft jsonb NOT NULL DEFAULT '${BLANK_DEFINITION}'::jsonb,
        ADD COLUMN draft_updated_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN published_version integer,
        ADD COLUMN response_count integer NOT NULL DEFAULT 0 CHECK (response_count >= 0),
        ADD COLUMN receipt_year integer,
        ADD COLUMN receipt_seq integer NOT NULL DEFAULT 0,
        ADD COLUMN repeat_entries jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD CONSTRAINT form_code_unique UNIQUE (tenant_id, code),
        ADD CONSTRAINT form_tenant_id_unique UNIQUE (tenant_id, id);

      CREATE TABLE form_version (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        form_id uuid NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        definition jsonb NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        published_by uuid,
        published_by_label text,
        PRIMARY KEY (tenant_id, form_id, version),
        FOREIGN KEY (tenant_id, form_id) REFERENCES form(tenant_id, id) ON DELETE CASCADE
      );
      CREATE FUNCTION form_version_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- A version goes only with its form (the cascade of deleting the form runs after the form row is gone).
        IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM form f WHERE f.id = OLD.form_id) THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'form_version is immutable: a published version is never changed';
      END $$;
      CREATE TRIGGER form_version_immutable BEFORE UPDATE OR DELETE ON form_version
        FOR EACH ROW EXECUTE FUNCTION form_version_is_immutable();
      CREATE TRIGGER form_version_no_truncate BEFORE TRUNCATE ON form_version
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

      CREATE TABLE form_response (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        form_id uuid NOT NULL,
        version integer NOT NULL,
        receipt_number text NOT NULL CHECK (receipt_number ~ '^[A-Z]{1,3}-[0-9]{4}-[0-9]{6,}$'),
        resident_id uuid,
        visitor_hash text CHECK (visitor_hash ~ '^[0-9a-f]{64}$'),
        source text NOT NULL CHECK (source IN ('line', 'web', 'phone', 'paper', 'counter', 'email', 'other')),
        answers jsonb NOT NULL,
        personal_enc text,
        facets text[] NOT NULL DEFAULT '{}',
        search tsvector NOT NULL DEFAULT ''::tsvector,
        status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'done', 'on_hold', 'cancelled')),
        memo_enc text,
        entered_by uuid,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid,
        UNIQUE (tenant_id, form_id, receipt_number),
        UNIQUE (tenant_id, id),
        FOREIGN KEY (tenant_id, form_id) REFERENCES form(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, form_id, version) REFERENCES form_version(tenant_id, form_id, version),
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE SET NULL (resident_id)
      );
      CREATE INDEX form_response_submitted ON form_response (tenant_id, form_id, submitted_at, id);
      CREATE INDEX form_response_updated ON form_response (tenant_id, form_id, updated_at, id);
      CREATE INDEX form_response_resident ON form_response (tenant_id, form_id, resident_id) WHERE resident_id IS NOT NULL;
      CREATE INDEX form_response_visitor ON form_response (tenant_id, form_id, visitor_hash) WHERE visitor_hash IS NOT NULL;
      CREATE INDEX form_response_facets ON form_response USING gin (facets);
      CREATE INDEX form_response_search ON form_response USING gin (search);

      CREATE TABLE form_draft (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        form_id uuid NOT NULL,
        resident_id uuid,
        visitor_hash text CHECK (visitor_hash ~ '^[0-9a-f]{64}$'),
        version integer NOT NULL,
        answers_enc text NOT NULL,
        file_ids uuid[] NOT NULL DEFAULT '{}',
        saved_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((resident_id IS NULL) <> (visitor_hash IS NULL)),
        FOREIGN KEY (tenant_id, form_id) REFERENCES form(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, resident_id) REFERENCES resident(tenant_id, id) ON DELETE CASCADE
      );
      CREATE UNIQUE INDEX form_draft_resident ON form_draft (tenant_id, form_id, resident_id) WHERE resident_id IS NOT NULL;
      CREATE UNIQUE INDEX form_draft_visitor ON form_draft (tenant_id, form_id, visitor_hash) WHERE visitor_hash IS NOT NULL;
      CREATE INDEX form_draft_saved ON form_draft (saved_at);

      CREATE TABLE form_file (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        form_id uuid NOT NULL,
        item_code text NOT NULL,
        response_id uuid,
        resident_id uuid,
        visitor_hash text CHECK (visitor_hash ~ '^[0-9a-f]{64}$'),
        staff_id uuid,
        name_enc text NOT NULL,
        content_type text NOT NULL,
        size integer NOT NULL CHECK (size > 0),
        storage_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (num_nonnulls(resident_id, visitor_hash, staff_id) = 1),
        FOREIGN KEY (tenant_id, form_id) REFERENCES form(tenant_id, id),
        FOREIGN KEY (tenant_id, response_id) REFERENCES form_response(tenant_id, id) ON DELETE SET NULL (response_id)
      );
      CREATE INDEX form_file_response ON form_file (tenant_id, response_id);
      CREATE INDEX form_file_orphans ON form_file (created_at) WHERE response_id IS NULL;

      CREATE TABLE form_notification (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        response_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('talk', 'email')),
        event text NOT NULL CHECK (event IN ('submitted', 'updated')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_at timestamptz,
        sent_at timestamptz,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, response_id) REFERENCES form_response(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX form_notification_due ON form_notification (next_attempt_at) WHERE status IN ('pending', 'sending');
    `);
    for (const t of ['form_response', 'form_draft', 'form_file', 'form_notification'])
      await q.query(tenantIsolation(t) + grantReadWrite(t));
    await q.query(`
      ${tenantIsolation('form_version')}
      GRANT SELECT, INSERT ON form_version TO tsunagu_app, tsunagu_ops;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS form_notification, form_file, form_draft, form_response, form_version;
      DROP FUNCTION IF EXISTS form_version_is_immutable();
      ALTER TABLE form
        DROP CONSTRAINT IF EXISTS form_code_unique,
        DROP CONSTRAINT IF EXISTS form_tenant_id_unique,
        DROP COLUMN IF EXISTS code, DROP COLUMN IF EXISTS draft, DROP COLUMN IF EXISTS draft_updated_at,
        DROP COLUMN IF EXISTS settings, DROP COLUMN IF EXISTS published_version,
        DROP COLUMN IF EXISTS response_count, DROP COLUMN IF EXISTS receipt_year,
        DROP COLUMN IF EXISTS receipt_seq, DROP COLUMN IF EXISTS repeat_entries;
    `);
  }
}
