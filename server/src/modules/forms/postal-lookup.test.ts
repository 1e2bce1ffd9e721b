import { describe, expect, it } from 'vitest';
import { compileForm, evaluateForm } from '../../contracts/forms/index.js';
import { japanPostLookup } from './postal-lookup.js';

describe('Japan Post postal codes (bundled data)', () => {
  it('finds the addresses of our cities’ postal codes', () => {
    expect(japanPostLookup('5110061')).toEqual([
      { postalCode: '511-0061', prefecture: '三重県', city: '桑名市', town: '寿町' },
    ]);
    expect(japanPostLookup('5600001')).toEqual([
      { postalCode: '560-0001', prefecture: '大阪府', city: '豊中市', town: '北緑丘' },
    ]);
    expect(japanPostLookup('9996401')).toEqual([
      { postalCode: '999-6401', prefecture: '山形県', city: '最上郡戸沢村', town: '古口' },
    ]);
  });

  it('gives the city alone for a code Japan Post lists without a town, nothing for an unused one', () => {
    expect(japanPostLookup('5110000')).toEqual([
      { postalCode: '511-0000', prefecture: '三重県', city: '桑名市', town: '' },
    ]);
    expect(japanPostLookup('9999999')).toEqual([]);
    expect(japanPostLookup('12345')).toEqual([]);
  });

  it('lists both sides of a code that crosses a prefecture line (弥富市 and 木曽岬町, next to Kuwana)', () => {
    expect(japanPostLookup('4980000')).toEqual([
      { postalCode: '498-0000', prefecture: '愛知県', city: '弥富市', town: '' },
      { postalCode: '498-0000', prefecture: '三重県', city: '桑名郡木曽岬町', town: '' },
    ]);
  });

  it('lists every town of a code that covers several', () => {
    const towns = japanPostLookup('4520961');
    expect(towns.length).toBeGreaterThan(10);
    expect(new Set(towns.map((t) => t.city))).toEqual(new Set(['清須市']));
  });

  it('fills an address through the form engine', () => {
    const form = compileForm(
      {
        schemaVersion: 1,
        pages: [
          {
            code: 'p',
            sections: [
              {
                code: 's',
                items: [
                  {
                    type: 'postalCode',
                    code: 'zip',
                    label: '郵便番号',
                    fillAddress: 'home',
                    mustExist: true,
                  },
                  { type: 'address', code: 'home', label: '住所' },
                ],
              },
            ],
          },
        ],
      },
      1,
    );
    const run = (zip: string) =>
      evaluateForm(form, { zip }, { audience: 'resident', now: new Date(), postalLookup: japanPostLookup });
    expect(run('５１１ー００６１').derived.zip).toEqual({
      kind: 'postal',
      status: 'found',
      addresses: [{ postalCode: '511-0061', prefecture: '三重県', city: '桑名市', town: '寿町' }],
      fill: { prefecture: '三重県', city: '桑名市', town: '寿町' },
      target: 'home',
    });
    expect(run('999-9999').errors).toEqual([
      { path: 'zip', message: 'この郵便番号は見つかりません。番号をご確認ください' },
    ]);
  });
});
