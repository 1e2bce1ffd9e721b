import { z } from 'zod';
import { isIsoDate } from './dates.js';

/**
 * Attribute items (SEG-1…3): what residents register in their 受信設定, as staff define it.
 * Pure (no database). Every item has a stable `code`; choice options have stable codes too, so a
 * label can be rewritten at any time without breaking saved segments or stored values. The kind
 * of an item and every code are fixed once created; an item or option that is no longer wanted is
 * archived (hidden from residents), never deleted while values refer to it.
 */

export const ITEM_KINDS = ['single', 'multi', 'hierarchy', 'date', 'dates', 'number', 'text'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const ITEM_KIND_LABELS: Record<ItemKind, string> = {
  single: '単一選択',
  multi: '複数選択',
  hierarchy: '階層選択',
  date: '日付',
  dates: '複数の日付',
  number: '数値',
  text: '自由記述',
};

export const CHOICE_KINDS = new Set<ItemKind>(['single', 'multi', 'hierarchy']);
export const DATE_KINDS = new Set<ItemKind>(['date', 'dates']);

/** Limits that keep a form usable on a phone and a segment query cheap. */
export const LIMITS = {
  options: 500,
  treeNodes: 3000,
  treeDepth: 4,
  maxDates: 20,
  textMax: 2000,
  labelMax: 100,
  helpMax: 1000,
} as const;

export const CODE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
/** Option codes may be upper case: a garbage-collection district keeps the city's own code (A01). */
export const OPTION_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

export interface ChoiceOption {
  code: string;
  label: string;
  /** Hidden from residents; existing answers keep it. */
  archived?: boolean;
}
export interface OptionNode extends ChoiceOption {
  children?: OptionNode[];
}

export interface SingleConfig {
  options: ChoiceOption[];
}
export interface MultiConfig {
  options: ChoiceOption[];
  /** At most this many options may be chosen (none: any number). */
  maxSelect?: number;
}
export interface HierarchyConfig {
  options: OptionNode[];
  /** True: only an option without children may be chosen (a district, not the area). */
  leafOnly: boolean;
}
export interface DateConfig {
  /** `month`: year and month only (生年月); stored as the first day of the month. */
  precision: 'day' | 'month';
  minDate?: string;
  maxDate?: string;
  /** Birthdates and the like: no date after today (JST). */
  notFuture: boolean;
}
export interface DatesConfig extends DateConfig {
  maxCount: number;
}
export interface NumberConfig {
  min?: number;
  max?: number;
  integer: boolean;
  unit?: string;
}
export interface TextConfig {
  maxLength: number;
  multiline: boolean;
}

export interface ItemConfigByKind {
  single: SingleConfig;
  multi: MultiConfig;
  hierarchy: HierarchyConfig;
  date: DateConfig;
  dates: DatesConfig;
  number: NumberConfig;
  text: TextConfig;
}
export type ItemConfig = ItemConfigByKind[ItemKind];

export interface AttributeItem<K extends ItemKind = ItemKind> {
  id: string;
  code: string;
  kind: K;
  label: string;
  helpText: string;
  required: boolean;
  position: number;
  status: 'active' | 'archived';
  config: ItemConfigByKind[K];
  createdAt?: Date;
  updatedAt?: Date;
}

// ---------------------------------------------------------------------------------------------
// Schemas of what staff send

const label = (what: string) =>
  z
    .string({ error: `${what}を入力してください` })
    .trim()
    .min(1, `${what}を入力してください`)
    .max(LIMITS.labelMax, `${what}は${LIMITS.labelMax}文字以内にしてください`);

const optionCode = z
  .string({ error: '選択肢のコードを入力してください' })
  .regex(OPTION_CODE_PATTERN, '選択肢のコードは英数字・_・- の40文字以内にしてください');

const option = z.strictObject({
  code: optionCode,
  label: label('選択肢の名前'),
  archived: z.boolean().optional(),
});

const optionNode: z.ZodType<OptionNode> = z.lazy(() =>
  z.strictObject({
    code: optionCode,
    label: label('選択肢の名前'),
    archived: z.boolean().optional(),
    children: z.array(optionNode).max(LIMITS.options, `選択肢は${LIMITS.options}個までです`).optional(),
  }),
);

const isoDate = (what: string) =>
  z.string().refine(isIsoDate, `${what}は YYYY-MM-DD の形式の正しい日付にしてください`);

function uniqueCodes(options: ChoiceOption[], ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  options.forEach((o, i) => {
    if (seen.has(o.code))
      ctx.addIssue({
        code: 'custom',
        path: ['options', i, 'code'],
        message: `選択肢のコード「${o.code}」が重複しています`,
      });
    seen.add(o.code);
  });
}

const options = z
  .array(option)
  .min(1, '選択肢を1つ以上登録してください')
  .max(LIMITS.options, `選択肢は${LIMITS.options}個までです`);

const dateFields = {
  precision: z.enum(['day', 'month'], { error: '日付の精度は day か month にしてください' }).default('day'),
  minDate: isoDate('最小の日付').optional(),
  maxDate: isoDate('最大の日付').optional(),
  notFuture: z.boolean().default(false),
};

function dateRange(c: { minDate?: string; maxDate?: string }, ctx: z.RefinementCtx) {
  if (c.minDate && c.maxDate && c.minDate > c.maxDate)
    ctx.addIssue({ code: 'custom', path: ['maxDate'], message: '最大の日付は最小の日付以降にしてください' });
}

export const CONFIG_SCHEMAS = {
  single: z.strictObject({ options }).superRefine((c, ctx) => uniqueCodes(c.options, ctx)),
  multi: z
    .strictObject({
      options,
      maxSelect: z
        .number()
        .int('選択できる数は整数にしてください')
        .min(1, '選択できる数は1以上にしてください')
        .optional(),
    })
    .superRefine((c, ctx) => uniqueCodes(c.options, ctx)),
  hierarchy: z
    .strictObject({
      options: z
        .array(optionNode)
        .min(1, '選択肢を1つ以上登録してください')
        .max(LIMITS.options, `選択肢は${LIMITS.options}個までです`),
      leafOnly: z.boolean().default(true),
    })
    .superRefine((c, ctx) => {
      const seen = new Set<string>();
      let count = 0;
      const walk = (nodes: OptionNode[], path: PropertyKey[], depth: number) => {
        nodes.forEach((n, i) => {
          count++;
          const here = [...path, i];
          if (seen.has(n.code))
            ctx.addIssue({
              code: 'custom',
              path: [...here, 'code'],
              message: `選択肢のコード「${n.code}」が重複しています（階層全体で一意にしてください）`,
            });
          seen.add(n.code);
          if (n.children?.length) {
            if (depth >= LIMITS.treeDepth)
              ctx.addIssue({
                code: 'custom',
                path: [...here, 'children'],
                message: `階層は${LIMITS.treeDepth}段までです`,
              });
            else walk(n.children, [...here, 'children'], depth + 1);
          }
        });
      };
      walk(c.options, ['options'], 1);
      if (count > LIMITS.treeNodes)
        ctx.addIssue({
          code: 'custom',
          path: ['options'],
          message: `選択肢は階層全体で${LIMITS.treeNodes}個までです`,
        });
    }),
  date: z.strictObject(dateFields).superRefine(dateRange),
  dates: z
    .strictObject({
      ...dateFields,
      maxCount: z
        .number({ error: '登録できる日付の数を入力してください' })
        .int('登録できる日付の数は整数にしてください')
        .min(1, '登録できる日付の数は1以上にしてください')
        .max(LIMITS.maxDates, `登録できる日付の数は${LIMITS.maxDates}までです`),
    })
    .superRefine(dateRange),
  number: z
    .strictObject({
      min: z.number().finite().optional(),
      max: z.number().finite().optional(),
      integer: z.boolean().default(true),
      unit: z.string().trim().max(10, '単位は10文字以内にしてください').optional(),
    })
    .superRefine((c, ctx) => {
      if (c.min !== undefined && c.max !== undefined && c.min > c.max)
        ctx.addIssue({ code: 'custom', path: ['max'], message: '最大値は最小値以上にしてください' });
    }),
  text: z.strictObject({
    maxLength: z
      .number()
      .int('文字数は整数にしてください')
      .min(1, '文字数は1以上にしてください')
      .max(LIMITS.textMax, `文字数は${LIMITS.textMax}文字までにしてください`)
      .default(200),
    multiline: z.boolean().default(false),
  }),
} as const satisfies Record<ItemKind, z.ZodType>;

const common = {
  label: label('項目名'),
  helpText: z
    .string()
    .trim()
    .max(LIMITS.helpMax, `説明文は${LIMITS.helpMax}文字以内にしてください`)
    .default(''),
  required: z.boolean().default(false),
};

const codeField = z
  .string({ error: 'コードを入力してください' })
  .regex(CODE_PATTERN, 'コードは英小文字で始まる英小文字・数字・_ の40文字以内にしてください');

/** A new item: its kind decides what `config` must contain. */
export const createItemSchema = z.discriminatedUnion(
  'kind',
  ITEM_KINDS.map((kind) =>
    z.strictObject({
      code: codeField,
      kind: z.literal(kind),
      ...common,
      config: CONFIG_SCHEMAS[kind],
    }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  { error: `種類は ${ITEM_KINDS.join('、')} のいずれかにしてください` },
);
export type CreateItemInput = {
  code: string;
  kind: ItemKind;
  label: string;
  helpText: string;
  required: boolean;
  config: ItemConfig;
};

/** A change: kind and code stay; config is checked against the item's kind by the caller. */
export const patchItemSchema = z.strictObject({
  label: common.label.optional(),
  helpText: common.helpText.optional(),
  required: z.boolean().optional(),
  config: z.unknown().optional(),
});

export function parseConfig(
  kind: ItemKind,
  config: unknown,
): { ok: true; config: ItemConfig } | { ok: false; error: z.ZodError } {
  const r = CONFIG_SCHEMAS[kind].safeParse(config ?? {});
  return r.success ? { ok: true, config: r.data as ItemConfig } : { ok: false, error: r.error };
}

// ---------------------------------------------------------------------------------------------
// Options

export interface IndexedOption {
  code: string;
  label: string;
  archived: boolean;
  /** Codes from the top of the tree down to this option (itself last); one element for flat lists. */
  path: string[];
  isLeaf: boolean;
}

/** Every option of a choice item by code, with its path in the tree. */
export function indexOptions(item: Pick<AttributeItem, 'kind' | 'config'>): Map<string, IndexedOption> {
  const out = new Map<string, IndexedOption>();
  if (item.kind === 'single' || item.kind === 'multi') {
    for (const o of (item.config as SingleConfig).options)
      out.set(o.code, { code: o.code, label: o.label, archived: !!o.archived, path: [o.code], isLeaf: true });
  } else if (item.kind === 'hierarchy') {
    const walk = (nodes: OptionNode[], parent: string[], parentArchived: boolean) => {
      for (const n of nodes) {
        const path = [...parent, n.code];
        const archived = parentArchived || !!n.archived;
        out.set(n.code, { code: n.code, label: n.label, archived, path, isLeaf: !n.children?.length });
        if (n.children?.length) walk(n.children, path, archived);
      }
    };
    walk((item.config as HierarchyConfig).options, [], false);
  }
  return out;
}

/** Option codes of a choice item that the new config no longer has. */
export function removedOptionCodes(item: Pick<AttributeItem, 'kind' | 'config'>, next: ItemConfig): string[] {
  const before = indexOptions(item);
  const after = indexOptions({ kind: item.kind, config: next });
  return [...before.keys()].filter((c) => !after.has(c));
}

/** The label path of an option ("北部 › 熊山"), for screens and CSV. */
export function optionLabel(index: Map<string, IndexedOption>, code: string): string {
  const o = index.get(code);
  if (!o) return code;
  return o.path.map((c) => index.get(c)?.label ?? c).join(' › ');
}
