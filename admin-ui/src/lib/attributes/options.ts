import { LIMITS, OPTION_CODE_PATTERN, type ChoiceOption, type OptionNode } from './types';

/**
 * Choice options while staff edit them: flat lists (単一・複数選択) are trees without children.
 * Every node has a client-side `key` (codes of new options may still be edited, so they cannot
 * key the list) and `saved`: its code is stored on the server, where answers and segments refer
 * to it, so it is shown read-only — a label can change at any time, a code never.
 */
export interface EditNode {
  key: string;
  code: string;
  label: string;
  archived: boolean;
  saved: boolean;
  children: EditNode[];
}

let seq = 0;
export function newKey(): string {
  seq += 1;
  return `n${seq}`;
}

export function toEditNodes(options: OptionNode[] | ChoiceOption[], saved = true): EditNode[] {
  return options.map((o) => ({
    key: newKey(),
    code: o.code,
    label: o.label,
    archived: Boolean(o.archived),
    saved,
    children: toEditNodes((o as OptionNode).children ?? [], saved),
  }));
}

/** The API shape: `archived` only when set, `children` only when there are some. */
export function fromEditNodes(nodes: EditNode[]): OptionNode[] {
  return nodes.map((n) => {
    const out: OptionNode = { code: n.code.trim(), label: n.label.trim() };
    if (n.archived) out.archived = true;
    if (n.children.length) out.children = fromEditNodes(n.children);
    return out;
  });
}

export function walk(nodes: EditNode[], fn: (n: EditNode, depth: number, parent: EditNode | null) => void) {
  const go = (list: EditNode[], depth: number, parent: EditNode | null) => {
    for (const n of list) {
      fn(n, depth, parent);
      go(n.children, depth + 1, n);
    }
  };
  go(nodes, 1, null);
}

export function countNodes(nodes: EditNode[]): number {
  let n = 0;
  walk(nodes, () => n++);
  return n;
}

export function usedCodes(nodes: EditNode[]): Set<string> {
  const s = new Set<string>();
  walk(nodes, (n) => s.add(n.code.trim()));
  return s;
}

/** A code not yet in `used` (o1, o2, …); it is added to `used`. */
export function nextCode(used: Set<string>, prefix = 'o'): string {
  let i = used.size + 1;
  while (used.has(`${prefix}${i}`)) i++;
  const code = `${prefix}${i}`;
  used.add(code);
  return code;
}

export function newNode(used: Set<string>, label = ''): EditNode {
  return { key: newKey(), code: nextCode(used), label, archived: false, saved: false, children: [] };
}

// ---------------------------------------------------------------------------------------------
// Bulk entry: one option per line, levels separated by "/" (北部/桜ヶ丘), an optional code after a
// tab or a comma (北部/桜ヶ丘,sakuragaoka) — what staff paste from a spreadsheet or a list.

const LEVEL_SEPARATOR = /\s*[/／>＞›]\s*/;

export interface PastedEntry {
  line: number;
  path: string[];
  code?: string;
}
export interface PasteResult {
  entries: PastedEntry[];
  errors: Array<{ line: number; message: string }>;
}

export function parsePasted(text: string, opts: { hierarchy: boolean; maxDepth?: number }): PasteResult {
  const maxDepth = opts.hierarchy ? (opts.maxDepth ?? LIMITS.treeDepth) : 1;
  const entries: PastedEntry[] = [];
  const errors: PasteResult['errors'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    const [first, ...rest] = raw.split(/\t|,|，/);
    const code = rest.join('').trim() || undefined;
    const path = opts.hierarchy ? first!.split(LEVEL_SEPARATOR).map((s) => s.trim()) : [first!.trim()];
    if (path.some((p) => !p)) {
      errors.push({
        line,
        message: `${line}行目：空の階層があります（「地域/地区」のように入力してください）`,
      });
      return;
    }
    if (path.length > maxDepth) {
      errors.push({ line, message: `${line}行目：階層は${maxDepth}段までです` });
      return;
    }
    const long = path.find((p) => [...p].length > LIMITS.labelMax);
    if (long) {
      errors.push({ line, message: `${line}行目：選択肢の名前は${LIMITS.labelMax}文字以内にしてください` });
      return;
    }
    if (code && !OPTION_CODE_PATTERN.test(code)) {
      errors.push({
        line,
        message: `${line}行目：コード「${code}」は英数字・_・- の40文字以内にしてください`,
      });
      return;
    }
    entries.push({ line, path, code });
  });
  return { entries, errors };
}

