import type { EntityManager } from 'typeorm';
import { config } from '../config/config.js';
import { StaffSession, VendorSession, type SessionStage } from './session.entities.js';
import { newToken, tokenDigest } from './tokens.js';

export interface NewSession {
  tenantId: string;
  staffId: string | null;
  vendor?: { accountId: string; label: string; reason: string };
  stage: SessionStage;
  ip: string;
  userAgent: string | null;
}

/** Creates a server-side session; returns the cookie token (only its digest is stored). */
export async function createStaffSession(
  m: EntityManager,
  s: NewSession,
): Promise<{ token: string; session: StaffSession }> {
  const token = newToken();
  const session = m.create(StaffSession, {
    id: tokenDigest(token),
    tenantId: s.tenantId,
    staffId: s.staffId,
    vendorAccountId: s.vendor?.accountId ?? null,
    vendorLabel: s.vendor?.label ?? null,
    entryReason: s.vendor?.reason ?? null,
    stage: s.stage,
    csrfToken: newToken(),
    ip: s.ip,
    userAgent: s.userAgent?.slice(0, 300) ?? null,
    expiresAt: new Date(Date.now() + config().SESSION_ABSOLUTE_HOURS * 3600_000),
  });
  await m.save(session);
  return { token, session };
}

/**
 * The live session for a cookie token, or null when unknown, expired, or idle too long (then it
 * is deleted). Serves staff and vendor sessions alike. last_seen_at is written at most once a
 * minute, so reads stay cheap.
 */
export async function findLiveSession<T extends StaffSession | VendorSession>(
  m: EntityManager,
  entity: new () => T,
  token: string | undefined,
): Promise<T | null> {
  if (!token) return null;
  const repo = m.getRepository<StaffSession | VendorSession>(entity);
  const s = (await repo.findOne({ where: { id: tokenDigest(token) } })) as T | null;
  if (!s) return null;
  const now = Date.now();
  const idleLimit = config().SESSION_IDLE_MINUTES * 60_000;
  if (s.expiresAt.getTime() <= now || now - s.lastSeenAt.getTime() > idleLimit) {
    await repo.delete({ id: s.id });
    return null;
  }
  if (now - s.lastSeenAt.getTime() > 60_000) await repo.update({ id: s.id }, { lastSeenAt: new Date(now) });
  return s;
}

export function findStaffSession(m: EntityManager, token: string | undefined): Promise<StaffSession | null> {
  return findLiveSession(m, StaffSession, token);
}

export async function deleteStaffSessions(
  m: EntityManager,
  where: { id?: string; staffId?: string },
): Promise<void> {
  if (where.id) await m.delete(StaffSession, { id: where.id });
  if (where.staffId) await m.delete(StaffSession, { staffId: where.staffId });
}
