import type { EntityManager } from 'typeorm';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { HttpError } from '../../platform/http/errors.js';
import { findItemByCode, listItems } from '../attributes/attributes.service.js';
import type { AttributeItem } from '../attributes/attribute.model.js';
import {
  createDelivery,
  loadDelivery,
  updateDraft,
  type DeliveryActor,
} from '../delivery/delivery.service.js';
import { parseRecurrence } from '../delivery/scheduling.js';
import {
  addDays,
  jstDate,
  parseGarbageCalendarCsv,
  type GarbageCollectionEntry,
  type IsoDate,
  type TableError,
} from '../delivery/schedule/index.js';
import { checkDefinitionAgainstItems, type CalendarChoice } from '../segments/segment.model.js';
import { loadSegment } from '../segments/segments.service.js';
import {
  districtsOf,
  isDistrictItem,
  reminderDefinition,
  reminderText,
  type RemindersInput,
} from './garbage.model.js';

/**
 * Garbage-collection calendars (DEL-5) in the tenant's transaction: calendars, their uploads
 * (all or nothing; a file replaces the dates from its first date on), the upcoming view, and the
 * evening-before reminders made from a calendar (a segment and a draft daily delivery per item).
 * Callers check permissions; every change here is audited in the transaction that makes it.
 */

