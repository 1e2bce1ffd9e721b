import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { subject } from '@casl/ability';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { appDataSource } from '../../platform/db/data-sources.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { HttpError, sendProblem } from '../../platform/http/errors.js';
import { StatusResult } from '../../platform/http/results.js';
import { assertCan, staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { parseBody, parseQuery } from '../../platform/http/validation.js';
import { abilityToSql } from '../../platform/permissions/ability-sql.js';
import { storage } from '../../platform/storage/storage.js';
import { Tenant } from '../../platform/tenancy/tenant.entity.js';
import { CHANNEL_KINDS } from '../line/channels.service.js';
import { mayTarget } from '../segments/segment-access.js';
import {
  ASSET_KINDS,
  assetView,
  findAssetByToken,
  IMAGEMAP_WIDTHS,
  processImage,
  recentAssets,
  saveAsset,
  storageKey,
  UPLOAD_MAX_BYTES,
} from './delivery-assets.js';
import { applyImport, IMPORT_MODES, planImport, previewRow, type SegmentChoice } from './delivery-import.js';
import type { DeliveryTarget } from './delivery.model.js';
import { loadDelivery, type DeliveryActor } from './delivery.service.js';
import { describeRecurrence, nextRunAfter, parseRecurrence } from './scheduling.js';
import { occurrencesBetween } from './schedule/index.js';

/**
 * The composer's tools under /api/deliveries (feature `delivery`), mounted before the deliveries
 * router: image uploads for messages (DEL-6), the Japanese description and next dates of a
 * recurring rule while staff build it (DEL-3), and the bulk import of recurring patterns by CSV
 * (DEL-3, 500+). `mediaRouter` serves the uploaded images publicly at /media for LINE.
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

const assetQuery = z.object({
  kind: z.enum(ASSET_KINDS, { error: '画像の種類は image か imagemap にしてください' }).default('image'),
});

const previewBody = z.strictObject({
  rule: z.unknown(),
  count: z.number().int().min(1).max(20).default(5),
});

const importQuery = z.object({
  dryRun: z.enum(['true', 'false']).default('true'),
  organisationId: z.uuid({ error: '所属を選択してください' }),
  channel: z
    .enum(CHANNEL_KINDS, { error: '配信チャネルは production か test にしてください' })
    .default('production'),
  mode: z.enum(IMPORT_MODES, { error: '取り込み方法は schedule か draft にしてください' }).default('draft'),
  defaultTarget: z
    .enum(['all', 'testers', 'segment'], { error: '配信先は all、testers、segment のいずれかです' })
    .optional(),
  defaultSegmentId: z.uuid({ error: 'セグメントを選んでください' }).optional(),
  messagesFrom: z.uuid({ error: 'メッセージを使う配信を選んでください' }).optional(),
});

/** Segments this account may address, by name (the CSV names them). */
async function targetableSegments(ctx: StaffRequest): Promise<SegmentChoice[]> {
  if (!ctx.features.has('segments')) return [];
  const cond = abilityToSql(ctx.ability, 'read', 'Segment', {
    id: 's.id',
    organisationId: 's.organisation_id',
  });
  return (await ctx.m
    .createQueryBuilder()
    .select('s.id', 'id')
    .addSelect('s.name', 'name')
    .from('segment', 's')
    .where(cond.sql, cond.params)
    .getRawMany()) as SegmentChoice[];
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

const invalid = (path: string, message: string) =>
  new HttpError(422, '入力内容を確認してください', { errors: [{ path, message }] });

export function deliveryToolsRouter(): Router {
  const r = Router();
  const opts = { feature: 'delivery' };

  /** Uploads an image for a message: PNG/JPEG, re-encoded and resized (delivery-assets.ts). */
  r.post(
    '/assets',
    rawBody(UPLOAD_MAX_BYTES, '画像は10MB以内にしてください'),
    staffRoute(opts, async (ctx) => {
      assertCan(ctx, 'create', 'Delivery', { type: 'delivery', id: null });
      const { kind } = parseQuery(assetQuery, ctx.req.query);
      const data = Buffer.isBuffer(ctx.req.body) ? (ctx.req.body as Buffer) : Buffer.alloc(0);
      const processed = await processImage(data, kind);
      const asset = await saveAsset(
        ctx.m,
        ctx.tenant.id,
        kind,
        processed,
        data.length,
        ctx.staff?.id ?? null,
      );
      await ctx.audit({
        action: 'delivery.asset_upload',
        outcome: 'success',
        targetType: 'delivery_asset',
        targetId: asset.id,
        detail: {
          kind,
          contentType: asset.contentType,
          width: asset.width,
          height: asset.height,
          sourceBytes: data.length,
          storedBytes: asset.variants.reduce((n, v) => n + v.bytes, 0),
        },
      });
      return new StatusResult(201, { ...assetView(ctx.tenant.id, asset), warnings: processed.warnings });
    }),
  );

  /** The tenant's latest uploads of a kind, to use again. */
  r.get(
    '/assets',
    staffRoute(opts, async (ctx) => {
      const { kind } = parseQuery(assetQuery, ctx.req.query);
      const rows = await recentAssets(ctx.m, kind, 24);
      return { items: rows.map((a) => assetView(ctx.tenant.id, a)) };
    }),
  );

  /** A recurring rule in Japanese and its next delivery instants, while staff build it. */
  r.post(
    '/schedule-preview',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(previewBody, ctx.req.body);
      const parsed = parseRecurrence(body.rule);
      if (!parsed.ok) throw new HttpError(422, '繰り返しの設定を確認してください', { errors: parsed.errors });
      const now = new Date();
      const next =
        parsed.rule.kind === 'once'
          ? [nextRunAfter(parsed.rule, now)].filter((d): d is Date => d !== null)
          : occurrencesBetween(
              parsed.rule,
              now,
              new Date(now.getTime() + 3 * 366 * 24 * 3600_000),
              body.count,
            );
      return {
        description: describeRecurrence(parsed.rule),
        next: next.map((d) => d.toISOString()),
        ended: next.length === 0,
      };
    }),
  );

  /**
   * Recurring patterns in bulk (docs/delivery-schedule-csv.md). `dryRun=true` (the default) only
   * reads and previews; `dryRun=false` creates every row or, with any error, nothing.
   */
  r.post(
    '/recurring-import',
    rawBody(5 * 1024 * 1024, 'CSVファイルは5MB以内にしてください。分けて取り込んでください'),
    staffRoute(opts, async (ctx) => {
      const q = parseQuery(importQuery, ctx.req.query);
      assertCan(ctx, 'create', subject('Delivery', { organisationId: q.organisationId }), {
        type: 'delivery',
        id: null,
      });
      const org: unknown[] = await ctx.m.query('select 1 from organisation where id = $1', [
        q.organisationId,
      ]);
      if (!org.length) throw invalid('organisationId', '所属が見つかりません');
      const csv = Buffer.isBuffer(ctx.req.body) ? (ctx.req.body as Buffer) : Buffer.alloc(0);
      if (!csv.length) throw new HttpError(422, 'CSVファイルを選んでください');

      const segments = await targetableSegments(ctx);
      const mayTargetAll = mayTarget(ctx.ability, { kind: 'all' });
      let defaultTarget: DeliveryTarget | null = null;
      if (q.defaultTarget === 'all') {
        if (!mayTargetAll) throw invalid('defaultTarget', 'このアカウントは友だち全員には配信できません');
        defaultTarget = { type: 'all' };
      } else if (q.defaultTarget === 'testers') defaultTarget = { type: 'testers' };
      else if (q.defaultTarget === 'segment') {
        const seg = segments.find((s) => s.id === q.defaultSegmentId);
        if (!seg) throw invalid('defaultSegmentId', '配信先のセグメントが見つかりません');
        defaultTarget = { type: 'segment', segmentId: seg.id };
      }
      let fallbackMessages = null;
      if (q.messagesFrom) {
        const source = await loadDelivery(ctx.m, q.messagesFrom);
        if (
          !source ||
          !ctx.ability.can(
            'read',
            subject('Delivery', { id: source.id, organisationId: source.organisationId }),
          )
        )
          throw invalid('messagesFrom', 'メッセージを使う配信が見つかりません');
        fallbackMessages = source.messages;
      }

      const now = new Date();
      const plan = planImport(csv, {
        now,
        segments,
        mayTargetAll,
        defaultTarget,
        fallbackMessages,
        mode: q.mode,
      });
      const summary = {
        rows: plan.rows.length + new Set(plan.errors.map((e) => e.line)).size,
        errors: plan.errors.length,
      };
      const rows = plan.rows.map((p) => previewRow(p, now));
      if (plan.errors.length || q.dryRun === 'true') {
        if (q.dryRun === 'false')
          await ctx.audit({
            action: 'delivery.import',
            outcome: 'failure',
            detail: { mode: q.mode, rows: summary.rows, errors: plan.errors.length },
          });
        return { applied: false, mode: q.mode, summary, rows, errors: plan.errors };
      }
      const result = await applyImport(ctx.tenant.id, plan.rows, {
        organisationId: q.organisationId,
        channel: q.channel,
        mode: q.mode,
        actor: actorOf(ctx),
      });
      return new StatusResult(201, {
        applied: true,
        mode: q.mode,
        summary,
        rows,
        errors: [],
        deliveries: result.deliveries,
      });
    }),
  );

  return r;
}

