import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ageOn, isDateBound, jstDate, parseDateInput, resolveDateBound } from './dates.js';
import { distanceM, insideGeofence, insidePolygon } from './geo.js';
import {
  PREFECTURES,
  charLength,
  normaliseEmail,
  normaliseLine,
  normalisePhone,
  normalisePostalCode,
  parseNumberInput,
  toFullWidthKatakana,
  toHalfWidthAscii,
} from './normalise.js';
import { postalFill } from './postal.js';

describe('JST calendar dates', () => {
  it('takes today on the Japan calendar whatever the server’s zone', () => {
    expect(jstDate(new Date('2026-03-31T14:59:59Z'))).toBe('2026-03-31');
    expect(jstDate(new Date('2026-03-31T15:00:00Z'))).toBe('2026-04-01');
  });

  it('counts completed years (満年齢), 29 February births older from 1 March', () => {
    expect(ageOn('2000-05-10', '2026-05-09')).toBe(25);
    expect(ageOn('2000-05-10', '2026-05-10')).toBe(26);
    expect(ageOn('2024-02-29', '2025-02-28')).toBe(0);
    expect(ageOn('2024-02-29', '2025-03-01')).toBe(1);
    expect(ageOn('2024-02-29', '2028-02-29')).toBe(4);
    expect(ageOn('2026-04-02', '2026-04-01')).toBe(0);
  });

  it('reads limits: fixed dates, today and today±N', () => {
    for (const ok of ['2026-04-01', 'today', 'today+7', 'today-30', 'today+36600'])
      expect(isDateBound(ok), ok).toBe(true);
    for (const bad of ['2026-02-30', 'today+', 'tomorrow', 'today+36601', 'today +1', 20260401])
      expect(isDateBound(bad), String(bad)).toBe(false);
    expect(resolveDateBound('today', '2026-04-01')).toBe('2026-04-01');
    expect(resolveDateBound('today+30', '2026-04-01')).toBe('2026-05-01');
    expect(resolveDateBound('today-1', '2026-03-01')).toBe('2026-02-28');
    expect(resolveDateBound('2027-01-01', '2026-04-01')).toBe('2027-01-01');
  });

  it('reads dates as residents type them', () => {
    expect(parseDateInput('2026/4/1')).toBe('2026-04-01');
    expect(parseDateInput('２０２６－０４－０１')).toBe('2026-04-01');
    expect(parseDateInput(' 2026.4.1 ')).toBe('2026-04-01');
    expect(parseDateInput('2026-02-29')).toBeNull();
    expect(parseDateInput('令和8年4月1日')).toBeNull();
    expect(parseDateInput('4/1')).toBeNull();
  });
});

describe('normalising what residents type', () => {
  it('converts widths without touching kana or kanji', () => {
    expect(toHalfWidthAscii('ＡＢＣ１２３＠－　山田')).toBe('ABC123@- 山田');
    expect(toFullWidthKatakana('ｶﾞｯｺｳ ﾊﾟﾝ ABC')).toBe('ガッコウ パン ABC');
  });

  it('keeps one full-width space in a line and collapses the rest', () => {
    expect(normaliseLine('  山田　太郎  ')).toBe('山田　太郎');
    expect(normaliseLine('山田　　太郎\n様')).toBe('山田 太郎 様');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(charLength('𠮷野家')).toBe(3);
    expect('𠮷野家'.length).toBe(4);
  });

  it('reads phone numbers, postal codes, e-mail addresses and numbers', () => {
    expect(normalisePhone('0594 (24) 1111')).toBe('0594241111');
    expect(normalisePhone('090‐1234‐5678')).toBe('09012345678');
    expect(normalisePhone('tel:0594')).toBeNull();
    expect(normalisePostalCode('〒 511 － 8601')).toBe('511-8601');
    expect(normalisePostalCode('511-86011')).toBeNull();
    expect(normaliseEmail(`${'a'.repeat(65)}@example.jp`)).toBeNull();
    expect(normaliseEmail('a@-example.jp')).toBeNull();
    expect(normaliseEmail('Taro.Yamada+form@City.Kuwana.LG.JP')).toBe('Taro.Yamada+form@city.kuwana.lg.jp');
    expect(parseNumberInput('−５')).toBe(-5);
    expect(parseNumberInput('.5')).toBe(0.5);
    expect(parseNumberInput('1e3')).toBeNull();
    expect(parseNumberInput(Number.POSITIVE_INFINITY)).toBeNull();
    expect(parseNumberInput(true)).toBeNull();
  });

  it('lists the 47 prefectures in JIS order', () => {
    expect(PREFECTURES).toHaveLength(47);
    expect(PREFECTURES[23]).toBe('三重県');
    expect(PREFECTURES[26]).toBe('大阪府');
  });
});

