import { Router } from 'express';
import { z } from 'zod';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { findResident, listResidents, RESIDENT_SORTS, setTester } from './residents.service.js';

const listParams = listQuery(RESIDENT_SORTS, 'followedAt').extend({
  // Newest friends first unless asked otherwise.
  order: z.enum(['asc', 'desc']).default('desc'),
  channel: z
    .enum(['production', 'test', 'mail'], {
      error: 'チャネルは production・test・mail のいずれかにしてください',
    })
    .optional(),
  friendStatus: z
    .enum(['friend', 'blocked', 'unknown'], {
      error: '友だちの状態は friend・blocked・unknown のいずれかです',
    })
    .optional(),
  tester: z
    .enum(['true', 'false'], { error: 'テスターの条件は true か false にしてください' })
    .transform((v) => v === 'true')
    .optional(),
  form: z
    .union([z.literal('any'), z.literal('none'), uuidParam], {
      error: '登録フォームの条件が正しくありません',
    })
    .optional(),
  followedFrom: z.coerce.date({ error: '友だち追加日（から）の形式が正しくありません' }).optional(),
  followedTo: z.coerce.date({ error: '友だち追加日（まで）の形式が正しくありません' }).optional(),
});

const patchBody = z.strictObject({
  isTester: z.boolean({ error: 'テスターにするかどうかを true か false で指定してください' }),
});

/**
 * Viewers only look. The same rule as for changing a resident's settings (SEG-4, attributes
 * routes); the refusal is audited with the resident as target.
 */
function assertMayChangeResidents(ctx: StaffRequest, residentId: string) {
  if (ctx.role !== 'viewer') return;
  throw new HttpError(403, 'この操作を行う権限がありません', {
    type: 'urn:tsunagu:forbidden',
    audit: {
      action: 'resident.tester_changed',
      outcome: 'denied',
      targetType: 'resident',
      targetId: residentId,
    },
  });
}

/**
 * The tenant's friends for staff (友だち): a paged, filtered list and one resident's friend record,
 * under the `segments` feature (セグメント・受信設定), like their registered settings
 * (/api/attributes/residents/:id). Staff who may change settings also set the tester flag (DEL-2:
 * testers receive test deliveries), audited.
 */
export function residentsRouter(): Router {
  const r = Router();
  const read = { feature: 'segments' };

  r.get(
    '/',
    staffRoute(read, async (ctx) => {
      const q = parseQuery(listParams, ctx.req.query);
      if (q.followedFrom && q.followedTo && q.followedFrom >= q.followedTo)
        throw new HttpError(400, '検索条件が正しくありません', {
          errors: [{ path: 'followedTo', message: '友だち追加日の終わりは始まりより後にしてください' }],
        });
      return listResidents(ctx.m, q);
    }),
  );

  r.get(
    '/:id',
    staffRoute(read, async (ctx) => {
      const resident = await findResident(ctx.m, parseBody(uuidParam, ctx.req.params.id));
      if (!resident) throw notFound('友だち');
      return resident;
    }),
  );

  r.patch(
    '/:id',
    staffRoute(read, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      assertMayChangeResidents(ctx, id);
      const { isTester } = parseBody(patchBody, ctx.req.body);
      const before = await setTester(ctx.m, id, isTester);
      if (before === null) throw notFound('友だち');
      if (before !== isTester)
        await ctx.audit({
          action: 'resident.tester_changed',
          outcome: 'success',
          targetType: 'resident',
          targetId: id,
          detail: { before: { isTester: before }, after: { isTester } },
        });
      return (await findResident(ctx.m, id))!;
    }),
  );

  return r;
}
