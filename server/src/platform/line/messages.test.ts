import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  LINE_LIMITS,
  actionSchema,
  jsonBytes,
  messageSchema,
  richMenuActionSchema,
  validateMessage,
  validateMessages,
  type MessageIssue,
} from './messages.js';

// ---------------------------------------------------------------------------------------------
// Helpers

type Json = Record<string, unknown>;

function issues(input: unknown): MessageIssue[] {
  const r = validateMessage(input);
  return r.ok ? [] : r.issues;
}

function expectOk(input: unknown): void {
  expect(issues(input)).toEqual([]);
}

function expectRefused(input: unknown, path: string, message?: string | RegExp): void {
  const found = issues(input);
  const at = found.filter((i) => i.path === path);
  expect(at, `expected an issue at ${path}, got ${JSON.stringify(found)}`).not.toEqual([]);
  if (message) expect(at.map((i) => i.message).join('\n')).toMatch(message);
}

const URL_ = 'https://example.com/a.png';
const text = (t: string, extra: Json = {}) => ({ type: 'text', text: t, ...extra });
const msgAction = (label = 'はい', t = 'yes') => ({ type: 'message', label, text: t });
const postback = (extra: Json = {}) => ({ type: 'postback', label: '申し込む', data: 'a=1', ...extra });
const buttons = (tpl: Json) => ({
  type: 'template',
  altText: 'お知らせ',
  template: { type: 'buttons', text: '選んでください', actions: [msgAction()], ...tpl },
});
const column = (extra: Json = {}) => ({ text: '説明', actions: [msgAction()], ...extra });
const carousel = (columns: Json[]) => ({
  type: 'template',
  altText: 'お知らせ',
  template: { type: 'carousel', columns },
});
const bubble = (contents: Json[], extra: Json = {}) => ({
  type: 'bubble',
  body: { type: 'box', layout: 'vertical', contents },
  ...extra,
});
const flex = (contents: Json) => ({ type: 'flex', altText: 'お知らせ', contents });
const withAction = (action: Json) => buttons({ actions: [action] });
const str = (n: number, c = 'あ') => c.repeat(n);

// ---------------------------------------------------------------------------------------------
// Official examples: LINE's reference examples, also checked against the official OpenAPI file

/**
 * The OpenAPI file (specs/line-openapi, copied into the emulator as well) carries schemas but no
 * message examples; the examples below are the ones of LINE's Messaging API reference, and each
 * is first checked against the OpenAPI schemas by a small validator, so they are known to be
 * valid by the official contract before ours must accept them.
 */
const here = dirname(fileURLToPath(import.meta.url));
const specCandidates = [
  process.env.LINE_OPENAPI_DIR && resolve(process.env.LINE_OPENAPI_DIR, 'messaging-api.yml'),
  resolve(here, '../../../../../shared/specs/line-openapi/messaging-api.yml'),
  resolve(here, '../../../../emulators/line/openapi/messaging-api.yml'),
].filter((p): p is string => !!p);
const specPath = specCandidates.find((p) => existsSync(p));

interface OaSchema {
  $ref?: string;
  allOf?: OaSchema[];
  discriminator?: { propertyName: string; mapping: Record<string, string> };
  properties?: Record<string, OaSchema>;
  required?: string[];
  type?: string;
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  items?: OaSchema;
}

