import {
  compileForm,
  FormDefinitionError,
  parseFormDefinition,
  type CompiledForm,
  type FormDefinitionInput,
  type FormEvaluation,
  type FormFieldError,
  type FormFileRef,
  type FormOptionNode,
  type FormSection,
  type PostalFill,
} from '@tsunagu/server/contracts';

/**
 * The live preview (FORM-2): the builder's definition compiled by the engine and run on every
 * keystroke with what staff type into the phone frame — the same visibility, requiredness,
 * messages, ages and postal-code fills residents get. These helpers hold what the page needs
 * around the engine: reading and writing answers at engine paths, which messages to show when,
 * repeating entries within their maximum, and the address a postal code fills.
 */

export type Answers = Record<string, unknown>;

export type CompileResult = { ok: true; form: CompiledForm } | { ok: false; errors: FormFieldError[] };

/** The engine's compiled form of a definition, or its messages when it does not check. */
export function compileDefinition(def: FormDefinitionInput, version: number): CompileResult {
  const parsed = parseFormDefinition(def);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  try {
    return { ok: true, form: compileForm(parsed.definition, version) };
  } catch (e) {
    if (e instanceof FormDefinitionError) return { ok: false, errors: e.errors };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Answers at paths: `phone`, `home.city`, `children.1.name`

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getAt(root: Answers, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isRecord(cur)) cur = Object.prototype.hasOwnProperty.call(cur, part) ? cur[part] : undefined;
    else return undefined;
  }
  return cur;
}

