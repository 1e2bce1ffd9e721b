/**
 * The segment builder's model: a tree of groups and leaves as staff edit it (text fields stay
 * text while typing), turned into the API's condition tree and back, checked locally for early
 * Japanese feedback and described in one plain-Japanese sentence. Pure, unit-tested.
 *
 * Groups: すべて満たす (and), いずれかを満たす (or), 満たさない (not). A "not" group with several
 * conditions excludes those who meet all of them: NOT(AND(…)) in the API.
 */
import { indexOptions, leafCount, normaliseChoice, type IndexedOption } from './options';
import {
  GARBAGE_MAX_DAYS,
  MAX_DEPTH,
  MAX_LEAVES,
  type AttributeItem,
  type CalendarChoice,
  type Condition,
  type FormAnswerLeaf,
  type FormAnswerOp,
  type FormChoice,
  type FormQuestion,
  type FormQuestionKind,
  type FriendStatus,
  type ItemKind,
  type Leaf,
  type NumberOp,
  type OptionNode,
} from './types';

export type GroupOp = 'and' | 'or' | 'not';
export type Cond = 'option' | 'answered' | 'date' | 'age' | 'number';

/** Subjects of leaves that are not attribute items. */
export const FRIEND_STATUS = '@friend_status';
export const FRIEND_PERIOD = '@friend_period';
export const FORM_ANSWER = '@form_answer';
/** DEL-5: a collection day in a garbage calendar. */
export const GARBAGE = '@garbage';

/** One bound of a date condition: a calendar date, or n days before/after today. */
export interface DateBound {
  mode: 'date' | 'days';
  date: string;
  n: string;
  dir: 'before' | 'after';
}

export interface UiLeaf {
  kind: 'leaf';
  key: string;
  /** An item code, or FRIEND_STATUS / FRIEND_PERIOD; '' until chosen. */
  subject: string;
  cond: Cond;
  op: 'in' | 'not_in' | 'all';
  codes: string[];
  exact: boolean;
  dateOp: 'before' | 'after' | 'between' | 'anniversary';
  /** The date of before/after, or the start of between. */
  a: DateBound;
  /** The end of between. */
  b: DateBound;
  quantifier: 'any' | 'all';
  unit: 'years' | 'months';
  /** 「○歳以上」. */
  ageMin: string;
  /** 「○歳未満」. */
  ageUnder: string;
  numOp: NumberOp;
  num: string;
  numMin: string;
  numMax: string;
  answered: boolean;
  statuses: FriendStatus[];
  minDays: string;
  maxDays: string;
  since: string;
  until: string;
  /** Garbage calendar code (GARBAGE). */
  calendar: string;
  /** Items of the calendar; none chosen: any collection. */
  garbageItems: string[];
  /** Days from today of the collection ('1': tomorrow). */
  garbageDays: string;
  /** SEG-8 (FORM_ANSWER): the form, its question (item code), how answers compare. */
  formId: string;
  question: string;
  formOp: FormAnswerOp;
  /** Chosen option codes (in / not_in; eq / ne on a choice question: the first). */
  formCodes: string[];
  /** The number or date compared with (eq… on number and date questions). */
  formValue: string;
  /**
   * A saved form_answer leaf as it was: kept unchanged while its form is not among those this
   * account may read (or it was deleted), so opening and saving a segment loses nothing.
   */
  raw?: FormAnswerLeaf;
}

export interface UiGroup {
  kind: 'group';
  key: string;
  op: GroupOp;
  children: UiNode[];
}

export type UiNode = UiGroup | UiLeaf;

let nextKey = 1;
const newKey = () => `n${nextKey++}`;

const bound = (): DateBound => ({ mode: 'date', date: '', n: '', dir: 'before' });

export function newLeaf(subject = ''): UiLeaf {
  return {
    kind: 'leaf',
    key: newKey(),
    subject,
    cond: 'option',
    op: 'in',
    codes: [],
    exact: false,
    dateOp: 'after',
    a: bound(),
    b: bound(),
    quantifier: 'any',
    unit: 'years',
    ageMin: '',
    ageUnder: '',
    numOp: 'gte',
    num: '',
    numMin: '',
    numMax: '',
    answered: true,
    statuses: ['friend'],
    minDays: '',
    maxDays: '',
    since: '',
    until: '',
    calendar: '',
    garbageItems: [],
    garbageDays: '1',
    formId: '',
    question: '',
    formOp: 'in',
    formCodes: [],
    formValue: '',
  };
}

export function newGroup(op: GroupOp = 'and', children: UiNode[] = [newLeaf()]): UiGroup {
  return { kind: 'group', key: newKey(), op, children };
}

