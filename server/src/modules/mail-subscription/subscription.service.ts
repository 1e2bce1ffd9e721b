import type { EntityManager } from 'typeorm';
import { appendToChain, type ActorType } from '../../platform/audit/audit-chain.js';
import { tokenDigest } from '../../platform/auth/tokens.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { HttpError } from '../../platform/http/errors.js';
import { logger } from '../../platform/log/logger.js';
import type { AttributeItem } from '../attributes/attribute.model.js';
import {
  emailLookupHash,
  loadResidentValues,
  normalizeEmail,
  RESIDENT_EMAIL_PURPOSE,
  saveResidentEmail,
  writeResidentValues,
} from '../attributes/attributes.service.js';
import {
  findForm,
  formItems,
  itemForResident,
  listForms,
  type RegistrationForm,
} from '../attributes/registration.service.js';
import { validateSubmission, type AttributeValue } from '../attributes/values.js';
import { MAIL_KIND } from './audience.js';
import { insertConfirmation, SIGNUP_PAYLOAD_PURPOSE } from './confirmation.js';
import { signManageToken, readManageToken } from './tokens.js';

/**
 * Subscriptions by e-mail (DEL-10: 「LINE を利用していない市民等に対しメールでも同様の内容を配信」).
 *
 * A subscriber is a `resident` of channel_kind `mail`, with an address in resident_contact and
 * attributes in resident_attribute_value like a LINE friend's, so the same segments select them.
 * friend_status: `unknown` until the address is confirmed, `friend` once confirmed, `blocked` once
 * unsubscribed (the row, its attributes and address are kept, as for a LINE friend who blocked, so
 * signing up again finds the same subscriber). A sign-up never changes anything before its
 * confirmation link is opened: the settings wait, encrypted, in the confirmation request.
 *
 * LINE friends who saved an address on 受信設定 receive deliveries by e-mail too, once they opened
 * their confirmation link (`resident_contact.email_confirmed_at`).
 *
 * Every function runs inside the tenant's transaction (RLS).
 */

export interface Requester {
  ip: string | null;
  userAgent: string | null;
}

async function audit(
  m: EntityManager,
  tenantId: string,
  actor: { type: ActorType; id: string | null },
  action: string,
  residentId: string,
  detail: Record<string, unknown>,
  who: Requester,
): Promise<void> {
  await appendToChain(
    m,
    { name: 'audit_log', tenantId },
    {
      actorType: actor.type,
      actorId: actor.id,
      action,
      outcome: 'success',
      targetType: 'resident',
      targetId: residentId,
      // Never the address or the answers: ids, codes and counts only.
      detail,
      ip: who.ip,
      userAgent: who.userAgent,
    },
  );
}

/**
 * The form a subscriber fills in: the tenant's first public registration form that asks for an
 * e-mail address (受信設定 promises 「LINEと同じお知らせをメールでも受け取りたい方は…」). A city
 * without one does not take subscriptions by e-mail.
 */
export async function signupForm(
  m: EntityManager,
): Promise<{ form: RegistrationForm; items: AttributeItem[] } | null> {
  const form = (await listForms(m, 'active')).find((f) => f.visibility === 'public' && f.askEmail);
  if (!form) return null;
  return { form, items: (await formItems(m, [form.id])).get(form.id)! };
}

/** The form as a subscriber sees it, with their answers. */
export function formForSubscriber(
  form: RegistrationForm,
  items: AttributeItem[],
  values: Record<string, AttributeValue>,
) {
  return {
    code: form.code,
    name: form.name,
    introText: form.introText,
    items: items.map((i) => itemForResident(i, values[i.code])),
  };
}

const invalid = (errors: Array<{ path: string; message: string }>) =>
  new HttpError(422, '入力内容を確認してください', { errors });

/**
 * A sign-up (or a subscriber signing up again): the subscriber is found or created by the address,
 * and a confirmation request holds the settings until the link in its mail is opened. The caller
 * answers the same whatever happened here (no account enumeration) and sends the mail after commit.
 */
