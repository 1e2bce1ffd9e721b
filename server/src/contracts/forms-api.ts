import { z } from 'zod';
import type { FormItemType } from './forms/definition.js';
import type { FormAnswers } from './forms/engine.js';

/**
 * What the forms API (issue 5, docs/api/admin-api.md「Forms」) shares with the builder, the
 * response screens and the resident pages besides the definition and the engine: a form's
 * settings (FORM-5, 6, 9), its resident-facing state, response statuses and sources (FORM-4, 7),
 * templates (FORM-11, public comments) and the response-list filters. Pure TypeScript + zod.
 */

export const FORM_TEMPLATES = ['blank', 'settings', 'survey', 'satisfaction', 'public_comment'] as const;
export type FormTemplateKey = (typeof FORM_TEMPLATES)[number];
export const FORM_TEMPLATE_LABELS: Record<FormTemplateKey, string> = {
  blank: '白紙から作る',
  settings: '受信設定（お知らせの希望）',
  survey: 'アンケート（調査）',
  satisfaction: '市民満足度調査',
  public_comment: 'パブリックコメント（意見募集）',
};

/** What a resident's page may show instead of the form. */
export const FORM_STATES = ['open', 'not_yet', 'closed', 'limit_reached', 'already_answered'] as const;
export type FormState = (typeof FORM_STATES)[number];
export const FORM_STATE_MESSAGES: Record<FormState, string> = {
  open: '',
  not_yet: 'このフォームはまだ受付を開始していません',
  closed: 'このフォームの受付は終了しました',
  limit_reached: '回答数が上限に達したため、受付を終了しました',
  already_answered: 'このフォームには回答済みです。ご回答ありがとうございました',
};

/** FORM-4: where staff are with a response. */
export const FORM_RESPONSE_STATUSES = ['new', 'in_progress', 'done', 'on_hold', 'cancelled'] as const;
export type FormResponseStatus = (typeof FORM_RESPONSE_STATUSES)[number];
export const FORM_RESPONSE_STATUS_LABELS: Record<FormResponseStatus, string> = {
  new: '未対応',
  in_progress: '対応中',
  done: '完了',
  on_hold: '保留',
  cancelled: '取消',
};

/** How a response reached us: the resident's page (with or without LINE), or staff typing it in. */
export const FORM_RESPONSE_SOURCES = ['line', 'web', 'phone', 'paper', 'counter', 'email', 'other'] as const;
export type FormResponseSource = (typeof FORM_RESPONSE_SOURCES)[number];
/** Sources staff may choose when they enter a response themselves. */
export const FORM_STAFF_SOURCES = ['phone', 'paper', 'counter', 'email', 'other'] as const;
export const FORM_RESPONSE_SOURCE_LABELS: Record<FormResponseSource, string> = {
  line: 'LINE',
  web: 'Web',
  phone: '電話',
  paper: '紙',
  counter: '窓口',
  email: 'メール',
  other: 'その他',
};

/** 受付番号 prefix: one to three capital letters (R-2026-000123). */
export const FORM_RECEIPT_PREFIX_PATTERN = /^[A-Z]{1,3}$/;
/** Resident URLs name a form by its code: `/t/<slug>/forms/<code>`. */
export const FORM_URL_CODE_PATTERN = /^[a-z0-9][a-z0-9-]{2,39}$/;

export const FORM_NOTIFY_EMAILS_MAX = 10;
export const FORM_COMPLETION_MESSAGE_MAX = 500;
export const FORM_RESPONSE_LIMIT_MAX = 10_000_000;
export const FORM_TALK_KEYWORD_MAX = 30;
/** Postback data that starts answering a form in the talk (rich-menu areas, buttons): `form:<code>:start`. */
export const formTalkStartData = (code: string) => `form:${code}:start`;
/** A message staff send to one respondent (FORM-10 ⑧). */
export const FORM_MESSAGE_MAX = 1000;

const instant = (what: string) =>
  z.iso
    .datetime({ offset: true, error: `${what}は「2026-04-01T09:00:00+09:00」の形で指定してください` })
    .nullable();

