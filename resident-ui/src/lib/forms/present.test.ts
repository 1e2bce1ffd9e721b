import { describe, expect, it } from 'vitest';
import { evaluate } from './answers.ts';
import { answerGroups, formatPhone } from './present.ts';
import { NOW, testForm } from './test-fixture.ts';

const form = testForm();

describe('the confirmation page', () => {
  it('reads every answer back in the form’s order and words, entries named by position', () => {
    const ev = evaluate(
      form,
      {
        name: '桑名 花子',
        birth: '1990-05-02',
        tel: '０９０ー１２３４ー５６７８',
        zip: '〒５１１００６１',
        home: { prefecture: '三重県', city: '桑名市', town: '寿町1-2', building: 'コーポ寿101' },
        has_children: 'yes',
        kids: [
          { kid_name: '一郎', kid_birth: '2018-04-01', kid_school: 'elementary' },
          { kid_name: '次郎', kid_birth: '2022-04-01' },
        ],
        photos: [{ id: 'up_1', name: '道路.jpg', size: 2_400_000, type: 'image/jpeg' }],
        place: { lat: 35.0656, lng: 136.6838 },
        how: 'paper',
        topics: ['bus', 'health'],
        area: 'n2',
        people: '８',
      },
      NOW,
    );
    const groups = answerGroups(form, ev);
    expect(groups.map((g) => g.title)).toEqual([
      'ご本人について',
      'お子さま（1件目）',
      'お子さま（2件目）',
      'そのほか',
    ]);
    // Top-level items by label (entries of the repeating section are checked below).
    const rows = Object.fromEntries(
      [groups[0]!, groups[3]!].flatMap((g) => g.rows.map((r) => [r.label, r.lines])),
    );
    expect(rows['生年月日']).toEqual(['1990年5月2日（満35歳）']);
    expect(rows['電話番号']).toEqual(['090-1234-5678']);
    expect(rows['郵便番号']).toEqual(['〒511-0061']);
    expect(rows['住所']).toEqual(['三重県桑名市寿町1-2', 'コーポ寿101']);
    expect(rows['お子さまはいますか']).toEqual(['いる']);
    expect(rows['写真']).toEqual(['道路.jpg（2.3MB）']);
    expect(rows['場所']).toEqual(['緯度35.065600、経度136.683800']);
    expect(rows['知ったきっかけ']).toEqual(['広報紙']);
    // Kept in the order of the options, whatever order they were ticked in.
    expect(rows['関心のあること']).toEqual(['健康', 'バス']);
    expect(rows['地区']).toEqual(['北部 › 星見ヶ丘']);
    expect(rows['人数']).toEqual(['8人']);
    expect(rows['ご意見']).toEqual([]);
    const first = groups[1]!.rows.map((r) => [r.label, r.lines]);
    expect(first).toEqual([
      ['氏名', ['一郎']],
      ['生年月日', ['2018年4月1日（満8歳）']],
      ['通っている学校', ['小学校']],
    ]);
    // The second child is under six: no school question, so no row for it.
    expect(groups[2]!.rows.map((r) => r.path)).toEqual(['kids.1.kid_name', 'kids.1.kid_birth']);
  });

  it('leaves out pages the answers hide', () => {
    const ev = evaluate(form, { has_children: 'no', kids: [{ kid_name: 'x' }] }, NOW);
    expect(answerGroups(form, ev).map((g) => g.title)).toEqual(['ご本人について', 'そのほか']);
  });

  it('writes phone numbers the way people read them', () => {
    expect(formatPhone('09012345678')).toBe('090-1234-5678');
    expect(formatPhone('0120123456')).toBe('0120-123-456');
    expect(formatPhone('0594241111')).toBe('0594241111');
  });
});
