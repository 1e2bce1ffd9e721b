import type { EntityManager } from 'typeorm';
import { newToken, tokenDigest } from '../../platform/auth/tokens.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { logger } from '../../platform/log/logger.js';
import { isPermanentMailError, mailConfigured, mailErrorCode, sendMail } from '../../platform/mail/mailer.js';
import { deliveryQueue } from '../delivery/delivery.queue.js';
import { RESIDENT_EMAIL_PURPOSE } from '../attributes/attributes.service.js';
import { MAIL_KIND } from './audience.js';
import { confirmPageUrl, managePageUrl } from './links.js';
import { updatedRows } from './sql.js';
import { signManageToken } from './tokens.js';

/**
 * Confirmation mails (double opt-in, DEL-10) as an outbox: the request is a `mail_confirmation`
 * row written in the transaction that needs it (a sign-up, an address saved on 受信設定 or by
 * staff), and the mail is sent after that transaction: at once by the sign-up request itself, or
 * by a job of the delivery queue, with the sweeper as the net. The token of the link is chosen
 * when the mail is sent (claimed by a conditional update) and only its SHA-256 is stored; a mail
 * sent again after a crash carries a new token, and the older link stops working.
 */

/** How long a confirmation link works. */
export const CONFIRMATION_HOURS = 24;
/** A claimed confirmation not marked sent after this long is sent again (a worker died). */
const LEASE_SECONDS = 120;
/** Temporary SMTP failures: tried again after these delays, then given up. */
const RETRY_SECONDS = [30, 120, 600, 1800];

export const SEND_CONFIRMATION_JOB = 'send-mail-confirmation';
export interface SendConfirmationJob {
  tenantId: string;
  confirmationId: string;
}

export type ConfirmationPurpose = 'subscribe' | 'address';

/** Purpose of the encrypted sign-up payload (the settings applied once the address is confirmed). */
export const SIGNUP_PAYLOAD_PURPOSE = 'mail_subscription.payload';

/**
 * Writes a confirmation request in the caller's transaction; earlier open requests of the same
 * resident and purpose are superseded (their links stop working: only the latest mail counts).
 */
export async function insertConfirmation(
  m: EntityManager,
  tenantId: string,
  req: { residentId: string; purpose: ConfirmationPurpose; emailHash: string; payload?: unknown },
): Promise<string> {
  await m.query(
    `update mail_confirmation set status = 'superseded'
      where resident_id = $1 and purpose = $2 and status in ('pending', 'sending', 'sent')`,
    [req.residentId, req.purpose],
  );
  const rows: Array<{ id: string }> = await m.query(
    `insert into mail_confirmation (tenant_id, resident_id, purpose, email_hash, payload_enc, expires_at)
     values ($1, $2, $3, $4, $5, now() + make_interval(hours => $6)) returning id`,
    [
      tenantId,
      req.residentId,
      req.purpose,
      req.emailHash,
      req.payload === undefined
        ? null
        : await encryptField(JSON.stringify(req.payload), SIGNUP_PAYLOAD_PURPOSE),
      CONFIRMATION_HOURS,
    ],
  );
  return rows[0]!.id;
}

/** Queues the sending job; `tag` tells a retry or sweep from the first job (ids dedupe while waiting). */
export async function enqueueConfirmation(
  job: SendConfirmationJob,
  delayMs = 0,
  tag: string | number = 0,
): Promise<void> {
  await deliveryQueue().add(SEND_CONFIRMATION_JOB, job, {
    jobId: ['confirm', job.confirmationId, tag].join('-'),
    delay: Math.max(0, delayMs),
  });
}

/**
 * The hook of the attributes module (saveResidentEmail): an address was saved, changed or removed.
 * Open confirmations of an earlier address are void; a new address gets a confirmation mail, sent
 * by a job a moment after the caller's transaction committed (the sweeper sends it otherwise).
 */
