import { describe, expect, it } from 'vitest';
import type { Organisation } from '#lib/api/types.ts';
import { descendantsOf, orgTree } from './org-tree';

const org = (id: string, name: string, parentId: string | null = null, sortOrder = 0): Organisation => ({
  id,
  code: id,
  name,
  parentId,
  sortOrder,
  memberCount: 0,
});

describe('orgTree', () => {
  const items = [
    org('c', '市民課', 'b', 2),
    org('a', '総務部', null, 1),
    org('b', '市民部', null, 2),
    org('d', '総務課', 'a', 1),
    org('e', '戸籍係', 'c', 1),
  ];

  it('orders parents before children with depth and path', () => {
    expect(orgTree(items).map((n) => [n.org.id, n.depth])).toEqual([
      ['a', 0],
      ['d', 1],
      ['b', 0],
      ['c', 1],
      ['e', 2],
    ]);
    expect(orgTree(items).find((n) => n.org.id === 'e')?.path).toBe('市民部 / 市民課 / 戸籍係');
  });

  it('keeps orphans and cycles visible', () => {
    const odd = [org('x', 'X', 'missing'), org('p', 'P', 'q'), org('q', 'Q', 'p')];
    expect(
      orgTree(odd)
        .map((n) => n.org.id)
        .sort(),
    ).toEqual(['p', 'q', 'x']);
  });

  it('lists descendants', () => {
    expect([...descendantsOf(items, 'b')].sort()).toEqual(['b', 'c', 'e']);
  });
});
