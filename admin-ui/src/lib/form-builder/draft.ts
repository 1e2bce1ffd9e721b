import {
  FORM_CHOICE_TYPES,
  FORM_DISPLAY_TYPES,
  FORM_ITEM_TYPE_LABELS,
  FORM_PERSONAL_TYPES,
  FORM_SCHEMA_VERSION,
  type FormCondition,
  type FormDefinition,
  type FormDefinitionInput,
  type FormFieldError,
  type FormItemInput,
  type FormItemType,
  type FormOptionNode,
} from '@tsunagu/server/contracts';
import { newKey, type EditNode } from '#lib/attributes/options.ts';
import {
  condKey,
  conditionPaths,
  fromEdit,
  nodeForPath,
  referencedItems,
  toEdit,
  type CondGroup,
  type CondNode,
} from './conditions';

/**
 * The form as the builder edits it (FORM-1): pages → sections → items, each with a client-side
 * `key` (codes may still be edited, so they cannot key lists), choice options as the option
 * editor's nodes and conditions as the condition editor's groups. `toDefinition` gives the
 * engine's definition, which is what the preview runs and what is saved; the engine's messages
 * come back at definition paths and `placeErrors` puts them on the item, section or page they
 * belong to. The functions change the draft in place (it is Svelte state in the builder).
 */

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An item's own settings; options and conditions are edited apart. */
export type EditableItem = DistributiveOmit<FormItemInput, 'showWhen' | 'requiredWhen' | 'options'>;

export interface DraftItem {
  key: string;
  item: EditableItem;
  /** Choice options (flat or a tree for 階層選択); empty for other types. */
  options: EditNode[];
  showWhen: CondGroup | null;
  requiredWhen: CondGroup | null;
}

export interface DraftSection {
  key: string;
  code: string;
  title: string;
  description: string;
  staffOnly: boolean;
  repeat: { min: number; max: number; itemName: string } | null;
  showWhen: CondGroup | null;
  items: DraftItem[];
}

export interface DraftPage {
  key: string;
  code: string;
  title: string;
  description: string;
  showWhen: CondGroup | null;
  sections: DraftSection[];
}

export interface Draft {
  pages: DraftPage[];
}

// ---------------------------------------------------------------------------------------------
// Loading and saving

function toNodes(options: FormOptionNode[], saved: boolean): EditNode[] {
  return options.map((o) => ({
    key: newKey(),
    code: o.code,
    label: o.label,
    archived: false,
    saved,
    children: toNodes(o.children ?? [], saved),
  }));
}

function fromNodes(nodes: EditNode[], tree: boolean): FormOptionNode[] {
  return nodes.map((n) => {
    const out: FormOptionNode = { code: n.code.trim(), label: n.label.trim() };
    if (tree && n.children.length) out.children = fromNodes(n.children, true);
    return out;
  });
}

function draftItem(raw: FormItemInput, saved: boolean): DraftItem {
  const copy = plain(raw) as Record<string, unknown>;
  const showWhen = copy.showWhen as FormCondition | undefined;
  const requiredWhen = copy.requiredWhen as FormCondition | undefined;
  const options = copy.options as FormOptionNode[] | undefined;
  delete copy.showWhen;
  delete copy.requiredWhen;
  delete copy.options;
  return {
    key: newKey(),
    item: copy as EditableItem,
    options: options ? toNodes(options, saved) : [],
    showWhen: toEdit(showWhen),
    requiredWhen: toEdit(requiredWhen),
  };
}

/** The draft of a stored definition. Option codes already stored are shown read-only. */
export function fromDefinition(def: FormDefinition | FormDefinitionInput): Draft {
  return {
    pages: def.pages.map((p) => ({
      key: newKey(),
      code: p.code,
      title: p.title ?? '',
      description: p.description ?? '',
      showWhen: toEdit(p.showWhen as FormCondition | undefined),
      sections: p.sections.map((s) => ({
        key: newKey(),
        code: s.code,
        title: s.title ?? '',
        description: s.description ?? '',
        staffOnly: Boolean(s.staffOnly),
        repeat: s.repeat
          ? { min: s.repeat.min ?? 0, max: s.repeat.max, itemName: s.repeat.itemName ?? '' }
          : null,
        showWhen: toEdit(s.showWhen as FormCondition | undefined),
        items: s.items.map((i) => draftItem(i, true)),
      })),
    })),
  };
}

