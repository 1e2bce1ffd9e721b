import { Router } from 'express';
import { z } from 'zod';
import { decryptField } from '../../platform/crypto/tenant-keys.js';
import { conflictsAs409 } from '../../platform/db/sql.js';
import { HttpError, notFound, zodToFieldErrors } from '../../platform/http/errors.js';
import { StatusResult } from '../../platform/http/results.js';
import { staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { RESIDENT_NAME_PURPOSE } from '../line/residents.service.js';
import { distributionHandler } from '../segments/distribution.js';
import { segmentsUsingItem } from '../segments/segments.service.js';
import {
  createItemSchema,
  indexOptions,
  ITEM_KIND_LABELS,
  parseConfig,
  patchItemSchema,
  removedOptionCodes,
  type AttributeItem,
  type CreateItemInput,
} from './attribute.model.js';
import {
  findItem,
  itemHasValues,
  listItems,
  loadResidentEmail,
  loadResidentValues,
  optionCodesInUse,
  rebuildHierarchyAncestors,
  saveResidentEmail,
  writeResidentValues,
} from './attributes.service.js';
import { validateSubmission } from './values.js';
import { emailStatusOf } from '../mail-subscription/subscription.service.js';

const present = (i: AttributeItem) => ({ ...i, kindLabel: ITEM_KIND_LABELS[i.kind] });

async function loadItem(ctx: StaffRequest, raw: unknown): Promise<AttributeItem> {
  const item = await findItem(ctx.m, parseBody(uuidParam, raw));
  if (!item) throw notFound('項目');
  return item;
}

const listParams = z.object({ status: z.enum(['active', 'archived', 'all']).default('active') });
const reorderBody = z.strictObject({
  ids: z.array(uuidParam).min(1, '並び順を指定してください').max(2000),
});
const residentPut = z.strictObject({
  values: z.record(z.string(), z.unknown()).default({}),
  email: z
    .union([z.email('メールアドレスの形式が正しくありません').max(254), z.literal(''), z.null()])
    .optional(),
});

/** Refuses a staff member who may only look (viewers) from changing residents' settings. */
function assertMayEditResidents(ctx: StaffRequest, residentId: string) {
  if (ctx.role !== 'viewer') return;
  throw new HttpError(403, 'この操作を行う権限がありません', {
    type: 'urn:tsunagu:forbidden',
    audit: {
      action: 'resident.attributes_changed',
      outcome: 'denied',
      targetType: 'resident',
      targetId: residentId,
    },
  });
}

/**
 * Attribute items (SEG-1…3) for staff: everyone holding the `segments` feature reads them (the
 * segment builder needs them); administrators create, change, reorder, archive and delete them.
 * Also a resident's values for staff (SEG-4): view and change, audited with item codes only.
 */
export function attributesRouter(): Router {
  const r = Router();
  const read = { feature: 'segments' };
  const manage = { feature: 'segments', admin: true };

  r.get(
    '/',
    staffRoute(read, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      const items = await listItems(ctx.m, { status: q.status });
      return { items: items.map(present), total: items.length };
    }),
  );

  r.post(
    '/',
    staffRoute(manage, async (ctx) => {
      const body = parseBody(createItemSchema, ctx.req.body) as CreateItemInput;
      const next: Array<{ n: number }> = await ctx.m.query(
        'select coalesce(max(position) + 1, 0)::int as n from attribute_item',
      );
      const rows: Array<{ id: string }> = await conflictsAs409(
        ctx.m,
        { unique: 'このコードは別の項目で使われています' },
        () =>
          ctx.m.query(
            `insert into attribute_item (tenant_id, code, kind, label, help_text, required, position, config, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) returning id`,
            [
              ctx.tenant.id,
              body.code,
              body.kind,
              body.label,
              body.helpText,
              body.required,
              next[0]!.n,
              JSON.stringify(body.config),
              ctx.staff?.id ?? null,
            ],
          ),
      );
      const item = (await findItem(ctx.m, rows[0]!.id))!;
      await ctx.audit({
        action: 'attribute.create',
        outcome: 'success',
        targetType: 'attribute',
        targetId: item.id,
        detail: { after: body },
      });
      return new StatusResult(201, present(item));
    }),
  );

  r.post(
    '/reorder',
    staffRoute(manage, async (ctx) => {
      const { ids } = parseBody(reorderBody, ctx.req.body);
      const active = await listItems(ctx.m, { status: 'active' });
      const known = new Set(active.map((i) => i.id));
      if (ids.length !== known.size || new Set(ids).size !== ids.length || ids.some((id) => !known.has(id)))
        throw new HttpError(
          409,
          '項目の一覧が最新ではありません。画面を再読み込みしてから並べ替えてください',
        );
      await ctx.m.query(
        `update attribute_item i set position = o.ord - 1, updated_at = now()
           from unnest($1::uuid[]) with ordinality as o(id, ord) where i.id = o.id`,
        [ids],
      );
      await ctx.audit({ action: 'attribute.reorder', outcome: 'success', detail: { ids } });
      return { items: (await listItems(ctx.m, { status: 'active' })).map(present) };
    }),
  );

  r.get(
    '/residents/:residentId',
    staffRoute(read, async (ctx) => {
      const residentId = parseBody(uuidParam, ctx.req.params.residentId);
      const rows: Array<{
        id: string;
        channel_kind: string;
        friend_status: string;
        followed_at: Date | null;
        display_name: string | null;
      }> = await ctx.m.query(
        'select id, channel_kind, friend_status, followed_at, display_name from resident where id = $1',
        [residentId],
      );
      const resident = rows[0];
      if (!resident) throw notFound('利用者');
      const registrations = await ctx.m.query(
        `select f.code as "formCode", f.name as "formName", rr.registered_at as "registeredAt",
                rr.updated_at as "updatedAt", rr.updated_by as "updatedBy"
           from resident_registration rr join registration_form f on f.id = rr.form_id
          where rr.resident_id = $1 order by f.position, f.code`,
        [residentId],
      );
      const result = {
        resident: {
          id: resident.id,
          channel: resident.channel_kind,
          friendStatus: resident.friend_status,
          followedAt: resident.followed_at,
          displayName: resident.display_name
            ? await decryptField(resident.display_name, RESIDENT_NAME_PURPOSE)
            : null,
        },
        values: await loadResidentValues(ctx.m, residentId),
        email: await loadResidentEmail(ctx.m, residentId),
        // DEL-10: 'pending' until the resident opened the confirmation mail's link.
        emailStatus: await emailStatusOf(ctx.m, residentId),
        registrations,
        items: (await listItems(ctx.m, { status: 'all' })).map(present),
      };
      // Looking at one resident's personal settings is recorded like any other access to personal data.
      await ctx.audit({
        action: 'resident.attributes_viewed',
        outcome: 'success',
        targetType: 'resident',
        targetId: residentId,
      });
      return result;
    }),
  );

  r.put(
    '/residents/:residentId',
    staffRoute(read, async (ctx) => {
      const residentId = parseBody(uuidParam, ctx.req.params.residentId);
      assertMayEditResidents(ctx, residentId);
      const body = parseBody(residentPut, ctx.req.body);
      const exists: unknown[] = await ctx.m.query('select 1 from resident where id = $1 for update', [
        residentId,
      ]);
      if (!exists.length) throw notFound('利用者');
      const items = await listItems(ctx.m, { status: 'active' });
      const current = await loadResidentValues(ctx.m, residentId);
      const { entries, errors } = validateSubmission(items, body.values, {
        mode: 'patch',
        now: new Date(),
        current,
      });
      if (errors.length) throw new HttpError(422, '入力内容を確認してください', { errors });
      const changed = await writeResidentValues(ctx.m, ctx.tenant.id, residentId, entries, current);
      const emailChanged =
        body.email === undefined
          ? false
          : await saveResidentEmail(ctx.m, ctx.tenant.id, residentId, body.email || null);
      if (changed.length) {
        await ctx.m.query(
          `update resident_registration rr set updated_at = now(), updated_by = 'staff'
            where rr.resident_id = $1 and exists (
              select 1 from registration_form_item fi join attribute_item i on i.id = fi.item_id
               where fi.form_id = rr.form_id and i.code = any($2::text[]))`,
          [residentId, changed],
        );
      }
      if (changed.length || emailChanged) {
        // Item codes only: the values themselves are personal data and stay out of the log.
        await ctx.audit({
          action: 'resident.attributes_changed',
          outcome: 'success',
          targetType: 'resident',
          targetId: residentId,
          detail: { items: changed, emailChanged },
        });
      }
      return {
        values: await loadResidentValues(ctx.m, residentId),
        email: await loadResidentEmail(ctx.m, residentId),
        emailStatus: await emailStatusOf(ctx.m, residentId),
        changed,
        emailChanged,
      };
    }),
  );

  r.get(
    '/:id',
    staffRoute(read, async (ctx) => present(await loadItem(ctx, ctx.req.params.id))),
  );

  r.get('/:id/distribution', staffRoute(read, distributionHandler));

  r.patch(
    '/:id',
    staffRoute(manage, async (ctx) => {
      const item = await loadItem(ctx, ctx.req.params.id);
      const patch = parseBody(patchItemSchema, ctx.req.body);
      let config = item.config;
      if (patch.config !== undefined) {
        const parsed = parseConfig(item.kind, patch.config);
        if (!parsed.ok)
          throw new HttpError(422, '入力内容を確認してください', {
            errors: zodToFieldErrors(parsed.error).map((e) => ({ ...e, path: `config.${e.path}` })),
          });
        config = parsed.config;
        const removed = removedOptionCodes(item, config);
        const used = await optionCodesInUse(ctx.m, item.id, removed);
        if (used.length) {
          const index = indexOptions(item);
          throw new HttpError(409, '回答がある選択肢は削除できません', {
            detail: `選択肢 ${used.map((c) => `「${index.get(c)?.label ?? c}」`).join('、')} を選んでいる利用者がいます。削除せずに「非表示」にしてください。`,
          });
        }
      }
      await ctx.m.query(
        `update attribute_item set label = $2, help_text = $3, required = $4, config = $5::jsonb, updated_at = now()
          where id = $1`,
        [
          item.id,
          patch.label ?? item.label,
          patch.helpText ?? item.helpText,
          patch.required ?? item.required,
          JSON.stringify(config),
        ],
      );
      const after = (await findItem(ctx.m, item.id))!;
      if (item.kind === 'hierarchy' && patch.config !== undefined) {
        const index = indexOptions(after);
        const before = indexOptions(item);
        const moved = [...index.values()].some(
          (o) => before.get(o.code)?.path.join('/') !== o.path.join('/'),
        );
        if (moved)
          await rebuildHierarchyAncestors(
            ctx.m,
            ctx.tenant.id,
            after,
            new Map([...index.values()].map((o) => [o.code, o.path.slice(0, -1)])),
          );
      }
      await ctx.audit({
        action: 'attribute.update',
        outcome: 'success',
        targetType: 'attribute',
        targetId: item.id,
        detail: { before: item, after },
      });
      return present(after);
    }),
  );

  for (const [action, status] of [
    ['archive', 'archived'],
    ['restore', 'active'],
  ] as const) {
    r.post(
      `/:id/${action}`,
      staffRoute(manage, async (ctx) => {
        const item = await loadItem(ctx, ctx.req.params.id);
        if (item.status === status) return present(item);
        // A restored item goes to the end of the list, where staff will look for it.
        await ctx.m.query(
          `update attribute_item set status = $2, updated_at = now(),
             position = case when $2 = 'active' then (select coalesce(max(position) + 1, 0) from attribute_item where status = 'active') else position end
           where id = $1`,
          [item.id, status],
        );
        await ctx.audit({
          action: `attribute.${action}`,
          outcome: 'success',
          targetType: 'attribute',
          targetId: item.id,
          detail: { code: item.code },
        });
        return present((await findItem(ctx.m, item.id))!);
      }),
    );
  }

  r.delete(
    '/:id',
    staffRoute(manage, async (ctx) => {
      const item = await loadItem(ctx, ctx.req.params.id);
      if (await itemHasValues(ctx.m, item.id))
        throw new HttpError(409, '回答がある項目は削除できません', {
          detail: '利用者の回答を残すため、削除せずにアーカイブしてください。',
        });
      const forms: Array<{ name: string }> = await ctx.m.query(
        `select f.name from registration_form_item fi join registration_form f on f.id = fi.form_id
          where fi.item_id = $1 order by f.position`,
        [item.id],
      );
      if (forms.length)
        throw new HttpError(409, '登録フォームで使われている項目は削除できません', {
          detail: `先にフォーム ${forms.map((f) => `「${f.name}」`).join('、')} から外してください。`,
        });
      const segments = await segmentsUsingItem(ctx.m, item.code);
      if (segments.length)
        throw new HttpError(409, 'セグメントの条件で使われている項目は削除できません', {
          detail: `セグメント ${segments.map((s) => `「${s.name}」`).join('、')} の条件から外すか、削除せずにアーカイブしてください。`,
        });
      await ctx.m.query('delete from attribute_item where id = $1', [item.id]);
      await ctx.audit({
        action: 'attribute.delete',
        outcome: 'success',
        targetType: 'attribute',
        targetId: item.id,
        detail: { before: item },
      });
      return undefined;
    }),
  );

  return r;
}
