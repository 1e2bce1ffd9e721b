import { z } from 'zod';
import { isDateBound, isIsoDate } from './dates.js';
import type { Geofence } from './geo.js';

/**
 * The form definition (FORM-3, FORM-4, APP-4): pages → sections → items, as staff build it and
 * residents answer it. Versioned JSON: `schemaVersion` is the format of this document; the form's
 * own version numbers (1, 2, 3… — a published version never changes) live with the stored form,
 * and every response records the version it answered (docs/decisions/0010-form-engine.md).
 *
 * Every page, section and item has a `code` that is unique in the whole form and stays the same
 * from version to version: answers, conditions, CSV columns and segment conditions all refer to
 * codes, never to positions or labels. Choice options have codes too, so labels can be reworded.
 *
 * Pure (zod only): the builder, resident-ui and the server parse with the same schema and get the
 * same Japanese messages at the same paths (`pages.0.sections.1.items.2.label`).
 */

export const FORM_SCHEMA_VERSION = 1;

/** Limits that protect the server and the phone; far beyond any form a person fills in. */
export const FORM_LIMITS = {
  pages: 100,
  sectionsPerPage: 100,
  itemsPerSection: 500,
  items: 2000,
  options: 500,
  hierarchyNodes: 3000,
  hierarchyDepth: 4,
  labelMax: 200,
  helpMax: 2000,
  textMax: 10000,
  shortTextMax: 1000,
  placeholderMax: 100,
  repeatMax: 50,
  filesMax: 10,
  /** TZ ⑬ク: 1 ファイルあたりの容量を 10MB 以下に設定できること. */
  fileSizeMbMax: 10,
  conditionDepth: 6,
  conditionLeaves: 50,
  regexMax: 200,
  geofencePoints: 2000,
  ageMax: 150,
  equalsValueMax: 200,
} as const;
const L = FORM_LIMITS;

export const FORM_CODE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
/** Option codes may keep a city's own codes (A01, 1-2). */
export const FORM_OPTION_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

export const FORM_ITEM_TYPES = [
  'shortText',
  'longText',
  'number',
  'email',
  'phone',
  'postalCode',
  'address',
  'date',
  'birthday',
  'singleChoice',
  'multipleChoice',
  'dropdown',
  'hierarchyChoice',
  'file',
  'location',
  'description',
  'image',
] as const;
export type FormItemType = (typeof FORM_ITEM_TYPES)[number];

/** What the builder calls each item type. */
export const FORM_ITEM_TYPE_LABELS: Record<FormItemType, string> = {
  shortText: '1行テキスト',
  longText: '複数行テキスト',
  number: '数値',
  email: 'メールアドレス',
  phone: '電話番号',
  postalCode: '郵便番号',
  address: '住所',
  date: '日付',
  birthday: '生年月日',
  singleChoice: '単一選択（ラジオボタン）',
  multipleChoice: '複数選択（チェックボックス）',
  dropdown: 'プルダウン',
  hierarchyChoice: '階層選択',
  file: 'ファイル・写真',
  location: '位置情報（地図）',
  description: '説明文',
  image: '画像',
};

/** Items that show something and take no answer. */
export const FORM_DISPLAY_TYPES: ReadonlySet<FormItemType> = new Set(['description', 'image']);
export const FORM_CHOICE_TYPES: ReadonlySet<FormItemType> = new Set([
  'singleChoice',
  'multipleChoice',
  'dropdown',
  'hierarchyChoice',
]);
/**
 * Types the builder marks as personal data (個人情報) when it creates them. Personal items are
 * never asked in the LINE talk (FORM-10: conversational input only for non-personal parts; TN
 * 4-③ 5-④: nothing confidential stays on LINE's side) and are masked where logs or previews
 * would show them.
 */
export const FORM_PERSONAL_TYPES: ReadonlySet<FormItemType> = new Set([
  'email',
  'phone',
  'postalCode',
  'address',
  'birthday',
  'file',
  'location',
]);

export const FORM_TEXT_PRESETS = ['digits', 'alphanumeric', 'katakana', 'hiragana'] as const;
export type FormTextPreset = (typeof FORM_TEXT_PRESETS)[number];
export const FORM_TEXT_PRESET_LABELS: Record<FormTextPreset, string> = {
  digits: '半角数字',
  alphanumeric: '半角英数字',
  katakana: '全角カタカナ',
  hiragana: 'ひらがな',
};

/**
 * Kinds of files an item may accept, with the MIME types and extensions that make them. The
 * engine checks what the browser declared; the server checks the stored upload's sniffed type and
 * real size against the same table.
 */
