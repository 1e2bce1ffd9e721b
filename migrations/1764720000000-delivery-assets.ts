import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/**
 * Images staff upload for delivery messages (DEL-6): photos of image messages and Flex heroes,
 * and imagemap pictures. LINE fetches them from our public URLs, so each asset is named by an
 * unguessable token (128 random bits, hex) under its tenant; the files themselves, re-encoded and
 * resized to LINE's limits, live in the storage adapter under `<tenant>/delivery-assets/<token>/`.
 * `variants` lists what was stored (original and preview, or the imagemap widths) with their sizes.
 * Assets are never deleted with a delivery: messages already sent keep pointing at them.
 */
export class DeliveryAssets1764720000000 implements MigrationInterface {
  name = 'DeliveryAssets1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE delivery_asset (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('image', 'imagemap')),
        token text NOT NULL CHECK (token ~ '^[0-9a-f]{32}$'),
        content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
        width integer NOT NULL CHECK (width > 0),
        height integer NOT NULL CHECK (height > 0),
        source_bytes integer NOT NULL CHECK (source_bytes > 0),
        variants jsonb NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, token)
      );
      CREATE INDEX delivery_asset_recent ON delivery_asset (tenant_id, created_at DESC);
    `);
    await q.query(tenantIsolation('delivery_asset') + grantReadWrite('delivery_asset'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS delivery_asset');
  }
}
