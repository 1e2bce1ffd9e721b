import { z } from 'zod';
import {
  FORM_CHOICE_TYPES,
  FORM_FILE_KINDS,
  formErrorMap,
  isInputItem,
  parseFormDefinition,
  type FormCondition,
  type FormDefinition,
  type FormFieldError,
  type FormFileKind,
  type FormInputItem,
  type FormItem,
  type FormItemOf,
  type FormOptionNode,
  type FormPage,
  type FormSection,
} from './definition.js';
import { ageOn, formatDateJa, jstDate, parseDateInput, resolveDateBound, type IsoDate } from './dates.js';
import { insideGeofence } from './geo.js';
import {
  PREFECTURES,
  charLength,
  isPhoneNumber,
  normaliseEmail,
  normaliseLine,
  normaliseMultiline,
  normalisePhone,
  normalisePostalCode,
  parseNumberInput,
  postalDigits,
  toFullWidthKatakana,
  toHalfWidthAscii,
} from './normalise.js';
import { postalFill, type PostalAddress, type PostalFill, type PostalLookup } from './postal.js';

/**
 * The one form logic engine (FORM-3, FORM-4, APP-4/5): the builder's preview, resident-ui and the
 * server all run it, so what a resident sees, what the page checks and what the server accepts
 * cannot drift apart.
 *
 * Given a compiled form version and an answer set it decides which pages, sections and items are
 * shown (conditional display, also per entry of a repeating section), which are required
 * (conditional required), normalises answers (full-width digits, trimming, phone and postal code
 * forms), checks every visible item with a Japanese message at the item's path, drops (or refuses)
 * answers to hidden and staff-only items, refuses unknown items and wrong shapes, derives ages and
 * postal-code addresses, and lists file answers for the server to check against the stored uploads.
 *
 * Deterministic: the only inputs are the definition, the answers, `now` (for "today" on the JST
 * calendar) and the postal lookup. Items are visited once in document order and conditions only
 * look back, so one pass settles everything (a 2,000-item form takes milliseconds).
 *
 * Answer shapes (keyed by item code; a repeating section's code holds a list of entries, each
 * keyed by its items' codes):
 *   shortText longText email phone postalCode date birthday singleChoice dropdown hierarchyChoice:
 *     string (an option code for choices; dates as YYYY-MM-DD, 2026/4/1 also read)
 *   number: number (a numeric string is read)        multipleChoice: string[] (option codes)
 *   address: { prefecture, city, town, building? }  location: { lat, lng }
 *   file: [{ id, name, size, type }] — ids of uploads the server already holds
 */

export type FormAudience = 'resident' | 'staff';

export interface FormFileRef {
  /** The upload's id in the product's storage (the server checks it exists and is this resident's). */
  id: string;
  name: string;
  /** Bytes, as the browser reported; the server compares the stored file's real size. */
  size: number;
  /** MIME type as the browser reported ('' when it did not know). */
  type: string;
}
export interface FormAddressAnswer {
  prefecture: string;
  city: string;
  /** 町域・番地 */
  town: string;
  /** 建物名・部屋番号 */
  building?: string;
}
export interface FormLocationAnswer {
  lat: number;
  lng: number;
}
export type FormAnswerValue =
  string | number | string[] | FormFileRef[] | FormAddressAnswer | FormLocationAnswer;
export type FormEntryAnswers = Record<string, FormAnswerValue>;
export type FormAnswers = Record<string, FormAnswerValue | FormEntryAnswers[]>;

export type FormDerived =
  | { kind: 'age'; age: number }
  | {
      kind: 'postal';
      /** `unknown`: no lookup given, or the browser has not fetched this code yet. */
      status: 'found' | 'notFound' | 'unknown';
      addresses: PostalAddress[];
      fill: PostalFill | null;
      /** Path of the address item to fill, or null. */
      target: string | null;
    };

/** A file item's answer with its limits, for the server to check the stored uploads against. */
export interface FormFileCheck {
  path: string;
  item: string;
  files: FormFileRef[];
  maxFiles: number;
  maxBytes: number;
  accept: FormFileKind[];
  mimeTypes: string[];
}

export interface FormEvaluateOptions {
  audience: FormAudience;
  /** The clock: "today" and ages are taken on its JST calendar date. */
  now: Date;
  /** Postal code → addresses; without it postal codes are checked for form only. */
  postalLookup?: PostalLookup;
  /**
   * Answers to hidden or (for residents) staff-only items: `drop` (default, what a page does while
   * the resident types: they are removed and listed in `dropped`) or `refuse` (what the server does
   * with a submission: each is an error, since the page never sends them).
   */
  hiddenAnswers?: 'drop' | 'refuse';
  /**
   * `staffItems`: staff filling in the 管理者用 items of a response — only staff-only items are
   * checked and returned; residents' answers are read for conditions only. Needs audience staff.
   */
  only?: 'staffItems';
  /** Prefix of error paths ('answers' → 'answers.phone'); none by default. */
  pathPrefix?: string;
}

