import { describe, expect, it } from 'vitest';
import { authBase, isActive, normaliseSession, roleLabel } from './session';

describe('normaliseSession', () => {
  it('keeps the CSRF token of an anonymous session', () => {
    const s = normaliseSession('tenant', { authenticated: false, csrfToken: 'abc' });
    expect(s.authenticated).toBe(false);
    expect(s.csrfToken).toBe('abc');
    expect(isActive(s)).toBe(false);
  });

  it('reads a staff session with features, administration and vendor support', () => {
    const s = normaliseSession('tenant', {
      authenticated: true,
      stage: 'active',
      csrfToken: 't',
      mustChangePassword: false,
      staff: {
        id: '1',
        loginId: 'admin',
        displayName: '赤磐 太郎',
        role: 'administrator',
        totpEnabled: false,
      },
      features: ['forms'],
      permissions: { administration: true },
      vendor: { label: 'サポート 花子', reason: '問い合わせ対応' },
    });
    expect(isActive(s)).toBe(true);
    expect(s.user?.displayName).toBe('赤磐 太郎');
    expect(s.features).toEqual(['forms']);
    expect(s.administration).toBe(true);
    expect(s.vendorSupport?.reason).toBe('問い合わせ対応');
    expect(s.totpSetupRequired).toBe(false);
  });

  it('reads a vendor support session inside a tenant (no staff id) and a required TOTP setup', () => {
    const s = normaliseSession('tenant', {
      authenticated: true,
      stage: 'active',
      csrfToken: 't',
      totpSetupRequired: true,
      staff: { id: null, loginId: null, displayName: 'サポート', role: 'administrator', totpEnabled: true },
      features: [],
      permissions: { administration: true },
      vendor: { label: 'サポート', reason: '調査' },
    });
    expect(s.user?.id).toBe('');
    expect(s.totpSetupRequired).toBe(true);
  });

  it('treats the TOTP stage as not yet active', () => {
    const s = normaliseSession('tenant', { authenticated: true, stage: 'totp', csrfToken: 't' });
    expect(s.authenticated).toBe(true);
    expect(isActive(s)).toBe(false);
  });

  it('reads a vendor session, whose `vendor` is the account itself', () => {
    const s = normaliseSession('vendor', {
      authenticated: true,
      stage: 'active',
      csrfToken: 'v',
      mustChangePassword: true,
      vendor: { id: 'v1', loginId: 'support', displayName: 'サポート' },
    });
    expect(s.user?.role).toBe('vendor');
    expect(s.vendorSupport).toBeNull();
    expect(s.mustChangePassword).toBe(true);
  });

  it('survives garbage', () => {
    expect(normaliseSession('tenant', null).authenticated).toBe(false);
  });
});

describe('labels', () => {
  it('names roles in Japanese', () => {
    expect(roleLabel('administrator')).toBe('管理者');
    expect(roleLabel('operator')).toBe('委託事業者');
    expect(roleLabel('unknown')).toBe('unknown');
    expect(roleLabel(null)).toBe('—');
  });
  it('picks the auth endpoints per console', () => {
    expect(authBase('tenant')).toBe('/api/auth');
    expect(authBase('vendor')).toBe('/api/vendor');
  });
});
