import {
  FORM_PERSONAL_TYPES,
  FORM_RESPONSE_FILTERS_MAX,
  FORM_RESPONSE_SOURCE_LABELS,
  FORM_RESPONSE_SOURCES,
  FORM_RESPONSE_STATUS_LABELS,
  FORM_RESPONSE_STATUSES,
  formResponseFilterSchema,
  isInputItem,
  type FormDefinition,
  type FormInputItem,
  type FormOptionNode,
  type FormResponseFilter,
  type FormResponseSource,
  type FormResponseStatus,
} from '@tsunagu/server/contracts';

/**
 * The response list's filters as they live in the page URL (back button, bookmarks, a link sent
 * to a colleague) and as the API takes them: the page URL uses the API's own parameter names, so
 * the list, the CSV export and the URL always say the same thing. Pure.
 */

export interface ResponseFilters {
  q: string;
  status: FormResponseStatus[];
  source: FormResponseSource[];
  /** JST calendar days, YYYY-MM-DD (inclusive on both ends, as the API reads them). */
  createdFrom: string;
  createdTo: string;
  updatedFrom: string;
  updatedTo: string;
  /** Filters on items by code (formResponseFilterSchema); invalid ones in a URL are dropped. */
  items: FormResponseFilter[];
}

export const EMPTY_FILTERS: ResponseFilters = {
  q: '',
  status: [],
  source: [],
  createdFrom: '',
  createdTo: '',
  updatedFrom: '',
  updatedTo: '',
  items: [],
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function list<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (!raw) return [];
  const out: T[] = [];
  for (const p of raw.split(',')) {
    const v = p.trim() as T;
    if (allowed.includes(v) && !out.includes(v)) out.push(v);
  }
  return out;
}

/** Item filters from the `filters` parameter; anything that does not parse is left out, not fatal. */
export function parseItemFilters(raw: string | null): FormResponseFilter[] {
  if (!raw) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(json)) return [];
  const out: FormResponseFilter[] = [];
  for (const f of json) {
    const r = formResponseFilterSchema.safeParse(f);
    if (r.success && !out.some((o) => o.item === r.data.item)) out.push(r.data);
    if (out.length >= FORM_RESPONSE_FILTERS_MAX) break;
  }
  return out;
}

export function readFilters(sp: URLSearchParams): ResponseFilters {
  const day = (k: string) => {
    const v = sp.get(k) ?? '';
    return DAY.test(v) ? v : '';
  };
  return {
    q: (sp.get('q') ?? '').trim().slice(0, 100),
    status: list(sp.get('status'), FORM_RESPONSE_STATUSES),
    source: list(sp.get('source'), FORM_RESPONSE_SOURCES),
    createdFrom: day('createdFrom'),
    createdTo: day('createdTo'),
    updatedFrom: day('updatedFrom'),
    updatedTo: day('updatedTo'),
    items: parseItemFilters(sp.get('filters')),
  };
}

/** The names of the filter parameters, in the page URL and in the API alike. */
export const RESPONSE_FILTER_PARAMS = [
  'q',
  'status',
  'source',
  'createdFrom',
  'createdTo',
  'updatedFrom',
  'updatedTo',
  'filters',
] as const;

/**
 * URL and API parameters of the filters (empty values `null`, so `hrefWith` removes them). The
 * API takes exactly these names, so the same object serves the page URL, the list and the CSV.
 */
export function filterParams(
  f: ResponseFilters,
): Record<(typeof RESPONSE_FILTER_PARAMS)[number], string | null> {
  return {
    q: f.q.trim() || null,
    status: f.status.length ? f.status.join(',') : null,
    source: f.source.length ? f.source.join(',') : null,
    createdFrom: f.createdFrom || null,
    createdTo: f.createdTo || null,
    updatedFrom: f.updatedFrom || null,
    updatedTo: f.updatedTo || null,
    filters: f.items.length ? JSON.stringify(f.items) : null,
  };
}

/** The same parameters without the empty ones (for the API client and the CSV link). */
export function apiParams(f: ResponseFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(filterParams(f))) if (v !== null) out[k] = v;
  return out;
}

