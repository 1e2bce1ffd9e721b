import {
  FORM_CHOICE_TYPES,
  FORM_CONDITION_OP_LABELS,
  formatDateJa,
  isIsoDate,
  type FormCondition,
  type FormConditionOp,
  type FormItemType,
} from '@tsunagu/server/contracts';

/**
 * Conditions (表示条件・必須条件, FORM-3) as the builder edits them: a group of rows combined with
 * 「すべて」「いずれか」「どれも…ない」, rows comparing an EARLIER item's answer, groups inside groups.
 * The engine's FormCondition is what is saved; this model only adds row keys and keeps what staff
 * typed (a number still being typed, a row whose item is not chosen yet) so the engine can say
 * what is missing at the row's own path.
 *
 * A group is always saved as a group, even with one row: paths of the engine's messages
 * (`showWhen.conditions.0.value`) then stay the paths of the rows on screen.
 */

export type LeafOp = Exclude<FormConditionOp, 'and' | 'or' | 'not'>;
export type GroupMode = 'and' | 'or' | 'nor' | 'nand';

export interface CondLeaf {
  key: string;
  kind: 'leaf';
  /** Code of the item compared ('' until staff choose one). */
  item: string;
  op: LeafOp;
  /** What staff typed: a text, a number, a date limit (2026-04-01, today, today+7). */
  value: string;
  /** Option codes for in / notIn. */
  values: string[];
}
export interface CondGroup {
  key: string;
  kind: 'group';
  mode: GroupMode;
  children: CondNode[];
}
export type CondNode = CondLeaf | CondGroup;

export const GROUP_MODE_LABELS: Record<GroupMode, string> = {
  and: '次のすべてを満たす',
  or: '次のいずれかを満たす',
  nor: '次のどれも満たさない',
  nand: '次のすべては満たさない',
};

/** How the row's operator reads in the builder (after 「〇〇が」). */
const LEAF_OP_TEXT: Record<LeafOp, string> = {
  answered: '回答がある',
  notAnswered: '回答がない',
  equals: '次の値と等しい',
  notEquals: '次の値と等しくない',
  in: '次のいずれかを選んだ',
  notIn: '次のどれも選んでいない',
  lt: '次の値より小さい',
  lte: '次の値以下',
  gt: '次の値より大きい',
  gte: '次の値以上',
  before: '次の日より前',
  onOrBefore: '次の日以前',
  after: '次の日より後',
  onOrAfter: '次の日以降',
};

const NUMBER_OPS: LeafOp[] = ['gte', 'gt', 'lte', 'lt'];
const DATE_OPS: LeafOp[] = ['onOrAfter', 'after', 'onOrBefore', 'before'];
const EQUALS_TYPES = new Set<FormItemType>(['shortText', 'email', 'phone', 'postalCode', 'number']);
const SINGLE_CHOICE_TYPES = new Set<FormItemType>(['singleChoice', 'dropdown', 'hierarchyChoice']);

/** Operators that fit an item type, the most useful first (the engine refuses the others). */
export function opsFor(type: FormItemType): LeafOp[] {
  const ops: LeafOp[] = [];
  if (FORM_CHOICE_TYPES.has(type)) ops.push('in', 'notIn');
  if (EQUALS_TYPES.has(type) || SINGLE_CHOICE_TYPES.has(type)) ops.push('equals', 'notEquals');
  if (type === 'number' || type === 'birthday') ops.push(...NUMBER_OPS);
  if (type === 'date' || type === 'birthday') ops.push(...DATE_OPS);
  ops.push('answered', 'notAnswered');
  return ops;
}

export function opLabel(op: LeafOp, type: FormItemType | undefined): string {
  if (type === 'birthday' && NUMBER_OPS.includes(op)) return `年齢が${LEAF_OP_TEXT[op]}`;
  return LEAF_OP_TEXT[op];
}

export type ValueKind = 'none' | 'options' | 'option' | 'number' | 'date' | 'text';

/** Which input a row shows for its value. */
export function valueKind(op: LeafOp, type: FormItemType | undefined): ValueKind {
  if (op === 'answered' || op === 'notAnswered') return 'none';
  if (op === 'in' || op === 'notIn') return 'options';
  if (DATE_OPS.includes(op)) return 'date';
  if (NUMBER_OPS.includes(op)) return 'number';
  if (type && SINGLE_CHOICE_TYPES.has(type)) return 'option';
  if (type === 'number') return 'number';
  return 'text';
}

let seq = 0;
export function condKey(): string {
  seq += 1;
  return `c${seq}`;
}

