import { createHash, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { decryptField } from '../../platform/crypto/tenant-keys.js';
import { withOps } from '../../platform/db/data-sources.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { logger } from '../../platform/log/logger.js';
import {
  isPermanentMailError,
  mailConfigured,
  mailErrorCode,
  mailFromAddress,
  sendMail,
} from '../../platform/mail/mailer.js';
import { RESIDENT_EMAIL_PURPOSE } from '../attributes/attributes.service.js';
import type { ChannelKind } from '../line/channels.service.js';
import { MAIL_KIND } from '../mail-subscription/audience.js';
import {
  enqueueConfirmation,
  SEND_CONFIRMATION_JOB,
  sendConfirmation,
  type SendConfirmationJob,
} from '../mail-subscription/confirmation.js';
import { managePageUrl, oneClickUnsubscribeUrl } from '../mail-subscription/links.js';
import { updatedRows } from '../mail-subscription/sql.js';
import { signManageToken } from '../mail-subscription/tokens.js';
import { VARIANT_LABEL, type RunPurpose, type RunVariant } from './delivery.model.js';
import { deliveryQueue } from './delivery.queue.js';
import { renderMail } from './email-render.js';
import type { SqlPredicate } from './recipients.js';

/**
 * Deliveries by e-mail (DEL-10; docs/decisions/0007-email-delivery.md), beside the LINE engine and
 * on the same pattern (DESIGN.md "Delivery reliability"):
 *
 * 1. snapshot: in the transaction that snapshots a run's LINE recipients, one INSERT … SELECT
 *    writes a `delivery_email` row per mailbox of the e-mail audience — subscribers by e-mail and
 *    friends of the run's LINE channel who match the target and have a confirmed address (test
 *    sends: testers only) — one per address, so a shared address gets one mail.
 * 2. send: `send-email-batch` jobs claim up to 50 rows at a time (created, or sending past their
 *    lease → sending) with a conditional update and FOR UPDATE SKIP LOCKED, so any number of jobs
 *    can work on one run and never take the same row. Each mail is marked sent as soon as the SMTP
 *    server accepted it. Its Message-ID is derived from (run, resident): should a worker die
 *    between the server's acceptance and the mark (a window of one SMTP reply), the mail sent again
 *    carries the same Message-ID, which mail programs recognise as the same message.
 * 3. failures: a 5xx answer fails the row for good (with the SMTP code, never the server's text,
 *    which may contain the address); connection failures, timeouts and 4xx put it back with a
 *    growing delay, up to MAX_ATTEMPTS. A recipient who stopped the mails or changed the address
 *    after the snapshot is skipped.
 * 4. the sweeper queues runs with rows due (new, retry time reached, or a lease run out), sends
 *    confirmation mails left behind, and removes sign-ups never confirmed.
 * Counts come from the rows. The LINE run's status does not wait for its mails.
 */

export const EMAIL_JOBS = {
  /** Send the next mails of a run, batch after batch, for up to JOB_BUDGET_MS. */
  sendBatch: 'send-email-batch',
  /** A confirmation mail of a sign-up or a saved address (mail-subscription/confirmation.ts). */
  sendConfirmation: SEND_CONFIRMATION_JOB,
  /** Every minute: resume mails and confirmations, remove stale sign-ups. */
  sweep: 'sweep-email',
} as const;

export interface EmailBatchJob {
  tenantId: string;
  runId: string;
}

const BATCH_SIZE = 50;
/** A claimed row whose mail is not marked after this long is claimed again (its worker died). */
export const EMAIL_LEASE_SECONDS = 120;
/** Mails in flight at once per job (the SMTP transport pools its connections). */
const PARALLEL = 4;
/** A job hands over to a fresh one after this long, so one large run never holds a worker slot. */
const JOB_BUDGET_MS = 45_000;
/** Delays after the 1st, 2nd … temporary failure; after the last the row fails. */
const RETRY_SECONDS = [60, 300, 900, 3600, 10_800];
const MAX_ATTEMPTS = RETRY_SECONDS.length + 1;
/** Sign-ups not confirmed within this many days are removed with their settings. */
const UNCONFIRMED_DAYS = 7;

export interface EmailCounts {
  /** Mailboxes of the run's e-mail audience. */
  recipients: number;
  sent: number;
  failed: number;
  /** Stopped the mails (or changed the address) between the snapshot and the send. */
  skipped: number;
}

/** A column for the run summaries of delivery.routes.ts (a run with no e-mail shows zeros). */
export const EMAIL_RUN_SUMMARY = `(select json_build_object(
    'recipients', count(*), 'sent', count(*) filter (where e.status = 'sent'),
    'failed', count(*) filter (where e.status = 'failed'), 'skipped', count(*) filter (where e.status = 'skipped'))
  from delivery_email e where e.run_id = r.id) as email`;

const SYSTEM = { actorType: 'system' as const, actorId: null, actorLabel: '配信エンジン' };

// ------------------------------------------------------------------------------------ audience

/**
 * The e-mail audience as SQL over `resident r` joined to its contact `c`: confirmed addresses of
 * subscribers by e-mail and of friends of the LINE channel (production), or of testers of any kind
 * (test sends). `channelPlaceholder` names the LINE channel's parameter (unused for test sends).
 */
function audienceWhere(purpose: RunPurpose, channelPlaceholder: string): string {
  return purpose === 'test'
    ? `c.email_confirmed_at is not null and r.friend_status = 'friend' and r.is_tester`
    : `c.email_confirmed_at is not null and r.friend_status = 'friend' and r.channel_kind in ('${MAIL_KIND}', ${channelPlaceholder})`;
}

const AUDIENCE_FROM = `from resident r
  join resident_contact c on c.tenant_id = r.tenant_id and c.resident_id = r.id`;

/**
 * Snapshots the run's e-mail audience (when its delivery is to be sent by e-mail too), in the
 * caller's transaction: the same one that snapshots the LINE recipients, so both are taken at one
 * moment or not at all. A repeated snapshot of the run adds nothing.
 */
export async function snapshotEmailRecipients(
  m: EntityManager,
  tenantId: string,
  run: { id: string; deliveryId: string; purpose: RunPurpose; channelKind: ChannelKind },
  predicate: SqlPredicate,
): Promise<number> {
  const d: Array<{ email: boolean }> = await m.query('select email from delivery where id = $1', [
    run.deliveryId,
  ]);
  if (!d[0]?.email) return 0;
  const k = predicate.params.length;
  const where = audienceWhere(run.purpose, `$${k + 3}`);
  const params = [
    ...predicate.params,
    tenantId,
    run.id,
    ...(run.purpose === 'test' ? [] : [run.channelKind]),
  ];
  await m.query(
    `insert into delivery_email (tenant_id, run_id, resident_id, email_hash)
     select distinct on (c.email_hash) $${k + 1}::uuid, $${k + 2}::uuid, r.id, c.email_hash
       ${AUDIENCE_FROM}
      where ${where} and (${predicate.sql})
      -- One mail per mailbox; a subscriber's own row first (its manage link opens their settings).
      order by c.email_hash, (r.channel_kind = '${MAIL_KIND}') desc, r.id
     on conflict do nothing`,
    params,
  );
  const n: Array<{ n: number }> = await m.query(
    'select count(*)::int as n from delivery_email where tenant_id = $1 and run_id = $2',
    [tenantId, run.id],
  );
  await appendToChain(
    m,
    { name: 'audit_log', tenantId },
    {
      ...SYSTEM,
      action: 'delivery.email_snapshot',
      outcome: 'success',
      targetType: 'delivery',
      targetId: run.deliveryId,
      detail: { runId: run.id, purpose: run.purpose, recipients: n[0]!.n },
    },
  );
  return n[0]!.n;
}

/** How many mailboxes a target reaches by e-mail now (the composer's audience preview). */
export async function countEmailAudience(
  m: EntityManager,
  channelKind: ChannelKind,
  predicate: SqlPredicate,
): Promise<number> {
  const k = predicate.params.length;
  const rows: Array<{ n: number }> = await m.query(
    `select count(distinct c.email_hash)::int as n ${AUDIENCE_FROM}
      where ${audienceWhere('production', `$${k + 1}`)} and (${predicate.sql})`,
    [...predicate.params, channelKind],
  );
  return rows[0]!.n;
}

// ------------------------------------------------------------------------------------- queueing

const jobId = (...parts: Array<string | number>) => parts.join('-');

export async function enqueueEmailBatch(
  job: EmailBatchJob,
  tag: string | number = 0,
  delayMs = 0,
): Promise<void> {
  await deliveryQueue().add(EMAIL_JOBS.sendBatch, job, {
    jobId: jobId('email', job.runId, tag),
    delay: Math.max(0, delayMs),
  });
}

/** After a run was prepared (delivery engine): queue its mails, if it has any to send. */
export async function queueRunEmails(tenantId: string, runId: string): Promise<void> {
  const open: unknown[] = await withTenant(tenantId, (m) =>
    m.query(
      `select 1 from delivery_email where tenant_id = $1 and run_id = $2 and status in ('created', 'sending') limit 1`,
      [tenantId, runId],
    ),
  );
  if (!open.length) return;
  await enqueueEmailBatch({ tenantId, runId }).catch((err: unknown) =>
    logger.error({ err, tenantId, runId }, 'could not queue a run’s mails; the sweeper will'),
  );
}

// ----------------------------------------------------------------------------------------- send

interface RunMail {
  purpose: RunPurpose;
  /** DEL-12: a test send of an A/B delivery mails both variants, named in the subject. */
  variant?: RunVariant;
  title: string;
  messages: LineMessage[];
  slug: string;
  city: string;
}

interface ClaimedRow {
  residentId: string;
  emailHash: string;
  attempts: number;
  email: string;
  recipient: 'subscriber' | 'line';
}

/**
 * Claims the next rows of a run (created and due, or sending past their lease) and reads their
 * current addresses. Rows whose recipient stopped the mails or changed the address since the
 * snapshot are skipped here.
 */
async function claimBatch(
  m: EntityManager,
  tenantId: string,
  runId: string,
  token: string,
): Promise<{ run: RunMail; rows: ClaimedRow[]; skipped: number } | null> {
  const claimed = updatedRows<{ resident_id: string; email_hash: string; attempts: number }>(
    await m.query(
      `with picked as (
         select e.resident_id from delivery_email e
          where e.tenant_id = $1 and e.run_id = $2 and e.status in ('created', 'sending') and e.next_attempt_at <= now()
          order by e.resident_id limit $3 for update skip locked
       )
       update delivery_email e
          set status = 'sending', claim_token = $4, claimed_at = now(), attempts = e.attempts + 1,
              next_attempt_at = now() + make_interval(secs => $5)
         from picked p
        where e.tenant_id = $1 and e.run_id = $2 and e.resident_id = p.resident_id
       returning e.resident_id, e.email_hash, e.attempts`,
      [tenantId, runId, BATCH_SIZE, token, EMAIL_LEASE_SECONDS],
    ),
  );
  if (!claimed.length) return null;
  const runs: Array<{
    purpose: RunPurpose;
    variant: RunVariant;
    title: string;
    messages: LineMessage[];
    slug: string;
    name_ja: string;
  }> = await m.query(
    `select r.purpose, r.variant, d.title, r.messages, t.slug, t.name_ja
         from delivery_run r join delivery d on d.id = r.delivery_id join tenant t on t.id = r.tenant_id
        where r.id = $1`,
    [runId],
  );
  const run = runs[0]!;
  const current: Array<{
    id: string;
    channel_kind: string;
    friend_status: string;
    email_enc: string | null;
    email_hash: string | null;
    email_confirmed_at: Date | null;
  }> = await m.query(
    `select r.id, r.channel_kind, r.friend_status, c.email_enc, c.email_hash, c.email_confirmed_at
       from resident r left join resident_contact c on c.tenant_id = r.tenant_id and c.resident_id = r.id
      where r.id = any($1::uuid[])`,
    [claimed.map((c) => c.resident_id)],
  );
  const rows: ClaimedRow[] = [];
  const gone: string[] = [];
  for (const c of claimed) {
    const r = current.find((x) => x.id === c.resident_id);
    const active =
      r?.email_enc &&
      r.email_confirmed_at &&
      r.email_hash === c.email_hash &&
      (r.channel_kind !== MAIL_KIND || r.friend_status === 'friend');
    if (!active) {
      gone.push(c.resident_id);
      continue;
    }
    rows.push({
      residentId: c.resident_id,
      emailHash: c.email_hash,
      attempts: c.attempts,
      email: await decryptField(r.email_enc!, RESIDENT_EMAIL_PURPOSE),
      recipient: r.channel_kind === MAIL_KIND ? 'subscriber' : 'line',
    });
  }
  if (gone.length)
    await m.query(
      `update delivery_email set status = 'skipped', claim_token = null, error = $4
        where tenant_id = $1 and run_id = $2 and resident_id = any($3::uuid[]) and status = 'sending'`,
      [tenantId, runId, gone, '送信前に配信が停止されたか、メールアドレスが変更されたため送信しませんでした'],
    );
  return {
    run: {
      purpose: run.purpose,
      variant: run.variant,
      title: run.title,
      messages: run.messages,
      slug: run.slug,
      city: run.name_ja,
    },
    rows,
    skipped: gone.length,
  };
}

/** A Message-ID that names (run, resident) without showing either: the same for every attempt. */
export function deliveryMessageId(runId: string, residentId: string): string {
  const domain = mailFromAddress().split('@')[1] || 'localhost';
  const id = createHash('sha256').update(`delivery-mail/${runId}/${residentId}`).digest('hex').slice(0, 40);
  return `<${id}@${domain}>`;
}

/** The mail of one recipient: the run's messages, and their own manage / unsubscribe links. */
export function deliveryMail(
  tenantId: string,
  runId: string,
  run: RunMail,
  row: Omit<ClaimedRow, 'attempts'>,
) {
  const manageToken = signManageToken(tenantId, row.residentId, row.emailHash);
  const variant = run.variant === 'a' || run.variant === 'b' ? `・${VARIANT_LABEL[run.variant]}` : '';
  const subject = run.purpose === 'test' ? `【テスト配信${variant}】${run.title}` : run.title;
  const body = renderMail(subject, run.messages, {
    city: run.city,
    manageUrl: managePageUrl(run.slug, manageToken),
    recipient: row.recipient,
  });
  return {
    to: row.email,
    fromName: run.city,
    subject,
    text: body.text,
    html: body.html,
    messageId: deliveryMessageId(runId, row.residentId),
    headers: {
      'List-Unsubscribe': `<${oneClickUnsubscribeUrl(run.slug, manageToken)}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

export interface BatchReport {
  sent: number;
  failed: number;
  skipped: number;
  /** Temporary failures put back for later. */
  deferred: number;
}

/**
 * The `send-email-batch` job. Returns what it did; a temporary failure stops the job (the SMTP
 * server is likely down) and puts the rest back, with a delayed job for when the first retry is due.
 */
export async function sendEmailBatch(job: EmailBatchJob): Promise<BatchReport> {
  const { tenantId, runId } = job;
  const report: BatchReport = { sent: 0, failed: 0, skipped: 0, deferred: 0 };
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > JOB_BUDGET_MS) {
      await enqueueEmailBatch(job, `c${Date.now()}`);
      return report;
    }
    const token = randomUUID();
    const batch = await withTenant(tenantId, (m) => claimBatch(m, tenantId, runId, token));
    if (!batch) return report;
    report.skipped += batch.skipped;
    if (!mailConfigured()) {
      await settle(
        tenantId,
        runId,
        token,
        batch.rows.map((r) => r.residentId),
        'failed',
        {
          error: 'メール送信サーバー（SMTP_URL）が設定されていないため送信できませんでした',
        },
      );
      report.failed += batch.rows.length;
      continue;
    }
    const stop: { after: number | null } = { after: null };
    const queue = [...batch.rows];
    const worker = async () => {
      while (stop.after === null) {
        const row = queue.shift();
        if (!row) return;
        const outcome = await sendOne(tenantId, runId, token, batch.run, row);
        if (outcome === 'sent') report.sent++;
        else if (outcome === 'failed') report.failed++;
        else {
          report.deferred++;
          stop.after = retryDelay(row.attempts);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const stopAfter = stop.after;
    if (stopAfter !== null) {
      // Not attempted: back as they were, due together with the failed one.
      if (queue.length)
        await withTenant(tenantId, (m) =>
          m.query(
            `update delivery_email
                set status = 'created', claim_token = null, attempts = greatest(attempts - 1, 0),
                    next_attempt_at = now() + make_interval(secs => $5)
              where tenant_id = $1 and run_id = $2 and resident_id = any($3::uuid[]) and status = 'sending' and claim_token = $4`,
            [tenantId, runId, queue.map((r) => r.residentId), token, stopAfter],
          ),
        );
      await enqueueEmailBatch(job, `r${Date.now()}`, stopAfter * 1000).catch((err: unknown) =>
        logger.error(
          { err, tenantId, runId },
          'could not queue the retry of a run’s mails; the sweeper will',
        ),
      );
      return report;
    }
  }
}

const retryDelay = (attempts: number) => RETRY_SECONDS[Math.min(attempts, RETRY_SECONDS.length) - 1]!;

async function settle(
  tenantId: string,
  runId: string,
  token: string,
  residentIds: string[],
  status: 'failed' | 'created',
  opts: { error: string; delaySeconds?: number },
): Promise<void> {
  await withTenant(tenantId, (m) =>
    m.query(
      `update delivery_email
          set status = $5, claim_token = null, error = $6, next_attempt_at = now() + make_interval(secs => $7)
        where tenant_id = $1 and run_id = $2 and resident_id = any($3::uuid[]) and status = 'sending' and claim_token = $4`,
      [tenantId, runId, residentIds, token, status, opts.error.slice(0, 300), opts.delaySeconds ?? 0],
    ),
  );
}

async function sendOne(
  tenantId: string,
  runId: string,
  token: string,
  run: RunMail,
  row: ClaimedRow,
): Promise<'sent' | 'failed' | 'deferred'> {
  try {
    const res = await sendMail(deliveryMail(tenantId, runId, run, row));
    if (!res.accepted) throw Object.assign(new Error('recipient refused'), { code: 'EENVELOPE' });
  } catch (e) {
    const code = mailErrorCode(e);
    // Only the status code: the server's words may contain the address. Never the address in logs.
    logger.warn({ tenantId, runId, smtpCode: code, attempts: row.attempts }, 'delivery mail not sent');
    if (isPermanentMailError(e)) {
      await settle(tenantId, runId, token, [row.residentId], 'failed', {
        error: code
          ? `メールサーバーが受け取りを拒否しました（${code}）。アドレスが存在しないか、受信が制限されています`
          : '宛先のメールアドレスに送信できませんでした',
      });
      return 'failed';
    }
    if (row.attempts >= MAX_ATTEMPTS) {
      await settle(tenantId, runId, token, [row.residentId], 'failed', {
        error: `メールサーバーに${MAX_ATTEMPTS}回送信を試みましたが、受け付けられませんでした${code ? `（${code}）` : ''}`,
      });
      return 'failed';
    }
    await settle(tenantId, runId, token, [row.residentId], 'created', {
      error: code
        ? `一時的なエラーのため再送します（${code}）`
        : 'メールサーバーに接続できなかったため再送します',
      delaySeconds: retryDelay(row.attempts),
    });
    return 'deferred';
  }
  // Accepted by the SMTP server: a fact, recorded whoever holds the claim now.
  await withTenant(tenantId, (m) =>
    m.query(
      `update delivery_email set status = 'sent', sent_at = now(), claim_token = null, error = null
        where tenant_id = $1 and run_id = $2 and resident_id = $3 and status in ('created', 'sending')`,
      [tenantId, runId, row.residentId],
    ),
  );
  return 'sent';
}

/** A run's counts from its rows. */
export async function emailCounts(m: EntityManager, tenantId: string, runId: string): Promise<EmailCounts> {
  const rows: EmailCounts[] = await m.query(
    `select count(*)::int as recipients, count(*) filter (where status = 'sent')::int as sent,
            count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status = 'skipped')::int as skipped
       from delivery_email where tenant_id = $1 and run_id = $2`,
    [tenantId, runId],
  );
  return rows[0]!;
}

// -------------------------------------------------------------------------------------- sweeper

export interface EmailSweepReport {
  runs: number;
  confirmations: number;
  removedSignups: number;
}

/**
 * The sweeper (every minute): queues runs whose mails are due and not being worked on (new rows
 * waiting, a retry time reached, a lease run out), confirmation mails left unsent, and removes
 * sign-ups never confirmed (with their settings) and confirmation rows long expired. Work is found
 * across tenants through the ops pool and done in each tenant's own transaction.
 */
export async function sweepEmail(): Promise<EmailSweepReport> {
  const tag = `s${Math.floor(Date.now() / 60_000)}`;
  const report: EmailSweepReport = { runs: 0, confirmations: 0, removedSignups: 0 };

  const due: Array<{ tenant_id: string; run_id: string }> = await withOps((m) =>
    m.query(
      `select distinct tenant_id, run_id from delivery_email
        where status in ('created', 'sending') and next_attempt_at <= now() - interval '30 seconds' limit 1000`,
    ),
  );
  for (const d of due) await enqueueEmailBatch({ tenantId: d.tenant_id, runId: d.run_id }, tag);
  report.runs = due.length;

  const confirmations: Array<{ id: string; tenant_id: string }> = await withOps((m) =>
    m.query(
      `select id, tenant_id from mail_confirmation
        where status in ('pending', 'sending') and next_attempt_at <= now() - interval '20 seconds'
          and expires_at > now() limit 1000`,
    ),
  );
  for (const c of confirmations)
    await enqueueConfirmation({ tenantId: c.tenant_id, confirmationId: c.id }, 0, tag);
  report.confirmations = confirmations.length;

  const stale: Array<{ id: string; tenant_id: string }> = await withOps((m) =>
    m.query(
      `select r.id, r.tenant_id from resident r
        where r.channel_kind = '${MAIL_KIND}' and r.friend_status = 'unknown'
          and r.created_at < now() - make_interval(days => $1)
          and not exists (select 1 from mail_confirmation c
                           where c.tenant_id = r.tenant_id and c.resident_id = r.id and c.expires_at > now())
        limit 1000`,
      [UNCONFIRMED_DAYS],
    ),
  );
  const byTenant = new Map<string, string[]>();
  for (const s of stale) byTenant.set(s.tenant_id, [...(byTenant.get(s.tenant_id) ?? []), s.id]);
  for (const [tenantId, ids] of byTenant) {
    await withTenant(tenantId, async (m) => {
      // Checked again inside the tenant: a confirmation may have come in since.
      const removed = updatedRows<{ id: string }>(
        await m.query(
          `delete from resident r where r.id = any($1::uuid[]) and r.channel_kind = '${MAIL_KIND}' and r.friend_status = 'unknown'
             and not exists (select 1 from mail_confirmation c where c.resident_id = r.id and c.expires_at > now())
           returning r.id`,
          [ids],
        ),
      );
      if (!removed.length) return;
      report.removedSignups += removed.length;
      await appendToChain(
        m,
        { name: 'audit_log', tenantId },
        {
          ...SYSTEM,
          action: 'mail_subscription.unconfirmed_removed',
          outcome: 'success',
          targetType: 'resident',
          detail: { count: removed.length, days: UNCONFIRMED_DAYS },
        },
      );
    });
  }

  await withOps((m) =>
    m.query(
      `delete from mail_confirmation where id in (
         select id from mail_confirmation where expires_at < now() - interval '30 days' limit 5000)`,
    ),
  );
  return report;
}

// ------------------------------------------------------------------------------------- worker

export function isEmailJob(name: string): boolean {
  return (Object.values(EMAIL_JOBS) as string[]).includes(name);
}

/** Runs a job of EMAIL_JOBS (called by the delivery worker). */
export function runEmailJob(name: string, data: unknown): Promise<unknown> {
  switch (name) {
    case EMAIL_JOBS.sendBatch:
      return sendEmailBatch(data as EmailBatchJob);
    case EMAIL_JOBS.sendConfirmation:
      return sendConfirmation(data as SendConfirmationJob);
    case EMAIL_JOBS.sweep:
      return sweepEmail();
    default:
      return Promise.reject(new Error(`unknown e-mail job ${name}`));
  }
}

/** The sweeper's scheduler, shared by every worker process (like the delivery sweeper). */
export async function scheduleEmailSweeper(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(
    EMAIL_JOBS.sweep,
    { every: everyMs },
    { name: EMAIL_JOBS.sweep, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
}
