import { describe, expect, it } from 'vitest';
import { validateMessages, type LineMessage } from '../../platform/line/messages.js';
import { isTrackable, newClickCode, rewriteMessages } from './click-tracking.js';

const PREFIX = 'https://tsunagu.example/t/akaiwa/r/';
const link = (n: number) => `${PREFIX}AbCdEfGhJk/${n}`;
const rewrite = (messages: unknown[]) => rewriteMessages(messages as LineMessage[], link, PREFIX);

describe('tracking links in run messages', () => {
  it('text: wraps each URL once, ends URLs where LINE does, moves LINE emoji after them', () => {
    const text =
      '$ごみ https://city.example/gomi.html。詳しくは(https://city.example/a_(b))。$ 再掲 https://city.example/gomi.html, $';
    const emojis = [0, text.indexOf('$', 5), text.lastIndexOf('$')].map((index) => ({
      index,
      productId: '5ac1bfd5040ab15980c9b435',
      emojiId: '001',
    }));
    const { messages, urls } = rewrite([{ type: 'text', text, emojis }]);
    expect(urls).toEqual(['https://city.example/gomi.html', 'https://city.example/a_(b)']);
    const out = messages[0] as { text: string; emojis: Array<{ index: number }> };
    expect(out.text).toBe(`$ごみ ${link(1)}。詳しくは(${link(2)})。$ 再掲 ${link(1)}, $`);
    for (const e of out.emojis) expect(out.text[e.index]).toBe('$');
    expect(validateMessages(messages).ok).toBe(true);
  });

  it('template buttons, carousel and image carousel: actions, default actions, desktop URLs', () => {
    const { messages, urls } = rewrite([
      {
        type: 'template',
        altText: 'お知らせ',
        template: {
          type: 'buttons',
          text: '本文 https://not-linked-in-templates.example',
          defaultAction: { type: 'uri', label: '開く', uri: 'https://a.example/' },
          actions: [
            {
              type: 'uri',
              label: '詳細',
              uri: 'https://b.example/x?y=1',
              altUri: { desktop: 'https://b.example/pc' },
            },
            { type: 'uri', label: '電話', uri: 'tel:0120000000' },
            { type: 'postback', label: '回答', data: 'a=1' },
          ],
        },
      },
      {
        type: 'template',
        altText: 'カルーセル',
        template: {
          type: 'carousel',
          columns: [
            { text: '1', actions: [{ type: 'uri', label: 'A', uri: 'https://a.example/' }] },
            { text: '2', actions: [{ type: 'uri', label: 'C', uri: 'http://c.example/' }] },
          ],
        },
      },
      {
        type: 'template',
        altText: '画像',
        template: {
          type: 'image_carousel',
          columns: [
            {
              imageUrl: 'https://img.example/1.png',
              action: { type: 'uri', label: 'D', uri: 'https://d.example/' },
            },
          ],
        },
      },
    ]);
    expect(urls).toEqual([
      'https://a.example/',
      'https://b.example/x?y=1',
      'https://b.example/pc',
      'http://c.example/',
      'https://d.example/',
    ]);
    const [buttons, carousel, images] = messages as unknown as Array<{ template: Record<string, never> }>;
    expect(buttons!.template).toMatchObject({
      text: '本文 https://not-linked-in-templates.example',
      defaultAction: { uri: link(1) },
      actions: [
        { uri: link(2), altUri: { desktop: link(3) } },
        { uri: 'tel:0120000000' },
        { type: 'postback', data: 'a=1' },
      ],
    });
    expect(carousel!.template).toMatchObject({
      columns: [{ actions: [{ uri: link(1) }] }, { actions: [{ uri: link(4) }] }],
    });
    // Image URLs are content, not links.
    expect(images!.template).toMatchObject({
      columns: [{ imageUrl: 'https://img.example/1.png', action: { uri: link(5) } }],
    });
    expect(validateMessages(messages).ok).toBe(true);
  });

  it('imagemap: uri areas and the video’s link; Flex: every component action; quick replies', () => {
    const area = { x: 0, y: 0, width: 520, height: 520 };
    const { messages, urls } = rewrite([
      {
        type: 'imagemap',
        baseUrl: 'https://img.example/map',
        altText: '地図',
        baseSize: { width: 1040, height: 1040 },
        actions: [
          { type: 'uri', linkUri: 'https://map.example/', area },
          { type: 'message', text: '避難所', area: { ...area, x: 520 } },
        ],
        video: {
          originalContentUrl: 'https://img.example/v.mp4',
          previewImageUrl: 'https://img.example/v.jpg',
          area: { ...area, y: 520 },
          externalLink: { linkUri: 'https://video.example/more', label: 'もっと見る' },
        },
      },
      {
        type: 'flex',
        altText: 'イベント',
        contents: {
          type: 'bubble',
          hero: {
            type: 'image',
            url: 'https://img.example/hero.png',
            action: { type: 'uri', label: '画像', uri: 'https://event.example/' },
          },
          body: {
            type: 'box',
            layout: 'vertical',
            action: { type: 'uri', label: '本文', uri: 'https://event.example/body' },
            contents: [
              { type: 'text', text: 'https://not-a-link-in-flex-text.example' },
              { type: 'button', action: { type: 'uri', label: '申し込む', uri: 'https://form.example/' } },
            ],
          },
        },
        quickReply: {
          items: [{ type: 'action', action: { type: 'uri', label: 'サイト', uri: 'https://qr.example/' } }],
        },
      },
    ]);
    expect(urls).toEqual([
      'https://map.example/',
      'https://video.example/more',
      'https://event.example/',
      'https://event.example/body',
      'https://form.example/',
      'https://qr.example/',
    ]);
    const [imagemap, flex] = messages as unknown as Array<Record<string, never>>;
    expect(imagemap).toMatchObject({
      baseUrl: 'https://img.example/map',
      actions: [{ linkUri: link(1) }, { type: 'message' }],
      video: { originalContentUrl: 'https://img.example/v.mp4', externalLink: { linkUri: link(2) } },
    });
    expect(flex).toMatchObject({
      contents: {
        hero: { url: 'https://img.example/hero.png', action: { uri: link(3) } },
        body: {
          action: { uri: link(4) },
          contents: [{ text: 'https://not-a-link-in-flex-text.example' }, { action: { uri: link(5) } }],
        },
      },
      quickReply: { items: [{ action: { uri: link(6) } }] },
    });
    expect(validateMessages(messages).ok).toBe(true);
  });

  it('leaves LINE’s own links, other schemes and our tracking links alone', () => {
    for (const url of [
      'https://liff.line.me/1650000001-abcd/forms',
      'https://line.me/R/ti/p/@akaiwa',
      'https://lin.ee/abcd',
      'line://app/1650000001-abcd',
      'tel:0860000000',
      `${PREFIX}AbCdEfGhJk/1`,
      'https://',
    ])
      expect(isTrackable(url, PREFIX), url).toBe(false);
    expect(isTrackable('https://www.city.akaiwa.lg.jp/', PREFIX)).toBe(true);
    const text = 'LIFF https://liff.line.me/1650000001-abcd/x と https://lin.ee/abcd';
    expect(rewrite([{ type: 'text', text }])).toEqual({ messages: [{ type: 'text', text }], urls: [] });
  });

  it('keeps a message untracked when the longer links would break LINE’s limits', () => {
    const long = 'あ'.repeat(4990) + ' https://a.jp';
    const { messages, urls } = rewrite([
      { type: 'text', text: long },
      { type: 'text', text: 'https://b.example/' },
    ]);
    expect(messages[0]).toEqual({ type: 'text', text: long });
    expect(urls).toEqual(['https://b.example/']);
    expect((messages[1] as { text: string }).text).toBe(link(1));
  });

  it('click codes are 10 characters of an unambiguous alphabet and differ', () => {
    const codes = new Set(Array.from({ length: 200 }, newClickCode));
    expect(codes.size).toBe(200);
    for (const c of codes) expect(c).toMatch(/^[A-HJ-NP-Za-km-z0-9]{10}$/);
  });
});
