import { HTTPFetchError } from '@line/bot-sdk';
import type { EntityManager } from 'typeorm';
import { appendToChain, type ActorType } from '../../platform/audit/audit-chain.js';
import { config } from '../../platform/config/config.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { HttpError } from '../../platform/http/errors.js';
import { logger } from '../../platform/log/logger.js';
import { storage } from '../../platform/storage/storage.js';
import { findChannel, type ChannelKind } from '../line/channels.service.js';
import { gatewayFor } from '../line/gateways.js';
import { lineEventsQueue } from '../line/line-queue.js';
import { formsForMenu } from '../forms/forms.service.js';
import {
  aliasId,
  compileTab,
  CompileError,
  formCodesOf,
  parseTapData,
  type Area,
  type LineRichMenu,
} from './richmenu.model.js';

export const CHANNEL_LABEL: Record<ChannelKind, string> = { production: '本番', test: 'テスト' };

export interface RichMenuActor {
  type: ActorType;
  id: string | null;
  label: string | null;
}

export interface TabRow {
  id: string;
  setId: string;
  code: string;
  position: number;
  name: string;
  chatBarText: string;
  width: number;
  height: number;
  areas: Area[];
  imageKey: string | null;
  imageType: string | null;
  imageBytes: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SetRow {
  id: string;
  organisationId: string;
  code: string;
  name: string;
  kind: 'normal' | 'emergency';
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const SET_COLUMNS = `s.id, s.organisation_id as "organisationId", s.code, s.name, s.kind,
  s.created_by as "createdBy", s.created_at as "createdAt", s.updated_at as "updatedAt"`;
export const TAB_COLUMNS = `t.id, t.set_id as "setId", t.code, t.position, t.name, t.chat_bar_text as "chatBarText",
  t.width, t.height, t.areas, t.image_key as "imageKey", t.image_type as "imageType", t.image_bytes as "imageBytes",
  t.created_at as "createdAt", t.updated_at as "updatedAt"`;

export async function loadSet(m: EntityManager, id: string): Promise<SetRow | null> {
  const rows: SetRow[] = await m.query(`select ${SET_COLUMNS} from richmenu_set s where s.id = $1`, [id]);
  return rows[0] ?? null;
}
export async function loadTabs(m: EntityManager, setIds: string[]): Promise<TabRow[]> {
  return m.query(
    `select ${TAB_COLUMNS} from richmenu_tab t where t.set_id = any($1::uuid[]) order by t.set_id, t.position, t.created_at`,
    [setIds],
  );
}

interface PublishedMenu {
  tabId: string;
  richMenuId: string;
}
interface PublicationRow {
  setId: string;
  channelKind: ChannelKind;
  menus: PublishedMenu[];
  aliasIds: string[];
  pendingMenuIds: string[];
  retiredMenuIds: string[];
  publishedAt: Date | null;
  publishedBy: string | null;
  publishedByLabel: string | null;
}
const PUB_COLUMNS = `set_id as "setId", channel_kind as "channelKind", menus, alias_ids as "aliasIds",
  pending_menu_ids as "pendingMenuIds", retired_menu_ids as "retiredMenuIds", published_at as "publishedAt",
  published_by as "publishedBy", published_by_label as "publishedByLabel"`;

export async function publications(m: EntityManager, setIds: string[]): Promise<PublicationRow[]> {
  return m.query(
    `select ${PUB_COLUMNS} from richmenu_publication where set_id = any($1::uuid[]) and published_at is not null
      order by channel_kind`,
    [setIds],
  );
}

function lineFailure(e: unknown, what: string): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof HTTPFetchError) {
    let details: Array<{ message?: string; property?: string }> = [];
    let message = '';
    try {
      const body = JSON.parse(e.body) as { message?: string; details?: typeof details };
      message = body.message ?? '';
      details = body.details ?? [];
    } catch {
      /* not JSON */
    }
    if (e.status >= 400 && e.status < 500 && e.status !== 429)
      return new HttpError(422, `LINEが${what}を受け付けませんでした`, {
        detail: message,
        errors: details.map((d) => ({ path: d.property ?? '', message: d.message ?? '' })),
      });
    return new HttpError(502, `LINEとの通信に失敗しました（${what}）。時間をおいて再度お試しください`);
  }
  return new HttpError(502, `LINEとの通信に失敗しました（${what}）。時間をおいて再度お試しください`);
}

