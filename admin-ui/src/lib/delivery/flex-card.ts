import type { FlexBox, FlexBubble, FlexComponent, FlexContainer } from '@tsunagu/server/contracts';

/**
 * The visual Flex editor's layouts (DEL-6): staff fill in a card — picture, small label, title,
 * a table of details (日時・場所…), body text and up to three buttons — and get a Flex bubble;
 * two or more cards make a carousel. The JSON is generated, and a Flex message is reopened in the
 * visual editor only when it is exactly what these layouts generate (anything else is edited as
 * JSON), so the visual editor never silently drops part of a hand-written message.
 */

export type CardLayout = 'notice' | 'event';
export type ImageRatio = '20:13' | '1:1' | '16:9' | '4:3';

export interface CardButton {
  label: string;
  kind: 'uri' | 'message';
  /** The URL (uri) or the text the resident sends (message). */
  value: string;
}

export interface CardRow {
  label: string;
  value: string;
}

export interface Card {
  layout: CardLayout;
  /** Hero picture URL; empty for none. */
  imageUrl: string;
  imageRatio: ImageRatio;
  /** Small coloured label above the title (「お知らせ」); empty for none. */
  tag: string;
  title: string;
  /** Detail rows (event layout): 日時、場所、持ち物… */
  rows: CardRow[];
  body: string;
  buttons: CardButton[];
  /** Accent colour of the label and the main button, #RRGGBB. */
  color: string;
}

export interface CardDeck {
  cards: Card[];
}

export const MAX_BUTTONS = 3;
export const MAX_ROWS = 6;
export const MAX_CARDS = 10;
export const IMAGE_RATIOS: Array<{ value: ImageRatio; label: string }> = [
  { value: '20:13', label: '横長（20:13）' },
  { value: '16:9', label: 'ワイド（16:9）' },
  { value: '4:3', label: '4:3' },
  { value: '1:1', label: '正方形（1:1）' },
];
/** Accent colours with white text at WCAG AA contrast (4.5:1 or better). */
export const CARD_COLORS: Array<{ value: string; label: string }> = [
  { value: '#0B5CAB', label: '青' },
  { value: '#05853A', label: '緑' },
  { value: '#B42318', label: '赤' },
  { value: '#9A4A00', label: 'オレンジ' },
  { value: '#5B3FA0', label: '紫' },
  { value: '#333333', label: '黒' },
];

export function noticeCard(): Card {
  return {
    layout: 'notice',
    imageUrl: '',
    imageRatio: '20:13',
    tag: 'お知らせ',
    title: '',
    rows: [],
    body: '',
    buttons: [{ label: '詳しく見る', kind: 'uri', value: '' }],
    color: CARD_COLORS[0]!.value,
  };
}

export function eventCard(): Card {
  return {
    ...noticeCard(),
    layout: 'event',
    tag: 'イベント',
    rows: [
      { label: '日時', value: '' },
      { label: '場所', value: '' },
    ],
    buttons: [{ label: '申し込む', kind: 'uri', value: '' }],
  };
}

/** Where each field of a card sits in the generated JSON (issue paths of the message model). */
export interface CardPaths {
  imageUrl: string;
  tag: string;
  title: string;
  body: string;
  rows: Array<{ label: string; value: string }>;
  buttons: Array<{ label: string; value: string }>;
  bubble: string;
}

function bubbleOf(card: Card, base: string): { bubble: FlexBubble; paths: CardPaths } {
  const contents: FlexComponent[] = [];
  const at = () => `${base}body.contents.${contents.length}`;
  const paths: CardPaths = {
    imageUrl: `${base}hero.url`,
    tag: '',
    title: '',
    body: '',
    rows: [],
    buttons: [],
    bubble: base.replace(/\.$/, ''),
  };
  if (card.tag) {
    paths.tag = `${at()}.text`;
    contents.push({ type: 'text', text: card.tag, size: 'xs', weight: 'bold', color: card.color });
  }
  paths.title = `${at()}.text`;
  contents.push({ type: 'text', text: card.title, size: 'lg', weight: 'bold', wrap: true });
  if (card.layout === 'event' && card.rows.length) {
    const rowsBase = at();
    paths.rows = card.rows.map((_, i) => ({
      label: `${rowsBase}.contents.${i}.contents.0.text`,
      value: `${rowsBase}.contents.${i}.contents.1.text`,
    }));
    contents.push({
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: card.rows.map((r): FlexBox => ({
        type: 'box',
        layout: 'baseline',
        spacing: 'sm',
        contents: [
          { type: 'text', text: r.label, size: 'sm', color: '#6B6B6B', flex: 2 },
          { type: 'text', text: r.value, size: 'sm', color: '#333333', wrap: true, flex: 5 },
        ],
      })),
    });
  }
  if (card.body) {
    paths.body = `${at()}.text`;
    contents.push({ type: 'text', text: card.body, size: 'sm', color: '#555555', wrap: true });
  }
  const bubble: FlexBubble = {
    type: 'bubble',
    ...(card.imageUrl
      ? {
          hero: {
            type: 'image',
            url: card.imageUrl,
            size: 'full',
            aspectRatio: card.imageRatio,
            aspectMode: 'cover',
          },
        }
      : {}),
    body: { type: 'box', layout: 'vertical', spacing: 'md', contents },
  };
  if (card.buttons.length) {
    paths.buttons = card.buttons.map((b, i) => ({
      label: `${base}footer.contents.${i}.action.label`,
      value: `${base}footer.contents.${i}.action.${b.kind === 'uri' ? 'uri' : 'text'}`,
    }));
    bubble.footer = {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: card.buttons.map((b, i) => ({
        type: 'button',
        style: i === 0 ? 'primary' : 'link',
        height: 'sm',
        ...(i === 0 ? { color: card.color } : {}),
        action:
          b.kind === 'uri'
            ? { type: 'uri', label: b.label, uri: b.value }
            : { type: 'message', label: b.label, text: b.value },
      })),
    };
  }
  return { bubble, paths };
}

