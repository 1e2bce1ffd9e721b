import { describe, expect, it } from 'vitest';
import { currentSort, hrefWith, hrefWithFilters, lastPage, pageList, sortHref } from './url';

const u = (s: string) => new URL(s, 'http://akaiwa.admin.localhost:3000');

describe('list URLs', () => {
  it('sets and removes parameters', () => {
    expect(hrefWith(u('/staff?q=a&page=3'), { page: 4 })).toBe('/staff?q=a&page=4');
    expect(hrefWith(u('/staff?q=a'), { q: '' })).toBe('/staff');
    expect(hrefWithFilters(u('/staff?page=5'), { role: 'viewer' })).toBe('/staff?role=viewer');
  });

  it('toggles sort order on the same column', () => {
    const url = u('/staff?sort=loginId&order=asc&page=2');
    expect(sortHref(url, 'loginId', 'loginId')).toBe('/staff?sort=loginId&order=desc');
    expect(sortHref(url, 'role', 'loginId')).toBe('/staff?sort=role&order=asc');
    expect(currentSort(u('/staff'), 'createdAt', 'desc')).toEqual({ sort: 'createdAt', order: 'desc' });
  });

  it('lists pages with gaps', () => {
    expect(pageList(1, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(pageList(1, 20)).toEqual([1, 2, 3, 4, null, 20]);
    expect(pageList(10, 20)).toEqual([1, null, 9, 10, 11, null, 20]);
    expect(pageList(20, 20)).toEqual([1, null, 17, 18, 19, 20]);
    expect(lastPage(0, 20)).toBe(1);
    expect(lastPage(41, 20)).toBe(3);
  });
});
