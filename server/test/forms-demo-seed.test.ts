import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import {
  DEMO_PUBLIC_COMMENT_CODE,
  DEMO_SATISFACTION_CODE,
  satisfactionCount,
  seedDemoForms,
} from '../src/modules/forms/demo-seed.js';
import type { FormAnswers } from '../src/contracts/index.js';
import { readAnswers } from '../src/modules/forms/form-submit.js';
import { createStaff, createTestTenant, type TestTenant } from './helpers.js';

/** The demo's forms (scripts/seed-demo.ts): real submissions, the same every run, never twice. */
describe('demo forms of the seed', () => {
  let a: TestTenant;
  let b: TestTenant;
  const now = new Date('2026-12-07T03:00:00Z');
  beforeAll(async () => {
    a = await createTestTenant('dfa');
    b = await createTestTenant('dfb');
    await createStaff(a.tenant.id, { loginId: 'admin', role: 'administrator', orgIds: [a.orgs.ka!] });
    await createStaff(b.tenant.id, { loginId: 'admin', role: 'administrator', orgIds: [b.orgs.ka!] });
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  const responses = (t: TestTenant, code: string) =>
    withTenant(t.tenant.id, (m) =>
      m.query(
        `select fr.id, fr.receipt_number, fr.source, fr.answers, fr.personal_enc, fr.facets, fr.submitted_at,
                fr.entered_by, fr.visitor_hash
           from form_response fr join form f on f.id = fr.form_id where f.code = $1 order by fr.receipt_number`,
        [code],
      ),
    ) as Promise<
      Array<{
        id: string;
        receipt_number: string;
        source: string;
        answers: FormAnswers;
        personal_enc: string | null;
        facets: string[];
        submitted_at: Date;
        entered_by: string | null;
        visitor_hash: string | null;
      }>
    >;

  it('publishes the satisfaction survey and a public comment with numbered, checked, sealed answers', async () => {
    const started = Date.now();
    const first = await withTenant(a.tenant.id, (m) =>
      seedDemoForms(m, { id: a.tenant.id, slug: 'toyonaka', nameJa: '豊中市' }, now),
    );
    const elapsed = Date.now() - started;
    const n = satisfactionCount('toyonaka');
    expect(n).toBeGreaterThanOrEqual(120);
    expect(n).toBeLessThanOrEqual(200);
    expect(first).toEqual({
      created: [DEMO_SATISFACTION_CODE, DEMO_PUBLIC_COMMENT_CODE],
      responses: n + 5,
    });
    // Five cities must seed well within the start-up budget.
    expect(elapsed).toBeLessThan(6000);

    const forms = await withTenant(a.tenant.id, (m) =>
      m.query(
        `select code, status, published_version, response_count from form where code = any($1) order by code`,
        [[DEMO_SATISFACTION_CODE, DEMO_PUBLIC_COMMENT_CODE]],
      ),
    );
    expect(forms).toEqual([
      { code: DEMO_PUBLIC_COMMENT_CODE, status: 'published', published_version: 1, response_count: 5 },
      { code: DEMO_SATISFACTION_CODE, status: 'published', published_version: 1, response_count: n },
    ]);

    const sat = await responses(a, DEMO_SATISFACTION_CODE);
    expect(sat).toHaveLength(n);
    expect(sat[0]!.receipt_number).toBe('M-2026-000001');
    expect(sat[n - 1]!.receipt_number).toBe(`M-2026-${String(n).padStart(6, '0')}`);
    // In the order of their numbers, over the five weeks before "now".
    for (let i = 1; i < n; i++)
      expect(sat[i]!.submitted_at.getTime()).toBeGreaterThanOrEqual(sat[i - 1]!.submitted_at.getTime());
    expect(sat[0]!.submitted_at.getTime()).toBeGreaterThan(now.getTime() - 36 * 86_400_000);
    expect(sat[n - 1]!.submitted_at.getTime()).toBeLessThan(now.getTime());
    expect(new Set(sat.map((r) => r.source))).toEqual(new Set(['web', 'paper', 'counter', 'phone']));
    for (const r of sat) {
      expect(r.answers.age_group).toBeTruthy();
      expect(r.facets).toContain(`age_group=${r.answers.age_group as string}`);
      // Staff entries name the staff member; browser answers a visitor, never both.
      expect(r.source === 'web' ? r.visitor_hash : r.entered_by).toBeTruthy();
      expect(r.source === 'web' ? r.entered_by : r.visitor_hash).toBeNull();
    }
    const levels = new Set(sat.map((r) => r.answers.sat_kotsu));
    expect(levels.size).toBeGreaterThanOrEqual(4);

    const pc = await responses(a, DEMO_PUBLIC_COMMENT_CODE);
    expect(pc.map((r) => r.receipt_number)).toEqual([1, 2, 3, 4, 5].map((i) => `P-2026-00000${i}`));
    for (const r of pc) {
      // Names, addresses and phone numbers are sealed with the tenant key, not in the jsonb.
      expect(r.answers.name).toBeUndefined();
      expect(r.answers.address).toBeUndefined();
      expect(r.personal_enc).toBeTruthy();
      expect(JSON.stringify(r.answers)).not.toContain('桜塚');
    }
    const whole = await withTenant(a.tenant.id, () =>
      readAnswers({ id: pc[1]!.id, answers: pc[1]!.answers, personal_enc: pc[1]!.personal_enc }),
    );
    expect(whole).toMatchObject({ name: '緑丘 花子', reflection: 'partly', postal_code: '560-0001' });
  });

  it('adds nothing when run again, and gives another database the same answers', async () => {
    const before = await responses(a, DEMO_SATISFACTION_CODE);
    const again = await withTenant(a.tenant.id, (m) =>
      seedDemoForms(m, { id: a.tenant.id, slug: 'toyonaka', nameJa: '豊中市' }, now),
    );
    expect(again).toEqual({ created: [], responses: 0 });
    expect(await responses(a, DEMO_SATISFACTION_CODE)).toHaveLength(before.length);

    await withTenant(b.tenant.id, (m) =>
      seedDemoForms(m, { id: b.tenant.id, slug: 'toyonaka', nameJa: '豊中市' }, now),
    );
    const other = await responses(b, DEMO_SATISFACTION_CODE);
    expect(other.map((r) => [r.receipt_number, r.source, r.answers, r.submitted_at.toISOString()])).toEqual(
      before.map((r) => [r.receipt_number, r.source, r.answers, r.submitted_at.toISOString()]),
    );
  });

  it('words a village’s survey as a village (村民満足度調査, 村内)', async () => {
    const c = await createTestTenant('dfc');
    await createStaff(c.tenant.id, { loginId: 'admin', role: 'administrator', orgIds: [c.orgs.ka!] });
    const r = await withTenant(c.tenant.id, (m) =>
      seedDemoForms(m, { id: c.tenant.id, slug: 'tozawa', nameJa: '戸沢村' }, now),
    );
    expect(r.created).toEqual([DEMO_SATISFACTION_CODE]);
    const rows: Array<{ title: string; draft: unknown }> = await withTenant(c.tenant.id, (m) =>
      m.query('select title, draft from form where code = $1', [DEMO_SATISFACTION_CODE]),
    );
    expect(rows[0]!.title).toBe('村民満足度調査（令和8年度）');
    expect(JSON.stringify(rows[0]!.draft)).toContain('村内に住み続けたい');
    expect(JSON.stringify(rows[0]!.draft)).not.toContain('市内');
  });
});
