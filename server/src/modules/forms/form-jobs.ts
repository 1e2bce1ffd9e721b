import { Queue, Worker, type JobsOptions } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { decryptField } from '../../platform/crypto/tenant-keys.js';
import { withOps } from '../../platform/db/data-sources.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { HttpError } from '../../platform/http/errors.js';
import { LineSendError } from '../../platform/line/gateway.js';
import { logger } from '../../platform/log/logger.js';
import { isPermanentMailError, mailConfigured, mailErrorCode, sendMail } from '../../platform/mail/mailer.js';
import { queueConnection } from '../../platform/queue/queues.js';
import { storage } from '../../platform/storage/storage.js';
import { FORM_RESPONSE_SOURCE_LABELS, type FormResponseSource } from '../../contracts/index.js';
import type { ChannelKind } from '../line/channels.service.js';
import { gatewayFor } from '../line/gateways.js';
import { consoleUrl, settingsOf, updatedRows } from './forms.service.js';

/**
 * The forms module's background work (queue `forms`):
 * - `notify`: one row of the form_notification outbox — the completion message with the 受付番号
 *   pushed to the resident's talk (FORM-5/TN 5), or the responsible department's e-mail (FORM-9).
 *   Neither carries an answer: the talk message is the staff-written text, the form's title and
 *   the number; the mail names the form and the number and links to the console. The row is
 *   claimed by a conditional update; the push carries the row's id as LINE's retry key and the
 *   mail a stable Message-ID, so a repeated job never sends twice.
 *   Also staff's message to one respondent (kind `message`, FORM-10 ⑧, form-messages.ts).
 * - `sweep` (every minute): queues outbox rows left pending (a queue that was unreachable when
 *   the submission committed, a worker that died mid-send, a retry that is due).
 * - `purge` (hourly): removes uploads no response took within a day (unless a draft still names
 *   them) and drafts untouched for 30 days.
 */

export const FORMS_QUEUE = 'forms';
export const FORMS_JOBS = { notify: 'form-notify', sweep: 'form-sweep', purge: 'form-purge' } as const;
export interface NotifyJob {
  tenantId: string;
  notificationId: string;
}

/** A claimed notification not marked done after this long is tried again (its worker died). */
const LEASE_SECONDS = 120;
/** Temporary failures (SMTP 4xx, LINE unreachable): tried again after these delays, then given up. */
const RETRY_SECONDS = [30, 120, 600, 1800, 7200];
/** Uploads nobody submitted are kept this long (a resident may still be filling the form in). */
export const ORPHAN_FILE_HOURS = 24;
/** Drafts not saved again for this long are removed (a resumable draft is not an archive). */
export const DRAFT_DAYS = 30;

const DEFAULTS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { count: 1000, age: 7 * 24 * 3600 },
};

let queue: Queue | undefined;
export function formsQueue(): Queue {
  queue ??= new Queue(FORMS_QUEUE, { connection: queueConnection(), defaultJobOptions: DEFAULTS });
  return queue;
}

export async function closeFormsQueue(): Promise<void> {
  await queue?.close();
  queue = undefined;
}

/**
 * Hands outbox rows to the queue. Never throws: the rows are committed, and the sweeper sends
 * whatever the queue did not take. `delayMs` when the caller's transaction may not have
 * committed yet (a job that finds no row fails and is retried).
 */
export async function enqueueNotifications(
  tenantId: string,
  ids: string[],
  delayMs = 0,
  tag = '',
): Promise<void> {
  if (!ids.length) return;
  try {
    await formsQueue().addBulk(
      ids.map((id) => ({
        name: FORMS_JOBS.notify,
        data: { tenantId, notificationId: id } satisfies NotifyJob,
        opts: { jobId: ['notify', id, ...(tag ? [tag] : [])].join('-'), delay: delayMs },
      })),
    );
  } catch (err) {
    logger.error({ err, tenantId }, 'could not queue form notifications; the sweeper will send them');
  }
}