const settingsFields = {
  /** FORM-5: one answer per LINE resident, or as many as they like. */
  answersPerResident: z.enum(['one', 'many'], { error: '回答の回数は one か many を選んでください' }),
  /** With `one`: the resident may change their answer while the form is open. */
  editableAfterSubmit: z.boolean({ error: '回答後の修正を許可するかを選んでください' }),
  opensAt: instant('受付開始日時'),
  closesAt: instant('受付終了日時'),
  responseLimit: z
    .number({ error: '回答数の上限を数値で入力してください' })
    .int('回答数の上限は整数で入力してください')
    .min(1, '回答数の上限は1以上にしてください')
    .max(
      FORM_RESPONSE_LIMIT_MAX,
      `回答数の上限は${FORM_RESPONSE_LIMIT_MAX.toLocaleString('ja-JP')}以下にしてください`,
    )
    .nullable(),
  /** FORM-9: the responsible department's addresses, told of each new response (no answers in the mail). */
  notifyEmails: z
    .array(
      z
        .string({ error: 'メールアドレスを入力してください' })
        .trim()
        .pipe(z.email('メールアドレスの形式が正しくありません').max(254, 'メールアドレスが長すぎます')),
      { error: '通知先のメールアドレスを一覧で指定してください' },
    )
    .max(FORM_NOTIFY_EMAILS_MAX, `通知先のメールアドレスは${FORM_NOTIFY_EMAILS_MAX}件までです`),
  /** Shown after sending and, when enabled, sent to the talk with the receipt number. */
  completionMessage: z
    .string({ error: '完了メッセージを入力してください' })
    .trim()
    .min(1, '完了メッセージを入力してください')
    .max(FORM_COMPLETION_MESSAGE_MAX, `完了メッセージは${FORM_COMPLETION_MESSAGE_MAX}文字以内にしてください`),
  sendCompletionToTalk: z.boolean({ error: 'トークに完了メッセージを送るかを選んでください' }),
  /** Off: anyone with the URL may answer in a browser (no LINE login; the talk message is not sent then). */
  requireLineLogin: z.boolean({ error: 'LINEログインを必須にするかを選んでください' }),
  receiptPrefix: z
    .string({ error: '受付番号の頭文字を入力してください' })
    .regex(FORM_RECEIPT_PREFIX_PATTERN, '受付番号の頭文字は英大文字1〜3文字にしてください'),
  /**
   * FORM-10 会話形式: residents may answer in the LINE talk, item by item (non-personal items
   * only; personal parts continue on the form's page, docs/decisions/0012-forms-in-the-talk.md).
   */
  talkMode: z.boolean({ error: 'トークで回答できるようにするかを選んでください' }),
  /** A word the resident sends in the talk to start answering (besides buttons and the rich menu). */
  talkKeyword: z
    .string({ error: '開始のキーワードを入力してください' })
    .trim()
    .min(1, '開始のキーワードを入力してください')
    .max(FORM_TALK_KEYWORD_MAX, `開始のキーワードは${FORM_TALK_KEYWORD_MAX}文字以内にしてください`)
    .nullable(),
};

export const DEFAULT_FORM_SETTINGS = {
  answersPerResident: 'many',
  editableAfterSubmit: false,
  opensAt: null,
  closesAt: null,
  responseLimit: null,
  notifyEmails: [],
  completionMessage: 'ご回答ありがとうございました。',
  sendCompletionToTalk: true,
  requireLineLogin: true,
  receiptPrefix: 'R',
  talkMode: false,
  talkKeyword: null,
} as const satisfies { [K in keyof typeof settingsFields]: z.infer<(typeof settingsFields)[K]> };

function checkSettings(s: z.infer<z.ZodObject<typeof settingsFields>>, ctx: z.RefinementCtx): void {
  if (s.opensAt && s.closesAt && Date.parse(s.closesAt) <= Date.parse(s.opensAt))
    ctx.addIssue({
      code: 'custom',
      path: ['closesAt'],
      message: '受付終了日時は受付開始日時より後にしてください',
    });
  if (s.answersPerResident === 'one' && !s.requireLineLogin)
    ctx.addIssue({
      code: 'custom',
      path: ['requireLineLogin'],
      message:
        '「1人1回」にするには、LINEログインを必須にしてください（ログインしない回答は人を区別できません）',
    });
  const seen = new Set<string>();
  s.notifyEmails.forEach((e, i) => {
    const k = e.toLowerCase();
    if (seen.has(k))
      ctx.addIssue({
        code: 'custom',
        path: ['notifyEmails', i],
        message: '同じメールアドレスが重ねて指定されています',
      });
    seen.add(k);
  });
}

/** A form's settings as stored and answered by GET /api/forms/:id (every field present). */
export const formSettingsSchema = z.strictObject(settingsFields).superRefine(checkSettings);
export type FormSettings = z.infer<typeof formSettingsSchema>;

/** PATCH /api/forms/:id/settings: any subset; merged with the current settings, then checked whole. */
export const formSettingsPatchSchema = z.strictObject(settingsFields).partial();

