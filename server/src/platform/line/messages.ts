import { z } from 'zod';

/**
 * LINE message objects as zod schemas carrying LINE's documented limits (reference/external-apis.md,
 * specs/line-openapi/messaging-api.yml). The outbound gateway refuses locally whatever LINE would
 * reject; admin-ui's editors and previews use the same schemas, so this file stays pure: zod and
 * web-standard globals (URL, TextEncoder) only, no Node imports.
 *
 * Lengths are counted in UTF-16 code units (JavaScript's `string.length`), which is how LINE counts
 * text and the stricter reading for labels (zod's own string `.max()` counts code points, so lengths
 * are checked with explicit refinements). Objects are strict: a property LINE does not define is
 * refused rather than sent. Every message below is plain Japanese for staff; issue paths follow the
 * house format (`0.template.actions.2.label`).
 */

// ---------------------------------------------------------------------------------------------
// Limits (exported for editors' counters)

export const LINE_LIMITS = {
  messagesPerRequest: 5,
  textLength: 5000,
  emojisPerText: 20,
  urlLength: 2000,
  altTextLength: 1500,
  imagemapBaseWidth: 1040,
  imagemapActions: 50,
  imagemapActionLabel: 100,
  imagemapMessageText: 400,
  buttonsTitle: 40,
  buttonsText: 160,
  buttonsTextWithImageOrTitle: 60,
  buttonsActions: 4,
  confirmText: 240,
  confirmActions: 2,
  carouselColumns: 10,
  carouselActions: 3,
  carouselTitle: 40,
  carouselText: 120,
  carouselTextWithImageOrTitle: 60,
  imageCarouselColumns: 10,
  imageCarouselLabel: 12,
  flexBubbleBytes: 30_000,
  flexCarouselBytes: 50_000,
  flexCarouselBubbles: 12,
  flexAnimatedImages: 10,
  quickReplyItems: 13,
  senderName: 20,
  actionLabel: 20,
  flexActionLabel: 40,
  postbackData: 300,
  displayText: 300,
  messageActionText: 300,
  uriLength: 1000,
  clipboardText: 1000,
  locationTitle: 100,
  locationAddress: 100,
  richMenuAliasId: 32,
} as const;

const L = LINE_LIMITS;

/** 5000 → "5,000" without depending on the runtime's locale data. */
const n = (v: number): string => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

// ---------------------------------------------------------------------------------------------
// Field helpers with Japanese messages

function requiredString(label: string) {
  return z.string({
    error: (iss) =>
      iss.input === undefined ? `${label}を入力してください` : `${label}は文字列にしてください`,
  });
}

/** A required, non-empty text of at most `max` UTF-16 units. */
function text(label: string, max: number) {
  return requiredString(label)
    .min(1, `${label}を入力してください`)
    .refine((s) => s.length <= max, `${label}は${n(max)}文字以内にしてください`);
}

const URL_CHARS = /^[\x21-\x7e]+$/;

function urlChecks(label: string, max: number, schemes: readonly string[], schemeMessage: string) {
  return requiredString(label)
    .min(1, `${label}を入力してください`)
    .refine((u) => u.length <= max, `${label}は${n(max)}文字以内にしてください`)
    .refine(
      (u) => URL_CHARS.test(u),
      `${label}に使えない文字があります（日本語や空白はURLエンコードしてください）`,
    )
    .refine((u) => {
      if (!URL_CHARS.test(u)) return true; // already reported
      try {
        return schemes.includes(new URL(u).protocol);
      } catch {
        return false;
      }
    }, schemeMessage);
}

/** Media and icon URLs: HTTPS only, at most 2,000 characters. */
function httpsUrl(label: string, max: number = L.urlLength) {
  return urlChecks(label, max, ['https:'], `${label}は https:// で始まるURLにしてください`);
}

/** Link targets of actions: http, https, line and tel, at most 1,000 characters. */
function actionUri(label: string, max: number = L.uriLength) {
  return urlChecks(
    label,
    max,
    ['http:', 'https:', 'line:', 'tel:'],
    `${label}は http://、https://、line://、tel: のいずれかで始めてください`,
  );
}

const hexColor = (label: string) =>
  z
    .string()
    .regex(/^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/, `${label}は #RRGGBB 形式の色にしてください`)
    .optional();

function oneOf<const T extends readonly [string, ...string[]]>(label: string, values: T) {
  return z.enum(values, { error: () => `${label}は ${values.join('、')} のいずれかにしてください` });
}

function int(label: string, min: number, max?: number) {
  let s = z
    .number({
      error: (iss) =>
        iss.input === undefined ? `${label}を入力してください` : `${label}は数値にしてください`,
    })
    .int(`${label}は整数にしてください`)
    .min(min, `${label}は${n(min)}以上にしてください`);
  if (max !== undefined) s = s.max(max, `${label}は${n(max)}以下にしてください`);
  return s;
}

function list<T extends z.ZodType>(item: T, label: string, min: number, max: number) {
  return z
    .array(item, {
      error: (iss) =>
        iss.input === undefined ? `${label}を入力してください` : `${label}は配列にしてください`,
    })
    .min(
      min,
      min === max
        ? `${label}はちょうど${n(min)}個にしてください`
        : `${label}を${n(min)}個以上指定してください`,
    )
    .max(
      max,
      min === max ? `${label}はちょうど${n(max)}個にしてください` : `${label}は${n(max)}個までにしてください`,
    );
}

const lit = <const T extends string>(v: T) => z.literal(v);

// ---------------------------------------------------------------------------------------------
// Actions

