import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { withOps } from '../../platform/db/data-sources.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { HttpError } from '../../platform/http/errors.js';
import { LineReadError } from '../../platform/line/gateway.js';
import { logger } from '../../platform/log/logger.js';
import type { ChannelKind } from '../line/channels.service.js';
import { gatewayFor } from '../line/gateways.js';
import { deliveryConfig } from './delivery.config.js';
import type { RunPurpose, RunStatus } from './delivery.model.js';
import { enqueueFetchOpens } from './delivery.queue.js';

/**
 * Results of a delivery run for staff (DEL-8, DEL-13):
 * - opens: LINE's per-unit statistics of the delivery's aggregation unit (every multicast carries
 *   it), over the Japan-time days the run was sent on. LINE publishes them a few days after
 *   sending and hides figures below 20 people, so a run's figures are fetched by the worker once a
 *   day for two weeks (delivery_run_opens): `pending` (集計中) until LINE lists the messages,
 *   `below_threshold` when LINE answers null, `ready` with the number of people who opened it,
 *   `unavailable` when there is nothing to fetch (test sends, nothing sent) or LINE never
 *   published anything within the two weeks.
 * - clicks: our own tracking links (click-tracking.ts): every counted click (`total`, anonymous
 *   ones included) and the recipients identified as clickers (`uniqueResidents`, exact); the rate
 *   is the share of recipients who clicked, so a click nobody could be identified for is in the
 *   total only (never guessed into the rate).
 * - blocks: recipients who blocked the account within 7 days after their message was accepted.
 * Rates are shares of the recipients LINE accepted the message for (`sent`), null when none.
 */

export const OPENS_STATUSES = ['pending', 'below_threshold', 'ready', 'unavailable'] as const;
export type OpensStatus = (typeof OPENS_STATUSES)[number];

export const OPENS_STATUS_LABEL: Record<OpensStatus, string> = {
  pending: '集計中',
  below_threshold: '20人未満のため非公開',
  ready: '集計済み',
  unavailable: '集計なし',
};

/** Blocks are counted over this long after a recipient's message was accepted. */
export const BLOCK_WINDOW_DAYS = 7;

export interface RunResults {
  opens: { status: OpensStatus; uniqueImpressions: number | null; rate: number | null };
  clicks: {
    total: number;
    uniqueResidents: number;
    rate: number | null;
    links: Array<{ url: string; total: number; uniqueResidents: number }>;
  };
  blocks: { count: number; rate: number | null };
}

/** What of a run summary the results need (RUN_SUMMARY in delivery.routes.ts has it). */
export interface ResultsRun {
  id: string;
  purpose: RunPurpose;
  status: RunStatus;
  sent: number;
}

interface ResultsRow {
  runId: string;
  hasUnit: boolean;
  opensStatus: OpensStatus | null;
  uniqueImpressions: number | null;
  links: Array<{ url: string; total: number; uniqueResidents: number }>;
  clickTotal: number;
  clickResidents: number;
  blocks: number;
}

/**
 * One query for the results of many runs (a page of deliveries, a delivery's history, an
 * export): opens from their stored figures, clicks aggregated from the click rows per link, and
 * blocks found from the residents who blocked in each run's window (two partial indexes), joined
 * to the run's recipients by primary key — never a scan of a run's recipients.
 */
