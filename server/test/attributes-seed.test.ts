import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { listItems, loadResidentValues } from '../src/modules/attributes/attributes.service.js';
import { seedDemoResidentValues, seedTenantAttributes } from '../src/modules/attributes/seed.js';
import { validateSubmission } from '../src/modules/attributes/values.js';
import { createTestTenant, type TestTenant } from './helpers.js';

describe('loading a city’s attribute seed', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTestTenant('sd');
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  it('is idempotent, additive and leaves what staff changed', async () => {
    const first = await withTenant(t.tenant.id, (m) => seedTenantAttributes(m, t.tenant.id, 'tozawa'));
    expect(first!.itemsCreated.length).toBe(28);
    expect(first!.formsCreated).toEqual(['settings', 'shokuin']);
    await withTenant(t.tenant.id, async (m) => {
      await m.query("update attribute_item set label = '年齢層' where code = 'age_band'");
      await m.query("update attribute_item set status = 'archived' where code = 'car'");
      await m.query(
        "delete from registration_form_item where form_id = (select id from registration_form where code = 'settings') and item_id = (select id from attribute_item where code = 'pets')",
      );
    });
    const again = await withTenant(t.tenant.id, (m) => seedTenantAttributes(m, t.tenant.id, 'tozawa'));
    expect(again).toEqual({ itemsCreated: [], formsCreated: [] });
    const items = await withTenant(t.tenant.id, (m) => listItems(m, { status: 'all' }));
    expect(items).toHaveLength(28);
    expect(items.find((i) => i.code === 'age_band')!.label).toBe('年齢層');
    expect(items.find((i) => i.code === 'car')!.status).toBe('archived');
    const greeting = await withTenant(t.tenant.id, (m) =>
      m.query('select greeting_text from registration_settings'),
    );
    expect(greeting[0].greeting_text).toContain('戸沢村公式LINE');
    expect(
      await withTenant(t.tenant.id, (m) => seedTenantAttributes(m, t.tenant.id, 'no-such-city')),
    ).toBeNull();
  });

  it('gives demo residents without answers plausible, valid values, the same on every run', async () => {
    const ids = await withTenant(t.tenant.id, async (m) => {
      const out: string[] = [];
      for (let n = 0; n < 20; n++) {
        const rows: Array<{ id: string }> = await m.query(
          `insert into resident (tenant_id, channel_kind, line_user_id, friend_status) values ($1, 'test', $2, 'friend') returning id`,
          [t.tenant.id, `U${n.toString(16).padStart(32, 'd')}`],
        );
        out.push(rows[0]!.id);
      }
      return out;
    });
    expect(await withTenant(t.tenant.id, (m) => seedDemoResidentValues(m, t.tenant.id))).toBe(20);
    const items = await withTenant(t.tenant.id, (m) => listItems(m, { status: 'active' }));
    const first = await withTenant(t.tenant.id, (m) => loadResidentValues(m, ids[0]!));
    for (const id of ids) {
      const values = await withTenant(t.tenant.id, (m) => loadResidentValues(m, id));
      expect(values.residence).toBeTruthy();
      const check = validateSubmission(items, values, { mode: 'patch', now: new Date() });
      expect(check.errors).toEqual([]);
    }
    // A second run leaves residents who have answers alone.
    expect(await withTenant(t.tenant.id, (m) => seedDemoResidentValues(m, t.tenant.id))).toBe(0);
    expect(await withTenant(t.tenant.id, (m) => loadResidentValues(m, ids[0]!))).toEqual(first);
  });

  it.each(['akaiwa', 'toyoake', 'kuwana', 'toyonaka'])(
    '%s: demo answers are valid for every item kind its seed uses (month-precision dates too)',
    async (slug) => {
      const tt = await createTestTenant(`sd${slug.slice(0, 3)}`);
      await withTenant(tt.tenant.id, (m) => seedTenantAttributes(m, tt.tenant.id, slug));
      const ids = await withTenant(tt.tenant.id, async (m) => {
        const out: string[] = [];
        for (let n = 0; n < 12; n++) {
          const rows: Array<{ id: string }> = await m.query(
            `insert into resident (tenant_id, channel_kind, line_user_id, friend_status) values ($1, 'test', $2, 'friend') returning id`,
            [tt.tenant.id, `U${n.toString(16).padStart(32, 'e')}`],
          );
          out.push(rows[0]!.id);
        }
        return out;
      });
      expect(await withTenant(tt.tenant.id, (m) => seedDemoResidentValues(m, tt.tenant.id))).toBe(12);
      const items = await withTenant(tt.tenant.id, (m) => listItems(m, { status: 'active' }));
      for (const id of ids) {
        const values = await withTenant(tt.tenant.id, (m) => loadResidentValues(m, id));
        expect(validateSubmission(items, values, { mode: 'patch', now: new Date() }).errors).toEqual([]);
      }
    },
  );
});
