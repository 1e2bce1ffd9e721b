import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { config } from '../../platform/config/config.js';
import { HttpError } from '../../platform/http/errors.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { logger } from '../../platform/log/logger.js';
import { findTenantBySlug } from '../../platform/tenancy/tenants.js';
import { setEmergencyMode } from '../richmenu/richmenu.service.js';
import { composeMailText, matchRule, senderAllowed, type MailRule } from './mail.model.js';
import { createImmediateDelivery, enqueueDueDelivery } from '../delivery/delivery.service.js';

/** One parsed mail as the SMTP listener hands it over. */
export interface InboundMail {
  /** Local part of the recipient address: `<slug>-<token>`. */
  slug: string;
  token: string;
  messageId: string | null;
  from: string | null;
  subject: string;
  text: string;
}

/** Deliveries and emergency switches made by mail rules are the system's, labelled as such. */
const MAIL_ACTOR = {
  type: 'system',
  id: null,
  label: 'メール連携',
  staffId: null,
  ip: null,
  userAgent: null,
} as const;

export type InboundOutcome =
  | { outcome: 'unknown_recipient' }
  | { outcome: 'duplicate' }
  | { outcome: 'refused_sender' }
  | { outcome: 'no_rule' }
  | { outcome: 'delivered'; deliveryId: string; emergency: string | null }
  | { outcome: 'failed'; error: string };

const RULE_COLUMNS = `id, organisation_id as "organisationId", name, position, enabled, subject_contains as "subjectContains", body_contains as "bodyContains",
  include_subject as "includeSubject", cut_marker as "cutMarker", footer, channel_kind as "channelKind", target, emergency`;

export async function loadRules(m: EntityManager): Promise<MailRule[]> {
  return m.query(`select ${RULE_COLUMNS} from mail_rule order by position, created_at`);
}

/** The tenant's inbound settings, created with a fresh secret token the first time they are read. */
export async function mailSettings(
  m: EntityManager,
  tenantId: string,
): Promise<{ inboundToken: string; inboundEnabled: boolean }> {
  await m.query(
    `insert into mail_settings (tenant_id, inbound_token) values ($1, $2) on conflict (tenant_id) do nothing`,
    [tenantId, newInboundToken()],
  );
  const rows: Array<{ inboundToken: string; inboundEnabled: boolean }> = await m.query(
    `select inbound_token as "inboundToken", inbound_enabled as "inboundEnabled" from mail_settings`,
  );
  return rows[0]!;
}

export function newInboundToken(): string {
  // 20 base-36 characters ≈ 103 bits: the address itself is a secret, like a webhook URL.
  return [...randomBytes(20)].map((b) => (b % 36).toString(36)).join('');
}

export function inboundAddress(slug: string, token: string): string {
  return `${slug}-${token}@${config().MAIL_INBOUND_DOMAIN ?? `mail.${config().ROOT_DOMAIN}`}`;
}

/** Whether an RCPT TO names a live inbound address (checked before the mail's data is accepted). */
export async function knownRecipient(slug: string, token: string): Promise<string | null> {
  const tenant = await findTenantBySlug(slug);
  if (!tenant || tenant.status !== 'active') return null;
  const ok = await withTenant(tenant.id, async (m) => {
    const s = await mailSettings(m, tenant.id);
    return s.inboundEnabled && s.inboundToken === token;
  });
  return ok ? tenant.id : null;
}

/** A mail without a Message-ID is known by a digest of what it says (a resend is still one mail). */
function mailKey(mail: InboundMail): string {
  if (mail.messageId) return mail.messageId.slice(0, 500);
  const digest = createHash('sha256').update(`${mail.from}\n${mail.subject}\n${mail.text}`).digest('hex');
  return `sha256:${digest}`;
}

/**
 * DEL-11: logs the mail and, when an allowed sender's mail matches a rule, creates the LINE
 * delivery in the same transaction as the log row (so a crash loses neither, and a redelivered
 * mail finds its row and sends nothing twice); switches emergency mode after, when the rule says
 * so. Mail from any other sender sends nothing and is logged as refused.
 */