/** Where an action sits decides which types are allowed, its label limit and whether a label is required. */
export type ActionPlace =
  | 'template' // buttons, confirm and carousel buttons
  | 'defaultAction' // tapping the image or column of a template
  | 'imageCarousel'
  | 'quickReply'
  | 'flex' // actions of a Flex bubble, box, image or text
  | 'flexButton'
  | 'richMenu';

export const ACTION_TYPES = [
  'postback',
  'message',
  'uri',
  'datetimepicker',
  'camera',
  'cameraRoll',
  'location',
  'richmenuswitch',
  'clipboard',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

const COMMON_ACTIONS = ['postback', 'message', 'uri', 'datetimepicker', 'clipboard'] as const;

const PLACES: Record<
  ActionPlace,
  { types: readonly ActionType[]; labelMax: number; labelRequired: boolean }
> = {
  template: { types: COMMON_ACTIONS, labelMax: L.actionLabel, labelRequired: true },
  defaultAction: { types: COMMON_ACTIONS, labelMax: L.actionLabel, labelRequired: false },
  imageCarousel: { types: COMMON_ACTIONS, labelMax: L.imageCarouselLabel, labelRequired: false },
  quickReply: {
    types: [...COMMON_ACTIONS, 'camera', 'cameraRoll', 'location'],
    labelMax: L.actionLabel,
    labelRequired: true,
  },
  flex: { types: COMMON_ACTIONS, labelMax: L.flexActionLabel, labelRequired: false },
  flexButton: { types: COMMON_ACTIONS, labelMax: L.flexActionLabel, labelRequired: true },
  richMenu: {
    types: ['postback', 'message', 'uri', 'datetimepicker', 'richmenuswitch', 'clipboard'],
    labelMax: L.actionLabel,
    labelRequired: false,
  },
};

const ACTION_NAMES: Record<ActionType, string> = {
  postback: 'ポストバック',
  message: 'メッセージ',
  uri: 'URI',
  datetimepicker: '日時選択',
  camera: 'カメラ',
  cameraRoll: 'カメラロール',
  location: '位置情報',
  richmenuswitch: 'リッチメニュー切替',
  clipboard: 'クリップボード',
};

const label = () => z.string({ error: 'ラベルは文字列にしてください' }).optional();

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt]([01]\d|2[0-3]):[0-5]\d$/;

const postbackAction = z
  .strictObject({
    type: lit('postback'),
    label: label(),
    data: text('ポストバックデータ', L.postbackData),
    displayText: text('表示テキスト', L.displayText).optional(),
    /** Deprecated by LINE in favour of displayText; never both. */
    text: text('送信テキスト', L.displayText).optional(),
    inputOption: oneOf('入力方法', ['closeRichMenu', 'openRichMenu', 'openKeyboard', 'openVoice']).optional(),
    fillInText: text('入力欄の初期テキスト', 300).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.displayText !== undefined && a.text !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: '表示テキストと送信テキストは同時に指定できません',
      });
    if (a.fillInText !== undefined && a.inputOption !== 'openKeyboard')
      ctx.addIssue({
        code: 'custom',
        path: ['fillInText'],
        message: '入力欄の初期テキストは入力方法が openKeyboard のときだけ指定できます',
      });
  });

const messageAction = z.strictObject({
  type: lit('message'),
  label: label(),
  text: text('送信テキスト', L.messageActionText),
});

const uriAction = z.strictObject({
  type: lit('uri'),
  label: label(),
  uri: actionUri('リンク先URL'),
  altUri: z.strictObject({ desktop: actionUri('PC版のリンク先URL') }).optional(),
});

const datetimepickerAction = z
  .strictObject({
    type: lit('datetimepicker'),
    label: label(),
    data: text('ポストバックデータ', L.postbackData),
    mode: oneOf('日時選択の種類', ['date', 'time', 'datetime']),
    initial: z.string().optional(),
    max: z.string().optional(),
    min: z.string().optional(),
  })
  .superRefine((a, ctx) => {
    const re = a.mode === 'date' ? DATE : a.mode === 'time' ? TIME : DATETIME;
    const form = a.mode === 'date' ? '2025-04-01' : a.mode === 'time' ? '09:30' : '2025-04-01T09:30';
    const names = { initial: '初期値', max: '最大値', min: '最小値' } as const;
    for (const k of ['initial', 'max', 'min'] as const) {
      const v = a[k];
      if (v !== undefined && !re.test(v))
        ctx.addIssue({ code: 'custom', path: [k], message: `${names[k]}は ${form} の形式にしてください` });
    }
    const ok = (v: string | undefined) => v !== undefined && re.test(v);
    const norm = (v: string) => v.toUpperCase();
    if (ok(a.min) && ok(a.max) && norm(a.min!) >= norm(a.max!))
      ctx.addIssue({ code: 'custom', path: ['max'], message: '最大値は最小値より後にしてください' });
    if (
      ok(a.initial) &&
      ((ok(a.min) && norm(a.initial!) < norm(a.min!)) || (ok(a.max) && norm(a.initial!) > norm(a.max!)))
    )
      ctx.addIssue({
        code: 'custom',
        path: ['initial'],
        message: '初期値は最小値と最大値の間にしてください',
      });
  });

const cameraAction = z.strictObject({ type: lit('camera'), label: label() });
const cameraRollAction = z.strictObject({ type: lit('cameraRoll'), label: label() });
const locationAction = z.strictObject({ type: lit('location'), label: label() });

const richmenuswitchAction = z.strictObject({
  type: lit('richmenuswitch'),
  label: label(),
  richMenuAliasId: requiredString('リッチメニューエイリアスID').regex(
    /^[a-z0-9_-]{1,32}$/,
    'リッチメニューエイリアスIDは英小文字・数字・_・- の32文字以内にしてください',
  ),
  data: text('ポストバックデータ', L.postbackData),
});

