import { subject } from '@casl/ability';
import type { EntityManager } from 'typeorm';
import { isIsoDate } from '../../contracts/index.js';
import type { FieldError } from '../../platform/http/errors.js';
import type { AppAbility } from '../../platform/permissions/ability.js';
import { leavesOf, type SegmentDefinition } from '../segments/segment.model.js';
import { isPersonalItem } from './form-answers.js';
import { itemAcross } from './form-responses.js';
import { allCompiledVersions } from './forms.service.js';

/**
 * SEG-8 (TN 4-⑥ アンケートの回答をセグメントの条件に使えること): checks the `form_answer` leaves of
 * a segment definition against their forms before it is counted or saved. The form must be one
 * the account may read (a condition on answers discloses who answered what) and published; the
 * question an answerable, non-personal item of one of its versions (personal answers are sealed
 * and never selectable); the operator one that fits the item, with option codes that exist.
 * segment-sql.ts compiles what passes.
 */
export async function checkFormAnswerLeaves(
  m: EntityManager,
  ability: AppAbility,
  def: SegmentDefinition,
  pathPrefix = 'definition',
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const { leaf, path } of leavesOf(def)) {
    if (leaf.type !== 'form_answer') continue;
    const at = (field: string) => [pathPrefix, ...path, field].filter(Boolean).join('.');
    const rows: Array<{
      id: string;
      organisation_id: string;
      title: string;
      published_version: number | null;
    }> = await m.query('select id, organisation_id, title, published_version from form where id = $1', [
      leaf.formId,
    ]);
    const form = rows[0];
    if (!form) {
      errors.push({ path: at('formId'), message: 'フォームが見つかりません' });
      continue;
    }
    if (!ability.can('read', subject('Form', { id: form.id, organisationId: form.organisation_id }))) {
      errors.push({ path: at('formId'), message: `フォーム「${form.title}」の回答を見る権限がありません` });
      continue;
    }
    if (!form.published_version) {
      errors.push({ path: at('formId'), message: `フォーム「${form.title}」はまだ公開されていません` });
      continue;
    }
    const ci = itemAcross(await allCompiledVersions(m, form.id), leaf.question);
    if (!ci) {
      errors.push({
        path: at('question'),
        message: `フォーム「${form.title}」に設問「${leaf.question}」はありません`,
      });
      continue;
    }
    const label = ('label' in ci.item && ci.item.label) || ci.code;
    if (isPersonalItem(ci)) {
      errors.push({ path: at('question'), message: `「${label}」は個人情報の項目のため、条件に使えません` });
      continue;
    }
    const values = leaf.values ?? [];
    const type = ci.item.type;
    switch (leaf.op) {
      case 'answered':
      case 'not_answered':
        if (values.length)
          errors.push({ path: at('values'), message: '「回答あり・なし」の条件に値は指定しません' });
        break;
      case 'in':
      case 'not_in': {
        if (!ci.options) {
          errors.push({ path: at('op'), message: `「${label}」は選択肢の設問ではありません` });
          break;
        }
        if (!values.length) errors.push({ path: at('values'), message: '選択肢を1つ以上選んでください' });
        const unknown = values.filter((v) => typeof v !== 'string' || !ci.options!.has(v));
        if (unknown.length)
          errors.push({
            path: at('values'),
            message: `「${label}」に選択肢 ${unknown.map((v) => `「${v}」`).join('、')} はありません`,
          });
        break;
      }
      case 'eq':
      case 'ne': {
        if (values.length !== 1) {
          errors.push({ path: at('values'), message: '比べる値を1つ指定してください' });
          break;
        }
        const v = values[0]!;
        if (ci.options && (typeof v !== 'string' || !ci.options.has(v)))
          errors.push({ path: at('values'), message: `「${label}」に選択肢「${v}」はありません` });
        else if (type === 'number' && typeof v !== 'number')
          errors.push({ path: at('values'), message: `「${label}」は数値で指定してください` });
        else if (type !== 'number' && typeof v !== 'string')
          errors.push({ path: at('values'), message: `「${label}」は文字で指定してください` });
        break;
      }
      default: {
        if (values.length !== 1) {
          errors.push({ path: at('values'), message: '比べる値を1つ指定してください' });
          break;
        }
        const v = values[0]!;
        if (type === 'number') {
          if (typeof v !== 'number')
            errors.push({ path: at('values'), message: `「${label}」は数値で指定してください` });
        } else if (type === 'date') {
          if (!isIsoDate(v))
            errors.push({ path: at('values'), message: '日付は 2026-04-01 の形で指定してください' });
        } else
          errors.push({
            path: at('op'),
            message: `「${label}」は大小を比べられません（数値と日付の設問だけです）`,
          });
      }
    }
  }
  return errors;
}

