import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { subject } from '@casl/ability';
import { z } from 'zod';
import { conflictsAs409 } from '../../platform/db/sql.js';
import { contentDisposition, csvFileName, toCsv } from '../../platform/http/csv.js';
import { HttpError, notFound, sendProblem } from '../../platform/http/errors.js';
import { FileResult, StatusResult } from '../../platform/http/results.js';
import { assertCan, staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { findItemByCode, listItems } from '../attributes/attributes.service.js';
import { indexOptions } from '../attributes/attribute.model.js';
import type { DeliveryActor } from '../delivery/delivery.service.js';
import { GARBAGE_CSV_HEADER, jstDate } from '../delivery/schedule/index.js';
import {
  calendarPatchSchema,
  calendarSchema,
  collectionsQuery,
  DEFAULT_REMINDER_TEMPLATE,
  DEFAULT_REMINDER_TIME,
  isDistrictItem,
  ITEM_PLACEHOLDER,
  remindersSchema,
  UPLOAD_MAX_BYTES,
} from './garbage.model.js';
import {
  applyUpload,
  CALENDAR_COLUMNS,
  calendarChoices,
  calendarRows,
  calendarStats,
  checkDistrictItem,
  createReminders,
  loadCalendar,
  loadReminders,
  planUpload,
  segmentsUsingCalendar,
  upcomingCollections,
  type CalendarRow,
} from './garbage.service.js';

/**
 * Staff API of garbage-collection calendars (/api/garbage-calendars, feature `delivery`; DEL-5).
 *
 * Who changes a calendar: administrators and 職員 (role staff) holding the delivery feature, not
 * only administrators. The calendar is the environment division's (環境課) yearly data and it is
 * they who receive the new table and its corrections; making it administrator-only would put a
 * hand-off in every correction. A calendar sends nothing by itself: the reminders are deliveries
 * under the usual per-organisation permissions, and every upload is audited. Outsourced operators
 * and viewers only read it (it is the city's official data).
 */

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

const mayManage = (ctx: StaffRequest) => ctx.role === 'administrator' || ctx.role === 'staff';

function assertMayManage(ctx: StaffRequest, id: string | null, action: string): void {
  if (mayManage(ctx)) return;
  throw new HttpError(403, 'ごみカレンダーを変更する権限がありません', {
    type: 'urn:tsunagu:forbidden',
    detail: 'ごみカレンダーの登録・変更は、管理者か職員のアカウントで行ってください。',
    audit: { action: `garbage.${action}`, outcome: 'denied', targetType: 'garbage_calendar', targetId: id },
  });
}

async function findCalendar(ctx: StaffRequest, raw: unknown, forUpdate = false): Promise<CalendarRow> {
  const c = await loadCalendar(ctx.m, parseBody(uuidParam, raw), forUpdate);
  if (!c) throw notFound('ごみカレンダー');
  return c;
}

/** A raw upload of at most `limit` bytes; a bigger one gets `tooLarge` (Japanese) instead of a generic 413. */
function rawBody(limit: number, tooLarge: string) {
  const parse = express.raw({ type: () => true, limit });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large')
        return sendProblem(res, new HttpError(413, tooLarge));
      next(err);
    });
}

/**
 * Choice items of the tenant as the calendar screens offer them (district items, the opt-in),
 * readable with the delivery feature alone: staff keeping the calendar need not hold `segments`.
 */
async function choiceItems(ctx: StaffRequest) {
  return (await listItems(ctx.m, { status: 'all' }))
    .filter((i) => isDistrictItem(i))
    .map((i) => ({
      code: i.code,
      label: i.label,
      kind: i.kind,
      status: i.status,
      options: [...indexOptions(i).values()].map((o) => ({
        code: o.code,
        label: o.label,
        archived: o.archived,
      })),
    }));
}

async function districtItemView(ctx: StaffRequest, code: string) {
  const item = await findItemByCode(ctx.m, code);
  return item ? { code: item.code, label: item.label, kind: item.kind, status: item.status } : null;
}

const listParams = listQuery(['name', 'code', 'createdAt', 'uploadedAt'], 'name');
const SORTS = { name: 'c.name', code: 'c.code', createdAt: 'c.created_at', uploadedAt: 'c.uploaded_at' };

const uploadQuery = z.object({ dryRun: z.enum(['true', 'false']).default('true') });
const exportQuery = z.object({ encoding: z.enum(['utf8', 'sjis']).default('utf8') });

