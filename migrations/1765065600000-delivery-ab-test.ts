import type { MigrationInterface, QueryRunner } from 'typeorm';
import { grantReadWrite, tenantIsolation } from './rls.js';

/**
 * A/B tests of deliveries (DEL-12; docs/decisions/0009-ab-test.md):
 * - `delivery.ab_test`: パターンB (1–5 LINE messages), the sample's share of the target (10–50 %,
 *   half of it gets A = the delivery's own messages, half B) and the minutes until the decision.
 *   Never on a recurring delivery (one A/B test per occurrence of a one-time delivery).
 * - `delivery_run.variant`: '' for every ordinary run, 'a' and 'b' for the sample runs, 'rest'
 *   for the winner sent to everyone else. The run's unique key gains it: one occurrence of an A/B
 *   delivery has three runs, and each is still made once however often it is fired or decided.
 * - `delivery_ab_test`: one row per fired occurrence, written with its sample runs: when to decide
 *   and, once decided (in the transaction that creates the rest run), the winner, the counts its
 *   click rates came from and why. The sweeper finds overdue decisions through a partial index.
 */
export class DeliveryAbTest1765065600000 implements MigrationInterface {
  name = 'DeliveryAbTest1765065600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE delivery ADD COLUMN ab_test jsonb;
      ALTER TABLE delivery ADD CONSTRAINT delivery_ab_test_shape CHECK (
        ab_test IS NULL OR (
          jsonb_typeof(ab_test) = 'object'
          AND jsonb_typeof(ab_test->'variantB') = 'array'
          AND jsonb_array_length(ab_test->'variantB') BETWEEN 1 AND 5
          AND jsonb_typeof(ab_test->'samplePercent') = 'number'
          AND (ab_test->>'samplePercent')::numeric BETWEEN 10 AND 50
          AND jsonb_typeof(ab_test->'decideAfterMinutes') = 'number'
          AND (ab_test->>'decideAfterMinutes')::numeric BETWEEN 30 AND 2880));
      ALTER TABLE delivery ADD CONSTRAINT delivery_ab_test_not_recurring
        CHECK (ab_test IS NULL OR schedule_kind <> 'recurring');

      ALTER TABLE delivery_run ADD COLUMN variant text NOT NULL DEFAULT ''
        CHECK (variant IN ('', 'a', 'b', 'rest'));
      ALTER TABLE delivery_run DROP CONSTRAINT delivery_run_tenant_id_delivery_id_purpose_fired_for_key;
      ALTER TABLE delivery_run ADD CONSTRAINT delivery_run_occurrence_variant
        UNIQUE (tenant_id, delivery_id, purpose, fired_for, variant);

      CREATE TABLE delivery_ab_test (
        tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
        delivery_id uuid NOT NULL,
        fired_for timestamptz NOT NULL,
        sample_percent integer NOT NULL CHECK (sample_percent BETWEEN 10 AND 50),
        decide_at timestamptz NOT NULL,
        run_a uuid NOT NULL REFERENCES delivery_run(id) ON DELETE CASCADE,
        run_b uuid NOT NULL REFERENCES delivery_run(id) ON DELETE CASCADE,
        decided_at timestamptz,
        winner text CHECK (winner IN ('a', 'b')),
        -- higher_rate: the winner's unique click rate was higher; tie / no_clicks: A, the original;
        -- other_not_sent: the other variant reached nobody (LINE refused it, or nobody was sampled).
        reason text CHECK (reason IN ('higher_rate', 'tie', 'no_clicks', 'other_not_sent')),
        sent_a integer CHECK (sent_a >= 0),
        sent_b integer CHECK (sent_b >= 0),
        clickers_a integer CHECK (clickers_a >= 0),
        clickers_b integer CHECK (clickers_b >= 0),
        rest_run uuid REFERENCES delivery_run(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, delivery_id, fired_for),
        FOREIGN KEY (tenant_id, delivery_id) REFERENCES delivery(tenant_id, id) ON DELETE CASCADE,
        CHECK ((decided_at IS NULL) = (winner IS NULL)),
        CHECK ((decided_at IS NULL) = (reason IS NULL))
      );
      -- The sweeper looks for undecided tests past their time, in every tenant.
      CREATE INDEX delivery_ab_test_due ON delivery_ab_test (decide_at) WHERE decided_at IS NULL;
    `);
    await q.query(tenantIsolation('delivery_ab_test') + grantReadWrite('delivery_ab_test'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS delivery_ab_test');
    await q.query(`DELETE FROM delivery_run WHERE variant <> ''`);
    await q.query(`
      ALTER TABLE delivery_run DROP CONSTRAINT IF EXISTS delivery_run_occurrence_variant;
      ALTER TABLE delivery_run ADD CONSTRAINT delivery_run_tenant_id_delivery_id_purpose_fired_for_key
        UNIQUE (tenant_id, delivery_id, purpose, fired_for);
      ALTER TABLE delivery_run DROP COLUMN IF EXISTS variant;
      ALTER TABLE delivery DROP CONSTRAINT IF EXISTS delivery_ab_test_not_recurring;
      ALTER TABLE delivery DROP CONSTRAINT IF EXISTS delivery_ab_test_shape;
      ALTER TABLE delivery DROP COLUMN IF EXISTS ab_test;
    `);
  }
}
