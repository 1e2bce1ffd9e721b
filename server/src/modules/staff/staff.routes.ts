import { Router } from 'express';
import express from 'express';
import { z } from 'zod';
import { STAFF_ROLES } from './staff.entities.js';
import { HttpError } from '../../platform/http/errors.js';
import { FileResult, StatusResult } from '../../platform/http/results.js';
import { staffRoute } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { contentDisposition, csvFileName, CsvFormatError, parseCsv, toCsv } from '../../platform/http/csv.js';
import {
  createStaff,
  deleteStaff,
  getStaff,
  listStaff,
  reissuePassword,
  resetTotp,
  unlockStaff,
  updateStaff,
} from './staff.service.js';
import { applyStaffImport, loadStaffCsvRecords } from './staff-import.service.js';
import { staffToCsvRows, planStaffImport } from './staff-csv.js';

const staffFields = {
  displayName: z.string().trim().min(1, '氏名を入力してください').max(100),
  email: z
    .string()
    .trim()
    .max(254)
    .email('メールアドレスの形式が正しくありません')
    .nullable()
    .or(z.literal('').transform(() => null)),
  role: z.enum(STAFF_ROLES),
  organisationIds: z.array(z.string().uuid()).max(50),
  teamIds: z.array(z.string().uuid()).max(50),
  featuresAllow: z.array(z.string()).max(50),
  featuresDeny: z.array(z.string()).max(50),
};

const createBody = z.object({
  loginId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._@-]{3,64}$/, 'ログインIDは半角英数字と . _ @ - で3〜64文字にしてください'),
  ...staffFields,
  email: staffFields.email.default(null),
  organisationIds: staffFields.organisationIds.default([]),
  teamIds: staffFields.teamIds.default([]),
  featuresAllow: staffFields.featuresAllow.default([]),
  featuresDeny: staffFields.featuresDeny.default([]),
});

const patchBody = z.object(staffFields).partial();

const listParams = listQuery(
  ['loginId', 'displayName', 'role', 'lastLoginAt', 'createdAt'],
  'loginId',
).extend({
  q: z.string().trim().max(100).optional(),
  role: z.enum(STAFF_ROLES).optional(),
  organisationId: z.string().uuid().optional(),
  status: z.enum(['locked', 'active']).optional(),
});

const encodingParam = z.object({ encoding: z.enum(['utf8', 'sjis']).default('utf8') });

export function staffRouter(): Router {
  const r = Router();
  const admin = { admin: true };

  r.get(
    '/',
    staffRoute(admin, async (ctx) => listStaff(ctx.m, parseQuery(listParams, ctx.req.query))),
  );

  r.get(
    '/export.csv',
    staffRoute(admin, async (ctx) => {
      const { encoding } = parseQuery(encodingParam, ctx.req.query);
      const records = await loadStaffCsvRecords(ctx.m);
      await ctx.audit({
        action: 'staff.export',
        outcome: 'success',
        detail: { rows: records.length, encoding },
      });
      const name = csvFileName('職員一覧', new Date());
      return new FileResult(
        toCsv(staffToCsvRows(records), { encoding }),
        `text/csv; charset=${encoding === 'sjis' ? 'Shift_JIS' : 'utf-8'}`,
        contentDisposition(name),
      );
    }),
  );

  r.post(
    '/import',
    express.raw({ type: () => true, limit: '5mb' }),
    staffRoute(admin, async (ctx) => {
      const dryRun = ctx.req.query.dryRun !== 'false';
      const body = ctx.req.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw new HttpError(400, 'CSVファイルを選択してください');
      let table: string[][];
      try {
        table = parseCsv(body).rows;
      } catch (e) {
        if (e instanceof CsvFormatError) throw new HttpError(422, e.message);
        throw e;
      }
      const existing = await loadStaffCsvRecords(ctx.m);
      const orgs: Array<{ code: string }> = await ctx.m.query('select code from organisation');
      const teams: Array<{ name: string }> = await ctx.m.query('select name from team');
      const plan = planStaffImport(table, {
        existing,
        organisationCodes: new Set(orgs.map((o) => o.code)),
        teamNames: new Set(teams.map((t) => t.name)),
        actingStaffId: ctx.staff?.id ?? null,
      });
      const changes = plan.changes.map((c) => ({ row: c.row, action: c.action, loginId: c.loginId }));
      if (plan.errors.length > 0 || dryRun) {
        if (!dryRun) {
          await ctx.audit({
            action: 'staff.import',
            outcome: 'failure',
            detail: { errors: plan.errors.length, rows: table.length - 1 },
          });
        }
        return { applied: false, summary: plan.summary, changes, errors: plan.errors };
      }
      const temporaryPasswords = await applyStaffImport(ctx, plan.changes);
      await ctx.audit({ action: 'staff.import', outcome: 'success', detail: { summary: plan.summary } });
      return { applied: true, summary: plan.summary, changes, errors: [], temporaryPasswords };
    }),
  );

  r.get(
    '/:id',
    staffRoute(admin, async (ctx) => getStaff(ctx.m, parseBody(uuidParam, ctx.req.params.id))),
  );

  r.post(
    '/',
    staffRoute(admin, async (ctx) => {
      const input = parseBody(createBody, ctx.req.body);
      const out = await createStaff(ctx.m, ctx.tenant.id, input);
      await ctx.audit({
        action: 'staff.create',
        outcome: 'success',
        targetType: 'staff',
        targetId: out.staff.id,
        detail: { after: out.staff },
      });
      return new StatusResult(201, out);
    }),
  );

  r.patch(
    '/:id',
    staffRoute(admin, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const { before, after } = await updateStaff(
        ctx.m,
        ctx.tenant.id,
        id,
        parseBody(patchBody, ctx.req.body),
      );
      await ctx.audit({
        action: 'staff.update',
        outcome: 'success',
        targetType: 'staff',
        targetId: id,
        detail: { before, after },
      });
      return after;
    }),
  );

  r.delete(
    '/:id',
    staffRoute(admin, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const before = await deleteStaff(ctx.m, id, ctx.staff?.id ?? null);
      await ctx.audit({
        action: 'staff.delete',
        outcome: 'success',
        targetType: 'staff',
        targetId: id,
        detail: { before },
      });
      return undefined;
    }),
  );

  r.post(
    '/:id/unlock',
    staffRoute(admin, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const staff = await unlockStaff(ctx.m, id);
      await ctx.audit({ action: 'staff.unlock', outcome: 'success', targetType: 'staff', targetId: id });
      return staff;
    }),
  );

  r.post(
    '/:id/reissue-password',
    staffRoute(admin, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const temporaryPassword = await reissuePassword(ctx.m, id);
      await ctx.audit({
        action: 'staff.reissue_password',
        outcome: 'success',
        targetType: 'staff',
        targetId: id,
      });
      return { temporaryPassword };
    }),
  );

  r.post(
    '/:id/reset-totp',
    staffRoute(admin, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const staff = await resetTotp(ctx.m, id);
      await ctx.audit({ action: 'staff.reset_totp', outcome: 'success', targetType: 'staff', targetId: id });
      return staff;
    }),
  );

  return r;
}