/**
 * A filter of the response list, stats and CSV export on one item (by code). `equals` and `in`
 * compare option codes on choices (`in` on a hierarchical choice includes everything under an
 * option), `range` compares numbers or dates (YYYY-MM-DD), `answered` works on every item — the
 * only filter on personal items, whose answers are encrypted. In a repeating section any entry
 * matches. Sent as JSON in the `filters` query parameter.
 */
export const formResponseFilterSchema = z.discriminatedUnion(
  'op',
  [
    z.strictObject({
      item: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, '項目を選んでください'),
      op: z.literal('equals'),
      value: z.union([z.string().max(1000), z.number().finite()], { error: '比べる値を入力してください' }),
    }),
    z.strictObject({
      item: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, '項目を選んでください'),
      op: z.literal('in'),
      values: z
        .array(z.string().max(40), { error: '選択肢を選んでください' })
        .min(1, '選択肢を1つ以上選んでください')
        .max(500, '選択肢は500個までです'),
    }),
    z
      .strictObject({
        item: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, '項目を選んでください'),
        op: z.literal('range'),
        min: z.union([z.number().finite(), z.string().max(10)]).optional(),
        max: z.union([z.number().finite(), z.string().max(10)]).optional(),
      })
      .refine((f) => f.min !== undefined || f.max !== undefined, {
        message: '下限か上限を入力してください',
        path: ['min'],
      }),
    z.strictObject({
      item: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, '項目を選んでください'),
      op: z.literal('answered'),
      answered: z.boolean({ error: '回答あり・なしを選んでください' }).default(true),
    }),
  ],
  { error: '絞り込みの種類（equals, in, range, answered）を選んでください' },
);
export type FormResponseFilter = z.infer<typeof formResponseFilterSchema>;
export const FORM_RESPONSE_FILTERS_MAX = 20;

/**
 * The staff API of a form's responses (GET …/responses, …/responses/:rid, …/:rid/neighbours), as
 * the server builds it and the response screens read it. Times are `D`: a Date on the server, the
 * ISO string it becomes in JSON.
 */
export interface FormResponseListItem<D = string> {
  id: string;
  receiptNumber: string;
  version: number;
  status: FormResponseStatus;
  source: FormResponseSource;
  residentId: string | null;
  submittedAt: D;
  updatedAt: D;
  hasMemo: boolean;
  /** Every answer of the response (personal ones too: staff who may read the form may read them). */
  answers: FormAnswers;
}

export interface FormResponseList<D = string> {
  items: FormResponseListItem<D>[];
  total: number;
  page: number;
  pageSize: number;
}

export interface FormResponseFile {
  id: string;
  /** The code of the file item it was attached to. */
  item: string;
  name: string;
  size: number;
  type: string;
}

export interface FormResponseRef {
  id: string;
  receiptNumber: string;
}

/** Where a response is in the list it was opened from (前の回答・次の回答). */
export interface FormResponseNeighbours {
  /** 1-based; null when the response is no longer in that list. */
  position: number | null;
  total: number;
  previous: FormResponseRef | null;
  next: FormResponseRef | null;
}

/**
 * The statistics of a form's responses (GET …/stats and …/crosstab; server/src/modules/forms/
 * form-stats.ts) as the 集計 screen reads them.
 */
export interface FormOptionCount {
  code: string;
  label: string;
  count: number;
}

export interface FormQuestionStats {
  code: string;
  label: string;
  type: FormItemType;
  typeLabel: string;
  personal: boolean;
  /** The code of the repeating section the item is in, or null. */
  repeat: string | null;
  answered: number;
  options?: FormOptionCount[];
  number?: {
    count: number;
    min: number | null;
    max: number | null;
    mean: number | null;
    median: number | null;
    /** Every value a whole number (the histogram's bins are then ranges of whole numbers). */
    integral: boolean;
    /** Counts of values per bin [from, to); the last bin holds the maximum. */
    histogram: Array<{ from: number; to: number; count: number }>;
  };
  dates?: { min: string | null; max: string | null };
}

export interface FormStats {
  total: number;
  questions: FormQuestionStats[];
}

export interface FormCrossTab {
  total: number;
  row: { code: string; label: string; options: Array<{ code: string; label: string }> };
  col: { code: string; label: string; options: Array<{ code: string; label: string }> };
  /** Counts of responses per pair; `null` is 未回答. A multiple choice counts each chosen option. */
  cells: Array<{ row: string | null; col: string | null; count: number }>;
}
