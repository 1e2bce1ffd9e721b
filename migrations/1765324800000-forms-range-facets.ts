import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Range facets (docs/decisions/0011-form-responses.md): coarse buckets of number and date answers
 * in `form_response.facets`, so a range filter (年齢 30–49, 来庁日 in April) is narrowed by the
 * facet index before each row is checked. `form_range_facets(code, type, value)` is the bucketing
 * rule in SQL — the same as facetsOf in server/src/modules/forms/form-answers.ts (a test compares
 * them; for dates it takes any ISO-shaped day, the engine stores only valid ones) — used here to
 * fill in the facets of the responses stored before, item types taken from the version each
 * response answered (personal items get none).
 */

/** Adds the range facets of every stored response of the current tenant. */
export const RANGE_FACETS_BACKFILL = `
      WITH items AS (
        SELECT fv.form_id, fv.version, i->>'code' AS code, i->>'type' AS type,
               CASE WHEN jsonb_typeof(s->'repeat') = 'object' THEN s->>'code' END AS entries
          FROM form_version fv
          CROSS JOIN LATERAL jsonb_array_elements(fv.definition->'pages') AS p
          CROSS JOIN LATERAL jsonb_array_elements(p->'sections') AS s
          CROSS JOIN LATERAL jsonb_array_elements(s->'items') AS i
         WHERE i->>'type' IN ('number', 'date') AND coalesce(i->>'personal', 'false') <> 'true'
      ), buckets AS (
        SELECT fr.id, f
          FROM form_response fr
          JOIN items it ON it.form_id = fr.form_id AND it.version = fr.version
          CROSS JOIN LATERAL (
            SELECT fr.answers->it.code WHERE it.entries IS NULL
            UNION ALL
            SELECT e->it.code
              FROM jsonb_array_elements(CASE WHEN jsonb_typeof(fr.answers->it.entries) = 'array'
                                             THEN fr.answers->it.entries ELSE '[]'::jsonb END) AS e
             WHERE it.entries IS NOT NULL
          ) AS x(v)
          CROSS JOIN LATERAL unnest(form_range_facets(it.code, it.type, x.v)) AS f
      )
      UPDATE form_response fr
         SET facets = ARRAY(SELECT DISTINCT u FROM unnest(fr.facets || b.fs) AS u ORDER BY u)
        FROM (SELECT id, array_agg(f) AS fs FROM buckets GROUP BY id) AS b
       WHERE fr.id = b.id
`;

export class FormsRangeFacets1765324800000 implements MigrationInterface {
  name = 'FormsRangeFacets1765324800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION form_range_facets(code text, type text, v jsonb) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE
          WHEN type = 'number' AND jsonb_typeof(v) = 'number' AND abs((v #>> '{}')::numeric) < 1e15 THEN
            ARRAY(SELECT code || '#' || k || ':' || floor((v #>> '{}')::numeric / (10::numeric ^ k))::bigint
                    FROM unnest(ARRAY[1, 3, 5]) AS k)
          WHEN type = 'date' AND jsonb_typeof(v) = 'string' AND (v #>> '{}') ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN
            ARRAY[code || '@' || left(v #>> '{}', 4), code || '@' || left(v #>> '{}', 7)]
          ELSE '{}'::text[]
        END
      $$
    `);
    // form_response is under forced RLS (the owner too): filled in one tenant at a time.
    const tenants: Array<{ id: string }> = await q.query('SELECT id FROM tenant');
    for (const t of tenants) {
      await q.query(`SELECT set_config('app.tenant_id', $1, true)`, [t.id]);
      await q.query(RANGE_FACETS_BACKFILL);
    }
    await q.query(`SELECT set_config('app.tenant_id', '', true)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const tenants: Array<{ id: string }> = await q.query('SELECT id FROM tenant');
    for (const t of tenants) {
      await q.query(`SELECT set_config('app.tenant_id', $1, true)`, [t.id]);
      await q.query(`
      UPDATE form_response
         SET facets = ARRAY(SELECT u FROM unnest(facets) AS u WHERE u !~ '^[a-z][a-z0-9_]*(#[0-9]+:|@[0-9])' ORDER BY u)
       WHERE EXISTS (SELECT 1 FROM unnest(facets) AS u WHERE u ~ '^[a-z][a-z0-9_]*(#[0-9]+:|@[0-9])')
    `);
    }
    await q.query(`SELECT set_config('app.tenant_id', '', true)`);
    await q.query('DROP FUNCTION form_range_facets(text, text, jsonb)');
  }
}