const isNotFound = (e: unknown) => e instanceof HTTPFetchError && e.status === 404;

type Api = Awaited<ReturnType<typeof gatewayFor>>['api'];

/** Points the channel's default rich menu at the emergency set (when on) or the default normal set. */
async function applyDefault(tenantId: string, kind: ChannelKind, api: Api): Promise<string | null> {
  const target = await withTenant(tenantId, async (m) => {
    const st: Array<{
      default_set_id: string | null;
      emergency_set_id: string | null;
      emergency_enabled: boolean;
    }> = await m.query(
      'select default_set_id, emergency_set_id, emergency_enabled from richmenu_channel_state where channel_kind = $1',
      [kind],
    );
    const s = st[0];
    const setId = s ? (s.emergency_enabled ? s.emergency_set_id : s.default_set_id) : null;
    if (!setId) return null;
    const p: Array<{ menus: PublishedMenu[] }> = await m.query(
      'select menus from richmenu_publication where set_id = $1 and channel_kind = $2 and published_at is not null',
      [setId, kind],
    );
    return p[0]?.menus[0]?.richMenuId ?? null;
  });
  try {
    if (target) await api.setDefaultRichMenu(target);
    else await api.cancelDefaultRichMenu();
  } catch (e) {
    if (!(isNotFound(e) && !target)) throw lineFailure(e, '既定のリッチメニューの設定');
  }
  return target;
}

async function deleteRetired(tenantId: string, setId: string, kind: ChannelKind, api: Api): Promise<number> {
  const rows: Array<{ retired: string[] }> = await withTenant(tenantId, (m) =>
    m.query(
      `select retired_menu_ids as retired from richmenu_publication where set_id = $1 and channel_kind = $2`,
      [setId, kind],
    ),
  );
  let n = 0;
  for (const id of rows[0]?.retired ?? []) {
    try {
      await api.deleteRichMenu(id);
    } catch (e) {
      if (!isNotFound(e)) {
        logger.warn(
          { err: e, richMenuId: id },
          'could not delete a retired rich menu; kept for the next publish',
        );
        continue;
      }
    }
    n++;
    await withTenant(tenantId, (m) =>
      m.query(
        `update richmenu_publication set retired_menu_ids = array_remove(retired_menu_ids, $3)
          where set_id = $1 and channel_kind = $2`,
        [setId, kind, id],
      ),
    );
  }
  return n;
}

/** Absolute URL of a resident-ui page: the channel's LIFF app when it has one, else the public site. */
function pageUrlFor(slug: string, liffId: string | null) {
  return (path: string) => {
    const p = path.replace(/^\/+/, '');
    if (liffId) return `https://liff.line.me/${liffId}/${p}`;
    return `${config().PUBLIC_ORIGIN.replace(/\/+$/, '')}/t/${slug}/${p}`;
  };
}

export interface PublishResult {
  channel: ChannelKind;
  menus: PublishedMenu[];
  aliasIds: string[];
  defaultRichMenuId: string | null;
  deleted: number;
  publishedAt: Date;
}

/**
 * Publishes every tab of the set to one channel (MENU-6): a new LINE rich menu per tab (validated
 * by LINE first, then its image), aliases `<set code>-<index>` created or re-pointed, the default
 * menu set, then the previously published menus deleted. Crash-safe: every created id is recorded
 * (pending) before anything is switched to it; a retry retires what an interrupted attempt left
 * and deletes retired menus only after the switch. A lease keeps two publishes of the same set and
 * channel apart.
 */
