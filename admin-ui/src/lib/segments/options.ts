import type { AttributeItem, OptionNode } from './types';

/** One option of a choice item, with its place in the tree (hierarchy items). */
export interface IndexedOption {
  code: string;
  label: string;
  /** Labels from the top ("豊中市内 › 第一中学校区"). */
  path: string;
  depth: number;
  parent: string | null;
  children: string[];
  archived: boolean;
}

/** Every option of an item in the order staff defined them (parents before their children). */
export function indexOptions(item: Pick<AttributeItem, 'config'>): Map<string, IndexedOption> {
  const out = new Map<string, IndexedOption>();
  const walk = (nodes: OptionNode[], parent: IndexedOption | null, depth: number) => {
    for (const n of nodes) {
      const o: IndexedOption = {
        code: n.code,
        label: n.label,
        path: parent ? `${parent.path} › ${n.label}` : n.label,
        depth,
        parent: parent?.code ?? null,
        children: (n.children ?? []).map((c) => c.code),
        archived: Boolean(n.archived) || Boolean(parent?.archived),
      };
      out.set(n.code, o);
      walk(n.children ?? [], o, depth + 1);
    }
  };
  walk(item.config.options ?? [], null, 0);
  return out;
}

/** Every code under `code` (children, grandchildren…), not `code` itself. */
export function descendantsOf(index: Map<string, IndexedOption>, code: string): string[] {
  const out: string[] = [];
  const stack = [...(index.get(code)?.children ?? [])];
  while (stack.length) {
    const c = stack.shift()!;
    out.push(c);
    stack.unshift(...(index.get(c)?.children ?? []));
  }
  return out;
}

/** True when one of the ancestors of `code` is in `chosen`. */
export function hasChosenAncestor(
  index: Map<string, IndexedOption>,
  code: string,
  chosen: ReadonlySet<string>,
): boolean {
  let p = index.get(code)?.parent ?? null;
  while (p) {
    if (chosen.has(p)) return true;
    p = index.get(p)?.parent ?? null;
  }
  return false;
}

/**
 * The chosen codes without those already covered by a chosen ancestor: choosing 北部 means every
 * district under it, so the districts need not be listed too (unless `exact`).
 */
export function normaliseChoice(
  index: Map<string, IndexedOption>,
  codes: string[],
  exact: boolean,
): string[] {
  const set = new Set(codes.filter((c) => index.has(c)));
  const kept = exact ? [...set] : [...set].filter((c) => !hasChosenAncestor(index, c, set));
  const order = [...index.keys()];
  return kept.sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** Number of leaf options under a node (districts in an area), for "18地区すべて". */
export function leafCount(index: Map<string, IndexedOption>, code: string): number {
  return descendantsOf(index, code).filter((c) => (index.get(c)?.children.length ?? 0) === 0).length;
}