interface Claimed {
  id: string;
  kind: 'talk' | 'email' | 'message';
  event: 'submitted' | 'updated' | 'message';
  /** kind message: the staff's message to the respondent (form_message). */
  message_id: string | null;
  attempts: number;
  response_id: string;
  receipt_number: string;
  submitted_at: Date;
  source: FormResponseSource;
  form_id: string;
  title: string;
  settings: Record<string, unknown>;
  line_user_id: string | null;
  channel_kind: ChannelKind | null;
  friend_status: string | null;
  tenant_name: string;
  admin_subdomain: string;
}

const JST = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export type NotifyOutcome = 'sent' | 'failed' | 'retry' | 'skipped';

/** Sends one outbox row (see the module comment). */
export async function runNotification(job: NotifyJob): Promise<NotifyOutcome> {
  const claimed = await withTenant(job.tenantId, async (m) => {
    const rows: Claimed[] = await m.query(
      `with c as (
         update form_notification set status = 'sending', claimed_at = now(), attempts = attempts + 1
          where id = $1 and next_attempt_at <= now()
            and (status = 'pending' or (status = 'sending' and claimed_at < now() - make_interval(secs => $2)))
          returning id, kind, event, attempts, response_id, message_id)
       select c.*, r.receipt_number, r.submitted_at, r.source, f.id as form_id, f.title, f.settings,
              res.line_user_id, res.channel_kind, res.friend_status, t.name_ja as tenant_name, t.admin_subdomain
         from c join form_response r on r.id = c.response_id join form f on f.id = r.form_id
         join tenant t on t.id = f.tenant_id
         left join resident res on res.id = r.resident_id`,
      [job.notificationId, LEASE_SECONDS],
    );
    return rows[0] ?? null;
  });
  if (!claimed) {
    // Not ours to send (done, leased, not due), or the submitting transaction has not committed.
    const exists = await withTenant(job.tenantId, (m) =>
      m.query('select status from form_notification where id = $1', [job.notificationId]),
    );
    if (!(exists as unknown[]).length) throw new Error('form notification not found (yet)');
    return 'skipped';
  }
  const finish = (status: 'sent' | 'failed' | 'pending', error: string | null) =>
    withTenant(job.tenantId, (m) =>
      m.query(
        `update form_notification set status = $2, error = $3, sent_at = case when $2 = 'sent' then now() else sent_at end,
                next_attempt_at = now() + make_interval(secs => $4)
          where id = $1 and status = 'sending'`,
        [claimed.id, status, error, RETRY_SECONDS[Math.min(claimed.attempts - 1, RETRY_SECONDS.length - 1)]],
      ),
    );
  const giveUp = claimed.attempts >= RETRY_SECONDS.length;
  try {
    if (claimed.kind === 'talk') await sendCompletion(job.tenantId, claimed);
    else if (claimed.kind === 'message') await sendRespondentMessage(job.tenantId, claimed);
    else await sendDepartmentMail(claimed);
    await finish('sent', null);
    return 'sent';
  } catch (err) {
    const { permanent, code } = classify(err);
    if (permanent || giveUp) {
      await finish('failed', code);
      logger.warn(
        { tenantId: job.tenantId, notificationId: claimed.id, kind: claimed.kind, code },
        'form notification failed',
      );
      return 'failed';
    }
    await finish('pending', code);
    logger.warn(
      { tenantId: job.tenantId, notificationId: claimed.id, kind: claimed.kind, code },
      'form notification will be retried',
    );
    return 'retry';
  }
}

class Unsendable extends Error {}

function classify(err: unknown): { permanent: boolean; code: string } {
  if (err instanceof Unsendable) return { permanent: true, code: err.message };
  // gatewayFor: the channel of the resident is not configured (any more).
  if (err instanceof HttpError) return { permanent: true, code: 'no-channel' };
  if (err instanceof LineSendError)
    return {
      permanent: !err.retryable,
      code: `line:${err.kind}${err.httpStatus ? `:${err.httpStatus}` : ''}`,
    };
  if (isPermanentMailError(err)) return { permanent: true, code: `smtp:${mailErrorCode(err) ?? 'refused'}` };
  const smtp = mailErrorCode(err);
  return { permanent: false, code: smtp ? `smtp:${smtp}` : 'unreachable' };
}

