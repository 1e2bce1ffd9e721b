import { Router } from 'express';
import { containsPattern } from '../../platform/db/sql.js';
import { z } from 'zod';
import { FEATURES, isFeatureKey } from '../../contracts/features.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { StatusResult } from '../../platform/http/results.js';
import { staffRoute } from '../../platform/http/tenant-route.js';
import { parseBody, uuidParam } from '../../platform/http/validation.js';
import { conflictsAs409 } from '../../platform/db/sql.js';
import { Organisation, Team } from './staff.entities.js';

const orgBody = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,40}$/, 'コードは半角英小文字・数字・ハイフンで40文字以内にしてください'),
  name: z.string().trim().min(1, '名称を入力してください').max(100),
  parentId: z.string().uuid().nullable().default(null),
  sortOrder: z.number().int().min(0).max(100000).default(0),
});

const teamBody = z.object({
  name: z.string().trim().min(1, 'チーム名を入力してください').max(100),
  features: z
    .array(z.string())
    .max(50)
    .refine((fs) => fs.every(isFeatureKey), '不明な機能が含まれています'),
});

export function organisationsRouter(): Router {
  const r = Router();

  r.get(
    '/',
    staffRoute({}, async (ctx) => {
      const items = await ctx.m.query(`
        select o.id, o.code, o.name, o.parent_id as "parentId", o.sort_order as "sortOrder",
          (select count(*)::int from staff_membership sm where sm.organisation_id = o.id) as "memberCount"
        from organisation o order by o.sort_order, o.code`);
      return { items };
    }),
  );

  r.post(
    '/',
    staffRoute({ admin: true }, async (ctx) => {
      const body = parseBody(orgBody, ctx.req.body);
      const org = ctx.m.create(Organisation, { ...body, tenantId: ctx.tenant.id });
      await conflictsAs409(ctx.m, { unique: 'このコードの組織はすでにあります' }, () => ctx.m.save(org));
      await ctx.audit({
        action: 'organisation.create',
        outcome: 'success',
        targetType: 'organisation',
        targetId: org.id,
        detail: { after: body },
      });
      return new StatusResult(201, org);
    }),
  );

  r.patch(
    '/:id',
    staffRoute({ admin: true }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const before = await ctx.m.findOne(Organisation, { where: { id } });
      if (!before) throw notFound('組織');
      const patch = parseBody(orgBody.partial(), ctx.req.body);
      if (patch.parentId === id) throw new HttpError(422, '自分自身を上位組織にはできません');
      await conflictsAs409(ctx.m, { unique: 'このコードの組織はすでにあります' }, () =>
        ctx.m.update(Organisation, { id }, { ...patch, updatedAt: new Date() }),
      );
      const after = await ctx.m.findOneOrFail(Organisation, { where: { id } });
      await ctx.audit({
        action: 'organisation.update',
        outcome: 'success',
        targetType: 'organisation',
        targetId: id,
        detail: { before, after },
      });
      return after;
    }),
  );

  r.delete(
    '/:id',
    staffRoute({ admin: true }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const before = await ctx.m.findOne(Organisation, { where: { id } });
      if (!before) throw notFound('組織');
      await conflictsAs409(
        ctx.m,
        {
          foreignKey: 'この組織が所有するフォームなどがあるため削除できません。先に所有者を変更してください',
        },
        () => ctx.m.delete(Organisation, { id }),
      );
      await ctx.audit({
        action: 'organisation.delete',
        outcome: 'success',
        targetType: 'organisation',
        targetId: id,
        detail: { before },
      });
      return undefined;
    }),
  );

  return r;
}

export function teamsRouter(): Router {
  const r = Router();

  r.get(
    '/',
    staffRoute({}, async (ctx) => {
      const items = await ctx.m.query(`
        select t.id, t.name, t.features,
          (select count(*)::int from staff_team st where st.team_id = t.id) as "memberCount"
        from team t order by t.name`);
      return { items };
    }),
  );

  r.post(
    '/',
    staffRoute({ admin: true }, async (ctx) => {
      const body = parseBody(teamBody, ctx.req.body);
      const team = ctx.m.create(Team, { ...body, tenantId: ctx.tenant.id });
      await conflictsAs409(ctx.m, { unique: '同じ名前のチームがすでにあります' }, () => ctx.m.save(team));
      await ctx.audit({
        action: 'team.create',
        outcome: 'success',
        targetType: 'team',
        targetId: team.id,
        detail: { after: body },
      });
      return new StatusResult(201, team);
    }),
  );

  r.patch(
    '/:id',
    staffRoute({ admin: true }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const before = await ctx.m.findOne(Team, { where: { id } });
      if (!before) throw notFound('チーム');
      const patch = parseBody(teamBody.partial(), ctx.req.body);
      await conflictsAs409(ctx.m, { unique: '同じ名前のチームがすでにあります' }, () =>
        ctx.m.update(Team, { id }, { ...patch, updatedAt: new Date() }),
      );
      const after = await ctx.m.findOneOrFail(Team, { where: { id } });
      await ctx.audit({
        action: 'team.update',
        outcome: 'success',
        targetType: 'team',
        targetId: id,
        detail: { before, after },
      });
      return after;
    }),
  );

  r.delete(
    '/:id',
    staffRoute({ admin: true }, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const before = await ctx.m.findOne(Team, { where: { id } });
      if (!before) throw notFound('チーム');
      await ctx.m.delete(Team, { id });
      await ctx.audit({
        action: 'team.delete',
        outcome: 'success',
        targetType: 'team',
        targetId: id,
        detail: { before },
      });
      return undefined;
    }),
  );

  return r;
}

export function featuresRouter(): Router {
  const r = Router();
  r.get(
    '/',
    staffRoute({}, async (ctx) => ({ items: FEATURES.filter((f) => ctx.tenant.modules.includes(f.key)) })),
  );
  return r;
}

/**
 * A staff directory for pickers (e.g. sharing a form with one person): ids and names only,
 * open to every logged-in account of the tenant, searched and capped in SQL.
 */
export function directoryRouter(): Router {
  const r = Router();
  r.get(
    '/staff',
    staffRoute({}, async (ctx) => {
      const q = typeof ctx.req.query.q === 'string' ? ctx.req.query.q.trim().slice(0, 100) : '';
      const like = containsPattern(q);
      const items = await ctx.m.query(
        `select id, login_id as "loginId", display_name as "displayName" from staff_account
          where $1 = '' or login_id ilike $2 or display_name ilike $2
          order by display_name limit 20`,
        [q, like],
      );
      return { items };
    }),
  );
  return r;
}
