import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

const tenantTables = [
  'tenant_security',
  'tenant_data_key',
  'organisation',
  'team',
  'staff_account',
  'staff_membership',
  'staff_team',
  'staff_session',
  'vendor_entry_ticket',
  'resource_grant',
  'form',
];

export class PlatformCore1763769600000 implements MigrationInterface {
  name = 'PlatformCore1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,30}$'),
        name_ja text NOT NULL,
        name_en text NOT NULL,
        prefecture_ja text NOT NULL,
        local_gov_code text NOT NULL UNIQUE CHECK (local_gov_code ~ '^[0-9]{6}$'),
        admin_subdomain text NOT NULL UNIQUE CHECK (admin_subdomain ~ '^[a-z][a-z0-9-]{1,30}$'),
        line_account_id text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        suspended_reason text,
        modules text[] NOT NULL DEFAULT '{}',
        links jsonb NOT NULL DEFAULT '[]',
        boundary jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      GRANT SELECT ON tenant TO tsunagu_app;
      GRANT SELECT, INSERT, UPDATE ON tenant TO tsunagu_ops;

      CREATE TABLE tenant_security (
        tenant_id uuid PRIMARY KEY REFERENCES tenant(id) ON DELETE CASCADE,
        ip_allowlist cidr[] NOT NULL DEFAULT '{}',
        emergency_override boolean NOT NULL DEFAULT false,
        emergency_override_reason text,
        emergency_override_at timestamptz,
        totp_required boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE tenant_data_key (
        tenant_id uuid PRIMARY KEY REFERENCES tenant(id) ON DELETE CASCADE,
        wrapped_key bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        destroyed_at timestamptz
      );

      CREATE TABLE organisation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        code text NOT NULL,
        name text NOT NULL,
        parent_id uuid REFERENCES organisation(id) ON DELETE SET NULL,
        sort_order integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, code),
        UNIQUE (tenant_id, id)
      );

      CREATE TABLE team (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        name text NOT NULL,
        features text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name),
        UNIQUE (tenant_id, id)
      );

      CREATE TABLE staff_account (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        login_id text NOT NULL CHECK (login_id ~ '^[A-Za-z0-9._@-]{3,64}$'),
        display_name text NOT NULL,
        email text,
        role text NOT NULL CHECK (role IN ('administrator', 'staff', 'operator', 'viewer')),
        password_hash text NOT NULL,
        must_change_password boolean NOT NULL DEFAULT true,
        failed_login_count integer NOT NULL DEFAULT 0,
        locked_at timestamptz,
        totp_secret text,
        totp_enabled_at timestamptz,
        features_allow text[] NOT NULL DEFAULT '{}',
        features_deny text[] NOT NULL DEFAULT '{}',
        last_login_at timestamptz,
        password_changed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id)
      );
      CREATE UNIQUE INDEX staff_account_login ON staff_account (tenant_id, lower(login_id));

      CREATE TABLE staff_membership (
        tenant_id uuid NOT NULL,
        staff_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, staff_id, organisation_id),
        FOREIGN KEY (tenant_id, staff_id) REFERENCES staff_account(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisation(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX staff_membership_org ON staff_membership (tenant_id, organisation_id);

      CREATE TABLE staff_team (
        tenant_id uuid NOT NULL,
        staff_id uuid NOT NULL,
        team_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, staff_id, team_id),
        FOREIGN KEY (tenant_id, staff_id) REFERENCES staff_account(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, team_id) REFERENCES team(tenant_id, id) ON DELETE CASCADE
      );

      CREATE TABLE staff_session (
        id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        staff_id uuid,
        vendor_account_id uuid,
        vendor_label text,
        entry_reason text,
        stage text NOT NULL CHECK (stage IN ('totp', 'active')),
        csrf_token text NOT NULL,
        ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        FOREIGN KEY (tenant_id, staff_id) REFERENCES staff_account(tenant_id, id) ON DELETE CASCADE,
        CHECK ((staff_id IS NULL) <> (vendor_account_id IS NULL))
      );
      CREATE INDEX staff_session_staff ON staff_session (tenant_id, staff_id);
      CREATE INDEX staff_session_expiry ON staff_session (tenant_id, expires_at);

      CREATE TABLE vendor_entry_ticket (
        id text PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        vendor_account_id uuid NOT NULL,
        vendor_label text NOT NULL,
        reason text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );

      CREATE TABLE resource_grant (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        resource_type text NOT NULL,
        resource_id uuid NOT NULL,
        grantee_type text NOT NULL CHECK (grantee_type IN ('organisation', 'team', 'staff')),
        grantee_id uuid NOT NULL,
        permissions text[] NOT NULL CHECK (permissions <@ ARRAY['view', 'edit', 'export', 'manage']::text[]),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, resource_type, resource_id, grantee_type, grantee_id)
      );
      CREATE INDEX resource_grant_grantee ON resource_grant (tenant_id, grantee_type, grantee_id);

      -- Forms are the first organisation-owned resource; the forms module grows this table.
      CREATE TABLE form (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL,
        title text NOT NULL,
        description text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisation(tenant_id, id)
      );
      CREATE INDEX form_org ON form (tenant_id, organisation_id);

      -- Append-only audit trail with a per-tenant hash chain (seq, prev_hash, hash).
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenant(id),
        seq bigint NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('staff', 'vendor', 'resident', 'system', 'anonymous')),
        actor_id text,
        actor_label text,
        action text NOT NULL,
        target_type text,
        target_id text,
        outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
        detail jsonb NOT NULL DEFAULT '{}',
        ip text,
        user_agent text,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        UNIQUE (tenant_id, seq)
      );
      CREATE INDEX audit_log_time ON audit_log (tenant_id, occurred_at DESC);
      CREATE INDEX audit_log_action ON audit_log (tenant_id, action, occurred_at DESC);
      CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, occurred_at DESC);
      ${tenantIsolation('audit_log')}
      GRANT SELECT, INSERT ON audit_log TO tsunagu_app, tsunagu_ops;
      GRANT USAGE ON SEQUENCE audit_log_id_seq TO tsunagu_app, tsunagu_ops;
      CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

      -- Vendor support: global accounts, reachable only through the ops role.
      CREATE TABLE vendor_account (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        login_id text NOT NULL CHECK (login_id ~ '^[A-Za-z0-9._@-]{3,64}$'),
        display_name text NOT NULL,
        password_hash text NOT NULL,
        must_change_password boolean NOT NULL DEFAULT true,
        failed_login_count integer NOT NULL DEFAULT 0,
        locked_at timestamptz,
        totp_secret text,
        totp_enabled_at timestamptz,
        last_login_at timestamptz,
        password_changed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX vendor_account_login ON vendor_account (lower(login_id));
      CREATE TABLE vendor_session (
        id text PRIMARY KEY,
        vendor_account_id uuid NOT NULL REFERENCES vendor_account(id) ON DELETE CASCADE,
        stage text NOT NULL CHECK (stage IN ('totp', 'active')),
        csrf_token text NOT NULL,
        ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE TABLE vendor_audit_log (
        id bigserial PRIMARY KEY,
        seq bigint NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL,
        actor_type text NOT NULL,
        actor_id text,
        actor_label text,
        action text NOT NULL,
        target_type text,
        target_id text,
        outcome text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        ip text,
        user_agent text,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      GRANT SELECT, INSERT, UPDATE, DELETE ON vendor_account, vendor_session TO tsunagu_ops;
      GRANT SELECT, INSERT ON vendor_audit_log TO tsunagu_ops;
      GRANT USAGE ON SEQUENCE vendor_audit_log_id_seq TO tsunagu_ops;
      CREATE TRIGGER vendor_audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON vendor_audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
    `);
    for (const t of tenantTables) {
      await q.query(tenantIsolation(t) + grantReadWrite(t));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS vendor_audit_log, vendor_session, vendor_account, audit_log, form, resource_grant,
        vendor_entry_ticket, staff_session, staff_team, staff_membership, staff_account, team, organisation,
        tenant_data_key, tenant_security, tenant CASCADE;
      DROP FUNCTION IF EXISTS audit_log_is_append_only();
    `);
  }
}