export async function loadRunResults(m: EntityManager, runIds: string[]): Promise<Map<string, ResultsRow>> {
  if (!runIds.length) return new Map();
  const rows: ResultsRow[] = await m.query(
    `select r.id as "runId", r.aggregation_unit is not null as "hasUnit",
            o.status as "opensStatus", o.unique_impression as "uniqueImpressions",
            coalesce(lk.links, '[]'::json) as links,
            coalesce(ck.total, 0)::int as "clickTotal",
            coalesce(ck.residents, 0)::int as "clickResidents",
            coalesce(bl.n, 0)::int as blocks
       from delivery_run r
       left join delivery_run_opens o on o.tenant_id = r.tenant_id and o.run_id = r.id
       left join lateral (
         select json_agg(json_build_object('url', l.url, 'total', s.total, 'uniqueResidents', s.residents) order by l.n) as links
           from delivery_link l
           cross join lateral (
             select count(*)::int as total, count(distinct c.resident_id)::int as residents
               from delivery_click c where c.tenant_id = l.tenant_id and c.run_id = l.run_id and c.n = l.n
           ) s
          where l.tenant_id = r.tenant_id and l.run_id = r.id
       ) lk on true
       left join lateral (
         select count(*) as total, count(distinct c.resident_id) as residents
           from delivery_click c where c.tenant_id = r.tenant_id and c.run_id = r.id
       ) ck on true
       left join lateral (
         select count(distinct cand.resident_id) as n
           from (
             select res.id as resident_id, res.blocked_since as at
               from resident res
              where res.tenant_id = r.tenant_id and res.channel_kind = r.channel_kind
                and res.blocked_since >= r.snapshot_at
                and res.blocked_since < coalesce(r.finished_at, now()) + make_interval(days => $2)
             union all
             -- A resident who blocked and followed again within the window has no blocked_since
             -- any more; the unfollow event we received still counts.
             select res.id, e.event_timestamp
               from webhook_event e
               join resident res on res.tenant_id = e.tenant_id and res.channel_kind = e.channel_kind
                                and res.line_user_id = e.source_user_id
              where e.tenant_id = r.tenant_id and e.channel_kind = r.channel_kind and e.event_type = 'unfollow'
                and e.event_timestamp >= r.snapshot_at
                and e.event_timestamp < coalesce(r.finished_at, now()) + make_interval(days => $2)
           ) cand
           join delivery_recipient dr on dr.tenant_id = r.tenant_id and dr.run_id = r.id
                                     and dr.resident_id = cand.resident_id and dr.status = 'sent'
           join delivery_chunk ch on ch.id = dr.chunk_id
          where cand.at >= ch.accepted_at and cand.at < ch.accepted_at + make_interval(days => $2)
       ) bl on true
      where r.id = any($1::uuid[])`,
    [runIds, BLOCK_WINDOW_DAYS],
  );
  return new Map(rows.map((row) => [row.runId, row]));
}

const share = (n: number, of: number): number | null =>
  of > 0 ? Math.round((n / of) * 10_000) / 10_000 : null;

/** A run's results from its row (null when the run had none, e.g. a run just created). */
export function runResults(run: ResultsRun, row: ResultsRow | undefined): RunResults {
  let opensStatus: OpensStatus;
  if (row?.opensStatus) opensStatus = row.opensStatus;
  else if (run.purpose === 'test' || !row?.hasUnit) opensStatus = 'unavailable';
  else if (run.status === 'snapshotting' || run.status === 'sending') opensStatus = 'pending';
  // A sent run is scheduled in the transaction that closes it; the sweeper covers older ones.
  else opensStatus = run.status === 'sent' && run.sent > 0 ? 'pending' : 'unavailable';
  const impressions = opensStatus === 'ready' ? (row?.uniqueImpressions ?? null) : null;
  return {
    opens: {
      status: opensStatus,
      uniqueImpressions: impressions,
      rate: impressions === null ? null : share(impressions, run.sent),
    },
    clicks: {
      total: row?.clickTotal ?? 0,
      uniqueResidents: row?.clickResidents ?? 0,
      rate: share(row?.clickResidents ?? 0, run.sent),
      links: row?.links ?? [],
    },
    blocks: { count: row?.blocks ?? 0, rate: share(row?.blocks ?? 0, run.sent) },
  };
}

/** Runs with their results, from one query whatever their number. */
export async function withResults<T extends ResultsRun>(
  m: EntityManager,
  runs: T[],
): Promise<Array<T & { results: RunResults }>> {
  const rows = await loadRunResults(
    m,
    runs.map((r) => r.id),
  );
  return runs.map((r) => ({ ...r, results: runResults(r, rows.get(r.id)) }));
}

const percent = (rate: number | null) => (rate === null ? '' : `${(rate * 100).toFixed(1)}%`);

/** CSV columns of the results (delivery history export). */
export const RESULTS_CSV_HEADER = [
  '開封数',
  '開封率',
  'クリック数',
  'クリックした住民数',
  'クリック率',
  `ブロック数（${BLOCK_WINDOW_DAYS}日以内）`,
  'ブロック率',
];

export function resultsCsvCells(r: RunResults): Array<string | number> {
  return [
    r.opens.status === 'ready' ? (r.opens.uniqueImpressions ?? '') : OPENS_STATUS_LABEL[r.opens.status],
    percent(r.opens.rate),
    r.clicks.total,
    r.clicks.uniqueResidents,
    percent(r.clicks.rate),
    r.blocks.count,
    percent(r.blocks.rate),
  ];
}