export function isFiltered(f: ResponseFilters): boolean {
  return Object.values(filterParams(f)).some((v) => v !== null);
}

/** A problem with a from/to pair, in Japanese, or ''. */
export function rangeProblem(from: string, to: string): string {
  return from && to && from > to ? '「まで」は「から」と同じ日か、それより後の日にしてください' : '';
}

// ---------------------------------------------------------------------------------------------
// Items one may filter on

export interface FilterOption {
  code: string;
  label: string;
  /** 0 for top-level options; hierarchical options are indented by depth. */
  depth: number;
  /** 「北部 ＞ 熊山」 for hierarchical options, the label otherwise. */
  path: string;
}

export interface FilterableItem {
  code: string;
  label: string;
  type: FormInputItem['type'];
  /** Personal items (encrypted) can only be filtered by 回答あり・なし. */
  personal: boolean;
  staffOnly: boolean;
  /** The repeating section's title when the item sits in one (any entry matches). */
  repeatOf: string | null;
  /** Which kinds of filter the API accepts on this item. */
  kind: 'choice' | 'number' | 'date' | 'answered';
  options: FilterOption[];
}

export function isPersonal(item: FormInputItem): boolean {
  return FORM_PERSONAL_TYPES.has(item.type) || item.personal === true;
}

export function flattenOptions(nodes: FormOptionNode[], depth = 0, above = ''): FilterOption[] {
  const out: FilterOption[] = [];
  for (const n of nodes) {
    const path = above ? `${above} ＞ ${n.label}` : n.label;
    out.push({ code: n.code, label: n.label, depth, path });
    if (n.children?.length) out.push(...flattenOptions(n.children, depth + 1, path));
  }
  return out;
}

