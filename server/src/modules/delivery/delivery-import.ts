import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import type { LineMessage } from '../../platform/line/messages.js';
import type { ChannelKind } from '../line/channels.service.js';
import { checkMessages, TARGET_LABEL, type DeliveryTarget } from './delivery.model.js';
import { enqueueDueDelivery, type DeliveryActor } from './delivery.service.js';
import {
  describeRule,
  jstInstant,
  nextOccurrence,
  occurrencesBetween,
  parseRecurrenceCsv,
  type RecurrenceCsvRow,
  type RecurrenceRule,
  type TableError,
} from './schedule/index.js';

/**
 * Recurring delivery patterns in bulk (DEL-3, 500+ at once): each CSV row (docs/delivery-schedule-csv.md)
 * becomes one delivery of the chosen organisation and channel.
 *
 * - Messages: the row's 本文 as one text message; a row without 本文 takes the messages of the
 *   delivery staff chose on the import screen (a prepared Flex card, say); without either the
 *   row is an error.
 * - Target: 配信対象 names 全員 (every friend), テスター, or a saved segment by its exact name; an
 *   empty cell takes the default chosen on the screen; without one the row is an error.
 * - Mode `schedule`: every row is scheduled at once (its first occurrence computed now), exactly
 *   as if staff had pressed 予約 on each. Mode `draft`: rows become drafts that keep their rule,
 *   and the composer offers it when staff open the draft to check it and schedule it.
 *
 * A row whose pattern never occurs again (end date passed, 1回 in the past) is an error in both
 * modes. On any error nothing is created and every error is listed by row and column.
 */

