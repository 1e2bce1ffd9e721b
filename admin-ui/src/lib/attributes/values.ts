import type {
  AttributeItem,
  AttributeValue,
  DatesConfig,
  HierarchyConfig,
  ItemKind,
  MultiConfig,
  NumberConfig,
  OptionNode,
} from './types';

/**
 * A resident's answers while staff edit them: every kind as what its inputs hold — a code, codes,
 * the chosen path of a tree, dates as typed, a number as text.
 */
export type DraftValue = string | string[];

/** Codes from the top of the tree down to `code` (itself last), or [] when it is not there. */
export function optionPath(options: OptionNode[], code: string): string[] {
  for (const o of options) {
    if (o.code === code) return [o.code];
    const below = optionPath(o.children ?? [], code);
    if (below.length) return [o.code, ...below];
  }
  return [];
}

/** The options under a chosen path ([]: the top level); null when the path ends at a leaf. */
export function optionsAt(options: OptionNode[], path: string[]): OptionNode[] | null {
  let level = options;
  for (const code of path) {
    const n = level.find((o) => o.code === code);
    if (!n?.children?.length) return null;
    level = n.children;
  }
  return level;
}

export function labelPath(options: OptionNode[], code: string): string {
  const path = optionPath(options, code);
  let level = options;
  const labels: string[] = [];
  for (const c of path) {
    const n = level.find((o) => o.code === c);
    if (!n) break;
    labels.push(n.label);
    level = n.children ?? [];
  }
  return labels.join(' › ') || code;
}

/** Month-precision dates are stored as the first of the month and typed as `YYYY-MM`. */
function dateForInput(item: AttributeItem, d: string): string {
  return (item.config as DatesConfig).precision === 'month' ? d.slice(0, 7) : d;
}

/** An unanswered input of a kind. */
export function emptyValue(kind: ItemKind): DraftValue {
  return kind === 'multi' || kind === 'hierarchy' || kind === 'dates' ? [] : '';
}

export function toDraft(item: AttributeItem, value: AttributeValue | undefined): DraftValue {
  switch (item.kind) {
    case 'multi':
      return Array.isArray(value) ? [...value] : [];
    case 'hierarchy':
      return typeof value === 'string' ? optionPath((item.config as HierarchyConfig).options, value) : [];
    case 'dates':
      return Array.isArray(value) ? value.map((d) => dateForInput(item, d)) : [];
    case 'date':
      return typeof value === 'string' ? dateForInput(item, value) : '';
    case 'number':
      return typeof value === 'number' ? String(value) : '';
    default:
      return typeof value === 'string' ? value : '';
  }
}

/**
 * What the API takes for a draft: null for "not answered". Numbers typed badly are sent as typed,
 * so the server's message ("…は数値で入力してください") shows next to the field.
 */
export function fromDraft(item: AttributeItem, draft: DraftValue): AttributeValue | null {
  switch (item.kind) {
    case 'multi':
      return (draft as string[]).length ? [...(draft as string[])] : null;
    case 'hierarchy': {
      const path = draft as string[];
      return path.length ? path[path.length - 1]! : null;
    }
    case 'dates': {
      const dates = (draft as string[]).map((d) => d.trim()).filter(Boolean);
      return dates.length ? dates : null;
    }
    case 'number': {
      const s = (draft as string).trim();
      if (!s) return null;
      const n = Number(s);
      return Number.isFinite(n) ? n : s;
    }
    default: {
      const s = (draft as string).trim();
      return s ? s : null;
    }
  }
}

function normal(item: AttributeItem, v: AttributeValue | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return JSON.stringify(item.kind === 'multi' ? [...v].sort() : v);
  return JSON.stringify(v);
}

/** True when a draft differs from the stored answer (a multiple choice is a set). */
export function changed(item: AttributeItem, stored: AttributeValue | undefined, draft: DraftValue): boolean {
  const d = fromDraft(item, draft);
  let s: AttributeValue | null = stored ?? null;
  if (s !== null && (item.kind === 'dates' || item.kind === 'date')) {
    // Compare month-precision dates the way they are typed.
    s = Array.isArray(s) ? s.map((x) => dateForInput(item, x)) : dateForInput(item, s as string);
  }
  return normal(item, d) !== normal(item, s);
}

const jpDate = (d: string) => {
  const [y, m, day] = d.split('-').map(Number);
  return day ? `${y}年${m}月${day}日` : `${y}年${m}月`;
};

/** An answer in words, for read-only places (archived items, lists). */
export function formatValue(item: AttributeItem, value: AttributeValue | undefined): string {
  if (value === undefined || (Array.isArray(value) && !value.length)) return '未回答';
  switch (item.kind) {
    case 'single':
    case 'multi': {
      const opts = (item.config as MultiConfig).options;
      const codes = Array.isArray(value) ? value : [String(value)];
      return codes.map((c) => opts.find((o) => o.code === c)?.label ?? c).join('、');
    }
    case 'hierarchy':
      return labelPath((item.config as HierarchyConfig).options, String(value));
    case 'date':
    case 'dates': {
      const month = (item.config as DatesConfig).precision === 'month';
      const list = Array.isArray(value) ? value : [String(value)];
      return list.map((d) => jpDate(month ? d.slice(0, 7) : d)).join('、');
    }
    case 'number':
      return `${value}${(item.config as NumberConfig).unit ?? ''}`;
    default:
      return String(value);
  }
}
