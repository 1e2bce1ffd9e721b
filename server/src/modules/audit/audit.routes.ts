import { Router } from 'express';
import { z } from 'zod';
import type { EntityManager } from 'typeorm';
import { verifyChain } from '../../platform/audit/audit-chain.js';
import { contentDisposition, csvFileName, toCsv } from '../../platform/http/csv.js';
import { FileResult } from '../../platform/http/results.js';
import { staffRoute } from '../../platform/http/tenant-route.js';
import { parseQuery } from '../../platform/http/validation.js';

const filters = z.object({
  actor: z.string().trim().max(100).optional(),
  action: z.string().trim().max(100).optional(),
  targetType: z.string().trim().max(50).optional(),
  targetId: z.string().trim().max(100).optional(),
  outcome: z.enum(['success', 'denied', 'failure']).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
const listParams = filters.extend({
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(50),
});

type Filters = z.infer<typeof filters>;

function whereClause(f: Filters): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    parts.push(sql.replace('?', `$${params.length}`));
  };
  if (f.actor) {
    params.push(`%${f.actor}%`, f.actor);
    parts.push(`(actor_label ilike $${params.length - 1} or actor_id = $${params.length})`);
  }
  if (f.action) add('action like ?', `${f.action}%`);
  if (f.targetType) add('target_type = ?', f.targetType);
  if (f.targetId) add('target_id = ?', f.targetId);
  if (f.outcome) add('outcome = ?', f.outcome);
  if (f.from) add('occurred_at >= ?', f.from);
  if (f.to) add('occurred_at < ?', f.to);
  return { sql: parts.length ? `where ${parts.join(' and ')}` : '', params };
}

const COLUMNS = `seq::int as seq, occurred_at as "occurredAt", actor_type as "actorType", actor_id as "actorId",
  actor_label as "actorLabel", action, target_type as "targetType", target_id as "targetId", outcome, detail,
  ip, user_agent as "userAgent"`;

async function search(m: EntityManager, f: Filters, limit: number, offset: number) {
  const w = whereClause(f);
  const rows = await m.query(
    `select ${COLUMNS} from audit_log ${w.sql} order by seq desc limit $${w.params.length + 1} offset $${w.params.length + 2}`,
    [...w.params, limit, offset],
  );
  const total: Array<{ n: number }> = await m.query(
    `select count(*)::int as n from audit_log ${w.sql}`,
    w.params,
  );
  return { rows, total: total[0]!.n };
}

const OUTCOME_LABELS: Record<string, string> = { success: '成功', denied: '拒否', failure: '失敗' };

export function auditRouter(): Router {
  const r = Router();
  r.get(
    '/',
    staffRoute({ admin: true }, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      const { rows, total } = await search(ctx.m, q, q.pageSize, (q.page - 1) * q.pageSize);
      return { items: rows, total, page: q.page, pageSize: q.pageSize };
    }),
  );

  r.get(
    '/export.csv',
    staffRoute({ admin: true }, async (ctx) => {
      const q = parseQuery(
        filters.extend({ encoding: z.enum(['utf8', 'sjis']).default('utf8') }),
        ctx.req.query,
      );
      const { rows } = await search(ctx.m, q, 100_000, 0);
      const table: unknown[][] = [
        [
          '連番',
          '日時(UTC)',
          '操作者種別',
          '操作者ID',
          '操作者',
          '操作',
          '対象種別',
          '対象ID',
          '結果',
          'IPアドレス',
          'ユーザーエージェント',
          '詳細',
        ],
        ...rows.map((r: Record<string, unknown>) => [
          r.seq,
          r.occurredAt,
          r.actorType,
          r.actorId,
          r.actorLabel,
          r.action,
          r.targetType,
          r.targetId,
          OUTCOME_LABELS[r.outcome as string] ?? r.outcome,
          r.ip,
          r.userAgent,
          JSON.stringify(r.detail),
        ]),
      ];
      await ctx.audit({
        action: 'audit.export',
        outcome: 'success',
        detail: { rows: rows.length, filters: { ...q } },
      });
      return new FileResult(
        toCsv(table, { encoding: q.encoding }),
        `text/csv; charset=${q.encoding === 'sjis' ? 'Shift_JIS' : 'utf-8'}`,
        contentDisposition(csvFileName('操作ログ', new Date())),
      );
    }),
  );

  r.get(
    '/verify',
    staffRoute({ admin: true }, async (ctx) =>
      verifyChain(ctx.m, { name: 'audit_log', tenantId: ctx.tenant.id }),
    ),
  );
  return r;
}