/** How the segment builder asks about a question: by its answers' shape. */
export type FormQuestionKind = 'choice' | 'number' | 'date' | 'text';

export interface FormQuestionOption {
  code: string;
  label: string;
  /** 0 at the top of a hierarchy. */
  depth: number;
  /** Labels from the top (「北部 › 熊山」); the label itself for flat choices. */
  path: string;
}

export interface FormQuestion {
  code: string;
  label: string;
  type: string;
  kind: FormQuestionKind;
  /** Choice questions only, parents before their children (depth-first). */
  options?: FormQuestionOption[];
}

export interface FormQuestions {
  id: string;
  title: string;
  questions: FormQuestion[];
}

const OLD_VERSION = '（旧版）';

function questionKind(type: string): FormQuestionKind {
  if (type === 'number') return 'number';
  if (type === 'date') return 'date';
  if (
    type === 'singleChoice' ||
    type === 'multipleChoice' ||
    type === 'dropdown' ||
    type === 'hierarchyChoice'
  )
    return 'choice';
  return 'text';
}

/**
 * SEG-8, for the segment builder: the published forms this account may read and, for each, the
 * questions a condition may name — exactly what checkFormAnswerLeaves accepts. Questions span
 * every published version (responses to older versions still count), in the latest version's
 * order with its labels; questions dropped since are listed after them, marked 「（旧版）」.
 * Items of repeating sections carry their section's title, as a condition on them matches any
 * entry. Personal items are never listed.
 */
export async function formQuestionsForSegments(
  m: EntityManager,
  ability: AppAbility,
): Promise<FormQuestions[]> {
  const forms: Array<{ id: string; organisation_id: string; title: string }> = await m.query(
    'select id, organisation_id, title from form where published_version is not null order by title, id',
  );
  const out: FormQuestions[] = [];
  for (const form of forms) {
    if (!ability.can('read', subject('Form', { id: form.id, organisationId: form.organisation_id })))
      continue;
    const versions = await allCompiledVersions(m, form.id);
    const latest = versions[versions.length - 1];
    const seen = new Set<string>();
    const questions: FormQuestion[] = [];
    // Newest version first, so the latest label (and position) wins.
    for (let v = versions.length - 1; v >= 0; v--) {
      for (const ci of versions[v]!.items.values()) {
        if (!ci.input || seen.has(ci.code)) continue;
        seen.add(ci.code);
        if (isPersonalItem(ci)) continue;
        const base = ('label' in ci.item && ci.item.label) || ci.code;
        const section = ci.section.section;
        const label =
          (section.repeat && section.title ? `${section.title}：${base}` : base) +
          (versions[v] === latest ? '' : OLD_VERSION);
        const kind = questionKind(ci.item.type);
        const q: FormQuestion = { code: ci.code, label, type: ci.item.type, kind };
        if (kind === 'choice' && ci.options)
          q.options = [...ci.options.entries()].map(([code, o]) => ({
            code,
            label: o.label,
            depth: o.path.length - 1,
            path: o.path.map((c) => ci.options!.get(c)?.label ?? c).join(' › '),
          }));
        questions.push(q);
      }
    }
    if (questions.length) out.push({ id: form.id, title: form.title, questions });
  }
  return out;
}