// ------------------------------------------------------------------------------ open figures job

/**
 * Schedules the open figures of a run that has just been sent, in the transaction that closes
 * it: first fetch a fetch interval after it was sent, then at that interval for the configured
 * days. Only production runs carry an aggregation unit; a run already scheduled is left alone.
 */
export async function scheduleOpens(m: EntityManager, tenantId: string, runId: string): Promise<void> {
  const cfg = deliveryConfig();
  await m.query(
    `insert into delivery_run_opens (tenant_id, run_id, channel_kind, aggregation_unit, from_day, to_day, next_fetch_at, fetch_until)
     select r.tenant_id, r.id, r.channel_kind, r.aggregation_unit,
            (r.snapshot_at at time zone 'Asia/Tokyo')::date, (r.finished_at at time zone 'Asia/Tokyo')::date,
            r.finished_at + make_interval(secs => $3), r.finished_at + make_interval(secs => $4)
       from delivery_run r
      where r.tenant_id = $1 and r.id = $2 and r.purpose = 'production' and r.status = 'sent'
        and r.aggregation_unit is not null and r.snapshot_at is not null and r.finished_at is not null
     on conflict (tenant_id, run_id) do nothing`,
    [tenantId, runId, cfg.opensFetchEveryHours * 3600, cfg.opensFetchDays * 86_400],
  );
}

interface ClaimedOpens {
  channelKind: ChannelKind;
  aggregationUnit: string;
  fromDay: string;
  toDay: string;
  status: OpensStatus;
  fetchUntil: Date;
}

/** A claim lasts this long: longer than waiting for a rate-limit slot plus LINE's answer. */
const CLAIM_SECONDS = 300;
/** Waiting for one of the channel's 60 insight requests an hour ends after this long; retried later. */
const SLOT_WAIT_MS = 30_000;
const LATER_AFTER_BUSY_MS = 15 * 60_000;
const LATER_AFTER_ERROR_MS = 60 * 60_000;

const yyyymmdd = (day: string) => day.replaceAll('-', '');

export type OpensOutcome = 'not_due' | 'busy' | 'error' | OpensStatus;

/**
 * The `fetch-opens` job: claims the run's due fetch (a conditional update with a lease, so two
 * workers or a repeated job never fetch it twice at once), asks LINE through the channel's
 * gateway (which takes a slot of the channel's insight limit shared by all workers) and stores
 * what LINE answered with the next fetch time. LINE's answer decides the status: no message
 * listed yet → pending; listed with null figures → below_threshold; a number → ready. A run that
 * had figures keeps them if LINE later answers without. Errors are stored and retried later.
 */
