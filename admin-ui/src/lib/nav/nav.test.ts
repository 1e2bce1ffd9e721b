import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type AppSession } from '#lib/state/session.ts';
import { accessProblem, guardRedirect, safeNext } from './guard';
import { navItemFor, visibleNav } from './nav';
import { manualPagesFor } from '#lib/manual/pages.ts';

const active = (over: Partial<AppSession> = {}): AppSession => ({
  ...ANONYMOUS,
  authenticated: true,
  stage: 'active',
  user: { id: '1', loginId: 'a', displayName: 'A', role: 'staff', totpEnabled: false },
  ...over,
});

describe('navigation config', () => {
  it('hides admin entries and features the account lacks', () => {
    const staff = visibleNav('tenant', { features: [], administration: false }).map((i) => i.href);
    expect(staff).toContain('/');
    expect(staff).not.toContain('/forms');
    expect(staff).not.toContain('/staff');
    const admin = visibleNav('tenant', { features: ['forms'], administration: true }).map((i) => i.href);
    expect(admin).toEqual(
      expect.arrayContaining(['/forms', '/staff', '/organisations', '/audit', '/security']),
    );
  });

  it('shows リッチメニュー, its screens and its manual page only with the richmenu feature', () => {
    const without = visibleNav('tenant', { features: ['forms'], administration: false });
    expect(without.map((i) => i.href)).not.toContain('/richmenus');
    const withIt = visibleNav('tenant', { features: ['richmenu'], administration: false });
    expect(withIt.find((i) => i.href === '/richmenus')?.label).toBe('リッチメニュー');
    expect(navItemFor('tenant', '/richmenus/0b0b0b0b-0000-4000-8000-000000000000')?.href).toBe('/richmenus');
    expect(accessProblem('tenant', active(), '/richmenus')).toBe('feature');
    expect(accessProblem('tenant', active({ features: ['richmenu'] }), '/richmenus/1')).toBeNull();
    const slugs = (f: string[]) =>
      manualPagesFor('tenant', { administration: false, features: f }).map((p) => p.slug);
    expect(slugs([])).not.toContain('richmenu');
    expect(slugs(['richmenu'])).toContain('richmenu');
  });

  it('hides the account entries from vendor support inside a tenant', () => {
    const hrefs = visibleNav('tenant', { features: [], administration: true, vendorSupport: true }).map(
      (i) => i.href,
    );
    expect(hrefs).toContain('/staff');
    expect(hrefs).not.toContain('/account/password');
  });

  it('finds the entry of nested paths', () => {
    expect(navItemFor('tenant', '/staff/123')?.href).toBe('/staff');
    expect(navItemFor('tenant', '/teams')?.href).toBe('/organisations');
    expect(navItemFor('tenant', '/')?.href).toBe('/');
    expect(navItemFor('tenant', '/staffing')).toBeUndefined();
    expect(navItemFor('vendor', '/vendor/tenants/new')?.href).toBe('/vendor/tenants');
  });
});

describe('guardRedirect', () => {
  it('sends anonymous users to login, remembering where they were', () => {
    expect(guardRedirect('tenant', ANONYMOUS, '/', '')).toBe('/login');
    expect(guardRedirect('tenant', ANONYMOUS, '/staff', '?page=2')).toBe('/login?next=%2Fstaff%3Fpage%3D2');
    expect(guardRedirect('tenant', ANONYMOUS, '/login', '')).toBeNull();
    expect(guardRedirect('tenant', ANONYMOUS, '/manual/login', '')).toBeNull();
  });

  it('keeps a half-finished TOTP login on the login page', () => {
    const s = active({ stage: 'totp' });
    expect(guardRedirect('tenant', s, '/staff', '')).toBe('/login?next=%2Fstaff');
    expect(guardRedirect('tenant', s, '/login', '')).toBeNull();
  });

  it('forces the password change first', () => {
    const s = active({ mustChangePassword: true });
    expect(guardRedirect('tenant', s, '/staff', '')).toBe('/password');
    expect(guardRedirect('tenant', s, '/password', '')).toBeNull();
    expect(guardRedirect('tenant', s, '/manual/password', '')).toBeNull();
  });

  it('forces the TOTP setup when the tenant requires it', () => {
    const s = active({ totpSetupRequired: true });
    expect(guardRedirect('tenant', s, '/staff', '')).toBe('/account/totp');
    expect(guardRedirect('tenant', s, '/account/totp', '')).toBeNull();
    expect(
      guardRedirect(
        'tenant',
        active({ totpSetupRequired: true, mustChangePassword: true }),
        '/account/totp',
        '',
      ),
    ).toBe('/password');
  });

  it('leaves the login page after signing in, to a safe next path', () => {
    expect(guardRedirect('tenant', active(), '/login', '?next=%2Faudit')).toBe('/audit');
    expect(guardRedirect('tenant', active(), '/login', '?next=https://evil.example')).toBe('/');
    expect(guardRedirect('vendor', active(), '/login', '')).toBe('/vendor/tenants');
  });

  it('keeps each console to its own screens', () => {
    expect(guardRedirect('vendor', active(), '/staff', '')).toBe('/vendor/tenants');
    expect(guardRedirect('vendor', active(), '/', '')).toBe('/vendor/tenants');
    expect(guardRedirect('vendor', active(), '/account/password', '')).toBeNull();
    expect(guardRedirect('tenant', active(), '/vendor/tenants', '')).toBe('/');
    expect(guardRedirect('tenant', active(), '/staff', '')).toBeNull();
  });

  it('accepts only local next paths', () => {
    expect(safeNext('//evil.example')).toBeNull();
    expect(safeNext('/\\evil')).toBeNull();
    expect(safeNext('/login?next=/x')).toBeNull();
    expect(safeNext('/forms?q=a')).toBe('/forms?q=a');
  });
});

describe('accessProblem', () => {
  it('refuses admin screens and manual pages to non-administrators', () => {
    expect(accessProblem('tenant', active(), '/staff')).toBe('admin');
    expect(accessProblem('tenant', active(), '/manual/audit')).toBe('admin');
    expect(accessProblem('tenant', active({ administration: true }), '/staff')).toBeNull();
  });
  it('keeps manual pages to their console and features', () => {
    expect(accessProblem('tenant', active({ administration: true }), '/manual/vendor-tenants')).toBe(
      'console',
    );
    expect(accessProblem('tenant', active(), '/manual/forms')).toBe('feature');
    expect(accessProblem('vendor', active({ administration: true }), '/manual/vendor-tenants')).toBeNull();
  });
  it('refuses module screens without the feature', () => {
    expect(accessProblem('tenant', active(), '/forms')).toBe('feature');
    expect(accessProblem('tenant', active({ features: ['forms'] }), '/forms/1')).toBeNull();
  });
});

describe('manual index', () => {
  it('lists pages by console and permission', () => {
    const slugs = (admin: boolean) =>
      manualPagesFor('tenant', { administration: admin, features: ['forms'] }).map((p) => p.slug);
    expect(slugs(false)).not.toContain('staff');
    expect(slugs(true)).toContain('security');
    expect(slugs(true)).not.toContain('vendor-tenants');
    expect(manualPagesFor('vendor', { administration: true, features: [] }).map((p) => p.slug)).toContain(
      'vendor-tenants',
    );
    expect(manualPagesFor('tenant', null).map((p) => p.slug)).toEqual(['login', 'password']);
  });
});
