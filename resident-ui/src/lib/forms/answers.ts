/**
 * What the form page keeps while a resident answers (issue 5, FORM-3): the raw answers as typed,
 * keyed like the engine's answers (an item's code; a repeating section's code holds a list of
 * entries keyed by their items' codes), and the page logic around the one engine in
 * `@tsunagu/server/contracts`: which field an error belongs to, which page a field is on, which
 * errors to show yet, the steps. Pure: no DOM, no fetch.
 *
 * The page never decides visibility, requiredness or validity itself — evaluateForm does, on
 * every change — so the page, the builder's preview and the server cannot disagree.
 */
import {
  evaluateForm,
  type CompiledForm,
  type CompiledPage,
  type FormEvaluation,
  type FormFieldError,
  type PostalLookup,
} from '@tsunagu/server/contracts';

/** Answers as the page keeps them: what the resident typed, not yet normalised. */
export type RawAnswers = Record<string, unknown>;
export type RawEntry = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Evaluates the resident's answers on the page (hidden answers dropped, not refused). */
export function evaluate(
  form: CompiledForm,
  raw: RawAnswers,
  now: Date,
  postalLookup?: PostalLookup,
): FormEvaluation {
  return evaluateForm(form, raw, { audience: 'resident', now, postalLookup, hiddenAnswers: 'drop' });
}

// ---------------------------------------------------------------------------------------------
// Reading and writing answers by path ("phone", "children.1.child_name")

export function getAt(raw: RawAnswers, path: string): unknown {
  const [first, index, code] = path.split('.');
  const top = raw[first ?? ''];
  if (index === undefined) return top;
  if (!Array.isArray(top)) return undefined;
  const entry: unknown = top[Number(index)];
  return code === undefined ? entry : isRecord(entry) ? entry[code] : undefined;
}

/** A copy of `raw` with the answer at `path` replaced (`undefined` removes it). */
export function setAt(raw: RawAnswers, path: string, value: unknown): RawAnswers {
  const [first = '', index, code] = path.split('.');
  const out = { ...raw };
  if (index === undefined || code === undefined) {
    if (value === undefined) delete out[first];
    else out[first] = value;
    return out;
  }
  const list = Array.isArray(raw[first]) ? [...(raw[first] as unknown[])] : [];
  const i = Number(index);
  while (list.length <= i) list.push({});
  const entry: RawEntry = isRecord(list[i]) ? { ...(list[i] as RawEntry) } : {};
  if (value === undefined) delete entry[code];
  else entry[code] = value;
  list[i] = entry;
  out[first] = list;
  return out;
}

export function entriesOf(raw: RawAnswers, section: string): RawEntry[] {
  const v = raw[section];
  return Array.isArray(v) ? v.map((e) => (isRecord(e) ? e : {})) : [];
}

export function addEntry(raw: RawAnswers, section: string): RawAnswers {
  return { ...raw, [section]: [...entriesOf(raw, section), {}] };
}

export function removeEntry(raw: RawAnswers, section: string, index: number): RawAnswers {
  return { ...raw, [section]: entriesOf(raw, section).filter((_, i) => i !== index) };
}

/**
 * Keys (field keys or error paths) after entry `index` of `section` was removed: the entry's own
 * go, later entries move up one, so a remembered "touched" or server message stays with its field.
 */
export function shiftAfterRemoval(keys: Iterable<string>, section: string, index: number): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const parts = key.split('.');
    if (parts[0] !== section || parts.length < 2) {
      out.push(key);
      continue;
    }
    const i = Number(parts[1]);
    if (i === index) continue;
    if (i > index) parts[1] = String(i - 1);
    out.push(parts.join('.'));
  }
  return out;
}

/** The first answers of a form: every repeating section with its minimum number of entries. */
export function initialAnswers(form: CompiledForm): RawAnswers {
  const raw: RawAnswers = {};
  for (const cs of form.sections.values()) {
    const min = cs.section.repeat?.min ?? 0;
    if (min > 0) raw[cs.code] = Array.from({ length: min }, () => ({}));
  }
  return raw;
}

/**
 * Answers without those the engine dropped (items hidden by the answers): what a draft stores.
 * Visible answers stay as typed, even when they do not pass yet, so a restored draft shows the
 * resident exactly what they left.
 */