const clipboardAction = z.strictObject({
  type: lit('clipboard'),
  label: label(),
  clipboardText: text('コピーするテキスト', L.clipboardText),
});

const ACTION_SCHEMAS = {
  postback: postbackAction,
  message: messageAction,
  uri: uriAction,
  datetimepicker: datetimepickerAction,
  camera: cameraAction,
  cameraRoll: cameraRollAction,
  location: locationAction,
  richmenuswitch: richmenuswitchAction,
  clipboard: clipboardAction,
} as const;

export type PostbackAction = z.infer<typeof postbackAction>;
export type MessageAction = z.infer<typeof messageAction>;
export type UriAction = z.infer<typeof uriAction>;
export type DatetimePickerAction = z.infer<typeof datetimepickerAction>;
export type CameraAction = z.infer<typeof cameraAction>;
export type CameraRollAction = z.infer<typeof cameraRollAction>;
export type LocationAction = z.infer<typeof locationAction>;
export type RichMenuSwitchAction = z.infer<typeof richmenuswitchAction>;
export type ClipboardAction = z.infer<typeof clipboardAction>;
export type LineAction =
  | PostbackAction
  | MessageAction
  | UriAction
  | DatetimePickerAction
  | CameraAction
  | CameraRollAction
  | LocationAction
  | RichMenuSwitchAction
  | ClipboardAction;

function notAllowedMessage(type: unknown): string {
  if (typeof type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(type))
    return type === undefined ? 'アクションの種類を指定してください' : 'アクションの種類が正しくありません';
  const name = ACTION_NAMES[type as ActionType];
  if (type === 'camera' || type === 'cameraRoll' || type === 'location')
    return `${name}アクションはクイックリプライでのみ使えます`;
  if (type === 'richmenuswitch') return `${name}アクションはリッチメニューでのみ使えます`;
  return `${name}アクションはここでは使えません`;
}

const actionCache = new Map<ActionPlace, z.ZodType<LineAction>>();

/** The schema of an action at `place`: allowed types, label limit and whether the label is required. */
export function actionSchema(place: ActionPlace): z.ZodType<LineAction> {
  const hit = actionCache.get(place);
  if (hit) return hit;
  const p = PLACES[place];
  const options = p.types.map((t) => ACTION_SCHEMAS[t]) as unknown as [
    typeof postbackAction,
    typeof messageAction,
  ];
  const schema = z
    .discriminatedUnion('type', options, {
      error: (iss) => notAllowedMessage((iss.input as { type?: unknown } | undefined)?.type),
    })
    .superRefine((a, ctx) => {
      const lbl = (a as { label?: string }).label;
      if (lbl === undefined) {
        if (p.labelRequired)
          ctx.addIssue({ code: 'custom', path: ['label'], message: 'ラベルを入力してください' });
      } else if (lbl.length === 0 && p.labelRequired) {
        ctx.addIssue({ code: 'custom', path: ['label'], message: 'ラベルを入力してください' });
      } else if (lbl.length > p.labelMax) {
        ctx.addIssue({
          code: 'custom',
          path: ['label'],
          message: `ラベルは${n(p.labelMax)}文字以内にしてください`,
        });
      }
    }) as unknown as z.ZodType<LineAction>;
  actionCache.set(place, schema);
  return schema;
}

/** Actions of rich-menu areas (richmenuswitch allowed), for the rich-menu module. */
export const richMenuActionSchema = actionSchema('richMenu');

// ---------------------------------------------------------------------------------------------
// Common message properties

const quickReplyItem = z.strictObject({
  type: lit('action'),
  imageUrl: httpsUrl('アイコン画像URL').optional(),
  action: actionSchema('quickReply'),
});

export const quickReplySchema = z.strictObject({
  items: list(quickReplyItem, 'クイックリプライのボタン', 1, L.quickReplyItems),
});

export const senderSchema = z.strictObject({
  name: text('送信者名', L.senderName)
    .refine((s) => !/line/i.test(s), '送信者名に「LINE」は使えません')
    .optional(),
  iconUrl: httpsUrl('送信者アイコンURL').optional(),
});

const common = {
  quickReply: quickReplySchema.optional(),
  sender: senderSchema.optional(),
};

// ---------------------------------------------------------------------------------------------
// Text, sticker, media, location

export const textMessageSchema = z
  .strictObject({
    type: lit('text'),
    text: text('テキスト', L.textLength),
    emojis: list(
      z.strictObject({
        index: int('絵文字の位置', 0),
        productId: requiredString('絵文字のプロダクトID').regex(
          /^[0-9a-f]{24}$/,
          '絵文字のプロダクトIDが正しくありません',
        ),
        emojiId: requiredString('絵文字ID').regex(/^\d{3}$/, '絵文字IDは3桁の数字にしてください'),
      }),
      'LINE絵文字',
      0,
      L.emojisPerText,
    ).optional(),
    quoteToken: z.string().min(1).optional(),
    ...common,
  })
  .superRefine((m, ctx) => {
    const seen = new Set<number>();
    m.emojis?.forEach((e, i) => {
      if (m.text[e.index] !== '$')
        ctx.addIssue({
          code: 'custom',
          path: ['emojis', i, 'index'],
          message: 'LINE絵文字の位置がテキスト中の「$」を指していません',
        });
      else if (seen.has(e.index))
        ctx.addIssue({
          code: 'custom',
          path: ['emojis', i, 'index'],
          message: '同じ「$」に2つのLINE絵文字は置けません',
        });
      seen.add(e.index);
    });
  });

