import { describe, expect, it } from 'vitest';
import { buildQuery, intParam, withQuery } from './query';

describe('query strings', () => {
  it('leaves out empty values and repeats arrays', () => {
    expect(buildQuery({ q: '山田', role: '', page: 2, locked: undefined, x: null, ids: ['a', 'b'] })).toBe(
      '?q=%E5%B1%B1%E7%94%B0&page=2&ids=a&ids=b',
    );
    expect(buildQuery({})).toBe('');
    expect(buildQuery(undefined)).toBe('');
  });

  it('appends to paths that already have a query', () => {
    expect(withQuery('/api/staff/export.csv?encoding=sjis', { q: 'a' })).toBe(
      '/api/staff/export.csv?encoding=sjis&q=a',
    );
    expect(withQuery('/api/staff', {})).toBe('/api/staff');
  });

  it('reads positive integers from URL parameters', () => {
    const sp = new URLSearchParams('page=3&pageSize=500&bad=-1');
    expect(intParam(sp, 'page', 1)).toBe(3);
    expect(intParam(sp, 'pageSize', 20, 100)).toBe(100);
    expect(intParam(sp, 'bad', 1)).toBe(1);
    expect(intParam(sp, 'missing', 20)).toBe(20);
  });
});