/** The conditions an item kind allows, the first being the usual one. */
export function condsFor(kind: ItemKind): Cond[] {
  switch (kind) {
    case 'single':
    case 'multi':
    case 'hierarchy':
      return ['option', 'answered'];
    case 'date':
    case 'dates':
      return ['age', 'date', 'answered'];
    case 'number':
      return ['number', 'answered'];
    case 'text':
      return ['answered'];
  }
}

export const COND_LABEL: Record<Cond, string> = {
  option: '選んだ選択肢',
  answered: '回答の有無',
  date: '日付',
  age: '年齢（日付から数える）',
  number: '数値',
};

export const GROUP_LABEL: Record<GroupOp, string> = {
  and: 'すべて満たす(AND)',
  or: 'いずれかを満たす(OR)',
  not: '満たさない(NOT)',
};

export const GROUP_HINT: Record<GroupOp, string> = {
  and: '下の条件をすべて満たす人が対象です。',
  or: '下の条件のどれか1つでも満たす人が対象です。',
  not: '下の条件を満たす人を除きます（条件が複数のときは、すべてを満たす人を除きます）。',
};

export const FRIEND_STATUS_LABEL: Record<FriendStatus, string> = {
  friend: '友だち',
  blocked: 'ブロック中',
  unknown: '不明',
};

export const NUMBER_OP_LABEL: Record<NumberOp, string> = {
  eq: 'と等しい',
  ne: 'と等しくない',
  lt: '未満',
  lte: '以下',
  gt: 'より大きい',
  gte: '以上',
  between: 'の範囲',
};

// ---------------------------------------------------------------------------------------------
// From the API

const daysBound = (days: number): DateBound => ({
  mode: 'days',
  date: '',
  n: String(Math.abs(days)),
  dir: days < 0 ? 'before' : 'after',
});
const dateBound = (date: string): DateBound => ({ mode: 'date', date, n: '', dir: 'before' });
const str = (n: number | undefined) => (n === undefined ? '' : String(n));

function leafToUi(c: Leaf): UiLeaf {
  const l = newLeaf();
  switch (c.type) {
    case 'option':
      return {
        ...l,
        subject: c.item,
        cond: 'option',
        op: c.op,
        codes: [...c.codes],
        exact: Boolean(c.exact),
      };
    case 'date': {
      const between = c.op === 'between';
      return {
        ...l,
        subject: c.item,
        cond: 'date',
        dateOp: c.op,
        quantifier: c.quantifier ?? 'any',
        a: between
          ? c.fromDays !== undefined
            ? daysBound(c.fromDays)
            : dateBound(c.from ?? '')
          : c.days !== undefined
            ? daysBound(c.days)
            : dateBound(c.date ?? ''),
        b: between ? (c.toDays !== undefined ? daysBound(c.toDays) : dateBound(c.to ?? '')) : bound(),
      };
    }
    case 'age':
      return {
        ...l,
        subject: c.item,
        cond: 'age',
        unit: c.unit,
        ageMin: str(c.min),
        ageUnder: c.max === undefined ? '' : String(c.max + 1),
        quantifier: c.quantifier ?? 'any',
      };
    case 'number':
      return {
        ...l,
        subject: c.item,
        cond: 'number',
        numOp: c.op,
        num: str(c.value),
        numMin: str(c.min),
        numMax: str(c.max),
      };
    case 'answered':
      return { ...l, subject: c.item, cond: 'answered', answered: c.answered };
    case 'friend_status':
      return { ...l, subject: FRIEND_STATUS, statuses: [...c.statuses] };
    case 'friend_period':
      return {
        ...l,
        subject: FRIEND_PERIOD,
        minDays: str(c.minDays),
        maxDays: str(c.maxDays),
        since: c.since ?? '',
        until: c.until ?? '',
      };
    case 'form_answer': {
      const values = c.values ?? [];
      const compare = !['answered', 'not_answered', 'in', 'not_in'].includes(c.op);
      return {
        ...l,
        subject: FORM_ANSWER,
        formId: c.formId,
        question: c.question,
        formOp: c.op,
        formCodes: values.map(String),
        formValue: compare && values.length ? String(values[0]) : '',
        raw: c,
      };
    }
    case 'garbage':
      return {
        ...l,
        subject: GARBAGE,
        calendar: c.calendar,
        garbageItems: [...(c.items ?? [])],
        garbageDays: String(c.days),
      };
  }
}

function toUiNode(c: Condition): UiNode {
  if (c.type === 'and' || c.type === 'or')
    return { kind: 'group', key: newKey(), op: c.type, children: c.conditions.map(toUiNode) };
  if (c.type === 'not') {
    const inner = c.condition;
    const children = inner.type === 'and' ? inner.conditions.map(toUiNode) : [toUiNode(inner)];
    return { kind: 'group', key: newKey(), op: 'not', children };
  }
  return leafToUi(c);
}