export const stickerMessageSchema = z.strictObject({
  type: lit('sticker'),
  packageId: requiredString('スタンプのパッケージID').regex(
    /^\d{1,20}$/,
    'スタンプのパッケージIDは数字にしてください',
  ),
  stickerId: requiredString('スタンプID').regex(/^\d{1,20}$/, 'スタンプIDは数字にしてください'),
  quoteToken: z.string().min(1).optional(),
  ...common,
});

export const imageMessageSchema = z.strictObject({
  type: lit('image'),
  originalContentUrl: httpsUrl('画像URL'),
  previewImageUrl: httpsUrl('プレビュー画像URL'),
  ...common,
});

export const videoMessageSchema = z.strictObject({
  type: lit('video'),
  originalContentUrl: httpsUrl('動画URL'),
  previewImageUrl: httpsUrl('プレビュー画像URL'),
  trackingId: z
    .string()
    .regex(/^[\x21-\x7e]{1,100}$/, 'トラッキングIDは半角英数記号100文字以内にしてください')
    .optional(),
  ...common,
});

export const audioMessageSchema = z.strictObject({
  type: lit('audio'),
  originalContentUrl: httpsUrl('音声URL'),
  duration: int('再生時間（ミリ秒）', 1),
  ...common,
});

export const locationMessageSchema = z.strictObject({
  type: lit('location'),
  title: text('場所の名前', L.locationTitle),
  address: text('住所', L.locationAddress),
  latitude: z
    .number({ error: '緯度は数値にしてください' })
    .min(-90, '緯度が正しくありません')
    .max(90, '緯度が正しくありません'),
  longitude: z
    .number({ error: '経度は数値にしてください' })
    .min(-180, '経度が正しくありません')
    .max(180, '経度が正しくありません'),
  ...common,
});

// ---------------------------------------------------------------------------------------------
// Imagemap

const imagemapArea = z.strictObject({
  x: int('領域のx', 0),
  y: int('領域のy', 0),
  width: int('領域の幅', 1),
  height: int('領域の高さ', 1),
});

const imagemapLabel = text('ラベル', L.imagemapActionLabel).optional();

const imagemapAction = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: lit('uri'),
      label: imagemapLabel,
      linkUri: actionUri('リンク先URL'),
      area: imagemapArea,
    }),
    z.strictObject({
      type: lit('message'),
      label: imagemapLabel,
      text: text('送信テキスト', L.imagemapMessageText),
      area: imagemapArea,
    }),
    z.strictObject({
      type: lit('clipboard'),
      label: imagemapLabel,
      clipboardText: text('コピーするテキスト', L.clipboardText),
      area: imagemapArea,
    }),
  ],
  { error: 'イメージマップのアクションは uri、message、clipboard のいずれかにしてください' },
);

export const imagemapMessageSchema = z
  .strictObject({
    type: lit('imagemap'),
    baseUrl: httpsUrl('画像のベースURL'),
    altText: text('代替テキスト', L.altTextLength),
    baseSize: z.strictObject({
      width: z.literal(L.imagemapBaseWidth, { error: `画像の幅は${n(L.imagemapBaseWidth)}にしてください` }),
      height: int('画像の高さ', 1),
    }),
    actions: list(imagemapAction, 'イメージマップのアクション', 0, L.imagemapActions),
    video: z
      .strictObject({
        originalContentUrl: httpsUrl('動画URL'),
        previewImageUrl: httpsUrl('プレビュー画像URL'),
        area: imagemapArea,
        externalLink: z
          .strictObject({
            linkUri: actionUri('動画後のリンク先URL'),
            label: text('動画後のリンクのラベル', 30),
          })
          .optional(),
      })
      .optional(),
    ...common,
  })
  .superRefine((m, ctx) => {
    if (m.actions.length === 0 && !m.video)
      ctx.addIssue({
        code: 'custom',
        path: ['actions'],
        message: 'イメージマップのアクションを1個以上指定してください',
      });
    const inside = (a: z.infer<typeof imagemapArea>) =>
      a.x + a.width <= m.baseSize.width && a.y + a.height <= m.baseSize.height;
    m.actions.forEach((a, i) => {
      if (!inside(a.area))
        ctx.addIssue({
          code: 'custom',
          path: ['actions', i, 'area'],
          message: '領域が画像からはみ出しています',
        });
    });
    if (m.video && !inside(m.video.area))
      ctx.addIssue({
        code: 'custom',
        path: ['video', 'area'],
        message: '動画の領域が画像からはみ出しています',
      });
  });

// ---------------------------------------------------------------------------------------------
// Templates

const imageAspectRatio = oneOf('画像の縦横比', ['rectangle', 'square']).optional();
const imageSize = oneOf('画像の表示方法', ['cover', 'contain']).optional();

const buttonsTemplate = z
  .strictObject({
    type: lit('buttons'),
    thumbnailImageUrl: httpsUrl('画像URL').optional(),
    imageAspectRatio,
    imageSize,
    imageBackgroundColor: hexColor('画像の背景色'),
    title: text('タイトル', L.buttonsTitle).optional(),
    text: text('本文', L.buttonsText),
    defaultAction: actionSchema('defaultAction').optional(),
    actions: list(actionSchema('template'), 'ボタン', 1, L.buttonsActions),
  })
  .superRefine((t, ctx) => {
    if (
      (t.thumbnailImageUrl !== undefined || t.title !== undefined) &&
      t.text.length > L.buttonsTextWithImageOrTitle
    )
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: `画像またはタイトルがあるときは本文を${n(L.buttonsTextWithImageOrTitle)}文字以内にしてください`,
      });
  });

const confirmTemplate = z.strictObject({
  type: lit('confirm'),
  text: text('本文', L.confirmText),
  actions: list(actionSchema('template'), '確認ボタン', L.confirmActions, L.confirmActions),
});