// ------------------------------------------------------------------------------ public media

const VARIANTS = new Set<string>(['original', 'preview', ...IMAGEMAP_WIDTHS.map(String)]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function notFound(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(404).type('text/plain; charset=utf-8').send('Not Found');
}

/**
 * Message images as LINE fetches them: `/media/t/<tenant>/<token>/<variant>` (an imagemap's
 * baseUrl is `/media/t/<tenant>/<token>`, so LINE's `baseUrl/1040` lands here too). Anonymous by
 * necessity: the 128-bit token is the only key, the tenant is looked up under its own RLS
 * context, a suspended tenant's files are not served. The bytes at a token never change, so
 * clients and CDNs may keep them for a year.
 */
export function mediaRouter(): Router {
  const r = Router();
  r.get('/t/:tenantId/:token/:variant', async (req: Request, res: Response, next) => {
    try {
      const tenantId = String(req.params.tenantId);
      const token = String(req.params.token);
      const variant = String(req.params.variant);
      if (!UUID.test(tenantId) || !/^[0-9a-f]{32}$/.test(token) || !VARIANTS.has(variant))
        return notFound(res);
      const ds = await appDataSource();
      const tenant = await ds.getRepository(Tenant).findOne({ where: { id: tenantId } });
      if (!tenant || tenant.status === 'suspended') return notFound(res);
      const asset = await withTenant(tenantId, (m: EntityManager) => findAssetByToken(m, token));
      if (!asset || !asset.variants.some((v) => v.name === variant)) return notFound(res);
      const etag = `"${token}-${variant}"`;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      if (req.headers['if-none-match'] === etag) return void res.status(304).end();
      const file = await storage().get(storageKey(tenantId, token, variant));
      if (!file) return notFound(res);
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Length', String(file.data.length));
      // LINE's apps and the talk view of other origins load these like any web image.
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      res.end(req.method === 'HEAD' ? undefined : file.data);
    } catch (e) {
      next(e);
    }
  });
  return r;
}

/** Names of the segments deliveries are addressed to (lists show them beside the target kind). */
export async function segmentNames(
  m: EntityManager,
  targets: DeliveryTarget[],
): Promise<Map<string, string>> {
  const ids = [...new Set(targets.flatMap((t) => (t.type === 'segment' ? [t.segmentId] : [])))];
  if (!ids.length) return new Map();
  const rows: Array<{ id: string; name: string }> = await m.query(
    'select id, name from segment where id = any($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The segment's name for a delivery's target, or null. */
export function targetNameOf(t: DeliveryTarget, names: Map<string, string>): string | null {
  return t.type === 'segment' ? (names.get(t.segmentId) ?? null) : null;
}
