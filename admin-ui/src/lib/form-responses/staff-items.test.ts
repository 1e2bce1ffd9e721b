import { compileForm, parseFormDefinition, type FormDefinitionInput } from '@tsunagu/server/contracts';
import { describe, expect, it } from 'vitest';
import { staffBlocks, staffPart } from './staff-items';

const input: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      sections: [
        {
          code: 's1',
          items: [
            { type: 'shortText', code: 'name', label: '氏名' },
            { type: 'date', code: 'checked_on', label: '確認日', staffOnly: true },
          ],
        },
        {
          code: 'kids',
          title: 'お子さま',
          repeat: { min: 0, max: 3, itemName: 'お子さま' },
          items: [
            { type: 'shortText', code: 'kid_name', label: 'お名前' },
            {
              type: 'singleChoice',
              code: 'eligible',
              label: '対象',
              staffOnly: true,
              options: [
                { code: 'yes', label: '対象' },
                { code: 'no', label: '対象外' },
              ],
            },
          ],
        },
        {
          code: 'calls',
          title: '対応履歴',
          staffOnly: true,
          repeat: { min: 0, max: 5, itemName: '対応' },
          items: [{ type: 'longText', code: 'call_note', label: '内容' }],
        },
        {
          code: 's2',
          items: [{ type: 'shortText', code: 'result', label: '結果', staffOnly: true }],
        },
      ],
    },
  ],
};

const parsed = parseFormDefinition(input);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const form = compileForm(parsed.definition, 1);

describe('staff items of a response', () => {
  it('finds them in order: plain items, per-entry items, staff-only lists', () => {
    const blocks = staffBlocks(form);
    expect(
      blocks.map((b) =>
        b.kind === 'items'
          ? ['items', b.items.map((i) => i.code)]
          : ['entries', b.section.code, b.own, b.items.map((i) => i.code)],
      ),
    ).toEqual([
      ['items', ['checked_on']],
      ['entries', 'kids', false, ['eligible']],
      ['entries', 'calls', true, ['call_note']],
      ['items', ['result']],
    ]);
  });

  it('sends only staff answers, one object per entry by position, empty ones cleared', () => {
    const part = staffPart(staffBlocks(form), {
      name: '桑名 太郎',
      checked_on: '2026-12-07',
      result: '',
      kids: [{ kid_name: '一郎', eligible: 'yes' }, { kid_name: '二郎' }],
      calls: [{ call_note: '12/7 電話済み' }],
    });
    expect(part).toEqual({
      checked_on: '2026-12-07',
      kids: [{ eligible: 'yes' }, {}],
      calls: [{ call_note: '12/7 電話済み' }],
    });
    expect(staffPart(staffBlocks(form), {})).toEqual({ kids: [], calls: [] });
  });
});