export async function receiveMail(tenantId: string, mail: InboundMail): Promise<InboundOutcome> {
  const key = mailKey(mail);
  const decided = await withTenant(tenantId, async (m) => {
    const seen: unknown[] = await m.query('select 1 from mail_inbound_log where message_id = $1', [key]);
    if (seen.length) return { outcome: 'duplicate' as const };
    const patterns: Array<{ pattern: string }> = await m.query('select pattern from mail_allowed_sender');
    const log = (fields: Record<string, unknown>) =>
      m.query(
        `insert into mail_inbound_log (tenant_id, message_id, from_address, subject, outcome, rule_id, rule_name,
                                       delivery_id, emergency, message_text, error)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (tenant_id, message_id) do nothing
         returning id`,
        [
          tenantId,
          key,
          mail.from,
          mail.subject.slice(0, 500),
          fields.outcome,
          fields.ruleId ?? null,
          fields.ruleName ?? null,
          fields.deliveryId ?? null,
          fields.emergency ?? null,
          fields.text ?? null,
          fields.error ?? null,
        ],
      );
    if (
      !senderAllowed(
        mail.from,
        patterns.map((p) => p.pattern),
      )
    ) {
      await log({ outcome: 'refused_sender' });
      return { outcome: 'refused_sender' as const };
    }
    const rule = matchRule(await loadRules(m), mail);
    if (!rule) {
      await log({ outcome: 'no_rule' });
      return { outcome: 'no_rule' as const };
    }
    const text = composeMailText(mail, rule);
    // A rule whose segment was deleted cannot deliver: the mail is logged as failed (and answered
    // 250, since a retry by the sending MTA would fail the same way); staff see why in the log.
    await m.query('savepoint mail_delivery');
    let delivery: Awaited<ReturnType<typeof createImmediateDelivery>>;
    try {
      delivery = await createImmediateDelivery(
        m,
        tenantId,
        {
          title: `メール連携: ${mail.subject.trim() || rule.name}`.slice(0, 100),
          organisationId: rule.organisationId,
          channel: rule.channelKind,
          target: rule.target,
          messages: [{ type: 'text', text }],
        },
        MAIL_ACTOR,
      );
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      await m.query('rollback to savepoint mail_delivery');
      const error = `配信を作成できませんでした: ${e.opts.errors?.[0]?.message ?? e.title}`;
      await log({ outcome: 'failed', ruleId: rule.id, ruleName: rule.name, text, error });
      return { outcome: 'failed' as const, error };
    }
    const deliveryId = delivery.id;
    const emergency = rule.emergency === 'none' ? null : rule.emergency;
    await log({ outcome: 'delivered', ruleId: rule.id, ruleName: rule.name, deliveryId, emergency, text });
    return { outcome: 'delivered' as const, deliveryId, emergency, rule, delivery };
  });
  if (decided.outcome !== 'delivered') return decided;
  await enqueueDueDelivery(tenantId, decided.delivery);
  if (decided.emergency) {
    try {
      await setEmergencyMode(
        tenantId,
        decided.rule.channelKind,
        decided.emergency === 'on',
        `メール連携ルール「${decided.rule.name}」`,
        MAIL_ACTOR,
      );
    } catch (e) {
      // The message went out; the switch is reported on the log row for staff to do by hand.
      const error = `緊急モードを切り替えられませんでした: ${e instanceof Error ? e.message : String(e)}`;
      logger.warn({ tenantId, rule: decided.rule.id }, 'mail rule could not switch emergency mode');
      await withTenant(tenantId, (m) =>
        m.query('update mail_inbound_log set error = $2 where message_id = $1', [key, error]),
      );
    }
  }
  return { outcome: 'delivered', deliveryId: decided.deliveryId, emergency: decided.emergency };
}
