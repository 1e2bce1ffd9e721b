import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  FORM_STATE_MESSAGES,
  validateSubmission,
  type CompiledForm,
  type FormAnswers,
  type FormResponseSource,
  type FormSettings,
} from '../../contracts/index.js';
import { appendToChain, type ActorType } from '../../platform/audit/audit-chain.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { HttpError } from '../../platform/http/errors.js';
import { mailConfigured } from '../../platform/mail/mailer.js';
import { checkSubmittedFiles, type FileOwner } from './form-files.js';
import { facetsOf, mergeAnswers, repeatCounts, searchVectorOf, splitAnswers } from './form-answers.js';
import {
  currentVersion,
  formState,
  mustLoadForm,
  settingsOf,
  updatedRows,
  type FormRow,
} from './forms.service.js';
import { japanPostLookup } from './postal-lookup.js';

/**
 * Storing a response (FORM-4…6): the one path for residents' submissions and for responses staff
 * enter from a phone call or a paper form. Everything happens in the caller's tenant transaction
 * with the form row locked, so the response limit, one-answer-per-resident and the 受付番号
 * sequence hold under any concurrency; a refusal (engine errors item by item, files that do not
 * check out, a newer version, a closed form) throws before anything is written.
 */

export const ANSWERS_PURPOSE = (responseId: string) => `form_response.answers:${responseId}`;
export const MEMO_PURPOSE = (responseId: string) => `form_response.memo:${responseId}`;

export interface Submitter extends FileOwner {
  source: FormResponseSource;
  actor: {
    type: ActorType;
    id: string | null;
    label: string | null;
    ip: string | null;
    userAgent: string | null;
  };
}

export interface SubmitResult {
  responseId: string;
  receiptNumber: string;
  /** A resident changed an earlier answer (answersPerResident one + editableAfterSubmit). */
  updated: boolean;
  version: number;
  /** Outbox rows to hand to the queue once the transaction committed. */
  notifications: string[];
  settings: FormSettings;
}

/** 409 for a submission the form's state refuses, with the state so the page can say why. */
export function stateRefusal(state: Exclude<ReturnType<typeof formState>, 'open'>): HttpError {
  return new HttpError(409, FORM_STATE_MESSAGES[state], {
    type: 'urn:tsunagu:form-state',
    extra: { reason: state },
  });
}

/** The JST year of an instant (受付番号 count per calendar year). */
export function jstYear(d: Date): number {
  return new Date(d.getTime() + 9 * 3600 * 1000).getUTCFullYear();
}

async function responsesOf(m: EntityManager, formId: string, who: FileOwner): Promise<Array<{ id: string }>> {
  if (who.residentId)
    return m.query(
      'select id from form_response where form_id = $1 and resident_id = $2 order by submitted_at',
      [formId, who.residentId],
    );
  if (who.visitorHash)
    return m.query(
      'select id from form_response where form_id = $1 and visitor_hash = $2 order by submitted_at',
      [formId, who.visitorHash],
    );
  return [];
}

/** Outbox rows of a new or changed response: the talk's completion message and the department's mail. */
async function queueNotifications(
  m: EntityManager,
  tenantId: string,
  responseId: string,
  settings: FormSettings,
  who: Submitter,
  event: 'submitted' | 'updated',
): Promise<string[]> {
  const kinds: Array<'talk' | 'email'> = [];
  if (who.residentId && settings.sendCompletionToTalk && event === 'submitted') kinds.push('talk');
  if (settings.notifyEmails.length && mailConfigured()) kinds.push('email');
  const ids: string[] = [];
  for (const kind of kinds) {
    const rows: Array<{ id: string }> = await m.query(
      `insert into form_notification (tenant_id, response_id, kind, event) values ($1, $2, $3, $4) returning id`,
      [tenantId, responseId, kind, event],
    );
    ids.push(rows[0]!.id);
  }
  return ids;
}

/**
 * Checks and stores one submission `{version, answers}`. Residents (and browsers, when the form
 * does not ask for LINE login) answer the current version with audience `resident`; staff with
 * audience `staff` (staff-only items included) and regardless of dates and limits.
 */
