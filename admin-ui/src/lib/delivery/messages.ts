import {
  LINE_LIMITS,
  validateMessage,
  type FlexMessage,
  type ImageMessage,
  type ImagemapMessage,
  type LineMessage,
  type TemplateMessage,
  type TextMessage,
} from '@tsunagu/server/contracts';
import type { FieldError } from '#lib/api/types.ts';
import { noticeCard, toFlexContents } from './flex-card';

/**
 * The messages of a delivery as the composer edits them (DEL-6): up to five LINE message objects,
 * checked with the very model the server and the LINE gateway use (server/src/platform/line/
 * messages.ts, shared as `@tsunagu/server/contracts`), so a message the composer accepts is one
 * LINE accepts, and the Japanese errors are the server's words at the same paths.
 */

export { LINE_LIMITS };
export type { FlexMessage, ImageMessage, ImagemapMessage, LineMessage, TemplateMessage, TextMessage };

export const MAX_MESSAGES = LINE_LIMITS.messagesPerRequest;

export type MessageKind = 'text' | 'image' | 'imagemap' | 'buttons' | 'confirm' | 'carousel' | 'flex';

export const KIND_LABEL: Record<MessageKind, string> = {
  text: 'テキスト',
  image: '画像',
  imagemap: 'イメージマップ',
  buttons: 'ボタン',
  confirm: '確認（はい・いいえ）',
  carousel: 'カルーセル',
  flex: 'カード（Flex）',
};

export const KIND_HINT: Record<MessageKind, string> = {
  text: '文章とLINE絵文字',
  image: '写真やチラシの画像',
  imagemap: '画像の中の場所ごとにリンク',
  buttons: '画像・見出し・本文と最大4つのボタン',
  confirm: '質問と2つのボタン',
  carousel: '横に並ぶカード（最大10枚）',
  flex: 'お知らせカードなど自由なレイアウト',
};

export function kindOf(m: LineMessage): MessageKind | null {
  if (m.type === 'template') {
    const t = m.template.type;
    return t === 'image_carousel' ? null : t;
  }
  if (m.type === 'text' || m.type === 'image' || m.type === 'imagemap' || m.type === 'flex') return m.type;
  return null;
}

export function labelOf(m: LineMessage): string {
  const k = kindOf(m);
  return k ? KIND_LABEL[k] : m.type;
}

/** A new message of a kind, with the fields staff fill in left empty. */
export function newMessage(kind: MessageKind): LineMessage {
  switch (kind) {
    case 'text':
      return { type: 'text', text: '' };
    case 'image':
      return { type: 'image', originalContentUrl: '', previewImageUrl: '' };
    case 'imagemap':
      return {
        type: 'imagemap',
        baseUrl: '',
        altText: '',
        baseSize: { width: 1040, height: 1040 },
        actions: [],
      } as ImagemapMessage;
    case 'buttons':
      return {
        type: 'template',
        altText: '',
        template: {
          type: 'buttons',
          title: '',
          text: '',
          actions: [{ type: 'uri', label: '詳しく見る', uri: '' }],
        },
      } as TemplateMessage;
    case 'confirm':
      return {
        type: 'template',
        altText: '',
        template: {
          type: 'confirm',
          text: '',
          actions: [
            { type: 'message', label: 'はい', text: 'はい' },
            { type: 'message', label: 'いいえ', text: 'いいえ' },
          ],
        },
      } as TemplateMessage;
    case 'carousel':
      return {
        type: 'template',
        altText: '',
        template: {
          type: 'carousel',
          columns: [1, 2].map(() => ({
            title: '',
            text: '',
            actions: [{ type: 'uri' as const, label: '詳しく見る', uri: '' }],
          })),
        },
      } as TemplateMessage;
    case 'flex':
      return {
        type: 'flex',
        altText: '',
        contents: toFlexContents({ cards: [noticeCard()] }),
      } as FlexMessage;
  }
}

/**
 * What is sent: optional fields left empty are dropped (an empty title means "no title"), and a
 * text without emoji loses its empty list. Required fields stay, so their errors read
 * 「…を入力してください」 either way.
 */
