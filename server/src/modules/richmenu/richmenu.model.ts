import { z } from 'zod';
import { formTalkStartData } from '../../contracts/index.js';
import type { MenuFormInfo } from '../forms/forms.service.js';
import { LINE_LIMITS, richMenuActionSchema, type LineAction } from '../../platform/line/messages.js';

/**
 * The rich-menu model (MENU-1…4, 8, 10): what staff edit, validated with LINE's limits, and how a
 * tab becomes a LINE rich-menu object. Pure (no database), so admin-ui can share it later.
 */

export const RICHMENU_SIZES = [
  { width: 2500, height: 1686 },
  { width: 2500, height: 843 },
] as const;
export const MAX_AREAS = 20;
export const CHAT_BAR_TEXT_MAX = 14;
export const IMAGE_MAX_BYTES = 1024 * 1024;
/** Postback data of every area starts with this; the tap counter recognises it. */
export const TAP_PREFIX = 'rm:';
/** What is left of LINE's 300 characters of postback data after `rm:<tab code>:<index>:`. */
export const OWN_DATA_MAX = 270;

const label = z
  .string()
  .max(LINE_LIMITS.actionLabel, `ラベルは${LINE_LIMITS.actionLabel}文字以内にしてください`)
  .optional();

/** A resident-ui page (e.g. `settings` for 受信設定, MENU-8); becomes the tenant's LIFF URL. */
const pageAction = z.strictObject({
  type: z.literal('page'),
  label,
  path: z
    .string({ error: 'ページのパスを入力してください' })
    .max(200, 'ページのパスは200文字以内にしてください')
    .regex(/^[A-Za-z0-9][A-Za-z0-9/_.~?=&%-]*$/, 'ページのパスは英数字と / _ . - ? = & で入力してください'),
});
/** Switches to another tab of the same set (richmenuswitch to its alias, on the resident's phone). */
const tabAction = z.strictObject({
  type: z.literal('tab'),
  label,
  tabId: z.string().uuid('切り替え先のタブを選んでください'),
});
/** Opens a tab of another menu set (a sub-menu) through that set's alias. */
const submenuAction = z.strictObject({
  type: z.literal('submenu'),
  label,
  tabId: z.string().uuid('開くサブメニューのタブを選んでください'),
});
/**
 * Opens a form (issue 5): its page in LINE's browser, or its questions one by one in the talk
 * (FORM-10 会話形式) through the postback `form:<code>:start` the form-talk module answers.
 */
const formAction = z.strictObject({
  type: z.literal('form'),
  label,
  formCode: z
    .string({ error: 'フォームを選んでください' })
    .regex(/^[a-z0-9-]{3,40}$/, 'フォームを選んでください'),
  open: z.enum(['page', 'talk'], { error: '開き方を選んでください' }).default('page'),
});
const OWN = { page: pageAction, tab: tabAction, submenu: submenuAction, form: formAction } as const;

export type PageAction = z.infer<typeof pageAction>;
export type TabAction = z.infer<typeof tabAction>;
export type SubmenuAction = z.infer<typeof submenuAction>;
export type FormAction = z.infer<typeof formAction>;
export type AreaAction =
  PageAction | TabAction | SubmenuAction | FormAction | Exclude<LineAction, { type: 'richmenuswitch' }>;

function copyIssues(ctx: z.RefinementCtx, error: z.ZodError) {
  for (const i of error.issues)
    ctx.addIssue({ code: 'custom', path: i.path as PropertyKey[], message: i.message });
}

export const areaActionSchema = z
  .looseObject({ type: z.string({ error: 'アクションの種類を指定してください' }) })
  .transform((a, ctx) => {
    const own = OWN[a.type as keyof typeof OWN];
    if (a.type === 'richmenuswitch') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: 'タブの切り替えは「タブ切替」または「サブメニュー」を使ってください',
      });
      return z.NEVER;
    }
    const r = (own ?? richMenuActionSchema).safeParse(a);
    if (!r.success) {
      copyIssues(ctx, r.error);
      return z.NEVER;
    }
    const out = r.data as AreaAction;
    const data = (out as { data?: string }).data;
    if (data !== undefined && data.length > OWN_DATA_MAX) {
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `ポストバックデータは${OWN_DATA_MAX}文字以内にしてください`,
      });
      return z.NEVER;
    }
    return out;
  });