export interface FormEvaluation {
  ok: boolean;
  /** Normalised answers of visible items only (in `only: 'staffItems'`, staff-only items only). */
  answers: FormAnswers;
  errors: FormFieldError[];
  /**
   * Page, section and item visibility by code; items in entries by `section.index.item`. A page or
   * (non-repeating) section with nothing visible in it counts as hidden, so it is no step or heading.
   */
  visible: Record<string, boolean>;
  /** Whether each input item is required now, by the same keys as `visible`. */
  required: Record<string, boolean>;
  /** Paths whose answers were removed because their item is hidden or staff-only. */
  dropped: string[];
  /** Ages (birthday) and addresses (postal code) by the item's path. */
  derived: Record<string, FormDerived>;
  files: FormFileCheck[];
}

// ---------------------------------------------------------------------------------------------
// Compiling a version

type Store = Map<string, FormAnswerValue>;
interface Scope {
  global: Store;
  local: Store | null;
  today: IsoDate;
}
type Predicate = (scope: Scope) => boolean;

interface IndexedOption {
  label: string;
  /** Codes from the top of the tree down to this option. */
  path: string[];
  leaf: boolean;
}

export interface CompiledItem {
  readonly item: FormItem;
  readonly code: string;
  readonly section: CompiledSection;
  /** Staff-only by itself or through its section. */
  readonly staffOnly: boolean;
  readonly input: boolean;
  readonly options: ReadonlyMap<string, IndexedOption> | null;
  readonly showWhen: Predicate | null;
  readonly requiredWhen: Predicate | null;
  readonly pattern: { regex: RegExp; message: string } | null;
}
export interface CompiledSection {
  readonly section: FormSection;
  readonly code: string;
  readonly page: CompiledPage;
  readonly items: CompiledItem[];
  readonly showWhen: Predicate | null;
}
export interface CompiledPage {
  readonly page: FormPage;
  readonly code: string;
  readonly sections: CompiledSection[];
  readonly showWhen: Predicate | null;
}
export interface CompiledForm {
  /** The form's version number these answers belong to (1, 2…; fixed once published). */
  readonly version: number;
  readonly definition: FormDefinition;
  readonly pages: CompiledPage[];
  readonly items: ReadonlyMap<string, CompiledItem>;
  readonly sections: ReadonlyMap<string, CompiledSection>;
}