describe('geofences', () => {
  const kuwanaCityHall = { lat: 35.0657, lng: 136.684 };
  const nagoyaStation = { lat: 35.1709, lng: 136.8815 };

  it('measures great-circle distances', () => {
    const d = distanceM(kuwanaCityHall, nagoyaStation);
    expect(d).toBeGreaterThan(20000);
    expect(d).toBeLessThan(22000);
    expect(insideGeofence(nagoyaStation, { kind: 'circle', center: kuwanaCityHall, radiusM: 15000 })).toBe(
      false,
    );
    expect(insideGeofence(nagoyaStation, { kind: 'circle', center: kuwanaCityHall, radiusM: 25000 })).toBe(
      true,
    );
  });

  it('tells inside from outside of a concave polygon', () => {
    // An L shape: the notch at the top right is outside.
    const l = [
      { lat: 0, lng: 0 },
      { lat: 0, lng: 2 },
      { lat: 1, lng: 2 },
      { lat: 1, lng: 1 },
      { lat: 2, lng: 1 },
      { lat: 2, lng: 0 },
    ];
    expect(insidePolygon({ lat: 0.5, lng: 1.5 }, l)).toBe(true);
    expect(insidePolygon({ lat: 1.5, lng: 0.5 }, l)).toBe(true);
    expect(insidePolygon({ lat: 1.5, lng: 1.5 }, l)).toBe(false);
    expect(insidePolygon({ lat: -0.1, lng: 0.5 }, l)).toBe(false);
  });
});

describe('postal fill', () => {
  const a = (city: string, town: string, prefecture = '愛知県') => ({
    postalCode: '452-0961',
    prefecture,
    city,
    town,
  });
  it('fills what every address of the code shares', () => {
    expect(postalFill([a('清須市', '春日明河原')])).toEqual({
      prefecture: '愛知県',
      city: '清須市',
      town: '春日明河原',
    });
    expect(postalFill([a('清須市', '春日明河原'), a('清須市', '春日一番割')])).toEqual({
      prefecture: '愛知県',
      city: '清須市',
      town: '',
    });
    expect(postalFill([a('清須市', '本町'), a('北名古屋市', '本町')])).toEqual({
      prefecture: '愛知県',
      city: '',
      town: '',
    });
    expect(postalFill([a('x', 'y'), a('x', 'y', '岐阜県')])).toBeNull();
    expect(postalFill([])).toBeNull();
  });
});

describe('the forms contracts stay pure', () => {
  it('import nothing but zod and each other, and touch no Node or DOM globals (they run in browsers too)', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources).toEqual(
      expect.arrayContaining([
        'definition.ts',
        'engine.ts',
        'dates.ts',
        'geo.ts',
        'normalise.ts',
        'postal.ts',
        'index.ts',
      ]),
    );
    for (const file of sources) {
      const text = readFileSync(`${dir}/${file}`, 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports)
        expect(spec === 'zod' || spec!.startsWith('./'), `${file} imports ${spec}`).toBe(true);
      // Comments and string literals (MIME types such as …officedocument…) may say anything.
      const code = text
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
        .replace(/'(?:\\.|[^'\\])*'/g, "''");
      for (const global of [
        'process',
        'Buffer',
        'require',
        'window',
        'document',
        'localStorage',
        'navigator',
        'globalThis',
      ])
        expect(new RegExp(`\\b${global}\\b`).test(code), `${file} uses ${global}`).toBe(false);
    }
  });
});