const int = (what: string) =>
  z
    .number({ error: `${what}は数値で入力してください` })
    .int(`${what}は整数で入力してください`)
    .min(0, `${what}は0以上にしてください`);

export const areaSchema = z.strictObject({
  bounds: z.strictObject({
    x: int('X座標'),
    y: int('Y座標'),
    width: int('幅').min(1, '幅は1以上にしてください'),
    height: int('高さ').min(1, '高さは1以上にしてください'),
  }),
  action: areaActionSchema,
});
export type Area = z.infer<typeof areaSchema>;

const sizeSchema = z
  .strictObject({ width: z.number(), height: z.number() })
  .refine((s) => RICHMENU_SIZES.some((r) => r.width === s.width && r.height === s.height), {
    message: 'メニューの大きさは 2500×1686 か 2500×843 にしてください',
  });

const tabFields = {
  name: z
    .string({ error: 'タブ名を入力してください' })
    .trim()
    .min(1, 'タブ名を入力してください')
    .max(300, 'タブ名は300文字以内にしてください'),
  chatBarText: z
    .string({ error: 'メニューバーのテキストを入力してください' })
    .trim()
    .min(1, 'メニューバーのテキストを入力してください')
    .refine((s) => s.length <= CHAT_BAR_TEXT_MAX, {
      message: `メニューバーのテキストは${CHAT_BAR_TEXT_MAX}文字以内にしてください`,
    }),
  size: sizeSchema,
  areas: z.array(areaSchema).max(MAX_AREAS, `タップ領域は${MAX_AREAS}個以内にしてください`).default([]),
};

function checkBounds(t: { size?: { width: number; height: number }; areas?: Area[] }, ctx: z.RefinementCtx) {
  if (!t.size || !t.areas) return;
  const { width, height } = t.size;
  t.areas.forEach((a, i) => {
    const b = a.bounds;
    if (b.x + b.width > width || b.y + b.height > height)
      ctx.addIssue({
        code: 'custom',
        path: ['areas', i, 'bounds'],
        message: `タップ領域${i + 1}が画像の範囲（${width}×${height}）からはみ出しています`,
      });
  });
}

export const tabSchema = z.strictObject(tabFields).superRefine(checkBounds);
export const tabPatchSchema = z.strictObject(tabFields).partial();
export type TabInput = z.infer<typeof tabSchema>;
/** Bounds check for a patched tab once merged with what is stored. */
export const mergedTabSchema = tabSchema;

export const setSchema = z.strictObject({
  name: z
    .string({ error: 'メニュー名を入力してください' })
    .trim()
    .min(1, 'メニュー名を入力してください')
    .max(100, 'メニュー名は100文字以内にしてください'),
  kind: z
    .enum(['normal', 'emergency'], { error: '種類は normal か emergency にしてください' })
    .default('normal'),
  organisationId: z.string().uuid('所属を選択してください'),
  code: z
    .string()
    .regex(/^[a-z0-9_]{1,24}$/, 'コードは英小文字・数字・_ の24文字以内にしてください')
    .optional(),
});

/** The codes of the forms that areas open. */
export const formCodesOf = (areas: Array<{ action: AreaAction }>): string[] =>
  areas.flatMap(({ action }) => (action.type === 'form' ? [action.formCode] : []));

export const aliasId = (setCode: string, tabIndex: number) => `${setCode}-${tabIndex}`;
export const tapData = (tabCode: string, areaIndex: number, own?: string) =>
  `${TAP_PREFIX}${tabCode}:${areaIndex}${own !== undefined ? `:${own}` : ''}`;

/** `rm:<tab code>:<area index>[:own data]` → the tab and area, or null when not ours. */
export function parseTapData(data: unknown): { tabCode: string; areaIndex: number } | null {
  if (typeof data !== 'string' || !data.startsWith(TAP_PREFIX)) return null;
  const m = /^rm:([a-z0-9]{6,16}):(\d{1,2})(?::|$)/.exec(data);
  if (!m) return null;
  return { tabCode: m[1]!, areaIndex: Number(m[2]) };
}