/** The talk's completion message: staff's text, the form's title and the 受付番号 — never an answer. */
export function completionText(completionMessage: string, title: string, receiptNumber: string): string {
  return `${completionMessage}\n\nフォーム：${title}\n受付番号：${receiptNumber}`.slice(0, 5000);
}

async function sendCompletion(tenantId: string, c: Claimed): Promise<void> {
  if (!c.line_user_id || !c.channel_kind) throw new Unsendable('no-line-user');
  if (c.friend_status === 'blocked') throw new Unsendable('blocked');
  const settings = settingsOf({ settings: c.settings });
  const gw = await gatewayFor(tenantId, c.channel_kind);
  await gw.push(
    c.line_user_id,
    [{ type: 'text', text: completionText(settings.completionMessage, c.title, c.receipt_number) }],
    {
      retryKey: c.id,
      ref: 'form-completion',
    },
  );
}

export const MESSAGE_PURPOSE = (messageId: string) => `form_message.text:${messageId}`;

/** The text of a message to a respondent (sealed in form_message). */
async function messageText(m: EntityManager, messageId: string): Promise<string | null> {
  const rows: Array<{ text_enc: string }> = await m.query('select text_enc from form_message where id = $1', [
    messageId,
  ]);
  return rows[0] ? decryptField(rows[0].text_enc, MESSAGE_PURPOSE(messageId)) : null;
}

/** FORM-10 ⑧: staff's message to the respondent, with the message's id as LINE's retry key. */
async function sendRespondentMessage(tenantId: string, c: Claimed): Promise<void> {
  if (!c.line_user_id || !c.channel_kind) throw new Unsendable('no-line-user');
  if (c.friend_status === 'blocked') throw new Unsendable('blocked');
  const text = await withTenant(tenantId, (m) => messageText(m, c.message_id!));
  if (text === null) throw new Unsendable('no-message');
  const gw = await gatewayFor(tenantId, c.channel_kind);
  await gw.push(c.line_user_id, [{ type: 'text', text }], { retryKey: c.message_id!, ref: 'form-message' });
}

async function sendDepartmentMail(c: Claimed): Promise<void> {
  if (!mailConfigured()) throw new Unsendable('mail-off');
  const settings = settingsOf({ settings: c.settings });
  if (!settings.notifyEmails.length) throw new Unsendable('no-recipients');
  const link = consoleUrl(c.admin_subdomain, `/forms/${c.form_id}/responses/${c.response_id}`);
  const what = c.event === 'updated' ? '回答が修正されました' : '新しい回答がありました';
  await sendMail({
    to: settings.notifyEmails.join(', '),
    fromName: c.tenant_name,
    subject: `【${what}】${c.title}（受付番号 ${c.receipt_number}）`,
    text: [
      `フォーム「${c.title}」に${what}。`,
      '',
      `受付番号：${c.receipt_number}`,
      `受付日時：${JST.format(c.submitted_at)}`,
      `回答方法：${FORM_RESPONSE_SOURCE_LABELS[c.source] ?? c.source}`,
      '',
      '回答の内容は管理画面でご確認ください（個人情報を守るため、このメールには回答の内容を記載していません）。',
      link,
      '',
      `このメールは${c.tenant_name}のLINE公式アカウントの管理システムから自動で送信しています。`,
    ].join('\n'),
    messageId: `<form-notification-${c.id}@tsunagu>`,
  });
}

