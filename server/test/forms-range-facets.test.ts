import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RANGE_FACETS_BACKFILL } from '../../migrations/1765324800000-forms-range-facets.js';
import { compileForm, type FormDefinitionInput } from '../src/contracts/index.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { closeFormsQueue } from '../src/modules/forms/form-jobs.js';
import { facetsOf, rangeFacetsOf } from '../src/modules/forms/form-answers.js';
import { ResidentClient, publishedForm } from './forms-fixtures.js';
import { AdminClient, createStaff, createTestTenant, superuser, type TestTenant } from './helpers.js';

/**
 * Range facets (migration 1765324800000): the SQL bucketing rule agrees with the server's, the
 * migration's backfill gives a stored response the facets a new one gets, and a closed range
 * filter really is narrowed by them (a response without them is not found).
 */

const DEF: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      sections: [
        {
          code: 's1',
          items: [
            { type: 'number', code: 'age', label: '年齢', integer: false },
            { type: 'date', code: 'visit', label: '来庁日' },
            { type: 'number', code: 'income', label: '収入', personal: true },
          ],
        },
        {
          code: 'kids',
          repeat: { min: 0, max: 3, itemName: 'お子さま' },
          items: [{ type: 'number', code: 'kid_age', label: '年齢' }],
        },
      ],
    },
  ],
};

describe('forms: range facets', () => {
  let t: TestTenant;
  let admin: AdminClient;
  let form: { id: string; code: string; version: number };

  beforeAll(async () => {
    t = await createTestTenant('rf');
    const a = await createStaff(t.tenant.id, { role: 'administrator', orgIds: [t.orgs.ka!] });
    admin = AdminClient.forTenant(t.tenant);
    expect((await admin.login(a.loginId)).status).toBe(200);
    form = await publishedForm(admin, t.orgs.ka!, DEF, { sendCompletionToTalk: false }, '範囲の絞り込み');
  });
  afterAll(async () => {
    await closeFormsQueue();
    await closeDataSources();
    await closeRedis();
  });

  it('the SQL rule and the server’s give the same facets', async () => {
    const compiled = compileForm(DEF, 1);
    const age = compiled.items.get('age')!;
    const visit = compiled.items.get('visit')!;
    const cases: Array<[typeof age, unknown]> = [
      [age, 0],
      [age, 7],
      [age, 42],
      [age, -0.5],
      [age, -12345.67],
      [age, 99999.99],
      [age, 123456789],
      [age, 1e16],
      [age, '42'],
      [visit, '2026-04-15'],
      [visit, '1999-12-31'],
      [visit, 'not a date'],
    ];
    const sql = await superuser((c) =>
      Promise.all(
        cases.map(async ([ci, v]) => {
          const r = await c.query('select form_range_facets($1, $2, $3::jsonb) as f', [
            ci.code,
            ci.item.type,
            JSON.stringify(v),
          ]);
          return (r.rows[0] as { f: string[] }).f;
        }),
      ),
    );
    cases.forEach(([ci, v], i) =>
      expect(sql[i]!.slice().sort(), `${ci.code} ${String(v)}`).toEqual(rangeFacetsOf(ci, v).sort()),
    );
  });

  it('the backfill gives a stored response the facets a new one gets; a closed range filter needs them', async () => {
    const r = await ResidentClient.signIn(t.tenant);
    const answers = {
      age: 42.5,
      visit: '2026-04-15',
      income: 5_000_000,
      kids: [{ kid_age: 3 }, { kid_age: 11 }],
    };
    const sent = await r.post(`/forms/${form.code}/responses`, { version: 1, answers });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const facetsNow = async () =>
      (
        (await withTenant(t.tenant.id, (m) =>
          m.query('select facets from form_response where form_id = $1', [form.id]),
        )) as Array<{ facets: string[] }>
      )[0]!.facets;
    const written = await facetsNow();
    expect(written.slice().sort()).toEqual(facetsOf(compileForm(DEF, 1), answers));
    expect(written).toEqual(
      expect.arrayContaining(['age#1:4', 'kid_age#1:0', 'kid_age#1:1', 'visit@2026-04']),
    );
    expect(written.join(' ')).not.toMatch(/income[#@]/);

    const inRange = async (filter: unknown) =>
      (
        await admin.get(
          `/api/forms/${form.id}/responses?filters=${encodeURIComponent(JSON.stringify([filter]))}`,
        )
      ).body.items.length as number;
    const closed = { item: 'kid_age', op: 'range', min: 10, max: 12 };
    expect(await inRange(closed)).toBe(1);
    expect(await inRange({ item: 'visit', op: 'range', min: '2026-04-01', max: '2026-04-30' })).toBe(1);
    expect(await inRange({ item: 'visit', op: 'range', min: '2026-05-01', max: '2026-05-31' })).toBe(0);

    // Stored before the migration: no range facets. The closed range is narrowed by them, so the
    // response is not found until the backfill gives them back; an open range needs none.
    await superuser((c) =>
      c.query(
        `update form_response set facets = array(select u from unnest(facets) u where u !~ '[#@]') where form_id = $1`,
        [form.id],
      ),
    );
    expect(await inRange(closed)).toBe(0);
    expect(await inRange({ item: 'kid_age', op: 'range', min: 10 })).toBe(1);
    await withTenant(t.tenant.id, (m) => m.query(RANGE_FACETS_BACKFILL));
    expect((await facetsNow()).slice().sort()).toEqual(written.slice().sort());
    expect(await inRange(closed)).toBe(1);
  });
});
