import { describe, expect, it } from 'vitest';
import {
  addEntry,
  documentOrder,
  errorsOnPage,
  evaluate,
  fieldId,
  fieldKeyOf,
  getAt,
  initialAnswers,
  orderedErrorKeys,
  pageIndexOf,
  removeEntry,
  serverFieldErrors,
  setAt,
  shiftAfterRemoval,
  shownErrors,
  startPage,
  visiblePages,
  withoutDropped,
} from './answers.ts';
import { NOW, testForm } from './test-fixture.ts';

const form = testForm();
const filledAbout = {
  name: '桑名 花子',
  birth: '1990-04-01',
  zip: '511-0061',
  home: { prefecture: '三重県', city: '桑名市', town: '寿町1-2' },
  has_children: 'no',
};

describe('answers by path', () => {
  it('reads and writes top-level answers and entries of a repeating section without mutating', () => {
    const a = { name: '花子' };
    const b = setAt(a, 'kids.1.kid_name', '太郎');
    expect(a).toEqual({ name: '花子' });
    expect(b).toEqual({ name: '花子', kids: [{}, { kid_name: '太郎' }] });
    expect(getAt(b, 'kids.1.kid_name')).toBe('太郎');
    expect(getAt(b, 'kids.0.kid_name')).toBeUndefined();
    expect(getAt(b, 'name')).toBe('花子');
    expect(setAt(b, 'name', undefined)).toEqual({ kids: [{}, { kid_name: '太郎' }] });
    expect(setAt(b, 'kids.1.kid_name', undefined)).toEqual({ name: '花子', kids: [{}, {}] });
  });

  it('starts repeating sections with their minimum number of entries', () => {
    expect(initialAnswers(form)).toEqual({ kids: [{}] });
  });

  it('adds and removes entries, and moves remembered keys of later entries up', () => {
    let raw = addEntry(addEntry({ kids: [{ kid_name: 'A' }] }, 'kids'), 'kids');
    raw = setAt(raw, 'kids.2.kid_name', 'C');
    expect(removeEntry(raw, 'kids', 1)).toEqual({ kids: [{ kid_name: 'A' }, { kid_name: 'C' }] });
    expect(
      shiftAfterRemoval(
        ['name', 'kids', 'kids.0.kid_name', 'kids.1.kid_name', 'kids.2.kid_birth'],
        'kids',
        1,
      ),
    ).toEqual(['name', 'kids', 'kids.0.kid_name', 'kids.1.kid_birth']);
  });

  it('names the field of an error path and the page it is on', () => {
    expect(fieldKeyOf(form, 'home.city')).toBe('home');
    expect(fieldKeyOf(form, 'photos.1')).toBe('photos');
    expect(fieldKeyOf(form, 'kids.2.kid_birth')).toBe('kids.2.kid_birth');
    expect(fieldKeyOf(form, 'kids')).toBe('kids');
    expect(fieldKeyOf(form, 'kids.1')).toBe('kids');
    expect(pageIndexOf(form, 'home.city')).toBe(0);
    expect(pageIndexOf(form, 'kids.0.kid_name')).toBe(1);
    expect(pageIndexOf(form, 'place')).toBe(2);
    expect(pageIndexOf(form, 'version')).toBe(-1);
    expect(fieldId('kids.0.kid_name')).toBe('f-kids-0-kid_name');
  });
});

