import { Router } from 'express';
import { subject } from '@casl/ability';
import type { SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { containsPattern } from '../../platform/db/sql.js';
import { contentDisposition, csvFileName, toCsv } from '../../platform/http/csv.js';
import { HttpError, notFound, type FieldError } from '../../platform/http/errors.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { FileResult, StatusResult } from '../../platform/http/results.js';
import { assertCan, staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { abilityToSql } from '../../platform/permissions/ability-sql.js';
import { CHANNEL_KINDS } from '../line/channels.service.js';
import { assertMayTarget as assertSegmentAccess } from '../segments/segment-access.js';
import { loadSegment } from '../segments/segments.service.js';
import {
  CHANNEL_LABEL,
  checkAbTest,
  checkMessages,
  DELIVERY_STATUSES,
  draftPatchSchema,
  draftSchema,
  RUN_STATUS_LABEL,
  SCHEDULE_KINDS,
  SCHEDULE_LABEL,
  scheduleSchema,
  STATUS_LABEL,
  TARGET_LABEL,
  targetSchema,
  testSendSchema,
  VARIANT_LABEL,
  type AbTest,
  type DeliveryTarget,
  type RunStatus,
  type RunVariant,
} from './delivery.model.js';
import {
  cancelDelivery,
  copyDelivery,
  createDelivery,
  DELIVERY_COLUMNS,
  loadDelivery,
  scheduleDelivery,
  testSendDelivery,
  updateDraft,
  type DeliveryActor,
  type DeliveryRow,
} from './delivery.service.js';
import { countTarget, targetPredicate, TargetError } from './recipients.js';
import { countEmailAudience, EMAIL_RUN_SUMMARY, type EmailCounts } from './delivery-email.js';
import { RESULTS_CSV_HEADER, resultsCsvCells, withResults, type RunResults } from './delivery-results.js';
import { segmentNames, targetNameOf } from './delivery-tools.routes.js';
import { abOccurrenceView, combineOccurrence, loadAbOccurrences } from './ab-test.js';
import { addDays, describeRecurrence, isIsoDate, jstDate, jstStartOfDay, jstTime } from './scheduling.js';

/**
 * Staff API of deliveries (/api/deliveries, feature `delivery`; DEL-1…3, 8, 9, 12). A delivery is owned
 * by an organisation like a form: staff work on those of their organisations and those granted to
 * them, lists are filtered in SQL by the same ability. Sending, scheduling, cancelling and test
 * sends are updates of the delivery.
 */

const OWN_FIELDS = { id: 'd.id', organisationId: 'd.organisation_id' };
const asSubject = (d: Pick<DeliveryRow, 'id' | 'organisationId'>) =>
  subject('Delivery', { id: d.id, organisationId: d.organisationId });
const target = (id: string | null) => ({ type: 'delivery', id });

const permissionsOn = (ctx: StaffRequest, d: DeliveryRow) => ({
  update: ctx.ability.can('update', asSubject(d)),
  send: ctx.ability.can('update', asSubject(d)),
  copy: ctx.ability.can('create', subject('Delivery', { organisationId: d.organisationId })),
  export: ctx.ability.can('export', asSubject(d)),
});

function actorOf(ctx: StaffRequest): DeliveryActor {
  return {
    type: ctx.actor.type,
    id: ctx.actor.id,
    label: ctx.actor.label,
    staffId: ctx.staff?.id ?? null,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
  };
}

/**
 * STAFF-7: who the account may address (segments module's rule): a saved segment it may read;
 * every friend, or hand-picked residents (conditions of its own), only when it is not limited to
 * granted segments. Testers are staff's own test devices and open to all.
 */
async function assertMayTarget(ctx: StaffRequest, t: DeliveryTarget): Promise<void> {
  switch (t.type) {
    case 'testers':
      return;
    case 'all':
      return assertSegmentAccess(ctx.ability, { kind: 'all' });
    case 'residents':
      return assertSegmentAccess(ctx.ability, { kind: 'definition' });
    case 'segment': {
      const seg = await loadSegment(ctx.m, t.segmentId);
      if (!seg)
        throw new HttpError(422, '入力内容を確認してください', {
          errors: [{ path: 'target.segmentId', message: '配信先のセグメントが見つかりません' }],
        });
      return assertSegmentAccess(ctx.ability, {
        kind: 'segment',
        segment: { id: seg.id, organisationId: seg.organisationId },
      });
    }
  }
}

/**
 * The messages and パターンB (DEL-12) of a body, each checked with the message model; the errors
 * of both are answered at once. Left out stays undefined (a patch that keeps it); a null A/B test
 * is null (removed).
 */
function contentOrThrow(
  rawMessages: unknown,
  rawAbTest: Parameters<typeof checkAbTest>[0] | null | undefined,
): { messages: LineMessage[] | undefined; abTest: AbTest | null | undefined } {
  const errors: FieldError[] = [];
  let messages: LineMessage[] | undefined;
  if (rawMessages !== undefined) {
    const checked = checkMessages(rawMessages);
    if (checked.ok) messages = checked.messages;
    else errors.push(...checked.errors);
  }
  let abTest: AbTest | null | undefined = rawAbTest === null ? null : undefined;
  if (rawAbTest) {
    const checked = checkAbTest(rawAbTest);
    if (checked.ok) abTest = checked.abTest;
    else errors.push(...checked.errors);
  }
  if (errors.length) throw new HttpError(422, '入力内容を確認してください', { errors });
  return { messages, abTest };
}

async function findDelivery(ctx: StaffRequest, raw: unknown): Promise<DeliveryRow> {
  const d = await loadDelivery(ctx.m, parseBody(uuidParam, raw));
  if (!d) throw notFound('配信');
  return d;
}

// ---------------------------------------------------------------------------------- list query

const DAY = z.string().refine(isIsoDate, '日付は YYYY-MM-DD で指定してください');
const listParams = listQuery(['date', 'title', 'status', 'type', 'createdAt', 'updatedAt'], 'date').extend({
  order: z.enum(['asc', 'desc']).default('desc'),
  q: z.string().trim().max(100).optional(),
  status: z.enum(DELIVERY_STATUSES, { error: '状態の指定が正しくありません' }).optional(),
  type: z.enum(SCHEDULE_KINDS, { error: '種類は immediate, at, recurring のいずれかです' }).optional(),
  channel: z.enum(CHANNEL_KINDS).optional(),
  from: DAY.optional(),
  to: DAY.optional(),
});
type ListParams = z.infer<typeof listParams>;

/** The date a delivery is listed under: when it was last sent, else when it will be, else created. */
const DATE_SQL = 'coalesce(d.last_fired_at, d.next_run_at, d.created_at)';
const SORTS: Record<ListParams['sort'], string> = {
  date: DATE_SQL,
  title: 'd.title',
  status: 'd.status',
  type: 'd.schedule_kind',
  createdAt: 'd.created_at',
  updatedAt: 'd.updated_at',
};

function filtered(ctx: StaffRequest, action: 'read' | 'export', q: Omit<ListParams, 'page' | 'pageSize'>) {
  const cond = abilityToSql(ctx.ability, action, 'Delivery', OWN_FIELDS);
  const qb = ctx.m
    .createQueryBuilder()
    .from('delivery', 'd')
    .leftJoin('organisation', 'o', 'o.id = d.organisation_id')
    .where(cond.sql, cond.params);
  if (q.q) qb.andWhere('d.title ilike :q', { q: containsPattern(q.q) });
  if (q.status) qb.andWhere('d.status = :status', { status: q.status });
  if (q.type) qb.andWhere('d.schedule_kind = :type', { type: q.type });
  if (q.channel) qb.andWhere('d.channel_kind = :channel', { channel: q.channel });
  // Dates are Japan-time calendar days.
  if (q.from) qb.andWhere(`${DATE_SQL} >= :from`, { from: jstStartOfDay(q.from) });
  if (q.to) qb.andWhere(`${DATE_SQL} < :to`, { to: jstStartOfDay(addDays(q.to, 1)) });
  return qb;
}

function ordered<T extends SelectQueryBuilder<object>>(qb: T, q: Pick<ListParams, 'sort' | 'order'>): T {
  return qb
    .orderBy(SORTS[q.sort], q.order === 'asc' ? 'ASC' : 'DESC', 'NULLS LAST')
    .addOrderBy('d.id', 'ASC');
}

interface RunSummary {
  id: string;
  deliveryId: string;
  purpose: 'production' | 'test';
  /** DEL-12: '' or the A/B test's part (a, b, rest). */
  variant: RunVariant;
  status: RunStatus;
  firedFor: Date;
  channel: string;
  recipients: number | null;
  skippedBlocked: number | null;
  sent: number;
  failed: number;
  error: string | null;
  snapshotAt: Date | null;
  finishedAt: Date | null;
  /** DEL-10: the run's mails (zeros when it was not sent by e-mail). */
  email: EmailCounts;
}

const RUN_SUMMARY = `r.id, r.delivery_id as "deliveryId", r.purpose, r.variant, r.status, r.fired_for as "firedFor",
  r.channel_kind as "channel", r.recipient_count as "recipients", r.skipped_count as "skippedBlocked",
  r.error, r.snapshot_at as "snapshotAt", r.finished_at as "finishedAt",
  coalesce((select sum(c.recipient_count) from delivery_chunk c where c.run_id = r.id and c.status = 'accepted'), 0)::int as sent,
  coalesce((select sum(c.recipient_count) from delivery_chunk c where c.run_id = r.id and c.status = 'failed'), 0)::int as failed,
  ${EMAIL_RUN_SUMMARY}`;

/**
 * Counts of a run for staff: targeted, sent, failed, and friends skipped (blocked or not friends);
 * its results (opens, clicks, blocks; delivery-results.ts), loaded for all runs at once.
 */
function runView(r: RunSummary & { results: RunResults }) {
  return {
    ...r,
    statusLabel: RUN_STATUS_LABEL[r.status],
    variantLabel: VARIANT_LABEL[r.variant],
    pending: Math.max(0, (r.recipients ?? 0) - r.sent - r.failed),
  };
}

function scheduleText(d: DeliveryRow): string {
  if (d.scheduleKind === 'recurring' && d.recurrence) {
    try {
      return describeRecurrence(d.recurrence);
    } catch {
      return SCHEDULE_LABEL.recurring;
    }
  }
  if (d.scheduleKind === 'at' && d.scheduledAt) return `${jstDate(d.scheduledAt)} ${jstTime(d.scheduledAt)}`;
  return SCHEDULE_LABEL[d.scheduleKind];
}

function deliveryView(ctx: StaffRequest, d: DeliveryRow, organisationName: string | null) {
  return {
    ...d,
    statusLabel: STATUS_LABEL[d.status],
    scheduleLabel: SCHEDULE_LABEL[d.scheduleKind],
    scheduleText: scheduleText(d),
    targetLabel: TARGET_LABEL[d.target.type],
    organisationName,
    can: permissionsOn(ctx, d),
  };
}

export function deliveriesRouter(): Router {
  const r = Router();
  const opts = { feature: 'delivery' };

  r.get(
    '/',
    staffRoute(opts, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      const qb = filtered(ctx, 'read', q);
      const total = await qb.clone().select('count(*)::int', 'n').getRawOne<{ n: number }>();
      const rows = (await ordered(qb.select(DELIVERY_COLUMNS).addSelect('o.name', 'organisationName'), q)
        .offset((q.page - 1) * q.pageSize)
        .limit(q.pageSize)
        .getRawMany()) as Array<DeliveryRow & { organisationName: string | null }>;
      const ids = rows.map((d) => d.id);
      const names = await segmentNames(
        ctx.m,
        rows.map((d) => d.target),
      );
      // The latest production occurrence of each delivery on the page, with its counts (test sends
      // never count); an A/B occurrence's runs (sample A and B, rest) are added up into one line.
      const latestRuns = await withResults(
        ctx.m,
        ids.length
          ? ((await ctx.m.query(
              `select ${RUN_SUMMARY} from delivery_run r
                where r.purpose = 'production' and (r.delivery_id, r.fired_for) in (
                  select distinct on (x.delivery_id) x.delivery_id, x.fired_for from delivery_run x
                   where x.delivery_id = any($1::uuid[]) and x.purpose = 'production'
                   order by x.delivery_id, x.fired_for desc)`,
              [ids],
            )) as RunSummary[])
          : [],
      );
      const latest = ids.flatMap((id) => {
        const own = latestRuns.filter((x) => x.deliveryId === id);
        return own.length > 1 ? [combineOccurrence(own)] : own;
      });
      const runCounts: Array<{ deliveryId: string; n: number }> = ids.length
        ? await ctx.m.query(
            `select delivery_id as "deliveryId", count(distinct fired_for)::int as n from delivery_run
              where delivery_id = any($1::uuid[]) and purpose = 'production' group by delivery_id`,
            [ids],
          )
        : [];
      return {
        items: rows.map((d) => {
          const last = latest.find((x) => x.deliveryId === d.id);
          return {
            ...deliveryView(ctx, d, d.organisationName),
            targetName: targetNameOf(d.target, names),
            runs: runCounts.find((x) => x.deliveryId === d.id)?.n ?? 0,
            lastRun: last ? runView(last) : null,
          };
        }),
        total: total?.n ?? 0,
        page: q.page,
        pageSize: q.pageSize,
      };
    }),
  );

  r.get(
    '/export.csv',
    staffRoute(opts, async (ctx) => {
      const q = parseQuery(
        listParams.omit({ page: true, pageSize: true }).extend({
          encoding: z.enum(['utf8', 'sjis']).default('utf8'),
        }),
        ctx.req.query,
      );
      const deliveries = (await ordered(
        filtered(ctx, 'export', q).select(DELIVERY_COLUMNS).addSelect('o.name', 'organisationName'),
        q,
      ).getRawMany()) as Array<DeliveryRow & { organisationName: string | null }>;
      const runs = await withResults(
        ctx.m,
        deliveries.length
          ? ((await ctx.m.query(
              `select ${RUN_SUMMARY} from delivery_run r
                where r.delivery_id = any($1::uuid[]) and r.purpose = 'production' order by r.fired_for`,
              [deliveries.map((d) => d.id)],
            )) as RunSummary[])
          : [],
      );
      const header = [
        '配信ID',
        'タイトル',
        '種類',
        '配信日',
        '配信時刻',
        '状態',
        'チャネル',
        '配信先',
        '対象数',
        '成功数',
        '失敗数',
        'ブロック等で除外',
        '所属',
        ...RESULTS_CSV_HEADER,
      ];
      const names = await segmentNames(
        ctx.m,
        deliveries.map((d) => d.target),
      );
      /** 「セグメント：北部の3歳未満」: which segment, not only that it was one. */
      const targetCell = (d: DeliveryRow) => {
        const name = targetNameOf(d.target, names);
        return name ? `${TARGET_LABEL[d.target.type]}：${name}` : TARGET_LABEL[d.target.type];
      };
      const lines: unknown[][] = [];
      for (const d of deliveries) {
        const own = runs.filter((x) => x.deliveryId === d.id);
        const common = (at: Date | null, variant: RunVariant = '') => [
          d.id,
          d.title,
          // DEL-12: one line per run of an A/B occurrence, named in the kind (the columns stay).
          variant
            ? `${SCHEDULE_LABEL[d.scheduleKind]}（A/Bテスト・${VARIANT_LABEL[variant]}）`
            : SCHEDULE_LABEL[d.scheduleKind],
          at ? jstDate(at).replaceAll('-', '/') : '',
          at ? jstTime(at) : '',
        ];
        // One line per run (a recurring delivery has many); a delivery never sent has one line.
        if (!own.length)
          lines.push([
            ...common(d.nextRunAt),
            STATUS_LABEL[d.status],
            CHANNEL_LABEL[d.channel],
            targetCell(d),
            '',
            '',
            '',
            '',
            d.organisationName ?? '',
            ...RESULTS_CSV_HEADER.map(() => ''),
          ]);
        for (const run of own)
          lines.push([
            ...common(run.firedFor, run.variant),
            RUN_STATUS_LABEL[run.status],
            CHANNEL_LABEL[d.channel],
            targetCell(d),
            run.recipients ?? 0,
            run.sent,
            run.failed,
            run.skippedBlocked ?? 0,
            d.organisationName ?? '',
            ...resultsCsvCells(run.results),
          ]);
      }
      await ctx.audit({
        action: 'delivery.export',
        outcome: 'success',
        detail: { deliveries: deliveries.length, rows: lines.length, encoding: q.encoding },
      });
      return new FileResult(
        toCsv([header, ...lines], { encoding: q.encoding }),
        q.encoding === 'sjis' ? 'text/csv; charset=Shift_JIS' : 'text/csv; charset=utf-8',
        contentDisposition(csvFileName('配信履歴', new Date())),
      );
    }),
  );

  /** How many friends a target reaches now, and how many it would skip (SEG-6 preview). */
  r.post(
    '/audience',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(
        z.strictObject({ channel: z.enum(CHANNEL_KINDS).default('production'), target: targetSchema }),
        ctx.req.body,
      );
      try {
        const predicate = await targetPredicate(ctx.m, body.target, new Date());
        return {
          ...(await countTarget(ctx.m, body.channel, predicate)),
          // DEL-10: mailboxes reached if the delivery is also sent by e-mail.
          email: { recipients: await countEmailAudience(ctx.m, body.channel, predicate) },
        };
      } catch (e) {
        if (e instanceof TargetError)
          throw new HttpError(422, '入力内容を確認してください', {
            errors: [{ path: 'target', message: e.message }],
          });
        throw e;
      }
    }),
  );

  r.post(
    '/',
    staffRoute(opts, async (ctx) => {
      const { abTest: rawAbTest, ...body } = parseBody(draftSchema, ctx.req.body);
      const content = contentOrThrow(body.messages ?? null, rawAbTest);
      assertCan(ctx, 'create', subject('Delivery', { organisationId: body.organisationId }), target(null));
      await assertMayTarget(ctx, body.target);
      const d = await createDelivery(
        ctx.m,
        ctx.tenant.id,
        { ...body, messages: content.messages!, abTest: content.abTest ?? null },
        actorOf(ctx),
      );
      return new StatusResult(201, deliveryView(ctx, d, await organisationName(ctx, d.organisationId)));
    }),
  );

  r.get(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const d = await findDelivery(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(d), target(d.id));
      const runs = await withResults(
        ctx.m,
        (await ctx.m.query(
          `select ${RUN_SUMMARY} from delivery_run r where r.delivery_id = $1
            order by r.fired_for desc, r.purpose, array_position(array['rest', 'a', 'b', '']::text[], r.variant)
            limit 100`,
          [d.id],
        )) as RunSummary[],
      );
      return {
        ...deliveryView(ctx, d, await organisationName(ctx, d.organisationId)),
        targetName: targetNameOf(d.target, await segmentNames(ctx.m, [d.target])),
        runs: runs.map(runView),
        // DEL-12: each fired occurrence's A/B test: its sample, when it is decided, the decision.
        abTests: (await loadAbOccurrences(ctx.m, [d.id])).map(abOccurrenceView),
      };
    }),
  );

  r.patch(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const d = await findDelivery(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(d), target(d.id));
      const {
        messages: rawMessages,
        abTest: rawAbTest,
        ...patch
      } = parseBody(draftPatchSchema, ctx.req.body);
      const { messages, abTest } = contentOrThrow(rawMessages, rawAbTest);
      if (patch.organisationId && patch.organisationId !== d.organisationId)
        // Moving a delivery to another organisation needs the right to create there too.
        assertCan(ctx, 'create', subject('Delivery', { organisationId: patch.organisationId }), target(d.id));
      if (patch.target) await assertMayTarget(ctx, patch.target);
      const updated = await updateDraft(
        ctx.m,
        ctx.tenant.id,
        d.id,
        { ...patch, ...(messages ? { messages } : {}), ...(abTest !== undefined ? { abTest } : {}) },
        actorOf(ctx),
      );
      return deliveryView(ctx, updated, await organisationName(ctx, updated.organisationId));
    }),
  );

  r.post(
    '/:id/send',
    staffRoute(opts, async (ctx) => {
      const d = await findDelivery(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(d), target(d.id));
      await assertMayTarget(ctx, d.target);
      // Runs (and audits) in its own transaction, then queues the send.
      const sent = await scheduleDelivery(ctx.tenant.id, d.id, { kind: 'immediate' }, actorOf(ctx));
      return new StatusResult(202, deliveryView(ctx, sent, await organisationName(ctx, sent.organisationId)));
    }),
  );

  r.post(
    '/:id/schedule',
    staffRoute(opts, async (ctx) => {
      const d = await findDelivery(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(d), target(d.id));
      await assertMayTarget(ctx, d.target);
      const body = parseBody(z.strictObject({ schedule: scheduleSchema }), ctx.req.body);
      const scheduled = await scheduleDelivery(ctx.tenant.id, d.id, body.schedule, actorOf(ctx));
      return deliveryView(ctx, scheduled, await organisationName(ctx, scheduled.organisationId));
    }),
  );

  r.post(
    '/:id/cancel',
    staffRoute(opts, async (ctx) => {
      const d = await findDelivery(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(d), target(d.id));
      const cancelled = await cancelDelivery(ctx.m, ctx.tenant.id, d.id, actorOf(ctx));
      return deliveryView(ctx, cancelled, await organisationName(ctx, cancelled.organisationId));
    }),
  );

  r.post(
    '/:id/copy',
    staffRoute(opts, async (ctx) => {
      const d = await findDelivery(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(d), target(d.id));
      assertCan(ctx, 'create', subject('Delivery', { organisationId: d.organisationId }), target(d.id));
      const copy = await copyDelivery(ctx.m, ctx.tenant.id, d.id, actorOf(ctx));
      return new StatusResult(201, deliveryView(ctx, copy, await organisationName(ctx, copy.organisationId)));
    }),
  );

  r.post(
    '/:id/test-send',
    staffRoute(opts, async (ctx) => {
      const d = await findDelivery(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(d), target(d.id));
      const body = parseBody(testSendSchema, ctx.req.body);
      return new StatusResult(202, await testSendDelivery(ctx.tenant.id, d.id, body.via, actorOf(ctx)));
    }),
  );

  return r;
}

async function organisationName(ctx: StaffRequest, id: string): Promise<string | null> {
  const rows: Array<{ name: string }> = await ctx.m.query('select name from organisation where id = $1', [
    id,
  ]);
  return rows[0]?.name ?? null;
}
