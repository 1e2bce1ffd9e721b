import type { Organisation } from '#lib/api/types.ts';

export interface OrgNode {
  org: Organisation;
  depth: number;
  /** Names from the top, e.g. "総務部 / 総務課". */
  path: string;
}

/** Organisations in tree order (parents first, then children by sortOrder and name). */
export function orgTree(items: readonly Organisation[]): OrgNode[] {
  const byParent = new Map<string | null, Organisation[]>();
  const ids = new Set(items.map((o) => o.id));
  for (const o of items) {
    const parent = o.parentId && ids.has(o.parentId) ? o.parentId : null;
    const list = byParent.get(parent) ?? [];
    list.push(o);
    byParent.set(parent, list);
  }
  const cmp = (a: Organisation, b: Organisation) =>
    (a.sortOrder ?? 0) - (b.sortOrder ?? 0) || a.name.localeCompare(b.name, 'ja');
  const out: OrgNode[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number, prefix: string) => {
    for (const o of [...(byParent.get(parent) ?? [])].sort(cmp)) {
      if (seen.has(o.id)) continue;
      seen.add(o.id);
      const path = prefix ? `${prefix} / ${o.name}` : o.name;
      out.push({ org: o, depth, path });
      walk(o.id, depth + 1, path);
    }
  };
  walk(null, 0, '');
  // Anything left over sits in a cycle: show it at the top level rather than lose it.
  for (const o of items) if (!seen.has(o.id)) out.push({ org: o, depth: 0, path: o.name });
  return out;
}

/** Ids of an organisation and all its descendants (a parent cannot move under them). */
export function descendantsOf(items: readonly Organisation[], id: string): Set<string> {
  const out = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const o of items) {
      if (o.parentId && out.has(o.parentId) && !out.has(o.id)) {
        out.add(o.id);
        grew = true;
      }
    }
  }
  return out;
}