export async function publishSet(
  tenantId: string,
  setId: string,
  kind: ChannelKind,
  actor: RichMenuActor,
  opts: { makeDefault?: boolean } = {},
): Promise<PublishResult> {
  const prepared = await withTenant(tenantId, async (m) => {
    const set = await loadSet(m, setId);
    if (!set) throw new HttpError(404, 'リッチメニューが見つかりません');
    const tabs = await loadTabs(m, [setId]);
    if (!tabs.length) throw new HttpError(422, 'タブを1つ以上作成してください');
    const noImage = tabs.find((t) => !t.imageKey);
    if (noImage) throw new HttpError(422, `タブ「${noImage.name}」の画像をアップロードしてください`);
    const channel = await findChannel(m, kind);
    if (!channel) throw new HttpError(409, `${CHANNEL_LABEL[kind]}用のLINEチャネルが設定されていません`);
    const slug: Array<{ slug: string }> = await m.query('select slug from tenant where id = $1', [tenantId]);
    // Aliases of targets: tabs of this set by position, other sets' tabs as published on this channel.
    const aliases = new Map(tabs.map((t, i) => [t.id, aliasId(set.code, i)]));
    const targetIds = tabs
      .flatMap((t) => t.areas.map((a) => a.action))
      .filter((a) => a.type === 'submenu')
      .map((a) => (a as { tabId: string }).tabId);
    if (targetIds.length) {
      const other: Array<{ id: string; set_id: string; code: string }> = await m.query(
        `select t.id, t.set_id, s.code from richmenu_tab t join richmenu_set s on s.id = t.set_id
          where t.set_id in (select set_id from richmenu_tab where id = any($1::uuid[]))
          order by t.set_id, t.position, t.created_at`,
        [targetIds],
      );
      const published: Array<{ set_id: string; alias_ids: string[] }> = await m.query(
        `select set_id, alias_ids from richmenu_publication where channel_kind = $1 and published_at is not null`,
        [kind],
      );
      const bySet = new Map<string, number>();
      for (const t of other) {
        const i = bySet.get(t.set_id) ?? 0;
        bySet.set(t.set_id, i + 1);
        const alias = aliasId(t.code, i);
        if (t.set_id !== setId && published.find((p) => p.set_id === t.set_id)?.alias_ids.includes(alias))
          aliases.set(t.id, alias);
      }
    }
    // Forms the areas open: published (and answerable in the talk, for a talk area) or refused.
    const forms = await formsForMenu(m, formCodesOf(tabs.flatMap((t) => t.areas)));
    const objects: LineRichMenu[] = [];
    for (const t of tabs) {
      try {
        objects.push(
          compileTab(t, {
            tabCode: t.code,
            aliasOfTab: (id) => aliases.get(id) ?? null,
            pageUrl: pageUrlFor(slug[0]!.slug, channel.liffId),
            formOf: (code) => forms.get(code) ?? null,
          }),
        );
      } catch (e) {
        if (e instanceof CompileError) throw new HttpError(422, `タブ「${t.name}」: ${e.message}`);
        throw e;
      }
    }
    // Take the lease; what an interrupted attempt created is retired (deleted after the switch).
    await m.query(
      `insert into richmenu_publication (tenant_id, set_id, channel_kind) values ($1, $2, $3) on conflict do nothing`,
      [tenantId, setId, kind],
    );
    return { set, tabs, objects };
  });
  const releaseLease = await takeLease(tenantId, setId, kind);

  const { set, tabs, objects } = prepared;
  try {
    const gw = await gatewayFor(tenantId, kind);
    for (const o of objects) {
      try {
        await gw.api.validateRichMenuObject(o as never);
      } catch (e) {
        throw lineFailure(e, 'リッチメニュー');
      }
    }
    const menus: PublishedMenu[] = [];
    for (const [i, o] of objects.entries()) {
      const tab = tabs[i]!;
      let richMenuId: string;
      try {
        richMenuId = (await gw.api.createRichMenu(o as never)).richMenuId;
      } catch (e) {
        throw lineFailure(e, 'リッチメニューの作成');
      }
      await withTenant(tenantId, (m) =>
        m.query(
          `update richmenu_publication set pending_menu_ids = array_append(pending_menu_ids, $3)
            where set_id = $1 and channel_kind = $2`,
          [setId, kind, richMenuId],
        ),
      );
      menus.push({ tabId: tab.id, richMenuId });
      const file = await storage().get(tab.imageKey!);
      if (!file)
        throw new HttpError(409, `タブ「${tab.name}」の画像が見つかりません。アップロードし直してください`);
      try {
        await gw.blob.setRichMenuImage(
          richMenuId,
          new Blob([new Uint8Array(file.data)], { type: file.contentType }),
        );
      } catch (e) {
        throw lineFailure(e, 'メニュー画像');
      }
    }
    const aliasIds = menus.map((_, i) => aliasId(set.code, i));
    for (const [i, a] of aliasIds.entries()) {
      const richMenuId = menus[i]!.richMenuId;
      try {
        await gw.api.updateRichMenuAlias(a, { richMenuId });
      } catch (e) {
        if (!isNotFound(e)) throw lineFailure(e, 'エイリアスの更新');
        try {
          await gw.api.createRichMenuAlias({ richMenuAliasId: a, richMenuId });
        } catch (e2) {
          throw lineFailure(e2, 'エイリアスの作成');
        }
      }
    }
    const before: Array<{ menus: PublishedMenu[]; alias_ids: string[] }> = await withTenant(tenantId, (m) =>
      m.query('select menus, alias_ids from richmenu_publication where set_id = $1 and channel_kind = $2', [
        setId,
        kind,
      ]),
    );
    // Aliases of tabs that no longer exist.
    for (const a of before[0]?.alias_ids ?? []) {
      if (aliasIds.includes(a)) continue;
      await gw.api.deleteRichMenuAlias(a).catch((e: unknown) => {
        if (!isNotFound(e)) throw lineFailure(e, 'エイリアスの削除');
      });
    }
    const publishedAt = new Date();
    await withTenant(tenantId, async (m) => {
      await m.query(
        `update richmenu_publication
            set retired_menu_ids = retired_menu_ids || $3::text[], menus = $4::jsonb, alias_ids = $5,
                pending_menu_ids = '{}', published_at = $6, published_by = $7, published_by_label = $8
          where set_id = $1 and channel_kind = $2`,
        [
          setId,
          kind,
          (before[0]?.menus ?? []).map((x) => x.richMenuId),
          JSON.stringify(menus),
          aliasIds,
          publishedAt,
          actor.type === 'staff' ? actor.id : null,
          actor.label,
        ],
      );
      const column = set.kind === 'emergency' ? 'emergency_set_id' : 'default_set_id';
      if (set.kind === 'emergency' || opts.makeDefault !== false)
        await m.query(
          `insert into richmenu_channel_state (tenant_id, channel_kind, ${column}) values ($1, $2, $3)
             on conflict (tenant_id, channel_kind) do update set ${column} = excluded.${column}`,
          [tenantId, kind, setId],
        );
    });
    const defaultRichMenuId = await applyDefault(tenantId, kind, gw.api);
    const deleted = await deleteRetired(tenantId, setId, kind, gw.api);
    return { channel: kind, menus, aliasIds, defaultRichMenuId, deleted, publishedAt };
  } finally {
    await releaseLease();
  }
}

