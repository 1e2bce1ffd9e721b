import { describe, expect, it } from 'vitest';
import { eventCard, fromFlexContents, noticeCard, deckPaths, sameJson, toFlexContents } from './flex-card';
import { ownMediaPath } from './media';
import {
  checkMessage,
  hasCountedLink,
  MAX_MESSAGES,
  newMessage,
  normalizeMessage,
  serverIssues,
  type LineMessage,
} from './messages';
import { fromRule, toRule, defaultRuleForm } from './recurrence';
import { minutesText } from './types';
import { carryEmoji, insertEmoji, textParts } from './text';

const E = { productId: '5ac1bfd5040ab15980c9b435', emojiId: '001' };

describe('text with LINE emoji', () => {
  it('inserts an emoji as a $ at the caret and keeps the others in place', () => {
    const a = insertEmoji('こんにちは', [], 2, 2, E);
    expect(a).toEqual({ text: 'こん$にちは', emojis: [{ index: 2, ...E }], caret: 3 });
    const b = insertEmoji(a.text, a.emojis, 0, 0, { ...E, emojiId: '002' });
    expect(b.text).toBe('$こん$にちは');
    expect(b.emojis.map((e) => [e.index, e.emojiId])).toEqual([
      [0, '002'],
      [3, '001'],
    ]);
  });

  it('carries emoji through typing, deleting and replacing', () => {
    const emojis = [{ index: 2, ...E }];
    // Typing before the emoji moves it; after it does not.
    expect(carryEmoji('ab$c', 'xab$c', emojis)[0]!.index).toBe(3);
    expect(carryEmoji('ab$c', 'ab$cd', emojis)[0]!.index).toBe(2);
    // Deleting its $ removes it; a $ typed by hand is no emoji.
    expect(carryEmoji('ab$c', 'abc', emojis)).toEqual([]);
    expect(carryEmoji('ab$c', 'ab$$c', emojis)).toEqual(emojis);
    // A selection replaced over it removes it.
    expect(carryEmoji('ab$cd', 'aZd', emojis)).toEqual([]);
  });

  it('splits text and emoji for the preview', () => {
    expect(textParts('a$b$', [{ index: 1, ...E }])).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'emoji', emoji: { index: 1, ...E } },
      { kind: 'text', text: 'b$' },
    ]);
  });
});

describe('message model in the composer', () => {
  it('finds the same problems as the server, with the same Japanese and paths', () => {
    const empty = checkMessage(newMessage('text'));
    expect(empty.get('text')).toEqual(['テキストを入力してください']);
    const btn = newMessage('buttons');
    const issues = checkMessage(btn);
    expect(issues.get('altText')).toEqual(['代替テキストを入力してください']);
    expect(issues.get('template.text')).toEqual(['本文を入力してください']);
    expect(issues.get('template.actions.0.uri')).toBeDefined();
    // An empty optional title is left out rather than refused.
    expect(issues.has('template.title')).toBe(false);
    expect(MAX_MESSAGES).toBe(5);
  });

  it('drops empty optional fields and empty emoji lists', () => {
    const m = normalizeMessage({ type: 'text', text: 'a', emojis: [] } as LineMessage);
    expect(m).toEqual({ type: 'text', text: 'a' });
  });

  it('reads the server errors of one message', () => {
    const map = serverIssues(
      [
        { path: 'messages.1.text', message: '2通目: テキストは5,000文字以内にしてください' },
        { path: 'messages.0.text', message: '1通目: x' },
      ],
      1,
    );
    expect([...map]).toEqual([['text', ['テキストは5,000文字以内にしてください']]]);
    // An A/B test's パターンB: the same errors under abTest.variantB.
    const b = serverIssues(
      [
        { path: 'messages.0.text', message: '1通目: x' },
        { path: 'abTest.variantB.0.text', message: '1通目: テキストを入力してください' },
      ],
      0,
      'abTest.variantB',
    );
    expect([...b]).toEqual([['text', ['テキストを入力してください']]]);
  });

  it('finds a link whose clicks are counted (A/B tests): text URLs and link actions, not LINE’s own', () => {
    const text = (t: string) => [{ type: 'text', text: t }] as LineMessage[];
    expect(hasCountedLink(text('詳しくは https://www.city.example.jp/a をご覧ください'))).toBe(true);
    expect(hasCountedLink(text('リンクなし'))).toBe(false);
    expect(hasCountedLink(text('LIFF https://liff.line.me/1234-abcd と https://lin.ee/x'))).toBe(false);
    const buttons = {
      type: 'template',
      altText: '予約',
      template: {
        type: 'buttons',
        text: '予約',
        thumbnailImageUrl: 'https://img.example.jp/a.png',
        actions: [{ type: 'uri', label: '予約', uri: 'https://yoyaku.example.jp/' }],
      },
    } as LineMessage;
    expect(hasCountedLink([buttons])).toBe(true);
    // An image's own address is not a link anyone presses.
    const image = {
      type: 'image',
      originalContentUrl: 'https://img.example.jp/a.png',
      previewImageUrl: 'https://img.example.jp/a-s.png',
    } as LineMessage;
    expect(hasCountedLink([image])).toBe(false);
  });

  it('says a decision time in hours and minutes', () => {
    expect([30, 60, 90, 120, 2880].map(minutesText)).toEqual([
      '30分',
      '1時間',
      '1時間30分',
      '2時間',
      '48時間',
    ]);
  });
});

