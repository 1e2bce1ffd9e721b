import type { EntityManager } from 'typeorm';
import { decryptField } from '../../platform/crypto/tenant-keys.js';
import type { Page } from '../../platform/http/validation.js';
import type { AudienceKind } from '../mail-subscription/audience.js';
import { RESIDENT_NAME_PURPOSE } from '../line/residents.service.js';

/**
 * The staff view of the tenant's friends (友だち): who follows which channel, since when, whether
 * they registered their settings, and the tester flag (DEL-2). Display names are stored encrypted
 * with the tenant key: they are decrypted for the rows of the page shown only, and never searched
 * or sorted on in SQL (the database cannot read them, by design).
 */

export type FriendStatus = 'friend' | 'blocked' | 'unknown';

export const RESIDENT_SORTS = ['followedAt', 'firstFollowedAt', 'blockedSince', 'lastEventAt'] as const;
export type ResidentSort = (typeof RESIDENT_SORTS)[number];

const SORT_COLUMNS: Record<ResidentSort, string> = {
  followedAt: 'r.followed_at',
  firstFollowedAt: 'r.first_followed_at',
  blockedSince: 'r.blocked_since',
  lastEventAt: 'r.last_event_at',
};

export interface ResidentListQuery {
  page: number;
  pageSize: number;
  sort: ResidentSort;
  order: 'asc' | 'desc';
  channel?: AudienceKind;
  friendStatus?: FriendStatus;
  tester?: boolean;
  /** A registration form id, `any` (registered with some form) or `none` (with none). */
  form?: string;
  /** followed_at ≥ followedFrom and < followedTo (the UI sends JST days as UTC instants). */
  followedFrom?: Date;
  followedTo?: Date;
}

export interface ResidentRegistration {
  formId: string;
  formCode: string;
  formName: string;
  registeredAt: Date;
  updatedAt: Date;
  updatedBy: 'resident' | 'staff';
}

export interface ResidentView {
  id: string;
  channel: AudienceKind;
  friendStatus: FriendStatus;
  displayName: string | null;
  isTester: boolean;
  followedAt: Date | null;
  firstFollowedAt: Date | null;
  blockedSince: Date | null;
  statusChangedAt: Date | null;
  lastEventAt: Date | null;
  createdAt: Date;
  registrations: ResidentRegistration[];
}

interface ResidentRow {
  id: string;
  channel_kind: AudienceKind;
  friend_status: FriendStatus;
  display_name: string | null;
  is_tester: boolean;
  followed_at: Date | null;
  first_followed_at: Date | null;
  blocked_since: Date | null;
  status_changed_at: Date | null;
  last_event_at: Date | null;
  created_at: Date;
}

const COLUMNS = `r.id, r.channel_kind, r.friend_status, r.display_name, r.is_tester, r.followed_at,
  r.first_followed_at, r.blocked_since, r.status_changed_at, r.last_event_at, r.created_at`;

/** The where clause of a list query, with its parameters numbered from $1. */
function filters(q: ResidentListQuery): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (q.channel) parts.push(`r.channel_kind = ${p(q.channel)}`);
  if (q.friendStatus) parts.push(`r.friend_status = ${p(q.friendStatus)}`);
  if (q.tester !== undefined) parts.push(q.tester ? 'r.is_tester' : 'not r.is_tester');
  if (q.form === 'any')
    parts.push('exists (select 1 from resident_registration rr where rr.resident_id = r.id)');
  else if (q.form === 'none')
    parts.push('not exists (select 1 from resident_registration rr where rr.resident_id = r.id)');
  else if (q.form)
    parts.push(
      `exists (select 1 from resident_registration rr where rr.resident_id = r.id and rr.form_id = ${p(q.form)})`,
    );
  if (q.followedFrom) parts.push(`r.followed_at >= ${p(q.followedFrom)}`);
  if (q.followedTo) parts.push(`r.followed_at < ${p(q.followedTo)}`);
  return { where: parts.length ? `where ${parts.join(' and ')}` : '', params };
}

async function registrationsOf(
  m: EntityManager,
  residentIds: string[],
): Promise<Map<string, ResidentRegistration[]>> {
  const out = new Map<string, ResidentRegistration[]>(residentIds.map((id) => [id, []]));
  if (!residentIds.length) return out;
  const rows: Array<ResidentRegistration & { residentId: string }> = await m.query(
    `select rr.resident_id as "residentId", f.id as "formId", f.code as "formCode", f.name as "formName",
            rr.registered_at as "registeredAt", rr.updated_at as "updatedAt", rr.updated_by as "updatedBy"
       from resident_registration rr join registration_form f on f.id = rr.form_id
      where rr.resident_id = any($1::uuid[]) order by f.position, f.code`,
    [residentIds],
  );
  for (const { residentId, ...reg } of rows) out.get(residentId)?.push(reg);
  return out;
}

async function present(m: EntityManager, rows: ResidentRow[]): Promise<ResidentView[]> {
  const regs = await registrationsOf(
    m,
    rows.map((r) => r.id),
  );
  return Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      channel: r.channel_kind,
      friendStatus: r.friend_status,
      displayName: r.display_name ? await decryptField(r.display_name, RESIDENT_NAME_PURPOSE) : null,
      isTester: r.is_tester,
      followedAt: r.followed_at,
      firstFollowedAt: r.first_followed_at,
      blockedSince: r.blocked_since,
      statusChangedAt: r.status_changed_at,
      lastEventAt: r.last_event_at,
      createdAt: r.created_at,
      registrations: regs.get(r.id) ?? [],
    })),
  );
}

export async function listResidents(m: EntityManager, q: ResidentListQuery): Promise<Page<ResidentView>> {
  const { where, params } = filters(q);
  const counted: Array<{ n: number }> = await m.query(
    `select count(*)::int as n from resident r ${where}`,
    params,
  );
  // Nulls (never followed: contacts only) first going up, last going down, as the other lists do;
  // the id breaks ties so pages never overlap.
  const dir = q.order === 'asc' ? 'asc nulls first' : 'desc nulls last';
  const idDir = q.order === 'asc' ? 'asc' : 'desc';
  const rows: ResidentRow[] = await m.query(
    `select ${COLUMNS} from resident r ${where}
      order by ${SORT_COLUMNS[q.sort]} ${dir}, r.id ${idDir}
      limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`,
    params,
  );
  return { items: await present(m, rows), total: counted[0]!.n, page: q.page, pageSize: q.pageSize };
}

export async function findResident(m: EntityManager, id: string): Promise<ResidentView | null> {
  const rows: ResidentRow[] = await m.query(`select ${COLUMNS} from resident r where r.id = $1`, [id]);
  if (!rows.length) return null;
  return (await present(m, rows))[0]!;
}

/** Sets the tester flag; returns the previous value, or null when there is no such resident. */
export async function setTester(m: EntityManager, id: string, isTester: boolean): Promise<boolean | null> {
  const rows: Array<{ is_tester: boolean }> = await m.query(
    'select is_tester from resident where id = $1 for update',
    [id],
  );
  if (!rows.length) return null;
  const before = rows[0]!.is_tester;
  if (before !== isTester)
    await m.query('update resident set is_tester = $2, updated_at = now() where id = $1', [id, isTester]);
  return before;
}
