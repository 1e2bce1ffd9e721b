import { describe, expect, it } from 'vitest';
import { contrastRatio, hashSlug, relativeLuminance, tenantColours } from './tenant-colour.ts';

const SLUGS = ['akaiwa', 'toyoake', 'tozawa', 'kuwana', 'toyonaka'];

describe('tenantColours', () => {
  it('is stable for a slug', () => {
    expect(tenantColours('akaiwa')).toEqual(tenantColours('akaiwa'));
    expect(hashSlug('akaiwa')).toBe(hashSlug('akaiwa'));
  });

  it('gives the five tenants five different colours', () => {
    const brands = SLUGS.map((s) => tenantColours(s).brand);
    expect(new Set(brands).size).toBe(SLUGS.length);
  });

  it('keeps white header text at WCAG AA contrast for any slug', () => {
    const many = [...SLUGS, ...Array.from({ length: 500 }, (_, i) => `city-${i}`)];
    for (const slug of many) {
      const c = tenantColours(slug);
      expect(c.brand, slug).toMatch(/^#[0-9a-f]{6}$/);
      expect(contrastRatio(c.brand, c.onBrand), slug).toBeGreaterThanOrEqual(4.5);
      // dark body text (#1a1a1a) on the tint background
      expect(contrastRatio(c.tint, '#1a1a1a'), slug).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('contrastRatio', () => {
  it('matches the WCAG reference values', () => {
    expect(relativeLuminance('#ffffff')).toBeCloseTo(1, 5);
    expect(relativeLuminance('#000000')).toBe(0);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('rejects malformed colours', () => {
    expect(() => relativeLuminance('red')).toThrow();
  });
});