export async function requestSubscription(
  m: EntityManager,
  tenantId: string,
  input: { email: string; values: Record<string, unknown> },
  who: Requester,
): Promise<{ confirmationId: string }> {
  const signup = await signupForm(m);
  if (!signup) throw unavailable();
  const { entries, errors } = validateSubmission(signup.items, input.values, {
    mode: 'replace',
    now: new Date(),
    current: {},
  });
  if (errors.length) throw invalid(errors);
  const email = normalizeEmail(input.email);
  const emailHash = emailLookupHash(tenantId, email);
  // Two sign-ups of one new address at once must make one subscriber: serialised per address.
  await m.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `mail-subscriber:${tenantId}:${emailHash}`,
  ]);
  const found: Array<{ id: string }> = await m.query(
    `select r.id from resident r join resident_contact c on c.tenant_id = r.tenant_id and c.resident_id = r.id
      where r.channel_kind = $1 and c.email_hash = $2
      order by (r.friend_status = 'friend') desc, r.created_at limit 1`,
    [MAIL_KIND, emailHash],
  );
  let residentId = found[0]?.id;
  const created = !residentId;
  if (!residentId) {
    const rows: Array<{ id: string }> = await m.query(
      `insert into resident (tenant_id, channel_kind, line_user_id, friend_status) values ($1, $2, null, 'unknown') returning id`,
      [tenantId, MAIL_KIND],
    );
    residentId = rows[0]!.id;
    await m.query(
      `insert into resident_contact (tenant_id, resident_id, email_enc, email_hash) values ($1, $2, $3, $4)`,
      [tenantId, residentId, await encryptField(email, RESIDENT_EMAIL_PURPOSE), emailHash],
    );
  }
  const payload = {
    formId: signup.form.id,
    values: Object.fromEntries(entries.map((e) => [e.item.code, e.value])),
  };
  const confirmationId = await insertConfirmation(m, tenantId, {
    residentId,
    purpose: 'subscribe',
    emailHash,
    payload,
  });
  await audit(
    m,
    tenantId,
    { type: 'anonymous', id: null },
    'mail_subscription.requested',
    residentId,
    {
      form: signup.form.code,
      newSubscriber: created,
    },
    who,
  );
  return { confirmationId };
}

export const unavailable = () =>
  new HttpError(404, 'メールでのお知らせの登録は受け付けていません', {
    detail: 'この自治体では、メールでのお知らせの配信を行っていません。',
  });

const linkGone = (detail = 'お手数ですが、もう一度お申し込みください。') =>
  new HttpError(410, 'このリンクは有効期限が切れているか、無効になっています', {
    type: 'urn:tsunagu:mail-link-expired',
    detail,
  });

export type ConfirmResult = 'subscribed' | 'updated' | 'address_confirmed';

/**
 * Opens a confirmation link: a sign-up becomes a subscription (settings applied, friend), an
 * address saved on 受信設定 becomes confirmed. Opening the same link again answers the same
 * (people tap twice); a link of a superseded request, an expired one or one whose address changed
 * since is refused.
 */
export async function confirmSubscription(
  m: EntityManager,
  tenantId: string,
  token: string,
  who: Requester,
): Promise<{ result: ConfirmResult; recipient: 'subscriber' | 'line'; manageToken: string }> {
  const rows: Array<{
    id: string;
    resident_id: string;
    purpose: 'subscribe' | 'address';
    email_hash: string;
    payload_enc: string | null;
    status: string;
    expired: boolean;
  }> = await m.query(
    `select id, resident_id, purpose, email_hash, payload_enc, status, expires_at <= now() as expired
       from mail_confirmation where token_hash = $1 for update`,
    [tokenDigest(token)],
  );
  const c = rows[0];
  if (!c || c.expired || !['sending', 'sent', 'used'].includes(c.status)) throw linkGone();
  // One resident's confirmation, settings and unsubscription never interleave.
  const res: Array<{ channel_kind: string; friend_status: string }> = await m.query(
    'select channel_kind, friend_status from resident where id = $1 for update',
    [c.resident_id],
  );
  const resident = res[0];
  const contact: Array<{ email_hash: string | null; email_confirmed_at: Date | null }> = await m.query(
    'select email_hash, email_confirmed_at from resident_contact where resident_id = $1',
    [c.resident_id],
  );
  if (!resident || contact[0]?.email_hash !== c.email_hash)
    throw linkGone(
      'メールアドレスが変更されたため、このリンクは使えません。新しいアドレスに届いたメールのリンクを開いてください。',
    );
  const recipient = resident.channel_kind === MAIL_KIND ? 'subscriber' : 'line';
  const manageToken = signManageToken(tenantId, c.resident_id, c.email_hash);

  if (c.status === 'used') {
    const result: ConfirmResult = c.purpose === 'address' ? 'address_confirmed' : 'subscribed';
    if (c.purpose === 'subscribe' && resident.friend_status !== 'friend') throw linkGone();
    return { result, recipient, manageToken };
  }

  let result: ConfirmResult = 'address_confirmed';
  let changedItems: string[] = [];
  if (c.purpose === 'subscribe') {
    const wasFriend = resident.friend_status === 'friend';
    changedItems = await applySignupPayload(m, tenantId, c.resident_id, c.payload_enc);
    await m.query(
      `update resident set friend_status = 'friend',
              status_changed_at = case when friend_status <> 'friend' then now() else status_changed_at end,
              followed_at = case when friend_status <> 'friend' then now() else followed_at end,
              first_followed_at = coalesce(first_followed_at, now()),
              blocked_since = null, updated_at = now()
        where id = $1`,
      [c.resident_id],
    );
    result = wasFriend ? 'updated' : 'subscribed';
  }
  await m.query(
    `update resident_contact set email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
      where resident_id = $1`,
    [c.resident_id],
  );
  await m.query(
    `update mail_confirmation set status = 'used', used_at = now(), payload_enc = null where id = $1`,
    [c.id],
  );
  await audit(
    m,
    tenantId,
    { type: 'resident', id: c.resident_id },
    c.purpose === 'subscribe' ? 'mail_subscription.confirmed' : 'resident.email_confirmed',
    c.resident_id,
    c.purpose === 'subscribe' ? { result, items: changedItems } : {},
    who,
  );
  return { result, recipient, manageToken };
}

