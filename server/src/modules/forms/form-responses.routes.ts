import type { Router } from 'express';
import { z } from 'zod';
import {
  evaluateForm,
  FORM_RESPONSE_STATUSES,
  FORM_STAFF_SOURCES,
  type CompiledForm,
  type FormAnswers,
  type FormEntryAnswers,
} from '../../contracts/index.js';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { encryptField } from '../../platform/crypto/tenant-keys.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { contentDisposition } from '../../platform/http/csv.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { FileResult, StatusResult } from '../../platform/http/results.js';
import { staffRoute, type StaffRequest, type StaffRouteOptions } from '../../platform/http/tenant-route.js';
import { parseBody, parseQuery } from '../../platform/http/validation.js';
import { streamResponsesCsv } from './form-export.js';
import { checkSubmittedFiles, readResponseFile } from './form-files.js';
import { enqueueNotifications } from './form-jobs.js';
import {
  listResponses,
  loadResponse,
  neighbourQuerySchema,
  responseDetail,
  responseNeighbours,
  responseListSchema,
  responseQuerySchema,
  responseWhere,
} from './form-responses.js';
import { crossTab, responseStats } from './form-stats.js';
import { MEMO_PURPOSE, readAnswers, storedAnswers, submitResponse } from './form-submit.js';
import { formFor } from './form-access.js';
import { messageTarget, responseMessages } from './form-messages.js';
import { allCompiledVersions, compiledVersion, type FormRow } from './forms.service.js';

/**
 * Staff API of a form's responses (FORM-4, 7, 8): the list (server-side paging and sorting,
 * filters on any item, created/updated ranges, full text), a response with its files, status and
 * memo and the staff-only items (audited), responses staff enter from a phone call or a paper
 * form (checked by the engine with audience `staff`), the streamed CSV, statistics per question
 * and a cross tabulation. Every route checks the form's permission: reading responses needs
 * `read` on the form (its organisation, or a view grant), the CSV `export`, changes `update`.
 */

const patchBody = z.strictObject({
  status: z.enum(FORM_RESPONSE_STATUSES, { error: '状態を選んでください' }).optional(),
  memo: z.string().max(5000, 'メモは5000文字以内にしてください').optional(),
  /** Answers to staff-only items (管理者用の入力項目), checked with the response's version. */
  staffAnswers: z.record(z.string(), z.unknown()).optional(),
});

const staffEntryBody = z.strictObject({
  version: z.number({ error: 'フォームの版を指定してください' }).int().min(1),
  answers: z.record(z.string(), z.unknown(), { error: '回答を指定してください' }),
  source: z
    .enum(FORM_STAFF_SOURCES, { error: '受付方法（電話・紙・窓口など）を選んでください' })
    .default('phone'),
});

async function versionsOf(ctx: StaffRequest, form: FormRow): Promise<CompiledForm[]> {
  if (!form.publishedVersion) return [];
  return allCompiledVersions(ctx.m, form.id);
}

/**
 * The answers with the staff-only items replaced by `staff` (the engine's clean answers of those
 * items), entries of repeating sections matched by position.
 */
function withStaffItems(form: CompiledForm, answers: FormAnswers, staff: FormAnswers): FormAnswers {
  const out = structuredClone(answers);
  for (const cs of form.sections.values()) {
    const staffCodes = cs.items.filter((ci) => ci.staffOnly && ci.input).map((ci) => ci.code);
    if (!staffCodes.length) continue;
    if (!cs.section.repeat) {
      for (const code of staffCodes) {
        delete out[code];
        if (staff[code] !== undefined) out[code] = staff[code]!;
      }
      continue;
    }
    const mine = Array.isArray(out[cs.code]) ? (out[cs.code] as FormEntryAnswers[]) : [];
    const theirs = Array.isArray(staff[cs.code]) ? (staff[cs.code] as FormEntryAnswers[]) : [];
    const n = cs.section.staffOnly ? theirs.length : mine.length;
    const merged: FormEntryAnswers[] = [];
    for (let i = 0; i < n; i++) {
      const e: FormEntryAnswers = { ...(cs.section.staffOnly ? {} : (mine[i] ?? {})) };
      // Only the staff items of an entry come from staff; what the resident answered stays theirs.
      for (const code of staffCodes) {
        delete e[code];
        const v = theirs[i]?.[code];
        if (v !== undefined) e[code] = v;
      }
      merged.push(e);
    }
    if (merged.length) out[cs.code] = merged;
    else delete out[cs.code];
  }
  return out;
}