describe('Flex cards', () => {
  it('generates a valid bubble and reads it back, also with keys reordered', () => {
    const card = {
      ...noticeCard(),
      title: '防災訓練',
      body: '10月1日に行います',
      imageUrl: 'https://example.jp/a.png',
    };
    card.buttons[0]!.value = 'https://example.jp/';
    const contents = toFlexContents({ cards: [card] });
    const msg = { type: 'flex', altText: '防災訓練', contents } as LineMessage;
    expect([...checkMessage(msg)]).toEqual([]);
    expect(fromFlexContents(contents)).toEqual({ cards: [card] });
    // The database returns JSON objects with their keys in another order.
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverseKeys(x)]),
            )
          : v;
    const reordered = reverseKeys(contents);
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(contents));
    expect(sameJson(reordered, contents)).toBe(true);
    expect(fromFlexContents(reordered)).toEqual({ cards: [card] });
    expect(sameJson({ a: 1, b: [1, 2] }, { b: [2, 1], a: 1 })).toBe(false);
  });

  it('makes a carousel of several cards and maps field errors to their paths', () => {
    const deck = { cards: [noticeCard(), eventCard()] };
    const contents = toFlexContents(deck);
    expect(contents.type).toBe('carousel');
    expect(fromFlexContents(contents)).toEqual(deck);
    const issues = checkMessage({ type: 'flex', altText: 'x', contents } as LineMessage);
    const paths = deckPaths(deck);
    expect(issues.get(`contents.${paths[1]!.title}`)).toEqual(['テキストを入力してください']);
    expect(issues.get(`contents.${paths[1]!.rows[0]!.value}`)).toEqual(['テキストを入力してください']);
  });

  it('leaves hand-written Flex to the JSON editor', () => {
    expect(
      fromFlexContents({
        type: 'bubble',
        body: { type: 'box', layout: 'horizontal', contents: [{ type: 'text', text: 'x', size: 'xl' }] },
      }),
    ).toBeNull();
  });
});

describe('media URLs', () => {
  it('shows our own uploads from the console origin and nothing else', () => {
    const t = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(ownMediaPath(`https://localhost:3000/media/t/${t}/${'a'.repeat(32)}/original`)).toBe(
      `/media/t/${t}/${'a'.repeat(32)}/original`,
    );
    expect(ownMediaPath('https://example.jp/media/t/x/y/original')).toBeNull();
    expect(ownMediaPath('')).toBeNull();
  });
});

describe('recurrence form', () => {
  it('round-trips a rule', () => {
    const f = {
      ...defaultRuleForm('2026-04-01'),
      kind: 'nthWeekday' as const,
      ordinals: [2, -1],
      weekdays: [2],
    };
    f.excludeDates = ['2026-05-12', '2026-05-12', ''];
    const rule = toRule(f);
    expect(rule).toMatchObject({
      kind: 'nthWeekday',
      ordinals: [2, -1],
      weekdays: [2],
      excludeDates: ['2026-05-12'],
    });
    expect(rule).not.toHaveProperty('days');
    expect(fromRule(rule, '2026-01-01')).toMatchObject({
      kind: 'nthWeekday',
      ordinals: [2, -1],
      weekdays: [2],
    });
    expect(fromRule({ kind: 'once', date: '2026-04-01', time: '09:00' }, '2026-01-01')).toBeNull();
  });
});

describe('JSON errors', () => {
  it('says where the JSON breaks, in Japanese', async () => {
    const { jsonSyntaxError } = await import('./flex-card');
    const text = '{\n  "type": "bubble",\n  oops\n}';
    let err: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      err = e;
    }
    expect(jsonSyntaxError(text, err)).toBe(
      'JSONの形式が正しくありません（3行目の3文字目あたり）。かっこ・引用符（"）・カンマを確かめてください',
    );
    expect(jsonSyntaxError('', new SyntaxError('Unexpected end of JSON input'))).toContain('入力が空です');
  });
});