/** Writes the settings a sign-up carried (checked again: the form may have changed meanwhile). */
async function applySignupPayload(
  m: EntityManager,
  tenantId: string,
  residentId: string,
  payloadEnc: string | null,
): Promise<string[]> {
  if (!payloadEnc) return [];
  const payload = JSON.parse(await decryptField(payloadEnc, SIGNUP_PAYLOAD_PURPOSE)) as {
    formId: string;
    values: Record<string, unknown>;
  };
  const form = await findForm(m, payload.formId);
  if (!form || form.status !== 'active') return [];
  const items = (await formItems(m, [form.id])).get(form.id)!;
  const current = await loadResidentValues(m, residentId);
  const known = Object.fromEntries(
    Object.entries(payload.values).filter(([code]) => items.some((i) => i.code === code)),
  );
  const { entries, errors } = validateSubmission(items, known, { mode: 'replace', now: new Date(), current });
  // An item that became required or lost an option since the sign-up keeps its current answer.
  const failed = new Set(errors.map((e) => e.path.split('.')[1]));
  if (errors.length)
    logger.info({ tenantId, residentId, items: [...failed] }, 'sign-up settings partly outdated');
  const changed = await writeResidentValues(
    m,
    tenantId,
    residentId,
    entries.filter((e) => !failed.has(e.item.code)),
    current,
  );
  await m.query(
    `insert into resident_registration (tenant_id, resident_id, form_id, updated_by)
     values ($1, $2, $3, 'resident')
     on conflict (tenant_id, resident_id, form_id) do update set updated_at = now(), updated_by = 'resident'`,
    [tenantId, residentId, form.id],
  );
  return changed;
}

export interface Managed {
  residentId: string;
  recipient: 'subscriber' | 'line';
  friendStatus: string;
  email: string;
  emailHash: string;
  confirmed: boolean;
}

const badManageLink = () =>
  new HttpError(404, 'このリンクは無効です', {
    type: 'urn:tsunagu:mail-link-invalid',
    detail:
      '有効期限が切れているか、メールアドレスが変更されています。最近届いたメールのリンクから開き直してください。',
  });

/** The subscription a manage link opens (checked against the current address), locked for change. */
export async function managedBy(m: EntityManager, tenantId: string, token: string): Promise<Managed> {
  const t = readManageToken(tenantId, token);
  if (!t) throw badManageLink();
  const rows: Array<{
    channel_kind: string;
    friend_status: string;
    email_enc: string | null;
    email_hash: string | null;
    email_confirmed_at: Date | null;
  }> = await m.query(
    `select r.channel_kind, r.friend_status, c.email_enc, c.email_hash, c.email_confirmed_at
       from resident r join resident_contact c on c.tenant_id = r.tenant_id and c.resident_id = r.id
      where r.id = $1 for update of r`,
    [t.residentId],
  );
  const r = rows[0];
  if (!r?.email_hash || !r.email_enc || !t.verify(r.email_hash)) throw badManageLink();
  return {
    residentId: t.residentId,
    recipient: r.channel_kind === MAIL_KIND ? 'subscriber' : 'line',
    friendStatus: r.friend_status,
    email: await decryptField(r.email_enc, RESIDENT_EMAIL_PURPOSE),
    emailHash: r.email_hash,
    confirmed: r.email_confirmed_at !== null,
  };
}

