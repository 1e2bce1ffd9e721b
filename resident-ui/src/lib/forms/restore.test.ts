import { describe, expect, it } from 'vitest';
import { restoreAnswers } from './restore.ts';
import { definition, testForm } from './test-fixture.ts';

describe('restoring a draft', () => {
  const form = testForm(3);

  it('starts fresh without a draft, or with an empty one', () => {
    expect(restoreAnswers(form, null)).toEqual({ answers: { kids: [{}] }, restored: false, carried: false });
    expect(
      restoreAnswers(form, { version: 3, answers: { kids: [{}], name: ' ' }, savedAt: '' }).restored,
    ).toBe(false);
  });

  it('takes a draft of this version as it is, with the minimum entries', () => {
    const r = restoreAnswers(form, { version: 3, answers: { name: '花子', tel: '０９０' }, savedAt: 't' });
    expect(r).toEqual({
      answers: { name: '花子', tel: '０９０', kids: [{}] },
      restored: true,
      carried: false,
    });
  });

  it('keeps of an older version’s draft only what fits this version', () => {
    const newer = testForm(4, {
      ...definition,
      pages: definition.pages.map((p) =>
        p.code !== 'about'
          ? p
          : {
              ...p,
              sections: p.sections.map((s) => ({
                ...s,
                items: s.items.map((i) =>
                  i.code === 'has_children'
                    ? {
                        ...i,
                        options: [
                          { code: 'yes', label: 'いる' },
                          { code: 'none', label: 'いない' },
                        ],
                      }
                    : i,
                ),
              })),
            },
      ),
    });
    const r = restoreAnswers(newer, {
      version: 3,
      answers: { name: '花子', has_children: 'no', gone: 'x' },
      savedAt: 't',
    });
    expect(r.carried).toBe(true);
    expect(r.answers).toEqual({ name: '花子', kids: [{}] });
  });
});