export function withoutDropped(raw: RawAnswers, dropped: readonly string[]): RawAnswers {
  let out = raw;
  for (const path of dropped) out = setAt(out, path, undefined);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fields, pages and errors

/**
 * The field an error path belongs to: `home.city` → `home`, `files.2` → `files`,
 * `children.1.birthday` → `children.1.birthday`; `children` (too few entries) and `children.1`
 * (a malformed entry) → `children`.
 */
export function fieldKeyOf(form: CompiledForm, path: string): string {
  const parts = path.split('.');
  const first = parts[0] ?? '';
  if (form.sections.get(first)?.section.repeat)
    return parts.length >= 3 ? parts.slice(0, 3).join('.') : first;
  return first;
}

/** The page (by index in the definition) a field key or error path is on, or -1. */
export function pageIndexOf(form: CompiledForm, path: string): number {
  const first = path.split('.')[0] ?? '';
  const page =
    form.items.get(first)?.section.page ??
    form.sections.get(first)?.page ??
    form.pages.find((p) => p.code === first);
  return page ? form.pages.indexOf(page) : -1;
}

/** The pages the resident goes through now (a page with nothing to show is no step). */
export function visiblePages(form: CompiledForm, ev: FormEvaluation): CompiledPage[] {
  return form.pages.filter((p) => ev.visible[p.code] !== false);
}

/**
 * The page a form opens at. A talk that handed over (`?page=` in its button) answered every page
 * before that one, so the resident continues there; an earlier page that is not complete after
 * all (the form changed, a condition now asks more) comes first, and an unknown or hidden page
 * means the first one.
 */
export function startPage(form: CompiledForm, ev: FormEvaluation, wanted: string | null): string {
  const pages = visiblePages(form, ev);
  const first = pages[0]?.code ?? form.pages[0]?.code ?? '';
  const at = wanted ? pages.findIndex((p) => p.code === wanted) : -1;
  if (at <= 0) return first;
  const incomplete = pages.slice(0, at).find((p) => errorsOnPage(form, ev, form.pages.indexOf(p)).length > 0);
  return (incomplete ?? pages[at]!).code;
}

/** Errors by field key, in the order of the page (the engine reports in document order). */
export type FieldErrors = Record<string, FormFieldError[]>;

export function groupErrors(form: CompiledForm, errors: readonly FormFieldError[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) (out[fieldKeyOf(form, e.path)] ??= []).push(e);
  return out;
}

/**
 * What the resident sees of the errors: the engine's errors of fields they have left (blur) or of
 * pages they tried to leave or send (next / confirm), and the server's refusals until the field is
 * changed. A field's own error replaces the server's once it is shown.
 */
export function shownErrors(
  form: CompiledForm,
  ev: FormEvaluation,
  revealedFields: ReadonlySet<string>,
  revealedPages: ReadonlySet<string>,
  serverErrors: readonly FormFieldError[],
): FieldErrors {
  const pageCodeOf = (path: string) => form.pages[pageIndexOf(form, path)]?.code ?? '';
  const engine = ev.errors.filter((e) => {
    const key = fieldKeyOf(form, e.path);
    return revealedFields.has(key) || revealedPages.has(pageCodeOf(e.path));
  });
  const out = groupErrors(form, engine);
  const live = new Set(Object.keys(out));
  for (const e of serverErrors) {
    const key = fieldKeyOf(form, e.path);
    // The engine already says something about this field: its live message wins.
    if (!live.has(key)) (out[key] ??= []).push(e);
  }
  return out;
}

/** The engine's errors on one page (by index), in page order. */
export function errorsOnPage(form: CompiledForm, ev: FormEvaluation, pageIndex: number): FormFieldError[] {
  return ev.errors.filter((e) => pageIndexOf(form, e.path) === pageIndex);
}

/**
 * Server messages (`answers.<path>` on a 422) as paths of the page; anything that names no field
 * of this form (the whole answer set, the version) is returned apart, to be shown above the form.
 */
export function serverFieldErrors(
  form: CompiledForm,
  errors: ReadonlyArray<{ path: string; message: string }>,
): { fields: FormFieldError[]; other: string[] } {
  const fields: FormFieldError[] = [];
  const other: string[] = [];
  for (const e of errors) {
    const path = e.path.replace(/^answers\.?/, '');
    if (path && pageIndexOf(form, path) >= 0) fields.push({ path, message: e.message });
    else other.push(e.message);
  }
  return { fields, other };
}

/** The element id of a field (repeating entries included): `f-children-1-birthday`. */
export function fieldId(path: string): string {
  return `f-${path.replace(/\./g, '-')}`;
}

/**
 * Where a field key stands in the form, for "the first error": page, then item order, then
 * entry. A repeating section's own key (too few entries) stands before its first entry.
 */
export function documentOrder(form: CompiledForm): (key: string) => number {
  const ordinal = new Map<string, number>();
  let n = 0;
  for (const page of form.pages)
    for (const cs of page.sections) {
      ordinal.set(cs.code, n);
      for (const ci of cs.items) ordinal.set(ci.code, ++n);
      n++;
    }
  return (key) => {
    const parts = key.split('.');
    const first = parts[0] ?? '';
    if (parts.length >= 3 && form.sections.get(first)?.section.repeat) {
      // Entries of a section in order, each entry's items in order: section + entry + item.
      const entry = Number(parts[1]);
      const item = ordinal.get(parts[2] ?? '') ?? 0;
      return (ordinal.get(first) ?? 0) + entry * 1e-3 + item * 1e-7 + 1e-9;
    }
    return ordinal.get(first) ?? Number.MAX_SAFE_INTEGER;
  };
}

/** Field keys of shown errors in document order. */
export function orderedErrorKeys(form: CompiledForm, errors: FieldErrors): string[] {
  const order = documentOrder(form);
  return Object.keys(errors).sort((a, b) => order(a) - order(b));
}
