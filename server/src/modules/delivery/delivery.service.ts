import type { EntityManager } from 'typeorm';
import { appendToChain, type ActorType } from '../../platform/audit/audit-chain.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { logger } from '../../platform/log/logger.js';
import { mailConfigured } from '../../platform/mail/mailer.js';
import type { ChannelKind } from '../line/channels.service.js';
import { createRun } from './delivery.engine.js';
import { abLinkErrors, abTestForAudit } from './ab-test.js';
import {
  STATUS_LABEL,
  type AbTest,
  type DeliveryStatus,
  type DeliveryTarget,
  type DraftInput,
  type DraftPatch,
  type ScheduleInput,
  type ScheduleKind,
  type TestVia,
} from './delivery.model.js';
import { enqueueFire, enqueuePrepare } from './delivery.queue.js';
import { loadSegment } from '../segments/segments.service.js';
import { nextRunAfter, parseRecurrence, type RecurrenceRule } from './scheduling.js';

/**
 * What staff do with deliveries (DEL-1…3, 9): drafts, scheduling, sending now, cancelling,
 * copying, test sends. Each change is audited in the transaction that makes it, with counts and
 * ids only (never message text or recipients). Changes that start work (send, schedule, test send)
 * run in their own transaction and queue the job after it committed, so the job never looks for
 * a row it cannot see yet; the sweeper covers a queue that was unreachable.
 */

