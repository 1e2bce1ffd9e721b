import type { CompiledForm, CompiledItem, CompiledSection } from '@tsunagu/server/contracts';
import { entriesOf, getAt, type Answers } from '#lib/form-builder/preview.ts';

/**
 * FORM-4: what staff fill in on a response after it arrived — the 職員用 items, in the form's
 * order. Items outside repeating sections are edited as they are; a repeating section the resident
 * filled gets its staff items once per entry (the entries stay the resident's); a repeating
 * section that is staff-only as a whole is the staff's own list, entries added and removed here.
 */
export type StaffBlock =
  | { kind: 'items'; items: CompiledItem[] }
  | { kind: 'entries'; section: CompiledSection; items: CompiledItem[]; own: boolean };

const isStaffInput = (ci: CompiledItem) => ci.input && ci.staffOnly;

export function staffBlocks(form: CompiledForm): StaffBlock[] {
  const out: StaffBlock[] = [];
  for (const page of form.pages)
    for (const cs of page.sections) {
      const items = cs.items.filter(isStaffInput);
      if (!items.length) continue;
      if (cs.section.repeat) {
        out.push({ kind: 'entries', section: cs, items, own: Boolean(cs.section.staffOnly) });
        continue;
      }
      const last = out[out.length - 1];
      if (last?.kind === 'items') last.items.push(...items);
      else out.push({ kind: 'items', items });
    }
  return out;
}

const blank = (v: unknown) =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * The staff part of a response's answers, as PATCH …/responses/:rid takes it (`staffAnswers`):
 * every staff item (an item left empty is cleared), a repeating section as one object per entry
 * matched by position.
 */
export function staffPart(blocks: StaffBlock[], answers: Answers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const b of blocks) {
    if (b.kind === 'items') {
      for (const ci of b.items) {
        const v = getAt(answers, ci.code);
        if (!blank(v)) out[ci.code] = v;
      }
      continue;
    }
    out[b.section.code] = entriesOf(answers, b.section.code).map((entry) => {
      const mine: Record<string, unknown> = {};
      for (const ci of b.items) if (!blank(entry[ci.code])) mine[ci.code] = entry[ci.code];
      return mine;
    });
  }
  return out;
}