describe('the page and the engine', () => {
  it('shows the children page only when the resident says there are children', () => {
    const codes = (raw: Record<string, unknown>) =>
      visiblePages(form, evaluate(form, raw, NOW)).map((p) => p.code);
    expect(codes({ ...initialAnswers(form), has_children: 'no' })).toEqual(['about', 'more']);
    expect(codes({ ...initialAnswers(form), has_children: 'yes' })).toEqual(['about', 'family', 'more']);
  });

  it('asks about school only for entries of children six and older, per entry', () => {
    const ev = evaluate(
      form,
      {
        ...filledAbout,
        has_children: 'yes',
        kids: [
          { kid_name: '一郎', kid_birth: '2018-04-01' },
          { kid_name: '次郎', kid_birth: '2022-04-01' },
        ],
      },
      NOW,
    );
    expect(ev.visible['kids.0.kid_school']).toBe(true);
    expect(ev.visible['kids.1.kid_school']).toBe(false);
    expect(ev.derived['kids.0.kid_birth']).toEqual({ kind: 'age', age: 8 });
  });

  it('shows errors only for fields left, pages tried, and the server’s until the field speaks', () => {
    const ev = evaluate(form, initialAnswers(form), NOW);
    expect(ev.errors.map((e) => e.path)).toContain('name');
    expect(shownErrors(form, ev, new Set(), new Set(), [])).toEqual({});
    expect(Object.keys(shownErrors(form, ev, new Set(['name']), new Set(), []))).toEqual(['name']);
    const page = shownErrors(form, ev, new Set(), new Set(['about']), []);
    expect(Object.keys(page)).toEqual(['name', 'birth', 'home', 'has_children']);
    expect(page.name![0]!.message).toBe('入力してください');

    const server = [{ path: 'tel', message: 'この電話番号は使えません' }];
    expect(shownErrors(form, ev, new Set(), new Set(), server)).toEqual({ tel: server });
    // The field's own live message replaces the server's.
    const bad = evaluate(form, { tel: '12' }, NOW);
    expect(shownErrors(form, bad, new Set(['tel']), new Set(), server).tel).toEqual([
      { path: 'tel', message: '電話番号の形式が正しくありません（例：0594-24-1111）' },
    ]);
  });

  it('opens at the page a talk handed over to, unless an earlier page is incomplete', () => {
    const done = { ...filledAbout, has_children: 'no' };
    expect(startPage(form, evaluate(form, done, NOW), 'more')).toBe('more');
    expect(startPage(form, evaluate(form, done, NOW), null)).toBe('about');
    expect(startPage(form, evaluate(form, done, NOW), 'nowhere')).toBe('about');
    // Hidden (no children): the first page, not a page the resident cannot see.
    expect(startPage(form, evaluate(form, done, NOW), 'family')).toBe('about');
    // Children page shown but its entries empty: it comes before 'more'.
    const kids = { ...filledAbout, has_children: 'yes', kids: [{}] };
    expect(startPage(form, evaluate(form, kids, NOW), 'more')).toBe('family');
    expect(startPage(form, evaluate(form, { has_children: 'no' }, NOW), 'more')).toBe('about');
  });

  it('lists the errors of one page and orders field keys as the page shows them', () => {
    const ev = evaluate(form, { ...filledAbout, has_children: 'yes', kids: [{}, { kid_name: 'x' }] }, NOW);
    expect(errorsOnPage(form, ev, 0)).toEqual([]);
    expect(errorsOnPage(form, ev, 1).map((e) => e.path)).toEqual([
      'kids.0.kid_name',
      'kids.0.kid_birth',
      'kids.1.kid_birth',
    ]);
    const keys = orderedErrorKeys(form, {
      'kids.1.kid_birth': [],
      place: [],
      'kids.0.kid_birth': [],
      kids: [],
      name: [],
      'kids.0.kid_name': [],
    });
    expect(keys).toEqual([
      'name',
      'kids',
      'kids.0.kid_name',
      'kids.0.kid_birth',
      'kids.1.kid_birth',
      'place',
    ]);
    expect(documentOrder(form)('unknown')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('takes the server’s paths under answers. and keeps the rest apart', () => {
    expect(
      serverFieldErrors(form, [
        { path: 'answers.kids.0.kid_name', message: '入力してください' },
        { path: 'answers.home.city', message: '市区町村を入力してください' },
        { path: 'version', message: '更新されました' },
        { path: 'answers', message: '形式が正しくありません' },
      ]),
    ).toEqual({
      fields: [
        { path: 'kids.0.kid_name', message: '入力してください' },
        { path: 'home.city', message: '市区町村を入力してください' },
      ],
      other: ['更新されました', '形式が正しくありません'],
    });
  });

  it('keeps a draft of what is visible, as typed, without answers to hidden items', () => {
    const raw = { ...filledAbout, tel: '０９０ー１２３４ー５６７８', kids: [{ kid_name: '一郎' }] };
    const ev = evaluate(form, raw, NOW);
    expect(ev.dropped).toEqual(['kids']);
    expect(withoutDropped(raw, ev.dropped)).toEqual({ ...filledAbout, tel: '０９０ー１２３４ー５６７８' });
    expect(ev.answers.tel).toBe('09012345678');
  });
});