export async function submitResponse(
  m: EntityManager,
  tenantId: string,
  formId: string,
  body: unknown,
  who: Submitter,
  now = new Date(),
): Promise<SubmitResult> {
  const form = await mustLoadForm(m, formId, true);
  if (form.status === 'draft' || !form.publishedVersion)
    throw new HttpError(404, 'このフォームは現在ご利用いただけません');
  const settings = settingsOf(form);
  const staff = who.staffId !== null;
  const mine = staff ? [] : await responsesOf(m, form.id, who);
  if (!staff) {
    const state = formState(form, settings, now, mine.length);
    if (state !== 'open') throw stateRefusal(state);
  }
  const compiled = await currentVersion(m, form);
  const checked = validateSubmission(compiled, body, {
    audience: staff ? 'staff' : 'resident',
    now,
    postalLookup: japanPostLookup,
  });
  if (!checked.ok)
    throw new HttpError(checked.reason === 'version' ? 409 : 422, checked.title, {
      type: checked.reason === 'version' ? 'urn:tsunagu:form-version' : undefined,
      errors: checked.errors,
      extra: checked.reason === 'version' ? { reason: 'version', version: compiled.version } : {},
    });

  const editing = !staff && settings.answersPerResident === 'one' && mine.length > 0 ? mine[0]!.id : null;
  const responseId = editing ?? randomUUID();
  const files = await checkSubmittedFiles(m, form.id, checked.answers, checked.files, who, editing);
  if (files.errors.length)
    throw new HttpError(422, '添付ファイルを確認してください', { errors: files.errors });

  const answers = files.answers;
  const stored = await storedAnswers(compiled, answers, responseId);
  let receiptNumber: string;
  if (editing) {
    const rows = updatedRows<{ receipt_number: string }>(
      await m.query(
        `update form_response set version = $2, answers = $3::jsonb, personal_enc = $4, facets = $5, search = $6::tsvector,
                updated_at = now(), updated_by = null
          where id = $1 returning receipt_number`,
        [responseId, compiled.version, stored.answers, stored.personal, stored.facets, stored.search],
      ),
    );
    receiptNumber = rows[0]!.receipt_number;
    // Attachments the new answers no longer name go back to being orphans (the clean-up removes them).
    await m.query(
      'update form_file set response_id = null where response_id = $1 and not (id = any($2::uuid[]))',
      [responseId, files.fileIds],
    );
    await bumpRepeatEntries(m, form.id, repeatCounts(compiled, answers));
  } else {
    receiptNumber = await nextReceipt(m, form, settings, now, repeatCounts(compiled, answers));
    await m.query(
      `insert into form_response (id, tenant_id, form_id, version, receipt_number, resident_id, visitor_hash, source,
                                  answers, personal_enc, facets, search, entered_by, submitted_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12::tsvector, $13, $14, $14)`,
      [
        responseId,
        tenantId,
        form.id,
        compiled.version,
        receiptNumber,
        who.residentId,
        who.visitorHash,
        who.source,
        stored.answers,
        stored.personal,
        stored.facets,
        stored.search,
        who.staffId,
        now,
      ],
    );
  }
  if (files.fileIds.length)
    await m.query('update form_file set response_id = $1 where id = any($2::uuid[])', [
      responseId,
      files.fileIds,
    ]);
  if (who.residentId)
    await m.query('delete from form_draft where form_id = $1 and resident_id = $2', [
      form.id,
      who.residentId,
    ]);
  else if (who.visitorHash)
    await m.query('delete from form_draft where form_id = $1 and visitor_hash = $2', [
      form.id,
      who.visitorHash,
    ]);

  const event = editing ? 'updated' : 'submitted';
  const notifications = await queueNotifications(m, tenantId, responseId, settings, who, event);
  await appendToChain(
    m,
    { name: 'audit_log', tenantId },
    {
      actorType: who.actor.type,
      actorId: who.actor.id,
      actorLabel: who.actor.label,
      ip: who.actor.ip,
      userAgent: who.actor.userAgent,
      action: editing ? 'form.response_update' : staff ? 'form.response_enter' : 'form.response_submit',
      outcome: 'success',
      targetType: 'form_response',
      targetId: responseId,
      // Codes and numbers only: the answers are personal data.
      detail: {
        formId: form.id,
        version: compiled.version,
        receiptNumber,
        source: who.source,
        files: files.fileIds.length,
      },
    },
  );
  return {
    responseId,
    receiptNumber,
    updated: Boolean(editing),
    version: compiled.version,
    notifications,
    settings,
  };
}

/** The columns a clean answer set is stored as (jsonb, sealed personal half, facets, search vector). */
export async function storedAnswers(
  compiled: CompiledForm,
  answers: FormAnswers,
  responseId: string,
): Promise<{ answers: string; personal: string | null; facets: string[]; search: string }> {
  const split = splitAnswers(compiled, answers);
  return {
    answers: JSON.stringify(split.plain),
    personal: split.personal
      ? await encryptField(JSON.stringify(split.personal), ANSWERS_PURPOSE(responseId))
      : null,
    facets: facetsOf(compiled, answers),
    search: searchVectorOf(compiled, answers),
  };
}

/** A stored response's whole answer set (the sealed half opened). */
export async function readAnswers(row: {
  id: string;
  answers: FormAnswers;
  personal_enc: string | null;
}): Promise<FormAnswers> {
  const personal = row.personal_enc
    ? (JSON.parse(await decryptField(row.personal_enc, ANSWERS_PURPOSE(row.id))) as FormAnswers)
    : null;
  return mergeAnswers(row.answers, personal);
}

/**
 * The next 受付番号 (`R-2026-000123`: prefix, JST year, a sequence per form and year), counted
 * and checked against the response limit under the form row's lock.
 */
async function nextReceipt(
  m: EntityManager,
  form: FormRow,
  settings: FormSettings,
  now: Date,
  repeats: Record<string, number>,
): Promise<string> {
  const year = jstYear(now);
  const rows = updatedRows<{ receipt_seq: number }>(
    await m.query(
      `update form set response_count = response_count + 1,
              receipt_seq = case when receipt_year = $2 then receipt_seq + 1 else 1 end,
              receipt_year = $2,
              repeat_entries = ${mergedRepeats('repeat_entries', '$3')}
        where id = $1 returning receipt_seq`,
      [form.id, year, JSON.stringify(repeats)],
    ),
  );
  const seq = rows[0]!.receipt_seq;
  return `${settings.receiptPrefix}-${year}-${String(seq).padStart(6, '0')}`;
}

/** SQL: the per-section maximum of a stored jsonb of entry counts and new counts. */
function mergedRepeats(column: string, param: string): string {
  return `coalesce((select jsonb_object_agg(k, greatest(coalesce((${column}->>k)::int, 0), coalesce((${param}::jsonb->>k)::int, 0)))
     from jsonb_object_keys(${column} || ${param}::jsonb) k), '{}'::jsonb)`;
}

export async function bumpRepeatEntries(m: EntityManager, formId: string, repeats: Record<string, number>) {
  if (!Object.keys(repeats).length) return;
  await m.query(`update form set repeat_entries = ${mergedRepeats('repeat_entries', '$2')} where id = $1`, [
    formId,
    JSON.stringify(repeats),
  ]);
}
