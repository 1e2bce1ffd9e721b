import { describe, expect, it } from 'vitest';
import { manualPagesFor } from '#lib/manual/pages.ts';
import { accessProblem } from '#lib/nav/guard.ts';
import { navItemFor, visibleNav } from '#lib/nav/nav.ts';
import { ANONYMOUS, type AppSession } from '#lib/state/session.ts';

const session = (over: Partial<AppSession>): AppSession => ({
  ...ANONYMOUS,
  authenticated: true,
  stage: 'active',
  user: { id: '1', loginId: 'a', displayName: 'A', role: 'staff', totpEnabled: false },
  ...over,
});

describe('segment screens in the navigation', () => {
  it('セグメント and 属性の分布 need the segments feature; 配信先の制限 is for administrators too', () => {
    const hrefs = (features: string[], administration: boolean) =>
      visibleNav('tenant', { features, administration }).map((i) => i.href);
    expect(hrefs([], false)).not.toContain('/segments');
    expect(hrefs(['segments'], false)).toEqual(expect.arrayContaining(['/segments', '/segments/research']));
    expect(hrefs(['segments'], false)).not.toContain('/segments/restrictions');
    expect(hrefs(['segments'], true)).toContain('/segments/restrictions');
    expect(hrefs([], true)).not.toContain('/segments/restrictions');
  });

  it('each screen belongs to its own entry, and refuses accounts without the right', () => {
    expect(navItemFor('tenant', '/segments/0b0b0b0b-0000-4000-8000-000000000000')?.href).toBe('/segments');
    expect(navItemFor('tenant', '/segments/new')?.href).toBe('/segments');
    expect(navItemFor('tenant', '/segments/research')?.label).toBe('属性の分布');
    expect(accessProblem('tenant', session({ features: [] }), '/segments/new')).toBe('feature');
    expect(accessProblem('tenant', session({ features: ['segments'] }), '/segments/research')).toBeNull();
    expect(accessProblem('tenant', session({ features: ['segments'] }), '/segments/restrictions')).toBe(
      'admin',
    );
    expect(
      accessProblem(
        'tenant',
        session({ features: ['segments'], administration: true }),
        '/segments/restrictions',
      ),
    ).toBeNull();
  });

  it('the manual pages follow the same rules', () => {
    const slugs = (features: string[], administration: boolean) =>
      manualPagesFor('tenant', { features, administration }).map((p) => p.slug);
    expect(slugs([], false)).not.toContain('segments');
    expect(slugs(['segments'], false)).toEqual(expect.arrayContaining(['segments', 'segment-research']));
    expect(slugs(['segments'], false)).not.toContain('segment-restrictions');
    expect(slugs(['segments'], true)).toContain('segment-restrictions');
  });
});
