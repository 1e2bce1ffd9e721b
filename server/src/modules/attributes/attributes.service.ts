import { createHmac, hkdfSync } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { config } from '../../platform/config/config.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import type { AttributeItem, ItemKind } from './attribute.model.js';
import { valueRows, type AttributeValue, type ValidatedEntry } from './values.js';
import { onResidentEmailSaved } from '../mail-subscription/confirmation.js';

/** Encryption purposes (AES-GCM associated data) of residents' free text and e-mail address. */
export const ATTRIBUTE_TEXT_PURPOSE = 'resident.attribute_text';
export const RESIDENT_EMAIL_PURPOSE = 'resident.email';

export const ITEM_COLUMNS = `i.id, i.code, i.kind, i.label, i.help_text as "helpText", i.required,
  i.position, i.status, i.config, i.created_at as "createdAt", i.updated_at as "updatedAt"`;

export async function listItems(
  m: EntityManager,
  opts: { status?: 'active' | 'archived' | 'all' } = {},
): Promise<AttributeItem[]> {
  const status = opts.status ?? 'active';
  return m.query(
    `select ${ITEM_COLUMNS} from attribute_item i
      where ($1 = 'all' or i.status = $1) order by i.status, i.position, i.created_at, i.id`,
    [status],
  );
}