function openApiChecker(spec: { components: { schemas: Record<string, OaSchema> } }) {
  const deref = (s: OaSchema): OaSchema => (s.$ref ? spec.components.schemas[s.$ref.split('/').pop()!]! : s);
  const flatten = (s0: OaSchema): OaSchema => {
    const s = deref(s0);
    const out: OaSchema = { ...s, properties: { ...s.properties }, required: [...(s.required ?? [])] };
    for (const part of s.allOf ?? []) {
      const f = flatten(part);
      Object.assign(out.properties!, f.properties);
      out.required!.push(...(f.required ?? []));
      out.type ??= f.type;
    }
    return out;
  };
  const check = (s0: OaSchema, v: unknown, path: string, errs: string[]): void => {
    const s = deref(s0);
    if (s.discriminator && v && typeof v === 'object') {
      const key = (v as Json)[s.discriminator.propertyName];
      const target = s.discriminator.mapping[String(key)];
      if (!target) return void errs.push(`${path}: unknown ${s.discriminator.propertyName} ${String(key)}`);
      return checkFlat(flatten({ $ref: target }), v, path, errs);
    }
    checkFlat(flatten(s), v, path, errs);
  };
  const checkFlat = (f: OaSchema, v: unknown, path: string, errs: string[]): void => {
    if (f.enum && !f.enum.includes(v)) errs.push(`${path}: not in enum`);
    if (f.type === 'string') {
      if (typeof v !== 'string') return void errs.push(`${path}: not a string`);
      if (f.maxLength !== undefined && v.length > f.maxLength) errs.push(`${path}: too long`);
      if (f.minLength !== undefined && v.length < f.minLength) errs.push(`${path}: too short`);
    } else if (f.type === 'integer' || f.type === 'number') {
      if (typeof v !== 'number') errs.push(`${path}: not a number`);
    } else if (f.type === 'boolean') {
      if (typeof v !== 'boolean') errs.push(`${path}: not a boolean`);
    } else if (f.type === 'array') {
      if (!Array.isArray(v)) return void errs.push(`${path}: not an array`);
      if (f.maxItems !== undefined && v.length > f.maxItems) errs.push(`${path}: too many items`);
      v.forEach((item, i) => check(f.items!, item, `${path}[${i}]`, errs));
    } else if (f.properties && Object.keys(f.properties).length) {
      if (!v || typeof v !== 'object') return void errs.push(`${path}: not an object`);
      for (const r of f.required ?? []) if (!(r in v)) errs.push(`${path}.${r}: required`);
      for (const [k, val] of Object.entries(v)) {
        const p = f.properties[k];
        if (!p) errs.push(`${path}.${k}: not defined by the OpenAPI schema`);
        else check(p, val, `${path}.${k}`, errs);
      }
    }
  };
  return (value: unknown): string[] => {
    const errs: string[] = [];
    check({ $ref: '#/components/schemas/Message' }, value, 'message', errs);
    return errs;
  };
}

const EMOJI_PRODUCT = '5ac1bfd5040ab15980c9b435';

