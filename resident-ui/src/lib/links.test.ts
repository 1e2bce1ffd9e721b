import { describe, expect, it } from 'vitest';
import { groupLinks, linkHost } from './links.ts';

describe('groupLinks', () => {
  it('orders groups, merges bus kinds and sends unknown kinds to その他', () => {
    const groups = groupLinks([
      { kind: 'mystery', label: 'X', url: 'https://x.example.jp/' },
      { kind: 'bus-location', label: 'バスロケ', url: 'https://bus.example.jp/' },
      { kind: 'city-site', label: '市HP', url: 'https://www.city.example.lg.jp/' },
      { kind: 'bus-timetable', label: '時刻表', url: 'https://bus.example.jp/pdf' },
      { kind: 'external-service', label: 'Y', url: 'https://y.example.jp/' },
    ]);
    expect(groups.map((g) => [g.id, g.heading, g.links.map((l) => l.label)])).toEqual([
      ['city-site', '市のホームページ', ['市HP']],
      ['bus', 'バス', ['バスロケ', '時刻表']],
      ['other', 'その他', ['X', 'Y']],
    ]);
  });

  it('returns nothing for no links', () => {
    expect(groupLinks([])).toEqual([]);
  });
});

describe('linkHost', () => {
  it('shows the host of a URL', () => {
    expect(linkHost('https://www.city.akaiwa.lg.jp/kurashi/')).toBe('www.city.akaiwa.lg.jp');
    expect(linkHost('not a url')).toBe('');
  });
});