/** Every minute: queue outbox rows that are due and not being sent (across tenants, ops pool). */
export async function sweepFormNotifications(): Promise<number> {
  const due: Array<{ id: string; tenant_id: string; attempts: number }> = await withOps((m) =>
    m.query(
      `select id, tenant_id, attempts from form_notification
        where next_attempt_at <= now()
          and (status = 'pending' or (status = 'sending' and claimed_at < now() - make_interval(secs => $1)))
        order by next_attempt_at limit 1000`,
      [LEASE_SECONDS],
    ),
  );
  const byTenant = new Map<string, Array<{ id: string; attempts: number }>>();
  for (const d of due) byTenant.set(d.tenant_id, [...(byTenant.get(d.tenant_id) ?? []), d]);
  for (const [tenantId, rows] of byTenant)
    for (const r of rows) await enqueueNotifications(tenantId, [r.id], 0, `a${r.attempts}`);
  return due.length;
}

/** Hourly: uploads nobody submitted, and stale drafts (see the module comment). */
export async function purgeFormUploads(now = new Date()): Promise<{ files: number; drafts: number }> {
  // Conversations in the talk nobody continued (FORM-10; their answers are sealed, but need not stay).
  await withOps((m) => m.query('delete from form_talk where expires_at <= $1', [now]));
  const drafts: Array<{ tenant_id: string; n: number }> = await withOps((m) =>
    m.query(
      `with d as (delete from form_draft where saved_at < $1::timestamptz - make_interval(days => $2) returning tenant_id)
       select tenant_id, count(*)::int as n from d group by tenant_id`,
      [now, DRAFT_DAYS],
    ),
  );
  const orphans: Array<{ id: string; tenant_id: string; storage_key: string }> = await withOps((m) =>
    m.query(
      `select f.id, f.tenant_id, f.storage_key from form_file f
        where f.response_id is null and f.created_at < $1::timestamptz - make_interval(hours => $2)
          and not exists (select 1 from form_draft d where d.tenant_id = f.tenant_id and f.id = any(d.file_ids))
        order by f.created_at limit 5000`,
      [now, ORPHAN_FILE_HOURS],
    ),
  );
  let files = 0;
  for (const o of orphans) {
    // The row goes first: a file whose row is gone is unreachable; a row without its file would fail a download.
    const gone = await withTenant(o.tenant_id, async (m) =>
      updatedRows(
        await m.query('delete from form_file where id = $1 and response_id is null returning id', [o.id]),
      ),
    );
    if (!gone.length) continue;
    await storage()
      .delete(o.storage_key)
      .catch((err: unknown) =>
        logger.warn({ err, tenantId: o.tenant_id }, 'could not remove an orphan upload'),
      );
    files++;
  }
  return { files, drafts: drafts.reduce((n, d) => n + d.n, 0) };
}

export interface FormsWorker {
  worker: Worker;
  close(): Promise<void>;
}

/** Runs the forms jobs in this process (registered by worker.ts). */
export async function startFormsWorker(opts: { concurrency?: number } = {}): Promise<FormsWorker> {
  const q = formsQueue();
  await q.upsertJobScheduler(
    FORMS_JOBS.sweep,
    { every: 60_000 },
    { name: FORMS_JOBS.sweep, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  await q.upsertJobScheduler(
    FORMS_JOBS.purge,
    { pattern: '17 * * * *', tz: 'Asia/Tokyo' },
    { name: FORMS_JOBS.purge, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  const worker = new Worker(
    FORMS_QUEUE,
    async (job) => {
      switch (job.name) {
        case FORMS_JOBS.notify:
          return runNotification(job.data as NotifyJob);
        case FORMS_JOBS.sweep:
          return sweepFormNotifications();
        case FORMS_JOBS.purge:
          return purgeFormUploads();
        default:
          throw new Error(`unknown forms job ${job.name}`);
      }
    },
    { connection: queueConnection(), concurrency: opts.concurrency ?? 4 },
  );
  worker.on('failed', (job, err) =>
    logger.warn({ job: job?.name, attempts: job?.attemptsMade, err: err.message }, 'forms job failed'),
  );
  worker.on('error', (err) => logger.error({ err: err.message }, 'forms worker error'));
  sweepFormNotifications().catch((err: unknown) =>
    logger.error({ err }, 'form notification sweep at start failed'),
  );
  return {
    worker,
    async close() {
      await worker.close();
      await closeFormsQueue();
    },
  };
}