/** The builder's tree of a saved definition (the top is always a group). */
export function fromDefinition(def: Condition | null | undefined): UiGroup {
  if (!def) return newGroup('and');
  const node = toUiNode(def);
  return node.kind === 'group' ? node : newGroup('and', [node]);
}

// ---------------------------------------------------------------------------------------------
// To the API, with local checks

/** Messages per node key, per field ('subject', 'codes', 'a', 'b', 'age', 'num', 'period', 'group'). */
export type LocalErrors = Record<string, Record<string, string>>;

export interface Built {
  /** The API definition, or null while a condition is incomplete. */
  definition: Condition | null;
  errors: LocalErrors;
  /**
   * `key:field` of errors that only say something is still empty: the screen holds them back
   * until staff try to save, so a new condition is not red before it is filled in.
   */
  missing: Set<string>;
  /** Each node's path in the API definition ("definition.conditions.0"), for the server's errors. */
  paths: Array<{ path: string; key: string }>;
  leaves: number;
  depth: number;
}

/** Messages that only ask for something not filled in yet. */
const EMPTY = /(を入力してください|を選んでください|を1つ以上選んでください)$/;
const INT = /^-?\d+$/;
const NUM = /^-?\d+(\.\d+)?$/;
const ISO = /^\d{4}-\d{2}-\d{2}$/;

function parseInt0(s: string): number | null {
  const t = toHalfWidth(s.trim());
  return INT.test(t) ? Number(t) : null;
}

function parseNum(s: string): number | null {
  const t = toHalfWidth(s.trim());
  return NUM.test(t) ? Number(t) : null;
}

/** Staff type numbers with a Japanese IME on: accept full-width digits. */
export function toHalfWidth(s: string): string {
  return s.replace(/[０-９．－]/g, (ch) =>
    ch === '．' ? '.' : ch === '－' ? '-' : String.fromCharCode(ch.charCodeAt(0) - 0xfee0),
  );
}

type Out = { value?: string; days?: number; error?: string };

function resolveBound(b: DateBound, what: string): Out {
  if (b.mode === 'date') {
    if (!b.date) return { error: `${what}を入力してください` };
    if (!ISO.test(b.date)) return { error: `${what}を正しく入力してください` };
    return { value: b.date };
  }
  if (!b.n.trim()) return { error: `${what}の日数を入力してください` };
  const n = parseInt0(b.n);
  if (n === null || n < 0) return { error: `${what}の日数を0以上の整数で入力してください` };
  if (n > 36500) return { error: `${what}の日数が大きすぎます` };
  return { days: b.dir === 'before' ? -n : n };
}