/** What the manage page shows. */
export async function manageView(m: EntityManager, s: Managed) {
  const status =
    s.recipient === 'subscriber'
      ? s.friendStatus === 'blocked'
        ? 'unsubscribed'
        : s.friendStatus === 'friend' && s.confirmed
          ? 'active'
          : 'pending'
      : s.confirmed
        ? 'active'
        : 'pending';
  if (s.recipient === 'line')
    return { recipient: s.recipient, status, email: s.email, form: null, values: {} };
  const signup = await signupForm(m);
  const values = await loadResidentValues(m, s.residentId);
  return {
    recipient: s.recipient,
    status,
    email: s.email,
    form: signup ? formForSubscriber(signup.form, signup.items, values) : null,
    values,
  };
}

/** A subscriber changes their settings from the manage page (the sign-up form's items). */
export async function saveManagedSettings(
  m: EntityManager,
  tenantId: string,
  s: Managed,
  values: Record<string, unknown>,
  who: Requester,
): Promise<void> {
  if (s.recipient !== 'subscriber')
    throw new HttpError(409, 'LINEでお受け取りの方は、LINEの受信設定から変更してください');
  if (s.friendStatus !== 'friend')
    throw new HttpError(409, '配信を停止しているため、登録内容は変更できません', {
      detail: 'もう一度受け取る場合は、登録ページからお申し込みください。',
    });
  const signup = await signupForm(m);
  if (!signup) throw unavailable();
  const current = await loadResidentValues(m, s.residentId);
  const { entries, errors } = validateSubmission(signup.items, values, {
    mode: 'replace',
    now: new Date(),
    current,
  });
  if (errors.length) throw invalid(errors);
  const changed = await writeResidentValues(m, tenantId, s.residentId, entries, current);
  await m.query(
    `insert into resident_registration (tenant_id, resident_id, form_id, updated_by)
     values ($1, $2, $3, 'resident')
     on conflict (tenant_id, resident_id, form_id) do update set updated_at = now(), updated_by = 'resident'`,
    [tenantId, s.residentId, signup.form.id],
  );
  await audit(
    m,
    tenantId,
    { type: 'resident', id: s.residentId },
    'mail_subscription.settings_saved',
    s.residentId,
    {
      form: signup.form.code,
      items: changed,
    },
    who,
  );
}

/**
 * Stops the mails, in one step. A subscriber becomes `blocked` (kept, like a LINE friend who
 * blocked); a LINE friend's address is removed, so 受信設定 shows no address any more. Stopping
 * twice answers the same.
 */
export async function unsubscribe(
  m: EntityManager,
  tenantId: string,
  s: Managed,
  who: Requester & { via: 'page' | 'one-click' },
): Promise<void> {
  if (s.recipient === 'subscriber') {
    if (s.friendStatus === 'blocked') return;
    await m.query(
      `update resident set friend_status = 'blocked', blocked_since = now(), status_changed_at = now(), updated_at = now()
        where id = $1`,
      [s.residentId],
    );
    await m.query(
      `update resident_contact set email_confirmed_at = null, updated_at = now() where resident_id = $1`,
      [s.residentId],
    );
    await m.query(
      `update mail_confirmation set status = 'superseded' where resident_id = $1 and status in ('pending', 'sending', 'sent')`,
      [s.residentId],
    );
  } else {
    await saveResidentEmail(m, tenantId, s.residentId, null);
  }
  await audit(
    m,
    tenantId,
    { type: 'resident', id: s.residentId },
    'mail_subscription.unsubscribed',
    s.residentId,
    {
      recipient: s.recipient,
      via: who.via,
    },
    who,
  );
}

/** 受信設定 shows whether the saved address receives deliveries yet. */
export async function emailStatusOf(
  m: EntityManager,
  residentId: string,
): Promise<'none' | 'pending' | 'confirmed'> {
  const rows: Array<{ email_hash: string | null; email_confirmed_at: Date | null }> = await m.query(
    'select email_hash, email_confirmed_at from resident_contact where resident_id = $1',
    [residentId],
  );
  const r = rows[0];
  return !r?.email_hash ? 'none' : r.email_confirmed_at ? 'confirmed' : 'pending';
}
