import { describe, expect, it } from 'vitest';
import { answerFromField, fieldItemFor, fieldValueFor } from './adapt.ts';
import { testForm } from './test-fixture.ts';

const form = testForm();
const item = (code: string) => form.items.get(code)!;

describe('form items in the 受信設定 fields', () => {
  it('maps each type to the field that shows it, with the engine’s requiredness', () => {
    expect(fieldItemFor(item('has_children'), true, '2026-05-01')).toMatchObject({
      kind: 'single',
      required: true,
    });
    expect(fieldItemFor(item('topics'), false, '2026-05-01')).toMatchObject({
      kind: 'multi',
      config: { maxSelect: 2 },
    });
    expect(fieldItemFor(item('how'), false, '2026-05-01')).toMatchObject({
      kind: 'hierarchy',
      config: { leafOnly: true },
    });
    expect(fieldItemFor(item('people'), false, '2026-05-01')).toMatchObject({
      kind: 'number',
      config: { min: 1, max: 10, unit: '人', integer: true },
    });
    expect(fieldItemFor(item('opinion'), false, '2026-05-01')).toMatchObject({
      kind: 'text',
      config: { multiline: true },
    });
    expect(fieldItemFor(item('birth'), true, '2026-05-01')).toMatchObject({
      kind: 'date',
      config: { notFuture: true },
    });
    for (const own of ['home', 'photos', 'place', 'note'])
      expect(fieldItemFor(item(own), false, '2026-05-01')).toBeNull();
  });

  it('turns answers into field values and back (a hierarchy as its path, a dropdown as one step)', () => {
    expect(fieldValueFor(item('area'), 'n2')).toEqual(['north', 'n2']);
    expect(answerFromField(item('area'), ['north', 'n2'])).toBe('n2');
    expect(answerFromField(item('area'), [])).toBeUndefined();
    expect(fieldValueFor(item('how'), 'paper')).toEqual(['paper']);
    expect(answerFromField(item('how'), ['line'])).toBe('line');
    expect(fieldValueFor(item('people'), 3)).toBe('3');
    expect(answerFromField(item('name'), '')).toBeUndefined();
    expect(answerFromField(item('topics'), [])).toBeUndefined();
    expect(answerFromField(item('has_children'), '')).toBeUndefined();
  });
});