/** Sets an answer; `undefined` removes it. Entries of repeating sections must exist already. */
export function setAt(root: Answers, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop()!;
  let cur: unknown = root;
  for (const part of parts) {
    const next: unknown = Array.isArray(cur) ? cur[Number(part)] : isRecord(cur) ? cur[part] : undefined;
    if (next === undefined && isRecord(cur)) {
      cur[part] = {};
      cur = cur[part];
    } else cur = next;
    if (!isRecord(cur) && !Array.isArray(cur)) return;
  }
  if (Array.isArray(cur)) cur[Number(last)] = value;
  else if (isRecord(cur)) {
    if (value === undefined) delete cur[last];
    else cur[last] = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Which messages to show

/** The first segment of a path names an item or a (repeating) section: its page's code. */
export function pageOfPath(form: CompiledForm, path: string): string | undefined {
  const first = path.split('.')[0] ?? '';
  return form.items.get(first)?.section.page.code ?? form.sections.get(first)?.page.code;
}

/**
 * Messages by the path of the item they are about. Parts of an answer (`home.city`, `files.0`)
 * stay under their own path too, so an address can show each part's message at its input.
 */
export function errorsByPath(errors: FormFieldError[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of errors) out.set(e.path, [...(out.get(e.path) ?? []), e.message]);
  return out;
}

/** Messages for an item path and its parts (`home` → `home`, `home.city`…). */
export function messagesFor(byPath: Map<string, string[]>, path: string): string[] {
  const out: string[] = [];
  for (const [p, ms] of byPath) if (p === path || p.startsWith(`${path}.`)) out.push(...ms);
  return out;
}

/**
 * Messages a resident should see now: those of items they have left (touched) and, after they
 * pressed 次へ or 送信, every message of that page. Nothing shouts 「入力してください」 at a field
 * nobody has reached yet.
 */
export function shownErrors(
  form: CompiledForm,
  ev: FormEvaluation,
  touched: ReadonlySet<string>,
  attemptedPages: ReadonlySet<string>,
): FormFieldError[] {
  return ev.errors.filter((e) => {
    const page = pageOfPath(form, e.path);
    if (page && attemptedPages.has(page)) return true;
    for (const t of touched) if (e.path === t || e.path.startsWith(`${t}.`)) return true;
    return false;
  });
}

/** The codes of the pages a resident goes through, in order. */
export function visiblePages(form: CompiledForm, ev: FormEvaluation): string[] {
  return form.pages.filter((p) => ev.visible[p.code]).map((p) => p.code);
}

// ---------------------------------------------------------------------------------------------
// Repeating sections

/** What one entry is called (「お子さま」), as the engine's messages call it. */
export function entryName(section: FormSection): string {
  return section.repeat?.itemName || section.title || '入力欄';
}

export function entriesOf(answers: Answers, sectionCode: string): Answers[] {
  const v = answers[sectionCode];
  return Array.isArray(v) ? (v as Answers[]) : [];
}

/** Adds an empty entry; false (and nothing added) when the section already has its maximum. */
export function addEntry(answers: Answers, section: FormSection): boolean {
  const max = section.repeat?.max ?? 0;
  const entries = entriesOf(answers, section.code);
  if (entries.length >= max) return false;
  answers[section.code] = [...entries, {}];
  return true;
}

export function removeEntry(answers: Answers, sectionCode: string, index: number): void {
  const entries = entriesOf(answers, sectionCode);
  answers[sectionCode] = entries.filter((_, i) => i !== index);
}

/** A repeating section starts with as many entries as it requires. */
export function initialAnswers(form: CompiledForm): Answers {
  const out: Answers = {};
  for (const [code, cs] of form.sections) {
    const min = cs.section.repeat?.min ?? 0;
    if (cs.section.repeat && min > 0) out[code] = Array.from({ length: min }, () => ({}));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Postal code → address

export interface PostalFillStep {
  /** Path of the postal code item. */
  from: string;
  /** Path of the address item to fill. */
  target: string;
  fill: PostalFill;
  /** The postal code (digits) this fill is for. */
  code: string;
}

/**
 * The addresses to fill now: a postal code the engine found whose fill has not been applied for
 * this code yet (`done`: postal path → code last filled), so a resident who then corrects the town
 * is not overwritten on every keystroke.
 */
export function postalFills(
  ev: FormEvaluation,
  answers: Answers,
  done: ReadonlyMap<string, string>,
): PostalFillStep[] {
  const out: PostalFillStep[] = [];
  for (const [path, d] of Object.entries(ev.derived)) {
    if (d.kind !== 'postal' || d.status !== 'found' || !d.fill || !d.target) continue;
    const raw = getAt(answers, path);
    const code = typeof raw === 'string' ? raw.normalize('NFKC').replace(/\D/g, '') : '';
    if (!code || done.get(path) === code) continue;
    out.push({ from: path, target: d.target, fill: d.fill, code });
  }
  return out;
}

/** The address after a fill: what the code knows, what the resident typed for the rest. */
export function filledAddress(current: unknown, fill: PostalFill): Record<string, string> {
  const cur = isRecord(current) ? current : {};
  const str = (k: string) => (typeof cur[k] === 'string' ? (cur[k] as string) : '');
  const out: Record<string, string> = {
    prefecture: fill.prefecture || str('prefecture'),
    city: fill.city || str('city'),
    town: fill.town || str('town'),
  };
  if (str('building')) out.building = str('building');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/**
 * Files chosen in the preview, described as the engine sees uploads (name, size, declared type).
 * Nothing is uploaded from the preview; the ids only tell the files apart.
 */
export function previewFiles(files: ArrayLike<{ name: string; size: number; type: string }>): FormFileRef[] {
  return Array.from(files, (f, i) => ({ id: `preview-${i + 1}`, name: f.name, size: f.size, type: f.type }));
}

export interface HierarchyLevel {
  options: FormOptionNode[];
  selected: string;
}

/** The lists of a hierarchical choice: the top level, then the children of each choice made. */
export function hierarchyLevels(options: FormOptionNode[], value: string): HierarchyLevel[] {
  const chain: string[] = [];
  const find = (nodes: FormOptionNode[], trail: string[]): boolean => {
    for (const n of nodes) {
      if (n.code === value) {
        chain.push(...trail, n.code);
        return true;
      }
      if (n.children && find(n.children, [...trail, n.code])) return true;
    }
    return false;
  };
  if (value) find(options, []);
  const levels: HierarchyLevel[] = [];
  let nodes: FormOptionNode[] | undefined = options;
  let depth = 0;
  while (nodes?.length) {
    const selected: string = chain[depth] ?? '';
    levels.push({ options: nodes, selected });
    if (!selected) break;
    nodes = nodes.find((n) => n.code === selected)?.children;
    depth++;
  }
  return levels;
}

/** An id for an input from an answer path (ids may not contain dots in CSS selectors). */
export function inputId(path: string): string {
  return `pv-${path.replace(/\./g, '-')}`;
}

/** 1,024 → 「1.0KB」, for file sizes in the preview. */
export function fileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)}MB`;
  return `${Math.max(1, Math.round(bytes / 1024))}KB`;
}