/**
 * The lease that keeps two publishes (or a publish and an unpublish) of the same set and channel
 * apart; what an interrupted attempt created is retired on taking it (deleted after the switch).
 * Answers the function that releases it.
 */
async function takeLease(
  tenantId: string,
  setId: string,
  kind: ChannelKind,
): Promise<() => Promise<unknown>> {
  const leased: unknown[] = await withTenant(tenantId, (m) =>
    m.query(
      `update richmenu_publication
          set lease_until = now() + interval '5 minutes',
              retired_menu_ids = retired_menu_ids || pending_menu_ids, pending_menu_ids = '{}'
        where set_id = $1 and channel_kind = $2 and (lease_until is null or lease_until < now())
        returning set_id`,
      [setId, kind],
    ),
  );
  // UPDATE … RETURNING answers [rows, count] through TypeORM.
  const leasedRows = Array.isArray(leased[0]) ? (leased[0] as unknown[]) : leased;
  if (!leasedRows.length)
    throw new HttpError(409, 'このメニューは公開処理中です。しばらくしてから再度お試しください');
  return () =>
    withTenant(tenantId, (m) =>
      m.query(`update richmenu_publication set lease_until = null where set_id = $1 and channel_kind = $2`, [
        setId,
        kind,
      ]),
    );
}