export async function onResidentEmailSaved(
  m: EntityManager,
  tenantId: string,
  residentId: string,
  emailHash: string | null,
): Promise<void> {
  if (emailHash === null) {
    await m.query(
      `update mail_confirmation set status = 'superseded'
        where resident_id = $1 and status in ('pending', 'sending', 'sent')`,
      [residentId],
    );
    return;
  }
  const confirmationId = await insertConfirmation(m, tenantId, { residentId, purpose: 'address', emailHash });
  await enqueueConfirmation({ tenantId, confirmationId }, 1500).catch((err: unknown) =>
    logger.error(
      { err, tenantId, confirmationId },
      'could not queue a confirmation mail; the sweeper will send it',
    ),
  );
}

interface Claimed {
  residentId: string;
  purpose: ConfirmationPurpose;
  attempts: number;
  email: string;
  recipientKind: string;
  alreadyFriend: boolean;
  emailHash: string;
  slug: string;
  city: string;
}

export type ConfirmationOutcome = 'sent' | 'not_claimed' | 'superseded' | 'failed' | 'retry';

/** The `send-mail-confirmation` job (also called by the sign-up request right after its commit). */
export async function sendConfirmation(job: SendConfirmationJob): Promise<ConfirmationOutcome> {
  const { tenantId, confirmationId } = job;
  const token = newToken();
  const claimed = await withTenant(tenantId, async (m): Promise<Claimed | 'superseded' | null> => {
    const rows = updatedRows<{
      resident_id: string;
      purpose: ConfirmationPurpose;
      email_hash: string;
      attempts: number;
    }>(
      await m.query(
        `update mail_confirmation
            set status = 'sending', token_hash = $2, attempts = attempts + 1,
                next_attempt_at = now() + make_interval(secs => $3)
          where id = $1 and status in ('pending', 'sending') and next_attempt_at <= now() and expires_at > now()
          returning resident_id, purpose, email_hash, attempts`,
        [confirmationId, tokenDigest(token), LEASE_SECONDS],
      ),
    );
    const c = rows[0];
    if (!c) return null;
    const who: Array<{
      channel_kind: string;
      friend_status: string;
      email_enc: string | null;
      email_hash: string | null;
    }> = await m.query(
      `select r.channel_kind, r.friend_status, rc.email_enc, rc.email_hash
           from resident r left join resident_contact rc on rc.tenant_id = r.tenant_id and rc.resident_id = r.id
          where r.id = $1`,
      [c.resident_id],
    );
    const w = who[0];
    // The address changed (or was removed) since: this request is void.
    if (!w?.email_enc || w.email_hash !== c.email_hash) {
      await m.query(`update mail_confirmation set status = 'superseded' where id = $1`, [confirmationId]);
      return 'superseded';
    }
    const tenant: Array<{ slug: string; name_ja: string }> = await m.query(
      'select slug, name_ja from tenant where id = $1',
      [tenantId],
    );
    return {
      residentId: c.resident_id,
      purpose: c.purpose,
      attempts: c.attempts,
      email: await decryptField(w.email_enc, RESIDENT_EMAIL_PURPOSE),
      recipientKind: w.channel_kind,
      alreadyFriend: w.channel_kind === MAIL_KIND && w.friend_status === 'friend',
      emailHash: c.email_hash,
      slug: tenant[0]!.slug,
      city: tenant[0]!.name_ja,
    };
  });
  if (claimed === null) return 'not_claimed';
  if (claimed === 'superseded') return 'superseded';

  const settle = (sql: string, params: unknown[]) =>
    withTenant(tenantId, (m) => m.query(sql, [confirmationId, tokenDigest(token), ...params]));
  if (!mailConfigured()) {
    await settle(
      `update mail_confirmation set status = 'failed', last_error = $3 where id = $1 and token_hash = $2 and status = 'sending'`,
      ['メール送信サーバー（SMTP_URL）が設定されていません'],
    );
    return 'failed';
  }
  try {
    const mail = confirmationMail(claimed, token, tenantId);
    const res = await sendMail({ to: claimed.email, fromName: claimed.city, ...mail });
    if (!res.accepted) throw Object.assign(new Error('recipient refused'), { code: 'EENVELOPE' });
    await settle(
      `update mail_confirmation set status = 'sent', sent_at = now(), last_error = null
        where id = $1 and token_hash = $2 and status = 'sending'`,
      [],
    );
    return 'sent';
  } catch (e) {
    const code = mailErrorCode(e);
    const permanent = isPermanentMailError(e) || claimed.attempts > RETRY_SECONDS.length;
    // The SMTP server's own words may contain the address: only its status code is kept and logged.
    const summary = code
      ? `メールサーバーが受け付けませんでした（${code}）`
      : 'メールサーバーに接続できませんでした';
    logger.warn({ tenantId, confirmationId, smtpCode: code, permanent }, 'confirmation mail not sent');
    if (permanent) {
      await settle(
        `update mail_confirmation set status = 'failed', last_error = $3 where id = $1 and token_hash = $2 and status = 'sending'`,
        [summary],
      );
      return 'failed';
    }
    await settle(
      `update mail_confirmation set status = 'pending', last_error = $3,
              next_attempt_at = now() + make_interval(secs => $4)
        where id = $1 and token_hash = $2 and status = 'sending'`,
      [summary, RETRY_SECONDS[claimed.attempts - 1] ?? RETRY_SECONDS.at(-1)!],
    );
    return 'retry';
  }
}

