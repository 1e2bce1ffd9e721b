import { describe, expect, it } from 'vitest';
import { validateTenant } from './tenant-validation';

const ok = {
  slug: 'akaiwa',
  nameJa: '赤磐市',
  nameEn: 'Akaiwa City',
  prefectureJa: '岡山県',
  localGovCode: '332135',
  adminSubdomain: 'akaiwa',
  lineAccountId: '@akaiwa',
  modules: ['forms'],
};

describe('validateTenant', () => {
  it('accepts a complete tenant', () => {
    expect(validateTenant(ok)).toEqual({});
  });

  it('explains each mistake in Japanese', () => {
    const e = validateTenant({
      ...ok,
      slug: 'Akaiwa',
      localGovCode: '3321',
      nameJa: ' ',
      adminSubdomain: '1x',
    });
    expect(Object.keys(e).sort()).toEqual(['adminSubdomain', 'localGovCode', 'nameJa', 'slug']);
    expect(e.localGovCode).toContain('6桁');
  });
});
