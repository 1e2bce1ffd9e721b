import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexOptions, type AttributeItem } from './attribute.model.js';
import { ATTRIBUTE_SEED_DIR, parseAttributeSeed } from './seed.js';

function seedOf(slug: string) {
  const file = path.join(ATTRIBUTE_SEED_DIR, `${slug}.yaml`);
  return parseAttributeSeed(readFileSync(file, 'utf8'), file);
}
const asItem = (i: ReturnType<typeof seedOf>['items'][number]) => i as unknown as AttributeItem;
const depth = (i: AttributeItem) => Math.max(...[...indexOptions(i).values()].map((o) => o.path.length));

describe('attribute seeds of the five municipalities (SEG-1)', () => {
  it('Tozawa: at least 25 items incl. age, gender, residence inside/outside with tens of areas, children', () => {
    const s = seedOf('tozawa');
    const settings = s.forms.find((f) => f.code === 'settings')!;
    expect(settings.items.length).toBeGreaterThanOrEqual(25);
    const residence = asItem(s.items.find((i) => i.code === 'residence')!);
    expect(indexOptions(residence).size).toBeGreaterThanOrEqual(50);
    expect(s.items.find((i) => i.code === 'children_birthdates')!.kind).toBe('dates');
    expect(s.items.map((i) => i.code)).toEqual(expect.arrayContaining(['age_band', 'gender']));
    // TZ ③イ: a form only for the village's staff, not listed to residents.
    expect(s.forms.find((f) => f.code === 'shokuin')!.visibility).toBe('unlisted');
  });

  it('Kuwana: at least 20 items; residence is prefecture → municipality → district', () => {
    const s = seedOf('kuwana');
    expect(s.forms[0]!.items.length).toBeGreaterThanOrEqual(20);
    const residence = asItem(s.items.find((i) => i.code === 'residence')!);
    expect(depth(residence)).toBe(3);
    expect(indexOptions(residence).get('kuwana-masuse')!.path).toEqual(['p24', 'kuwana', 'kuwana-masuse']);
  });

  it('Akaiwa: districts under areas, birth month, garbage reminder and its collection district, categories', () => {
    const s = seedOf('akaiwa');
    const district = asItem(s.items.find((i) => i.code === 'district')!);
    expect(district.kind).toBe('hierarchy');
    expect(depth(district)).toBe(2);
    expect(s.items.find((i) => i.code === 'birth_month')!.config).toMatchObject({ precision: 'month' });
    expect(s.items.map((i) => i.code)).toEqual(
      expect.arrayContaining(['garbage_reminder', 'garbage_district', 'categories']),
    );
  });

  it('Toyonaka: categories of interest, children’s birthdates, area, age band, gender; e-mail asked', () => {
    const s = seedOf('toyonaka');
    const categories = asItem(s.items.find((i) => i.code === 'categories')!);
    expect([...indexOptions(categories).values()].map((o) => o.label)).toEqual(
      expect.arrayContaining(['子育て', '検診・予防接種', 'イベント情報']),
    );
    expect(s.items.find((i) => i.code === 'children_birthdates')!.kind).toBe('dates');
    expect(s.forms[0]!.askEmail).toBe(true);
  });

  it('Toyoake: the fields residents want to receive', () => {
    const s = seedOf('toyoake');
    expect(s.items[0]).toMatchObject({ code: 'fields', kind: 'multi', required: true });
  });

  it('refuses a seed whose form names an unknown item', () => {
    expect(() =>
      parseAttributeSeed(
        'items:\n  - { code: a, kind: text, label: A, config: {} }\nforms:\n  - { code: f, name: F, items: [b] }\n',
        'x.yaml',
      ),
    ).toThrow('form f names unknown item b');
  });
});