const officialExamples: Record<string, Json> = {
  text: { type: 'text', text: 'Hello, world' },
  'text with LINE emoji': {
    type: 'text',
    text: '$ LINE emoji $',
    emojis: [
      { index: 0, productId: EMOJI_PRODUCT, emojiId: '001' },
      { index: 13, productId: EMOJI_PRODUCT, emojiId: '002' },
    ],
  },
  sticker: { type: 'sticker', packageId: '446', stickerId: '1988' },
  image: {
    type: 'image',
    originalContentUrl: 'https://example.com/original.jpg',
    previewImageUrl: 'https://example.com/preview.jpg',
  },
  video: {
    type: 'video',
    originalContentUrl: 'https://example.com/original.mp4',
    previewImageUrl: 'https://example.com/preview.jpg',
    trackingId: 'track-id',
  },
  audio: { type: 'audio', originalContentUrl: 'https://example.com/original.m4a', duration: 60000 },
  location: {
    type: 'location',
    title: 'my location',
    address: '1-3 Kioicho, Chiyoda-ku, Tokyo, 102-8282, Japan',
    latitude: 35.67966,
    longitude: 139.73669,
  },
  imagemap: {
    type: 'imagemap',
    baseUrl: 'https://example.com/bot/images/rm001',
    altText: 'This is an imagemap',
    baseSize: { width: 1040, height: 1040 },
    video: {
      originalContentUrl: 'https://example.com/video.mp4',
      previewImageUrl: 'https://example.com/video_preview.jpg',
      area: { x: 0, y: 0, width: 1040, height: 585 },
      externalLink: { linkUri: 'https://example.com/see_more.html', label: 'See More' },
    },
    actions: [
      { type: 'uri', linkUri: 'https://example.com/', area: { x: 0, y: 586, width: 520, height: 454 } },
      { type: 'message', text: 'Hello', area: { x: 520, y: 586, width: 520, height: 454 } },
    ],
  },
  buttons: {
    type: 'template',
    altText: 'This is a buttons template',
    template: {
      type: 'buttons',
      thumbnailImageUrl: 'https://example.com/bot/images/image.jpg',
      imageAspectRatio: 'rectangle',
      imageSize: 'cover',
      imageBackgroundColor: '#FFFFFF',
      title: 'Menu',
      text: 'Please select',
      defaultAction: { type: 'uri', label: 'View detail', uri: 'http://example.com/page/123' },
      actions: [
        { type: 'postback', label: 'Buy', data: 'action=buy&itemid=123' },
        { type: 'postback', label: 'Add to cart', data: 'action=add&itemid=123' },
        { type: 'uri', label: 'View detail', uri: 'http://example.com/page/123' },
      ],
    },
  },
  confirm: {
    type: 'template',
    altText: 'this is a confirm template',
    template: {
      type: 'confirm',
      text: 'Are you sure?',
      actions: [
        { type: 'message', label: 'Yes', text: 'yes' },
        { type: 'message', label: 'No', text: 'no' },
      ],
    },
  },
  carousel: {
    type: 'template',
    altText: 'this is a carousel template',
    template: {
      type: 'carousel',
      columns: [1, 2].map((i) => ({
        thumbnailImageUrl: `https://example.com/bot/images/item${i}.jpg`,
        imageBackgroundColor: '#FFFFFF',
        title: 'this is menu',
        text: 'description',
        defaultAction: { type: 'uri', label: 'View detail', uri: `http://example.com/page/${i}` },
        actions: [
          { type: 'postback', label: 'Buy', data: `action=buy&itemid=${i}` },
          { type: 'postback', label: 'Add to cart', data: `action=add&itemid=${i}` },
          { type: 'uri', label: 'View detail', uri: `http://example.com/page/${i}` },
        ],
      })),
      imageAspectRatio: 'rectangle',
      imageSize: 'cover',
    },
  },
  image_carousel: {
    type: 'template',
    altText: 'this is a image carousel template',
    template: {
      type: 'image_carousel',
      columns: [
        {
          imageUrl: 'https://example.com/bot/images/item1.jpg',
          action: { type: 'postback', label: 'Buy', data: 'action=buy&itemid=111' },
        },
        {
          imageUrl: 'https://example.com/bot/images/item2.jpg',
          action: { type: 'message', label: 'Yes', text: 'yes' },
        },
        {
          imageUrl: 'https://example.com/bot/images/item3.jpg',
          action: { type: 'uri', label: 'View detail', uri: 'http://example.com/page/222' },
        },
      ],
    },
  },
  'flex bubble': {
    type: 'flex',
    altText: 'this is a flex message',
    contents: {
      type: 'bubble',
      body: {
        type: 'box',
        layout: 'horizontal',
        contents: [
          { type: 'text', text: 'Hello,' },
          { type: 'text', text: 'World!' },
        ],
      },
    },
  },
  'flex restaurant': {
    type: 'flex',
    altText: 'Brown Cafe',
    contents: {
      type: 'bubble',
      hero: {
        type: 'image',
        url: 'https://example.com/01_1_cafe.png',
        size: 'full',
        aspectRatio: '20:13',
        aspectMode: 'cover',
        action: { type: 'uri', uri: 'https://line.me/' },
      },
      body: {
        type: 'box',
        layout: 'vertical',
        contents: [
          { type: 'text', text: 'Brown Cafe', weight: 'bold', size: 'xl' },
          {
            type: 'box',
            layout: 'baseline',
            margin: 'md',
            contents: [
              { type: 'icon', size: 'sm', url: 'https://example.com/review_gold_star_28.png' },
              { type: 'text', text: '4.0', size: 'sm', color: '#999999', margin: 'md', flex: 0 },
            ],
          },
          {
            type: 'box',
            layout: 'vertical',
            margin: 'lg',
            spacing: 'sm',
            contents: [
              {
                type: 'box',
                layout: 'baseline',
                spacing: 'sm',
                contents: [
                  { type: 'text', text: 'Place', color: '#aaaaaa', size: 'sm', flex: 1 },
                  {
                    type: 'text',
                    text: 'Miraina Tower, 4-1-6 Shinjuku, Tokyo',
                    wrap: true,
                    color: '#666666',
                    size: 'sm',
                    flex: 5,
                  },
                ],
              },
            ],
          },
          { type: 'separator', margin: 'xxl' },
          {
            type: 'text',
            contents: [
              { type: 'span', text: 'Hello, ', weight: 'bold' },
              { type: 'span', text: 'world', color: '#ff0000', decoration: 'underline' },
            ],
          },
        ],
      },
      footer: {
        type: 'box',
        layout: 'vertical',
        spacing: 'sm',
        contents: [
          {
            type: 'button',
            style: 'link',
            height: 'sm',
            action: { type: 'uri', label: 'CALL', uri: 'https://line.me/' },
          },
          {
            type: 'button',
            style: 'link',
            height: 'sm',
            action: { type: 'uri', label: 'WEBSITE', uri: 'https://line.me/' },
          },
          { type: 'filler' },
        ],
        flex: 0,
      },
    },
  },
  'flex carousel': {
    type: 'flex',
    altText: 'carousel',
    contents: {
      type: 'carousel',
      contents: [
        {
          type: 'bubble',
          body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: 'First bubble' }] },
        },
        {
          type: 'bubble',
          body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: 'Second bubble' }] },
        },
      ],
    },
  },
  'flex video': {
    type: 'flex',
    altText: 'video',
    contents: {
      type: 'bubble',
      size: 'mega',
      hero: {
        type: 'video',
        url: 'https://example.com/video.mp4',
        previewUrl: 'https://example.com/video_preview.jpg',
        altContent: { type: 'image', size: 'full', aspectRatio: '20:13', aspectMode: 'cover', url: URL_ },
        aspectRatio: '20:13',
      },
    },
  },
  'quick reply': {
    type: 'text',
    text: 'Select your favorite food category or send me your location!',
    quickReply: {
      items: [
        {
          type: 'action',
          imageUrl: 'https://example.com/sushi.png',
          action: { type: 'message', label: 'Sushi', text: 'Sushi' },
        },
        { type: 'action', action: { type: 'location', label: 'Send location' } },
        { type: 'action', action: { type: 'camera', label: 'Camera' } },
        { type: 'action', action: { type: 'cameraRoll', label: 'Camera roll' } },
        {
          type: 'action',
          action: {
            type: 'datetimepicker',
            label: 'Select date',
            data: 'storeId=12345',
            mode: 'datetime',
            initial: '2017-12-25t00:00',
            max: '2018-01-24t23:59',
            min: '2017-12-25t00:00',
          },
        },
        { type: 'action', action: { type: 'clipboard', label: 'Copy', clipboardText: '3B48740B' } },
      ],
    },
    sender: { name: 'Cony', iconUrl: 'https://example.com/original.jpg' },
  },
};