export const FORM_FILE_KINDS = {
  image: {
    label: '画像',
    types: {
      'image/jpeg': ['jpg', 'jpeg'],
      'image/png': ['png'],
      'image/heic': ['heic'],
      'image/heif': ['heif'],
      'image/webp': ['webp'],
      'image/gif': ['gif'],
    },
  },
  pdf: { label: 'PDF', types: { 'application/pdf': ['pdf'] } },
  word: {
    label: 'Word',
    types: {
      'application/msword': ['doc'],
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
    },
  },
  excel: {
    label: 'Excel',
    types: {
      'application/vnd.ms-excel': ['xls'],
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
    },
  },
  text: { label: 'テキスト・CSV', types: { 'text/plain': ['txt'], 'text/csv': ['csv'] } },
} as const satisfies Record<string, { label: string; types: Record<string, readonly string[]> }>;
export type FormFileKind = keyof typeof FORM_FILE_KINDS;
const FILE_KIND_KEYS = Object.keys(FORM_FILE_KINDS) as [FormFileKind, ...FormFileKind[]];

// ---------------------------------------------------------------------------------------------
// Conditions (表示条件・必須条件)

/** A date in a definition: YYYY-MM-DD, or `today`, `today+7`, `today-30` (JST calendar). */
export type FormDateBound = string;

export const FORM_CONDITION_OPS = [
  'and',
  'or',
  'not',
  'answered',
  'notAnswered',
  'equals',
  'notEquals',
  'in',
  'notIn',
  'lt',
  'lte',
  'gt',
  'gte',
  'before',
  'onOrBefore',
  'after',
  'onOrAfter',
] as const;
export type FormConditionOp = (typeof FORM_CONDITION_OPS)[number];

/**
 * A condition over answers to earlier items. Value comparisons (equals, in, lt…, before…) are
 * false when the item is not answered or is hidden; notEquals and notIn are their negations (so
 * true then). On a birthday item lt/lte/gt/gte compare the age on the day of answering; `in` on a
 * hierarchical choice matches an option and everything under it; on a multiple choice, any chosen
 * option.
 */
export type FormCondition =
  | { op: 'and' | 'or'; conditions: FormCondition[] }
  | { op: 'not'; condition: FormCondition }
  | { op: 'answered' | 'notAnswered'; item: string }
  | { op: 'equals' | 'notEquals'; item: string; value: string | number }
  | { op: 'in' | 'notIn'; item: string; values: string[] }
  | { op: 'lt' | 'lte' | 'gt' | 'gte'; item: string; value: number }
  | { op: 'before' | 'onOrBefore' | 'after' | 'onOrAfter'; item: string; value: FormDateBound };

/** How the builder words each condition. */
export const FORM_CONDITION_OP_LABELS: Record<FormConditionOp, string> = {
  and: 'すべて満たす',
  or: 'いずれかを満たす',
  not: '満たさない',
  answered: '回答がある',
  notAnswered: '回答がない',
  equals: 'と等しい',
  notEquals: 'と等しくない',
  in: 'のいずれかを選んだ',
  notIn: 'のどれも選んでいない',
  lt: 'より小さい',
  lte: '以下',
  gt: 'より大きい',
  gte: '以上',
  before: 'より前',
  onOrBefore: '以前',
  after: 'より後',
  onOrAfter: '以降',
};

const optionCode = z
  .string({ error: '選択肢のコードを入力してください' })
  .regex(FORM_OPTION_CODE_PATTERN, '選択肢のコードは英数字・_・- の40文字以内にしてください');

const dateBound = z
  .string({ error: '日付を指定してください' })
  .refine(isDateBound, '日付は 2026-04-01 の形式か、today（今日）・today+7（7日後）のように指定してください');

const itemRef = z
  .string({ error: '条件に使う項目を選んでください' })
  .regex(FORM_CODE_PATTERN, '条件に使う項目を選んでください');

export const formConditionSchema: z.ZodType<FormCondition> = z.lazy(() =>
  z.discriminatedUnion(
    'op',
    [
      z.strictObject({
        op: z.enum(['and', 'or']),
        conditions: z
          .array(formConditionSchema)
          .min(1, '条件を1つ以上指定してください')
          .max(L.conditionLeaves, `条件は${L.conditionLeaves}個までです`),
      }),
      z.strictObject({ op: z.literal('not'), condition: formConditionSchema }),
      z.strictObject({ op: z.enum(['answered', 'notAnswered']), item: itemRef }),
      z.strictObject({
        op: z.enum(['equals', 'notEquals']),
        item: itemRef,
        value: z.union(
          [
            z.string().max(L.equalsValueMax, `比べる値は${L.equalsValueMax}文字以内にしてください`),
            z.number().finite(),
          ],
          { error: '比べる値を入力してください' },
        ),
      }),
      z.strictObject({
        op: z.enum(['in', 'notIn']),
        item: itemRef,
        values: z
          .array(optionCode, { error: '選択肢を選んでください' })
          .min(1, '選択肢を1つ以上選んでください')
          .max(L.options, `選択肢は${L.options}個までです`),
      }),
      z.strictObject({
        op: z.enum(['lt', 'lte', 'gt', 'gte']),
        item: itemRef,
        value: z.number({ error: '比べる数値を入力してください' }).finite('比べる数値を入力してください'),
      }),
      z.strictObject({
        op: z.enum(['before', 'onOrBefore', 'after', 'onOrAfter']),
        item: itemRef,
        value: dateBound,
      }),
    ],
    { error: '条件の種類が正しくありません' },
  ),
);