export interface CalendarRow {
  id: string;
  code: string;
  name: string;
  /** Code of the attribute item whose options are the districts. */
  districtItem: string;
  uploadedAt: Date | null;
  uploadedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const CALENDAR_COLUMNS = `c.id, c.code, c.name, c.district_item as "districtItem", c.uploaded_at as "uploadedAt",
  c.uploaded_by as "uploadedBy", c.created_at as "createdAt", c.updated_at as "updatedAt"`;

export async function loadCalendar(
  m: EntityManager,
  id: string,
  forUpdate = false,
): Promise<CalendarRow | null> {
  const rows: CalendarRow[] = await m.query(
    `select ${CALENDAR_COLUMNS} from garbage_calendar c where c.id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

export interface ItemStat {
  item: string;
  collections: number;
  /** The first collection of this item from today on (JST), or null. */
  next: IsoDate | null;
}

export interface CalendarStats {
  collections: number;
  firstDate: IsoDate | null;
  lastDate: IsoDate | null;
  districts: number;
  items: ItemStat[];
}

const EMPTY_STATS: CalendarStats = {
  collections: 0,
  firstDate: null,
  lastDate: null,
  districts: 0,
  items: [],
};

/** Counts, date range and kinds of each calendar, for lists and the reminder set-up. */
export async function calendarStats(
  m: EntityManager,
  ids: string[],
  today: IsoDate,
): Promise<Map<string, CalendarStats>> {
  const out = new Map<string, CalendarStats>();
  if (!ids.length) return out;
  const totals: Array<{ id: string; n: number; first: string; last: string; districts: number }> =
    await m.query(
      `select calendar_id as id, count(*)::int as n, to_char(min(collection_date), 'YYYY-MM-DD') as first,
            to_char(max(collection_date), 'YYYY-MM-DD') as last, count(distinct district_code)::int as districts
       from garbage_collection where calendar_id = any($1::uuid[]) group by calendar_id`,
      [ids],
    );
  const items: Array<{ id: string; item: string; n: number; next: string | null }> = await m.query(
    `select calendar_id as id, item, count(*)::int as n,
            to_char(min(collection_date) filter (where collection_date >= $2::date), 'YYYY-MM-DD') as next
       from garbage_collection where calendar_id = any($1::uuid[])
      group by calendar_id, item order by calendar_id, count(*) desc, item`,
    [ids, today],
  );
  for (const id of ids) {
    const t = totals.find((x) => x.id === id);
    out.set(
      id,
      t
        ? {
            collections: t.n,
            firstDate: t.first,
            lastDate: t.last,
            districts: t.districts,
            items: items
              .filter((x) => x.id === id)
              .map((x) => ({ item: x.item, collections: x.n, next: x.next })),
          }
        : EMPTY_STATS,
    );
  }
  return out;
}

/** Calendars as segment definitions may name them (the builder's choices, the server's checks). */
export async function calendarChoices(m: EntityManager): Promise<CalendarChoice[]> {
  const rows: Array<{ code: string; name: string; items: string[] | null }> = await m.query(
    `select c.code, c.name,
            (select array_agg(i.item order by i.item) from (select distinct g.item from garbage_collection g
              where g.calendar_id = c.id) i) as items
       from garbage_calendar c order by c.name, c.code`,
  );
  return rows.map((r) => ({ code: r.code, name: r.name, items: r.items ?? [] }));
}

/** Saved segments whose conditions name a calendar (they would match nobody without it). */
export async function segmentsUsingCalendar(
  m: EntityManager,
  code: string,
): Promise<Array<{ id: string; name: string }>> {
  return m.query(
    `select id, name from segment
      where jsonb_path_exists(definition, 'strict $.** ? (@.type == "garbage" && @.calendar == $code)',
                              jsonb_build_object('code', $1::text))
      order by name`,
    [code],
  );
}

/** The calendar's district item, which must still exist and be a choice item. */
export async function districtItemOf(m: EntityManager, calendar: Pick<CalendarRow, 'districtItem'>) {
  const item = await findItemByCode(m, calendar.districtItem);
  if (!item || !isDistrictItem(item))
    throw new HttpError(
      409,
      `地区の項目「${calendar.districtItem}」が見つかりません。ごみカレンダーの設定で地区の項目を選び直してください`,
    );
  return item;
}

/** A district item for a new or changed calendar: an existing choice item (422 otherwise). */
export async function checkDistrictItem(m: EntityManager, code: string): Promise<AttributeItem> {
  const item = await findItemByCode(m, code);
  const fail = (message: string) =>
    new HttpError(422, '入力内容を確認してください', { errors: [{ path: 'districtItem', message }] });
  if (!item) throw fail(`項目「${code}」はありません`);
  if (!isDistrictItem(item))
    throw fail(`「${item.label}」は選択式の項目ではありません。地区を選ぶ項目を選んでください`);
  return item;
}

// ---------------------------------------------------------------------------------------- upload

export interface UploadSummary {
  /** Data rows read (rows with errors included). */
  rows: number;
  collections: number;
  firstDate: IsoDate | null;
  lastDate: IsoDate | null;
  districts: number;
  items: Array<{ item: string; collections: number }>;
  /** What the file replaces: the calendar's dates from `from` on; the earlier ones stay. */
  replace: { from: IsoDate | null; existing: number; kept: number };
}

export interface UploadPlan {
  entries: GarbageCollectionEntry[];
  errors: TableError[];
  summary: UploadSummary;
}

/** Reads a calendar CSV against the district item's options; nothing is written. */
export async function planUpload(m: EntityManager, calendar: CalendarRow, csv: Buffer): Promise<UploadPlan> {
  const item = await districtItemOf(m, calendar);
  const { entries, errors } = parseGarbageCalendarCsv(csv, { districts: districtsOf(item) });
  let firstDate: IsoDate | null = null;
  let lastDate: IsoDate | null = null;
  const items = new Map<string, number>();
  const districts = new Set<string>();
  const lines = new Set<number>();
  for (const e of entries) {
    if (firstDate === null || e.date < firstDate) firstDate = e.date;
    if (lastDate === null || e.date > lastDate) lastDate = e.date;
    items.set(e.item, (items.get(e.item) ?? 0) + 1);
    districts.add(e.districtCode!);
    lines.add(e.line);
  }
  for (const e of errors) if (e.line > 1) lines.add(e.line);
  const counts: Array<{ existing: number; kept: number }> = await m.query(
    `select count(*) filter (where $2::date is not null and collection_date >= $2::date)::int as existing,
            count(*) filter (where $2::date is null or collection_date < $2::date)::int as kept
       from garbage_collection where calendar_id = $1`,
    [calendar.id, firstDate],
  );
  return {
    entries,
    errors,
    summary: {
      rows: lines.size,
      collections: entries.length,
      firstDate,
      lastDate,
      districts: districts.size,
      items: [...items]
        .map(([item, n]) => ({ item, collections: n }))
        .sort((a, b) => b.collections - a.collections),
      replace: { from: firstDate, ...counts[0]! },
    },
  };
}

const INSERT_CHUNK = 20_000;

/**
 * Stores a valid plan: the calendar's collections from the file's first date on are replaced by
 * the file's, earlier ones (past history, or a first half of the year uploaded before) stay.
 * One transaction with the calendar row locked, so two uploads at once apply one after the other.
 */
export async function applyUpload(
  m: EntityManager,
  calendar: CalendarRow,
  plan: UploadPlan,
  staffId: string | null,
): Promise<{ deleted: number; inserted: number }> {
  if (plan.errors.length || !plan.entries.length || !plan.summary.firstDate)
    throw new Error('applyUpload needs a plan without errors');
  await m.query('select 1 from garbage_calendar where id = $1 for update', [calendar.id]);
  const deleted: Array<{ n: number }> = await m.query(
    `with d as (delete from garbage_collection where calendar_id = $1 and collection_date >= $2::date returning 1)
     select count(*)::int as n from d`,
    [calendar.id, plan.summary.firstDate],
  );
  for (let i = 0; i < plan.entries.length; i += INSERT_CHUNK) {
    const chunk = plan.entries.slice(i, i + INSERT_CHUNK);
    await m.query(
      `insert into garbage_collection (tenant_id, calendar_id, collection_date, district_code, item)
       select c.tenant_id, c.id, x.d, x.code, x.item
         from garbage_calendar c,
              unnest($2::date[], $3::text[], $4::text[]) as x(d, code, item)
        where c.id = $1`,
      [calendar.id, chunk.map((e) => e.date), chunk.map((e) => e.districtCode), chunk.map((e) => e.item)],
    );
  }
  await m.query(
    `update garbage_calendar set uploaded_at = now(), uploaded_by = $2, updated_at = now() where id = $1`,
    [calendar.id, staffId],
  );
  return { deleted: deleted[0]!.n, inserted: plan.entries.length };
}

// -------------------------------------------------------------------------------------- upcoming

export interface UpcomingDay {
  date: IsoDate;
  items: Array<{ item: string; districts: Array<{ code: string; name: string }> }>;
}

/**
 * What is collected on each day of [from, from + days), by item with the districts collecting it
 * (in the district item's order), optionally for one district or one item. Days without a
 * collection are listed too, so staff see 「収集なし」 rather than a gap.
 */
export async function upcomingCollections(
  m: EntityManager,
  calendar: CalendarRow,
  q: { from: IsoDate; days: number; district?: string; item?: string },
): Promise<{
  from: IsoDate;
  to: IsoDate;
  days: UpcomingDay[];
  districts: Array<{ code: string; name: string }>;
}> {
  const item = await findItemByCode(m, calendar.districtItem);
  const districts = item && isDistrictItem(item) ? districtsOf(item) : [];
  const order = new Map(districts.map((d, i) => [d.code, i]));
  const nameOf = new Map(districts.map((d) => [d.code, d.name]));
  const to = addDays(q.from, q.days - 1);
  const rows: Array<{ date: string; item: string; codes: string[] }> = await m.query(
    `select to_char(collection_date, 'YYYY-MM-DD') as date, item, array_agg(district_code) as codes
       from garbage_collection
      where calendar_id = $1 and collection_date between $2::date and $3::date
        and ($4::text is null or district_code = $4) and ($5::text is null or item = $5)
      group by collection_date, item
      order by collection_date, count(*) desc, item`,
    [calendar.id, q.from, to, q.district || null, q.item ? q.item.normalize('NFKC') : null],
  );
  const days: UpcomingDay[] = [];
  for (let i = 0; i < q.days; i++) {
    const date = addDays(q.from, i);
    days.push({
      date,
      items: rows
        .filter((r) => r.date === date)
        .map((r) => ({
          item: r.item,
          districts: [...r.codes]
            .sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || a.localeCompare(b))
            .map((code) => ({ code, name: nameOf.get(code) ?? code })),
        })),
    });
  }
  return { from: q.from, to, days, districts };
}

/** The calendar as a CSV the upload reads again (地区コード, 地区名, 日付, 品目), dates in order. */
export async function calendarRows(m: EntityManager, calendar: CalendarRow): Promise<string[][]> {
  const item = await findItemByCode(m, calendar.districtItem);
  const nameOf = new Map(
    (item && isDistrictItem(item) ? districtsOf(item) : []).map((d) => [d.code, d.name]),
  );
  const rows: Array<{ date: string; code: string; item: string }> = await m.query(
    `select to_char(collection_date, 'YYYY/MM/DD') as date, district_code as code, item
       from garbage_collection where calendar_id = $1 order by collection_date, district_code, item`,
    [calendar.id],
  );
  return rows.map((r) => [r.code, nameOf.get(r.code) ?? '', r.date, r.item]);
}

// ------------------------------------------------------------------------------------- reminders

export interface ReminderView {
  item: string;
  created: boolean;
  segment: { id: string; name: string } | null;
  delivery: { id: string; title: string; status: string } | null;
}

/** The reminders made from a calendar so far, with their segment and delivery if they still exist. */
export async function loadReminders(m: EntityManager, calendarId: string): Promise<ReminderView[]> {
  const rows: Array<{
    item: string;
    segmentId: string | null;
    segmentName: string | null;
    deliveryId: string | null;
    title: string | null;
    status: string | null;
  }> = await m.query(
    `select r.item, s.id as "segmentId", s.name as "segmentName", d.id as "deliveryId", d.title, d.status
       from garbage_reminder r
       left join segment s on s.id = r.segment_id
       left join delivery d on d.id = r.delivery_id
      where r.calendar_id = $1 order by r.created_at, r.item`,
    [calendarId],
  );
  return rows.map((r) => ({
    item: r.item,
    created: false,
    segment: r.segmentId ? { id: r.segmentId, name: r.segmentName! } : null,
    delivery: r.deliveryId ? { id: r.deliveryId, title: r.title!, status: r.status! } : null,
  }));
}

const invalid = (path: string, message: string) =>
  new HttpError(422, '入力内容を確認してください', { errors: [{ path, message }] });

const clip = (s: string, max: number) => ([...s].length > max ? [...s].slice(0, max - 1).join('') + '…' : s);

/**
 * 「リマインド配信を作る」: for each item of the calendar (or the chosen ones), a saved segment (its
 * collection tomorrow, and the opt-in) and a draft delivery to it, repeating daily at `time`, with
 * the suggested text; staff check and schedule it in the delivery screen. Idempotent per calendar
 * and item: what exists is returned as it is; a segment or delivery deleted since is made again.
 * The calendar row is locked, so two clicks at once cannot both create.
 */
export async function createReminders(
  m: EntityManager,
  tenantId: string,
  calendar: CalendarRow,
  input: RemindersInput,
  actor: DeliveryActor,
  now = new Date(),
): Promise<ReminderView[]> {
  await m.query('select 1 from garbage_calendar where id = $1 for update', [calendar.id]);
  const today = jstDate(now);
  const stats = (await calendarStats(m, [calendar.id], today)).get(calendar.id)!;
  if (!stats.items.length)
    throw new HttpError(409, 'このごみカレンダーには収集日がありません。先に収集日のCSVを登録してください');
  const known = stats.items.map((i) => i.item);
  const wanted = input.items ? [...new Set(input.items.map((i) => i.normalize('NFKC')))] : known;
  wanted.forEach((item, i) => {
    if (!known.includes(item)) throw invalid(`items.${i}`, `このごみカレンダーに品目「${item}」はありません`);
  });
  const org: unknown[] = await m.query('select 1 from organisation where id = $1', [input.organisationId]);
  if (!org.length) throw invalid('organisationId', '所属が見つかりません');

  // The opt-in condition is checked like any segment condition (the item exists, the codes too).
  const attributeItems = await listItems(m, { status: 'all' });
  if (input.optIn) {
    const problems = checkDefinitionAgainstItems(
      reminderDefinition(calendar.code, wanted[0]!, input.optIn),
      attributeItems,
      'optIn',
    );
    if (problems.length)
      throw new HttpError(422, '入力内容を確認してください', {
        errors: problems.map((p) => ({
          path: p.path.replace(/^optIn\.conditions\.1\.?/, 'optIn.'),
          message: p.message,
        })),
      });
  }
  const optInText = input.optIn ? describeOptIn(attributeItems, input.optIn) : null;
  const rule = parseRecurrence({ kind: 'daily', time: input.time, startDate: today });
  if (!rule.ok) throw new HttpError(422, '入力内容を確認してください', { errors: rule.errors });

  const out: ReminderView[] = [];
  const created: Array<{ item: string; segmentId: string; deliveryId: string }> = [];
  for (const item of wanted) {
    const existing: Array<{ segment_id: string; delivery_id: string }> = await m.query(
      'select segment_id, delivery_id from garbage_reminder where calendar_id = $1 and item = $2',
      [calendar.id, item],
    );
    let segment = existing[0] ? await loadSegment(m, existing[0].segment_id) : null;
    let delivery = existing[0] ? await loadDelivery(m, existing[0].delivery_id) : null;
    if (segment && delivery) {
      out.push({
        item,
        created: false,
        segment: { id: segment.id, name: segment.name },
        delivery: { id: delivery.id, title: delivery.title, status: delivery.status },
      });
      continue;
    }
    if (!segment) {
      const definition = reminderDefinition(calendar.code, item, input.optIn);
      const name = clip(`${calendar.name}：明日が${item}の収集日`, 100);
      const description =
        `「リマインド配信を作る」で作成。ごみカレンダー「${calendar.name}」で明日が${item}の収集日の地区の友だち` +
        (optInText ? `（${optInText}）` : '');
      const rows: Array<{ id: string }> = await m.query(
        `insert into segment (tenant_id, organisation_id, name, description, definition, created_by)
         values ($1, $2, $3, $4, $5::jsonb, $6) returning id`,
        [
          tenantId,
          input.organisationId,
          name,
          clip(description, 1000),
          JSON.stringify(definition),
          actor.staffId,
        ],
      );
      segment = (await loadSegment(m, rows[0]!.id))!;
      await audit(m, tenantId, actor, 'segment.create', 'segment', segment.id, {
        after: { name, organisationId: input.organisationId, definition },
        garbageCalendarId: calendar.id,
      });
      if (delivery?.status === 'draft')
        delivery = await updateDraft(
          m,
          tenantId,
          delivery.id,
          { target: { type: 'segment', segmentId: segment.id } },
          actor,
        );
      else delivery = null;
    }
    if (!delivery) {
      delivery = await createDelivery(
        m,
        tenantId,
        {
          title: clip(`${item}の収集日のお知らせ（${calendar.name}）`, 200),
          organisationId: input.organisationId,
          channel: input.channel,
          target: { type: 'segment', segmentId: segment.id },
          messages: [{ type: 'text', text: reminderText(input.template, item) }],
        },
        actor,
      );
      // A draft that keeps its rule: the delivery screen offers 毎日 19:00 when staff open it.
      await m.query(
        `update delivery set schedule_kind = 'recurring', recurrence = $2::jsonb, updated_at = now()
          where id = $1 and status = 'draft'`,
        [delivery.id, JSON.stringify(rule.rule)],
      );
    }
    await m.query(
      `insert into garbage_reminder (tenant_id, calendar_id, item, segment_id, delivery_id, created_by)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (tenant_id, calendar_id, item) do update
         set segment_id = excluded.segment_id, delivery_id = excluded.delivery_id`,
      [tenantId, calendar.id, item, segment.id, delivery.id, actor.staffId],
    );
    created.push({ item, segmentId: segment.id, deliveryId: delivery.id });
    out.push({
      item,
      created: true,
      segment: { id: segment.id, name: segment.name },
      delivery: { id: delivery.id, title: delivery.title, status: delivery.status },
    });
  }
  await audit(m, tenantId, actor, 'garbage.reminders_create', 'garbage_calendar', calendar.id, {
    created,
    existing: out.length - created.length,
    organisationId: input.organisationId,
    channel: input.channel,
    time: input.time,
    optIn: input.optIn,
  });
  return out;
}

/** 「ゴミ収集日のお知らせ」が「受け取る」 — how the opt-in reads in a segment's description. */
function describeOptIn(items: AttributeItem[], optIn: NonNullable<RemindersInput['optIn']>): string {
  const item = items.find((i) => i.code === optIn.item);
  if (!item) return '';
  const labels = districtsOf(item);
  const names = optIn.codes.map((c) => labels.find((l) => l.code === c)?.name ?? c);
  return `受信設定「${item.label}」が${names.map((n) => `「${n}」`).join('か')}の人`;
}

async function audit(
  m: EntityManager,
  tenantId: string,
  actor: DeliveryActor,
  action: string,
  targetType: string,
  targetId: string,
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
      targetType,
      targetId,
      detail,
    },
  );
}

/** The first day of the upcoming view when staff give none: today in Japan. */
export function defaultFrom(now = new Date()): IsoDate {
  return jstDate(now);
}