const carouselColumn = z
  .strictObject({
    thumbnailImageUrl: httpsUrl('画像URL').optional(),
    imageBackgroundColor: hexColor('画像の背景色'),
    title: text('タイトル', L.carouselTitle).optional(),
    text: text('本文', L.carouselText),
    defaultAction: actionSchema('defaultAction').optional(),
    actions: list(actionSchema('template'), 'ボタン', 1, L.carouselActions),
  })
  .superRefine((c, ctx) => {
    if (
      (c.thumbnailImageUrl !== undefined || c.title !== undefined) &&
      c.text.length > L.carouselTextWithImageOrTitle
    )
      ctx.addIssue({
        code: 'custom',
        path: ['text'],
        message: `画像またはタイトルがあるときは本文を${n(L.carouselTextWithImageOrTitle)}文字以内にしてください`,
      });
  });

const carouselTemplate = z
  .strictObject({
    type: lit('carousel'),
    columns: list(carouselColumn, 'カラム', 1, L.carouselColumns),
    imageAspectRatio,
    imageSize,
  })
  .superRefine((t, ctx) => {
    const first = t.columns[0];
    if (!first) return;
    t.columns.forEach((c, i) => {
      if (i === 0) return;
      if (c.actions.length !== first.actions.length)
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i, 'actions'],
          message: 'すべてのカラムのボタンの数をそろえてください',
        });
      if ((c.thumbnailImageUrl === undefined) !== (first.thumbnailImageUrl === undefined))
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i, 'thumbnailImageUrl'],
          message: '画像はすべてのカラムに付けるか、どのカラムにも付けないかにしてください',
        });
      if ((c.title === undefined) !== (first.title === undefined))
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i, 'title'],
          message: 'タイトルはすべてのカラムに付けるか、どのカラムにも付けないかにしてください',
        });
    });
  });

const imageCarouselTemplate = z.strictObject({
  type: lit('image_carousel'),
  columns: list(
    z.strictObject({ imageUrl: httpsUrl('画像URL'), action: actionSchema('imageCarousel') }),
    'カラム',
    1,
    L.imageCarouselColumns,
  ),
});

export const templateSchema = z.discriminatedUnion(
  'type',
  [buttonsTemplate, confirmTemplate, carouselTemplate, imageCarouselTemplate],
  { error: 'テンプレートの種類は buttons、confirm、carousel、image_carousel のいずれかにしてください' },
);

export const templateMessageSchema = z.strictObject({
  type: lit('template'),
  altText: text('代替テキスト', L.altTextLength),
  template: templateSchema,
  ...common,
});

// ---------------------------------------------------------------------------------------------
// Flex

const KEYWORDS = ['none', 'xs', 'sm', 'md', 'lg', 'xl', 'xxl'] as const;
const SIZE_KEYWORDS = ['xxs', 'xs', 'sm', 'md', 'lg', 'xl', 'xxl', '3xl', '4xl', '5xl'] as const;
const PX = /^\d+(\.\d+)?px$/;
const PCT = /^\d+(\.\d+)?%$/;

/** A Flex length: one of `keywords`, or pixels / percent where LINE allows them. */
function flexLength(label: string, keywords: readonly string[], opts: { px?: boolean; pct?: boolean } = {}) {
  const forms = [keywords.length ? keywords.join('、') : '', opts.px ? '○px' : '', opts.pct ? '○%' : '']
    .filter(Boolean)
    .join('、');
  return z
    .string()
    .refine(
      (v) => keywords.includes(v) || (!!opts.px && PX.test(v)) || (!!opts.pct && PCT.test(v)),
      `${label}は ${forms} のいずれかにしてください`,
    )
    .optional();
}

const aspectRatio = (label: string) =>
  z
    .string()
    .refine((v) => {
      const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(v);
      if (!m) return false;
      const w = Number(m[1]);
      const h = Number(m[2]);
      return w >= 1 && w <= 100000 && h >= 1 && h <= 100000 && h <= 3 * w;
    }, `${label}は「幅:高さ」（1〜100,000、高さは幅の3倍まで）にしてください`)
    .optional();

const flexInt = (label: string) => int(label, 0).optional();
const position = oneOf('配置の基準', ['relative', 'absolute']).optional();
const offsets = {
  offsetTop: flexLength('上の位置', KEYWORDS, { px: true, pct: true }),
  offsetBottom: flexLength('下の位置', KEYWORDS, { px: true, pct: true }),
  offsetStart: flexLength('左の位置', KEYWORDS, { px: true, pct: true }),
  offsetEnd: flexLength('右の位置', KEYWORDS, { px: true, pct: true }),
};
const margin = flexLength('余白', KEYWORDS, { px: true });
const gravity = oneOf('縦の配置', ['top', 'bottom', 'center']).optional();
const align = oneOf('横の配置', ['start', 'end', 'center']).optional();
const flexAction = actionSchema('flex').optional();

const flexSpan = z.strictObject({
  type: lit('span'),
  text: requiredString('スパンのテキスト'),
  size: flexLength('文字サイズ', SIZE_KEYWORDS, { px: true }),
  color: hexColor('文字色'),
  weight: oneOf('文字の太さ', ['regular', 'bold']).optional(),
  style: oneOf('文字のスタイル', ['normal', 'italic']).optional(),
  decoration: oneOf('文字の装飾', ['none', 'underline', 'line-through']).optional(),
});