export function normalizeMessage(m: LineMessage): LineMessage {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (x === '' && OPTIONAL_KEYS.has(k)) continue;
        if (x === undefined) continue;
        out[k] = strip(x);
      }
      return out;
    }
    return v;
  };
  const out = strip(m) as LineMessage;
  if (out.type === 'text' && out.emojis && out.emojis.length === 0) delete out.emojis;
  return out;
}

/** Fields that may be left out of a LINE message object. */
const OPTIONAL_KEYS = new Set([
  'title',
  'thumbnailImageUrl',
  'imageBackgroundColor',
  'displayText',
  'label',
  'color',
  'backgroundColor',
]);

export type IssueMap = Map<string, string[]>;

/** Problems of one message by path (`text`, `template.actions.0.label`), in Japanese. */
export function checkMessage(m: LineMessage): IssueMap {
  const map: IssueMap = new Map();
  const r = validateMessage(normalizeMessage(m));
  if (!r.ok) for (const i of r.issues) add(map, i.path, i.message);
  return map;
}

function add(map: IssueMap, path: string, message: string) {
  const list = map.get(path) ?? [];
  if (!list.includes(message)) list.push(message);
  map.set(path, list);
}

/**
 * The server's errors of message `index` (`messages.2.text` → `text`, 「3通目: 」 dropped); `list`
 * names another list of messages (`abTest.variantB`, the A/B test's パターンB).
 */
export function serverIssues(errors: readonly FieldError[], index: number, list = 'messages'): IssueMap {
  const map: IssueMap = new Map();
  const prefix = `${list}.${index}`;
  for (const e of errors) {
    if (e.path !== prefix && !e.path.startsWith(`${prefix}.`)) continue;
    add(map, e.path.slice(prefix.length + 1), e.message.replace(/^\d+通目: /, ''));
  }
  return map;
}

/** Messages at `path` exactly (a field's own errors). */
export function at(map: IssueMap, path: string): string | undefined {
  const list = map.get(path);
  return list?.length ? list.join('／') : undefined;
}

/** Messages at `path` or below it (a group of fields). */
export function under(map: IssueMap, path: string): string[] {
  const out: string[] = [];
  for (const [p, list] of map) if (p === path || p.startsWith(`${path}.`)) out.push(...list);
  return out;
}

/** Every message of the map, for the message's summary line. */
export function allIssues(map: IssueMap): string[] {
  return [...map.values()].flat();
}

/** A plain-text summary of a message for lists and the alternative text of cards. */
export function summaryOf(m: LineMessage): string {
  switch (m.type) {
    case 'text':
      return m.text;
    case 'image':
      return '画像';
    case 'imagemap':
    case 'template':
    case 'flex':
      return m.altText;
    default:
      return m.type;
  }
}

/** LINE opens these itself; click tracking leaves them alone (server: click-tracking.ts). */
const LINE_HOST = /^(?:(?:[a-z0-9-]+\.)*line\.me|lin\.ee)$/i;
const TEXT_URL = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!&'()*+,;=%]+/g;

function trackable(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !LINE_HOST.test(u.hostname)
    );
  } catch {
    return false;
  }
}

/**
 * Whether the messages carry a link whose clicks are counted (DEL-12 needs one in each variant):
 * a URL in a text, or a link action (buttons, cards, imagemaps). The server checks the same.
 */
export function hasCountedLink(messages: LineMessage[]): boolean {
  const walk = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(walk);
    if (!node || typeof node !== 'object') return false;
    const o = node as Record<string, unknown>;
    if (
      o.type === 'text' &&
      typeof o.text === 'string' &&
      [...o.text.matchAll(TEXT_URL)].some((m) => trackable(m[0]))
    )
      return true;
    if (o.type === 'uri' && [o.uri, o.linkUri].some((u) => typeof u === 'string' && trackable(u)))
      return true;
    return Object.values(o).some((v) => v && typeof v === 'object' && walk(v));
  };
  return walk(messages);
}