export interface MergeResult {
  nodes: EditNode[];
  added: number;
  existing: number;
  errors: Array<{ line: number; message: string }>;
}

/**
 * Adds pasted entries to the tree: each level is matched by its label among the children already
 * there (so 「北部/桜ヶ丘」 and 「北部/緑丘」 share one 北部), missing levels are added at the end
 * with new codes. Existing options are never changed or removed.
 */
export function mergeEntries(nodes: EditNode[], entries: PastedEntry[]): MergeResult {
  // Blank rows not saved yet (a new item starts with two) would only stand in the way.
  const out = pruneBlank(plainCopy(nodes));
  const used = usedCodes(out);
  let added = 0;
  let existing = 0;
  const errors: MergeResult['errors'] = [];
  for (const e of entries) {
    let level = out;
    e.path.forEach((label, depth) => {
      const last = depth === e.path.length - 1;
      let node = level.find((n) => n.label.trim() === label);
      if (!node) {
        let code: string;
        if (last && e.code) {
          if (used.has(e.code)) {
            errors.push({
              line: e.line,
              message: `${e.line}行目：コード「${e.code}」はすでに使われています`,
            });
            code = nextCode(used);
          } else {
            code = e.code;
            used.add(code);
          }
        } else code = nextCode(used);
        node = { key: newKey(), code, label, archived: false, saved: false, children: [] };
        level.push(node);
        added++;
      } else if (last) existing++;
      level = node.children;
    });
  }
  return { nodes: out, added, existing, errors };
}

function pruneBlank(nodes: EditNode[]): EditNode[] {
  return nodes
    .map((n) => ({ ...n, children: pruneBlank(n.children) }))
    .filter((n) => n.saved || n.label.trim() || n.children.length);
}

/** A copy of the nodes, so a preview of a paste never changes what is on screen. */
export function plainCopy(nodes: EditNode[]): EditNode[] {
  return nodes.map((n) => ({ ...n, children: plainCopy(n.children) }));
}

// ---------------------------------------------------------------------------------------------
// Moving and removing

function locate(nodes: EditNode[], key: string): { list: EditNode[]; index: number } | null {
  const i = nodes.findIndex((n) => n.key === key);
  if (i >= 0) return { list: nodes, index: i };
  for (const n of nodes) {
    const r = locate(n.children, key);
    if (r) return r;
  }
  return null;
}

export function findNode(nodes: EditNode[], key: string): EditNode | null {
  const r = locate(nodes, key);
  return r ? r.list[r.index]! : null;
}

/** Moves a node up (-1) or down (+1) among its siblings, in place. Returns its new index. */
export function moveAmongSiblings(nodes: EditNode[], key: string, delta: number): number | null {
  const r = locate(nodes, key);
  if (!r) return null;
  const to = r.index + delta;
  if (to < 0 || to >= r.list.length) return null;
  const [n] = r.list.splice(r.index, 1);
  r.list.splice(to, 0, n!);
  return to;
}

export function isDescendant(nodes: EditNode[], ancestorKey: string, key: string): boolean {
  const a = findNode(nodes, ancestorKey);
  if (!a) return false;
  let found = false;
  walk(a.children, (n) => {
    if (n.key === key) found = true;
  });
  return found;
}

/** Depth of the deepest level under (and including) a node: a leaf is 1. */
export function height(n: EditNode): number {
  return 1 + Math.max(0, ...n.children.map(height));
}

export function depthOf(nodes: EditNode[], key: string): number {
  let d = 0;
  walk(nodes, (n, depth) => {
    if (n.key === key) d = depth;
  });
  return d;
}