const flexText = z
  .strictObject({
    type: lit('text'),
    text: z.string({ error: 'テキストは文字列にしてください' }).optional(),
    contents: z.array(flexSpan).optional(),
    flex: flexInt('伸縮比'),
    size: flexLength('文字サイズ', SIZE_KEYWORDS, { px: true }),
    align,
    gravity,
    color: hexColor('文字色'),
    weight: oneOf('文字の太さ', ['regular', 'bold']).optional(),
    style: oneOf('文字のスタイル', ['normal', 'italic']).optional(),
    decoration: oneOf('文字の装飾', ['none', 'underline', 'line-through']).optional(),
    wrap: z.boolean().optional(),
    lineSpacing: flexLength('行間', [], { px: true }),
    margin,
    position,
    ...offsets,
    action: flexAction,
    maxLines: flexInt('最大行数'),
    adjustMode: lit('shrink-to-fit').optional(),
    scaling: z.boolean().optional(),
  })
  .superRefine((t, ctx) => {
    if (!t.contents?.length && !t.text)
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'テキストを入力してください' });
  });

const flexImage = z.strictObject({
  type: lit('image'),
  url: httpsUrl('画像URL'),
  flex: flexInt('伸縮比'),
  margin,
  position,
  ...offsets,
  align,
  gravity,
  size: flexLength('画像サイズ', [...SIZE_KEYWORDS, 'full'], { px: true, pct: true }),
  aspectRatio: aspectRatio('画像の縦横比'),
  aspectMode: oneOf('画像の表示方法', ['fit', 'cover']).optional(),
  backgroundColor: hexColor('背景色'),
  action: flexAction,
  animated: z.boolean().optional(),
});

const flexButton = z.strictObject({
  type: lit('button'),
  action: actionSchema('flexButton'),
  flex: flexInt('伸縮比'),
  color: hexColor('ボタンの色'),
  style: oneOf('ボタンのスタイル', ['primary', 'secondary', 'link']).optional(),
  gravity,
  margin,
  position,
  ...offsets,
  height: oneOf('ボタンの高さ', ['md', 'sm']).optional(),
  adjustMode: lit('shrink-to-fit').optional(),
  scaling: z.boolean().optional(),
});

const flexIcon = z.strictObject({
  type: lit('icon'),
  url: httpsUrl('アイコンURL'),
  size: flexLength('アイコンサイズ', SIZE_KEYWORDS, { px: true }),
  aspectRatio: aspectRatio('アイコンの縦横比'),
  margin,
  position,
  ...offsets,
  scaling: z.boolean().optional(),
});

const flexSeparator = z.strictObject({ type: lit('separator'), margin, color: hexColor('区切り線の色') });

const flexFiller = z.strictObject({ type: lit('filler'), flex: flexInt('伸縮比') });

export type FlexSpan = z.infer<typeof flexSpan>;
export type FlexText = z.infer<typeof flexText>;
export type FlexImage = z.infer<typeof flexImage>;
export type FlexButton = z.infer<typeof flexButton>;
export type FlexIcon = z.infer<typeof flexIcon>;
export type FlexSeparator = z.infer<typeof flexSeparator>;
export type FlexFiller = z.infer<typeof flexFiller>;

const linearGradient = z.strictObject({
  type: lit('linearGradient'),
  angle: requiredString('グラデーションの角度').regex(
    /^\d+(\.\d+)?deg$/,
    'グラデーションの角度は「90deg」の形式にしてください',
  ),
  startColor: requiredString('開始色').regex(
    /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/,
    '開始色は #RRGGBB 形式の色にしてください',
  ),
  endColor: requiredString('終了色').regex(
    /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/,
    '終了色は #RRGGBB 形式の色にしてください',
  ),
  centerColor: hexColor('中間色'),
  centerPosition: flexLength('中間色の位置', [], { pct: true }),
});

const boxProps = {
  type: lit('box'),
  layout: oneOf('ボックスの向き', ['horizontal', 'vertical', 'baseline']),
  flex: flexInt('伸縮比'),
  spacing: flexLength('間隔', KEYWORDS, { px: true }),
  margin,
  position,
  ...offsets,
  backgroundColor: hexColor('背景色'),
  borderColor: hexColor('枠線の色'),
  borderWidth: flexLength('枠線の太さ', ['none', 'light', 'normal', 'medium', 'semi-bold', 'bold'], {
    px: true,
  }),
  cornerRadius: flexLength('角の丸み', KEYWORDS, { px: true }),
  width: flexLength('幅', [], { px: true, pct: true }),
  maxWidth: flexLength('最大幅', [], { px: true, pct: true }),
  height: flexLength('高さ', [], { px: true, pct: true }),
  maxHeight: flexLength('最大高さ', [], { px: true, pct: true }),
  paddingAll: flexLength('内側の余白', KEYWORDS, { px: true, pct: true }),
  paddingTop: flexLength('上の内側の余白', KEYWORDS, { px: true, pct: true }),
  paddingBottom: flexLength('下の内側の余白', KEYWORDS, { px: true, pct: true }),
  paddingStart: flexLength('左の内側の余白', KEYWORDS, { px: true, pct: true }),
  paddingEnd: flexLength('右の内側の余白', KEYWORDS, { px: true, pct: true }),
  action: flexAction,
  justifyContent: oneOf('主軸の配置', [
    'center',
    'flex-start',
    'flex-end',
    'space-between',
    'space-around',
    'space-evenly',
  ]).optional(),
  alignItems: oneOf('交差軸の配置', ['center', 'flex-start', 'flex-end']).optional(),
  background: linearGradient.optional(),
};
const flexBoxBase = z.strictObject(boxProps);

/** A Flex box: the one recursive component. */
export interface FlexBox extends z.infer<typeof flexBoxBase> {
  contents: FlexComponent[];
}
export interface FlexVideo {
  type: 'video';
  url: string;
  previewUrl: string;
  altContent: FlexBox | FlexImage;
  aspectRatio?: string;
  action?: LineAction;
}
export type FlexComponent =
  FlexBox | FlexText | FlexImage | FlexButton | FlexIcon | FlexSeparator | FlexFiller | FlexVideo;

