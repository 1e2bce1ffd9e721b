import { describe, expect, it } from 'vitest';
import { detailSearch, listContext } from './list-context';

describe('a response opened from the list keeps the list', () => {
  const filters = JSON.stringify([{ item: 'area', op: 'in', values: ['kita'] }]);
  const list = new URLSearchParams({ filters, sort: 'item:age', order: 'asc', page: '3', pageSize: '50' });

  it('links a row with the list’s filters and sort and its position, not the page', () => {
    const search = new URLSearchParams(detailSearch(list, 4));
    expect(search.get('pos')).toBe('105');
    expect(search.get('page')).toBeNull();
    expect(search.get('filters')).toBe(filters);
    expect(search.get('sort')).toBe('item:age');
    expect(new URLSearchParams(detailSearch(new URLSearchParams(), 0)).get('pos')).toBe('1');
    // Unknown parameters of the list page do not travel.
    expect(detailSearch(new URLSearchParams({ encoding: 'sjis' }), 1)).toBe('?pos=2');
  });

  it('asks the API for the neighbours with the same list and leads back to the right page', () => {
    const ctx = listContext(new URLSearchParams(detailSearch(list, 4)))!;
    expect(ctx.pos).toBe(105);
    expect(ctx.api).toEqual({ filters, sort: 'item:age', order: 'asc', pos: '105' });
    const back = new URLSearchParams(ctx.listSearch);
    expect(back.get('page')).toBe('3');
    expect(back.get('pageSize')).toBe('50');
    expect(back.get('filters')).toBe(filters);
    const next = new URLSearchParams(ctx.at(106));
    expect(next.get('pos')).toBe('106');
    expect(next.get('sort')).toBe('item:age');
    expect(listContext(new URLSearchParams('pos=1'))!.listSearch).toBe('');
    expect(listContext(new URLSearchParams('pos=21'))!.listSearch).toBe('?page=2');
  });

  it('is absent when the page was not opened from the list', () => {
    expect(listContext(new URLSearchParams())).toBeNull();
    expect(listContext(new URLSearchParams('pos=0'))).toBeNull();
    expect(listContext(new URLSearchParams('pos=abc'))).toBeNull();
  });
});
