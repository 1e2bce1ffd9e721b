import { Router } from 'express';
import { containsPattern } from '../../platform/db/sql.js';
import { subject } from '@casl/ability';
import { z } from 'zod';
import { abilityToSql } from '../../platform/permissions/ability-sql.js';
import { GRANT_PERMISSIONS } from '../../platform/permissions/ability.js';
import { contentDisposition, csvFileName, toCsv } from '../../platform/http/csv.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { FileResult, StatusResult } from '../../platform/http/results.js';
import { assertCan, staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { Form } from './form.entity.js';

const FORM_COLUMNS = { id: 'f.id', organisationId: 'f.organisation_id' };
const STATUSES = ['draft', 'published', 'closed'] as const;

const formBody = z.object({
  title: z.string().trim().min(1, 'タイトルを入力してください').max(200),
  description: z.string().max(5000).default(''),
  organisationId: z.string().uuid('所属を選択してください'),
  status: z.enum(STATUSES).default('draft'),
});

const grantsBody = z.object({
  grants: z
    .array(
      z.object({
        granteeType: z.enum(['organisation', 'team', 'staff']),
        granteeId: z.string().uuid(),
        permissions: z.array(z.enum(GRANT_PERMISSIONS)).min(1, '権限を1つ以上選んでください'),
      }),
    )
    .max(200),
});

const listParams = listQuery(['title', 'status', 'updatedAt', 'createdAt'], 'updatedAt').extend({
  q: z.string().trim().max(100).optional(),
  status: z.enum(STATUSES).optional(),
});
const SORTS = { title: 'f.title', status: 'f.status', updatedAt: 'f.updated_at', createdAt: 'f.created_at' };

/** The forms the ability lets the caller perform `action` on, filtered in SQL. */
function visibleForms(ctx: StaffRequest, action: 'read' | 'export') {
  const cond = abilityToSql(ctx.ability, action, 'Form', FORM_COLUMNS);
  return ctx.m
    .createQueryBuilder(Form, 'f')
    .leftJoin('organisation', 'o', 'o.id = f.organisation_id')
    .addSelect('o.name', 'organisation_name')
    .where(cond.sql, cond.params);
}

async function loadForm(ctx: StaffRequest, id: string): Promise<Form> {
  const form = await ctx.m.findOne(Form, { where: { id } });
  if (!form) throw notFound('フォーム');
  return form;
}

const asSubject = (f: Form) => subject('Form', { id: f.id, organisationId: f.organisationId });

/** What the caller may do with one form, so screens can hide what the server would refuse. */
const permissionsOn = (ctx: StaffRequest, f: Form) => ({
  update: ctx.ability.can('update', asSubject(f)),
  delete: ctx.ability.can('delete', asSubject(f)),
  export: ctx.ability.can('export', asSubject(f)),
  share: ctx.ability.can('delete', asSubject(f)),
});

export function formsRouter(): Router {
  const r = Router();
  const opts = { feature: 'forms' };

  r.get(
    '/',
    staffRoute(opts, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      const qb = visibleForms(ctx, 'read');
      if (q.q) qb.andWhere('f.title ilike :q', { q: containsPattern(q.q) });
      if (q.status) qb.andWhere('f.status = :status', { status: q.status });
      const total = await qb.getCount();
      const { entities, raw } = await qb
        .orderBy(SORTS[q.sort], q.order === 'asc' ? 'ASC' : 'DESC')
        .addOrderBy('f.id')
        .offset((q.page - 1) * q.pageSize)
        .limit(q.pageSize)
        .getRawAndEntities();
      const items = entities.map((f, i) => ({
        ...f,
        organisationName: (raw[i] as { organisation_name?: string }).organisation_name ?? null,
        can: permissionsOn(ctx, f),
      }));
      return { items, total, page: q.page, pageSize: q.pageSize };
    }),
  );

  r.get(
    '/export.csv',
    staffRoute(opts, async (ctx) => {
      const { encoding } = parseQuery(
        z.object({ encoding: z.enum(['utf8', 'sjis']).default('utf8') }),
        ctx.req.query,
      );
      const { entities, raw } = await visibleForms(ctx, 'export').orderBy('f.created_at').getRawAndEntities();
      await ctx.audit({ action: 'form.export', outcome: 'success', detail: { rows: entities.length } });
      const rows = [
        ['ID', 'タイトル', '状態', '所属', '作成日時', '更新日時'],
        ...entities.map((f, i) => [
          f.id,
          f.title,
          f.status,
          (raw[i] as { organisation_name?: string }).organisation_name ?? '',
          f.createdAt,
          f.updatedAt,
        ]),
      ];
      return new FileResult(
        toCsv(rows, { encoding }),
        'text/csv; charset=utf-8',
        contentDisposition(csvFileName('フォーム一覧', new Date())),
      );
    }),
  );

  r.post(
    '/',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(formBody, ctx.req.body);
      assertCan(ctx, 'create', subject('Form', { organisationId: body.organisationId }), {
        type: 'form',
        id: null,
      });
      const org: unknown[] = await ctx.m.query('select 1 from organisation where id = $1', [
        body.organisationId,
      ]);
      if (!org.length)
        throw new HttpError(422, '所属が見つかりません', {
          errors: [{ path: 'organisationId', message: '所属が見つかりません' }],
        });
      const form = ctx.m.create(Form, { ...body, tenantId: ctx.tenant.id, createdBy: ctx.staff?.id ?? null });
      await ctx.m.save(form);
      await ctx.audit({
        action: 'form.create',
        outcome: 'success',
        targetType: 'form',
        targetId: form.id,
        detail: { after: body },
      });
      return new StatusResult(201, form);
    }),
  );

  r.get(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const form = await loadForm(ctx, parseBody(uuidParam, ctx.req.params.id));
      assertCan(ctx, 'read', asSubject(form), { type: 'form', id: form.id });
      const org: Array<{ name: string }> = await ctx.m.query('select name from organisation where id = $1', [
        form.organisationId,
      ]);
      return { ...form, organisationName: org[0]?.name ?? null, can: permissionsOn(ctx, form) };
    }),
  );

  r.patch(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const form = await loadForm(ctx, parseBody(uuidParam, ctx.req.params.id));
      assertCan(ctx, 'update', asSubject(form), { type: 'form', id: form.id });
      const patch = parseBody(formBody.partial(), ctx.req.body);
      if (patch.organisationId && patch.organisationId !== form.organisationId) {
        // Moving a form to another organisation needs the right to create there too.
        assertCan(ctx, 'create', subject('Form', { organisationId: patch.organisationId }), {
          type: 'form',
          id: form.id,
        });
      }
      const before = { ...form };
      Object.assign(form, patch, { updatedAt: new Date() });
      await ctx.m.save(form);
      await ctx.audit({
        action: 'form.update',
        outcome: 'success',
        targetType: 'form',
        targetId: form.id,
        detail: { before, after: form },
      });
      return form;
    }),
  );

  r.delete(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const form = await loadForm(ctx, parseBody(uuidParam, ctx.req.params.id));
      assertCan(ctx, 'delete', asSubject(form), { type: 'form', id: form.id });
      await ctx.m.delete(Form, { id: form.id });
      await ctx.m.query("delete from resource_grant where resource_type = 'form' and resource_id = $1", [
        form.id,
      ]);
      await ctx.audit({
        action: 'form.delete',
        outcome: 'success',
        targetType: 'form',
        targetId: form.id,
        detail: { before: form },
      });
      return undefined;
    }),
  );

  r.get(
    '/:id/grants',
    staffRoute(opts, async (ctx) => {
      const form = await loadForm(ctx, parseBody(uuidParam, ctx.req.params.id));
      assertCan(ctx, 'read', asSubject(form), { type: 'form', id: form.id });
      const grants = await ctx.m.query(
        `select grantee_type as "granteeType", grantee_id as "granteeId", permissions,
           coalesce(o.name, t.name, s.display_name) as "granteeName"
         from resource_grant g
         left join organisation o on g.grantee_type = 'organisation' and o.id = g.grantee_id
         left join team t on g.grantee_type = 'team' and t.id = g.grantee_id
         left join staff_account s on g.grantee_type = 'staff' and s.id = g.grantee_id
         where g.resource_type = 'form' and g.resource_id = $1 order by g.created_at`,
        [form.id],
      );
      return { grants };
    }),
  );

  r.put(
    '/:id/grants',
    staffRoute(opts, async (ctx) => {
      const form = await loadForm(ctx, parseBody(uuidParam, ctx.req.params.id));
      // Only those who may delete (own organisation, or a manage grant) may share a form.
      assertCan(ctx, 'delete', asSubject(form), { type: 'form', id: form.id });
      const { grants } = parseBody(grantsBody, ctx.req.body);
      for (const [type, table] of [
        ['organisation', 'organisation'],
        ['team', 'team'],
        ['staff', 'staff_account'],
      ] as const) {
        const ids = grants.filter((g) => g.granteeType === type).map((g) => g.granteeId);
        if (!ids.length) continue;
        const found: unknown[] = await ctx.m.query(`select id from ${table} where id = any($1::uuid[])`, [
          ids,
        ]);
        if (found.length !== new Set(ids).size) throw new HttpError(422, '存在しない付与先が含まれています');
      }
      await ctx.m.query("delete from resource_grant where resource_type = 'form' and resource_id = $1", [
        form.id,
      ]);
      for (const g of grants) {
        await ctx.m.query(
          `insert into resource_grant (tenant_id, resource_type, resource_id, grantee_type, grantee_id, permissions)
           values ($1, 'form', $2, $3, $4, $5)
           on conflict (tenant_id, resource_type, resource_id, grantee_type, grantee_id) do update set permissions = excluded.permissions`,
          [ctx.tenant.id, form.id, g.granteeType, g.granteeId, [...new Set(g.permissions)]],
        );
      }
      await ctx.audit({
        action: 'form.grants_update',
        outcome: 'success',
        targetType: 'form',
        targetId: form.id,
        detail: { grants },
      });
      return { grants };
    }),
  );
  return r;
}