// ---------------------------------------------------------------------------------------------
// Images: type from the bytes, pixel size from the header.

export function imageSize(data: Buffer, type: string): { width: number; height: number } | null {
  if (type === 'image/png') {
    if (data.length < 24 || data.subarray(12, 16).toString('latin1') !== 'IHDR') return null;
    return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  }
  if (type === 'image/jpeg') {
    let i = 2;
    while (i + 9 < data.length) {
      if (data[i] !== 0xff) return null;
      const marker = data[i + 1]!;
      if (marker === 0xff) {
        i += 1;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        i += 2;
        continue;
      }
      const len = data.readUInt16BE(i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { height: data.readUInt16BE(i + 5), width: data.readUInt16BE(i + 7) };
      i += 2 + len;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// A tab as LINE's rich-menu object.

export interface CompileContext {
  tabCode: string;
  /** Alias of a tab by id (tab or sub-menu target), or null when it has none on this channel. */
  aliasOfTab: (tabId: string) => string | null;
  /** Absolute URL of a resident-ui path (LIFF URL or the public origin). */
  pageUrl: (path: string) => string;
  /** A form of the city by code, as far as a menu needs it; null when there is none. */
  formOf: (code: string) => MenuFormInfo | null;
}

/** What the talk shows as the resident's own message when a form area starts a conversation. */
const FORM_DISPLAY_TEXT_MAX = 60;

export interface LineRichMenu {
  size: { width: number; height: number };
  selected: boolean;
  name: string;
  chatBarText: string;
  areas: Array<{ bounds: Area['bounds']; action: Record<string, unknown> }>;
}

export class CompileError extends Error {}

export function compileAction(a: AreaAction, index: number, c: CompileContext): Record<string, unknown> {
  const lbl = a.label !== undefined ? { label: a.label } : {};
  switch (a.type) {
    case 'page':
      return { type: 'uri', ...lbl, uri: c.pageUrl(a.path) };
    case 'tab':
    case 'submenu': {
      const alias = c.aliasOfTab(a.tabId);
      if (!alias)
        throw new CompileError(
          a.type === 'tab'
            ? `タップ領域${index + 1}の切り替え先のタブが見つかりません`
            : `タップ領域${index + 1}のサブメニューがこのチャネルに公開されていません。先にサブメニューを公開してください`,
        );
      return { type: 'richmenuswitch', ...lbl, richMenuAliasId: alias, data: tapData(c.tabCode, index) };
    }
    case 'form': {
      const area = `タップ領域${index + 1}`;
      const form = c.formOf(a.formCode);
      if (!form) throw new CompileError(`${area}のフォームが見つかりません。フォームを選び直してください`);
      if (!form.published)
        throw new CompileError(
          `${area}のフォーム「${form.title}」は公開されていません。先にフォームを公開してください`,
        );
      if (a.open === 'page') return { type: 'uri', ...lbl, uri: c.pageUrl(`forms/${a.formCode}`) };
      if (!form.talkMode)
        throw new CompileError(
          `${area}のフォーム「${form.title}」はトークでの回答がオフです。フォームの受付の設定で「トークで回答」をオンにするか、開き方を「入力画面」にしてください`,
        );
      const said = `「${form.title}」に回答する`;
      return {
        type: 'postback',
        ...lbl,
        data: tapData(c.tabCode, index, formTalkStartData(a.formCode)),
        displayText:
          said.length <= FORM_DISPLAY_TEXT_MAX ? said : `${said.slice(0, FORM_DISPLAY_TEXT_MAX - 1)}…`,
      };
    }
    case 'postback':
      return { ...a, data: tapData(c.tabCode, index, a.data) };
    case 'datetimepicker':
      return { ...a, data: tapData(c.tabCode, index, a.data) };
    default:
      return { ...a };
  }
}

export function compileTab(
  t: { name: string; chatBarText: string; width: number; height: number; areas: Area[] },
  c: CompileContext,
): LineRichMenu {
  return {
    size: { width: t.width, height: t.height },
    selected: false,
    name: t.name.slice(0, 300),
    chatBarText: t.chatBarText,
    areas: t.areas.map((a, i) => ({ bounds: a.bounds, action: compileAction(a.action, i, c) })),
  };
}