describe('official examples', () => {
  it('finds the official OpenAPI file', () => {
    expect(specPath, `none of ${specCandidates.join(', ')}`).toBeDefined();
  });

  const check = specPath ? openApiChecker(parse(readFileSync(specPath, 'utf8'))) : () => ['no spec'];

  for (const [name, example] of Object.entries(officialExamples)) {
    it(`${name}: valid by the OpenAPI schemas and accepted`, () => {
      expect(check(example)).toEqual([]);
      expectOk(example);
    });
  }

  it('the OpenAPI checker does refuse what the contract refuses (sanity)', () => {
    expect(check({ type: 'text', text: 'x', colour: 'red' })).not.toEqual([]);
    expect(check({ type: 'template', altText: 'x', template: { type: 'buttons', actions: [] } })).not.toEqual(
      [],
    );
  });

  it('a request of all five kinds at once is accepted', () => {
    const five = ['text', 'sticker', 'image', 'buttons', 'flex bubble'].map((k) => officialExamples[k]);
    expect(validateMessages(five)).toMatchObject({ ok: true });
  });
});

// ---------------------------------------------------------------------------------------------
// Limits at the edge

describe('messages per request', () => {
  it('takes 1 to 5 messages', () => {
    expect(validateMessages([text('a')]).ok).toBe(true);
    expect(validateMessages(Array.from({ length: 5 }, () => text('a'))).ok).toBe(true);
    expect(validateMessages([])).toEqual({
      ok: false,
      issues: [{ path: '', message: 'メッセージを1個以上指定してください' }],
    });
    expect(validateMessages(Array.from({ length: 6 }, () => text('a')))).toEqual({
      ok: false,
      issues: [{ path: '', message: 'メッセージは5個までにしてください' }],
    });
  });

  it('names the failing message by its index', () => {
    const r = validateMessages([text('a'), text(str(5001))]);
    expect(r).toEqual({
      ok: false,
      issues: [{ path: '1.text', message: 'テキストは5,000文字以内にしてください' }],
    });
  });

  it('refuses unknown message types and properties in Japanese', () => {
    expectRefused({ type: 'textV2', text: 'x' }, 'type', /メッセージの種類は/);
    expectRefused({ type: 'text', text: 'x', colour: 'red' }, '', '使えない項目があります: colour');
    expectRefused({ type: 'text' }, 'text', 'テキストを入力してください');
  });
});

describe('text', () => {
  it('is at most 5,000 UTF-16 units', () => {
    expectOk(text(str(5000)));
    expectRefused(text(str(5001)), 'text', 'テキストは5,000文字以内にしてください');
    // A character outside the BMP counts twice, as LINE counts it.
    expectOk(text(str(4998) + '😀'));
    expectRefused(text(str(4999) + '😀'), 'text');
    expectRefused(text(''), 'text', 'テキストを入力してください');
  });

  const emoji = (index: number) => ({ index, productId: EMOJI_PRODUCT, emojiId: '001' });

  it('has at most 20 LINE emoji, each at a $', () => {
    expectOk(text('$'.repeat(20), { emojis: Array.from({ length: 20 }, (_, i) => emoji(i)) }));
    expectRefused(
      text('$'.repeat(21), { emojis: Array.from({ length: 21 }, (_, i) => emoji(i)) }),
      'emojis',
      'LINE絵文字は20個までにしてください',
    );
    expectRefused(text('a$', { emojis: [emoji(0)] }), 'emojis.0.index', '「$」を指していません');
    expectRefused(text('a$', { emojis: [emoji(2)] }), 'emojis.0.index');
    expectRefused(text('$', { emojis: [emoji(0), emoji(0)] }), 'emojis.1.index');
    expectRefused(
      text('$', { emojis: [{ index: 0, productId: 'x', emojiId: '001' }] }),
      'emojis.0.productId',
    );
  });
});