/** A row for an item, with the operator staff most likely want. */
export function newLeaf(item = '', type?: FormItemType): CondLeaf {
  const op: LeafOp = !type
    ? 'answered'
    : FORM_CHOICE_TYPES.has(type)
      ? 'in'
      : type === 'number' || type === 'birthday'
        ? 'gte'
        : type === 'date'
          ? 'onOrAfter'
          : EQUALS_TYPES.has(type)
            ? 'equals'
            : 'answered';
  return { key: condKey(), kind: 'leaf', item, op, value: op === 'onOrAfter' ? 'today' : '', values: [] };
}

export function newGroup(mode: GroupMode = 'and', children: CondNode[] = []): CondGroup {
  return { key: condKey(), kind: 'group', mode, children };
}

/**
 * Changing a row's item keeps an operator staff chose (「回答がない」) if it still fits, else takes
 * the new item's default. An operator that was only the previous item's default (「回答がある」 for
 * an address) is not a choice: a row switched to 「お子さまはいますか」 should offer its options.
 */
export function retarget(
  leaf: CondLeaf,
  item: string,
  type: FormItemType | undefined,
  previousType?: FormItemType,
): CondLeaf {
  const chosen = !previousType || newLeaf(leaf.item, previousType).op !== leaf.op;
  if (type && chosen && opsFor(type).includes(leaf.op) && valueKind(leaf.op, type) === 'none')
    return { ...leaf, item };
  const fresh = newLeaf(item, type);
  return { ...fresh, key: leaf.key };
}

// ---------------------------------------------------------------------------------------------
// Loading and saving

function leafOf(c: Extract<FormCondition, { item: string }>): CondLeaf {
  const base = { key: condKey(), kind: 'leaf' as const, item: c.item, op: c.op, value: '', values: [] };
  if ('values' in c) return { ...base, values: [...c.values] };
  if ('value' in c) return { ...base, value: String(c.value) };
  return base;
}

function nodeOf(c: FormCondition): CondNode {
  if ('conditions' in c) return newGroup(c.op, c.conditions.map(nodeOf));
  if ('condition' in c) {
    const inner = c.condition;
    if ('conditions' in inner)
      return newGroup(inner.op === 'or' ? 'nor' : 'nand', inner.conditions.map(nodeOf));
    return newGroup('nor', [nodeOf(inner)]);
  }
  return leafOf(c);
}

/** A saved condition as the editor's group (a single comparison becomes a group of one). */
export function toEdit(c: FormCondition | undefined | null): CondGroup | null {
  if (!c) return null;
  const node = nodeOf(c);
  return node.kind === 'group' ? node : newGroup('and', [node]);
}

function numberOf(s: string): number {
  const t = s.normalize('NFKC').trim().replace(/,/g, '');
  return t === '' ? Number.NaN : Number(t);
}

/**
 * The engine's condition for a group. `typeOf` names the compared items' types: a number item's
 * "equals" compares numbers. Values that are not numbers yet stay as typed, so the engine reports
 * 「比べる数値を入力してください」 at the row.
 */
export function fromEdit(
  group: CondGroup,
  typeOf: (code: string) => FormItemType | undefined,
): FormCondition {
  const leaf = (l: CondLeaf): FormCondition => {
    switch (l.op) {
      case 'answered':
      case 'notAnswered':
        return { op: l.op, item: l.item };
      case 'in':
      case 'notIn':
        return { op: l.op, item: l.item, values: [...l.values] };
      case 'equals':
      case 'notEquals': {
        if (typeOf(l.item) !== 'number') return { op: l.op, item: l.item, value: l.value };
        const n = numberOf(l.value);
        return { op: l.op, item: l.item, value: Number.isFinite(n) ? n : l.value };
      }
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        return { op: l.op, item: l.item, value: numberOf(l.value) };
      default:
        return { op: l.op, item: l.item, value: l.value.trim() };
    }
  };
  const node = (n: CondNode): FormCondition => (n.kind === 'leaf' ? leaf(n) : fromEdit(n, typeOf));
  const conditions = group.children.map(node);
  switch (group.mode) {
    case 'and':
    case 'or':
      return { op: group.mode, conditions };
    case 'nor':
      return { op: 'not', condition: { op: 'or', conditions } };
    case 'nand':
      return { op: 'not', condition: { op: 'and', conditions } };
  }
}

/**
 * Where each row and group stands in the saved condition, relative to it ('' for the group itself,
 * `conditions.1`, `condition.conditions.0`…), so the engine's messages land on the right row.
 */
export function conditionPaths(group: CondGroup): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (n: CondNode, path: string) => {
    out.set(path, n.key);
    if (n.kind === 'leaf') return;
    const base = n.mode === 'nor' || n.mode === 'nand' ? join(path, 'condition') : path;
    n.children.forEach((c, i) => walk(c, join(base, `conditions.${i}`)));
  };
  walk(group, '');
  return out;
}

const join = (a: string, b: string) => (a ? `${a}.${b}` : b);

