import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/**
 * Rich menus (MENU-1…6, 8, 10): menu sets owned by an organisation, their tabs (one LINE rich
 * menu each), what is published on which channel (with the LINE ids created by an unfinished
 * publish, so a retry cleans them up), the default/emergency state per channel, and tap counts.
 */
export class RichMenu1764201600000 implements MigrationInterface {
  name = 'RichMenu1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE richmenu_set (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL,
        code text NOT NULL CHECK (code ~ '^[a-z0-9_]{1,24}$'),
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('normal', 'emergency')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, code),
        FOREIGN KEY (tenant_id, organisation_id) REFERENCES organisation(tenant_id, id)
      );
      CREATE INDEX richmenu_set_org ON richmenu_set (tenant_id, organisation_id);

      CREATE TABLE richmenu_tab (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        set_id uuid NOT NULL REFERENCES richmenu_set(id) ON DELETE CASCADE,
        code text NOT NULL CHECK (code ~ '^[a-z0-9]{6,16}$'),
        position integer NOT NULL,
        name text NOT NULL,
        chat_bar_text text NOT NULL,
        width integer NOT NULL,
        height integer NOT NULL,
        areas jsonb NOT NULL DEFAULT '[]',
        image_key text,
        image_type text,
        image_bytes integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, code)
      );
      CREATE INDEX richmenu_tab_set ON richmenu_tab (tenant_id, set_id, position);

      CREATE TABLE richmenu_publication (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        set_id uuid NOT NULL REFERENCES richmenu_set(id) ON DELETE CASCADE,
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        menus jsonb NOT NULL DEFAULT '[]',
        alias_ids text[] NOT NULL DEFAULT '{}',
        pending_menu_ids text[] NOT NULL DEFAULT '{}',
        retired_menu_ids text[] NOT NULL DEFAULT '{}',
        lease_until timestamptz,
        published_at timestamptz,
        published_by uuid,
        published_by_label text,
        PRIMARY KEY (tenant_id, set_id, channel_kind)
      );

      CREATE TABLE richmenu_channel_state (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        channel_kind text NOT NULL CHECK (channel_kind IN ('production', 'test')),
        default_set_id uuid REFERENCES richmenu_set(id) ON DELETE SET NULL,
        emergency_set_id uuid REFERENCES richmenu_set(id) ON DELETE SET NULL,
        emergency_enabled boolean NOT NULL DEFAULT false,
        emergency_reason text,
        emergency_changed_at timestamptz,
        emergency_changed_by text,
        PRIMARY KEY (tenant_id, channel_kind)
      );

      CREATE TABLE richmenu_tap (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        day date NOT NULL,
        tab_code text NOT NULL,
        area_index integer NOT NULL,
        channel_kind text NOT NULL,
        taps bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, tab_code, day, area_index, channel_kind)
      );
    `);
    for (const t of [
      'richmenu_set',
      'richmenu_tab',
      'richmenu_publication',
      'richmenu_channel_state',
      'richmenu_tap',
    ]) {
      await q.query(tenantIsolation(t) + grantReadWrite(t));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE IF EXISTS richmenu_tap, richmenu_channel_state, richmenu_publication, richmenu_tab, richmenu_set',
    );
  }
}