describe('image and media URLs', () => {
  const image = (u: string) => ({ type: 'image', originalContentUrl: u, previewImageUrl: URL_ });
  const longUrl = (len: number) => 'https://example.com/' + 'a'.repeat(len - 'https://example.com/'.length);

  it('are HTTPS and at most 2,000 characters', () => {
    expectOk(image(longUrl(2000)));
    expectRefused(image(longUrl(2001)), 'originalContentUrl', '画像URLは2,000文字以内にしてください');
    expectRefused(image('http://example.com/a.png'), 'originalContentUrl', 'https:// で始まるURL');
    expectRefused(image('https://example.com/画像.png'), 'originalContentUrl', 'URLエンコード');
    expectRefused(image('not a url'), 'originalContentUrl');
  });
});

describe('imagemap', () => {
  const area = (x = 0, y = 0, w = 10, h = 10) => ({ x, y, width: w, height: h });
  const imagemap = (extra: Json = {}) => ({
    type: 'imagemap',
    baseUrl: 'https://example.com/rm',
    altText: 'イメージマップ',
    baseSize: { width: 1040, height: 1040 },
    actions: [{ type: 'message', text: 'a', area: area() }],
    ...extra,
  });

  it('has base width 1040, alt text ≤1,500, 1–50 actions inside the image', () => {
    expectOk(imagemap());
    expectRefused(imagemap({ baseSize: { width: 1041, height: 1040 } }), 'baseSize.width', '1,040');
    expectOk(imagemap({ altText: str(1500) }));
    expectRefused(imagemap({ altText: str(1501) }), 'altText', '代替テキストは1,500文字以内にしてください');
    const actions = (k: number) =>
      Array.from({ length: k }, () => ({ type: 'uri', linkUri: 'https://a.jp', area: area() }));
    expectOk(imagemap({ actions: actions(50) }));
    expectRefused(imagemap({ actions: actions(51) }), 'actions', '50個まで');
    expectRefused(imagemap({ actions: [] }), 'actions', '1個以上');
    expectOk(imagemap({ actions: [{ type: 'message', text: 'a', area: area(1030, 1030, 10, 10) }] }));
    expectRefused(
      imagemap({ actions: [{ type: 'message', text: 'a', area: area(1031, 0, 10, 10) }] }),
      'actions.0.area',
      'はみ出して',
    );
    expectRefused(
      imagemap({ actions: [{ type: 'postback', data: 'x', area: area() }] }),
      'actions.0.type',
      'uri、message、clipboard',
    );
  });
});

describe('buttons template', () => {
  it('title ≤40, text ≤160 (≤60 with image or title), 1–4 actions, alt text ≤1,500', () => {
    expectOk(buttons({ title: str(40), text: str(60) }));
    expectRefused(buttons({ title: str(41) }), 'template.title', 'タイトルは40文字以内にしてください');
    expectOk(buttons({ text: str(160) }));
    expectRefused(buttons({ text: str(161) }), 'template.text', '本文は160文字以内にしてください');
    expectRefused(buttons({ title: 't', text: str(61) }), 'template.text', '60文字以内');
    expectRefused(buttons({ thumbnailImageUrl: URL_, text: str(61) }), 'template.text', '60文字以内');
    expectOk(buttons({ actions: Array.from({ length: 4 }, () => msgAction()) }));
    expectRefused(
      buttons({ actions: Array.from({ length: 5 }, () => msgAction()) }),
      'template.actions',
      '4個まで',
    );
    expectRefused(buttons({ actions: [] }), 'template.actions');
    expectOk({ ...buttons({}), altText: str(1500) });
    expectRefused({ ...buttons({}), altText: str(1501) }, 'altText');
  });
});

describe('confirm template', () => {
  const confirm = (t: string, actions: Json[]) => ({
    type: 'template',
    altText: '確認',
    template: { type: 'confirm', text: t, actions },
  });
  it('text ≤240 and exactly 2 actions', () => {
    expectOk(confirm(str(240), [msgAction(), msgAction('いいえ', 'no')]));
    expectRefused(confirm(str(241), [msgAction(), msgAction()]), 'template.text', '240文字以内');
    expectRefused(confirm('a', [msgAction()]), 'template.actions', 'ちょうど2個');
    expectRefused(confirm('a', [msgAction(), msgAction(), msgAction()]), 'template.actions', 'ちょうど2個');
  });
});

