import {
  isInputItem,
  type FormAddressAnswer,
  type FormAnswers,
  type FormDefinition,
  type FormEntryAnswers,
  type FormFileRef,
  type FormInputItem,
  type FormLocationAnswer,
  type FormOptionNode,
} from '@tsunagu/server/contracts';
import { flattenOptions, isPersonal } from './filters';

/**
 * A response's answers as staff read them, labelled by the response's own version (a later
 * version may have renamed an option or dropped an item): choices as their labels, hierarchical
 * choices as paths 「北部 ＞ 熊山」, numbers with their unit, dates in Japanese, addresses in one
 * line, places as coordinates, files by name. Pure.
 */

/** What one answer shows: text, files (each downloadable) or a place (with a map link). */
export type AnswerView =
  | { kind: 'empty' }
  | { kind: 'text'; text: string; multiline: boolean }
  | { kind: 'files'; files: FormFileRef[] }
  | { kind: 'location'; lat: number; lng: number; text: string; mapUrl: string };

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function optionPaths(item: FormInputItem): Map<string, string> {
  if (!('options' in item)) return new Map();
  return new Map(flattenOptions(item.options as FormOptionNode[]).map((o) => [o.code, o.path]));
}

/** 2026-04-01 → 2026年4月1日 (dates are calendar days, no time zone involved). */
export function formatIsoDay(v: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : v;
}

/** 地理院地図 (the Geospatial Information Authority's map): public, no account, no tracking. */
export function mapUrl(lat: number, lng: number): string {
  return `https://maps.gsi.go.jp/#17/${lat.toFixed(6)}/${lng.toFixed(6)}/`;
}

export function viewAnswer(item: FormInputItem, value: unknown): AnswerView {
  if (value === undefined || value === null || value === '') return { kind: 'empty' };
  if (Array.isArray(value) && value.length === 0) return { kind: 'empty' };
  switch (item.type) {
    case 'singleChoice':
    case 'dropdown':
    case 'hierarchyChoice':
    case 'multipleChoice': {
      const paths = optionPaths(item);
      const codes = Array.isArray(value) ? value.map(String) : [String(value)];
      // An unknown code (the version lost the option) still shows, as its code.
      return { kind: 'text', text: codes.map((c) => paths.get(c) ?? c).join('、'), multiline: false };
    }
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      const text = Number.isFinite(n)
        ? n.toLocaleString('ja-JP', { maximumFractionDigits: 10 })
        : String(value);
      return { kind: 'text', text: item.unit ? `${text} ${item.unit}` : text, multiline: false };
    }
    case 'date':
    case 'birthday':
      return { kind: 'text', text: formatIsoDay(String(value)), multiline: false };
    case 'address': {
      if (!isObj(value)) return { kind: 'text', text: String(value), multiline: false };
      const a = value as unknown as FormAddressAnswer;
      const line = `${a.prefecture ?? ''}${a.city ?? ''}${a.town ?? ''}`;
      return { kind: 'text', text: a.building ? `${line} ${a.building}` : line, multiline: false };
    }
    case 'location': {
      if (!isObj(value)) return { kind: 'text', text: String(value), multiline: false };
      const { lat, lng } = value as unknown as FormLocationAnswer;
      if (typeof lat !== 'number' || typeof lng !== 'number') return { kind: 'empty' };
      return {
        kind: 'location',
        lat,
        lng,
        text: `緯度 ${lat.toFixed(6)}、経度 ${lng.toFixed(6)}`,
        mapUrl: mapUrl(lat, lng),
      };
    }
    case 'file': {
      const files = (Array.isArray(value) ? value : []).filter(
        (f): f is FormFileRef => isObj(f) && typeof f.id === 'string',
      );
      return files.length ? { kind: 'files', files } : { kind: 'empty' };
    }
    default:
      return { kind: 'text', text: String(value), multiline: item.type === 'longText' };
  }
}

/** One line of text for a table cell (files by name, places as coordinates). */
export function answerText(item: FormInputItem, value: unknown): string {
  const v = viewAnswer(item, value);
  switch (v.kind) {
    case 'empty':
      return '';
    case 'text':
      return v.text;
    case 'files':
      return v.files.map((f) => f.name).join('、');
    case 'location':
      return v.text;
  }
}

// ---------------------------------------------------------------------------------------------
// The detail: every item of the response's version, grouped as the form groups them

export interface AnswerRow {
  code: string;
  label: string;
  view: AnswerView;
  staffOnly: boolean;
  personal: boolean;
}

export interface AnswerGroup {
  /** Section title, or 「お子さま（2件目）」 for an entry of a repeating section. */
  title: string;
  /** The section's code (entries: `<code>.<index>`), for ids and keys. */
  key: string;
  staffOnly: boolean;
  /** True for the heading of a repeating section that had no entry. */
  emptyRepeat: boolean;
  rows: AnswerRow[];
}

function rowsOf(
  items: FormInputItem[],
  answers: FormEntryAnswers | FormAnswers,
  sectionStaffOnly: boolean,
): AnswerRow[] {
  return items.map((item) => ({
    code: item.code,
    label: item.label,
    view: viewAnswer(item, answers[item.code]),
    staffOnly: sectionStaffOnly || item.staffOnly,
    personal: isPersonal(item),
  }));
}

/**
 * The groups of a response: one per section (titled by the section, or by the page when the
 * section has no title), and one per entry of a repeating section, named after its entries
 * 「お子さま（1件目）」 as the resident's page names them. Sections without input items are left out.
 */
export function answerGroups(def: FormDefinition, answers: FormAnswers): AnswerGroup[] {
  const groups: AnswerGroup[] = [];
  for (const page of def.pages)
    for (const section of page.sections) {
      const items = section.items.filter(isInputItem);
      if (!items.length) continue;
      const title = section.title || page.title || '回答';
      if (!section.repeat) {
        groups.push({
          title,
          key: section.code,
          staffOnly: section.staffOnly,
          emptyRepeat: false,
          rows: rowsOf(items, answers, section.staffOnly),
        });
        continue;
      }
      const raw = answers[section.code];
      const entries = Array.isArray(raw) ? (raw as unknown[]).filter(isObj) : [];
      const name = section.repeat.itemName || section.title || '入力';
      if (!entries.length)
        groups.push({ title, key: section.code, staffOnly: section.staffOnly, emptyRepeat: true, rows: [] });
      entries.forEach((entry, i) =>
        groups.push({
          title: `${name}（${i + 1}件目）`,
          key: `${section.code}.${i}`,
          staffOnly: section.staffOnly,
          emptyRepeat: false,
          rows: rowsOf(items, entry as FormEntryAnswers, section.staffOnly),
        }),
      );
    }
  return groups;
}

// ---------------------------------------------------------------------------------------------
// The list's answer columns

/**
 * The first non-personal items outside repeating sections, to show beside the receipt number
 * (personal answers stay on the detail page; a list is read over shoulders).
 */
export function summaryItems(def: FormDefinition | null | undefined, max = 3): FormInputItem[] {
  if (!def) return [];
  const out: FormInputItem[] = [];
  for (const page of def.pages)
    for (const section of page.sections) {
      if (section.repeat) continue;
      for (const item of section.items) {
        if (!isInputItem(item) || isPersonal(item) || item.type === 'file') continue;
        out.push(item);
        if (out.length >= max) return out;
      }
    }
  return out;
}

/** A cell's text, capped so a long free-text answer does not stretch the table. */
export function cellText(item: FormInputItem, value: unknown, max = 40): string {
  const t = answerText(item, value).replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
