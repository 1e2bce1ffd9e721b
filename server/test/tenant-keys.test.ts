import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decryptField, encryptField, forgetDataKeys } from '../src/platform/crypto/tenant-keys.js';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { createTestTenant, type TestTenant } from './helpers.js';

describe('tenant data keys', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTestTenant();
  });
  afterAll(async () => {
    await closeDataSources();
  });

  it('a page decrypting many fields at once looks its key up once in its transaction', async () => {
    const sealed = await withTenant(t.tenant.id, () =>
      Promise.all(Array.from({ length: 50 }, (_, i) => encryptField(`回答${i}`, `test:${i}`))),
    );
    forgetDataKeys();
    await withTenant(t.tenant.id, async (m) => {
      const query = vi.spyOn(m, 'query');
      const opened = await Promise.all(sealed.map((s, i) => decryptField(s, `test:${i}`)));
      expect(opened).toEqual(Array.from({ length: 50 }, (_, i) => `回答${i}`));
      const lookups = query.mock.calls.filter(([sql]) => String(sql).includes('tenant_data_key'));
      expect(lookups).toHaveLength(1);
    });
  });
});