/** The row or group a message at `relPath` (relative to the condition) belongs to. */
export function nodeForPath(paths: Map<string, string>, relPath: string): string | undefined {
  let p = relPath;
  for (;;) {
    const key = paths.get(p);
    if (key) return key;
    if (!p) return undefined;
    const cut = p.lastIndexOf('.');
    p = cut < 0 ? '' : p.slice(0, cut);
  }
}

/** Codes of the items a condition compares. */
export function referencedItems(c: FormCondition | undefined | null): string[] {
  if (!c) return [];
  if ('conditions' in c) return c.conditions.flatMap(referencedItems);
  if ('condition' in c) return referencedItems(c.condition);
  return [c.item];
}

/** A condition with item codes replaced (a duplicated section keeps its own references). */
export function renameItems(c: FormCondition, rename: ReadonlyMap<string, string>): FormCondition {
  if ('conditions' in c) return { ...c, conditions: c.conditions.map((x) => renameItems(x, rename)) };
  if ('condition' in c) return { ...c, condition: renameItems(c.condition, rename) };
  return { ...c, item: rename.get(c.item) ?? c.item };
}

// ---------------------------------------------------------------------------------------------
// Date limits: 2026-04-01, today, today+7, today-30

export type DateBoundMode = 'date' | 'today' | 'later' | 'earlier';
export interface DateBoundParts {
  mode: DateBoundMode;
  date: string;
  days: number;
}

export function parseDateBound(s: string): DateBoundParts {
  const m = /^today(?:([+-])(\d+))?$/.exec(s.trim());
  if (m) {
    if (!m[1]) return { mode: 'today', date: '', days: 1 };
    return { mode: m[1] === '+' ? 'later' : 'earlier', date: '', days: Number(m[2]) };
  }
  return { mode: 'date', date: s.trim(), days: 1 };
}

export function formatDateBound(p: DateBoundParts): string {
  switch (p.mode) {
    case 'today':
      return 'today';
    case 'later':
      return `today+${Math.max(0, Math.trunc(p.days || 0))}`;
    case 'earlier':
      return `today-${Math.max(0, Math.trunc(p.days || 0))}`;
    default:
      return p.date;
  }
}

/** 2026年4月1日, 今日, 今日から7日後, 今日から30日前. */
export function dateBoundText(s: string): string {
  const p = parseDateBound(s);
  if (p.mode === 'today') return '今日';
  if (p.mode === 'later') return `今日から${p.days}日後`;
  if (p.mode === 'earlier') return `今日から${p.days}日前`;
  return isIsoDate(p.date) ? formatDateJa(p.date) : p.date || '（日付未入力）';
}

// ---------------------------------------------------------------------------------------------
// In words, for the item list (「表示条件：「お子さま」で「いる」を選んだとき」)

export interface ConditionNames {
  /** The item's label (or code) and type. */
  item: (code: string) => { label: string; type: FormItemType } | undefined;
  /** An option's label within an item. */
  option: (item: string, code: string) => string | undefined;
}

export function describeCondition(c: FormCondition | undefined | null, names: ConditionNames): string {
  if (!c) return '';
  if ('conditions' in c) {
    const parts = c.conditions.map((x) => describeNested(x, names));
    return parts.join(c.op === 'and' ? '、かつ' : '、または');
  }
  if ('condition' in c) return `次に当てはまらない：${describeNested(c.condition, names)}`;
  const it = names.item(c.item);
  const name = `「${it?.label ?? (c.item || '（項目未選択）')}」`;
  const opText = FORM_CONDITION_OP_LABELS[c.op];
  switch (c.op) {
    case 'answered':
    case 'notAnswered':
      return `${name}に${opText}`;
    case 'in':
    case 'notIn': {
      const labels = c.values.map((v) => `「${names.option(c.item, v) ?? v}」`).join('');
      return `${name}で${labels || '（選択肢未選択）'}${opText}`;
    }
    case 'equals':
    case 'notEquals': {
      const shown =
        typeof c.value === 'string' ? (names.option(c.item, c.value) ?? c.value) : String(c.value);
      return `${name}が「${shown}」${opText}`;
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return it?.type === 'birthday'
        ? `${name}の年齢が${c.value}歳${opText}`
        : `${name}が${Number.isFinite(c.value) ? c.value : '（数値未入力）'}${opText}`;
    default:
      return `${name}が${dateBoundText(c.value)}${opText}`;
  }
}

/** 「…を選んだ」→「…を選んだとき」, 「…65歳以上」→「…65歳以上のとき」. */
export function whenClause(text: string): string {
  if (!text) return '';
  return /[いたるだ]$/.test(text) ? `${text}とき` : `${text}のとき`;
}

function describeNested(c: FormCondition, names: ConditionNames): string {
  const text = describeCondition(c, names);
  return 'conditions' in c && c.conditions.length > 1 ? `（${text}）` : text;
}