/** Settings left empty mean "not set" (no minimum, no placeholder…), not an empty value. */
const OPTIONAL_TEXT = new Set(['placeholder', 'unit', 'outsideMessage', 'minDate', 'maxDate', 'fillAddress']);

function cleanItem(item: EditableItem): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'number' && Number.isNaN(v)) continue;
    if (typeof v === 'string' && v.trim() === '' && OPTIONAL_TEXT.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** The code → type of every item, for conditions that compare numbers. */
function typeIndex(draft: Draft): Map<string, FormItemType> {
  const out = new Map<string, FormItemType>();
  for (const p of draft.pages)
    for (const s of p.sections) for (const d of s.items) out.set(d.item.code, d.item.type);
  return out;
}

/** The engine's definition of the draft (plain JSON, what is saved and previewed). */
export function toDefinition(draft: Draft): FormDefinitionInput {
  const types = typeIndex(draft);
  const typeOf = (code: string) => types.get(code);
  const cond = (g: CondGroup | null) => (g ? fromEdit(g, typeOf) : undefined);
  const withCond = <T extends object>(o: T, key: string, g: CondGroup | null): T =>
    g ? { ...o, [key]: cond(g) } : o;
  return {
    schemaVersion: FORM_SCHEMA_VERSION,
    pages: draft.pages.map((p) =>
      withCond(
        {
          code: p.code.trim(),
          title: p.title,
          description: p.description,
          sections: p.sections.map((s) =>
            withCond(
              {
                code: s.code.trim(),
                title: s.title,
                description: s.description,
                staffOnly: s.staffOnly,
                ...(s.repeat
                  ? {
                      repeat: {
                        min: numberOr(s.repeat.min, 0),
                        max: numberOr(s.repeat.max, Number.NaN),
                        itemName: s.repeat.itemName,
                      },
                    }
                  : {}),
                items: s.items.map((d) => {
                  let out: Record<string, unknown> = cleanItem(d.item);
                  out.code = String(out.code ?? '').trim();
                  if (FORM_CHOICE_TYPES.has(d.item.type))
                    out.options = fromNodes(d.options, d.item.type === 'hierarchyChoice');
                  out = withCond(out, 'showWhen', d.showWhen);
                  if (!FORM_DISPLAY_TYPES.has(d.item.type))
                    out = withCond(out, 'requiredWhen', d.requiredWhen);
                  return out as FormItemInput;
                }),
              },
              'showWhen',
              s.showWhen,
            ),
          ),
        },
        'showWhen',
        p.showWhen,
      ),
    ),
  } as FormDefinitionInput;
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

// ---------------------------------------------------------------------------------------------
// Codes

export function allCodes(draft: Draft): Set<string> {
  const out = new Set<string>();
  for (const p of draft.pages) {
    out.add(p.code);
    for (const s of p.sections) {
      out.add(s.code);
      for (const d of s.items) out.add(d.item.code);
    }
  }
  return out;
}

/**
 * A new code with the prefix: one above the highest number in use (q1, q2 … q12), so a code
 * removed a moment ago is not handed to a different question (answers refer to codes).
 */
export function nextCode(used: Set<string>, prefix: string): string {
  let max = 0;
  const re = new RegExp(`^${prefix}(\\d+)$`);
  for (const c of used) {
    const m = re.exec(c);
    if (m) max = Math.max(max, Number(m[1]));
  }
  const code = `${prefix}${max + 1}`;
  used.add(code);
  return code;
}

// ---------------------------------------------------------------------------------------------
// New parts

/** What a new item is called until staff name it. */
const NEW_LABELS: Partial<Record<FormItemType, string>> = {
  shortText: '質問（1行）',
  longText: '質問（複数行）',
  number: '数値の質問',
  singleChoice: '質問（1つ選ぶ）',
  multipleChoice: '質問（複数選ぶ）',
  dropdown: '質問（一覧から選ぶ）',
  hierarchyChoice: '質問（階層から選ぶ）',
  file: '写真・ファイル',
  location: '場所',
};

function defaultOptions(type: FormItemType, used: Set<string>): EditNode[] {
  const node = (label: string, children: EditNode[] = []): EditNode => {
    let i = 1;
    while (used.has(`o${i}`)) i++;
    used.add(`o${i}`);
    return { key: newKey(), code: `o${i}`, label, archived: false, saved: false, children };
  };
  if (type === 'hierarchyChoice')
    return [node('地域1', [node('地区1'), node('地区2')]), node('地域2', [node('地区3')])];
  return [node('選択肢1'), node('選択肢2')];
}

/** A new item of a type, valid as it is (a label, options, the type's defaults). */
export function newItem(draft: Draft, type: FormItemType): DraftItem {
  const code = nextCode(allCodes(draft), 'q');
  let item: EditableItem;
  switch (type) {
    case 'description':
      item = { type, code, label: '', text: 'ここに説明を入力します。' };
      break;
    case 'image':
      item = { type, code, label: '', src: '', alt: '' };
      break;
    case 'file':
      item = { type, code, label: NEW_LABELS.file!, accept: ['image'], maxFiles: 1, maxSizeMb: 10 };
      break;
    default:
      item = {
        type,
        code,
        label: NEW_LABELS[type] ?? FORM_ITEM_TYPE_LABELS[type],
        help: '',
        required: false,
        staffOnly: false,
        personal: FORM_PERSONAL_TYPES.has(type),
      } as EditableItem;
  }
  return {
    key: newKey(),
    item,
    options: FORM_CHOICE_TYPES.has(type) ? defaultOptions(type, new Set()) : [],
    showWhen: null,
    requiredWhen: null,
  };
}

export function newSection(draft: Draft, repeat = false): DraftSection {
  return {
    key: newKey(),
    code: nextCode(allCodes(draft), 's'),
    title: repeat ? '繰り返し入力' : '',
    description: '',
    staffOnly: false,
    repeat: repeat ? { min: 0, max: 3, itemName: '' } : null,
    showWhen: null,
    items: [],
  };
}

export function newPage(draft: Draft): DraftPage {
  const page: DraftPage = {
    key: newKey(),
    code: nextCode(allCodes(draft), 'p'),
    title: '',
    description: '',
    showWhen: null,
    sections: [],
  };
  // Codes are claimed in the draft only once parts are in it: add the page before its section.
  page.sections.push(newSection({ pages: [...draft.pages, page] }));
  return page;
}

/** An empty form: one page with one section. */
export function emptyDraft(): Draft {
  const draft: Draft = { pages: [] };
  draft.pages.push(newPage(draft));
  return draft;
}

// ---------------------------------------------------------------------------------------------
// Finding parts

export interface ItemPlace {
  page: DraftPage;
  section: DraftSection;
  item: DraftItem;
  pi: number;
  si: number;
  ii: number;
}

export function findItem(draft: Draft, key: string): ItemPlace | null {
  for (const [pi, page] of draft.pages.entries())
    for (const [si, section] of page.sections.entries())
      for (const [ii, item] of section.items.entries())
        if (item.key === key) return { page, section, item, pi, si, ii };
  return null;
}

export function findSection(
  draft: Draft,
  key: string,
): { page: DraftPage; section: DraftSection; pi: number; si: number } | null {
  for (const [pi, page] of draft.pages.entries())
    for (const [si, section] of page.sections.entries())
      if (section.key === key) return { page, section, pi, si };
  return null;
}

export function itemByCode(draft: Draft, code: string): DraftItem | null {
  for (const p of draft.pages)
    for (const s of p.sections) for (const d of s.items) if (d.item.code === code) return d;
  return null;
}

/** What an item is called on screen: its label, else its type and code. */
export function itemTitle(d: DraftItem): string {
  const label = 'label' in d.item ? (d.item.label ?? '').trim() : '';
  if (label) return label;
  if (d.item.type === 'description') return firstLine(d.item.text) || '説明文';
  return `${FORM_ITEM_TYPE_LABELS[d.item.type]}（${d.item.code}）`;
}

function firstLine(s: string | undefined): string {
  const line = (s ?? '').trim().split('\n')[0] ?? '';
  return line.length > 30 ? `${line.slice(0, 30)}…` : line;
}

export function sectionTitle(s: DraftSection, index: number): string {
  return s.title.trim() || `セクション${index + 1}`;
}

export function pageTitle(p: DraftPage, index: number): string {
  return p.title.trim() || `ページ${index + 1}`;
}

// ---------------------------------------------------------------------------------------------
// Copying and removing

function copyNodes(nodes: EditNode[]): EditNode[] {
  return nodes.map((n) => ({ ...n, key: newKey(), saved: false, children: copyNodes(n.children) }));
}

function copyCond(g: CondGroup | null, rename: ReadonlyMap<string, string>): CondGroup | null {
  if (!g) return null;
  const copy = (n: CondNode): CondNode =>
    n.kind === 'leaf'
      ? { ...n, key: condKey(), item: rename.get(n.item) ?? n.item, values: [...n.values] }
      : { ...n, key: condKey(), children: n.children.map(copy) };
  return copy(g) as CondGroup;
}

function copyItem(d: DraftItem, code: string, rename: ReadonlyMap<string, string>): DraftItem {
  const item = plain(d.item);
  item.code = code;
  if (item.type === 'postalCode' && item.fillAddress)
    item.fillAddress = rename.get(item.fillAddress) ?? item.fillAddress;
  return {
    key: newKey(),
    item,
    options: copyNodes(d.options),
    showWhen: copyCond(d.showWhen, rename),
    requiredWhen: copyCond(d.requiredWhen, rename),
  };
}

/** A deep copy as plain data (the draft is Svelte state: proxies cannot be cloned directly). */
function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A copy of an item right after it: new code, 「（コピー）」 after the label. */
export function duplicateItem(draft: Draft, key: string): DraftItem | null {
  const place = findItem(draft, key);
  if (!place) return null;
  const copy = copyItem(place.item, nextCode(allCodes(draft), 'q'), new Map());
  if ('label' in copy.item && copy.item.label) copy.item.label = `${copy.item.label}（コピー）`;
  place.section.items.splice(place.ii + 1, 0, copy);
  return copy;
}

function copySection(s: DraftSection, used: Set<string>): DraftSection {
  // Items of the copy refer to each other, not to the original's items.
  const rename = new Map<string, string>();
  for (const d of s.items) rename.set(d.item.code, nextCode(used, 'q'));
  return {
    key: newKey(),
    code: nextCode(used, 's'),
    title: s.title ? `${s.title}（コピー）` : '',
    description: s.description,
    staffOnly: s.staffOnly,
    repeat: s.repeat ? { ...s.repeat } : null,
    showWhen: copyCond(s.showWhen, new Map()),
    items: s.items.map((d) => copyItem(d, rename.get(d.item.code)!, rename)),
  };
}

export function duplicateSection(draft: Draft, key: string): DraftSection | null {
  const place = findSection(draft, key);
  if (!place) return null;
  const copy = copySection(place.section, allCodes(draft));
  place.page.sections.splice(place.si + 1, 0, copy);
  return copy;
}

export function duplicatePage(draft: Draft, key: string): DraftPage | null {
  const pi = draft.pages.findIndex((p) => p.key === key);
  const page = draft.pages[pi];
  if (!page) return null;
  const used = allCodes(draft);
  const copy: DraftPage = {
    key: newKey(),
    code: nextCode(used, 'p'),
    title: page.title ? `${page.title}（コピー）` : '',
    description: page.description,
    showWhen: copyCond(page.showWhen, new Map()),
    sections: page.sections.map((s) => copySection(s, used)),
  };
  draft.pages.splice(pi + 1, 0, copy);
  return copy;
}

export interface Dependent {
  /** Key of the item, section or page that refers to the code. */
  key: string;
  name: string;
  what: '表示条件' | '必須条件' | '住所の自動入力';
}

/** Who refers to an item code (before removing it: their conditions would name a missing item). */
export function dependentsOf(draft: Draft, code: string): Dependent[] {
  const out: Dependent[] = [];
  const types = typeIndex(draft);
  const uses = (g: CondGroup | null) =>
    g ? referencedItems(fromEdit(g, (c) => types.get(c))).includes(code) : false;
  draft.pages.forEach((p, pi) => {
    if (uses(p.showWhen)) out.push({ key: p.key, name: pageTitle(p, pi), what: '表示条件' });
    p.sections.forEach((s, si) => {
      if (uses(s.showWhen)) out.push({ key: s.key, name: sectionTitle(s, si), what: '表示条件' });
      for (const d of s.items) {
        if (d.item.code === code) continue;
        if (uses(d.showWhen)) out.push({ key: d.key, name: itemTitle(d), what: '表示条件' });
        if (uses(d.requiredWhen)) out.push({ key: d.key, name: itemTitle(d), what: '必須条件' });
        if (d.item.type === 'postalCode' && d.item.fillAddress === code)
          out.push({ key: d.key, name: itemTitle(d), what: '住所の自動入力' });
      }
    });
  });
  return out;
}

/**
 * Gives an item a new code and makes every condition and postal-code fill that named the old
 * one name the new one, so renaming never leaves a condition pointing at nothing.
 */
export function renameCode(draft: Draft, from: string, to: string): number {
  if (!from || from === to) return 0;
  let changed = 0;
  const walk = (n: CondNode | null) => {
    if (!n) return;
    if (n.kind === 'leaf') {
      if (n.item === from) {
        n.item = to;
        changed++;
      }
    } else n.children.forEach(walk);
  };
  for (const p of draft.pages) {
    walk(p.showWhen);
    for (const s of p.sections) {
      walk(s.showWhen);
      for (const d of s.items) {
        walk(d.showWhen);
        walk(d.requiredWhen);
        if (d.item.type === 'postalCode' && d.item.fillAddress === from) {
          d.item.fillAddress = to;
          changed++;
        }
      }
    }
  }
  return changed;
}

export function removeItem(draft: Draft, key: string): boolean {
  const place = findItem(draft, key);
  if (!place) return false;
  place.section.items.splice(place.ii, 1);
  return true;
}

/** Moves an item to the end of another section. */
export function moveItemToSection(draft: Draft, key: string, sectionKey: string): boolean {
  const from = findItem(draft, key);
  const to = findSection(draft, sectionKey);
  if (!from || !to || from.section.key === sectionKey) return false;
  from.section.items.splice(from.ii, 1);
  to.section.items.push(from.item);
  return true;
}

/** Moves an element of a list by `delta` places; the new index, or null when it cannot move. */
export function moveInList<T>(list: T[], index: number, delta: number): number | null {
  const to = index + delta;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return null;
  const [x] = list.splice(index, 1);
  list.splice(to, 0, x!);
  return to;
}

// ---------------------------------------------------------------------------------------------
// Conditions: which earlier items a condition may compare

export interface Candidate {
  code: string;
  label: string;
  type: FormItemType;
  /** Where the item is, for the picker (ページ1・セクション2). */
  where: string;
  options: Array<{ code: string; label: string; depth: number }>;
}

export type ConditionTarget =
  { kind: 'page'; key: string } | { kind: 'section'; key: string } | { kind: 'item'; key: string };

function flatOptions(nodes: EditNode[], depth = 0): Candidate['options'] {
  return nodes.flatMap((n) => [
    { code: n.code, label: n.label || n.code, depth },
    ...flatOptions(n.children, depth + 1),
  ]);
}

/**
 * The items a condition at `target` may compare, by the engine's rules (checkFormDefinition):
 * input items EARLIER in the form; items of a repeating section only from inside that section;
 * staff-only items only from parts residents do not see.
 */
export function conditionCandidates(draft: Draft, target: ConditionTarget): Candidate[] {
  interface Placed {
    d: DraftItem;
    scope: string | null;
    staffOnly: boolean;
    where: string;
  }
  const order: Placed[] = [];
  let limit = -1;
  let scope: string | null = null;
  let residentFacing = true;
  for (const [pi, p] of draft.pages.entries()) {
    if (target.kind === 'page' && target.key === p.key) limit = order.length;
    for (const [si, s] of p.sections.entries()) {
      if (target.kind === 'section' && target.key === s.key) {
        limit = order.length;
        residentFacing = !s.staffOnly;
      }
      for (const d of s.items) {
        if (target.kind === 'item' && target.key === d.key) {
          limit = order.length;
          scope = s.repeat ? s.code : null;
          residentFacing = !(s.staffOnly || Boolean(d.item.staffOnly));
        }
        order.push({
          d,
          scope: s.repeat ? s.code : null,
          staffOnly: s.staffOnly || Boolean(d.item.staffOnly),
          where: `${pageTitle(p, pi)}・${sectionTitle(s, si)}`,
        });
      }
    }
  }
  if (limit < 0) return [];
  return order
    .slice(0, limit)
    .filter((x) => !FORM_DISPLAY_TYPES.has(x.d.item.type))
    .filter((x) => x.scope === null || x.scope === scope)
    .filter((x) => !(residentFacing && x.staffOnly))
    .map((x) => ({
      code: x.d.item.code,
      label: itemTitle(x.d),
      type: x.d.item.type,
      where: x.where,
      options: flatOptions(x.d.options),
    }));
}

/** Address items after a postal code, in its scope: where it may fill the address. */
export function addressTargets(draft: Draft, key: string): Array<{ code: string; label: string }> {
  const place = findItem(draft, key);
  if (!place) return [];
  const out: Array<{ code: string; label: string }> = [];
  let after = false;
  for (const p of draft.pages)
    for (const s of p.sections)
      for (const d of s.items) {
        if (d.key === key) {
          after = true;
          continue;
        }
        const sameScope = place.section.repeat ? s.key === place.section.key : !s.repeat;
        if (after && sameScope && d.item.type === 'address')
          out.push({ code: d.item.code, label: itemTitle(d) });
      }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The engine's messages, placed

export interface PlacedError {
  /** The definition path without a leading `definition.` (pages.0.sections.1.items.2.label). */
  path: string;
  message: string;
  /** Key of the item, section or page the message is about (none: about the whole form). */
  key: string | null;
  kind: 'page' | 'section' | 'item' | 'form';
  /** What is wrong inside it: `label`, `options.1.code`, `showWhen`, `repeat.max`… */
  field: string;
  /** The condition row or group the message is about. */
  condKey?: string;
  /** Where it is, in words (ページ1 ›「お名前」). */
  where: string;
}

const PATH_RE = /^pages\.(\d+)(?:\.sections\.(\d+)(?:\.items\.(\d+))?)?(?:\.(.*))?$/;

export function placeErrors(draft: Draft, errors: FormFieldError[]): PlacedError[] {
  return errors.map((e) => {
    const path = e.path.replace(/^definition\.?/, '');
    const m = PATH_RE.exec(path);
    const base = { path, message: e.message };
    if (!m) return { ...base, key: null, kind: 'form', field: path, where: 'フォーム全体' };
    const [pi, si, ii] = [m[1], m[2], m[3]].map((x) => (x === undefined ? undefined : Number(x)));
    const field = m[4] ?? '';
    const page = draft.pages[pi!];
    const section = si === undefined ? undefined : page?.sections[si];
    const item = ii === undefined ? undefined : section?.items[ii];
    const condOf = (g: CondGroup | null, name: 'showWhen' | 'requiredWhen') => {
      if (!g || !(field === name || field.startsWith(`${name}.`))) return undefined;
      return nodeForPath(conditionPaths(g), field.slice(name.length + 1));
    };
    if (item)
      return {
        ...base,
        key: item.key,
        kind: 'item',
        field,
        condKey: condOf(item.showWhen, 'showWhen') ?? condOf(item.requiredWhen, 'requiredWhen'),
        where: `${pageTitle(page!, pi!)} ›「${itemTitle(item)}」`,
      };
    if (section)
      return {
        ...base,
        key: section.key,
        kind: 'section',
        field,
        condKey: condOf(section.showWhen, 'showWhen'),
        where: `${pageTitle(page!, pi!)} › ${sectionTitle(section, si!)}`,
      };
    if (page)
      return {
        ...base,
        key: page.key,
        kind: 'page',
        field,
        condKey: condOf(page.showWhen, 'showWhen'),
        where: pageTitle(page, pi!),
      };
    return { ...base, key: null, kind: 'form', field: path, where: 'フォーム全体' };
  });
}

/** Counts of items, for the summary line and the limits. */
export function countItems(draft: Draft): number {
  return draft.pages.reduce((n, p) => n + p.sections.reduce((m, s) => m + s.items.length, 0), 0);
}