function leafToApi(
  l: UiLeaf,
  item: AttributeItem | undefined,
  calendars: CalendarChoice[],
  forms: FormChoice[],
): { leaf: Leaf | null; errors: Record<string, string> } {
  const e: Record<string, string> = {};
  const done = (leaf: Leaf) => ({ leaf: Object.keys(e).length ? null : leaf, errors: e });
  if (l.subject === GARBAGE) {
    const calendar = calendars.find((c) => c.code === l.calendar);
    if (!l.calendar) e.calendar = 'ごみカレンダーを選んでください';
    else if (!calendar)
      e.calendar = `ごみカレンダー「${l.calendar}」は削除されました。別のカレンダーを選んでください`;
    const days = parseInt0(l.garbageDays);
    if (!l.garbageDays.trim()) e.days = '何日後の収集日かを入力してください';
    else if (days === null || days < 0) e.days = '何日後の収集日かは0以上の整数で入力してください';
    else if (days > GARBAGE_MAX_DAYS) e.days = `何日後の収集日かは${GARBAGE_MAX_DAYS}日以内にしてください`;
    const items = [...new Set(l.garbageItems)];
    return done({
      type: 'garbage',
      calendar: l.calendar,
      ...(items.length ? { items } : {}),
      days: days ?? 1,
    });
  }
  if (l.subject === FORM_ANSWER) return formAnswerToApi(l, forms);
  if (l.subject === FRIEND_STATUS) {
    if (!l.statuses.length) e.statuses = '状態を1つ以上選んでください';
    return done({ type: 'friend_status', statuses: [...l.statuses] });
  }
  if (l.subject === FRIEND_PERIOD) {
    const min = l.minDays.trim() ? parseInt0(l.minDays) : undefined;
    const max = l.maxDays.trim() ? parseInt0(l.maxDays) : undefined;
    if (min === null || (min !== undefined && min < 0)) e.period = '日数は0以上の整数で入力してください';
    else if (max === null || (max !== undefined && max < 0)) e.period = '日数は0以上の整数で入力してください';
    else if (min === undefined && max === undefined && !l.since && !l.until)
      e.period = '日数か日付を入力してください';
    else if (min !== undefined && max !== undefined && min > max)
      e.period = '「日以内」は「日以上」より大きくしてください';
    else if (l.since && l.until && l.since > l.until) e.period = '終わりの日は始めの日以降にしてください';
    const leaf: Leaf = { type: 'friend_period' };
    if (typeof min === 'number') leaf.minDays = min;
    if (typeof max === 'number') leaf.maxDays = max;
    if (l.since) leaf.since = l.since;
    if (l.until) leaf.until = l.until;
    return done(leaf);
  }
  if (!l.subject) return { leaf: null, errors: { subject: '項目を選んでください' } };
  if (!item)
    return {
      leaf: null,
      errors: { subject: `項目「${l.subject}」は削除されました。別の項目を選んでください` },
    };
  const cond = condsFor(item.kind).includes(l.cond) ? l.cond : condsFor(item.kind)[0]!;
  switch (cond) {
    case 'option': {
      const index = indexOptions(item);
      const codes = normaliseChoice(index, l.codes, l.exact);
      if (!codes.length) e.codes = '選択肢を1つ以上選んでください';
      const op = l.op === 'all' && item.kind !== 'multi' ? 'in' : l.op;
      return done({
        type: 'option',
        item: item.code,
        op,
        codes,
        ...(item.kind === 'hierarchy' && l.exact ? { exact: true } : {}),
      });
    }
    case 'answered':
      return done({ type: 'answered', item: item.code, answered: l.answered });
    case 'date': {
      const quantifier = item.kind === 'dates' ? l.quantifier : 'any';
      if (l.dateOp === 'between') {
        const a = resolveBound(l.a, '始めの日');
        const b = resolveBound(l.b, '終わりの日');
        if (a.error) e.a = a.error;
        if (b.error) e.b = b.error;
        if (a.value && b.value && a.value > b.value) e.b = '終わりの日は始めの日以降にしてください';
        if (a.days !== undefined && b.days !== undefined && a.days > b.days)
          e.b = '終わりの日は始めの日以降にしてください';
        return done({
          type: 'date',
          item: item.code,
          op: 'between',
          ...(a.value ? { from: a.value } : { fromDays: a.days }),
          ...(b.value ? { to: b.value } : { toDays: b.days }),
          quantifier,
        });
      }
      if (l.dateOp === 'anniversary') {
        // Reminders on birthdays (DEL-4): counted from today only, within a year.
        const a = resolveBound({ ...l.a, mode: 'days' }, '記念日');
        if (a.error) e.a = a.error;
        else if (Math.abs(a.days!) > 366) e.a = '記念日までの日数は366日以内にしてください';
        return done({ type: 'date', item: item.code, op: 'anniversary', days: a.days ?? 0 });
      }
      const a = resolveBound(l.a, '日付');
      if (a.error) e.a = a.error;
      return done({
        type: 'date',
        item: item.code,
        op: l.dateOp,
        ...(a.value ? { date: a.value } : { days: a.days }),
        quantifier,
      });
    }
    case 'age': {
      const min = l.ageMin.trim() ? parseInt0(l.ageMin) : undefined;
      const under = l.ageUnder.trim() ? parseInt0(l.ageUnder) : undefined;
      const u = l.unit === 'years' ? '歳' : 'か月';
      if (min === null || (min !== undefined && min < 0))
        e.age = `「${u}以上」は0以上の整数で入力してください`;
      else if (under === null || (under !== undefined && under < 1))
        e.age = `「${u}未満」は1以上の整数で入力してください`;
      else if (min === undefined && under === undefined)
        e.age = `「${u}以上」か「${u}未満」を入力してください`;
      else if (min !== undefined && under !== undefined && under <= min)
        e.age = `「${u}未満」は「${u}以上」より大きくしてください`;
      else if ((min ?? 0) > 36500 || (under ?? 0) > 36501) e.age = '年齢が大きすぎます';
      return done({
        type: 'age',
        item: item.code,
        unit: l.unit,
        ...(typeof min === 'number' ? { min } : {}),
        ...(typeof under === 'number' ? { max: under - 1 } : {}),
        quantifier: item.kind === 'dates' ? l.quantifier : 'any',
      });
    }
    case 'number': {
      if (l.numOp === 'between') {
        const min = parseNum(l.numMin);
        const max = parseNum(l.numMax);
        if (!l.numMin.trim() || !l.numMax.trim()) e.num = '下限と上限を入力してください';
        else if (min === null || max === null) e.num = '下限と上限を数値で入力してください';
        else if (min > max) e.num = '上限は下限以上にしてください';
        return done({ type: 'number', item: item.code, op: 'between', min: min ?? 0, max: max ?? 0 });
      }
      const value = parseNum(l.num);
      if (!l.num.trim()) e.num = '値を入力してください';
      else if (value === null) e.num = '値を数値で入力してください';
      return done({ type: 'number', item: item.code, op: l.numOp, value: value ?? 0 });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SEG-8: answers to forms

/** The operators the builder offers per kind of question, the first being the usual one. */
export const FORM_OPS: Record<FormQuestionKind, FormAnswerOp[]> = {
  choice: ['in', 'not_in', 'answered', 'not_answered'],
  number: ['gte', 'gt', 'lte', 'lt', 'eq', 'ne', 'answered', 'not_answered'],
  date: ['gte', 'gt', 'lte', 'lt', 'eq', 'answered', 'not_answered'],
  text: ['answered', 'not_answered'],
};

/** How each operator reads in the 当てはまり方 / 比較 list, per kind. */
export function formOpLabel(kind: FormQuestionKind, op: FormAnswerOp): string {
  if (op === 'answered') return '回答した';
  if (op === 'not_answered') return '回答していない';
  if (kind === 'choice') {
    const labels: Partial<Record<FormAnswerOp, string>> = {
      in: 'いずれかを選んだ',
      not_in: 'どれも選んでいない（未回答を含む）',
      eq: 'この選択肢そのもの（下の階層を含めない）',
      ne: 'この選択肢そのものではない（未回答を含む）',
    };
    return labels[op] ?? op;
  }
  const number: Record<string, string> = {
    gte: '以上',
    gt: 'より大きい',
    lte: '以下',
    lt: '未満',
    eq: '等しい',
    ne: '等しくない（未回答を含む）',
  };
  const date: Record<string, string> = {
    gte: 'この日以降',
    gt: 'この日より後',
    lte: 'この日以前',
    lt: 'この日より前',
    eq: 'この日',
    ne: 'この日ではない（未回答を含む）',
  };
  return (kind === 'date' ? date : number)[op] ?? op;
}

/** The operators to list for a question: the usual ones, plus a saved one outside them. */
export function formOpsFor(kind: FormQuestionKind, current?: FormAnswerOp): FormAnswerOp[] {
  const ops = FORM_OPS[kind];
  const allowed: FormAnswerOp[] =
    kind === 'choice' ? [...ops, 'eq', 'ne'] : kind === 'date' ? [...ops, 'ne'] : ops;
  return current && !ops.includes(current) && allowed.includes(current) ? [...ops, current] : ops;
}

/** A choice question's options as an attribute-like item, for the option picker and sentences. */
export function questionItem(q: FormQuestion): AttributeItem {
  const roots: OptionNode[] = [];
  const stack: OptionNode[] = [];
  for (const o of q.options ?? []) {
    const node: OptionNode = { code: o.code, label: o.label };
    stack.length = Math.min(stack.length, o.depth);
    const parent = stack[stack.length - 1];
    if (parent) (parent.children ??= []).push(node);
    else roots.push(node);
    stack.push(node);
  }
  const hierarchy = (q.options ?? []).some((o) => o.depth > 0);
  return {
    id: q.code,
    code: q.code,
    kind: hierarchy ? 'hierarchy' : 'single',
    label: q.label,
    status: 'active',
    config: { options: roots },
  };
}

/** The form and question a leaf names, when this account may read them. */
export function findQuestion(
  forms: FormChoice[],
  formId: string,
  question: string,
): { form: FormChoice | undefined; question: FormQuestion | undefined } {
  const form = forms.find((f) => f.id === formId);
  return { form, question: form?.questions.find((q) => q.code === question) };
}

export const FORM_GONE = 'このフォームは見られないか削除されました';

function formAnswerToApi(
  l: UiLeaf,
  forms: FormChoice[],
): { leaf: Leaf | null; errors: Record<string, string> } {
  const e: Record<string, string> = {};
  const found = findQuestion(forms, l.formId, l.question);
  // A saved condition on a form this account cannot see stays as it was (the server decides).
  if (!found.form && l.raw && l.raw.formId === l.formId) return { leaf: l.raw, errors: e };
  if (!l.formId) return { leaf: null, errors: { form: 'フォームを選んでください' } };
  if (!found.form) return { leaf: null, errors: { form: `${FORM_GONE}。別のフォームを選んでください` } };
  if (!l.question) return { leaf: null, errors: { question: '設問を選んでください' } };
  const q = found.question;
  if (!q)
    return {
      leaf: null,
      errors: { question: `設問「${l.question}」はこのフォームで使えません。別の設問を選んでください` },
    };
  const op = formOpsFor(q.kind, l.formOp).includes(l.formOp) ? l.formOp : FORM_OPS[q.kind][0]!;
  const leaf = (values: Array<string | number>): Leaf => ({
    type: 'form_answer',
    formId: l.formId,
    question: q.code,
    op,
    values,
  });
  if (op === 'answered' || op === 'not_answered') return { leaf: leaf([]), errors: e };
  if (q.kind === 'choice') {
    const index = indexOptions(questionItem(q));
    if (op === 'eq' || op === 'ne') {
      const code = l.formCodes.find((c) => index.has(c));
      if (!code) return { leaf: null, errors: { values: '選択肢を選んでください' } };
      return { leaf: leaf([code]), errors: e };
    }
    const codes = normaliseChoice(index, l.formCodes, false);
    if (!codes.length) return { leaf: null, errors: { values: '選択肢を1つ以上選んでください' } };
    return { leaf: leaf(codes), errors: e };
  }
  const text = toHalfWidth(l.formValue.trim());
  if (q.kind === 'number') {
    if (!text) return { leaf: null, errors: { values: '値を入力してください' } };
    const n = parseNum(text);
    if (n === null) return { leaf: null, errors: { values: '値を数値で入力してください（例：3、2.5）' } };
    return { leaf: leaf([n]), errors: e };
  }
  if (!text) return { leaf: null, errors: { values: '日付を入力してください' } };
  if (!ISO.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`)))
    return { leaf: null, errors: { values: '日付を正しく入力してください（例：2026-04-01）' } };
  return { leaf: leaf([text]), errors: e };
}

/** Serialised depth of the conditions directly inside a group at `depth`. */
export function childDepth(g: Pick<UiGroup, 'op' | 'children'>, depth: number): number {
  return g.op === 'not' && g.children.length > 1 ? depth + 2 : depth + 1;
}

/** True when a group may take a subgroup (with its first condition) within the model's depth. */
export function mayNest(g: UiGroup, depth: number): boolean {
  // Adding a child may turn a one-child NOT into NOT(AND(…)): count the extra level.
  const inside = g.op === 'not' ? depth + 2 : depth + 1;
  return inside + 1 <= MAX_DEPTH;
}

export function countLeaves(n: UiNode): number {
  return n.kind === 'leaf' ? 1 : n.children.reduce((s, c) => s + countLeaves(c), 0);
}

export function buildDefinition(
  root: UiGroup,
  items: AttributeItem[],
  calendars: CalendarChoice[] = [],
  forms: FormChoice[] = [],
): Built {
  const byCode = new Map(items.map((i) => [i.code, i]));
  const errors: LocalErrors = {};
  const paths: Built['paths'] = [];
  let complete = true;
  let depth = 0;

  const missing = new Set<string>();
  const walk = (n: UiNode, path: string, d: number): Condition | null => {
    paths.push({ path, key: n.key });
    depth = Math.max(depth, d);
    if (n.kind === 'leaf') {
      const r = leafToApi(n, byCode.get(n.subject), calendars, forms);
      if (Object.keys(r.errors).length) errors[n.key] = r.errors;
      for (const [field, message] of Object.entries(r.errors))
        if (EMPTY.test(message)) missing.add(`${n.key}:${field}`);
      if (!r.leaf) complete = false;
      return r.leaf;
    }
    if (!n.children.length) {
      errors[n.key] = { group: '条件を追加するか、このグループを削除してください' };
      missing.add(`${n.key}:group`);
      complete = false;
      return null;
    }
    if (n.op === 'not') {
      if (n.children.length === 1) {
        const c = walk(n.children[0]!, `${path}.condition`, d + 1);
        return c && { type: 'not', condition: c };
      }
      paths.push({ path: `${path}.condition`, key: n.key });
      const cs = n.children.map((c, i) => walk(c, `${path}.condition.conditions.${i}`, d + 2));
      return cs.every(Boolean)
        ? { type: 'not', condition: { type: 'and', conditions: cs as Condition[] } }
        : null;
    }
    const cs = n.children.map((c, i) => walk(c, `${path}.conditions.${i}`, d + 1));
    return cs.every(Boolean) ? { type: n.op, conditions: cs as Condition[] } : null;
  };

  const definition = walk(root, 'definition', 1);
  const leaves = countLeaves(root);
  if (leaves > MAX_LEAVES) {
    errors[root.key] = { ...errors[root.key], group: `条件は全体で${MAX_LEAVES}個までです` };
    complete = false;
  }
  if (depth > MAX_DEPTH) {
    errors[root.key] = { ...errors[root.key], group: `グループの入れ子は${MAX_DEPTH}段までです` };
    complete = false;
  }
  return { definition: complete ? definition : null, errors, missing, paths, leaves, depth };
}

/** The errors to show: all of them after a save attempt, otherwise only those about wrong values. */
export function visibleErrors(built: Built, attempted: boolean): LocalErrors {
  if (attempted) return built.errors;
  const out: LocalErrors = {};
  for (const [key, fields] of Object.entries(built.errors))
    for (const [field, message] of Object.entries(fields))
      if (!built.missing.has(`${key}:${field}`)) out[key] = { ...out[key], [field]: message };
  return out;
}

/** The node a server error path belongs to (the deepest node whose path starts it). */
export function nodeOfPath(paths: Built['paths'], errorPath: string): string | null {
  let best: { path: string; key: string } | null = null;
  for (const p of paths)
    if (
      (errorPath === p.path || errorPath.startsWith(`${p.path}.`)) &&
      (!best || p.path.length > best.path.length)
    )
      best = p;
  return best?.key ?? null;
}

// ---------------------------------------------------------------------------------------------
// In plain Japanese

export function formatIsoDate(d: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : d;
}

function describeDays(days: number): string {
  if (days === 0) return '今日';
  return days < 0 ? `今日の${-days}日前` : `今日の${days}日後`;
}

function quote(s: string) {
  return `「${s}」`;
}

function optionNames(index: Map<string, IndexedOption>, codes: string[], exact: boolean, hierarchy: boolean) {
  return codes
    .map((c) => {
      const o = index.get(c);
      if (!o) return quote(c);
      if (hierarchy && o.children.length && !exact) {
        const n = leafCount(index, c);
        return `${quote(o.path)}（その下の${n}件を含む）`;
      }
      return quote(hierarchy ? o.path : o.label);
    })
    .join('');
}

/** 今日 / 明日 / 明後日 / n日後: when a garbage condition's collection is. */
export function describeGarbageDay(days: number): string {
  return days === 0 ? '今日' : days === 1 ? '明日' : days === 2 ? '明後日' : `${days}日後`;
}

export function describeLeaf(
  c: Leaf,
  byCode: Map<string, AttributeItem>,
  calendars: CalendarChoice[] = [],
  forms: FormChoice[] = [],
): string {
  if (c.type === 'garbage') {
    const name = calendars.find((x) => x.code === c.calendar)?.name ?? c.calendar;
    const what = c.items?.length ? `${c.items.join('か')}の収集日` : '収集日';
    return `ごみカレンダー${quote(name)}で${describeGarbageDay(c.days)}が${what}の地区`;
  }
  if (c.type === 'friend_status')
    return `友だちの状態が${c.statuses.map((s) => quote(FRIEND_STATUS_LABEL[s])).join('')}のいずれか`;
  if (c.type === 'friend_period') {
    const parts: string[] = [];
    if (c.minDays !== undefined) parts.push(`${c.minDays}日以上`);
    if (c.maxDays !== undefined) parts.push(`${c.maxDays}日以内`);
    const period = parts.length ? `友だちになって${parts.join('、')}` : '';
    const dates =
      c.since || c.until
        ? `友だち追加日が${c.since ? `${formatIsoDate(c.since)}から` : ''}${c.until ? `${formatIsoDate(c.until)}まで` : ''}`
        : '';
    return [period, dates].filter(Boolean).join('、かつ');
  }
  if (c.type === 'form_answer') return describeFormAnswer(c, forms);
  const item = byCode.get(c.item);
  const name = quote(item?.label ?? c.item);
  switch (c.type) {
    case 'option': {
      const index = item ? indexOptions(item) : new Map<string, IndexedOption>();
      const names = optionNames(index, c.codes, Boolean(c.exact), item?.kind === 'hierarchy');
      const one = c.codes.length === 1;
      if (c.op === 'in') return `${name}が${names}${one ? '' : 'のいずれか'}`;
      if (c.op === 'not_in')
        return `${name}が${names}${one ? 'ではない' : 'のいずれでもない'}（未回答を含む）`;
      return `${name}に${names}をすべて含む`;
    }
    case 'answered':
      return `${name}に${c.answered ? '回答している' : '回答していない'}`;
    case 'date': {
      const of =
        item?.kind === 'dates' ? (c.quantifier === 'all' ? 'のすべての日付' : 'のいずれかの日付') : '';
      const at = (abs: string | undefined, rel: number | undefined) =>
        abs !== undefined ? formatIsoDate(abs) : describeDays(rel ?? 0);
      if (c.op === 'anniversary') {
        const d = c.days ?? 0;
        const when = d === 0 ? '今日' : d < 0 ? `${-d}日前` : `${d}日後`;
        return `${name}の記念日（毎年の同じ月日）が${when}`;
      }
      if (c.op === 'before') return `${name}${of}が${at(c.date, c.days)}より前`;
      if (c.op === 'after') return `${name}${of}が${at(c.date, c.days)}より後`;
      return `${name}${of}が${at(c.from, c.fromDays)}から${at(c.to, c.toDays)}まで`;
    }
    case 'age': {
      const u = c.unit === 'years' ? '歳' : 'か月';
      const of =
        item?.kind === 'dates' ? (c.quantifier === 'all' ? 'すべての日付' : 'いずれかの日付') : '日付';
      const range = [
        c.min !== undefined ? `${c.min}${u}以上` : '',
        c.max !== undefined ? `${c.max + 1}${u}未満` : '',
      ]
        .filter(Boolean)
        .join('');
      return `${name}の${of}から数えた年齢が${range}`;
    }
    case 'number': {
      const unit = item?.config.unit ?? '';
      if (c.op === 'between') return `${name}が${c.min}${unit}から${c.max}${unit}まで`;
      return `${name}が${c.value}${unit}${NUMBER_OP_LABEL[c.op]}`;
    }
  }
}

function describe(
  c: Condition,
  byCode: Map<string, AttributeItem>,
  nested: boolean,
  calendars: CalendarChoice[],
  forms: FormChoice[],
): string {
  if (c.type === 'and' || c.type === 'or') {
    if (c.conditions.length === 1) return describe(c.conditions[0]!, byCode, nested, calendars, forms);
    const joined = c.conditions
      .map((x) => describe(x, byCode, true, calendars, forms))
      .join(c.type === 'and' ? '、かつ' : '、または');
    return nested ? `（${joined}）` : joined;
  }
  if (c.type === 'not')
    return `［${describe(c.condition, byCode, false, calendars, forms)}］に当てはまらない`;
  return describeLeaf(c, byCode, calendars, forms);
}

/** The definition in one sentence: 「…」が…、かつ…友だち. */
export function summarise(
  def: Condition,
  items: AttributeItem[],
  calendars: CalendarChoice[] = [],
  forms: FormChoice[] = [],
): string {
  const byCode = new Map(items.map((i) => [i.code, i]));
  return `${describe(def, byCode, false, calendars, forms)}に当てはまる友だち`;
}

/**
 * 「フォーム「市民満足度調査」の設問「満足度」で「満足」「とても満足」のいずれかを回答した人」.
 * A form this account cannot see is named as such, its question by code.
 */
export function describeFormAnswer(c: FormAnswerLeaf, forms: FormChoice[] = []): string {
  const { form, question } = findQuestion(forms, c.formId, c.question);
  const about = `${form ? `フォーム${quote(form.title)}` : '見られないか削除されたフォーム'}の設問${quote(question?.label ?? c.question)}`;
  const values = c.values ?? [];
  if (c.op === 'answered') return `${about}に回答した人`;
  if (c.op === 'not_answered') return `${about}に回答していない人`;
  if (question?.kind === 'choice' || c.op === 'in' || c.op === 'not_in') {
    const item = question ? questionItem(question) : undefined;
    const index = item ? indexOptions(item) : new Map<string, IndexedOption>();
    const names = optionNames(
      index,
      values.map(String),
      c.op === 'eq' || c.op === 'ne',
      item?.kind === 'hierarchy',
    );
    const one = values.length === 1;
    if (c.op === 'in') return `${about}で${names}${one ? '' : 'のいずれか'}を回答した人`;
    if (c.op === 'not_in')
      return `${about}で${names}${one ? 'を' : 'のどれも'}選んでいない人（未回答を含む）`;
    if (c.op === 'eq') return `${about}で${names}を回答した人`;
    if (c.op === 'ne') return `${about}で${names}以外を回答した人（未回答を含む）`;
  }
  const v = values[0];
  const shown =
    question?.kind === 'date' || (typeof v === 'string' && ISO.test(v))
      ? formatIsoDate(String(v))
      : String(v);
  const phrase: Record<string, string> = {
    gte: `${shown}以上`,
    gt: `${shown}より大きい値`,
    lte: `${shown}以下`,
    lt: `${shown}未満`,
    eq: shown,
    ne: `${shown}以外`,
  };
  const datePhrase: Record<string, string> = {
    gte: `${shown}以降の日付`,
    gt: `${shown}より後の日付`,
    lte: `${shown}以前の日付`,
    lt: `${shown}より前の日付`,
    eq: shown,
    ne: `${shown}以外の日付`,
  };
  const isDate = question ? question.kind === 'date' : typeof v === 'string';
  const what = (isDate ? datePhrase : phrase)[c.op] ?? shown;
  return `${about}で${what}を回答した人${c.op === 'ne' ? '（未回答を含む）' : ''}`;
}