export interface DeliveryActor {
  type: ActorType;
  id: string | null;
  label: string | null;
  /** The staff account (null for vendor support and the system). */
  staffId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface DeliveryRow {
  id: string;
  organisationId: string;
  title: string;
  status: DeliveryStatus;
  channel: ChannelKind;
  target: DeliveryTarget;
  messages: LineMessage[];
  scheduleKind: ScheduleKind;
  scheduledAt: Date | null;
  recurrence: RecurrenceRule | null;
  nextRunAt: Date | null;
  lastFiredAt: Date | null;
  aggregationUnit: string;
  /** DEL-10: also sent by e-mail. */
  email: boolean;
  /** DEL-12: パターンB, sample and decision time; null for an ordinary delivery. */
  abTest: AbTest | null;
  copiedFrom: string | null;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const DELIVERY_COLUMNS = `d.id, d.organisation_id as "organisationId", d.title, d.status, d.channel_kind as "channel",
  d.target, d.messages, d.schedule_kind as "scheduleKind", d.scheduled_at as "scheduledAt", d.recurrence,
  d.next_run_at as "nextRunAt", d.last_fired_at as "lastFiredAt", d.aggregation_unit as "aggregationUnit",
  d.email, d.ab_test as "abTest", d.copied_from as "copiedFrom", d.created_by as "createdBy", d.updated_by as "updatedBy",
  d.created_at as "createdAt", d.updated_at as "updatedAt"`;

export async function loadDelivery(
  m: EntityManager,
  id: string,
  forUpdate = false,
): Promise<DeliveryRow | null> {
  const rows: DeliveryRow[] = await m.query(
    `select ${DELIVERY_COLUMNS} from delivery d where d.id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

async function mustLoad(m: EntityManager, id: string, forUpdate = false): Promise<DeliveryRow> {
  const d = await loadDelivery(m, id, forUpdate);
  if (!d) throw notFound('配信');
  return d;
}

/** The target as the audit log may show it: its kind, a count, or a segment id. */
function targetForAudit(t: DeliveryTarget): Record<string, unknown> {
  if (t.type === 'residents') return { type: t.type, residents: t.residentIds.length };
  if (t.type === 'segment') return { type: t.type, segmentId: t.segmentId };
  return { type: t.type };
}

async function audit(
  m: EntityManager,
  tenantId: string,
  actor: DeliveryActor,
  action: string,
  deliveryId: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await appendToChain(
    m,
    { name: 'audit_log', tenantId },
    {
      actorType: actor.type,
      actorId: actor.id,
      actorLabel: actor.label,
      ip: actor.ip,
      userAgent: actor.userAgent,
      action,
      outcome: 'success',
      targetType: 'delivery',
      targetId: deliveryId,
      detail,
    },
  );
}

/** A segment target must name a segment of this tenant (RLS hides the others). */
async function assertTargetUsable(m: EntityManager, target: DeliveryTarget): Promise<void> {
  if (target.type !== 'segment') return;
  if (!(await loadSegment(m, target.segmentId)))
    throw new HttpError(422, '入力内容を確認してください', {
      errors: [{ path: 'target.segmentId', message: '配信先のセグメントが見つかりません' }],
    });
}

function notInStatus(d: DeliveryRow, what: string): HttpError {
  return new HttpError(409, `${STATUS_LABEL[d.status]}の配信は${what}できません`, {
    extra: { status: d.status },
  });
}

/** DEL-10: e-mail needs the deployment's SMTP server (SMTP_URL). */
function assertEmailPossible(email: boolean | undefined): void {
  if (email && !mailConfigured())
    throw new HttpError(422, '入力内容を確認してください', {
      errors: [
        {
          path: 'email',
          message:
            'メールの送信設定がないため、メールでは配信できません。システム管理者にお問い合わせください',
        },
      ],
    });
}

/** DEL-12: both variants need a link we count (the winner is chosen by clicks). */
function assertAbLinks(messages: LineMessage[], abTest: AbTest | null | undefined): void {
  if (!abTest) return;
  const errors = abLinkErrors(messages, abTest);
  if (errors.length) throw new HttpError(422, '入力内容を確認してください', { errors });
}

async function assertOrganisation(m: EntityManager, organisationId: string): Promise<void> {
  const org: unknown[] = await m.query('select 1 from organisation where id = $1', [organisationId]);
  if (!org.length)
    throw new HttpError(422, '所属が見つかりません', {
      errors: [{ path: 'organisationId', message: '所属が見つかりません' }],
    });
}

/** A new draft. */
export async function createDelivery(
  m: EntityManager,
  tenantId: string,
  input: DraftInput,
  actor: DeliveryActor,
  copiedFrom: string | null = null,
): Promise<DeliveryRow> {
  await assertTargetUsable(m, input.target);
  await assertOrganisation(m, input.organisationId);
  assertEmailPossible(input.email);
  assertAbLinks(input.messages, input.abTest);
  const rows: Array<{ id: string }> = await m.query(
    `insert into delivery (tenant_id, organisation_id, title, channel_kind, target, messages, copied_from, created_by, updated_by, email, ab_test)
     values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $8, $9, $10::jsonb) returning id`,
    [
      tenantId,
      input.organisationId,
      input.title,
      input.channel,
      JSON.stringify(input.target),
      JSON.stringify(input.messages),
      copiedFrom,
      actor.staffId,
      input.email ?? false,
      input.abTest ? JSON.stringify(input.abTest) : null,
    ],
  );
  const id = rows[0]!.id;
  await audit(m, tenantId, actor, copiedFrom ? 'delivery.copy' : 'delivery.create', id, {
    title: input.title,
    organisationId: input.organisationId,
    channel: input.channel,
    target: targetForAudit(input.target),
    messages: input.messages.length,
    email: input.email ?? false,
    abTest: abTestForAudit(input.abTest),
    ...(copiedFrom ? { copiedFrom } : {}),
  });
  return (await loadDelivery(m, id))!;
}

/** Changes a draft; a delivery that was scheduled or sent is copied instead (DEL-9). */
export async function updateDraft(
  m: EntityManager,
  tenantId: string,
  id: string,
  patch: DraftPatch,
  actor: DeliveryActor,
): Promise<DeliveryRow> {
  const d = await mustLoad(m, id, true);
  if (d.status !== 'draft') throw notInStatus(d, '編集');
  if (patch.target) await assertTargetUsable(m, patch.target);
  if (patch.organisationId) await assertOrganisation(m, patch.organisationId);
  assertEmailPossible(patch.email);
  const next = {
    title: patch.title ?? d.title,
    organisationId: patch.organisationId ?? d.organisationId,
    channel: patch.channel ?? d.channel,
    target: patch.target ?? d.target,
    messages: patch.messages ?? d.messages,
    email: patch.email ?? d.email,
    // null removes the test; left out keeps it.
    abTest: patch.abTest === undefined ? d.abTest : patch.abTest,
  };
  assertAbLinks(next.messages, next.abTest);
  await m.query(
    `update delivery set title = $2, organisation_id = $3, channel_kind = $4, target = $5::jsonb, messages = $6::jsonb,
            updated_by = $7, email = $8, ab_test = $9::jsonb, updated_at = now()
      where id = $1 and status = 'draft'`,
    [
      id,
      next.title,
      next.organisationId,
      next.channel,
      JSON.stringify(next.target),
      JSON.stringify(next.messages),
      actor.staffId,
      next.email,
      next.abTest ? JSON.stringify(next.abTest) : null,
    ],
  );
  await audit(m, tenantId, actor, 'delivery.update', id, {
    changed: Object.keys(patch).filter((k) => patch[k as keyof DraftPatch] !== undefined),
    title: next.title,
    organisationId: next.organisationId,
    channel: next.channel,
    target: targetForAudit(next.target),
    messages: next.messages.length,
    email: next.email,
    abTest: abTestForAudit(next.abTest),
  });
  return (await loadDelivery(m, id))!;
}

/** A new draft with the content of any delivery (DEL-9), schedule cleared. */
export async function copyDelivery(
  m: EntityManager,
  tenantId: string,
  id: string,
  actor: DeliveryActor,
): Promise<DeliveryRow> {
  const d = await mustLoad(m, id);
  const title = `${d.title}のコピー`.slice(0, 200);
  return createDelivery(
    m,
    tenantId,
    {
      title,
      organisationId: d.organisationId,
      channel: d.channel,
      target: d.target,
      messages: d.messages,
      // Carried when this deployment can still send mail; otherwise the copy is LINE only.
      email: d.email && mailConfigured(),
      abTest: d.abTest,
    },
    actor,
    d.id,
  );
}

/**
 * Cancels a draft or a scheduled delivery (a recurring one stops before its next occurrence).
 * The conditional update races the scheduler's claim on the same row: whichever commits first
 * wins, and a delivery already firing answers 409.
 */
export async function cancelDelivery(
  m: EntityManager,
  tenantId: string,
  id: string,
  actor: DeliveryActor,
): Promise<DeliveryRow> {
  const d = await mustLoad(m, id, true);
  if (d.status !== 'draft' && d.status !== 'scheduled') throw notInStatus(d, '取り消し');
  await m.query(
    `update delivery set status = 'cancelled', next_run_at = null, updated_by = $2, updated_at = now()
      where id = $1 and status in ('draft', 'scheduled')`,
    [id, actor.staffId],
  );
  await audit(m, tenantId, actor, 'delivery.cancel', id, {
    previousStatus: d.status,
    nextRunAt: d.nextRunAt,
  });
  return (await loadDelivery(m, id))!;
}

/** How far ahead a one-time delivery may be scheduled. */
const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600_000;

function firstRun(
  schedule: ScheduleInput,
  now: Date,
): { at: Date; rule: RecurrenceRule | null; scheduledAt: Date | null } {
  switch (schedule.kind) {
    case 'immediate':
      return { at: now, rule: null, scheduledAt: null };
    case 'at': {
      const at = new Date(schedule.at);
      const invalid = (message: string) =>
        new HttpError(422, '入力内容を確認してください', { errors: [{ path: 'schedule.at', message }] });
      if (at.getTime() <= now.getTime()) throw invalid('配信日時は現在より後の日時にしてください');
      if (at.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS)
        throw invalid('配信日時は1年以内の日時にしてください');
      // Stored at millisecond precision: the claim compares next_run_at with the instant it fires.
      return { at, rule: null, scheduledAt: at };
    }
    case 'recurring': {
      const parsed = parseRecurrence(schedule.rule);
      if (!parsed.ok) throw new HttpError(422, '入力内容を確認してください', { errors: parsed.errors });
      const at = nextRunAfter(parsed.rule, now);
      if (!at)
        throw new HttpError(422, '入力内容を確認してください', {
          errors: [
            { path: 'schedule.rule', message: 'この繰り返し設定では、これから先の配信日がありません' },
          ],
        });
      return { at, rule: parsed.rule, scheduledAt: null };
    }
  }
}

/**
 * Sends a draft now, at a time, or on a recurring rule: it becomes `scheduled` with its first
 * `next_run_at`, and a (delayed) fire job is queued after the commit. Runs in its own
 * transaction: call it outside a tenant transaction.
 */
export async function scheduleDelivery(
  tenantId: string,
  id: string,
  schedule: ScheduleInput,
  actor: DeliveryActor,
): Promise<DeliveryRow> {
  const now = new Date();
  const d = await withTenant(tenantId, async (m) => {
    const d = await mustLoad(m, id, true);
    if (d.status !== 'draft') throw notInStatus(d, schedule.kind === 'immediate' ? '配信' : '予約');
    await assertTargetUsable(m, d.target);
    assertEmailPossible(d.email);
    if (d.abTest && schedule.kind === 'recurring')
      throw new HttpError(422, '入力内容を確認してください', {
        errors: [
          {
            path: 'schedule',
            message:
              'A/Bテストをする配信は繰り返し配信にできません。今すぐ配信するか、日時を指定して予約してください（繰り返すときはA/Bテストを外してください）',
          },
        ],
      });
    assertAbLinks(d.messages, d.abTest);
    const first = firstRun(schedule, now);
    await m.query(
      `update delivery set status = 'scheduled', schedule_kind = $2, scheduled_at = $3, recurrence = $4::jsonb,
              next_run_at = $5, updated_by = $6, updated_at = now()
        where id = $1 and status = 'draft'`,
      [
        id,
        schedule.kind,
        first.scheduledAt,
        first.rule ? JSON.stringify(first.rule) : null,
        first.at,
        actor.staffId,
      ],
    );
    await audit(
      m,
      tenantId,
      actor,
      schedule.kind === 'immediate' ? 'delivery.send' : 'delivery.schedule',
      id,
      {
        schedule: schedule.kind,
        nextRunAt: first.at,
        channel: d.channel,
        target: targetForAudit(d.target),
        messages: d.messages.length,
        email: d.email,
        abTest: abTestForAudit(d.abTest),
      },
    );
    return (await loadDelivery(m, id))!;
  });
  // The sweeper fires due deliveries every minute: a lost job delays, never loses, a delivery.
  await enqueueDueDelivery(tenantId, d);
  return d;
}

/**
 * A delivery created and released at once by another module inside its own transaction (a mail
 * rule DEL-11, later the disaster module): the row is `scheduled` and due now when that
 * transaction commits. The caller queues the fire job after its commit (`enqueueDueDelivery`);
 * until then, or if that fails, the per-minute sweeper fires it.
 */
export async function createImmediateDelivery(
  m: EntityManager,
  tenantId: string,
  input: DraftInput,
  actor: DeliveryActor,
): Promise<DeliveryRow> {
  const d = await createDelivery(m, tenantId, input, actor);
  await m.query(
    `update delivery set status = 'scheduled', schedule_kind = 'immediate', next_run_at = now(), updated_at = now()
      where id = $1 and status = 'draft'`,
    [d.id],
  );
  await audit(m, tenantId, actor, 'delivery.send', d.id, {
    schedule: 'immediate',
    channel: d.channel,
    target: targetForAudit(d.target),
    messages: d.messages.length,
  });
  return (await loadDelivery(m, d.id))!;
}

/** Queues the fire job of a delivery that is due (after the transaction that made it due). */
export async function enqueueDueDelivery(tenantId: string, d: Pick<DeliveryRow, 'id' | 'nextRunAt'>) {
  if (!d.nextRunAt) return;
  await enqueueFire(
    { tenantId, deliveryId: d.id, firedFor: d.nextRunAt.toISOString() },
    d.nextRunAt.getTime() - Date.now(),
  ).catch((err: unknown) =>
    logger.error({ err, tenantId, deliveryId: d.id }, 'could not queue a delivery; the sweeper will fire it'),
  );
}

/**
 * A test send (DEL-2) of the delivery's current messages: to every friend of the tenant's test
 * channel, or to the residents flagged as testers on the delivery's channel. It is a run of
 * purpose `test`: it never changes the delivery's status and never counts as a production send.
 * An A/B delivery (DEL-12) is test-sent as two runs, パターンA and パターンB, each to the whole
 * test audience, so testers see both.
 */
export async function testSendDelivery(
  tenantId: string,
  id: string,
  via: TestVia,
  actor: DeliveryActor,
): Promise<{ runId: string; runIds: string[]; channel: ChannelKind; recipients: number }> {
  const out = await withTenant(tenantId, async (m) => {
    const d = await mustLoad(m, id);
    const channel: ChannelKind = via === 'test-channel' ? 'test' : d.channel;
    const configured: unknown[] = await m.query('select 1 from line_channel where kind = $1', [channel]);
    if (!configured.length)
      throw new HttpError(
        409,
        channel === 'test'
          ? 'テスト用のLINEチャネルが設定されていません'
          : 'LINEチャネルが設定されていません',
      );
    const friends: Array<{ n: number }> = await m.query(
      `select count(*)::int as n from resident r
        where r.channel_kind = $1 and r.friend_status = 'friend' and ($2::boolean or r.is_tester)`,
      [channel, via === 'test-channel'],
    );
    const recipients = friends[0]!.n;
    if (recipients === 0)
      throw new HttpError(
        409,
        via === 'test-channel'
          ? 'テスト用アカウントに友だちがいません。テスト用アカウントを友だち追加してから送ってください'
          : 'テスターとして登録された友だちがいません',
      );
    const run = {
      deliveryId: d.id,
      purpose: 'test' as const,
      firedFor: new Date(),
      channelKind: channel,
      target: via === 'test-channel' ? { type: 'all' as const } : { type: 'testers' as const },
      aggregationUnit: null,
      requestedBy: actor.staffId,
    };
    const runIds = d.abTest
      ? [
          await createRun(m, tenantId, { ...run, variant: 'a', messages: d.messages }),
          await createRun(m, tenantId, { ...run, variant: 'b', messages: d.abTest.variantB }),
        ]
      : [await createRun(m, tenantId, { ...run, messages: d.messages })];
    await audit(m, tenantId, actor, 'delivery.test_send', d.id, {
      runId: runIds[0],
      ...(d.abTest ? { runIds } : {}),
      via,
      channel,
      recipients,
    });
    return { runId: runIds[0]!, runIds, channel, recipients };
  });
  for (const runId of out.runIds)
    await enqueuePrepare({ tenantId, runId }).catch((err: unknown) =>
      logger.error({ err, tenantId, runId }, 'could not queue a test send; the sweeper will resume it'),
    );
  return out;
}