export async function findItem(m: EntityManager, id: string): Promise<AttributeItem | null> {
  const rows: AttributeItem[] = await m.query(
    `select ${ITEM_COLUMNS} from attribute_item i where i.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function findItemByCode(m: EntityManager, code: string): Promise<AttributeItem | null> {
  const rows: AttributeItem[] = await m.query(
    `select ${ITEM_COLUMNS} from attribute_item i where i.code = $1`,
    [code],
  );
  return rows[0] ?? null;
}

/** True when any resident has answered the item (such items are archived, never deleted). */
export async function itemHasValues(m: EntityManager, itemId: string): Promise<boolean> {
  const rows: unknown[] = await m.query('select 1 from resident_attribute_value where item_id = $1 limit 1', [
    itemId,
  ]);
  return rows.length > 0;
}

/** Which of these option codes of an item some resident has chosen. */
export async function optionCodesInUse(m: EntityManager, itemId: string, codes: string[]): Promise<string[]> {
  if (!codes.length) return [];
  const rows: Array<{ option_code: string }> = await m.query(
    `select distinct option_code from resident_attribute_value
      where item_id = $1 and option_code = any($2::text[])`,
    [itemId, codes],
  );
  return rows.map((r) => r.option_code);
}

interface StoredRow {
  code: string;
  kind: ItemKind;
  option_code: string | null;
  date_value: string | null;
  number_value: string | null;
  text_value_enc: string | null;
}

/**
 * A resident's answers by item code, in the API's shape (see AttributeValue). Implied ancestor
 * rows of hierarchy answers are not answers and are left out.
 */
export async function loadResidentValues(
  m: EntityManager,
  residentId: string,
): Promise<Record<string, AttributeValue>> {
  const rows: StoredRow[] = await m.query(
    `select i.code, i.kind, v.option_code, to_char(v.date_value, 'YYYY-MM-DD') as date_value,
            v.number_value::text as number_value, v.text_value_enc
       from resident_attribute_value v join attribute_item i on i.id = v.item_id
      where v.resident_id = $1 and not v.implied
      order by i.code, v.ordinal`,
    [residentId],
  );
  const out: Record<string, AttributeValue> = {};
  for (const r of rows) {
    switch (r.kind) {
      case 'multi':
        out[r.code] = [...((out[r.code] as string[] | undefined) ?? []), r.option_code!];
        break;
      case 'dates':
        out[r.code] = [...((out[r.code] as string[] | undefined) ?? []), r.date_value!];
        break;
      case 'single':
      case 'hierarchy':
        out[r.code] = r.option_code!;
        break;
      case 'date':
        out[r.code] = r.date_value!;
        break;
      case 'number':
        out[r.code] = Number(r.number_value);
        break;
      case 'text':
        out[r.code] = await decryptField(r.text_value_enc!, ATTRIBUTE_TEXT_PURPOSE);
        break;
    }
  }
  return out;
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | null): boolean {
  if (a === undefined || b === null) return a === undefined && b === null;
  if (Array.isArray(a) && Array.isArray(b)) {
    // Multiple choice is a set; several dates keep the resident's order but compare as a set too.
    const sa = [...a].sort();
    const sb = [...b].sort();
    return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
  }
  return a === b;
}

/**
 * Replaces the stored answers of the given items for one resident (rows of other items stay) and
 * returns the codes of items whose answer actually changed, for the audit trail. Runs inside the
 * caller's tenant transaction, so a form is saved all or nothing.
 */
export async function writeResidentValues(
  m: EntityManager,
  tenantId: string,
  residentId: string,
  entries: ValidatedEntry[],
  current: Record<string, AttributeValue>,
): Promise<string[]> {
  const changed = entries.filter((e) => !sameValue(current[e.item.code], e.value));
  if (!changed.length) return [];
  await m.query('delete from resident_attribute_value where resident_id = $1 and item_id = any($2::uuid[])', [
    residentId,
    changed.map((e) => e.item.id),
  ]);
  const rows = changed.flatMap((e) => (e.value === null ? [] : valueRows(e.item, e.value)));
  if (rows.length) {
    const texts = await Promise.all(
      rows.map((r) => (r.text === null ? null : encryptField(r.text, ATTRIBUTE_TEXT_PURPOSE))),
    );
    await m.query(
      `insert into resident_attribute_value
         (tenant_id, resident_id, item_id, option_code, implied, date_value, number_value, text_value_enc, ordinal)
       select $1, $2, * from unnest($3::uuid[], $4::text[], $5::boolean[], $6::date[], $7::numeric[], $8::text[], $9::smallint[])`,
      [
        tenantId,
        residentId,
        rows.map((r) => r.itemId),
        rows.map((r) => r.optionCode),
        rows.map((r) => r.implied),
        rows.map((r) => r.dateValue),
        rows.map((r) => r.numberValue),
        texts,
        rows.map((r) => r.ordinal),
      ],
    );
  }
  return changed.map((e) => e.item.code);
}

/**
 * Rewrites the implied ancestor rows of a hierarchy item after its tree changed (a district moved
 * to another area), so that node conditions keep finding everything under each node.
 */
export async function rebuildHierarchyAncestors(
  m: EntityManager,
  tenantId: string,
  item: AttributeItem,
  ancestorsOf: Map<string, string[]>,
): Promise<void> {
  await m.query('delete from resident_attribute_value where item_id = $1 and implied', [item.id]);
  const pairs = [...ancestorsOf].flatMap(([code, ancestors]) => ancestors.map((a) => [code, a] as const));
  if (!pairs.length) return;
  await m.query(
    `insert into resident_attribute_value (tenant_id, resident_id, item_id, option_code, implied)
     select $1, v.resident_id, v.item_id, p.ancestor, true
       from resident_attribute_value v
       join unnest($3::text[], $4::text[]) as p(code, ancestor) on p.code = v.option_code
      where v.item_id = $2 and not v.implied`,
    [tenantId, item.id, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
}

// ---------------------------------------------------------------------------------------------
// E-mail address for the mail channel (DEL-10)

/**
 * The lookup key of an e-mail address: HMAC-SHA256 with a per-tenant key derived from the master
 * key, so equal addresses match within a tenant, differ between tenants, and the table alone
 * (a backup, a dump) does not reveal which address is whose.
 */
export function emailLookupHash(tenantId: string, email: string): string {
  const key = Buffer.from(hkdfSync('sha256', config().masterKey, tenantId, 'resident-email-lookup', 32));
  return createHmac('sha256', key).update(normalizeEmail(email)).digest('hex');
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function loadResidentEmail(m: EntityManager, residentId: string): Promise<string | null> {
  const rows: Array<{ email_enc: string | null }> = await m.query(
    'select email_enc from resident_contact where resident_id = $1',
    [residentId],
  );
  const enc = rows[0]?.email_enc;
  return enc ? decryptField(enc, RESIDENT_EMAIL_PURPOSE) : null;
}

/**
 * Stores (or with null removes) the address; returns true when it changed. A new address receives
 * deliveries by e-mail (DEL-10) only once confirmed: it starts unconfirmed and a confirmation mail
 * is sent to it after the caller's transaction.
 */
export async function saveResidentEmail(
  m: EntityManager,
  tenantId: string,
  residentId: string,
  email: string | null,
): Promise<boolean> {
  const before = await loadResidentEmail(m, residentId);
  const next = email === null ? null : normalizeEmail(email);
  if ((before === null ? null : normalizeEmail(before)) === next) return false;
  const hash = next === null ? null : emailLookupHash(tenantId, next);
  await m.query(
    `insert into resident_contact (tenant_id, resident_id, email_enc, email_hash, updated_at)
     values ($1, $2, $3, $4, now())
     on conflict (tenant_id, resident_id) do update set
       email_enc = excluded.email_enc, email_hash = excluded.email_hash, email_confirmed_at = null, updated_at = now()`,
    [tenantId, residentId, next === null ? null : await encryptField(next, RESIDENT_EMAIL_PURPOSE), hash],
  );
  await onResidentEmailSaved(m, tenantId, residentId, hash);
  return true;
}

/** Residents who registered this address (a family may share one). */
export async function findResidentsByEmail(
  m: EntityManager,
  tenantId: string,
  email: string,
): Promise<string[]> {
  const rows: Array<{ resident_id: string }> = await m.query(
    'select resident_id from resident_contact where email_hash = $1',
    [emailLookupHash(tenantId, email)],
  );
  return rows.map((r) => r.resident_id);
}