// ---------------------------------------------------------------------------------------------
// Items

const codeOf = (what: string) =>
  z
    .string({ error: `${what}のコードを入力してください` })
    .regex(
      FORM_CODE_PATTERN,
      `${what}のコードは英小文字で始まる英小文字・数字・_ の40文字以内にしてください`,
    );

const text = (what: string, max: number, required = false) => {
  const s = z.string({ error: `${what}を入力してください` }).trim();
  return (required ? s.min(1, `${what}を入力してください`) : s).max(
    max,
    `${what}は${max}文字以内にしてください`,
  );
};

const int = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what}を数値で入力してください` })
    .int(`${what}は整数にしてください`)
    .min(min, `${what}は${min}以上にしてください`)
    .max(max, `${what}は${max}以下にしてください`);

const inputBase = {
  code: codeOf('項目'),
  label: text('項目名', L.labelMax, true),
  /** Help text shown under the label (補足説明). */
  help: text('補足説明', L.helpMax).default(''),
  required: z.boolean({ error: '必須かどうかを指定してください' }).default(false),
  /** Required when this holds, even if `required` is off (必須条件). */
  requiredWhen: formConditionSchema.optional(),
  /** Shown only when this holds (表示条件); hidden items' answers are dropped. */
  showWhen: formConditionSchema.optional(),
  /** Never shown to residents, filled in by staff (管理者用の入力項目, KW 3.2.3.5, AK 9-⑥). */
  staffOnly: z.boolean().default(false),
  /** Personal data (個人情報): never asked in the talk, masked in logs and previews. */
  personal: z.boolean().default(false),
};

const displayBase = {
  code: codeOf('項目'),
  showWhen: formConditionSchema.optional(),
  staffOnly: z.boolean().default(false),
};

const placeholder = text('入力例', L.placeholderMax).optional();

const textPattern = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('preset'),
      preset: z.enum(FORM_TEXT_PRESETS, { error: '入力形式の種類が正しくありません' }),
    }),
    z.strictObject({
      kind: z.literal('regex'),
      regex: z
        .string({ error: '正規表現を入力してください' })
        .min(1, '正規表現を入力してください')
        .max(L.regexMax, `正規表現は${L.regexMax}文字以内にしてください`),
      message: text('形式が違うときのメッセージ', 200, true),
    }),
  ],
  { error: '入力形式の指定が正しくありません' },
);

const NESTED_REPEAT = '繰り返しの中に繰り返しや「|」がある正規表現（(a+)+ など）は使えません';

/**
 * Patterns staff write run against residents' input on the server, and JavaScript has no regex
 * timeout: refuse ones that do not compile, and — conservatively — any repeated group whose body
 * repeats or alternates ((a+)+, (a|aa)+, ((a*))+), the shapes of catastrophic backtracking. Some
 * safe patterns are refused too ([A-Z]+(?:-[A-Z]+)*); a simpler one ([A-Z-]+) or a preset does.
 */
export function checkRegex(source: string): string | null {
  try {
    new RegExp(source, 'u');
  } catch {
    return '正規表現が正しくありません';
  }
  // Escapes and character classes are single atoms here; the source compiled, so groups balance.
  const plain = source.replace(/\\./g, 'x').replace(/\[[^\]]*\]/g, 'x');
  const groups: boolean[] = [false];
  for (let i = 0; i < plain.length; i++) {
    const ch = plain[i];
    if (ch === '(') groups.push(false);
    else if (ch === ')') {
      const risky = groups.pop() ?? false;
      const next = plain[i + 1];
      const repeated = next === '+' || next === '*' || next === '{';
      if (repeated && risky) return NESTED_REPEAT;
      if (risky || repeated) groups[groups.length - 1] = true;
    } else if (ch === '+' || ch === '*' || ch === '{' || ch === '|') groups[groups.length - 1] = true;
  }
  return null;
}

function lengthRange(v: { minLength?: number; maxLength: number }, ctx: z.RefinementCtx) {
  if (v.minLength !== undefined && v.minLength > v.maxLength)
    ctx.addIssue({
      code: 'custom',
      path: ['minLength'],
      message: '最小文字数は最大文字数以下にしてください',
    });
}

const shortTextItem = z
  .strictObject({
    type: z.literal('shortText'),
    ...inputBase,
    minLength: int('最小文字数', 0, L.shortTextMax).optional(),
    maxLength: int('最大文字数', 1, L.shortTextMax).default(100),
    pattern: textPattern.optional(),
    placeholder,
  })
  .superRefine((v, ctx) => {
    lengthRange(v, ctx);
    if (v.pattern?.kind === 'regex') {
      const problem = checkRegex(v.pattern.regex);
      if (problem) ctx.addIssue({ code: 'custom', path: ['pattern', 'regex'], message: problem });
    }
  });

const longTextItem = z
  .strictObject({
    type: z.literal('longText'),
    ...inputBase,
    minLength: int('最小文字数', 0, L.textMax).optional(),
    maxLength: int('最大文字数', 1, L.textMax).default(2000),
    placeholder,
  })
  .superRefine(lengthRange);

const numberItem = z
  .strictObject({
    type: z.literal('number'),
    ...inputBase,
    min: z.number({ error: '最小値を数値で入力してください' }).finite().optional(),
    max: z.number({ error: '最大値を数値で入力してください' }).finite().optional(),
    integer: z.boolean().default(true),
    unit: text('単位', 10).optional(),
    placeholder,
  })
  .superRefine((v, ctx) => {
    if (v.min !== undefined && v.max !== undefined && v.min > v.max)
      ctx.addIssue({ code: 'custom', path: ['max'], message: '最大値は最小値以上にしてください' });
  });

const emailItem = z.strictObject({ type: z.literal('email'), ...inputBase, placeholder });

const phoneItem = z.strictObject({
  type: z.literal('phone'),
  ...inputBase,
  /** `mobile`: 070/080/090 only (for SMS or a call back on the move). */
  accept: z.enum(['any', 'mobile'], { error: '受け付ける電話番号の種類が正しくありません' }).default('any'),
  placeholder,
});

const postalCodeItem = z.strictObject({
  type: z.literal('postalCode'),
  ...inputBase,
  /** The code of a later address item that this postal code fills (都道府県・市区町村・町域). */
  fillAddress: codeOf('自動入力先の住所').optional(),
  /** Refuse codes the bundled Japan Post data does not know (off: they only fill nothing). */
  mustExist: z.boolean().default(false),
});

const addressItem = z.strictObject({
  type: z.literal('address'),
  ...inputBase,
  /** 建物名・部屋番号: asked and optional, asked and required, or not asked. */
  building: z
    .enum(['optional', 'required', 'hidden'], { error: '建物名の扱いが正しくありません' })
    .default('optional'),
});

function dateRange(v: { minDate?: string; maxDate?: string }, ctx: z.RefinementCtx) {
  if (v.minDate && v.maxDate && isIsoDate(v.minDate) && isIsoDate(v.maxDate) && v.minDate > v.maxDate)
    ctx.addIssue({
      code: 'custom',
      path: ['maxDate'],
      message: '最も遅い日付は最も早い日付以降にしてください',
    });
}

const dateItem = z
  .strictObject({
    type: z.literal('date'),
    ...inputBase,
    minDate: dateBound.optional(),
    maxDate: dateBound.optional(),
  })
  .superRefine(dateRange);

const birthdayItem = z
  .strictObject({
    type: z.literal('birthday'),
    ...inputBase,
    /** Eligibility by age on the day of answering (満年齢). */
    minAge: int('対象の最低年齢', 0, L.ageMax).optional(),
    maxAge: int('対象の最高年齢', 0, L.ageMax).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.minAge !== undefined && v.maxAge !== undefined && v.minAge > v.maxAge)
      ctx.addIssue({ code: 'custom', path: ['maxAge'], message: '最高年齢は最低年齢以上にしてください' });
  });

export interface FormOption {
  code: string;
  label: string;
}
export interface FormOptionNode extends FormOption {
  children?: FormOptionNode[];
}

const option = z.strictObject({ code: optionCode, label: text('選択肢の名前', L.labelMax, true) });
const optionNode: z.ZodType<FormOptionNode> = z.lazy(() =>
  z.strictObject({
    code: optionCode,
    label: text('選択肢の名前', L.labelMax, true),
    children: z.array(optionNode).max(L.options, `選択肢は${L.options}個までです`).optional(),
  }),
);
const options = z
  .array(option, { error: '選択肢を登録してください' })
  .min(1, '選択肢を1つ以上登録してください')
  .max(L.options, `選択肢は${L.options}個までです`);

function uniqueOptionCodes(v: { options: FormOption[] }, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  v.options.forEach((o, i) => {
    if (seen.has(o.code))
      ctx.addIssue({
        code: 'custom',
        path: ['options', i, 'code'],
        message: `選択肢のコード「${o.code}」が重複しています`,
      });
    seen.add(o.code);
  });
}

const singleChoiceItem = z
  .strictObject({ type: z.literal('singleChoice'), ...inputBase, options })
  .superRefine(uniqueOptionCodes);

const dropdownItem = z
  .strictObject({ type: z.literal('dropdown'), ...inputBase, options })
  .superRefine(uniqueOptionCodes);

const multipleChoiceItem = z
  .strictObject({
    type: z.literal('multipleChoice'),
    ...inputBase,
    options,
    minSelect: int('選ぶ数の下限', 1, L.options).optional(),
    maxSelect: int('選べる数の上限', 1, L.options).optional(),
  })
  .superRefine((v, ctx) => {
    uniqueOptionCodes(v, ctx);
    if (v.minSelect !== undefined && v.maxSelect !== undefined && v.minSelect > v.maxSelect)
      ctx.addIssue({
        code: 'custom',
        path: ['maxSelect'],
        message: '選べる数の上限は下限以上にしてください',
      });
    if (v.minSelect !== undefined && v.minSelect > v.options.length)
      ctx.addIssue({
        code: 'custom',
        path: ['minSelect'],
        message: `選ぶ数の下限は選択肢の数（${v.options.length}）以下にしてください`,
      });
  });

const hierarchyChoiceItem = z
  .strictObject({
    type: z.literal('hierarchyChoice'),
    ...inputBase,
    options: z
      .array(optionNode, { error: '選択肢を登録してください' })
      .min(1, '選択肢を1つ以上登録してください')
      .max(L.options, `選択肢は${L.options}個までです`),
    /** Only an option without children may be chosen (a district, not the area). */
    leafOnly: z.boolean().default(true),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    let count = 0;
    const walk = (nodes: FormOptionNode[], path: PropertyKey[], depth: number) => {
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
        if (!n.children?.length) return;
        if (depth >= L.hierarchyDepth)
          ctx.addIssue({
            code: 'custom',
            path: [...here, 'children'],
            message: `階層は${L.hierarchyDepth}段までです`,
          });
        else walk(n.children, [...here, 'children'], depth + 1);
      });
    };
    walk(v.options, ['options'], 1);
    if (count > L.hierarchyNodes)
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: `選択肢は階層全体で${L.hierarchyNodes}個までです`,
      });
  });

const fileItem = z.strictObject({
  type: z.literal('file'),
  ...inputBase,
  accept: z
    .array(z.enum(FILE_KIND_KEYS, { error: '受け付けるファイルの種類が正しくありません' }), {
      error: '受け付けるファイルの種類を選んでください',
    })
    .min(1, '受け付けるファイルの種類を1つ以上選んでください')
    .max(FILE_KIND_KEYS.length)
    .default(['image']),
  maxFiles: int('添付できるファイルの数', 1, L.filesMax).default(1),
  maxSizeMb: int('1ファイルの上限（MB）', 1, L.fileSizeMbMax).default(L.fileSizeMbMax),
});

const latLng = z.strictObject({
  lat: z
    .number({ error: '緯度を数値で入力してください' })
    .min(-90, '緯度が正しくありません')
    .max(90, '緯度が正しくありません'),
  lng: z
    .number({ error: '経度を数値で入力してください' })
    .min(-180, '経度が正しくありません')
    .max(180, '経度が正しくありません'),
});

const geofence: z.ZodType<Geofence> = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('circle'),
      center: latLng,
      radiusM: int('範囲の半径（m）', 10, 200000),
    }),
    z.strictObject({
      kind: z.literal('polygon'),
      points: z
        .array(latLng)
        .min(3, '範囲は3点以上で囲んでください')
        .max(L.geofencePoints, `範囲の点は${L.geofencePoints}個までです`),
    }),
  ],
  { error: '範囲の指定が正しくありません' },
);

const locationItem = z.strictObject({
  type: z.literal('location'),
  ...inputBase,
  /** Only places inside this area may be picked (AK 11-②). */
  geofence: geofence.optional(),
  /** Said when a place outside the area is picked, e.g. 「桑名市内の場所を選んでください」. */
  outsideMessage: text('範囲外のときのメッセージ', 200).optional(),
});

const descriptionItem = z.strictObject({
  type: z.literal('description'),
  ...displayBase,
  /** An optional heading above the text. */
  label: text('見出し', L.labelMax).optional(),
  text: text('説明文', L.textMax, true),
});

const imageItem = z.strictObject({
  type: z.literal('image'),
  ...displayBase,
  label: text('見出し', L.labelMax).optional(),
  /** An https URL or one of the product's own media paths (/media/…, decision 0006). */
  src: z
    .string({ error: '画像を選んでください' })
    .max(2000, '画像のURLは2000文字以内にしてください')
    .refine(
      (s) => /^https:\/\/[^\s]+$/.test(s) || /^\/media\/[^\s]+$/.test(s),
      '画像は https:// で始まるURLか、アップロードした画像にしてください',
    ),
  /** Alternative text for screen readers (WCAG 1.1.1). */
  alt: text('代替テキスト', L.labelMax, true),
});

export const formItemSchema = z.discriminatedUnion(
  'type',
  [
    shortTextItem,
    longTextItem,
    numberItem,
    emailItem,
    phoneItem,
    postalCodeItem,
    addressItem,
    dateItem,
    birthdayItem,
    singleChoiceItem,
    multipleChoiceItem,
    dropdownItem,
    hierarchyChoiceItem,
    fileItem,
    locationItem,
    descriptionItem,
    imageItem,
  ],
  { error: `項目の種類は ${FORM_ITEM_TYPES.join('、')} のいずれかにしてください` },
);

export type FormItem = z.output<typeof formItemSchema>;
export type FormItemInput = z.input<typeof formItemSchema>;
export type FormItemOf<T extends FormItemType> = Extract<FormItem, { type: T }>;
export type FormInputItem = Exclude<FormItem, { type: 'description' | 'image' }>;
export type FormDisplayItem = Extract<FormItem, { type: 'description' | 'image' }>;

export function isInputItem(item: FormItem): item is FormInputItem {
  return !FORM_DISPLAY_TYPES.has(item.type);
}

// ---------------------------------------------------------------------------------------------
// Sections, pages, the definition

export const formSectionSchema = z.strictObject({
  code: codeOf('セクション'),
  title: text('セクションの見出し', L.labelMax).default(''),
  description: text('セクションの説明', L.textMax).default(''),
  showWhen: formConditionSchema.optional(),
  /** Every item of the section is for staff only. */
  staffOnly: z.boolean().default(false),
  /**
   * A repeating section (繰り返し, TZ ⑬ク): residents add 0/`min`…`max` entries, each answering the
   * section's items; conditions inside an entry see that entry's answers.
   */
  repeat: z
    .strictObject({
      min: int('最低件数', 0, L.repeatMax).default(0),
      max: int('繰り返しの上限数', 1, L.repeatMax),
      /** What one entry is called: 「お子さま」 → 「お子さまを追加」「お子さま（2件目）」. */
      itemName: text('1件の呼び方', 30).default(''),
    })
    .superRefine((v, ctx) => {
      if (v.min > v.max)
        ctx.addIssue({
          code: 'custom',
          path: ['min'],
          message: '最低件数は繰り返しの上限数以下にしてください',
        });
    })
    .optional(),
  items: z
    .array(formItemSchema, { error: '項目の一覧が正しくありません' })
    .max(L.itemsPerSection, `1つのセクションの項目は${L.itemsPerSection}個までです`),
});

export const formPageSchema = z.strictObject({
  code: codeOf('ページ'),
  title: text('ページの見出し', L.labelMax).default(''),
  description: text('ページの説明', L.textMax).default(''),
  showWhen: formConditionSchema.optional(),
  sections: z
    .array(formSectionSchema, { error: 'セクションの一覧が正しくありません' })
    .min(1, 'ページにはセクションを1つ以上作ってください')
    .max(L.sectionsPerPage, `1ページのセクションは${L.sectionsPerPage}個までです`),
});

export const formDefinitionSchema = z
  .strictObject({
    schemaVersion: z.literal(FORM_SCHEMA_VERSION, {
      error: `この形式（schemaVersion）のフォームは読み込めません（${FORM_SCHEMA_VERSION} のみ対応）`,
    }),
    pages: z
      .array(formPageSchema, { error: 'ページの一覧が正しくありません' })
      .min(1, 'ページを1つ以上作ってください')
      .max(L.pages, `ページは${L.pages}個までです`),
  })
  .superRefine((def, ctx) => {
    for (const issue of checkFormDefinition(def))
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type FormSection = z.output<typeof formSectionSchema>;
export type FormPage = z.output<typeof formPageSchema>;
export type FormDefinition = z.output<typeof formDefinitionSchema>;
/** What the builder may send: defaults (help '', required false…) may be left out. */
export type FormDefinitionInput = z.input<typeof formDefinitionSchema>;

// ---------------------------------------------------------------------------------------------
// Checks across the definition

export interface FormDefinitionIssue {
  path: (string | number)[];
  message: string;
}

interface ItemPlace {
  item: FormItem;
  ordinal: number;
  /** Code of the repeating section the item is in, or null. */
  scope: string | null;
  staffOnly: boolean;
}

/** Which operators fit which item types (besides answered/notAnswered, which fit every input). */
const OPS_FOR: Partial<Record<FormConditionOp, ReadonlySet<FormItemType>>> = {
  equals: new Set<FormItemType>([
    'singleChoice',
    'dropdown',
    'hierarchyChoice',
    'shortText',
    'email',
    'phone',
    'postalCode',
    'number',
  ]),
  in: FORM_CHOICE_TYPES,
  lt: new Set<FormItemType>(['number', 'birthday']),
  before: new Set<FormItemType>(['date', 'birthday']),
};
const OP_FAMILY: Record<FormConditionOp, FormConditionOp | null> = {
  and: null,
  or: null,
  not: null,
  answered: null,
  notAnswered: null,
  equals: 'equals',
  notEquals: 'equals',
  in: 'in',
  notIn: 'in',
  lt: 'lt',
  lte: 'lt',
  gt: 'lt',
  gte: 'lt',
  before: 'before',
  onOrBefore: 'before',
  after: 'before',
  onOrAfter: 'before',
};

/** Every option code of a choice item (the whole tree for a hierarchical choice). */
export function optionCodesOf(item: FormItem): Set<string> {
  const out = new Set<string>();
  if (item.type === 'hierarchyChoice') {
    const walk = (nodes: FormOptionNode[]) => {
      for (const n of nodes) {
        out.add(n.code);
        if (n.children) walk(n.children);
      }
    };
    walk(item.options);
  } else if ('options' in item) for (const o of item.options) out.add(o.code);
  return out;
}

const itemName = (item: FormItem) =>
  'label' in item && item.label ? `「${item.label}」` : `「${item.code}」`;

/**
 * The checks no single item can make: codes unique in the whole form; conditions only on EARLIER
 * input items (so answers flow one way and no cycle can exist), in the same repeating section when
 * they point into one, never on staff-only items from what residents see, with operators and
 * option codes that fit the item; a postal code filling a later address of the same scope; the
 * total number of items. Paths and words are the builder's.
 */
export function checkFormDefinition(def: FormDefinition): FormDefinitionIssue[] {
  const issues: FormDefinitionIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });

  // Pass 1: codes and the document order of items.
  const codes = new Map<string, string>();
  const places = new Map<string, ItemPlace>();
  let ordinal = 0;
  const claim = (code: string, what: string, path: (string | number)[]) => {
    const other = codes.get(code);
    if (other)
      add([...path, 'code'], `コード「${code}」は${other}で使われています。別のコードにしてください`);
    else codes.set(code, what);
  };
  def.pages.forEach((page, pi) => {
    claim(page.code, 'ほかのページ', ['pages', pi]);
    page.sections.forEach((section, si) => {
      claim(section.code, 'ほかのセクション', ['pages', pi, 'sections', si]);
      section.items.forEach((item, ii) => {
        claim(item.code, 'ほかの項目', ['pages', pi, 'sections', si, 'items', ii]);
        if (!places.has(item.code))
          places.set(item.code, {
            item,
            ordinal,
            scope: section.repeat ? section.code : null,
            staffOnly: section.staffOnly || item.staffOnly,
          });
        ordinal++;
      });
    });
  });
  if (ordinal > L.items) add(['pages'], `項目はフォーム全体で${L.items}個までです（現在${ordinal}個）`);

  // Pass 2: conditions and references, with the position each element stands at.
  interface Where {
    /** Items with an ordinal below this are "earlier". */
    limit: number;
    self?: string;
    scope: string | null;
    residentFacing: boolean;
  }
  const checkCondition = (c: FormCondition, path: (string | number)[], where: Where, depth: number) => {
    let leaves = 0;
    const walk = (c: FormCondition, path: (string | number)[], depth: number) => {
      if (depth > L.conditionDepth) {
        add(path, `条件の入れ子は${L.conditionDepth}段までです`);
        return;
      }
      if ('conditions' in c) {
        c.conditions.forEach((cc, i) => walk(cc, [...path, 'conditions', i], depth + 1));
        return;
      }
      if ('condition' in c) {
        walk(c.condition, [...path, 'condition'], depth + 1);
        return;
      }
      leaves++;
      const place = places.get(c.item);
      if (!place) {
        add([...path, 'item'], `条件に使う項目「${c.item}」がありません`);
        return;
      }
      const { item } = place;
      if (!isInputItem(item)) {
        add([...path, 'item'], `${itemName(item)}は回答のない項目のため、条件に使えません`);
        return;
      }
      if (c.item === where.self) {
        add([...path, 'item'], 'この項目自身は条件に使えません。前にある項目を選んでください');
        return;
      }
      if (place.ordinal >= where.limit) {
        add([...path, 'item'], `条件には前にある項目だけを使えます（${itemName(item)}は後ろにあります）`);
        return;
      }
      if (place.scope && place.scope !== where.scope) {
        add(
          [...path, 'item'],
          `${itemName(item)}は繰り返しセクションの中の項目のため、同じセクションの中の条件にだけ使えます`,
        );
        return;
      }
      if (where.residentFacing && place.staffOnly) {
        add(
          [...path, 'item'],
          `${itemName(item)}は職員用の項目のため、利用者に表示する部分の条件には使えません`,
        );
        return;
      }
      const family = OP_FAMILY[c.op];
      const fits = family ? OPS_FOR[family] : null;
      if (fits && !fits.has(item.type)) {
        add(
          [...path, 'op'],
          `${itemName(item)}（${FORM_ITEM_TYPE_LABELS[item.type]}）には「${FORM_CONDITION_OP_LABELS[c.op]}」の条件は使えません`,
        );
        return;
      }
      if (c.op === 'equals' || c.op === 'notEquals') {
        if (item.type === 'number' && typeof c.value !== 'number')
          add([...path, 'value'], '比べる値を数値で入力してください');
        if (item.type !== 'number' && typeof c.value !== 'string')
          add([...path, 'value'], '比べる値を文字で入力してください');
        if (
          FORM_CHOICE_TYPES.has(item.type) &&
          typeof c.value === 'string' &&
          !optionCodesOf(item).has(c.value)
        )
          add([...path, 'value'], `${itemName(item)}に選択肢「${c.value}」はありません`);
      }
      if (c.op === 'in' || c.op === 'notIn') {
        const known = optionCodesOf(item);
        c.values.forEach((v, i) => {
          if (!known.has(v)) add([...path, 'values', i], `${itemName(item)}に選択肢「${v}」はありません`);
        });
      }
    };
    walk(c, path, depth);
    if (leaves > L.conditionLeaves) add(path, `1つの条件に使える比較は${L.conditionLeaves}個までです`);
  };

  ordinal = 0;
  def.pages.forEach((page, pi) => {
    const pagePath = ['pages', pi];
    if (page.showWhen)
      checkCondition(
        page.showWhen,
        [...pagePath, 'showWhen'],
        { limit: ordinal, scope: null, residentFacing: true },
        1,
      );
    page.sections.forEach((section, si) => {
      const sectionPath = [...pagePath, 'sections', si];
      if (section.showWhen)
        checkCondition(
          section.showWhen,
          [...sectionPath, 'showWhen'],
          { limit: ordinal, scope: null, residentFacing: !section.staffOnly },
          1,
        );
      section.items.forEach((item, ii) => {
        const itemPath = [...sectionPath, 'items', ii];
        const mine = ordinal;
        const where: Where = {
          limit: mine,
          self: item.code,
          scope: section.repeat ? section.code : null,
          residentFacing: !(section.staffOnly || item.staffOnly),
        };
        if (item.showWhen) checkCondition(item.showWhen, [...itemPath, 'showWhen'], where, 1);
        if ('requiredWhen' in item && item.requiredWhen)
          checkCondition(item.requiredWhen, [...itemPath, 'requiredWhen'], where, 1);
        if (item.type === 'postalCode' && item.fillAddress) {
          const target = places.get(item.fillAddress);
          if (!target || target.item.type !== 'address')
            add([...itemPath, 'fillAddress'], `自動入力先の住所の項目「${item.fillAddress}」がありません`);
          else if (target.ordinal <= mine)
            add([...itemPath, 'fillAddress'], '自動入力先の住所は、郵便番号より後ろに置いてください');
          else if (target.scope !== where.scope)
            add(
              [...itemPath, 'fillAddress'],
              '郵便番号と自動入力先の住所は同じセクションの中に置いてください',
            );
        }
        ordinal++;
      });
    });
  });
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Parsing entry point

/** Japanese for the generic issues no schema words itself (unknown property, wrong type…). */
export const formErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'unrecognized_keys':
      return `使えない設定があります: ${iss.keys.join(', ')}`;
    case 'invalid_type':
      return iss.input === undefined ? '入力してください' : '形式が正しくありません';
    case 'invalid_union':
      return '種類が正しくありません';
    case 'invalid_value':
      return '値が正しくありません';
    case 'too_big':
      return `${Number(iss.maximum)}以下にしてください`;
    case 'too_small':
      return `${Number(iss.minimum)}以上にしてください`;
    default:
      return '入力内容が正しくありません';
  }
};

/** One problem with a definition or an answer: dot path and a Japanese message (house FieldError). */
export interface FormFieldError {
  path: string;
  message: string;
}

export type FormDefinitionParse =
  { ok: true; definition: FormDefinition } | { ok: false; errors: FormFieldError[] };

/**
 * Parses and checks a definition as the builder sends it. Schema problems come first; the checks
 * across the definition (checkFormDefinition) run once every item is well-formed.
 */
export function parseFormDefinition(input: unknown): FormDefinitionParse {
  const r = formDefinitionSchema.safeParse(input, { error: formErrorMap });
  if (r.success) return { ok: true, definition: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  };
}