/**
 * Stops showing a set on one channel: its aliases and LINE rich menus are deleted and the set can
 * then be edited freely or deleted. Refused while residents see it (the channel's default menu, or
 * the emergency menu during emergency mode) or while another published set's sub-menu leads to it.
 */
export async function unpublishSet(
  tenantId: string,
  setId: string,
  kind: ChannelKind,
): Promise<{ channel: ChannelKind; deleted: number }> {
  await withTenant(tenantId, async (m) => {
    const state: Array<{
      default_set_id: string | null;
      emergency_set_id: string | null;
      emergency_enabled: boolean;
    }> = await m.query(
      'select default_set_id, emergency_set_id, emergency_enabled from richmenu_channel_state where channel_kind = $1',
      [kind],
    );
    const published: unknown[] = await m.query(
      'select 1 from richmenu_publication where set_id = $1 and channel_kind = $2 and published_at is not null',
      [setId, kind],
    );
    if (!published.length)
      throw new HttpError(409, `このメニューは${CHANNEL_LABEL[kind]}チャネルに公開されていません`);
    const st = state[0];
    if (st?.default_set_id === setId)
      throw new HttpError(
        409,
        `このメニューは${CHANNEL_LABEL[kind]}チャネルの既定メニューとして表示中です。別のメニューを公開して既定にしてから停止してください`,
      );
    if (st?.emergency_set_id === setId && st.emergency_enabled)
      throw new HttpError(
        409,
        '緊急モード中は緊急用メニューの公開を停止できません。先に緊急モードをオフにしてください',
      );
    const referrers: Array<{ name: string }> = await m.query(
      `select distinct s.name from richmenu_tab t
         join richmenu_set s on s.id = t.set_id
         join richmenu_publication p on p.set_id = s.id and p.channel_kind = $2 and p.published_at is not null
        where t.set_id <> $1 and exists (
          select 1 from jsonb_array_elements(t.areas) a
           where a->'action'->>'type' = 'submenu'
             and (a->'action'->>'tabId')::uuid in (select id from richmenu_tab where set_id = $1))`,
      [setId, kind],
    );
    if (referrers.length)
      throw new HttpError(
        409,
        `公開中のメニュー「${referrers.map((r) => r.name).join('」「')}」のサブメニューから開かれるため停止できません`,
      );
  });
  const releaseLease = await takeLease(tenantId, setId, kind);
  try {
    const gw = await gatewayFor(tenantId, kind);
    const pub: Array<{ alias_ids: string[] }> = await withTenant(tenantId, (m) =>
      m.query('select alias_ids from richmenu_publication where set_id = $1 and channel_kind = $2', [
        setId,
        kind,
      ]),
    );
    for (const a of pub[0]?.alias_ids ?? [])
      await gw.api.deleteRichMenuAlias(a).catch((e: unknown) => {
        if (!isNotFound(e)) throw lineFailure(e, 'エイリアスの削除');
      });
    // Unpublished first (so nothing points at the menus any more), deleted after.
    await withTenant(tenantId, async (m) => {
      await m.query(
        `update richmenu_publication
            set retired_menu_ids = retired_menu_ids || array(select jsonb_array_elements(menus)->>'richMenuId'),
                menus = '[]'::jsonb, alias_ids = '{}', published_at = null
          where set_id = $1 and channel_kind = $2`,
        [setId, kind],
      );
      await m.query(
        'update richmenu_channel_state set emergency_set_id = null where channel_kind = $1 and emergency_set_id = $2',
        [kind, setId],
      );
    });
    const deleted = await deleteRetired(tenantId, setId, kind, gw.api);
    await withTenant(tenantId, (m) =>
      m.query(
        `delete from richmenu_publication where set_id = $1 and channel_kind = $2 and published_at is null
            and cardinality(retired_menu_ids) = 0 and cardinality(pending_menu_ids) = 0`,
        [setId, kind],
      ),
    );
    return { channel: kind, deleted };
  } finally {
    await releaseLease();
  }
}

