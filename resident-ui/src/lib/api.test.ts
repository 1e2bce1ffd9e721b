import { describe, expect, it, vi } from 'vitest';
import { fetchTenantContext, isTenantSlug, parseTenantContext, SUSPENDED_TYPE } from './api.ts';

function respond(status: number, body: unknown, type = 'application/json'): typeof fetch {
  return vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } }));
}

describe('fetchTenantContext', () => {
  it('returns the tenant and asks the same-origin API for it', async () => {
    const f = respond(200, {
      tenant: {
        slug: 'akaiwa',
        nameJa: '赤磐市',
        nameEn: 'Akaiwa City',
        links: [{ kind: 'city-site', label: '赤磐市ホームページ', url: 'https://www.city.akaiwa.lg.jp/' }],
      },
    });
    const r = await fetchTenantContext('akaiwa', f);
    expect(r).toEqual({
      kind: 'ok',
      tenant: {
        slug: 'akaiwa',
        nameJa: '赤磐市',
        nameEn: 'Akaiwa City',
        links: [{ kind: 'city-site', label: '赤磐市ホームページ', url: 'https://www.city.akaiwa.lg.jp/' }],
      },
    });
    expect(f).toHaveBeenCalledWith(
      '/api/t/akaiwa/context',
      expect.objectContaining({ credentials: 'same-origin' }),
    );
  });

  it('recognises a suspended tenant', async () => {
    const f = respond(
      403,
      {
        type: SUSPENDED_TYPE,
        title: 'このサービスは現在ご利用いただけません',
        status: 403,
        detail: '一時停止中です。',
      },
      'application/problem+json',
    );
    expect(await fetchTenantContext('akaiwa', f)).toEqual({
      kind: 'suspended',
      title: 'このサービスは現在ご利用いただけません',
      detail: '一時停止中です。',
    });
  });

  it('maps 404 to not-found and other failures to unavailable', async () => {
    expect(await fetchTenantContext('nowhere', respond(404, { title: '自治体が見つかりません' }))).toEqual({
      kind: 'not-found',
    });
    expect(await fetchTenantContext('akaiwa', respond(403, { type: 'about:blank' }))).toEqual({
      kind: 'unavailable',
      status: 403,
    });
    expect(await fetchTenantContext('akaiwa', respond(500, null))).toEqual({
      kind: 'unavailable',
      status: 500,
    });
    const offline = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await fetchTenantContext('akaiwa', offline)).toEqual({ kind: 'unavailable', status: null });
    expect(await fetchTenantContext('akaiwa', respond(200, { unexpected: true }))).toEqual({
      kind: 'unavailable',
      status: 200,
    });
  });

  it('never calls the API for an impossible slug', async () => {
    const f = vi.fn();
    expect(await fetchTenantContext('../admin', f as unknown as typeof fetch)).toEqual({ kind: 'not-found' });
    expect(f).not.toHaveBeenCalled();
  });
});

describe('parseTenantContext', () => {
  it('drops malformed and non-web links and keeps modules when present', () => {
    const t = parseTenantContext({
      tenant: {
        slug: 'kuwana',
        nameJa: '桑名市',
        nameEn: 'Kuwana City',
        modules: ['delivery', 7, 'segments'],
        links: [
          { kind: 'city-site', label: ' 桑名市ホームページ ', url: 'https://www.city.kuwana.lg.jp/' },
          { kind: 'other', label: 'bad', url: 'javascript:alert(1)' },
          { kind: 'other', label: '', url: 'https://example.jp/' },
          { label: 'no kind', url: 'https://example.jp/x' },
          'nonsense',
        ],
      },
    });
    expect(t).toEqual({
      slug: 'kuwana',
      nameJa: '桑名市',
      nameEn: 'Kuwana City',
      modules: ['delivery', 'segments'],
      links: [
        { kind: 'city-site', label: '桑名市ホームページ', url: 'https://www.city.kuwana.lg.jp/' },
        { kind: 'other', label: 'no kind', url: 'https://example.jp/x' },
      ],
    });
  });
});

describe('isTenantSlug', () => {
  it('accepts slugs and rejects everything else', () => {
    expect(isTenantSlug('akaiwa')).toBe(true);
    expect(isTenantSlug('a')).toBe(false);
    expect(isTenantSlug('Akaiwa')).toBe(false);
    expect(isTenantSlug('1city')).toBe(false);
    expect(isTenantSlug('_app')).toBe(false);
  });
});