/** Every input item of a definition, in document order, with what one may filter it by. */
export function filterableItems(def: FormDefinition | null | undefined): FilterableItem[] {
  if (!def) return [];
  const out: FilterableItem[] = [];
  for (const page of def.pages)
    for (const section of page.sections)
      for (const item of section.items) {
        if (!isInputItem(item)) continue;
        const personal = isPersonal(item);
        const options = 'options' in item ? flattenOptions(item.options as FormOptionNode[]) : [];
        const kind = personal
          ? 'answered'
          : options.length
            ? 'choice'
            : item.type === 'number'
              ? 'number'
              : item.type === 'date'
                ? 'date'
                : 'answered';
        out.push({
          code: item.code,
          label: item.label,
          type: item.type,
          personal,
          staffOnly: item.staffOnly || section.staffOnly,
          repeatOf: section.repeat ? section.title || section.repeat.itemName || 'くり返し' : null,
          kind,
          options,
        });
      }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Chips: the active filters in words, each removable

export interface FilterChip {
  /** Stable key for the list. */
  key: string;
  label: string;
  /** The filters without this one. */
  without: ResponseFilters;
}

const dayJa = (d: string) => d.replaceAll('-', '/');

function rangeText(from: string | number | undefined, to: string | number | undefined): string {
  const f = from === undefined || from === '' ? '' : typeof from === 'string' ? dayJa(from) : String(from);
  const t = to === undefined || to === '' ? '' : typeof to === 'string' ? dayJa(to) : String(to);
  if (f && t) return f === t ? f : `${f}〜${t}`;
  if (f) return `${f}以降`;
  return `${t}まで`;
}

/** One item filter in words: 「地区: 北部、南部」「年齢: 20〜40」「写真: 回答あり」. */
export function describeItemFilter(f: FormResponseFilter, items: FilterableItem[]): string {
  const it = items.find((i) => i.code === f.item);
  const name = it?.label ?? f.item;
  const optionLabel = (code: string) => it?.options.find((o) => o.code === code)?.path ?? code;
  switch (f.op) {
    case 'answered':
      return `${name}: ${f.answered ? '回答あり' : '回答なし'}`;
    case 'in':
      return `${name}: ${f.values.map(optionLabel).join('、')}`;
    case 'equals':
      return `${name}: ${typeof f.value === 'string' && it?.options.length ? optionLabel(f.value) : String(f.value)}`;
    case 'range':
      return `${name}: ${rangeText(f.min, f.max)}`;
  }
}

export function filterChips(f: ResponseFilters, items: FilterableItem[]): FilterChip[] {
  const chips: FilterChip[] = [];
  if (f.q) chips.push({ key: 'q', label: `キーワード: ${f.q}`, without: { ...f, q: '' } });
  if (f.status.length)
    chips.push({
      key: 'status',
      label: `状態: ${f.status.map((s) => FORM_RESPONSE_STATUS_LABELS[s]).join('、')}`,
      without: { ...f, status: [] },
    });
  if (f.source.length)
    chips.push({
      key: 'source',
      label: `経路: ${f.source.map((s) => FORM_RESPONSE_SOURCE_LABELS[s]).join('、')}`,
      without: { ...f, source: [] },
    });
  if (f.createdFrom || f.createdTo)
    chips.push({
      key: 'created',
      label: `受付日: ${rangeText(f.createdFrom, f.createdTo)}`,
      without: { ...f, createdFrom: '', createdTo: '' },
    });
  if (f.updatedFrom || f.updatedTo)
    chips.push({
      key: 'updated',
      label: `更新日: ${rangeText(f.updatedFrom, f.updatedTo)}`,
      without: { ...f, updatedFrom: '', updatedTo: '' },
    });
  for (const it of f.items)
    chips.push({
      key: `item:${it.item}`,
      label: describeItemFilter(it, items),
      without: { ...f, items: f.items.filter((x) => x !== it) },
    });
  return chips;
}

// ---------------------------------------------------------------------------------------------
// The item-filter editor's state ⇄ filters

/** What the panel edits per item: chosen options, a range, or 回答あり・なし. */
export interface ItemFilterDraft {
  answered: '' | 'yes' | 'no';
  values: string[];
  min: string;
  max: string;
}

export const EMPTY_DRAFT: ItemFilterDraft = { answered: '', values: [], min: '', max: '' };

export function draftOf(f: FormResponseFilter | undefined): ItemFilterDraft {
  if (!f) return { ...EMPTY_DRAFT, values: [] };
  switch (f.op) {
    case 'answered':
      return { ...EMPTY_DRAFT, values: [], answered: f.answered ? 'yes' : 'no' };
    case 'in':
      return { ...EMPTY_DRAFT, values: [...f.values] };
    case 'equals':
      return { ...EMPTY_DRAFT, values: [String(f.value)] };
    case 'range':
      return {
        ...EMPTY_DRAFT,
        values: [],
        min: f.min === undefined ? '' : String(f.min),
        max: f.max === undefined ? '' : String(f.max),
      };
  }
}

/**
 * The filter a draft stands for, or null (nothing chosen), or a Japanese problem. Options and
 * ranges win over 回答あり・なし (choosing an option already means "answered").
 */
export function filterOfDraft(
  it: FilterableItem,
  d: ItemFilterDraft,
): { filter: FormResponseFilter | null; problem: string } {
  if (it.kind === 'choice' && d.values.length)
    return { filter: { item: it.code, op: 'in', values: [...d.values] }, problem: '' };
  if ((it.kind === 'number' || it.kind === 'date') && (d.min.trim() || d.max.trim())) {
    const read = (s: string): number | string | undefined | null => {
      const v = s.trim();
      if (!v) return undefined;
      if (it.kind === 'date') return DAY.test(v) ? v : null;
      const n = Number(v.replace(/[０-９．－]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
      return Number.isFinite(n) ? n : null;
    };
    const min = read(d.min);
    const max = read(d.max);
    if (min === null || max === null)
      return {
        filter: null,
        problem:
          it.kind === 'date'
            ? `「${it.label}」の範囲は日付で入力してください`
            : `「${it.label}」の範囲は数値で入力してください`,
      };
    if (min !== undefined && max !== undefined && min > max)
      return { filter: null, problem: `「${it.label}」の上限は下限以上にしてください` };
    const f: FormResponseFilter = { item: it.code, op: 'range' };
    if (min !== undefined) f.min = min;
    if (max !== undefined) f.max = max;
    return { filter: f, problem: '' };
  }
  if (d.answered)
    return { filter: { item: it.code, op: 'answered', answered: d.answered === 'yes' }, problem: '' };
  return { filter: null, problem: '' };
}
