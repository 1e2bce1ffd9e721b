import express, { Router } from 'express';
import { subject } from '@casl/ability';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { abilityToSql } from '../../platform/permissions/ability-sql.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { FileResult, StatusResult } from '../../platform/http/results.js';
import { assertCan, staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { sniffContentType, storage } from '../../platform/storage/storage.js';
import { CHANNEL_KINDS } from '../line/channels.service.js';
import { formsForMenu } from '../forms/forms.service.js';
import {
  formCodesOf,
  IMAGE_MAX_BYTES,
  imageSize,
  setSchema,
  tabPatchSchema,
  tabSchema,
  type Area,
} from './richmenu.model.js';
import {
  CHANNEL_LABEL,
  emergencyStates,
  loadSet,
  loadTabs,
  publications,
  publishSet,
  SET_COLUMNS,
  setEmergencyMode,
  unpublishSet,
  TAB_COLUMNS,
  type SetRow,
  type TabRow,
} from './richmenu.service.js';

const SET_FIELDS = { id: 's.id', organisationId: 's.organisation_id' };
const asSubject = (s: SetRow) => subject('RichMenuSet', { id: s.id, organisationId: s.organisationId });
const target = (id: string | null) => ({ type: 'richmenu', id });

async function findSet(ctx: StaffRequest, raw: unknown): Promise<SetRow> {
  const set = await loadSet(ctx.m, parseBody(uuidParam, raw));
  if (!set) throw notFound('リッチメニュー');
  return set;
}

async function findTab(ctx: StaffRequest, raw: unknown): Promise<{ tab: TabRow; set: SetRow }> {
  const rows: TabRow[] = await ctx.m.query(`select ${TAB_COLUMNS} from richmenu_tab t where t.id = $1`, [
    parseBody(uuidParam, raw),
  ]);
  const tab = rows[0];
  if (!tab) throw notFound('タブ');
  const set = (await loadSet(ctx.m, tab.setId))!;
  return { tab, set };
}

const permissionsOn = (ctx: StaffRequest, s: SetRow) => ({
  update: ctx.ability.can('update', asSubject(s)),
  publish: ctx.ability.can('update', asSubject(s)),
  delete: ctx.ability.can('delete', asSubject(s)),
});

/**
 * Tab-switch targets must be tabs of the same set; sub-menus tabs of another set; forms forms of
 * this city (whether they are published is checked when the menu is published).
 */
async function checkTargets(ctx: StaffRequest, setId: string, areas: Area[]): Promise<void> {
  const ids = areas.flatMap((a) =>
    a.action.type === 'tab' || a.action.type === 'submenu' ? [a.action.tabId] : [],
  );
  const errors: Array<{ path: string; message: string }> = [];
  const forms = await formsForMenu(ctx.m, formCodesOf(areas));
  areas.forEach(({ action }, i) => {
    if (action.type === 'form' && !forms.has(action.formCode))
      errors.push({
        path: `areas.${i}.action.formCode`,
        message: 'フォームが見つかりません。選び直してください',
      });
  });
  const rows: Array<{ id: string; set_id: string }> = ids.length
    ? await ctx.m.query('select id, set_id from richmenu_tab where id = any($1::uuid[])', [ids])
    : [];
  areas.forEach((a, i) => {
    if (a.action.type !== 'tab' && a.action.type !== 'submenu') return;
    const tabId = a.action.tabId;
    const found = rows.find((r) => r.id === tabId);
    if (a.action.type === 'tab' && found?.set_id !== setId)
      errors.push({
        path: `areas.${i}.action.tabId`,
        message: '切り替え先は同じメニューのタブを選んでください',
      });
    if (a.action.type === 'submenu' && (!found || found.set_id === setId))
      errors.push({
        path: `areas.${i}.action.tabId`,
        message: 'サブメニューは別のメニューのタブを選んでください',
      });
  });
  if (errors.length) throw new HttpError(422, '入力内容を確認してください', { errors });
}

const publishBody = z.strictObject({
  channel: z.enum(CHANNEL_KINDS, { error: '公開先は production か test にしてください' }),
  makeDefault: z.boolean().optional(),
});
const emergencyBody = z.strictObject({
  channel: z.enum(CHANNEL_KINDS, { error: 'チャネルは production か test にしてください' }),
  enabled: z.boolean({ error: '切り替え後の状態を指定してください' }),
  reason: z.string().trim().min(1, '理由を入力してください').max(500, '理由は500文字以内にしてください'),
});
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const statsQuery = z.object({
  from: z.string().regex(DAY, '開始日は YYYY-MM-DD で指定してください').optional(),
  to: z.string().regex(DAY, '終了日は YYYY-MM-DD で指定してください').optional(),
  channel: z.enum(CHANNEL_KINDS).optional(),
});
const listParams = z.object({ kind: z.enum(['normal', 'emergency']).optional() });

export function richMenusRouter(): Router {
  const r = Router();
  const opts = { feature: 'richmenu' };

  r.get(
    '/',
    staffRoute(opts, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      const cond = abilityToSql(ctx.ability, 'read', 'RichMenuSet', SET_FIELDS);
      const qb = ctx.m
        .createQueryBuilder()
        .select(SET_COLUMNS)
        .addSelect('o.name', 'organisationName')
        .addSelect('(select count(*)::int from richmenu_tab t where t.set_id = s.id)', 'tabCount')
        .from('richmenu_set', 's')
        .leftJoin('organisation', 'o', 'o.id = s.organisation_id')
        .where(cond.sql, cond.params);
      if (q.kind) qb.andWhere('s.kind = :kind', { kind: q.kind });
      const rows = (await qb
        .orderBy('s.kind')
        .addOrderBy('s.name')
        .addOrderBy('s.id')
        .getRawMany()) as SetRow[];
      const pubs = await publications(
        ctx.m,
        rows.map((s) => s.id),
      );
      return {
        items: rows.map((s) => ({
          ...s,
          published: pubs
            .filter((p) => p.setId === s.id)
            .map((p) => ({
              channel: p.channelKind,
              publishedAt: p.publishedAt,
              publishedBy: p.publishedByLabel,
            })),
          can: permissionsOn(ctx, s),
        })),
        total: rows.length,
      };
    }),
  );

  r.post(
    '/',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(setSchema, ctx.req.body);
      assertCan(ctx, 'create', subject('RichMenuSet', { organisationId: body.organisationId }), target(null));
      const org: unknown[] = await ctx.m.query('select 1 from organisation where id = $1', [
        body.organisationId,
      ]);
      if (!org.length)
        throw new HttpError(422, '所属が見つかりません', {
          errors: [{ path: 'organisationId', message: '所属が見つかりません' }],
        });
      const code = body.code ?? `m${randomBytes(4).toString('hex')}`;
      const taken: unknown[] = await ctx.m.query('select 1 from richmenu_set where code = $1', [code]);
      if (taken.length)
        throw new HttpError(409, 'このコードは別のメニューで使われています', {
          errors: [{ path: 'code', message: 'このコードは別のメニューで使われています' }],
        });
      const rows: Array<{ id: string }> = await ctx.m.query(
        `insert into richmenu_set (tenant_id, organisation_id, code, name, kind, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id`,
        [ctx.tenant.id, body.organisationId, code, body.name, body.kind, ctx.staff?.id ?? null],
      );
      const set = (await loadSet(ctx.m, rows[0]!.id))!;
      await ctx.audit({
        action: 'richmenu.create',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { after: body },
      });
      return new StatusResult(201, { ...set, tabs: [], published: [], can: permissionsOn(ctx, set) });
    }),
  );

  r.get(
    '/emergency',
    staffRoute(opts, async (ctx) => ({ channels: await emergencyStates(ctx.m) })),
  );

  r.post(
    '/emergency',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(emergencyBody, ctx.req.body);
      const states = await emergencyStates(ctx.m);
      const setId = states.find((s) => s.channel === body.channel)?.emergencySetId;
      const set = setId ? await loadSet(ctx.m, setId) : null;
      if (!set)
        throw new HttpError(
          409,
          `緊急用のリッチメニューが${CHANNEL_LABEL[body.channel]}チャネルに公開されていません。先に公開してください`,
        );
      assertCan(ctx, 'update', asSubject(set), target(set.id));
      // setEmergencyMode runs (and audits) in its own transactions.
      return setEmergencyMode(ctx.tenant.id, body.channel, body.enabled, body.reason, {
        ...ctx.actor,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
      });
    }),
  );

  r.patch(
    '/tabs/:id',
    staffRoute(opts, async (ctx) => {
      const { tab, set } = await findTab(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(set), target(set.id));
      const patch = parseBody(tabPatchSchema, ctx.req.body);
      const merged = parseBody(tabSchema, {
        name: patch.name ?? tab.name,
        chatBarText: patch.chatBarText ?? tab.chatBarText,
        size: patch.size ?? { width: tab.width, height: tab.height },
        areas: patch.areas ?? tab.areas,
      });
      await checkTargets(ctx, set.id, merged.areas);
      const sizeChanged = merged.size.width !== tab.width || merged.size.height !== tab.height;
      await ctx.m.query(
        `update richmenu_tab set name = $2, chat_bar_text = $3, width = $4, height = $5, areas = $6::jsonb,
           image_key = case when $7 then null else image_key end,
           image_type = case when $7 then null else image_type end,
           image_bytes = case when $7 then null else image_bytes end, updated_at = now() where id = $1`,
        [
          tab.id,
          merged.name,
          merged.chatBarText,
          merged.size.width,
          merged.size.height,
          JSON.stringify(merged.areas),
          sizeChanged,
        ],
      );
      await ctx.m.query('update richmenu_set set updated_at = now() where id = $1', [set.id]);
      await ctx.audit({
        action: 'richmenu.tab_update',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { tabId: tab.id, before: tab, after: merged },
      });
      return (await loadTabs(ctx.m, [set.id])).find((t) => t.id === tab.id);
    }),
  );

  r.delete(
    '/tabs/:id',
    staffRoute(opts, async (ctx) => {
      const { tab, set } = await findTab(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(set), target(set.id));
      await ctx.m.query('delete from richmenu_tab where id = $1', [tab.id]);
      await ctx.audit({
        action: 'richmenu.tab_delete',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { before: tab },
      });
      return undefined;
    }),
  );

  r.put(
    '/tabs/:id/image',
    express.raw({ type: () => true, limit: '2mb' }),
    staffRoute(opts, async (ctx) => {
      const { tab, set } = await findTab(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(set), target(set.id));
      const data = Buffer.isBuffer(ctx.req.body) ? (ctx.req.body as Buffer) : Buffer.alloc(0);
      if (!data.length) throw new HttpError(422, '画像を選んでください');
      if (data.length > IMAGE_MAX_BYTES)
        throw new HttpError(413, '画像は1MB以内にしてください', {
          detail: `アップロードされた画像は${(data.length / 1024 / 1024).toFixed(2)}MBです`,
        });
      const type = sniffContentType(data);
      if (type !== 'image/png' && type !== 'image/jpeg')
        throw new HttpError(415, '画像はPNGかJPEGにしてください');
      const size = imageSize(data, type);
      if (!size) throw new HttpError(422, '画像を読み取れませんでした。別の画像をお試しください');
      if (size.width !== tab.width || size.height !== tab.height)
        throw new HttpError(422, `画像の大きさは${tab.width}×${tab.height}ピクセルにしてください`, {
          detail: `アップロードされた画像は${size.width}×${size.height}ピクセルです`,
        });
      const key = `${ctx.tenant.id}/richmenu/${tab.id}/${Date.now()}-${randomBytes(4).toString('hex')}`;
      await storage().put(key, data, type);
      await ctx.m.query(
        'update richmenu_tab set image_key = $2, image_type = $3, image_bytes = $4, updated_at = now() where id = $1',
        [tab.id, key, type, data.length],
      );
      await ctx.audit({
        action: 'richmenu.tab_image',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { tabId: tab.id, contentType: type, bytes: data.length },
      });
      return { tabId: tab.id, contentType: type, bytes: data.length, ...size };
    }),
  );

  r.get(
    '/tabs/:id/image',
    staffRoute(opts, async (ctx) => {
      const { tab, set } = await findTab(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(set), target(set.id));
      const file = tab.imageKey ? await storage().get(tab.imageKey) : null;
      if (!file) throw notFound('画像');
      return new FileResult(file.data, file.contentType, 'inline');
    }),
  );

  r.get(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const set = await findSet(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(set), target(set.id));
      const [tabs, pubs] = await Promise.all([loadTabs(ctx.m, [set.id]), publications(ctx.m, [set.id])]);
      return {
        ...set,
        tabs,
        published: pubs.map((p) => ({
          channel: p.channelKind,
          menus: p.menus,
          aliasIds: p.aliasIds,
          publishedAt: p.publishedAt,
          publishedBy: p.publishedByLabel,
        })),
        can: permissionsOn(ctx, set),
      };
    }),
  );

  r.patch(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const set = await findSet(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(set), target(set.id));
      const patch = parseBody(setSchema.pick({ name: true, organisationId: true }).partial(), ctx.req.body);
      if (patch.organisationId && patch.organisationId !== set.organisationId)
        assertCan(
          ctx,
          'create',
          subject('RichMenuSet', { organisationId: patch.organisationId }),
          target(set.id),
        );
      await ctx.m.query(
        'update richmenu_set set name = coalesce($2, name), organisation_id = coalesce($3, organisation_id), updated_at = now() where id = $1',
        [set.id, patch.name ?? null, patch.organisationId ?? null],
      );
      const after = (await loadSet(ctx.m, set.id))!;
      await ctx.audit({
        action: 'richmenu.update',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { before: set, after },
      });
      return after;
    }),
  );

  r.delete(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const set = await findSet(ctx, ctx.req.params.id);
      assertCan(ctx, 'delete', asSubject(set), target(set.id));
      const pubs = await publications(ctx.m, [set.id]);
      if (pubs.length)
        throw new HttpError(409, '公開中のメニューは削除できません', {
          detail: `公開先: ${pubs.map((p) => CHANNEL_LABEL[p.channelKind]).join('、')}`,
        });
      await ctx.m.query('delete from richmenu_set where id = $1', [set.id]);
      await ctx.m.query("delete from resource_grant where resource_type = 'richmenu' and resource_id = $1", [
        set.id,
      ]);
      await ctx.audit({
        action: 'richmenu.delete',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { before: set },
      });
      return undefined;
    }),
  );

  r.post(
    '/:id/tabs',
    staffRoute(opts, async (ctx) => {
      const set = await findSet(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(set), target(set.id));
      const body = parseBody(tabSchema, ctx.req.body);
      await checkTargets(ctx, set.id, body.areas);
      const count: Array<{ n: number; next: number }> = await ctx.m.query(
        'select count(*)::int as n, coalesce(max(position) + 1, 0)::int as next from richmenu_tab where set_id = $1',
        [set.id],
      );
      if (count[0]!.n >= 10) throw new HttpError(422, 'タブは10個までです');
      const rows: Array<{ id: string }> = await ctx.m.query(
        `insert into richmenu_tab (tenant_id, set_id, code, position, name, chat_bar_text, width, height, areas)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) returning id`,
        [
          ctx.tenant.id,
          set.id,
          randomBytes(5).toString('hex'),
          count[0]!.next,
          body.name,
          body.chatBarText,
          body.size.width,
          body.size.height,
          JSON.stringify(body.areas),
        ],
      );
      await ctx.m.query('update richmenu_set set updated_at = now() where id = $1', [set.id]);
      await ctx.audit({
        action: 'richmenu.tab_create',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { tabId: rows[0]!.id, after: body },
      });
      return new StatusResult(
        201,
        (await loadTabs(ctx.m, [set.id])).find((t) => t.id === rows[0]!.id),
      );
    }),
  );

  r.post(
    '/:id/publish',
    staffRoute(opts, async (ctx) => {
      const set = await findSet(ctx, ctx.req.params.id);
      const body = parseBody(publishBody, ctx.req.body);
      assertCan(ctx, 'update', asSubject(set), {
        type: 'richmenu',
        id: set.id,
      });
      let result;
      try {
        result = await publishSet(ctx.tenant.id, set.id, body.channel, ctx.actor, {
          makeDefault: body.makeDefault,
        });
      } catch (e) {
        if (e instanceof HttpError && !e.opts.audit)
          throw new HttpError(e.status, e.title, {
            ...e.opts,
            audit: {
              action: 'richmenu.publish',
              outcome: 'failure',
              targetType: 'richmenu',
              targetId: set.id,
              detail: { channel: body.channel, error: e.title },
            },
          });
        throw e;
      }
      await ctx.audit({
        action: 'richmenu.publish',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { ...result },
      });
      return result;
    }),
  );

  r.post(
    '/:id/unpublish',
    staffRoute(opts, async (ctx) => {
      const set = await findSet(ctx, ctx.req.params.id);
      const body = parseBody(publishBody.pick({ channel: true }), ctx.req.body);
      assertCan(ctx, 'update', asSubject(set), target(set.id));
      const result = await unpublishSet(ctx.tenant.id, set.id, body.channel);
      await ctx.audit({
        action: 'richmenu.unpublish',
        outcome: 'success',
        targetType: 'richmenu',
        targetId: set.id,
        detail: { ...result },
      });
      return result;
    }),
  );

  r.get(
    '/:id/stats',
    staffRoute(opts, async (ctx) => {
      const set = await findSet(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(set), target(set.id));
      const q = parseQuery(statsQuery, ctx.req.query);
      const tabs = await loadTabs(ctx.m, [set.id]);
      const rows: Array<{ tab_code: string; area_index: number; taps: number }> = await ctx.m.query(
        `select tab_code, area_index, sum(taps)::int as taps from richmenu_tap
          where tab_code = any($1::text[]) and ($2::date is null or day >= $2::date) and ($3::date is null or day <= $3::date)
            and ($4::text is null or channel_kind = $4)
          group by tab_code, area_index`,
        [tabs.map((t) => t.code), q.from ?? null, q.to ?? null, q.channel ?? null],
      );
      return {
        setId: set.id,
        from: q.from ?? null,
        to: q.to ?? null,
        tabs: tabs.map((t) => ({
          tabId: t.id,
          name: t.name,
          areas: t.areas.map((a, i) => ({
            areaIndex: i,
            action: a.action.type,
            label: a.action.label ?? null,
            taps: rows.find((r) => r.tab_code === t.code && r.area_index === i)?.taps ?? 0,
          })),
        })),
      };
    }),
  );
  return r;
}