const COMPONENT_NAMES: Record<string, string> = {
  box: 'ボックス',
  text: 'テキスト',
  image: '画像',
  button: 'ボタン',
  icon: 'アイコン',
  separator: '区切り線',
  filler: 'スペーサー',
  video: '動画',
  span: 'スパン',
};

function componentError(type: unknown): string {
  if (type === 'span') return 'スパンはテキストの contents の中でのみ使えます';
  return type === undefined
    ? 'コンポーネントの種類を指定してください'
    : 'コンポーネントの種類が正しくありません';
}

const flexBox = flexBoxBase.extend({
  contents: z.array(
    z.lazy((): z.ZodType<FlexComponent> => flexComponentSchema),
    {
      error: 'ボックスの contents を配列で指定してください',
    },
  ),
});

const flexVideo = z.strictObject({
  type: lit('video'),
  url: httpsUrl('動画URL'),
  previewUrl: httpsUrl('プレビュー画像URL'),
  altContent: z.lazy(
    (): z.ZodType<FlexBox | FlexImage> =>
      z.discriminatedUnion('type', [flexBox, flexImage], {
        error: '動画の代替コンテンツはボックスか画像にしてください',
      }) as unknown as z.ZodType<FlexBox | FlexImage>,
  ),
  aspectRatio: aspectRatio('動画の縦横比'),
  action: flexAction,
});

export const flexComponentSchema: z.ZodType<FlexComponent> = z.discriminatedUnion(
  'type',
  [flexBox, flexText, flexImage, flexButton, flexIcon, flexSeparator, flexFiller, flexVideo],
  { error: (iss) => componentError((iss.input as { type?: unknown } | undefined)?.type) },
) as unknown as z.ZodType<FlexComponent>;

const blockStyle = z
  .strictObject({
    backgroundColor: hexColor('背景色'),
    separator: z.boolean().optional(),
    separatorColor: hexColor('区切り線の色'),
  })
  .optional();

const heroSchema = z.discriminatedUnion('type', [flexBox, flexImage, flexVideo], {
  error: 'ヒーローはボックス、画像、動画のいずれかにしてください',
});

const flexBubbleBase = z.strictObject({
  type: lit('bubble'),
  size: oneOf('バブルのサイズ', ['nano', 'micro', 'deca', 'hecto', 'kilo', 'mega', 'giga']).optional(),
  direction: oneOf('文字の方向', ['ltr', 'rtl']).optional(),
  header: flexBox.optional(),
  hero: heroSchema.optional(),
  body: flexBox.optional(),
  footer: flexBox.optional(),
  styles: z
    .strictObject({ header: blockStyle, hero: blockStyle, body: blockStyle, footer: blockStyle })
    .optional(),
  action: flexAction,
});

export interface FlexBubble extends Omit<
  z.infer<typeof flexBubbleBase>,
  'header' | 'hero' | 'body' | 'footer'
> {
  header?: FlexBox;
  hero?: FlexBox | FlexImage | FlexVideo;
  body?: FlexBox;
  footer?: FlexBox;
}

const BASELINE_CHILDREN = new Set(['icon', 'text', 'filler']);
const BOX_CHILDREN = new Set(['box', 'button', 'image', 'text', 'separator', 'filler']);

type Path = (string | number)[];
interface Ctx {
  addIssue(i: { code: 'custom'; path: Path; message: string }): void;
}

/** Rules the component schemas cannot see alone: what a box may contain, where video goes. */
function checkBoxTree(box: FlexBox, path: Path, ctx: Ctx, counters: { animated: number }): void {
  box.contents.forEach((c, i) => {
    const p = [...path, 'contents', i];
    const allowed = box.layout === 'baseline' ? BASELINE_CHILDREN : BOX_CHILDREN;
    if (!allowed.has(c.type)) {
      const name = COMPONENT_NAMES[c.type] ?? c.type;
      const message =
        c.type === 'video'
          ? '動画はバブルのヒーローにだけ置けます'
          : c.type === 'icon'
            ? 'アイコンは baseline のボックスにだけ置けます'
            : `baseline のボックスに${name}は置けません（アイコン、テキスト、スペーサーのみ）`;
      ctx.addIssue({ code: 'custom', path: [...p, 'type'], message });
    }
    if (c.type === 'image' && c.animated) counters.animated += 1;
    if (c.type === 'box') checkBoxTree(c, p, ctx, counters);
  });
}

function checkBubble(b: FlexBubble, path: Path, ctx: Ctx, counters: { animated: number }): void {
  for (const part of ['header', 'body', 'footer'] as const) {
    const box = b[part];
    if (box) checkBoxTree(box, [...path, part], ctx, counters);
  }
  const hero = b.hero;
  if (hero?.type === 'box') checkBoxTree(hero, [...path, 'hero'], ctx, counters);
  if (hero?.type === 'image' && hero.animated) counters.animated += 1;
  if (hero?.type === 'video') {
    if (!['kilo', 'mega', 'giga'].includes(b.size ?? 'mega'))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'size'],
        message: '動画を使うバブルのサイズは kilo、mega、giga のいずれかにしてください',
      });
    if (hero.altContent.type === 'box')
      checkBoxTree(hero.altContent, [...path, 'hero', 'altContent'], ctx, counters);
  }
}

/** UTF-8 size of the JSON LINE receives, in bytes. */
export function jsonBytes(v: unknown): number {
  return new TextEncoder().encode(JSON.stringify(v)).length;
}

