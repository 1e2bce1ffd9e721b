import type { PostalAddress } from '@tsunagu/server/contracts';
import { describe, expect, it, vi } from 'vitest';
import { evaluate, setAt } from './answers.ts';
import { PostalCache, applyPostalFills, filledFrom, postalNotes } from './postal.ts';
import { NOW, testForm } from './test-fixture.ts';

const form = testForm();
const kotobuki: PostalAddress = {
  postalCode: '511-0061',
  prefecture: '三重県',
  city: '桑名市',
  town: '寿町',
};
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('postal codes in the browser', () => {
  it('answers "not known yet" until the server’s answer arrives, asks once, then knows', async () => {
    const fetchCode = vi.fn(async (d: string) => (d === '5110061' ? [kotobuki] : []));
    const arrived = vi.fn();
    const cache = new PostalCache(fetchCode, arrived);
    expect(cache.lookup('5110061')).toBeUndefined();
    expect(cache.isPending('5110061')).toBe(true);
    expect(cache.lookup('5110061')).toBeUndefined();
    await flush();
    expect(fetchCode).toHaveBeenCalledTimes(1);
    expect(arrived).toHaveBeenCalledTimes(1);
    expect(cache.lookup('5110061')).toEqual([kotobuki]);
    expect(cache.lookup('123')).toBeUndefined();
    expect(fetchCode).toHaveBeenCalledTimes(1);
  });

  it('leaves a failed lookup alone for a while, then asks again', async () => {
    let now = 0;
    const fetchCode = vi.fn(async () => null);
    const cache = new PostalCache(
      fetchCode,
      () => {},
      () => now,
    );
    cache.lookup('5110061');
    await flush();
    cache.lookup('5110061');
    expect(fetchCode).toHaveBeenCalledTimes(1);
    now = 11_000;
    cache.lookup('5110061');
    expect(fetchCode).toHaveBeenCalledTimes(2);
  });

  it('fills the address once per code, keeps the building, and never overwrites what is typed after', () => {
    const lookup = (d: string) => (d === '5110061' ? [kotobuki] : d === '4520961' ? [] : undefined);
    let raw: Record<string, unknown> = { zip: '５１１ー００６１', home: { building: 'コーポ寿101' } };
    let filled: Record<string, string> = {};
    let r = applyPostalFills(evaluate(form, raw, NOW, lookup), raw, filled);
    expect(r.raw.home).toEqual({
      prefecture: '三重県',
      city: '桑名市',
      town: '寿町',
      building: 'コーポ寿101',
    });
    expect(r.filled).toEqual({ zip: '5110061' });
    raw = setAt(r.raw, 'home', {
      prefecture: '三重県',
      city: '桑名市',
      town: '寿町1-2',
      building: 'コーポ寿101',
    });
    filled = r.filled;
    r = applyPostalFills(evaluate(form, raw, NOW, lookup), raw, filled);
    expect(r.raw).toBe(raw);
    expect(postalNotes(evaluate(form, raw, NOW, lookup), raw)).toEqual({
      home: { postalCode: '511-0061', status: 'found', addresses: [kotobuki], chooseTown: false },
    });
    // A code not known yet fills nothing; an unknown code fills nothing and says so.
    expect(
      applyPostalFills(evaluate(form, { zip: '4520962' }, NOW, lookup), { zip: '4520962' }, {}).raw,
    ).toEqual({
      zip: '4520962',
    });
    const unknown = { zip: '452-0961' };
    expect(postalNotes(evaluate(form, unknown, NOW, lookup), unknown).home?.status).toBe('notFound');
  });

  it('asks for the town when a code covers several, and does not refill a restored draft', () => {
    const many: PostalAddress[] = [
      { postalCode: '452-0961', prefecture: '愛知県', city: '清須市', town: '春日砂賀東' },
      { postalCode: '452-0961', prefecture: '愛知県', city: '清須市', town: '春日夢の森' },
    ];
    const raw = { zip: '4520961' };
    const ev = evaluate(form, raw, NOW, () => many);
    expect(postalNotes(ev, raw).home?.chooseTown).toBe(true);
    expect(applyPostalFills(ev, raw, {}).raw.home).toEqual({
      prefecture: '愛知県',
      city: '清須市',
      town: '',
    });
    const draft = { zip: '511-0061', home: { prefecture: '三重県', city: '桑名市', town: '寿町9' } };
    const restored = filledFrom(form, draft);
    expect(restored).toEqual({ zip: '5110061' });
    expect(
      applyPostalFills(
        evaluate(form, draft, NOW, () => [kotobuki]),
        draft,
        restored,
      ).raw,
    ).toBe(draft);
  });
});
