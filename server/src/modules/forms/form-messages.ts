import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { FORM_MESSAGE_MAX } from '../../contracts/index.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { StatusResult } from '../../platform/http/results.js';
import { staffRoute, type StaffRouteOptions } from '../../platform/http/tenant-route.js';
import { parseBody } from '../../platform/http/validation.js';
import { formFor } from './form-access.js';
import { enqueueNotifications, MESSAGE_PURPOSE } from './form-jobs.js';
import { loadResponse } from './form-responses.js';

/**
 * FORM-10 ⑧ 「回答者1人に対してメッセージを送信できること」: staff write to the LINE resident
 * behind one response. The text is sealed with the tenant key (it may name the resident's
 * matter); the push goes through the form_notification outbox (kind `message`, the message's id
 * as LINE's retry key, the sweeper resending what is pending), after the request committed. The
 * audit records that a message was sent and how long it was, never what it said.
 *
 *   POST /api/forms/:id/responses/:rid/messages  {text}  → 201 the message
 *   GET  /api/forms/:id/responses/:rid           adds messages, canMessage, messageBlockedReason
 */

export interface FormMessageView {
  id: string;
  text: string;
  status: 'pending' | 'sent' | 'failed';
  createdAt: Date;
  sentAt: Date | null;
  sentByLabel: string | null;
}

const messageBody = z.strictObject({
  text: z
    .string({ error: 'メッセージを入力してください' })
    .trim()
    .min(1, 'メッセージを入力してください')
    .max(FORM_MESSAGE_MAX, `メッセージは${FORM_MESSAGE_MAX}文字以内にしてください`),
});

/** Whether the response's resident can be written to in LINE, and if not, why (for staff). */
export async function messageTarget(
  m: EntityManager,
  residentId: string | null,
): Promise<{ canMessage: boolean; messageBlockedReason: string | null }> {
  if (!residentId)
    return {
      canMessage: false,
      messageBlockedReason:
        'この回答はLINEを使わずに受け付けた回答（Web・電話・紙など）のため、LINEでメッセージを送れません。',
    };
  const rows: Array<{ friend_status: string; line_user_id: string | null }> = await m.query(
    'select friend_status, line_user_id from resident where id = $1',
    [residentId],
  );
  const r = rows[0];
  if (!r?.line_user_id)
    return {
      canMessage: false,
      messageBlockedReason: '回答者のLINEアカウントが見つからないため、メッセージを送れません。',
    };
  if (r.friend_status !== 'friend')
    return {
      canMessage: false,
      messageBlockedReason:
        '回答者がLINE公式アカウントをブロックしているか友だちではないため、メッセージを送れません。',
    };
  return { canMessage: true, messageBlockedReason: null };
}

/** The messages of a response, oldest first. */
export async function responseMessages(m: EntityManager, responseId: string): Promise<FormMessageView[]> {
  const rows: Array<{
    id: string;
    text_enc: string;
    created_at: Date;
    sent_by_label: string | null;
    status: string;
    sent_at: Date | null;
  }> = await m.query(
    `select fm.id, fm.text_enc, fm.created_at, fm.sent_by_label, n.status, n.sent_at
       from form_message fm join form_notification n on n.message_id = fm.id
      where fm.response_id = $1 order by fm.created_at, fm.id`,
    [responseId],
  );
  return Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      text: await decryptField(r.text_enc, MESSAGE_PURPOSE(r.id)),
      status: r.status === 'sent' ? 'sent' : r.status === 'failed' ? 'failed' : 'pending',
      createdAt: r.created_at,
      sentAt: r.sent_at,
      sentByLabel: r.sent_by_label,
    })),
  );
}

export function addMessageRoutes(r: Router, opts: StaffRouteOptions): void {
  r.post(
    '/:id/responses/:rid/messages',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update');
      const body = parseBody(messageBody, ctx.req.body);
      const row = await loadResponse(ctx.m, form.id, String(ctx.req.params.rid));
      if (!row) throw notFound('回答');
      const target = await messageTarget(ctx.m, row.resident_id);
      if (!target.canMessage)
        throw new HttpError(422, 'この回答者にはメッセージを送れません', {
          type: 'urn:tsunagu:form-message-unreachable',
          detail: target.messageBlockedReason ?? undefined,
        });
      const id = randomUUID();
      const label = ctx.staff?.displayName ?? ctx.actor.label;
      const created: Array<{ created_at: Date }> = await ctx.m.query(
        `insert into form_message (id, tenant_id, response_id, text_enc, sent_by, sent_by_label)
         values ($1, $2, $3, $4, $5, $6) returning created_at`,
        [
          id,
          ctx.tenant.id,
          row.id,
          await encryptField(body.text, MESSAGE_PURPOSE(id)),
          ctx.staff?.id ?? null,
          label,
        ],
      );
      const notification: Array<{ id: string }> = await ctx.m.query(
        `insert into form_notification (tenant_id, response_id, kind, event, message_id)
         values ($1, $2, 'message', 'message', $3) returning id`,
        [ctx.tenant.id, row.id, id],
      );
      // What was written may be personal: the log records that a message went, not its text.
      await ctx.audit({
        action: 'form.response_message',
        outcome: 'success',
        targetType: 'form_response',
        targetId: row.id,
        detail: {
          formId: form.id,
          receiptNumber: row.receipt_number,
          messageId: id,
          length: body.text.length,
        },
      });
      // The answer is written once the transaction committed: only then may the job find the row.
      ctx.res.once('finish', () => {
        if (ctx.res.statusCode === 201) void enqueueNotifications(ctx.tenant.id, [notification[0]!.id]);
      });
      return new StatusResult(201, {
        id,
        text: body.text,
        status: 'pending',
        createdAt: created[0]!.created_at,
        sentAt: null,
        sentByLabel: label,
      } satisfies FormMessageView);
    }),
  );
}
