/**
 * Opening a form again: the resident's draft comes back (「前回の入力を復元しました」). A draft of
 * the version on screen is taken as it is; a draft of an older version (staff published a new one
 * since) keeps only the answers that still fit the new version (same code and type, options that
 * still exist: the engine's carryOverAnswers, read against the new version since the old one is
 * not sent). Pure.
 */
import { carryOverAnswers, isBlankAnswer, type CompiledForm } from '@tsunagu/server/contracts';
import { initialAnswers, type RawAnswers } from './answers.ts';
import type { FormDraft } from './api.ts';

export interface Restored {
  answers: RawAnswers;
  /** A draft with something in it was restored. */
  restored: boolean;
  /** It was made for another version; some answers may have been left out. */
  carried: boolean;
}

function hasAnswers(answers: RawAnswers): boolean {
  return Object.values(answers).some((v) =>
    Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e))
      ? v.some((e) => Object.values(e as object).some((x) => !isBlankAnswer(x)))
      : !isBlankAnswer(v),
  );
}

export function restoreAnswers(form: CompiledForm, draft: FormDraft | null): Restored {
  const fresh = initialAnswers(form);
  if (!draft || !hasAnswers(draft.answers)) return { answers: fresh, restored: false, carried: false };
  const carried = draft.version !== form.version;
  const answers = carried ? carryOverAnswers(form, form, draft.answers).answers : draft.answers;
  // Repeating sections keep at least their minimum number of entries.
  const out: RawAnswers = { ...answers };
  for (const [code, entries] of Object.entries(fresh)) {
    const mine = Array.isArray(out[code]) ? (out[code] as unknown[]) : [];
    if (mine.length < (entries as unknown[]).length)
      out[code] = [...mine, ...(entries as unknown[]).slice(mine.length)];
  }
  return { answers: out, restored: true, carried };
}