export async function fetchRunOpens(
  job: { tenantId: string; runId: string },
  opts: { slotWaitMs?: number } = {},
): Promise<OpensOutcome> {
  const { tenantId, runId } = job;
  const token = randomUUID();
  const claimed = await withTenant(tenantId, async (m): Promise<ClaimedOpens | null> => {
    const result: unknown = await m.query(
      `update delivery_run_opens set claimed_until = now() + make_interval(secs => $2), claim_token = $3
        where run_id = $1 and next_fetch_at <= now() and (claimed_until is null or claimed_until < now())
        returning channel_kind as "channelKind", aggregation_unit as "aggregationUnit",
                  to_char(from_day, 'YYYY-MM-DD') as "fromDay", to_char(to_day, 'YYYY-MM-DD') as "toDay",
                  status, fetch_until as "fetchUntil"`,
      [runId, CLAIM_SECONDS, token],
    );
    // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
    const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as ClaimedOpens[];
    return rows[0] ?? null;
  });
  if (!claimed) return 'not_due';

  const store = (sql: string, params: unknown[]) =>
    withTenant(tenantId, (m) =>
      m.query(
        `update delivery_run_opens set ${sql}, claim_token = null, claimed_until = null, updated_at = now()
          where run_id = $1 and claim_token = $2`,
        [runId, token, ...params],
      ),
    );
  const retryAt = (ms: number) => new Date(Math.min(Date.now() + ms, claimed.fetchUntil.getTime()));

  let answer;
  try {
    const gateway = await gatewayFor(tenantId, claimed.channelKind);
    answer = await gateway.statisticsPerUnit(
      claimed.aggregationUnit,
      yyyymmdd(claimed.fromDay),
      yyyymmdd(claimed.toDay),
      { signal: AbortSignal.timeout(opts.slotWaitMs ?? SLOT_WAIT_MS) },
    );
  } catch (e) {
    if (e instanceof LineReadError && e.kind === 'aborted') {
      // Every insight request of this hour is taken: try again a little later (not an error).
      await store('next_fetch_at = $3, last_error = null', [new Date(Date.now() + LATER_AFTER_BUSY_MS)]);
      return 'busy';
    }
    const message =
      e instanceof HttpError
        ? e.title
        : e instanceof LineReadError
          ? `LINEの統計情報を取得できませんでした（${e.httpStatus ?? '応答なし'}）: ${e.message}`
          : `LINEの統計情報を取得できませんでした: ${(e as Error).message}`;
    logger.warn({ tenantId, runId, err: (e as Error).message }, 'delivery open figures not fetched');
    const last = Date.now() >= claimed.fetchUntil.getTime();
    await store(
      `next_fetch_at = $3, last_error = $4, status = case when $3::timestamptz is null and status = 'pending' then 'unavailable' else status end`,
      [last ? null : retryAt(LATER_AFTER_ERROR_MS), message.slice(0, 500)],
    );
    return 'error';
  }

  const figure = answer.overview?.uniqueImpression;
  let status: OpensStatus;
  if (typeof figure === 'number') status = 'ready';
  else if ((answer.messages ?? []).length > 0) status = 'below_threshold';
  else status = 'pending';
  // A later answer without figures never hides figures LINE gave before.
  if (status === 'pending' && claimed.status !== 'pending') status = claimed.status;

  const cfg = deliveryConfig();
  const next = new Date(Date.now() + cfg.opensFetchEveryHours * 3600_000);
  const done = Date.now() >= claimed.fetchUntil.getTime();
  const finalStatus = done && status === 'pending' ? 'unavailable' : status;
  await store(
    `status = $3, unique_impression = coalesce($4, unique_impression), unique_click = coalesce($5, unique_click),
     fetch_count = fetch_count + 1, fetched_at = now(), last_error = null,
     next_fetch_at = $6`,
    [
      finalStatus,
      typeof figure === 'number' ? figure : null,
      typeof answer.overview?.uniqueClick === 'number' ? answer.overview.uniqueClick : null,
      // The last fetch is the one at (or after) the end of the window.
      done ? null : next.getTime() > claimed.fetchUntil.getTime() ? claimed.fetchUntil : next,
    ],
  );
  return finalStatus;
}

export interface ResultsSweepReport {
  scheduled: number;
  queued: number;
}

/**
 * The results sweeper (every few minutes): schedules open figures for sent runs that have none
 * (runs sent before this feature, or a lost schedule), then queues every due fetch. Finds work
 * across tenants through the ops pool and writes inside each tenant's own transaction; the fetch
 * job claims its run itself, so a fetch queued twice runs once.
 */
export async function sweepDeliveryResults(): Promise<ResultsSweepReport> {
  const cfg = deliveryConfig();
  const unscheduled: Array<{ id: string; tenant_id: string }> = await withOps((m) =>
    m.query(
      `select r.id, r.tenant_id from delivery_run r
        where r.status = 'sent' and r.purpose = 'production' and r.aggregation_unit is not null
          and r.finished_at > now() - make_interval(secs => $1)
          and not exists (select 1 from delivery_run_opens o where o.tenant_id = r.tenant_id and o.run_id = r.id)
        limit 500`,
      [cfg.opensFetchDays * 86_400],
    ),
  );
  for (const r of unscheduled) await withTenant(r.tenant_id, (m) => scheduleOpens(m, r.tenant_id, r.id));

  const due: Array<{ tenant_id: string; run_id: string; fetch_count: number; next_fetch_at: Date }> =
    await withOps((m) =>
      m.query(
        `select tenant_id, run_id, fetch_count, next_fetch_at from delivery_run_opens
        where next_fetch_at <= now() and (claimed_until is null or claimed_until < now())
        order by next_fetch_at limit 1000`,
      ),
    );
  for (const d of due)
    // One job per scheduled fetch: a sweep that finds it still waiting adds nothing.
    await enqueueFetchOpens(
      { tenantId: d.tenant_id, runId: d.run_id },
      `${d.fetch_count}-${d.next_fetch_at.getTime()}`,
    );
  return { scheduled: unscheduled.length, queued: due.length };
}