export function addResponseRoutes(r: Router, opts: StaffRouteOptions): void {
  r.get(
    '/:id/responses',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const q = parseQuery(responseListSchema, ctx.req.query);
      const versions = await versionsOf(ctx, form);
      if (!versions.length) return { items: [], total: 0, page: q.page, pageSize: q.pageSize };
      const { items, total } = await listResponses(ctx.m, form, versions, q);
      return { items, total, page: q.page, pageSize: q.pageSize };
    }),
  );

  /** Streamed CSV of all or the filtered responses (same parameters as the list), audited. */
  r.get(
    '/:id/responses.csv',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'export');
      const q = parseQuery(
        responseQuerySchema.extend({ encoding: z.enum(['utf8', 'sjis']).default('utf8') }),
        ctx.req.query,
      );
      const versions = await versionsOf(ctx, form);
      const params: unknown[] = [];
      const where = responseWhere(form.id, versions, q, params);
      const filtered = where.includes(' AND ');
      const rows = filtered
        ? (
            (await ctx.m.query(
              `select count(*)::int as n from form_response fr where ${where}`,
              params,
            )) as Array<{ n: number }>
          )[0]!.n
        : form.responses;
      // Recorded, and committed, before the first byte leaves: an export that was started is in the log.
      await withTenant(ctx.tenant.id, (m) =>
        appendToChain(
          m,
          { name: 'audit_log', tenantId: ctx.tenant.id },
          {
            actorType: ctx.actor.type,
            actorId: ctx.actor.id,
            actorLabel: ctx.actor.label,
            ip: ctx.ip,
            userAgent: ctx.userAgent,
            action: 'form.responses_export',
            outcome: 'success',
            targetType: 'form',
            targetId: form.id,
            detail: { rows, encoding: q.encoding, filtered },
          },
        ),
      );
      const result = await streamResponsesCsv(ctx.m, ctx.res, {
        title: form.title,
        versions,
        repeatEntries: form.repeatEntries,
        where,
        params,
        encoding: q.encoding,
      });
      if (!result.complete)
        await ctx.audit({
          action: 'form.responses_export',
          outcome: 'failure',
          targetType: 'form',
          targetId: form.id,
          detail: { rows: result.rows, encoding: q.encoding, filtered, complete: false },
        });
      return undefined;
    }),
  );

  r.get(
    '/:id/responses/:rid',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const row = await loadResponse(ctx.m, form.id, String(ctx.req.params.rid));
      if (!row) throw notFound('回答');
      const detail = await responseDetail(ctx.m, row);
      const version = await compiledVersion(ctx.m, form.id, row.version);
      return {
        ...detail,
        formId: form.id,
        definition: version.definition,
        // FORM-10 ⑧: messages to this respondent, and whether one can be sent.
        messages: await responseMessages(ctx.m, row.id),
        ...(await messageTarget(ctx.m, row.resident_id)),
      };
    }),
  );

  /** 前の回答・次の回答: the list's query (filters, sort) and the position the response had in it. */
  r.get(
    '/:id/responses/:rid/neighbours',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const q = parseQuery(neighbourQuerySchema, ctx.req.query);
      const versions = await versionsOf(ctx, form);
      if (!versions.length) return { position: null, total: 0, previous: null, next: null };
      return responseNeighbours(ctx.m, form, versions, q, String(ctx.req.params.rid));
    }),
  );

  /** An attached file, for staff with read permission on the form (audited: it is personal data). */
  r.get(
    '/:id/responses/:rid/files/:fileId',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const row = await loadResponse(ctx.m, form.id, String(ctx.req.params.rid));
      if (!row) throw notFound('回答');
      const file = await readResponseFile(ctx.m, row.id, String(ctx.req.params.fileId));
      if (!file) throw notFound('添付ファイル');
      await ctx.audit({
        action: 'form.response_file_download',
        outcome: 'success',
        targetType: 'form_response',
        targetId: row.id,
        detail: {
          formId: form.id,
          fileId: String(ctx.req.params.fileId),
          type: file.type,
          size: file.data.length,
        },
      });
      return new FileResult(file.data, file.type, contentDisposition(file.name));
    }),
  );

  r.patch(
    '/:id/responses/:rid',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update');
      const body = parseBody(patchBody, ctx.req.body);
      const row = await loadResponse(ctx.m, form.id, String(ctx.req.params.rid), true);
      if (!row) throw notFound('回答');
      const changes: Record<string, unknown> = {};
      if (body.status !== undefined && body.status !== row.status) {
        await ctx.m.query('update form_response set status = $2 where id = $1', [row.id, body.status]);
        changes.status = { before: row.status, after: body.status };
      }
      if (body.memo !== undefined) {
        const memo = body.memo.trim();
        await ctx.m.query('update form_response set memo_enc = $2 where id = $1', [
          row.id,
          memo ? await encryptField(memo, MEMO_PURPOSE(row.id)) : null,
        ]);
        // The memo may hold personal data: the audit records that it changed, not what it says.
        changes.memo = { changed: true, length: memo.length };
      }
      if (body.staffAnswers !== undefined) {
        const version = await compiledVersion(ctx.m, form.id, row.version);
        const current = await readAnswers(row);
        const errors = Object.keys(body.staffAnswers)
          .filter((k) => {
            const ci = version.items.get(k);
            const cs = version.sections.get(k);
            const staffOnly =
              (ci && ci.staffOnly) ||
              (cs && cs.section.staffOnly) ||
              (cs && cs.items.some((i) => i.staffOnly));
            return !staffOnly;
          })
          .map((k) => ({
            path: `staffAnswers.${k}`,
            message: 'この項目は職員用の項目ではありません（利用者の回答は変更できません）',
          }));
        if (errors.length) throw new HttpError(422, '入力内容を確認してください', { errors });
        const evaluation = evaluateForm(
          version,
          withStaffItems(version, current, body.staffAnswers as FormAnswers),
          {
            audience: 'staff',
            only: 'staffItems',
            hiddenAnswers: 'refuse',
            now: new Date(),
            pathPrefix: 'staffAnswers',
          },
        );
        if (!evaluation.ok)
          throw new HttpError(422, '入力内容を確認してください', { errors: evaluation.errors });
        const files = await checkSubmittedFiles(
          ctx.m,
          form.id,
          evaluation.answers,
          evaluation.files,
          { residentId: null, visitorHash: null, staffId: ctx.staff?.id ?? ctx.actor.id },
          row.id,
        );
        if (files.errors.length)
          throw new HttpError(422, '添付ファイルを確認してください', { errors: files.errors });
        const next = withStaffItems(version, current, files.answers);
        const stored = await storedAnswers(version, next, row.id);
        await ctx.m.query(
          `update form_response set answers = $2::jsonb, personal_enc = $3, facets = $4, search = $5::tsvector where id = $1`,
          [row.id, stored.answers, stored.personal, stored.facets, stored.search],
        );
        if (files.fileIds.length)
          await ctx.m.query('update form_file set response_id = $1 where id = any($2::uuid[])', [
            row.id,
            files.fileIds,
          ]);
        changes.staffItems = Object.keys(body.staffAnswers);
      }
      if (Object.keys(changes).length) {
        await ctx.m.query('update form_response set updated_at = now(), updated_by = $2 where id = $1', [
          row.id,
          ctx.staff?.id ?? null,
        ]);
        await ctx.audit({
          action: 'form.response_update',
          outcome: 'success',
          targetType: 'form_response',
          targetId: row.id,
          detail: { formId: form.id, receiptNumber: row.receipt_number, ...changes },
        });
      }
      const updated = (await loadResponse(ctx.m, form.id, row.id))!;
      return responseDetail(ctx.m, updated);
    }),
  );

  /** A response staff enter (電話・紙・窓口): checked by the engine with audience staff. */
  r.post(
    '/:id/responses',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update');
      const body = parseBody(staffEntryBody, ctx.req.body);
      const result = await submitResponse(ctx.m, ctx.tenant.id, form.id, body, {
        residentId: null,
        visitorHash: null,
        staffId: ctx.staff?.id ?? ctx.actor.id,
        source: body.source,
        actor: {
          type: ctx.actor.type,
          id: ctx.actor.id,
          label: ctx.actor.label,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
        },
      });
      // This transaction commits after the handler: the job waits a moment, and retries if early.
      await enqueueNotifications(ctx.tenant.id, result.notifications, 2000);
      return new StatusResult(201, { id: result.responseId, receiptNumber: result.receiptNumber });
    }),
  );

  r.get(
    '/:id/stats',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const q = parseQuery(responseQuerySchema, ctx.req.query);
      const versions = await versionsOf(ctx, form);
      if (!versions.length) return { total: 0, questions: [] };
      const params: unknown[] = [];
      const where = responseWhere(form.id, versions, q, params);
      return responseStats(ctx.m, versions, where, params);
    }),
  );

  r.get(
    '/:id/crosstab',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const q = parseQuery(
        responseQuerySchema.extend({
          row: z.string({ error: '行の項目を選んでください' }).max(40),
          col: z.string({ error: '列の項目を選んでください' }).max(40),
        }),
        ctx.req.query,
      );
      const versions = await versionsOf(ctx, form);
      if (!versions.length) throw new HttpError(409, 'まだ公開していないフォームです');
      const params: unknown[] = [];
      const where = responseWhere(form.id, versions, q, params);
      return crossTab(ctx.m, versions, q.row, q.col, where, params);
    }),
  );
}