function confirmationMail(c: Claimed, token: string, tenantId: string) {
  const confirmUrl = confirmPageUrl(c.slug, token);
  const footer = [
    '',
    '――――――――――――――――',
    c.city,
    'このメールは送信専用です。ご返信いただいてもお答えできません。',
  ];
  const deadline = `${CONFIRMATION_HOURS}時間以内`;
  if (c.purpose === 'subscribe' && c.alreadyFriend) {
    const manage = managePageUrl(c.slug, signManageToken(tenantId, c.residentId, c.emailHash));
    return {
      subject: `【${c.city}】メール配信の登録内容の変更確認`,
      text: [
        `このメールアドレスは、${c.city}のメール配信にすでに登録されています。`,
        '',
        `先ほどお申し込みいただいた内容に登録を変更するには、${deadline}に次のリンクを開き、「確認を完了する」を押してください。`,
        confirmUrl,
        '',
        '変更しない場合は、このメールを破棄してください。これまでの登録内容のまま配信を続けます。',
        '',
        '登録内容の確認・配信の停止はこちらから:',
        manage,
        ...footer,
      ].join('\n'),
    };
  }
  if (c.purpose === 'subscribe')
    return {
      subject: `【${c.city}】メール配信の登録確認`,
      text: [
        `${c.city}のメール配信にお申し込みいただき、ありがとうございます。`,
        '',
        `登録を完了するには、${deadline}に次のリンクを開き、「確認を完了する」を押してください。`,
        confirmUrl,
        '',
        'このメールに心当たりがない場合は、何もせずに破棄してください。登録は行われません。',
        ...footer,
      ].join('\n'),
    };
  return {
    subject: `【${c.city}】メールアドレスの確認`,
    text: [
      c.recipientKind === MAIL_KIND
        ? `${c.city}のメール配信の宛先として、このメールアドレスが登録されました。`
        : `${c.city}公式LINEの受信設定で、このメールアドレスが登録されました。`,
      '',
      c.recipientKind === MAIL_KIND
        ? `このアドレスでお知らせを受け取るには、${deadline}に次のリンクを開き、「確認を完了する」を押してください。`
        : `LINEと同じお知らせをメールでも受け取るには、${deadline}に次のリンクを開き、「確認を完了する」を押してください。`,
      confirmUrl,
      '',
      '心当たりがない場合は、何もせずに破棄してください。このアドレスにお知らせが届くことはありません。',
      ...footer,
    ].join('\n'),
  };
}