export const IMPORT_MODES = ['schedule', 'draft'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** How far ahead a 1回 row may be: the same year as a one-time delivery scheduled on screen. */
const MAX_ONCE_AHEAD_MS = 366 * 24 * 3600_000;

export interface SegmentChoice {
  id: string;
  name: string;
}

export interface ImportContext {
  now: Date;
  /** Segments the account may send to (read permission on them). */
  segments: SegmentChoice[];
  /** Whether the account may address every friend (STAFF-7). */
  mayTargetAll: boolean;
  /** Target for rows whose 配信対象 is empty. */
  defaultTarget: DeliveryTarget | null;
  /** Messages for rows without 本文. */
  fallbackMessages: LineMessage[] | null;
  mode: ImportMode;
}

export interface PlannedDelivery {
  line: number;
  title: string;
  rule: RecurrenceRule;
  target: DeliveryTarget;
  targetName: string | null;
  messages: LineMessage[];
  messageSource: 'body' | 'copied';
  /** The first delivery instant from now. */
  firstRun: Date;
}

export interface ImportPlan {
  rows: PlannedDelivery[];
  errors: TableError[];
}

const fold = (s: string) => s.normalize('NFKC').trim().toLowerCase();
const ALL_WORDS = new Set(['全員', '友だち全員', '友達全員', 'すべて', '全て', 'all']);
const TESTER_WORDS = new Set(['テスター', 'testers', 'tester']);

function rowError(errors: TableError[], line: number, column: string | null, text: string): void {
  errors.push({ line, column, message: column ? `${line}行目 ${column}: ${text}` : `${line}行目: ${text}` });
}

function resolveTarget(
  cell: string | null,
  ctx: ImportContext,
  byName: Map<string, SegmentChoice[]>,
): { target: DeliveryTarget; name: string | null } | { error: string } {
  if (cell === null) {
    if (!ctx.defaultTarget)
      return { error: '配信対象を入力するか、取り込み画面で「配信対象が空の行の配信先」を選んでください' };
    const seg =
      ctx.defaultTarget.type === 'segment'
        ? ctx.segments.find((s) => s.id === (ctx.defaultTarget as { segmentId: string }).segmentId)
        : null;
    return { target: ctx.defaultTarget, name: seg?.name ?? null };
  }
  const word = fold(cell);
  if (ALL_WORDS.has(word)) {
    if (!ctx.mayTargetAll)
      return {
        error: 'このアカウントは友だち全員には配信できません。許可されたセグメントの名前を入力してください',
      };
    return { target: { type: 'all' }, name: null };
  }
  if (TESTER_WORDS.has(word)) return { target: { type: 'testers' }, name: null };
  const found = byName.get(word) ?? [];
  if (found.length === 1)
    return { target: { type: 'segment', segmentId: found[0]!.id }, name: found[0]!.name };
  if (found.length > 1)
    return {
      error: `「${cell}」という名前のセグメントが${found.length}つあります。セグメントの名前を変えて区別してください`,
    };
  return {
    error: `セグメント「${cell}」が見つかりません（または配信に使う権限がありません）。「全員」「テスター」または保存済みセグメントの名前を入力してください`,
  };
}

/** The row's first delivery from now, or an error when the pattern has none left. */
function firstRunOf(row: RecurrenceCsvRow, now: Date): { at: Date } | { column: string; error: string } {
  const at = nextOccurrence(row.rule, now);
  if (row.rule.kind === 'once') {
    const when = jstInstant(row.rule.date, row.rule.time);
    if (when.getTime() <= now.getTime())
      return { column: '開始日', error: '配信日時が過ぎています。これから先の日時にしてください' };
    if (when.getTime() - now.getTime() > MAX_ONCE_AHEAD_MS)
      return { column: '開始日', error: '1回だけの配信は1年以内の日時にしてください' };
    return { at: when };
  }
  if (!at)
    return {
      column: row.rule.endDate ? '終了日' : row.rule.count ? '回数' : '開始日',
      error: 'この設定では、これから先の配信日がありません。開始日・終了日・回数を見直してください',
    };
  return { at };
}

/** Reads the CSV and decides every row; nothing is written. */
export function planImport(csv: Buffer, ctx: ImportContext): ImportPlan {
  const parsed = parseRecurrenceCsv(csv);
  const errors: TableError[] = [...parsed.errors];
  const byName = new Map<string, SegmentChoice[]>();
  for (const s of ctx.segments) byName.set(fold(s.name), [...(byName.get(fold(s.name)) ?? []), s]);

  const rows: PlannedDelivery[] = [];
  for (const row of parsed.rows) {
    const before = errors.length;
    const target = resolveTarget(row.target, ctx, byName);
    if ('error' in target) rowError(errors, row.line, '配信対象', target.error);

    let messages: LineMessage[] | null = null;
    let messageSource: PlannedDelivery['messageSource'] = 'body';
    if (row.body !== null) {
      const checked = checkMessages([{ type: 'text', text: row.body }]);
      if (checked.ok) messages = checked.messages;
      else
        for (const e of checked.errors) rowError(errors, row.line, '本文', e.message.replace(/^1通目: /, ''));
    } else if (ctx.fallbackMessages) {
      messages = ctx.fallbackMessages;
      messageSource = 'copied';
    } else {
      rowError(
        errors,
        row.line,
        '本文',
        '本文を入力するか、取り込み画面で「本文が空の行に使うメッセージ」を選んでください',
      );
    }

    const first = firstRunOf(row, ctx.now);
    if ('error' in first) rowError(errors, row.line, first.column, first.error);

    if (errors.length > before || 'error' in target || !messages || 'error' in first) continue;
    rows.push({
      line: row.line,
      title: row.title,
      rule: row.rule,
      target: target.target,
      targetName: target.name,
      messages,
      messageSource,
      firstRun: first.at,
    });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

/** A row as the import screen previews it. */
export function previewRow(p: PlannedDelivery, now: Date) {
  const next =
    p.rule.kind === 'once'
      ? [p.firstRun]
      : occurrencesBetween(p.rule, now, new Date(now.getTime() + 3 * 366 * 24 * 3600_000), 3);
  return {
    line: p.line,
    title: p.title,
    scheduleKind: p.rule.kind === 'once' ? ('at' as const) : ('recurring' as const),
    description: describeRule(p.rule),
    next: next.map((d) => d.toISOString()),
    target: p.target,
    targetLabel: TARGET_LABEL[p.target.type],
    targetName: p.targetName,
    messages: p.messages.length,
    messageSource: p.messageSource,
  };
}

export interface ImportResult {
  deliveries: Array<{ id: string; line: number; nextRunAt: Date | null }>;
}

/**
 * Creates every planned delivery in one transaction (all or nothing) with one audit entry, then
 * queues the scheduled ones' first fire jobs (the per-minute sweeper fires any it could not queue).
 * Runs in its own transaction: call it outside a tenant transaction.
 */
export async function applyImport(
  tenantId: string,
  plan: PlannedDelivery[],
  opts: { organisationId: string; channel: ChannelKind; mode: ImportMode; actor: DeliveryActor },
): Promise<ImportResult> {
  const scheduled = opts.mode === 'schedule';
  const records = plan.map((p) => {
    const once = p.rule.kind === 'once';
    return {
      id: randomUUID(),
      line: p.line,
      title: p.title,
      status: scheduled ? 'scheduled' : 'draft',
      target: p.target,
      messages: p.messages,
      schedule_kind: once ? 'at' : 'recurring',
      scheduled_at: once ? p.firstRun.toISOString() : null,
      recurrence: once ? null : p.rule,
      next_run_at: scheduled ? p.firstRun.toISOString() : null,
    };
  });
  await withTenant(tenantId, async (m: EntityManager) => {
    // One statement for all rows: 500 patterns commit in a moment, and together or not at all.
    for (let i = 0; i < records.length; i += 1000) {
      await m.query(
        `insert into delivery (id, tenant_id, organisation_id, title, status, channel_kind, target, messages,
                               schedule_kind, scheduled_at, recurrence, next_run_at, created_by, updated_by)
         select x.id, $1, $2, x.title, x.status, $3, x.target, x.messages, x.schedule_kind, x.scheduled_at,
                x.recurrence, x.next_run_at, $4, $4
           from jsonb_to_recordset($5::jsonb) as x(id uuid, title text, status text, target jsonb, messages jsonb,
                schedule_kind text, scheduled_at timestamptz, recurrence jsonb, next_run_at timestamptz)`,
        [
          tenantId,
          opts.organisationId,
          opts.channel,
          opts.actor.staffId,
          JSON.stringify(records.slice(i, i + 1000)),
        ],
      );
    }
    await appendToChain(
      m,
      { name: 'audit_log', tenantId },
      {
        actorType: opts.actor.type,
        actorId: opts.actor.id,
        actorLabel: opts.actor.label,
        ip: opts.actor.ip,
        userAgent: opts.actor.userAgent,
        action: 'delivery.import',
        outcome: 'success',
        targetType: 'delivery',
        targetId: null,
        detail: {
          mode: opts.mode,
          channel: opts.channel,
          organisationId: opts.organisationId,
          deliveries: records.length,
          ids: records.map((r) => r.id),
        },
      },
    );
  });
  if (scheduled) {
    for (let i = 0; i < records.length; i += 50)
      await Promise.all(
        records
          .slice(i, i + 50)
          .map((r) => enqueueDueDelivery(tenantId, { id: r.id, nextRunAt: new Date(r.next_run_at!) })),
      );
  }
  return {
    deliveries: records.map((r) => ({
      id: r.id,
      line: r.line,
      nextRunAt: r.next_run_at ? new Date(r.next_run_at) : null,
    })),
  };
}
