/**
 * Answers read back to the resident: the confirmation page (「この内容で送信します」) and the
 * completion page list what the engine accepted, in the order of the form, named the way the
 * engine names paths (describePath: 「お子さま（2件目）の生年月日」). Pure.
 */
import {
  describePath,
  formatDateJa,
  type CompiledForm,
  type CompiledItem,
  type FormAddressAnswer,
  type FormAnswerValue,
  type FormDerived,
  type FormEntryAnswers,
  type FormEvaluation,
  type FormFileRef,
  type FormLocationAnswer,
} from '@tsunagu/server/contracts';
import { t } from '../i18n.ts';
import { visiblePages } from './answers.ts';
import { formatBytes } from './files.ts';

export interface AnswerRow {
  /** Path of the answer (the field to go back to). */
  path: string;
  label: string;
  /** Lines to show; [] = not answered. */
  lines: string[];
}

export interface AnswerGroup {
  /** Index of the page in the definition (for 「修正する」). */
  pageIndex: number;
  /** The page's title, a section's title, or an entry's name; '' when the form has one page. */
  title: string;
  /** The page's title ('' when the form has one page), for 「修正する」. */
  pageTitle: string;
  rows: AnswerRow[];
}

/** 09012345678 → 090-1234-5678 (mobile and 0120/0800 numbers; others as digits). */
export function formatPhone(digits: string): string {
  if (/^0[5789]0\d{8}$/.test(digits)) return `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`;
  if (/^0120\d{6}$/.test(digits)) return `${digits.slice(0, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`;
  if (/^0800\d{7}$/.test(digits)) return `${digits.slice(0, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`;
  return digits;
}

export function formatLocation(p: FormLocationAnswer): string {
  return t('forms.location.value', { lat: p.lat.toFixed(6), lng: p.lng.toFixed(6) });
}

/** One answer as lines, the way the resident chose or typed it. */
export function formatAnswer(
  ci: CompiledItem,
  value: FormAnswerValue | undefined,
  derived?: FormDerived,
): string[] {
  if (value === undefined) return [];
  const item = ci.item;
  const label = (code: string) => ci.options?.get(code)?.label ?? code;
  switch (item.type) {
    case 'number':
      return [`${Number(value).toLocaleString('ja-JP', { maximumFractionDigits: 10 })}${item.unit ?? ''}`];
    case 'phone':
      return [formatPhone(String(value))];
    case 'postalCode':
      return [`〒${String(value)}`];
    case 'date':
      return [formatDateJa(String(value))];
    case 'birthday':
      return [
        derived?.kind === 'age'
          ? t('forms.birthday.withAge', { date: formatDateJa(String(value)), age: derived.age })
          : formatDateJa(String(value)),
      ];
    case 'singleChoice':
    case 'dropdown':
      return [label(String(value))];
    case 'hierarchyChoice': {
      const path = ci.options?.get(String(value))?.path ?? [String(value)];
      return [path.map(label).join(' › ')];
    }
    case 'multipleChoice':
      return (value as string[]).map(label);
    case 'address': {
      const a = value as FormAddressAnswer;
      return [`${a.prefecture}${a.city}${a.town}`, ...(a.building ? [a.building] : [])];
    }
    case 'file':
      return (value as FormFileRef[]).map((f) => `${f.name}（${formatBytes(f.size)}）`);
    case 'location':
      return [formatLocation(value as FormLocationAnswer)];
    default:
      return [String(value)];
  }
}

/**
 * Every visible input item with its accepted answer, grouped by page (and by entry of a repeating
 * section), in the order of the form. Items left unanswered are listed too (「未回答」), so the
 * resident sees what they skipped.
 */
export function answerGroups(form: CompiledForm, ev: FormEvaluation): AnswerGroup[] {
  const pages = visiblePages(form, ev);
  const groups: AnswerGroup[] = [];
  for (const page of pages) {
    const pageIndex = form.pages.indexOf(page);
    const pageTitle = pages.length > 1 ? page.page.title || t('forms.page', { n: pageIndex + 1 }) : '';
    let current: AnswerGroup = { pageIndex, title: pageTitle, pageTitle, rows: [] };
    groups.push(current);
    for (const cs of page.sections) {
      if (ev.visible[cs.code] === false) continue;
      const repeat = cs.section.repeat;
      if (!repeat) {
        for (const ci of cs.items) {
          if (!ci.input || !ev.visible[ci.code]) continue;
          current.rows.push({
            path: ci.code,
            label: describePath(form, ci.code),
            lines: formatAnswer(ci, ev.answers[ci.code] as FormAnswerValue | undefined, ev.derived[ci.code]),
          });
        }
        continue;
      }
      const entries = (ev.answers[cs.code] as FormEntryAnswers[] | undefined) ?? [];
      if (entries.length === 0) {
        current.rows.push({ path: cs.code, label: describePath(form, cs.code), lines: [] });
        continue;
      }
      entries.forEach((entry, i) => {
        current = { pageIndex, title: describePath(form, `${cs.code}.${i}`), pageTitle, rows: [] };
        groups.push(current);
        for (const ci of cs.items) {
          const path = `${cs.code}.${i}.${ci.code}`;
          if (!ci.input || !ev.visible[path]) continue;
          current.rows.push({
            path,
            label: ('label' in ci.item && ci.item.label) || ci.code,
            lines: formatAnswer(ci, entry[ci.code], ev.derived[path]),
          });
        }
      });
      // Items after the repeating section on the same page get the page's heading again.
      current = { pageIndex, title: pageTitle, pageTitle, rows: [] };
      groups.push(current);
    }
  }
  return groups.filter((g) => g.rows.length > 0);
}
