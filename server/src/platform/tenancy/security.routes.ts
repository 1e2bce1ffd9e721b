import { Router } from 'express';
import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { ipAllowed, isValidCidr, normaliseCidr } from '../http/client-ip.js';
import { staffRoute } from '../http/tenant-route.js';
import { parseBody } from '../http/validation.js';
import { TenantSecurity } from './tenant.entity.js';

const securityBody = z.object({
  ipAllowlist: z
    .array(
      z
        .string()
        .trim()
        .refine(isValidCidr, { message: 'IPアドレスまたはCIDRの形式が正しくありません（例: 192.0.2.0/24）' }),
    )
    .max(200),
  totpRequired: z.boolean(),
});

const overrideBody = z
  .object({ enabled: z.boolean(), reason: z.string().trim().max(500).default('') })
  .refine((b) => !b.enabled || b.reason.length > 0, {
    message: '緊急解除の理由を入力してください',
    path: ['reason'],
  });

/** SEC-2: the tenant's admin IP allow-list and its emergency override. */
export function securityRouter(): Router {
  const r = Router();
  const view = (s: TenantSecurity, yourIp: string) => ({
    ipAllowlist: s.ipAllowlist,
    emergencyOverride: s.emergencyOverride,
    emergencyOverrideReason: s.emergencyOverrideReason,
    emergencyOverrideAt: s.emergencyOverrideAt,
    totpRequired: s.totpRequired,
    yourIp,
  });

  r.get(
    '/',
    staffRoute({ admin: true }, async (ctx) => view(ctx.security, ctx.ip)),
  );

  r.put(
    '/',
    staffRoute({ admin: true }, async (ctx) => {
      const body = parseBody(securityBody, ctx.req.body);
      const list = [...new Set(body.ipAllowlist.map(normaliseCidr))];
      if (list.length && !ctx.session.vendorAccountId && !ipAllowed(ctx.ip, list)) {
        throw new HttpError(422, 'この設定ではあなた自身が接続できなくなります', {
          detail: `現在の接続元IPアドレス（${ctx.ip}）を含めてください。`,
          errors: [{ path: 'ipAllowlist', message: `現在の接続元IPアドレス（${ctx.ip}）が含まれていません` }],
        });
      }
      const before = { ipAllowlist: ctx.security.ipAllowlist, totpRequired: ctx.security.totpRequired };
      const next = ctx.m.merge(TenantSecurity, ctx.security, {
        ipAllowlist: list,
        totpRequired: body.totpRequired,
        updatedAt: new Date(),
      });
      await ctx.m.save(next);
      await ctx.audit({
        action: 'security.update',
        outcome: 'success',
        targetType: 'tenant_security',
        detail: { before, after: { ipAllowlist: list, totpRequired: body.totpRequired } },
      });
      return view(next, ctx.ip);
    }),
  );

  r.post(
    '/emergency-override',
    staffRoute({ admin: true }, async (ctx) => {
      const body = parseBody(overrideBody, ctx.req.body);
      const next = ctx.m.merge(TenantSecurity, ctx.security, {
        emergencyOverride: body.enabled,
        emergencyOverrideReason: body.enabled ? body.reason : null,
        emergencyOverrideAt: body.enabled ? new Date() : null,
        updatedAt: new Date(),
      });
      await ctx.m.save(next);
      await ctx.audit({
        action: body.enabled ? 'security.override_on' : 'security.override_off',
        outcome: 'success',
        targetType: 'tenant_security',
        detail: { reason: body.reason },
      });
      return view(next, ctx.ip);
    }),
  );
  return r;
}