const flexBubble = flexBubbleBase.superRefine((b, ctx) => {
  checkBubble(b as FlexBubble, [], ctx, { animated: 0 });
});

const flexCarousel = z.strictObject({
  type: lit('carousel'),
  contents: list(flexBubble, 'バブル', 1, L.flexCarouselBubbles),
});

export type FlexCarousel = { type: 'carousel'; contents: FlexBubble[] };
export type FlexContainer = FlexBubble | FlexCarousel;

export const flexContainerSchema = z
  .discriminatedUnion('type', [flexBubble, flexCarousel], {
    error: 'Flexメッセージの中身はバブルかカルーセルにしてください',
  })
  .superRefine((c, ctx) => {
    const bubbles = (c.type === 'bubble' ? [c] : c.contents) as FlexBubble[];
    const counters = { animated: 0 };
    for (const b of bubbles) checkBubble(b, [], { addIssue: () => undefined }, counters);
    if (counters.animated > L.flexAnimatedImages)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `アニメーション画像は1つのメッセージに${n(L.flexAnimatedImages)}個までにしてください`,
      });
    if (c.type === 'carousel') {
      if (jsonBytes(c) > L.flexCarouselBytes)
        ctx.addIssue({ code: 'custom', path: [], message: 'カルーセル全体が大きすぎます（50KBまで）' });
      c.contents.forEach((b, i) => {
        if (jsonBytes(b) > L.flexBubbleBytes)
          ctx.addIssue({
            code: 'custom',
            path: ['contents', i],
            message: 'バブルが大きすぎます（30KBまで）',
          });
      });
    } else if (jsonBytes(c) > L.flexBubbleBytes) {
      ctx.addIssue({ code: 'custom', path: [], message: 'バブルが大きすぎます（30KBまで）' });
    }
  }) as unknown as z.ZodType<FlexContainer>;

export const flexMessageSchema = z.strictObject({
  type: lit('flex'),
  altText: text('代替テキスト', L.altTextLength),
  contents: flexContainerSchema,
  ...common,
});

// ---------------------------------------------------------------------------------------------
// Messages

const MESSAGE_TYPES = [
  'text',
  'sticker',
  'image',
  'video',
  'audio',
  'location',
  'imagemap',
  'template',
  'flex',
];

export const messageSchema = z.discriminatedUnion(
  'type',
  [
    textMessageSchema,
    stickerMessageSchema,
    imageMessageSchema,
    videoMessageSchema,
    audioMessageSchema,
    locationMessageSchema,
    imagemapMessageSchema,
    templateMessageSchema,
    flexMessageSchema,
  ],
  {
    error: (iss) => {
      const t = (iss.input as { type?: unknown } | undefined)?.type;
      return t === undefined
        ? 'メッセージの種類を指定してください'
        : `メッセージの種類は ${MESSAGE_TYPES.join('、')} のいずれかにしてください`;
    },
  },
);

/** What one request carries: 1 to 5 message objects. */
export const messagesSchema = list(messageSchema, 'メッセージ', 1, L.messagesPerRequest);

export type TextMessage = z.infer<typeof textMessageSchema>;
export type StickerMessage = z.infer<typeof stickerMessageSchema>;
export type ImageMessage = z.infer<typeof imageMessageSchema>;
export type VideoMessage = z.infer<typeof videoMessageSchema>;
export type AudioMessage = z.infer<typeof audioMessageSchema>;
export type LocationMessage = z.infer<typeof locationMessageSchema>;
export type ImagemapMessage = z.infer<typeof imagemapMessageSchema>;
export type TemplateMessage = z.infer<typeof templateMessageSchema>;
export type FlexMessage = z.infer<typeof flexMessageSchema>;
export type LineMessage = z.infer<typeof messageSchema>;
export type QuickReply = z.infer<typeof quickReplySchema>;
export type Sender = z.infer<typeof senderSchema>;

// ---------------------------------------------------------------------------------------------
// Validation entry point with Japanese fallbacks

export interface MessageIssue {
  /** Dot path from the messages array, e.g. `0.template.actions.2.label` (house FieldError format). */
  path: string;
  message: string;
}

/** Japanese for the generic issues no schema words itself (unknown property, wrong type…). */
export const lineMessageErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'unrecognized_keys':
      return `使えない項目があります: ${iss.keys.join(', ')}`;
    case 'invalid_type':
      return iss.input === undefined ? '入力してください' : '形式が正しくありません';
    case 'invalid_union':
      return '種類が正しくありません';
    case 'invalid_value':
      return '値が正しくありません';
    case 'too_big':
      return `${n(Number(iss.maximum))}以下にしてください`;
    case 'too_small':
      return `${n(Number(iss.minimum))}以上にしてください`;
    default:
      return '入力内容が正しくありません';
  }
};

export function issuesOf(error: z.ZodError, prefix: (string | number)[] = []): MessageIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join('.'),
    message: i.message,
  }));
}

export type MessagesValidation =
  { ok: true; messages: LineMessage[] } | { ok: false; issues: MessageIssue[] };

/** Validates what one request would carry (1–5 messages); issues are in Japanese with paths. */
export function validateMessages(input: unknown): MessagesValidation {
  const r = messagesSchema.safeParse(input, { error: lineMessageErrorMap });
  return r.success ? { ok: true, messages: r.data } : { ok: false, issues: issuesOf(r.error) };
}

/** Validates a single message (editors validate one bubble or template at a time). */
export function validateMessage(
  input: unknown,
): { ok: true; message: LineMessage } | { ok: false; issues: MessageIssue[] } {
  const r = messageSchema.safeParse(input, { error: lineMessageErrorMap });
  return r.success ? { ok: true, message: r.data } : { ok: false, issues: issuesOf(r.error) };
}