describe('carousel template', () => {
  it('has 1–10 columns of 1–3 actions', () => {
    expectOk(carousel(Array.from({ length: 10 }, () => column())));
    expectRefused(carousel(Array.from({ length: 11 }, () => column())), 'template.columns', '10個まで');
    const acts = (k: number) => Array.from({ length: k }, () => msgAction());
    expectOk(carousel([column({ actions: acts(3) })]));
    expectRefused(carousel([column({ actions: acts(4) })]), 'template.columns.0.actions', '3個まで');
  });

  it('text ≤120, ≤60 with image or title; title ≤40', () => {
    expectOk(carousel([column({ text: str(120) })]));
    expectRefused(carousel([column({ text: str(121) })]), 'template.columns.0.text', '120文字以内');
    expectOk(carousel([column({ title: str(40), text: str(60) })]));
    expectRefused(carousel([column({ title: 't', text: str(61) })]), 'template.columns.0.text', '60文字以内');
    expectRefused(carousel([column({ title: str(41) })]), 'template.columns.0.title', '40文字以内');
  });

  it('has columns alike: same number of actions, image and title in all or none', () => {
    expectRefused(
      carousel([column(), column({ actions: [msgAction(), msgAction()] })]),
      'template.columns.1.actions',
      'ボタンの数をそろえて',
    );
    expectRefused(carousel([column({ title: 'a' }), column()]), 'template.columns.1.title');
    expectRefused(
      carousel([column(), column({ thumbnailImageUrl: URL_ })]),
      'template.columns.1.thumbnailImageUrl',
    );
    expectOk(
      carousel([
        column({ title: 'a', thumbnailImageUrl: URL_ }),
        column({ title: 'b', thumbnailImageUrl: URL_ }),
      ]),
    );
  });
});

describe('image carousel template', () => {
  const imageCarousel = (k: number, lbl = 'ラベル') => ({
    type: 'template',
    altText: '画像',
    template: {
      type: 'image_carousel',
      columns: Array.from({ length: k }, () => ({ imageUrl: URL_, action: msgAction(lbl) })),
    },
  });
  it('has 1–10 columns with labels ≤12', () => {
    expectOk(imageCarousel(10));
    expectRefused(imageCarousel(11), 'template.columns', '10個まで');
    expectOk(imageCarousel(1, str(12)));
    expectRefused(imageCarousel(1, str(13)), 'template.columns.0.action.label', '12文字以内');
  });
});