/**
 * Moves nodes under a new parent (null: the top level), at its end, in place. Nodes that would
 * end up inside themselves or deeper than the limit are left and reported.
 */
export function moveUnder(
  nodes: EditNode[],
  keys: string[],
  parentKey: string | null,
  maxDepth: number = LIMITS.treeDepth,
): { moved: number; refused: string[] } {
  const parent = parentKey ? findNode(nodes, parentKey) : null;
  if (parentKey && !parent) return { moved: 0, refused: keys };
  const target = parent ? parent.children : nodes;
  const baseDepth = parentKey ? depthOf(nodes, parentKey) : 0;
  let moved = 0;
  const refused: string[] = [];
  for (const key of keys) {
    const n = findNode(nodes, key);
    if (!n) continue;
    if (key === parentKey || (parentKey && isDescendant(nodes, key, parentKey))) {
      refused.push(n.label || n.code);
      continue;
    }
    if (baseDepth + height(n) > maxDepth) {
      refused.push(n.label || n.code);
      continue;
    }
    const r = locate(nodes, key)!;
    r.list.splice(r.index, 1);
    target.push(n);
    moved++;
  }
  return { moved, refused };
}

/** Removes nodes (with what is under them), in place. */
export function removeNodes(nodes: EditNode[], keys: Set<string>): number {
  let removed = 0;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (keys.has(n.key)) {
      removed += countNodes([n]);
      nodes.splice(i, 1);
    } else removed += removeNodes(n.children, keys);
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Search in a large tree

/** Keys of nodes whose label or code contains `query`, and of their ancestors (to show the way). */
export function matchTree(nodes: EditNode[], query: string): { matched: Set<string>; visible: Set<string> } {
  const q = query.trim().toLowerCase();
  const matched = new Set<string>();
  const visible = new Set<string>();
  if (!q) return { matched, visible };
  const go = (list: EditNode[], ancestors: string[]) => {
    for (const n of list) {
      if (n.label.toLowerCase().includes(q) || n.code.toLowerCase().includes(q)) {
        matched.add(n.key);
        visible.add(n.key);
        ancestors.forEach((a) => visible.add(a));
      }
      go(n.children, [...ancestors, n.key]);
    }
  };
  go(nodes, []);
  return { matched, visible };
}

// ---------------------------------------------------------------------------------------------
// Checks before sending (the server checks again; same paths and messages)

export function validateOptions(nodes: EditNode[], opts: { hierarchy: boolean }): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!nodes.length) {
    errors['config.options'] = '選択肢を1つ以上登録してください';
    return errors;
  }
  const seen = new Set<string>();
  let count = 0;
  const go = (list: EditNode[], path: string, depth: number) => {
    list.forEach((n, i) => {
      count++;
      const here = `${path}.${i}`;
      const label = n.label.trim();
      if (!label) errors[`${here}.label`] = '選択肢の名前を入力してください';
      else if ([...label].length > LIMITS.labelMax)
        errors[`${here}.label`] = `選択肢の名前は${LIMITS.labelMax}文字以内にしてください`;
      const code = n.code.trim();
      if (!OPTION_CODE_PATTERN.test(code))
        errors[`${here}.code`] = '選択肢のコードは英数字・_・- の40文字以内にしてください';
      else if (seen.has(code))
        errors[`${here}.code`] = opts.hierarchy
          ? `選択肢のコード「${code}」が重複しています（階層全体で一意にしてください）`
          : `選択肢のコード「${code}」が重複しています`;
      seen.add(code);
      if (n.children.length) {
        if (depth >= LIMITS.treeDepth) errors[`${here}.children`] = `階層は${LIMITS.treeDepth}段までです`;
        else go(n.children, `${here}.children`, depth + 1);
      }
    });
  };
  go(nodes, 'config.options', 1);
  if (!opts.hierarchy && nodes.length > LIMITS.options)
    errors['config.options'] = `選択肢は${LIMITS.options}個までです`;
  if (opts.hierarchy && count > LIMITS.treeNodes)
    errors['config.options'] = `選択肢は階層全体で${LIMITS.treeNodes}個までです`;
  return errors;
}
