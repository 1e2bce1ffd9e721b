import { describe, expect, it } from 'vitest';
import { splitLinks } from './links.js';

describe('splitLinks', () => {
  it('finds web addresses in Japanese text, without the punctuation after them', () => {
    expect(splitLinks('案の全文はこちら：https://www.city.example.jp/plan.pdf。ご覧ください')).toEqual([
      { text: '案の全文はこちら：' },
      { text: 'https://www.city.example.jp/plan.pdf', href: 'https://www.city.example.jp/plan.pdf' },
      { text: '。ご覧ください' },
    ]);
    expect(splitLinks('（http://example.jp/a?b=1）と https://example.jp/x.')).toEqual([
      { text: '（' },
      { text: 'http://example.jp/a?b=1', href: 'http://example.jp/a?b=1' },
      { text: '）と ' },
      { text: 'https://example.jp/x', href: 'https://example.jp/x' },
      { text: '.' },
    ]);
  });

  it('leaves text without addresses, and other schemes, as text', () => {
    expect(splitLinks('市役所の窓口でも配布しています')).toEqual([
      { text: '市役所の窓口でも配布しています' },
    ]);
    expect(splitLinks('javascript:alert(1) と ftp://example.jp')).toEqual([
      { text: 'javascript:alert(1) と ftp://example.jp' },
    ]);
    expect(splitLinks('')).toEqual([]);
  });
});