export const RESET_USER_MENUS_JOB = 'richmenu-reset-user-menus';
export interface ResetUserMenusJob {
  tenantId: string;
  channelKind: ChannelKind;
}

/**
 * LINE implements tabs with per-user rich menus: a richmenuswitch tap links the tab's menu to the
 * friend, and a per-user link outranks the default. Switching the default alone would leave every
 * friend who ever changed tab on their old tab, so each emergency switch also unlinks every
 * per-user menu of the channel (one batch request; the product links no per-user menus of its
 * own, so nothing else is lost) and friends fall back to the new default's first tab.
 */
export async function resetUserMenus(job: ResetUserMenusJob): Promise<{ requestId: string | null }> {
  const gw = await gatewayFor(job.tenantId, job.channelKind);
  const res = await gw.api.richMenuBatchWithHttpInfo({ operations: [{ type: 'unlinkAll' }] });
  return { requestId: res.httpResponse.headers.get('x-line-request-id') };
}

/**
 * Resets per-user menus now, or, when LINE refuses (the batch API allows 3 requests an hour, or a
 * failure), queues a job that retries with backoff. A job already waiting is enough: it runs after
 * this switch and unlinks everything, so a second one is not added.
 */
async function resetUserMenusSoon(job: ResetUserMenusJob): Promise<'done' | 'queued'> {
  try {
    await resetUserMenus(job);
    return 'done';
  } catch (err) {
    logger.warn(
      { err: err instanceof Error ? err.message : String(err), channel: job.channelKind },
      'per-user rich menus not reset at once; queued',
    );
    await lineEventsQueue().add(RESET_USER_MENUS_JOB, job, {
      jobId: `rm-reset-${job.tenantId}-${job.channelKind}`,
      delay: 60_000,
      attempts: 12,
      backoff: { type: 'exponential', delay: 5 * 60_000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
    return 'queued';
  }
}

export interface EmergencyState {
  channel: ChannelKind;
  enabled: boolean;
  reason: string | null;
  changedAt: Date | null;
  changedBy: string | null;
  emergencySetId: string | null;
  defaultSetId: string | null;
}

export async function emergencyStates(m: EntityManager): Promise<EmergencyState[]> {
  const rows: Array<Omit<EmergencyState, 'enabled'> & { enabled: boolean | null }> = await m.query(
    `select k.kind as channel, s.emergency_enabled as enabled, s.emergency_reason as reason,
            s.emergency_changed_at as "changedAt", s.emergency_changed_by as "changedBy",
            s.emergency_set_id as "emergencySetId", s.default_set_id as "defaultSetId"
       from (values ('production'), ('test')) as k(kind)
       left join richmenu_channel_state s on s.channel_kind = k.kind order by k.kind`,
  );
  return rows.map((r) => ({ ...r, enabled: r.enabled ?? false }));
}

/**
 * MENU-5 / BOSAI-1: switches the channel's default rich menu to the published emergency set
 * (enabled) or back to the normal one. Called by the staff endpoint, the disaster module and mail
 * rules; runs its own transactions (call it outside a tenant transaction) and audits itself.
 */
export async function setEmergencyMode(
  tenantId: string,
  channelKind: ChannelKind,
  enabled: boolean,
  reason: string,
  actor: RichMenuActor & { ip?: string | null; userAgent?: string | null },
): Promise<EmergencyState & { defaultRichMenuId: string | null; userMenus: 'done' | 'queued' }> {
  const audit = (outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
    withTenant(tenantId, (m) =>
      appendToChain(
        m,
        { name: 'audit_log', tenantId },
        {
          actorType: actor.type,
          actorId: actor.id,
          actorLabel: actor.label,
          ip: actor.ip ?? null,
          userAgent: actor.userAgent ?? null,
          action: enabled ? 'richmenu.emergency_on' : 'richmenu.emergency_off',
          outcome,
          targetType: 'line_channel',
          targetId: null,
          detail: { channel: channelKind, reason, ...detail },
        },
      ),
    );
  try {
    const previous = await withTenant(tenantId, async (m) => {
      const st: Array<{ emergency_set_id: string | null; emergency_enabled: boolean }> = await m.query(
        'select emergency_set_id, emergency_enabled from richmenu_channel_state where channel_kind = $1 for update',
        [channelKind],
      );
      if (enabled) {
        const setId = st[0]?.emergency_set_id;
        const pub: unknown[] = setId
          ? await m.query(
              `select 1 from richmenu_publication where set_id = $1 and channel_kind = $2 and published_at is not null`,
              [setId, channelKind],
            )
          : [];
        if (!pub.length)
          throw new HttpError(
            409,
            `緊急用のリッチメニューが${CHANNEL_LABEL[channelKind]}チャネルに公開されていません。先に公開してください`,
          );
      }
      await m.query(
        `insert into richmenu_channel_state (tenant_id, channel_kind, emergency_enabled, emergency_reason, emergency_changed_at, emergency_changed_by)
           values ($1, $2, $3, $4, now(), $5)
           on conflict (tenant_id, channel_kind) do update set emergency_enabled = excluded.emergency_enabled,
             emergency_reason = excluded.emergency_reason, emergency_changed_at = now(),
             emergency_changed_by = excluded.emergency_changed_by`,
        [tenantId, channelKind, enabled, reason, actor.label ?? actor.type],
      );
      return st[0]?.emergency_enabled ?? false;
    });
    const gw = await gatewayFor(tenantId, channelKind);
    let defaultRichMenuId: string | null;
    try {
      defaultRichMenuId = await applyDefault(tenantId, channelKind, gw.api);
    } catch (e) {
      // Keep the recorded state in line with LINE: the switch did not happen.
      await withTenant(tenantId, (m) =>
        m.query('update richmenu_channel_state set emergency_enabled = $2 where channel_kind = $1', [
          channelKind,
          previous,
        ]),
      );
      throw e;
    }
    const userMenus = await resetUserMenusSoon({ tenantId, channelKind });
    await audit('success', { defaultRichMenuId, userMenus });
    const state = await withTenant(tenantId, emergencyStates);
    return { ...state.find((s) => s.channel === channelKind)!, defaultRichMenuId, userMenus };
  } catch (e) {
    await audit('failure', { error: e instanceof Error ? e.message : String(e) }).catch(() => undefined);
    throw e;
  }
}

/** MENU-10: counts a tap from a rich-menu postback (`rm:…`); true when the data was ours. */
export async function recordTap(
  m: EntityManager,
  kind: ChannelKind,
  data: unknown,
  at: Date,
): Promise<boolean> {
  const tap = parseTapData(data);
  if (!tap) return false;
  await m.query(
    `insert into richmenu_tap (tenant_id, day, tab_code, area_index, channel_kind, taps)
       values (current_setting('app.tenant_id')::uuid, ($1::timestamptz at time zone 'Asia/Tokyo')::date, $2, $3, $4, 1)
       on conflict (tenant_id, tab_code, day, area_index, channel_kind) do update set taps = richmenu_tap.taps + 1`,
    [at, tap.tabCode, tap.areaIndex, kind],
  );
  return true;
}