/** Thrown by compileForm for a definition that does not pass parseFormDefinition. */
export class FormDefinitionError extends Error {
  constructor(public readonly errors: FormFieldError[]) {
    super(`invalid form definition: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.name = 'FormDefinitionError';
  }
}

const PRESETS: Record<string, { regex: RegExp; message: string; prepare: (s: string) => string }> = {
  digits: { regex: /^[0-9]+$/, message: '数字で入力してください', prepare: toHalfWidthAscii },
  alphanumeric: { regex: /^[A-Za-z0-9]+$/, message: '英数字で入力してください', prepare: toHalfWidthAscii },
  katakana: {
    regex: /^[ァ-ヶー・ \u3000]+$/u,
    message: 'カタカナで入力してください',
    prepare: toFullWidthKatakana,
  },
  hiragana: { regex: /^[ぁ-ゖー・ \u3000]+$/u, message: 'ひらがなで入力してください', prepare: (s) => s },
};

function indexOptions(item: FormItem): Map<string, IndexedOption> | null {
  if (item.type === 'hierarchyChoice') {
    const out = new Map<string, IndexedOption>();
    const walk = (nodes: FormOptionNode[], parent: string[]) => {
      for (const n of nodes) {
        const path = [...parent, n.code];
        out.set(n.code, { label: n.label, path, leaf: !n.children?.length });
        if (n.children?.length) walk(n.children, path);
      }
    };
    walk(item.options, []);
    return out;
  }
  if (FORM_CHOICE_TYPES.has(item.type) && 'options' in item)
    return new Map(item.options.map((o) => [o.code, { label: o.label, path: [o.code], leaf: true }]));
  return null;
}

/** Normalises a condition's comparison value the way the item's answers are normalised. */
function conditionValue(item: FormItem, value: string | number): string | number {
  if (typeof value !== 'string') return value;
  switch (item.type) {
    case 'phone':
      return normalisePhone(value) ?? value;
    case 'postalCode':
      return normalisePostalCode(value) ?? value;
    case 'email':
      return normaliseEmail(value) ?? value;
    case 'shortText':
      return normaliseLine(value);
    default:
      return value;
  }
}

function compileCondition(c: FormCondition, items: Map<string, CompiledItem>): Predicate {
  if ('conditions' in c) {
    const parts = c.conditions.map((cc) => compileCondition(cc, items));
    return c.op === 'and' ? (s) => parts.every((p) => p(s)) : (s) => parts.some((p) => p(s));
  }
  if ('condition' in c) {
    const inner = compileCondition(c.condition, items);
    return (s) => !inner(s);
  }
  const ref = items.get(c.item);
  // A checked definition never refers to a later or unknown item; be safe anyway.
  if (!ref)
    return c.op === 'notAnswered' || c.op === 'notEquals' || c.op === 'notIn' ? () => true : () => false;
  const code = ref.code;
  const get: (s: Scope) => FormAnswerValue | undefined = ref.section.section.repeat
    ? (s) => s.local?.get(code)
    : (s) => s.global.get(code);
  switch (c.op) {
    case 'answered':
      return (s) => get(s) !== undefined;
    case 'notAnswered':
      return (s) => get(s) === undefined;
    case 'equals':
    case 'notEquals': {
      const want = conditionValue(ref.item, c.value);
      const eq = (s: Scope) => get(s) === want;
      return c.op === 'equals' ? eq : (s) => !eq(s);
    }
    case 'in':
    case 'notIn': {
      const wanted = new Set(c.values);
      const options = ref.options;
      const hit = (s: Scope) => {
        const v = get(s);
        if (typeof v === 'string') {
          const path = options?.get(v)?.path ?? [v];
          return path.some((p) => wanted.has(p));
        }
        if (Array.isArray(v)) return (v as string[]).some((x) => wanted.has(x));
        return false;
      };
      return c.op === 'in' ? hit : (s) => !hit(s);
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const bound = c.value;
      const cmp = {
        lt: (a: number) => a < bound,
        lte: (a: number) => a <= bound,
        gt: (a: number) => a > bound,
        gte: (a: number) => a >= bound,
      }[c.op];
      const isBirthday = ref.item.type === 'birthday';
      return (s) => {
        const v = get(s);
        if (isBirthday) return typeof v === 'string' && cmp(ageOn(v, s.today));
        return typeof v === 'number' && cmp(v);
      };
    }
    case 'before':
    case 'onOrBefore':
    case 'after':
    case 'onOrAfter': {
      const bound = c.value;
      const op = c.op;
      return (s) => {
        const v = get(s);
        if (typeof v !== 'string') return false;
        const d = resolveDateBound(bound, s.today);
        return op === 'before' ? v < d : op === 'onOrBefore' ? v <= d : op === 'after' ? v > d : v >= d;
      };
    }
  }
}

/**
 * Prepares a form version for evaluation: checks the definition (throws FormDefinitionError when
 * it is not valid), indexes items and options, compiles conditions. Compile once per version and
 * evaluate as often as the resident types.
 */
export function compileForm(definition: unknown, version: number): CompiledForm {
  const parsed = parseFormDefinition(definition);
  if (!parsed.ok) throw new FormDefinitionError(parsed.errors);
  const def = parsed.definition;
  const items = new Map<string, CompiledItem>();
  const sections = new Map<string, CompiledSection>();
  const pages: CompiledPage[] = [];
  // Conditions only look back, so compiling in document order finds every referenced item.
  for (const page of def.pages) {
    const cp: CompiledPage = {
      page,
      code: page.code,
      sections: [],
      showWhen: page.showWhen ? compileCondition(page.showWhen, items) : null,
    };
    pages.push(cp);
    for (const section of page.sections) {
      const cs: CompiledSection = {
        section,
        code: section.code,
        page: cp,
        items: [],
        showWhen: section.showWhen ? compileCondition(section.showWhen, items) : null,
      };
      cp.sections.push(cs);
      sections.set(cs.code, cs);
      for (const item of section.items) {
        const pattern =
          item.type === 'shortText' && item.pattern?.kind === 'regex'
            ? { regex: new RegExp(`^(?:${item.pattern.regex})$`, 'u'), message: item.pattern.message }
            : null;
        const ci: CompiledItem = {
          item,
          code: item.code,
          section: cs,
          staffOnly: section.staffOnly || item.staffOnly,
          input: isInputItem(item),
          options: indexOptions(item),
          showWhen: item.showWhen ? compileCondition(item.showWhen, items) : null,
          requiredWhen:
            'requiredWhen' in item && item.requiredWhen ? compileCondition(item.requiredWhen, items) : null,
          pattern,
        };
        cs.items.push(ci);
        items.set(ci.code, ci);
      }
    }
  }
  return { version, definition: def, pages, items, sections };
}

// ---------------------------------------------------------------------------------------------
// Reading one answer

/**
 * An error may carry the value as read when only a limit failed (too long, too many choices, out of
 * range): conditions still see it, so ticking a fourth of three allowed boxes does not make a
 * section that depends on the first one disappear while the resident corrects it.
 */
type Read =
  | { kind: 'value'; value: FormAnswerValue }
  | { kind: 'empty' }
  | { kind: 'error'; errors: Array<{ sub?: string; message: string }>; value?: FormAnswerValue };

const EMPTY: Read = { kind: 'empty' };
const fail = (message: string, sub?: string): Read => ({ kind: 'error', errors: [{ sub, message }] });
/** A limit failed on a value that was read. */
const over = (value: FormAnswerValue, message: string): Read => ({
  kind: 'error',
  errors: [{ message }],
  value,
});
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Nothing given: absent, null, blank text, an empty list, an address with every part blank. */
export function isBlankAnswer(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v) && ('prefecture' in v || 'city' in v || 'town' in v || 'building' in v))
    return Object.values(v).every(
      (x) => x === undefined || x === null || (typeof x === 'string' && x.trim() === ''),
    );
  return false;
}

/** Own properties only: an item coded `constructor` must not read Object.prototype's. */
const own = (o: Record<string, unknown>, k: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;

function lengthError(s: string, min: number | undefined, max: number): string | null {
  const n = charLength(s);
  if (n > max) return `${max}文字以内で入力してください（現在${n}文字）`;
  if (min !== undefined && n < min) return `${min}文字以上で入力してください（現在${n}文字）`;
  return null;
}

const fileRefSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
  name: z.string().trim().min(1).max(255),
  size: z.number().int().min(0),
  type: z.string().max(200),
});

function readFiles(item: FormItemOf<'file'>, raw: unknown): Read {
  if (!Array.isArray(raw)) return fail('ファイルの形式が正しくありません。もう一度添付してください');
  const errors: Array<{ sub?: string; message: string }> = [];
  if (raw.length > item.maxFiles) errors.push({ message: `ファイルは${item.maxFiles}件まで添付できます` });
  const maxBytes = item.maxSizeMb * 1024 * 1024;
  const mimes = new Map<string, readonly string[]>();
  for (const k of item.accept)
    for (const [mime, exts] of Object.entries(FORM_FILE_KINDS[k].types)) mimes.set(mime, exts);
  const exts = new Set([...mimes.values()].flat());
  const kinds = item.accept.map((k) => FORM_FILE_KINDS[k].label).join('・');
  const files: FormFileRef[] = [];
  const ids = new Set<string>();
  raw.forEach((f, i) => {
    const r = fileRefSchema.safeParse(f, { error: formErrorMap });
    if (!r.success) {
      errors.push({ sub: String(i), message: 'ファイルの情報が正しくありません。もう一度添付してください' });
      return;
    }
    const file = r.data;
    if (ids.has(file.id))
      errors.push({ sub: String(i), message: `「${file.name}」が重ねて添付されています` });
    ids.add(file.id);
    if (file.size > maxBytes)
      errors.push({
        sub: String(i),
        message: `「${file.name}」は${item.maxSizeMb}MBを超えています。${item.maxSizeMb}MB以下のファイルにしてください`,
      });
    const mime = file.type.toLowerCase();
    const ext = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase() ?? '';
    // Browsers name the type from the extension and some leave it empty; the server sniffs the bytes.
    const generic = mime === '' || mime === 'application/octet-stream';
    if (!(mimes.has(mime) || (generic && exts.has(ext))))
      errors.push({
        sub: String(i),
        message: `「${file.name}」は添付できない種類のファイルです（${kinds}のみ）`,
      });
    files.push(file);
  });
  if (errors.length) return { kind: 'error', errors };
  return files.length ? { kind: 'value', value: files } : EMPTY;
}

function readAddress(item: FormItemOf<'address'>, raw: unknown): Read {
  if (!isPlainObject(raw)) return fail('住所の形式が正しくありません');
  const parts =
    item.building === 'hidden' ? ['prefecture', 'city', 'town'] : ['prefecture', 'city', 'town', 'building'];
  const errors: Array<{ sub?: string; message: string }> = [];
  for (const k of Object.keys(raw))
    if (!parts.includes(k)) errors.push({ sub: k, message: 'この欄はありません' });
  const get = (k: string): string | null => {
    const v = own(raw, k);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') {
      errors.push({ sub: k, message: '文字で入力してください' });
      return null;
    }
    return normaliseLine(v);
  };
  const prefecture = get('prefecture');
  const city = get('city');
  const town = get('town');
  const building = item.building === 'hidden' ? '' : get('building');
  if (errors.length) return { kind: 'error', errors };
  if (!prefecture && !city && !town && !building) return EMPTY;
  if (!prefecture) errors.push({ sub: 'prefecture', message: '都道府県を選んでください' });
  else if (!(PREFECTURES as readonly string[]).includes(prefecture))
    errors.push({ sub: 'prefecture', message: '都道府県を一覧から選んでください' });
  if (!city) errors.push({ sub: 'city', message: '市区町村を入力してください' });
  else if (charLength(city) > 50)
    errors.push({ sub: 'city', message: '市区町村は50文字以内で入力してください' });
  if (!town) errors.push({ sub: 'town', message: '町名・番地を入力してください' });
  else if (charLength(town) > 100)
    errors.push({ sub: 'town', message: '町名・番地は100文字以内で入力してください' });
  if (item.building === 'required' && !building)
    errors.push({ sub: 'building', message: '建物名・部屋番号を入力してください' });
  else if (building && charLength(building) > 100)
    errors.push({ sub: 'building', message: '建物名・部屋番号は100文字以内で入力してください' });
  if (errors.length) return { kind: 'error', errors };
  const value: FormAddressAnswer = { prefecture: prefecture!, city: city!, town: town! };
  if (building) value.building = building;
  return { kind: 'value', value };
}

function readLocation(item: FormItemOf<'location'>, raw: unknown): Read {
  const ok =
    isPlainObject(raw) &&
    Object.keys(raw).every((k) => k === 'lat' || k === 'lng') &&
    typeof raw.lat === 'number' &&
    typeof raw.lng === 'number' &&
    Number.isFinite(raw.lat) &&
    Number.isFinite(raw.lng) &&
    Math.abs(raw.lat) <= 90 &&
    Math.abs(raw.lng) <= 180;
  if (!ok) return fail('場所を地図で選び直してください');
  const value = { lat: raw.lat as number, lng: raw.lng as number };
  if (item.geofence && !insideGeofence(value, item.geofence))
    return over(value, item.outsideMessage || '指定された範囲の中の場所を選んでください');
  return { kind: 'value', value };
}

function dateLimitMessage(bound: string, date: IsoDate, side: 'min' | 'max'): string {
  const words = side === 'min' ? '以降' : '以前';
  return bound === 'today'
    ? `今日${words}の日付を入力してください`
    : `${formatDateJa(date)}${words}の日付を入力してください`;
}

function readAnswer(ci: CompiledItem, raw: unknown, today: IsoDate): Read {
  const item = ci.item;
  if (isBlankAnswer(raw)) return EMPTY;
  switch (item.type) {
    case 'shortText': {
      if (typeof raw !== 'string') return fail('文字で入力してください');
      const preset = item.pattern?.kind === 'preset' ? PRESETS[item.pattern.preset]! : null;
      const s = preset ? preset.prepare(normaliseLine(raw)) : normaliseLine(raw);
      if (!s) return EMPTY;
      const len = lengthError(s, item.minLength, item.maxLength);
      if (len) return over(s, len);
      if (preset && !preset.regex.test(s)) return over(s, preset.message);
      if (ci.pattern && !ci.pattern.regex.test(s)) return over(s, ci.pattern.message);
      return { kind: 'value', value: s };
    }
    case 'longText': {
      if (typeof raw !== 'string') return fail('文字で入力してください');
      const s = normaliseMultiline(raw);
      if (!s) return EMPTY;
      const len = lengthError(s, item.minLength, item.maxLength);
      return len ? over(s, len) : { kind: 'value', value: s };
    }
    case 'number': {
      const n = parseNumberInput(raw);
      if (n === null) return fail('数値で入力してください');
      if (item.integer && !Number.isInteger(n)) return over(n, '整数で入力してください');
      const unit = item.unit ?? '';
      if (item.min !== undefined && n < item.min) return over(n, `${item.min}${unit}以上で入力してください`);
      if (item.max !== undefined && n > item.max) return over(n, `${item.max}${unit}以下で入力してください`);
      return { kind: 'value', value: n };
    }
    case 'email': {
      const s = typeof raw === 'string' ? normaliseEmail(raw) : null;
      return s
        ? { kind: 'value', value: s }
        : fail('メールアドレスの形式が正しくありません（例：taro@example.jp）');
    }
    case 'phone': {
      const s = typeof raw === 'string' ? normalisePhone(raw) : null;
      if (s && isPhoneNumber(s, item.accept)) return { kind: 'value', value: s };
      if (item.accept === 'mobile') {
        const message = '携帯電話の番号（070・080・090で始まる11桁）を入力してください';
        return s && isPhoneNumber(s, 'any') ? over(s, message) : fail(message);
      }
      return fail('電話番号の形式が正しくありません（例：0594-24-1111）');
    }
    case 'postalCode': {
      const s = typeof raw === 'string' ? normalisePostalCode(raw) : null;
      return s ? { kind: 'value', value: s } : fail('郵便番号は7桁の数字で入力してください（例：511-8601）');
    }
    case 'address':
      return readAddress(item, raw);
    case 'date': {
      const d = typeof raw === 'string' ? parseDateInput(raw) : null;
      if (!d) return fail('日付を正しく入力してください（例：2026-04-01）');
      if (item.minDate) {
        const min = resolveDateBound(item.minDate, today);
        if (d < min) return over(d, dateLimitMessage(item.minDate, min, 'min'));
      }
      if (item.maxDate) {
        const max = resolveDateBound(item.maxDate, today);
        if (d > max) return over(d, dateLimitMessage(item.maxDate, max, 'max'));
      }
      return { kind: 'value', value: d };
    }
    case 'birthday': {
      const d = typeof raw === 'string' ? parseDateInput(raw) : null;
      if (!d) return fail('生年月日を正しく入力してください（例：1990-04-01）');
      if (d > today) return fail('未来の日付は入力できません');
      const age = ageOn(d, today);
      if (item.minAge !== undefined && age < item.minAge)
        return over(d, `満${item.minAge}歳以上の方が対象です`);
      if (item.maxAge !== undefined && age > item.maxAge)
        return over(d, `満${item.maxAge}歳以下の方が対象です`);
      return { kind: 'value', value: d };
    }
    case 'singleChoice':
    case 'dropdown':
    case 'hierarchyChoice': {
      const o = typeof raw === 'string' ? ci.options?.get(raw) : undefined;
      if (!o) return fail('選択肢の中から選んでください');
      if (item.type === 'hierarchyChoice' && item.leafOnly && !o.leaf)
        return over(raw as string, `「${o.label}」の中からさらに選んでください`);
      return { kind: 'value', value: raw as string };
    }
    case 'multipleChoice': {
      if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'string' || !ci.options?.has(c)))
        return fail('選択肢の中から選んでください');
      const chosen = new Set(raw as string[]);
      // Kept in the order of the options, so the same choice is always stored the same way.
      const value = item.options.map((o) => o.code).filter((c) => chosen.has(c));
      if (item.maxSelect !== undefined && value.length > item.maxSelect)
        return over(value, `${item.maxSelect}件まで選べます`);
      if (item.minSelect !== undefined && value.length < item.minSelect)
        return over(value, `${item.minSelect}件以上選んでください`);
      return { kind: 'value', value };
    }
    case 'file':
      return readFiles(item, raw);
    case 'location':
      return readLocation(item, raw);
    case 'description':
    case 'image':
      return fail('この項目には回答できません');
  }
}

function requiredMessage(item: FormItem): string {
  switch (item.type) {
    case 'singleChoice':
    case 'dropdown':
    case 'hierarchyChoice':
    case 'multipleChoice':
      return '選んでください';
    case 'file':
      return 'ファイルを添付してください';
    case 'location':
      return '場所を地図で選んでください';
    case 'address':
      return '住所を入力してください';
    case 'date':
    case 'birthday':
      return '日付を入力してください';
    default:
      return '入力してください';
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluating a whole answer set

const UNKNOWN_ITEM = 'この項目はフォームにありません';
const NOT_ANSWERABLE = 'この項目には回答できません';
const HIDDEN_ANSWER =
  'この項目は入力内容により表示されないため、回答を送れません。画面を読み込み直して、もう一度お試しください';

/** What one entry of a repeating section is called in messages. */
function entryName(section: FormSection): string {
  return section.repeat?.itemName || section.title || '入力欄';
}

/**
 * Evaluates an answer set against a form version: visibility, requiredness, normalised answers,
 * errors, dropped answers, derived values and file checks. Never throws for any answer input.
 */
export function evaluateForm(form: CompiledForm, input: unknown, opts: FormEvaluateOptions): FormEvaluation {
  if (opts.only === 'staffItems' && opts.audience !== 'staff')
    throw new Error('only: staffItems needs audience staff');
  const prefix = opts.pathPrefix ? `${opts.pathPrefix}.` : '';
  const refuseHidden = opts.hiddenAnswers === 'refuse';
  const today = jstDate(opts.now);
  const result: FormEvaluation = {
    ok: true,
    answers: {},
    errors: [],
    visible: {},
    required: {},
    dropped: [],
    derived: {},
    files: [],
  };
  const error = (path: string, message: string) => result.errors.push({ path: prefix + path, message });
  const reportable = (staffOnly: boolean) => opts.only !== 'staffItems' || staffOnly;
  const forResident = opts.audience === 'resident';
  let raw: Record<string, unknown> = {};
  let malformed = false;
  if (isPlainObject(input)) raw = input;
  else malformed = input !== undefined && input !== null;
  // Keys that name nothing in this version are refused (a tampered or outdated page).
  for (const key of Object.keys(raw)) {
    const item = form.items.get(key);
    const section = form.sections.get(key);
    if (section?.section.repeat) continue;
    if (item && !item.section.section.repeat) {
      if (!item.input && !isBlankAnswer(own(raw, key))) error(key, NOT_ANSWERABLE);
      continue;
    }
    error(key, UNKNOWN_ITEM);
  }

  const global: Store = new Map();

  /** One item at `path`; its value goes into `store` (for later conditions) and `out`. */
  const visit = (
    ci: CompiledItem,
    value: unknown,
    path: string,
    scope: Scope,
    containerVisible: boolean,
    store: Store,
    out: Record<string, unknown>,
  ) => {
    const allowed = !(ci.staffOnly && forResident);
    const visible = containerVisible && allowed && (ci.showWhen ? ci.showWhen(scope) : true);
    result.visible[path] = visible;
    if (!ci.input) return;
    const report = reportable(ci.staffOnly);
    if (!visible) {
      result.required[path] = false;
      if (!isBlankAnswer(value)) {
        if (refuseHidden) {
          if (report || !allowed) error(path, allowed ? HIDDEN_ANSWER : NOT_ANSWERABLE);
        } else result.dropped.push(path);
      }
      return;
    }
    const required =
      (ci.item as FormInputItem).required || (ci.requiredWhen ? ci.requiredWhen(scope) : false);
    result.required[path] = required;
    const r = readAnswer(ci, value, scope.today);
    if (r.kind === 'error') {
      if (report) for (const e of r.errors) error(e.sub ? `${path}.${e.sub}` : path, e.message);
      if (r.value !== undefined) store.set(ci.code, r.value);
      return;
    }
    if (r.kind === 'empty') {
      if (required && report) error(path, requiredMessage(ci.item));
      return;
    }
    const item = ci.item;
    if (item.type === 'postalCode' && !derivePostal(item, r.value as string, path)) {
      if (report) error(path, 'この郵便番号は見つかりません。番号をご確認ください');
      store.set(ci.code, r.value);
      return;
    }
    store.set(ci.code, r.value);
    if (report) out[ci.code] = r.value;
    if (item.type === 'birthday')
      result.derived[path] = { kind: 'age', age: ageOn(r.value as string, today) };
    if (item.type === 'file' && report) {
      const mimeTypes = item.accept.flatMap((k) => Object.keys(FORM_FILE_KINDS[k].types));
      result.files.push({
        path: prefix + path,
        item: ci.code,
        files: r.value as FormFileRef[],
        maxFiles: item.maxFiles,
        maxBytes: item.maxSizeMb * 1024 * 1024,
        accept: [...item.accept],
        mimeTypes,
      });
    }
  };

  /** Records what a postal code fills; false when the code must exist and does not. */
  const derivePostal = (item: FormItemOf<'postalCode'>, code: string, path: string): boolean => {
    const target = item.fillAddress ? path.slice(0, path.length - item.code.length) + item.fillAddress : null;
    const found = opts.postalLookup?.(postalDigits(code));
    const addresses = found ? [...found] : [];
    const status = found === undefined ? 'unknown' : addresses.length ? 'found' : 'notFound';
    result.derived[path] = { kind: 'postal', status, addresses, fill: postalFill(addresses), target };
    return !(item.mustExist && status === 'notFound');
  };

  for (const page of form.pages) {
    const pageVisible = page.showWhen ? page.showWhen({ global, local: null, today }) : true;
    result.visible[page.code] = pageVisible;
    for (const cs of page.sections) {
      const section = cs.section;
      const allowed = !(section.staffOnly && forResident);
      const visible =
        pageVisible && allowed && (cs.showWhen ? cs.showWhen({ global, local: null, today }) : true);
      result.visible[cs.code] = visible;
      if (!section.repeat) {
        for (const ci of cs.items)
          visit(
            ci,
            own(raw, ci.code),
            ci.code,
            { global, local: null, today },
            visible,
            global,
            result.answers,
          );
        // A section whose items are all hidden shows nothing: no empty heading on the page.
        result.visible[cs.code] = visible && cs.items.some((ci) => result.visible[ci.code]);
        continue;
      }
      // A repeating section: a list of entries, each evaluated with its own answers in scope.
      const value = own(raw, cs.code);
      const report = reportable(section.staffOnly);
      const name = entryName(section);
      if (value === undefined || value === null) {
        if (visible && section.repeat.min > 0 && report)
          error(cs.code, `${name}を${section.repeat.min}件以上入力してください`);
        continue;
      }
      if (!Array.isArray(value)) {
        error(cs.code, '回答の形式が正しくありません');
        continue;
      }
      if (!visible) {
        const blank = value.every((e) => !isPlainObject(e) || Object.values(e).every(isBlankAnswer));
        if (!blank) {
          if (refuseHidden) {
            if (report || !allowed) error(cs.code, allowed ? HIDDEN_ANSWER : NOT_ANSWERABLE);
          } else result.dropped.push(cs.code);
        }
        value.forEach((_, i) => {
          for (const ci of cs.items) {
            result.visible[`${cs.code}.${i}.${ci.code}`] = false;
            if (ci.input) result.required[`${cs.code}.${i}.${ci.code}`] = false;
          }
        });
        continue;
      }
      if (value.length > section.repeat.max && report)
        error(cs.code, `${name}は${section.repeat.max}件まで入力できます`);
      if (value.length < section.repeat.min && report)
        error(cs.code, `${name}を${section.repeat.min}件以上入力してください`);
      const entries: FormEntryAnswers[] = [];
      value.slice(0, section.repeat.max).forEach((entry, i) => {
        const base = `${cs.code}.${i}`;
        if (!isPlainObject(entry)) {
          error(base, '回答の形式が正しくありません');
          return;
        }
        for (const key of Object.keys(entry)) {
          const item = form.items.get(key);
          if (!item || item.section !== cs) error(`${base}.${key}`, UNKNOWN_ITEM);
          else if (!item.input && !isBlankAnswer(own(entry, key))) error(`${base}.${key}`, NOT_ANSWERABLE);
        }
        const local: Store = new Map();
        const out: FormEntryAnswers = {};
        for (const ci of cs.items)
          visit(ci, own(entry, ci.code), `${base}.${ci.code}`, { global, local, today }, true, local, out);
        entries.push(out);
      });
      // Entries keep their positions, so paths in errors, derived values and files match the page's.
      if (entries.some((e) => Object.keys(e).length > 0) || (report && entries.length > 0))
        result.answers[cs.code] = entries;
    }
    // A page with nothing to show (all its sections hidden or for staff) is not a step for the resident.
    result.visible[page.code] = pageVisible && page.sections.some((cs) => result.visible[cs.code]);
  }

  // Answers that are not an object at all: one error, not one per required item.
  if (malformed) result.errors = [{ path: opts.pathPrefix ?? '', message: '回答の形式が正しくありません' }];
  result.ok = result.errors.length === 0;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Submissions

export interface FormSubmission {
  /** The version of the form the page showed. */
  version: number;
  answers: unknown;
}

export type FormSubmissionResult =
  | {
      ok: true;
      version: number;
      answers: FormAnswers;
      derived: Record<string, FormDerived>;
      files: FormFileCheck[];
    }
  | {
      ok: false;
      /** `version`: the page showed another version (answer 409); `invalid`: answers refused (422). */
      reason: 'version' | 'invalid';
      title: string;
      errors: FormFieldError[];
    };

const submissionShape = z.object({
  version: z.number().int().min(1),
  answers: z.record(z.string(), z.unknown()),
});

/**
 * The server's check of a submission `{ version, answers }`: the version must be the one being
 * answered (a published version never changes, so answers to another cannot be trusted to fit
 * it), and the answers must pass the engine with hidden and staff-only answers refused. The clean
 * answers are what the server stores, with the version.
 */
export function validateSubmission(
  form: CompiledForm,
  body: unknown,
  opts: Omit<FormEvaluateOptions, 'only' | 'pathPrefix'>,
): FormSubmissionResult {
  const shape = submissionShape.safeParse(body);
  if (!shape.success)
    return {
      ok: false,
      reason: 'invalid',
      title: '送信内容の形式が正しくありません',
      errors: [{ path: 'answers', message: '回答の形式が正しくありません。画面を読み込み直してください' }],
    };
  if (shape.data.version !== form.version)
    return {
      ok: false,
      reason: 'version',
      title: 'フォームの内容が更新されました',
      errors: [
        {
          path: 'version',
          message: 'このフォームは内容が更新されました。画面を読み込み直して、もう一度入力してください',
        },
      ],
    };
  const r = evaluateForm(form, shape.data.answers, {
    ...opts,
    hiddenAnswers: opts.hiddenAnswers ?? 'refuse',
    pathPrefix: 'answers',
  });
  if (!r.ok) return { ok: false, reason: 'invalid', title: '入力内容を確認してください', errors: r.errors };
  return { ok: true, version: form.version, answers: r.answers, derived: r.derived, files: r.files };
}

// ---------------------------------------------------------------------------------------------
// Helpers for the pages

/**
 * Answers kept when a resident's page moves from one version to another (a draft opened again
 * after staff published a new version): answers to items that keep their code and type, options
 * that still exist; everything else is listed in `dropped`. Run evaluateForm afterwards.
 */
export function carryOverAnswers(
  from: CompiledForm,
  to: CompiledForm,
  answers: Record<string, unknown>,
): { answers: Record<string, unknown>; dropped: string[] } {
  const dropped: string[] = [];
  const keep = (code: string, value: unknown, path: string, scope: CompiledSection | null): unknown => {
    const a = from.items.get(code);
    const b = to.items.get(code);
    const sameScope = (b?.section.section.repeat ? b.section.code : null) === (scope?.code ?? null);
    if (!a || !b || a.item.type !== b.item.type || !b.input || !sameScope) {
      dropped.push(path);
      return undefined;
    }
    if (b.options) {
      if (typeof value === 'string' && !b.options.has(value)) {
        dropped.push(path);
        return undefined;
      }
      if (Array.isArray(value)) {
        const kept = value.filter((v) => typeof v === 'string' && b.options!.has(v));
        if (kept.length !== value.length) dropped.push(path);
        return kept;
      }
    }
    return value;
  };
  const out: Record<string, unknown> = {};
  for (const [code, value] of Object.entries(answers)) {
    const section = to.sections.get(code);
    if (from.sections.get(code)?.section.repeat && section?.section.repeat && Array.isArray(value)) {
      const max = section.section.repeat.max;
      if (value.length > max) dropped.push(...value.slice(max).map((_, i) => `${code}.${max + i}`));
      out[code] = value.slice(0, max).map((entry, i) => {
        const e: Record<string, unknown> = {};
        if (isPlainObject(entry))
          for (const [k, v] of Object.entries(entry)) {
            const kept = keep(k, v, `${code}.${i}.${k}`, section);
            if (kept !== undefined) e[k] = kept;
          }
        return e;
      });
      continue;
    }
    const kept = keep(code, value, code, null);
    if (kept !== undefined) out[code] = kept;
  }
  return { answers: out, dropped };
}

const SUB_LABELS: Record<string, string> = {
  prefecture: '都道府県',
  city: '市区町村',
  town: '町名・番地',
  building: '建物名・部屋番号',
};

/**
 * What a path is called, for error summaries, staff screens and logs:
 * `phone` → 電話番号, `children.1.name` → お子さま（2件目）の氏名, `home.city` → 住所（市区町村）.
 */
export function describePath(form: CompiledForm, path: string): string {
  const parts = path.split('.');
  const first = parts[0] ?? '';
  const section = form.sections.get(first);
  if (section?.section.repeat && parts.length >= 2) {
    const name = `${entryName(section.section)}（${Number(parts[1]) + 1}件目）`;
    if (parts.length === 2) return name;
    return `${name}の${describeItem(form, parts.slice(2))}`;
  }
  if (section) return section.section.title || section.code;
  const page = form.pages.find((p) => p.code === first);
  if (page) return page.page.title || page.code;
  return describeItem(form, parts);
}

function describeItem(form: CompiledForm, parts: string[]): string {
  const ci = form.items.get(parts[0] ?? '');
  if (!ci) return parts.join('.');
  const item = ci.item;
  const label = ('label' in item && item.label) || ci.code;
  const sub = parts[1];
  if (sub === undefined) return label;
  if (SUB_LABELS[sub]) return `${label}（${SUB_LABELS[sub]}）`;
  if (/^\d+$/.test(sub)) return `${label}（${Number(sub) + 1}件目）`;
  return label;
}