export function garbageRouter(): Router {
  const r = Router();
  const opts = { feature: 'delivery' };

  r.get(
    '/',
    staffRoute(opts, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      const total: Array<{ n: number }> = await ctx.m.query(
        'select count(*)::int as n from garbage_calendar',
      );
      const rows: CalendarRow[] = await ctx.m.query(
        `select ${CALENDAR_COLUMNS} from garbage_calendar c
          order by ${SORTS[q.sort]} ${q.order === 'asc' ? 'asc' : 'desc'} nulls last, c.id
          offset $1 limit $2`,
        [(q.page - 1) * q.pageSize, q.pageSize],
      );
      const stats = await calendarStats(
        ctx.m,
        rows.map((c) => c.id),
        jstDate(new Date()),
      );
      const items = [];
      for (const c of rows)
        items.push({
          ...c,
          districtItemInfo: await districtItemView(ctx, c.districtItem),
          stats: stats.get(c.id),
        });
      return {
        items,
        total: total[0]!.n,
        page: q.page,
        pageSize: q.pageSize,
        districtItems: mayManage(ctx) ? await choiceItems(ctx) : [],
        can: { manage: mayManage(ctx) },
      };
    }),
  );

  /**
   * Calendars and their items for the segment builder, which staff with the segments feature use
   * without the delivery feature: either feature reads this.
   */
  r.get(
    '/choices',
    staffRoute({}, async (ctx) => {
      if (!ctx.features.has('delivery') && !ctx.features.has('segments'))
        throw new HttpError(403, 'この機能を利用する権限がありません', { type: 'urn:tsunagu:forbidden' });
      return { items: await calendarChoices(ctx.m) };
    }),
  );

  r.post(
    '/',
    staffRoute(opts, async (ctx) => {
      assertMayManage(ctx, null, 'create');
      const body = parseBody(calendarSchema, ctx.req.body);
      await checkDistrictItem(ctx.m, body.districtItem);
      const rows = await conflictsAs409(
        ctx.m,
        { unique: `コード「${body.code}」のごみカレンダーはすでにあります。別のコードにしてください` },
        () =>
          ctx.m.query(
            `insert into garbage_calendar (tenant_id, code, name, district_item, created_by)
             values ($1, $2, $3, $4, $5) returning id`,
            [ctx.tenant.id, body.code, body.name, body.districtItem, ctx.staff?.id ?? null],
          ) as Promise<Array<{ id: string }>>,
      );
      const c = (await loadCalendar(ctx.m, rows[0]!.id))!;
      await ctx.audit({
        action: 'garbage.create',
        outcome: 'success',
        targetType: 'garbage_calendar',
        targetId: c.id,
        detail: { after: body },
      });
      return new StatusResult(201, c);
    }),
  );

  r.get(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const c = await findCalendar(ctx, ctx.req.params.id);
      const stats = (await calendarStats(ctx.m, [c.id], jstDate(new Date()))).get(c.id);
      return {
        ...c,
        districtItemInfo: await districtItemView(ctx, c.districtItem),
        stats,
        reminders: await loadReminders(ctx.m, c.id),
        choiceItems: await choiceItems(ctx),
        reminderDefaults: {
          time: DEFAULT_REMINDER_TIME,
          template: DEFAULT_REMINDER_TEMPLATE,
          placeholder: ITEM_PLACEHOLDER,
        },
        can: {
          manage: mayManage(ctx),
          createReminders: ctx.ability.can('create', 'Segment') && ctx.ability.can('create', 'Delivery'),
        },
      };
    }),
  );

  r.patch(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const before = await findCalendar(ctx, ctx.req.params.id, true);
      assertMayManage(ctx, before.id, 'update');
      const patch = parseBody(calendarPatchSchema, ctx.req.body);
      if (patch.districtItem !== undefined && patch.districtItem !== before.districtItem) {
        await checkDistrictItem(ctx.m, patch.districtItem);
        // The stored districts are options of the old item; they would mean nothing in the new one.
        const has: unknown[] = await ctx.m.query(
          'select 1 from garbage_collection where calendar_id = $1 limit 1',
          [before.id],
        );
        if (has.length)
          throw new HttpError(
            409,
            '収集日を登録したあとは、地区の項目を変えられません。新しいごみカレンダーを作ってください',
          );
      }
      await ctx.m.query(
        'update garbage_calendar set name = $2, district_item = $3, updated_at = now() where id = $1',
        [before.id, patch.name ?? before.name, patch.districtItem ?? before.districtItem],
      );
      const after = (await loadCalendar(ctx.m, before.id))!;
      await ctx.audit({
        action: 'garbage.update',
        outcome: 'success',
        targetType: 'garbage_calendar',
        targetId: before.id,
        detail: { before, after },
      });
      return after;
    }),
  );

  r.delete(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const c = await findCalendar(ctx, ctx.req.params.id, true);
      assertMayManage(ctx, c.id, 'delete');
      const segments = await segmentsUsingCalendar(ctx.m, c.code);
      if (segments.length)
        throw new HttpError(409, 'セグメントの条件で使われているごみカレンダーは削除できません', {
          detail: `セグメント ${segments
            .slice(0, 5)
            .map((s) => `「${s.name}」`)
            .join(
              '、',
            )}${segments.length > 5 ? 'など' : ''} の条件から外すか、セグメントを削除してください。`,
        });
      const count: Array<{ n: number }> = await ctx.m.query(
        'select count(*)::int as n from garbage_collection where calendar_id = $1',
        [c.id],
      );
      await ctx.m.query('delete from garbage_calendar where id = $1', [c.id]);
      await ctx.audit({
        action: 'garbage.delete',
        outcome: 'success',
        targetType: 'garbage_calendar',
        targetId: c.id,
        detail: { before: c, collections: count[0]!.n },
      });
      return undefined;
    }),
  );

  /**
   * The calendar's CSV (docs/delivery-schedule-csv.md). `dryRun=true` (the default) only reads
   * it and says what it would replace; `dryRun=false` stores it, or with any error nothing.
   */
  r.post(
    '/:id/upload',
    rawBody(UPLOAD_MAX_BYTES, 'CSVファイルは12MB以内にしてください。年度の途中で分けて登録してください'),
    staffRoute(opts, async (ctx) => {
      const c = await findCalendar(ctx, ctx.req.params.id);
      assertMayManage(ctx, c.id, 'upload');
      const q = parseQuery(uploadQuery, ctx.req.query);
      const csv = Buffer.isBuffer(ctx.req.body) ? (ctx.req.body as Buffer) : Buffer.alloc(0);
      if (!csv.length) throw new HttpError(422, 'CSVファイルを選んでください');
      const plan = await planUpload(ctx.m, c, csv);
      if (!plan.errors.length && !plan.entries.length)
        plan.errors.push({ line: 2, column: null, message: '2行目: 収集日の行がありません' });
      if (plan.errors.length || q.dryRun === 'true') {
        if (q.dryRun === 'false')
          await ctx.audit({
            action: 'garbage.upload',
            outcome: 'failure',
            targetType: 'garbage_calendar',
            targetId: c.id,
            detail: { rows: plan.summary.rows, errors: plan.errors.length },
          });
        return { applied: false, summary: plan.summary, errors: plan.errors };
      }
      const result = await applyUpload(ctx.m, c, plan, ctx.staff?.id ?? null);
      await ctx.audit({
        action: 'garbage.upload',
        outcome: 'success',
        targetType: 'garbage_calendar',
        targetId: c.id,
        detail: {
          rows: plan.summary.rows,
          collections: result.inserted,
          replacedFrom: plan.summary.firstDate,
          deleted: result.deleted,
          lastDate: plan.summary.lastDate,
          items: plan.summary.items.map((i) => i.item),
        },
      });
      return { applied: true, summary: plan.summary, errors: [], deleted: result.deleted };
    }),
  );

  r.get(
    '/:id/collections',
    staffRoute(opts, async (ctx) => {
      const c = await findCalendar(ctx, ctx.req.params.id);
      const q = parseQuery(collectionsQuery, ctx.req.query);
      return upcomingCollections(ctx.m, c, { ...q, from: q.from ?? jstDate(new Date()) });
    }),
  );

  r.get(
    '/:id/export.csv',
    staffRoute(opts, async (ctx) => {
      const c = await findCalendar(ctx, ctx.req.params.id);
      const q = parseQuery(exportQuery, ctx.req.query);
      const rows = await calendarRows(ctx.m, c);
      await ctx.audit({
        action: 'garbage.export',
        outcome: 'success',
        targetType: 'garbage_calendar',
        targetId: c.id,
        detail: { rows: rows.length, encoding: q.encoding },
      });
      return new FileResult(
        toCsv([[...GARBAGE_CSV_HEADER], ...rows], { encoding: q.encoding }),
        q.encoding === 'sjis' ? 'text/csv; charset=Shift_JIS' : 'text/csv; charset=utf-8',
        contentDisposition(csvFileName(`ごみカレンダー_${c.name}`, new Date())),
      );
    }),
  );

  /** 「リマインド配信を作る」: a segment and a draft daily delivery per item (idempotent). */
  r.post(
    '/:id/reminders',
    staffRoute(opts, async (ctx) => {
      const c = await findCalendar(ctx, ctx.req.params.id);
      const body = parseBody(remindersSchema, ctx.req.body);
      const where = { type: 'garbage_calendar', id: c.id };
      assertCan(ctx, 'create', subject('Segment', { organisationId: body.organisationId }), where);
      assertCan(ctx, 'create', subject('Delivery', { organisationId: body.organisationId }), where);
      const reminders = await createReminders(ctx.m, ctx.tenant.id, c, body, actorOf(ctx));
      return new StatusResult(reminders.some((x) => x.created) ? 201 : 200, { reminders });
    }),
  );

  return r;
}