/** The Flex container of a deck (one card: a bubble; more: a carousel). */
export function toFlexContents(deck: CardDeck): FlexContainer {
  if (deck.cards.length === 1) return bubbleOf(deck.cards[0]!, '').bubble;
  return { type: 'carousel', contents: deck.cards.map((c, i) => bubbleOf(c, `contents.${i}.`).bubble) };
}

/** Issue paths (relative to the message's `contents`) of every field of every card. */
export function deckPaths(deck: CardDeck): CardPaths[] {
  if (deck.cards.length === 1) return [bubbleOf(deck.cards[0]!, '').paths];
  return deck.cards.map((c, i) => bubbleOf(c, `contents.${i}.`).paths);
}

// ------------------------------------------------------------------------------ reading back

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

function cardFrom(b: unknown): Card | null {
  if (!isObj(b) || b.type !== 'bubble' || !isObj(b.body)) return null;
  const card = noticeCard();
  card.tag = '';
  card.buttons = [];
  const hero = b.hero;
  if (isObj(hero)) {
    card.imageUrl = str(hero.url);
    card.imageRatio = (str(hero.aspectRatio) || '20:13') as ImageRatio;
  }
  const items = Array.isArray(b.body.contents) ? [...b.body.contents] : [];
  const first = items[0];
  if (isObj(first) && first.type === 'text' && first.size === 'xs') {
    card.tag = str(first.text);
    card.color = str(first.color) || card.color;
    items.shift();
  }
  const title = items.shift();
  if (!isObj(title) || title.type !== 'text') return null;
  card.title = str(title.text);
  const next = items[0];
  if (isObj(next) && next.type === 'box' && Array.isArray(next.contents)) {
    card.layout = 'event';
    card.rows = next.contents.map((row) => {
      const cells = isObj(row) && Array.isArray(row.contents) ? row.contents : [];
      return {
        label: str((cells[0] as Json | undefined)?.text),
        value: str((cells[1] as Json | undefined)?.text),
      };
    });
    items.shift();
  }
  const body = items.shift();
  if (isObj(body) && body.type === 'text') card.body = str(body.text);
  const footer = b.footer;
  if (isObj(footer) && Array.isArray(footer.contents)) {
    card.buttons = footer.contents.map((btn, i) => {
      const action = isObj(btn) && isObj(btn.action) ? btn.action : {};
      if (i === 0 && isObj(btn) && typeof btn.color === 'string' && !card.tag) card.color = btn.color;
      return action.type === 'message'
        ? { label: str(action.label), kind: 'message' as const, value: str(action.text) }
        : { label: str(action.label), kind: 'uri' as const, value: str(action.uri) };
    });
  }
  return card;
}

/** Deep equality of JSON values, ignoring key order (the database reorders keys). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameJson(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
  }
  return a === b;
}

/** The deck a Flex container was generated from, or null when it is not one of our layouts. */
export function fromFlexContents(contents: unknown): CardDeck | null {
  if (!isObj(contents)) return null;
  const bubbles =
    contents.type === 'carousel' && Array.isArray(contents.contents) ? contents.contents : [contents];
  if (contents.type === 'carousel' && (bubbles.length < 2 || bubbles.length > MAX_CARDS)) return null;
  const cards: Card[] = [];
  for (const b of bubbles) {
    const c = cardFrom(b);
    if (!c) return null;
    cards.push(c);
  }
  const deck = { cards };
  return sameJson(toFlexContents(deck), contents) ? deck : null;
}

/**
 * A JSON syntax error in staff's words: where it is (line and column of the text) rather than the
 * browser's English message.
 */
export function jsonSyntaxError(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  let line: number | null = null;
  let column: number | null = null;
  const lc = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  if (lc) {
    line = Number(lc[1]);
    column = Number(lc[2]);
  } else if (pos) {
    const before = text.slice(0, Number(pos[1])).split('\n');
    line = before.length;
    column = (before[before.length - 1]?.length ?? 0) + 1;
  }
  const where =
    line !== null ? `${line}行目の${column}文字目あたり` : text.trim() ? '最後のあたり' : '入力が空です';
  return `JSONの形式が正しくありません（${where}）。かっこ・引用符（"）・カンマを確かめてください`;
}