describe('flex', () => {
  const textComponent = (t: string) => ({ type: 'text', text: t });

  /** A bubble whose JSON is exactly `bytes` long (ASCII padding in one text). */
  function bubbleOfBytes(bytes: number): Json {
    const base = jsonBytes(bubble([textComponent('')]));
    return bubble([textComponent('a'.repeat(bytes - base))]);
  }

  it('a bubble is at most 30,000 bytes of JSON', () => {
    const b = bubbleOfBytes(30_000);
    expect(jsonBytes(b)).toBe(30_000);
    expectOk(flex(b));
    expectRefused(flex(bubbleOfBytes(30_001)), 'contents', '30KB');
  });

  it('counts bytes, not characters (UTF-8)', () => {
    const base = jsonBytes(bubble([textComponent('')]));
    // 'あ' is 3 bytes: one over when the padding would fit in characters.
    const n = Math.floor((30_000 - base) / 3) + 1;
    expectRefused(flex(bubble([textComponent(str(n))])), 'contents');
    expectOk(flex(bubble([textComponent(str(n - 1))])));
  });

  it('a carousel has 1–12 bubbles and at most 50,000 bytes', () => {
    const small = bubble([textComponent('a')]);
    expectOk(flex({ type: 'carousel', contents: Array.from({ length: 12 }, () => small) }));
    expectRefused(
      flex({ type: 'carousel', contents: Array.from({ length: 13 }, () => small) }),
      'contents.contents',
      '12個まで',
    );
    expectRefused(flex({ type: 'carousel', contents: [] }), 'contents.contents');

    const carouselOf = (total: number) => {
      const first = bubbleOfBytes(25_000);
      const empty = { type: 'carousel', contents: [first, bubble([textComponent('')])] };
      const pad = total - jsonBytes(empty);
      return { type: 'carousel', contents: [first, bubble([textComponent('a'.repeat(pad))])] };
    };
    expect(jsonBytes(carouselOf(50_000))).toBe(50_000);
    expectOk(flex(carouselOf(50_000)));
    expectRefused(flex(carouselOf(50_001)), 'contents', '50KB');
    // Each bubble of a carousel still obeys the bubble limit.
    expectRefused(
      flex({ type: 'carousel', contents: [bubbleOfBytes(30_001)] }),
      'contents.contents.0',
      '30KB',
    );
  });

  it('validates the component tree', () => {
    const icon = { type: 'icon', url: URL_ };
    expectOk(flex(bubble([{ type: 'box', layout: 'baseline', contents: [icon, textComponent('a')] }])));
    expectRefused(flex(bubble([icon])), 'contents.body.contents.0.type', 'baseline のボックスにだけ');
    expectRefused(
      flex(
        bubble([{ type: 'box', layout: 'baseline', contents: [{ type: 'button', action: msgAction() }] }]),
      ),
      'contents.body.contents.0.contents.0.type',
      'baseline',
    );
    expectRefused(flex(bubble([{ type: 'span', text: 'a' }])), 'contents.body.contents.0.type', 'スパン');
    expectRefused(
      flex(
        bubble([{ type: 'video', url: URL_, previewUrl: URL_, altContent: { type: 'image', url: URL_ } }]),
      ),
      'contents.body.contents.0.type',
      'ヒーロー',
    );
    expectRefused(flex(bubble([{ type: 'chart' }])), 'contents.body.contents.0.type', 'コンポーネントの種類');
    expectRefused(flex(bubble([{ type: 'box', contents: [] }])), 'contents.body.contents.0.layout');
    expectRefused(flex(bubble([{ type: 'text' }])), 'contents.body.contents.0.text', 'テキストを入力');
    expectRefused(flex(bubble([{ type: 'image' }])), 'contents.body.contents.0.url');
    expectRefused(flex(bubble([{ type: 'button' }])), 'contents.body.contents.0.action');
    expectRefused(flex(bubble([{ type: 'text', text: 'a', size: 'huge' }])), 'contents.body.contents.0.size');
    expectOk(flex(bubble([{ type: 'text', text: 'a', size: '13px', color: '#112233' }])));
    expectRefused(
      flex(bubble([{ type: 'text', text: 'a', color: 'red' }])),
      'contents.body.contents.0.color',
    );
    expectRefused(
      flex(bubble([{ type: 'image', url: URL_, aspectRatio: '1:4' }])),
      'contents.body.contents.0.aspectRatio',
    );
    expectOk(flex(bubble([{ type: 'image', url: URL_, aspectRatio: '1:3', size: '50%' }])));
    expectRefused(flex({ type: 'bubble', body: { type: 'text', text: 'a' } }), 'contents.body.type');
    expectRefused(
      flex({
        type: 'bubble',
        size: 'micro',
        hero: { type: 'video', url: URL_, previewUrl: URL_, altContent: { type: 'image', url: URL_ } },
      }),
      'contents.size',
      'kilo',
    );
    // Deeply nested boxes are checked too.
    const deep = {
      type: 'box',
      layout: 'vertical',
      contents: [{ type: 'box', layout: 'horizontal', contents: [icon] }],
    };
    expectRefused(flex(bubble([deep])), 'contents.body.contents.0.contents.0.contents.0.type');
  });

  it('flex button labels ≤40 and required; other flex action labels optional', () => {
    const button = (lbl?: string) =>
      flex(bubble([{ type: 'button', action: { type: 'uri', uri: 'https://a.jp', label: lbl } }]));
    expectOk(button(str(40)));
    expectRefused(button(str(41)), 'contents.body.contents.0.action.label', '40文字以内');
    expectRefused(
      flex(bubble([{ type: 'button', action: { type: 'uri', uri: 'https://a.jp' } }])),
      'contents.body.contents.0.action.label',
      'ラベルを入力',
    );
    expectOk(flex(bubble([{ type: 'image', url: URL_, action: { type: 'uri', uri: 'https://a.jp' } }])));
  });

  it('at most 10 animated images per message', () => {
    const anim = { type: 'image', url: URL_, animated: true };
    expectOk(flex(bubble(Array.from({ length: 10 }, () => anim))));
    expectRefused(flex(bubble(Array.from({ length: 11 }, () => anim))), 'contents', '10個まで');
  });
});

