import { Router } from 'express';
import { z } from 'zod';
import { conflictsAs409 } from '../../platform/db/sql.js';
import { notFound } from '../../platform/http/errors.js';
import { StatusResult } from '../../platform/http/results.js';
import { staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { mailRuleSchema, senderPatternSchema } from './mail.model.js';
import { inboundAddress, loadRules, mailSettings, newInboundToken } from './mail-inbound.service.js';

/**
 * メール連携 (DEL-11) for staff: the tenant's inbound address, the senders it accepts, the rules
 * (ordered; the first match decides) and the log of received mail. Changing any of them can send
 * to every friend or switch emergency mode, so it is for administrators; the log is for anyone
 * with the delivery feature.
 */
const manage = { feature: 'delivery', admin: true };
const view = { feature: 'delivery' };

const senderBody = z.strictObject({
  pattern: senderPatternSchema,
  note: z.string().trim().max(200, 'メモは200文字以内にしてください').nullable().default(null),
});
const settingsBody = z.strictObject({
  inboundEnabled: z.boolean({ error: '受信する・しないを選んでください' }),
  rotateToken: z.boolean().optional(),
});
const orderBody = z.strictObject({
  ruleIds: z.array(z.uuid(), { error: 'ルールの並び順を指定してください' }).max(200),
});
const logQuery = listQuery(['receivedAt'], 'receivedAt').extend({
  order: z.enum(['asc', 'desc']).default('desc'),
  outcome: z.enum(['delivered', 'refused_sender', 'no_rule', 'failed']).optional(),
});

async function settingsView(ctx: StaffRequest) {
  const s = await mailSettings(ctx.m, ctx.tenant.id);
  const senders = await ctx.m.query(
    'select id, pattern, note, created_at as "createdAt" from mail_allowed_sender order by pattern',
  );
  return {
    inboundAddress: inboundAddress(ctx.tenant.slug, s.inboundToken),
    inboundEnabled: s.inboundEnabled,
    senders,
    rules: await loadRules(ctx.m),
  };
}

async function findRule(ctx: StaffRequest, id: unknown) {
  const rule = (await loadRules(ctx.m)).find((r) => r.id === parseBody(uuidParam, id));
  if (!rule) throw notFound('ルール');
  return rule;
}

const ruleParams = (body: z.infer<typeof mailRuleSchema>) => [
  body.organisationId,
  body.name,
  body.enabled,
  body.subjectContains,
  body.bodyContains,
  body.includeSubject,
  body.cutMarker,
  body.footer,
  body.channelKind,
  JSON.stringify(body.target),
  body.emergency,
];

export function mailRouter(): Router {
  const r = Router();

  r.get(
    '/settings',
    staffRoute(view, (ctx) => settingsView(ctx)),
  );

  r.patch(
    '/settings',
    staffRoute(manage, async (ctx) => {
      const body = parseBody(settingsBody, ctx.req.body);
      await mailSettings(ctx.m, ctx.tenant.id);
      await ctx.m.query(
        `update mail_settings set inbound_enabled = $1, updated_at = now(),
                inbound_token = case when $2 then $3 else inbound_token end`,
        [body.inboundEnabled, body.rotateToken === true, newInboundToken()],
      );
      await ctx.audit({
        action: 'mail.settings_update',
        outcome: 'success',
        targetType: 'mail_settings',
        targetId: null,
        detail: { inboundEnabled: body.inboundEnabled, tokenRotated: body.rotateToken === true },
      });
      return settingsView(ctx);
    }),
  );

  r.post(
    '/senders',
    staffRoute(manage, async (ctx) => {
      const body = parseBody(senderBody, ctx.req.body);
      const rows: Array<{ id: string }> = await conflictsAs409(
        ctx.m,
        { unique: 'この送信元はすでに登録されています' },
        () =>
          ctx.m.query(
            'insert into mail_allowed_sender (tenant_id, pattern, note) values ($1, $2, $3) returning id',
            [ctx.tenant.id, body.pattern, body.note],
          ),
      );
      await ctx.audit({
        action: 'mail.sender_add',
        outcome: 'success',
        targetType: 'mail_sender',
        targetId: rows[0]!.id,
        detail: { pattern: body.pattern },
      });
      return new StatusResult(201, await settingsView(ctx));
    }),
  );

  r.delete(
    '/senders/:id',
    staffRoute(manage, async (ctx) => {
      const id = parseBody(uuidParam, ctx.req.params.id);
      const rows: Array<{ pattern: string }> = await ctx.m.query(
        'select pattern from mail_allowed_sender where id = $1',
        [id],
      );
      if (!rows[0]) throw notFound('送信元');
      await ctx.m.query('delete from mail_allowed_sender where id = $1', [id]);
      await ctx.audit({
        action: 'mail.sender_remove',
        outcome: 'success',
        targetType: 'mail_sender',
        targetId: id,
        detail: { pattern: rows[0].pattern },
      });
      return settingsView(ctx);
    }),
  );

  r.post(
    '/rules',
    staffRoute(manage, async (ctx) => {
      const body = parseBody(mailRuleSchema, ctx.req.body);
      const rows: Array<{ id: string }> = await conflictsAs409(
        ctx.m,
        { foreignKey: '担当の組織が見つかりません' },
        () =>
          ctx.m.query(
            `insert into mail_rule (tenant_id, position, organisation_id, name, enabled, subject_contains, body_contains,
                                include_subject, cut_marker, footer, channel_kind, target, emergency)
         values ($1, (select coalesce(max(position) + 1, 0) from mail_rule), $2, $3, $4, $5, $6, $7, $8, $9, $10,
                 $11::jsonb, $12)
         returning id`,
            [ctx.tenant.id, ...ruleParams(body)],
          ),
      );
      await ctx.audit({
        action: 'mail.rule_create',
        outcome: 'success',
        targetType: 'mail_rule',
        targetId: rows[0]!.id,
        detail: { after: body },
      });
      return new StatusResult(201, await settingsView(ctx));
    }),
  );

  r.put(
    '/rules/:id',
    staffRoute(manage, async (ctx) => {
      const before = await findRule(ctx, ctx.req.params.id);
      const body = parseBody(mailRuleSchema, ctx.req.body);
      await conflictsAs409(ctx.m, { foreignKey: '担当の組織が見つかりません' }, () =>
        ctx.m.query(
          `update mail_rule set organisation_id = $2, name = $3, enabled = $4, subject_contains = $5, body_contains = $6,
                include_subject = $7, cut_marker = $8, footer = $9, channel_kind = $10, target = $11::jsonb,
                emergency = $12, updated_at = now()
          where id = $1`,
          [before.id, ...ruleParams(body)],
        ),
      );
      await ctx.audit({
        action: 'mail.rule_update',
        outcome: 'success',
        targetType: 'mail_rule',
        targetId: before.id,
        detail: { before, after: body },
      });
      return settingsView(ctx);
    }),
  );

  r.put(
    '/rule-order',
    staffRoute(manage, async (ctx) => {
      const { ruleIds } = parseBody(orderBody, ctx.req.body);
      const rules = await loadRules(ctx.m);
      const known = new Set(rules.map((x) => x.id));
      if (ruleIds.length !== rules.length || !ruleIds.every((id) => known.has(id))) throw notFound('ルール');
      for (const [position, id] of ruleIds.entries())
        await ctx.m.query('update mail_rule set position = $2 where id = $1', [id, position]);
      await ctx.audit({
        action: 'mail.rule_reorder',
        outcome: 'success',
        targetType: 'mail_rule',
        targetId: null,
        detail: { ruleIds },
      });
      return settingsView(ctx);
    }),
  );

  r.delete(
    '/rules/:id',
    staffRoute(manage, async (ctx) => {
      const before = await findRule(ctx, ctx.req.params.id);
      await ctx.m.query('delete from mail_rule where id = $1', [before.id]);
      await ctx.audit({
        action: 'mail.rule_delete',
        outcome: 'success',
        targetType: 'mail_rule',
        targetId: before.id,
        detail: { before },
      });
      return settingsView(ctx);
    }),
  );

  r.get(
    '/log',
    staffRoute(view, async (ctx) => {
      const q = parseQuery(logQuery, ctx.req.query);
      const where = q.outcome ? 'where outcome = $3' : '';
      const params: unknown[] = [q.pageSize, (q.page - 1) * q.pageSize];
      if (q.outcome) params.push(q.outcome);
      const items = await ctx.m.query(
        `select id, received_at as "receivedAt", from_address as "fromAddress", subject, outcome,
                rule_name as "ruleName", delivery_id as "deliveryId", emergency, message_text as "messageText", error
           from mail_inbound_log ${where}
          order by received_at ${q.order === 'asc' ? 'asc' : 'desc'} limit $1 offset $2`,
        params,
      );
      const total: Array<{ n: number }> = await ctx.m.query(
        `select count(*)::int as n from mail_inbound_log ${where.replace('$3', '$1')}`,
        q.outcome ? [q.outcome] : [],
      );
      return { items, total: total[0]!.n, page: q.page, pageSize: q.pageSize };
    }),
  );

  return r;
}
