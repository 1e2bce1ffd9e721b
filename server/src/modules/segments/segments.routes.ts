import { subject } from '@casl/ability';
import { Router } from 'express';
import { z } from 'zod';
import { containsPattern } from '../../platform/db/sql.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { StatusResult } from '../../platform/http/results.js';
import { assertCan, staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { abilityToSql } from '../../platform/permissions/ability-sql.js';
import { GRANT_PERMISSIONS, SEGMENT_RESTRICTION } from '../../platform/permissions/ability.js';
import { listItems } from '../attributes/attributes.service.js';
import { CHANNEL_KINDS } from '../line/channels.service.js';
import { assertMayTarget, mayTarget } from './segment-access.js';
import { SegmentDefinitionError, SegmentNotSupportedError, compileSegment } from './segment-sql.js';
import { calendarChoices } from '../garbage/garbage.service.js';
import { checkFormAnswerLeaves, formQuestionsForSegments } from '../forms/form-segments.js';
import {
  checkDefinitionAgainstItems,
  leavesOf,
  segmentDefinitionSchema,
  type SegmentDefinition,
} from './segment.model.js';
import { countSegment, loadSegment, SEGMENT_COLUMNS, type SegmentRow } from './segments.service.js';

const SEGMENT_FIELDS = { id: 's.id', organisationId: 's.organisation_id' };
const asSubject = (s: Pick<SegmentRow, 'id' | 'organisationId'>) =>
  subject('Segment', { id: s.id, organisationId: s.organisationId });
const target = (id: string | null) => ({ type: 'segment', id });

const channel = z
  .enum(CHANNEL_KINDS, { error: 'チャネルは production か test にしてください' })
  .default('production');

const segmentBody = z.strictObject({
  name: z
    .string({ error: '名前を入力してください' })
    .trim()
    .min(1, '名前を入力してください')
    .max(100, '名前は100文字以内にしてください'),
  description: z.string().trim().max(1000, '説明は1000文字以内にしてください').default(''),
  organisationId: z.string().uuid('所属を選択してください'),
  definition: z.unknown(),
});
const countBody = z.strictObject({ definition: z.unknown(), channel });

const grantsBody = z.strictObject({
  grants: z
    .array(
      z.strictObject({
        granteeType: z.enum(['organisation', 'team', 'staff']),
        granteeId: z.string().uuid(),
        permissions: z.array(z.enum(GRANT_PERMISSIONS)).min(1, '権限を1つ以上選んでください'),
      }),
    )
    .max(200),
});
const restrictionsBody = z.strictObject({
  grantees: z
    .array(z.strictObject({ granteeType: z.enum(['team', 'staff']), granteeId: z.string().uuid() }))
    .max(1000),
});

const listParams = listQuery(['name', 'updatedAt', 'createdAt'], 'name').extend({
  q: z.string().trim().max(100).optional(),
});
const SORTS = { name: 's.name', updatedAt: 's.updated_at', createdAt: 's.created_at' };

/**
 * A definition staff sent: well-formed, naming existing items and options in ways that suit their
 * kinds (and forms' questions the account may read), and compilable. 422 otherwise.
 */
async function checkedDefinition(ctx: StaffRequest, raw: unknown): Promise<SegmentDefinition> {
  const parsed = segmentDefinitionSchema.safeParse(raw);
  if (!parsed.success)
    throw new HttpError(422, '条件を確認してください', {
      errors: parsed.error.issues.map((i) => ({
        path: ['definition', ...i.path].join('.'),
        message: i.message,
      })),
    });
  // Garbage-collection conditions (DEL-5) name a calendar and its items: checked when present.
  const calendars = leavesOf(parsed.data).some((l) => l.leaf.type === 'garbage')
    ? await calendarChoices(ctx.m)
    : undefined;
  const errors = checkDefinitionAgainstItems(
    parsed.data,
    await listItems(ctx.m, { status: 'all' }),
    'definition',
    calendars,
  );
  // SEG-8: answers to forms, checked against the form (and the account's right to read it).
  if (leavesOf(parsed.data).some((l) => l.leaf.type === 'form_answer'))
    errors.push(...(await checkFormAnswerLeaves(ctx.m, ctx.ability, parsed.data)));
  if (errors.length) throw new HttpError(422, '条件を確認してください', { errors });
  try {
    compileSegment(parsed.data, [], new Date());
  } catch (e) {
    if (e instanceof SegmentNotSupportedError) throw new HttpError(422, e.message);
    if (e instanceof SegmentDefinitionError)
      throw new HttpError(422, '条件を確認してください', { errors: e.errors });
    throw e;
  }
  return parsed.data;
}

async function findSegment(ctx: StaffRequest, raw: unknown): Promise<SegmentRow> {
  const seg = await loadSegment(ctx.m, parseBody(uuidParam, raw));
  if (!seg) throw notFound('セグメント');
  return seg;
}

const permissionsOn = (ctx: StaffRequest, s: SegmentRow) => ({
  update: ctx.ability.can('update', asSubject(s)),
  delete: ctx.ability.can('delete', asSubject(s)),
  share: ctx.ability.can('delete', asSubject(s)),
  target: mayTarget(ctx.ability, { kind: 'segment', segment: s }),
});

async function assertOrganisation(ctx: StaffRequest, organisationId: string) {
  const org: unknown[] = await ctx.m.query('select 1 from organisation where id = $1', [organisationId]);
  if (!org.length)
    throw new HttpError(422, '所属が見つかりません', {
      errors: [{ path: 'organisationId', message: '所属が見つかりません' }],
    });
}

/** Refuses grantee ids that are not this tenant's (RLS hides other tenants' rows). */
async function assertGranteesExist(
  ctx: StaffRequest,
  grantees: Array<{ granteeType: string; granteeId: string }>,
) {
  for (const [type, table] of [
    ['organisation', 'organisation'],
    ['team', 'team'],
    ['staff', 'staff_account'],
  ] as const) {
    const ids = grantees.filter((g) => g.granteeType === type).map((g) => g.granteeId);
    if (!ids.length) continue;
    const found: unknown[] = await ctx.m.query(`select id from ${table} where id = any($1::uuid[])`, [ids]);
    if (found.length !== new Set(ids).size) throw new HttpError(422, '存在しない付与先が含まれています');
  }
}

/**
 * A segment that a scheduled delivery (one-time or recurring) or a mail-to-LINE rule sends to cannot be
 * deleted: the delivery would fail at its time, the rule at the next mail (a disaster warning).
 */
async function assertSegmentUnused(ctx: StaffRequest, segmentId: string): Promise<void> {
  const users: Array<{ kind: string; name: string }> = await ctx.m.query(
    `select 'delivery' as kind, title as name from delivery
      where status = 'scheduled' and target->>'type' = 'segment' and target->>'segmentId' = $1
     union all
     select 'mail' as kind, name from mail_rule where target->>'type' = 'segment' and target->>'segmentId' = $1
     order by kind, name limit 6`,
    [segmentId],
  );
  if (!users.length) return;
  const names = users
    .slice(0, 5)
    .map((u) => (u.kind === 'mail' ? `メール連携ルール「${u.name}」` : `配信「${u.name}」`));
  throw new HttpError(
    409,
    `このセグメントは${names.join('、')}${users.length > 5 ? 'など' : ''}の配信先なので削除できません。先に配信先を変えてください`,
  );
}

/**
 * Saved segments (SEG-6) owned by organisations, shared by grants like forms; live counts for the
 * builder; STAFF-7 restrictions (administrators choose which accounts or teams may use only the
 * segments granted to them).
 */
export function segmentsRouter(): Router {
  const r = Router();
  const opts = { feature: 'segments' };

  r.get(
    '/',
    staffRoute(opts, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      const cond = abilityToSql(ctx.ability, 'read', 'Segment', SEGMENT_FIELDS);
      const qb = ctx.m
        .createQueryBuilder()
        .select(SEGMENT_COLUMNS)
        .addSelect('o.name', 'organisationName')
        .from('segment', 's')
        .leftJoin('organisation', 'o', 'o.id = s.organisation_id')
        .where(cond.sql, cond.params);
      if (q.q) qb.andWhere('s.name ilike :q', { q: containsPattern(q.q) });
      // Segments have no TypeORM entity: count with a raw select of the same query.
      const counted = (await qb.clone().select('count(*)::int', 'n').getRawOne()) as { n: number };
      const total = counted.n;
      const rows = (await qb
        .orderBy(SORTS[q.sort], q.order === 'asc' ? 'ASC' : 'DESC')
        .addOrderBy('s.id')
        .offset((q.page - 1) * q.pageSize)
        .limit(q.pageSize)
        .getRawMany()) as Array<SegmentRow & { organisationName: string | null }>;
      return {
        items: rows.map((s) => ({ ...s, can: permissionsOn(ctx, s) })),
        total,
        page: q.page,
        pageSize: q.pageSize,
        /** False for accounts limited to granted segments (STAFF-7): no "all friends", no ad-hoc conditions. */
        mayTargetAllFriends: mayTarget(ctx.ability, { kind: 'all' }),
      };
    }),
  );

  r.post(
    '/',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(segmentBody, ctx.req.body);
      assertCan(ctx, 'create', subject('Segment', { organisationId: body.organisationId }), target(null));
      await assertOrganisation(ctx, body.organisationId);
      const definition = await checkedDefinition(ctx, body.definition);
      const rows: Array<{ id: string }> = await ctx.m.query(
        `insert into segment (tenant_id, organisation_id, name, description, definition, created_by)
         values ($1, $2, $3, $4, $5::jsonb, $6) returning id`,
        [
          ctx.tenant.id,
          body.organisationId,
          body.name,
          body.description,
          JSON.stringify(definition),
          ctx.staff?.id ?? null,
        ],
      );
      const seg = (await loadSegment(ctx.m, rows[0]!.id))!;
      await ctx.audit({
        action: 'segment.create',
        outcome: 'success',
        targetType: 'segment',
        targetId: seg.id,
        detail: { after: { ...body, definition } },
      });
      return new StatusResult(201, { ...seg, can: permissionsOn(ctx, seg) });
    }),
  );

  r.post(
    '/count',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(countBody, ctx.req.body);
      // Counting arbitrary conditions is composing a segment: not for accounts limited to granted ones.
      assertMayTarget(ctx.ability, { kind: 'definition' });
      const definition = await checkedDefinition(ctx, body.definition);
      const started = performance.now();
      const result = await countSegment(ctx.m, definition, body.channel, new Date());
      return { ...result, channel: body.channel, tookMs: Math.round(performance.now() - started) };
    }),
  );

  // SEG-8: the forms and questions the builder offers for 「フォームの回答」. Before '/:id'.
  r.get(
    '/form-questions',
    staffRoute(opts, async (ctx) => ({ items: await formQuestionsForSegments(ctx.m, ctx.ability) })),
  );

  r.get(
    '/restrictions',
    staffRoute({ ...opts, admin: true }, async (ctx) => ({
      grantees: await ctx.m.query(
        `select g.grantee_type as "granteeType", g.grantee_id as "granteeId",
                coalesce(t.name, s.display_name) as "granteeName"
           from resource_grant g
           left join team t on g.grantee_type = 'team' and t.id = g.grantee_id
           left join staff_account s on g.grantee_type = 'staff' and s.id = g.grantee_id
          where g.resource_type = $1 order by g.created_at`,
        [SEGMENT_RESTRICTION],
      ),
    })),
  );

  r.put(
    '/restrictions',
    staffRoute({ ...opts, admin: true }, async (ctx) => {
      const { grantees } = parseBody(restrictionsBody, ctx.req.body);
      await assertGranteesExist(ctx, grantees);
      const staffIds = grantees.filter((g) => g.granteeType === 'staff').map((g) => g.granteeId);
      const admins: Array<{ display_name: string }> = staffIds.length
        ? await ctx.m.query(
            `select display_name from staff_account where id = any($1::uuid[]) and role = 'administrator'`,
            [staffIds],
          )
        : [];
      if (admins.length)
        throw new HttpError(422, '管理者の配信先は制限できません', {
          detail: `${admins.map((a) => a.display_name).join('、')} は管理者です。`,
        });
      await ctx.m.query('delete from resource_grant where resource_type = $1', [SEGMENT_RESTRICTION]);
      for (const g of grantees) {
        await ctx.m.query(
          `insert into resource_grant (tenant_id, resource_type, resource_id, grantee_type, grantee_id, permissions)
           values ($1, $2, $3, $4, $3, '{}') on conflict do nothing`,
          [ctx.tenant.id, SEGMENT_RESTRICTION, g.granteeId, g.granteeType],
        );
      }
      await ctx.audit({
        action: 'segment.restrictions_update',
        outcome: 'success',
        detail: { grantees },
      });
      return { grantees };
    }),
  );

  r.get(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const seg = await findSegment(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(seg), target(seg.id));
      return { ...seg, can: permissionsOn(ctx, seg) };
    }),
  );

  r.get(
    '/:id/count',
    staffRoute(opts, async (ctx) => {
      const seg = await findSegment(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(seg), target(seg.id));
      const q = parseQuery(z.object({ channel }), ctx.req.query);
      const started = performance.now();
      const result = await countSegment(ctx.m, seg.definition, q.channel, new Date());
      return { ...result, channel: q.channel, tookMs: Math.round(performance.now() - started) };
    }),
  );

  r.patch(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const seg = await findSegment(ctx, ctx.req.params.id);
      assertCan(ctx, 'update', asSubject(seg), target(seg.id));
      const patch = parseBody(segmentBody.partial(), ctx.req.body);
      if (patch.organisationId && patch.organisationId !== seg.organisationId) {
        // Moving a segment to another organisation needs the right to create there too.
        assertCan(
          ctx,
          'create',
          subject('Segment', { organisationId: patch.organisationId }),
          target(seg.id),
        );
        await assertOrganisation(ctx, patch.organisationId);
      }
      const definition =
        patch.definition !== undefined ? await checkedDefinition(ctx, patch.definition) : seg.definition;
      await ctx.m.query(
        `update segment set name = $2, description = $3, organisation_id = $4, definition = $5::jsonb, updated_at = now()
          where id = $1`,
        [
          seg.id,
          patch.name ?? seg.name,
          patch.description ?? seg.description,
          patch.organisationId ?? seg.organisationId,
          JSON.stringify(definition),
        ],
      );
      const after = (await loadSegment(ctx.m, seg.id))!;
      await ctx.audit({
        action: 'segment.update',
        outcome: 'success',
        targetType: 'segment',
        targetId: seg.id,
        detail: { before: seg, after },
      });
      return { ...after, can: permissionsOn(ctx, after) };
    }),
  );

  r.delete(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const seg = await findSegment(ctx, ctx.req.params.id);
      assertCan(ctx, 'delete', asSubject(seg), target(seg.id));
      await assertSegmentUnused(ctx, seg.id);
      await ctx.m.query('delete from segment where id = $1', [seg.id]);
      await ctx.m.query("delete from resource_grant where resource_type = 'segment' and resource_id = $1", [
        seg.id,
      ]);
      await ctx.audit({
        action: 'segment.delete',
        outcome: 'success',
        targetType: 'segment',
        targetId: seg.id,
        detail: { before: seg },
      });
      return undefined;
    }),
  );

  r.get(
    '/:id/grants',
    staffRoute(opts, async (ctx) => {
      const seg = await findSegment(ctx, ctx.req.params.id);
      assertCan(ctx, 'read', asSubject(seg), target(seg.id));
      const grants = await ctx.m.query(
        `select grantee_type as "granteeType", grantee_id as "granteeId", permissions,
           coalesce(o.name, t.name, s.display_name) as "granteeName"
         from resource_grant g
         left join organisation o on g.grantee_type = 'organisation' and o.id = g.grantee_id
         left join team t on g.grantee_type = 'team' and t.id = g.grantee_id
         left join staff_account s on g.grantee_type = 'staff' and s.id = g.grantee_id
         where g.resource_type = 'segment' and g.resource_id = $1 order by g.created_at`,
        [seg.id],
      );
      return { grants };
    }),
  );

  r.put(
    '/:id/grants',
    staffRoute(opts, async (ctx) => {
      const seg = await findSegment(ctx, ctx.req.params.id);
      // Only those who may delete (own organisation, or a manage grant) may share a segment.
      assertCan(ctx, 'delete', asSubject(seg), target(seg.id));
      const { grants } = parseBody(grantsBody, ctx.req.body);
      await assertGranteesExist(ctx, grants);
      await ctx.m.query("delete from resource_grant where resource_type = 'segment' and resource_id = $1", [
        seg.id,
      ]);
      for (const g of grants) {
        await ctx.m.query(
          `insert into resource_grant (tenant_id, resource_type, resource_id, grantee_type, grantee_id, permissions)
           values ($1, 'segment', $2, $3, $4, $5)
           on conflict (tenant_id, resource_type, resource_id, grantee_type, grantee_id) do update set permissions = excluded.permissions`,
          [ctx.tenant.id, seg.id, g.granteeType, g.granteeId, [...new Set(g.permissions)]],
        );
      }
      await ctx.audit({
        action: 'segment.grants_update',
        outcome: 'success',
        targetType: 'segment',
        targetId: seg.id,
        detail: { grants },
      });
      return { grants };
    }),
  );

  return r;
}