describe('quick reply and sender', () => {
  const item = (action: Json = msgAction()) => ({ type: 'action', action });
  it('has 1–13 items', () => {
    expectOk(text('a', { quickReply: { items: Array.from({ length: 13 }, () => item()) } }));
    expectRefused(
      text('a', { quickReply: { items: Array.from({ length: 14 }, () => item()) } }),
      'quickReply.items',
      '13個まで',
    );
    expectRefused(text('a', { quickReply: { items: [] } }), 'quickReply.items');
  });

  it('allows camera, camera roll and location only there', () => {
    for (const type of ['camera', 'cameraRoll', 'location']) {
      expectOk(text('a', { quickReply: { items: [item({ type, label: 'カメラ' })] } }));
      expectRefused(
        withAction({ type, label: 'カメラ' }),
        'template.actions.0.type',
        'クイックリプライでのみ',
      );
    }
    expectRefused(
      text('a', { quickReply: { items: [item({ type: 'camera' })] } }),
      'quickReply.items.0.action.label',
    );
  });

  it('sender name ≤20 without "LINE", icon HTTPS', () => {
    expectOk(text('a', { sender: { name: str(20) } }));
    expectRefused(
      text('a', { sender: { name: str(21) } }),
      'sender.name',
      '送信者名は20文字以内にしてください',
    );
    expectRefused(text('a', { sender: { name: 'LINE窓口' } }), 'sender.name', 'LINE');
    expectRefused(text('a', { sender: { iconUrl: 'http://a.jp/i.png' } }), 'sender.iconUrl');
  });
});

describe('actions', () => {
  it('postback data ≤300, displayText ≤300, not with text', () => {
    expectOk(withAction(postback({ data: 'd'.repeat(300), displayText: str(300) })));
    expectRefused(withAction(postback({ data: 'd'.repeat(301) })), 'template.actions.0.data', '300文字以内');
    expectRefused(
      withAction(postback({ displayText: str(301) })),
      'template.actions.0.displayText',
      '300文字以内',
    );
    expectRefused(withAction(postback({ displayText: 'a', text: 'b' })), 'template.actions.0.text', '同時に');
  });

  it('message text ≤300', () => {
    expectOk(withAction(msgAction('a', str(300))));
    expectRefused(withAction(msgAction('a', str(301))), 'template.actions.0.text', '300文字以内');
  });

  it('uri ≤1,000 with http, https, line or tel', () => {
    const uri = (u: string) => withAction({ type: 'uri', label: '開く', uri: u });
    const long = (len: number) => 'https://a.jp/' + 'a'.repeat(len - 'https://a.jp/'.length);
    expectOk(uri(long(1000)));
    expectRefused(uri(long(1001)), 'template.actions.0.uri', '1,000文字以内');
    for (const u of ['http://a.jp', 'https://a.jp', 'line://nv/location', 'tel:0312345678']) expectOk(uri(u));
    for (const u of ['javascript:alert(1)', 'ftp://a.jp/x', 'mailto:a@b.jp'])
      expectRefused(uri(u), 'template.actions.0.uri', 'tel:');
  });

  it('label ≤20 and required in templates', () => {
    expectOk(withAction(msgAction(str(20))));
    expectRefused(
      withAction(msgAction(str(21))),
      'template.actions.0.label',
      'ラベルは20文字以内にしてください',
    );
    expectRefused(withAction({ type: 'message', text: 'a' }), 'template.actions.0.label', 'ラベルを入力');
  });

  it('clipboard ≤1,000', () => {
    expectOk(withAction({ type: 'clipboard', label: 'コピー', clipboardText: 'x'.repeat(1000) }));
    expectRefused(
      withAction({ type: 'clipboard', label: 'コピー', clipboardText: 'x'.repeat(1001) }),
      'template.actions.0.clipboardText',
    );
  });

  it('datetimepicker formats follow the mode', () => {
    const dt = (extra: Json) => withAction({ type: 'datetimepicker', label: '日付', data: 'd', ...extra });
    expectOk(dt({ mode: 'date', initial: '2025-04-01', min: '2025-01-01', max: '2025-12-31' }));
    expectOk(dt({ mode: 'time', initial: '09:30' }));
    expectRefused(
      dt({ mode: 'date', initial: '2025-04-01T09:00' }),
      'template.actions.0.initial',
      '2025-04-01',
    );
    expectRefused(dt({ mode: 'time', min: '10:00', max: '09:00' }), 'template.actions.0.max');
    expectRefused(dt({ mode: 'week' }), 'template.actions.0.mode');
  });

  it('richmenuswitch only in rich menus', () => {
    const sw = { type: 'richmenuswitch', richMenuAliasId: 'tab-2', data: 'tab=2', label: 'タブ2' };
    expectRefused(withAction(sw), 'template.actions.0.type', 'リッチメニューでのみ');
    expect(richMenuActionSchema.safeParse(sw).success).toBe(true);
    expect(richMenuActionSchema.safeParse({ ...sw, richMenuAliasId: 'Tab 2' }).success).toBe(false);
    expect(actionSchema('richMenu').safeParse({ type: 'camera' }).success).toBe(false);
  });
});

describe('types', () => {
  it('parsed messages keep their shape', () => {
    const r = messageSchema.parse(officialExamples.buttons);
    expect(r).toEqual(officialExamples.buttons);
    expect(LINE_LIMITS.textLength).toBe(5000);
  });
});
