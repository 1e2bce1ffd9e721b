import { describe, expect, it } from 'vitest';
import { manualPagesFor } from '#lib/manual/pages.ts';
import { accessProblem } from '#lib/nav/guard.ts';
import { navItemFor, visibleNav } from '#lib/nav/nav.ts';
import { ANONYMOUS, type AppSession } from '#lib/state/session.ts';

const staff = (features: string[]): AppSession => ({
  ...ANONYMOUS,
  authenticated: true,
  stage: 'active',
  user: { id: '1', loginId: 's', displayName: 'S', role: 'staff', totpEnabled: false },
  features,
});

describe('友だち, 属性項目 and 登録フォーム in the navigation', () => {
  const screens = ['/residents', '/attributes', '/registration-forms'];

  it('are shown with the segments feature (as the server checks it) and hidden without', () => {
    const hrefs = (features: string[]) =>
      visibleNav('tenant', { features, administration: false }).map((i) => i.href);
    for (const s of screens) {
      expect(hrefs(['segments'])).toContain(s);
      expect(hrefs(['forms'])).not.toContain(s);
    }
  });

  it('cover their sub-screens and refuse them without the feature', () => {
    expect(navItemFor('tenant', '/attributes/new')?.href).toBe('/attributes');
    expect(navItemFor('tenant', '/registration-forms/greeting')?.href).toBe('/registration-forms');
    expect(navItemFor('tenant', '/residents/0b0b0b0b-0000-4000-8000-000000000000')?.href).toBe('/residents');
    expect(accessProblem('tenant', staff([]), '/residents/1')).toBe('feature');
    expect(accessProblem('tenant', staff(['segments']), '/registration-forms/greeting')).toBeNull();
  });

  it('each have a manual page for staff with the feature', () => {
    const slugs = (features: string[]) =>
      manualPagesFor('tenant', { administration: false, features }).map((p) => p.slug);
    expect(slugs(['segments'])).toEqual(
      expect.arrayContaining(['residents', 'attributes', 'registration-forms']),
    );
    expect(slugs([])).not.toContain('residents');
  });
});
