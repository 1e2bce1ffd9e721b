import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

export type AuditOutcome = 'success' | 'denied' | 'failure';
export type ActorType = 'staff' | 'vendor' | 'resident' | 'system' | 'anonymous';

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  actorLabel?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown>;
  ip?: string | null;
  userAgent?: string | null;
}

export interface ChainedRow extends Required<Omit<AuditEntry, 'detail'>> {
  tenantId: string | null;
  seq: number;
  occurredAt: Date;
  detail: Record<string, unknown>;
  prevHash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level, so the hash does not depend on key order in jsonb. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  const o = v as Record<string, unknown>;
  return (
    '{' +
    Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k]))
      .join(',') +
    '}'
  );
}

export function rowHash(r: ChainedRow): string {
  const body = canonicalJson({
    tenantId: r.tenantId,
    seq: r.seq,
    occurredAt: r.occurredAt.toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    actorLabel: r.actorLabel,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    outcome: r.outcome,
    detail: r.detail,
    ip: r.ip,
    userAgent: r.userAgent,
  });
  return createHash('sha256').update(r.prevHash).update('\n').update(body).digest('hex');
}

const SENSITIVE = /password|secret|token|hash|otp/i;

/** Masks what must never sit readable in an audit trail: secrets entirely, e-mail addresses partly. */
export function maskDetail(v: unknown, key = ''): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (SENSITIVE.test(key)) return '***';
  if (Array.isArray(v)) return v.map((x) => maskDetail(x));
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, maskDetail(x, k)]));
  }
  if (typeof v === 'string' && /email|mail/i.test(key)) return v.replace(/^(.).*(@.*)$/, '$1***$2');
  return v;
}

interface Table {
  name: 'audit_log' | 'vendor_audit_log';
  tenantId: string | null;
}

/**
 * Appends one entry to a hash chain inside the caller's transaction. An advisory lock per chain
 * serialises writers, so seq has no gaps and every prev_hash is the hash of the row before.
 */
export async function appendToChain(m: EntityManager, table: Table, entry: AuditEntry): Promise<number> {
  const chainKey = `${table.name}:${table.tenantId ?? 'global'}`;
  await m.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [chainKey]);
  const where = table.tenantId ? 'where tenant_id = $1' : '';
  const last: Array<{ seq: string; hash: string }> = await m.query(
    `select seq, hash from ${table.name} ${where} order by seq desc limit 1`,
    table.tenantId ? [table.tenantId] : [],
  );
  const row: ChainedRow = {
    tenantId: table.tenantId,
    seq: last[0] ? Number(last[0].seq) + 1 : 1,
    occurredAt: new Date(),
    actorType: entry.actorType,
    actorId: entry.actorId ?? null,
    actorLabel: entry.actorLabel ?? null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    outcome: entry.outcome,
    detail: (maskDetail(entry.detail ?? {}) as Record<string, unknown>) ?? {},
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ? entry.userAgent.slice(0, 300) : null,
    prevHash: last[0]?.hash ?? GENESIS_HASH,
  };
  const hash = rowHash(row);
  const cols = `seq, occurred_at, actor_type, actor_id, actor_label, action, target_type, target_id, outcome, detail, ip, user_agent, prev_hash, hash`;
  const values = [
    row.seq,
    row.occurredAt,
    row.actorType,
    row.actorId,
    row.actorLabel,
    row.action,
    row.targetType,
    row.targetId,
    row.outcome,
    JSON.stringify(row.detail),
    row.ip,
    row.userAgent,
    row.prevHash,
    hash,
  ];
  if (table.tenantId) {
    await m.query(
      `insert into ${table.name} (tenant_id, ${cols}) values ($1, ${values.map((_, i) => `$${i + 2}`).join(', ')})`,
      [table.tenantId, ...values],
    );
  } else {
    await m.query(
      `insert into ${table.name} (${cols}) values (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }
  return row.seq;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  broken: null | { seq: number; reason: string };
}

/** Recomputes a chain from its first row; names the first row whose content or link is wrong. */
export async function verifyChain(m: EntityManager, table: Table): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  const batch = 2000;
  for (;;) {
    const params: unknown[] = table.tenantId ? [table.tenantId, expectedSeq, batch] : [expectedSeq, batch];
    const rows: Array<Record<string, unknown>> = await m.query(
      table.tenantId
        ? `select * from ${table.name} where tenant_id = $1 and seq >= $2 order by seq limit $3`
        : `select * from ${table.name} where seq >= $1 order by seq limit $2`,
      params,
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq)
        return { ok: false, checked, broken: { seq: expectedSeq, reason: 'missing row' } };
      if (r.prev_hash !== prevHash)
        return { ok: false, checked, broken: { seq, reason: 'prev_hash does not match' } };
      const recomputed = rowHash({
        tenantId: table.tenantId,
        seq,
        occurredAt: r.occurred_at as Date,
        actorType: r.actor_type as ActorType,
        actorId: (r.actor_id as string | null) ?? null,
        actorLabel: (r.actor_label as string | null) ?? null,
        action: r.action as string,
        targetType: (r.target_type as string | null) ?? null,
        targetId: (r.target_id as string | null) ?? null,
        outcome: r.outcome as AuditOutcome,
        detail: r.detail as Record<string, unknown>,
        ip: (r.ip as string | null) ?? null,
        userAgent: (r.user_agent as string | null) ?? null,
        prevHash,
      });
      if (recomputed !== r.hash)
        return { ok: false, checked, broken: { seq, reason: 'content does not match hash' } };
      prevHash = r.hash as string;
      expectedSeq++;
      checked++;
    }
  }
  return { ok: true, checked, broken: null };
}
