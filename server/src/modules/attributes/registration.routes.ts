import { Router } from 'express';
import { z } from 'zod';
import { hashPassword } from '../../platform/auth/passwords.js';
import { conflictsAs409 } from '../../platform/db/sql.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { StatusResult } from '../../platform/http/results.js';
import { staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { parseBody, parseQuery, uuidParam } from '../../platform/http/validation.js';
import { LINE_LIMITS } from '../../platform/line/messages.js';
import {
  DEFAULT_GREETING,
  findForm,
  formItems,
  listForms,
  loadGreetingSettings,
  saveGreetingSettings,
  setFormItems,
  type RegistrationForm,
} from './registration.service.js';

const formFields = {
  name: z
    .string({ error: 'フォーム名を入力してください' })
    .trim()
    .min(1, 'フォーム名を入力してください')
    .max(100, 'フォーム名は100文字以内にしてください'),
  introText: z.string().trim().max(2000, '説明文は2000文字以内にしてください').default(''),
  visibility: z
    .enum(['public', 'unlisted'], { error: '公開方法は public か unlisted にしてください' })
    .default('public'),
  /** A passcode residents must enter (e.g. the staff-only form); null removes it. */
  passcode: z
    .string()
    .min(4, '合言葉は4文字以上にしてください')
    .max(64, '合言葉は64文字以内にしてください')
    .nullable()
    .optional(),
  askEmail: z.boolean().default(false),
  position: z.number().int().min(0).max(10000).optional(),
  itemIds: z.array(uuidParam).max(200, '項目は200個までです').default([]),
};
const createBody = z.strictObject({
  code: z
    .string({ error: 'コードを入力してください' })
    .regex(
      /^[a-z][a-z0-9_-]{0,39}$/,
      'コードは英小文字で始まる英小文字・数字・_・- の40文字以内にしてください',
    ),
  ...formFields,
});
const patchBody = z.strictObject({
  name: formFields.name.optional(),
  introText: z.string().trim().max(2000, '説明文は2000文字以内にしてください').optional(),
  visibility: z.enum(['public', 'unlisted']).optional(),
  passcode: formFields.passcode,
  askEmail: z.boolean().optional(),
  position: formFields.position,
  itemIds: z.array(uuidParam).max(200, '項目は200個までです').optional(),
});

const greetingBody = z.strictObject({
  enabled: z.boolean(),
  text: z
    .string()
    .trim()
    .min(1, 'あいさつ文を入力してください')
    .max(LINE_LIMITS.textLength, `あいさつ文は${LINE_LIMITS.textLength}文字以内にしてください`),
  buttonText: z
    .string()
    .trim()
    .min(1, 'ボタンの上の文を入力してください')
    .refine(
      (s) => s.length <= LINE_LIMITS.buttonsText,
      `ボタンの上の文は${LINE_LIMITS.buttonsText}文字以内にしてください`,
    ),
  buttonLabel: z
    .string()
    .trim()
    .min(1, 'ボタンの文字を入力してください')
    .refine(
      (s) => s.length <= LINE_LIMITS.actionLabel,
      `ボタンの文字は${LINE_LIMITS.actionLabel}文字以内にしてください`,
    ),
  formCode: z.string().nullable().default(null),
});

/** Form items must exist and be active; duplicates are refused (one place per item). */
async function checkItemIds(ctx: StaffRequest, itemIds: string[]) {
  if (new Set(itemIds).size !== itemIds.length)
    throw new HttpError(422, '同じ項目が2回含まれています', {
      errors: [{ path: 'itemIds', message: '同じ項目が2回含まれています' }],
    });
  if (!itemIds.length) return;
  const rows: Array<{ id: string; status: string; label: string }> = await ctx.m.query(
    'select id, status, label from attribute_item where id = any($1::uuid[])',
    [itemIds],
  );
  if (rows.length !== itemIds.length)
    throw new HttpError(422, '存在しない項目が含まれています', {
      errors: [{ path: 'itemIds', message: '存在しない項目が含まれています' }],
    });
  const archived = rows.filter((r) => r.status !== 'active');
  if (archived.length)
    throw new HttpError(422, 'アーカイブした項目はフォームに入れられません', {
      errors: [
        {
          path: 'itemIds',
          message: `${archived.map((r) => `「${r.label}」`).join('、')} はアーカイブされています`,
        },
      ],
    });
}

async function present(ctx: StaffRequest, forms: RegistrationForm[]) {
  const items = await formItems(
    ctx.m,
    forms.map((f) => f.id),
    { includeArchived: true },
  );
  const counts: Array<{ form_id: string; n: number }> = await ctx.m.query(
    'select form_id, count(*)::int as n from resident_registration where form_id = any($1::uuid[]) group by form_id',
    [forms.map((f) => f.id)],
  );
  return forms.map((f) => ({
    ...f,
    items: items
      .get(f.id)!
      .map((i) => ({ id: i.id, code: i.code, label: i.label, kind: i.kind, status: i.status })),
    registeredCount: counts.find((c) => c.form_id === f.id)?.n ?? 0,
  }));
}

async function loadForm(ctx: StaffRequest, raw: unknown): Promise<RegistrationForm> {
  const form = await findForm(ctx.m, parseBody(uuidParam, raw));
  if (!form) throw notFound('登録フォーム');
  return form;
}

/**
 * Registration forms for staff (SEG-5): read with the segments feature, managed by
 * administrators. Also the greeting new friends get (SEG-3).
 */
export function registrationFormsRouter(): Router {
  const r = Router();
  const read = { feature: 'segments' };
  const manage = { feature: 'segments', admin: true };

  r.get(
    '/',
    staffRoute(read, async (ctx) => {
      const q = parseQuery(
        z.object({ status: z.enum(['active', 'archived', 'all']).default('active') }),
        ctx.req.query,
      );
      const forms = await listForms(ctx.m, q.status);
      return { items: await present(ctx, forms), total: forms.length };
    }),
  );

  r.post(
    '/',
    staffRoute(manage, async (ctx) => {
      const body = parseBody(createBody, ctx.req.body);
      await checkItemIds(ctx, body.itemIds);
      const next: Array<{ n: number }> = await ctx.m.query(
        'select coalesce(max(position) + 1, 0)::int as n from registration_form',
      );
      const rows: Array<{ id: string }> = await conflictsAs409(
        ctx.m,
        { unique: 'このコードは別のフォームで使われています' },
        async () =>
          ctx.m.query(
            `insert into registration_form (tenant_id, code, name, intro_text, visibility, passcode_hash, ask_email, position, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
            [
              ctx.tenant.id,
              body.code,
              body.name,
              body.introText,
              body.visibility,
              body.passcode ? await hashPassword(body.passcode) : null,
              body.askEmail,
              body.position ?? next[0]!.n,
              ctx.staff?.id ?? null,
            ],
          ),
      );
      await setFormItems(ctx.m, ctx.tenant.id, rows[0]!.id, body.itemIds);
      const form = (await findForm(ctx.m, rows[0]!.id))!;
      const { passcode: _secret, ...after } = body;
      await ctx.audit({
        action: 'registration_form.create',
        outcome: 'success',
        targetType: 'registration_form',
        targetId: form.id,
        detail: { after: { ...after, hasPasscode: !!body.passcode } },
      });
      return new StatusResult(201, (await present(ctx, [form]))[0]);
    }),
  );

  r.get(
    '/greeting',
    staffRoute(read, async (ctx) => ({ ...(await loadGreetingSettings(ctx.m)), defaults: DEFAULT_GREETING })),
  );

  r.put(
    '/greeting',
    staffRoute(manage, async (ctx) => {
      const body = parseBody(greetingBody, ctx.req.body);
      if (body.formCode) {
        const rows: unknown[] = await ctx.m.query(
          "select 1 from registration_form where code = $1 and status = 'active'",
          [body.formCode],
        );
        if (!rows.length)
          throw new HttpError(422, '入力内容を確認してください', {
            errors: [{ path: 'formCode', message: 'このコードのフォームはありません' }],
          });
      }
      const before = await loadGreetingSettings(ctx.m);
      await saveGreetingSettings(ctx.m, ctx.tenant.id, body);
      await ctx.audit({
        action: 'registration.greeting_update',
        outcome: 'success',
        detail: { before, after: body },
      });
      return body;
    }),
  );

  r.get(
    '/:id',
    staffRoute(read, async (ctx) => (await present(ctx, [await loadForm(ctx, ctx.req.params.id)]))[0]),
  );

  r.patch(
    '/:id',
    staffRoute(manage, async (ctx) => {
      const form = await loadForm(ctx, ctx.req.params.id);
      const patch = parseBody(patchBody, ctx.req.body);
      if (patch.itemIds) await checkItemIds(ctx, patch.itemIds);
      await ctx.m.query(
        `update registration_form set name = $2, intro_text = $3, visibility = $4, ask_email = $5, position = $6,
           passcode_hash = case when $7 then $8 else passcode_hash end, updated_at = now()
         where id = $1`,
        [
          form.id,
          patch.name ?? form.name,
          patch.introText ?? form.introText,
          patch.visibility ?? form.visibility,
          patch.askEmail ?? form.askEmail,
          patch.position ?? form.position,
          patch.passcode !== undefined,
          patch.passcode ? await hashPassword(patch.passcode) : null,
        ],
      );
      if (patch.itemIds) await setFormItems(ctx.m, ctx.tenant.id, form.id, patch.itemIds);
      const after = (await findForm(ctx.m, form.id))!;
      const { passcode: _secret, ...changes } = patch;
      await ctx.audit({
        action: 'registration_form.update',
        outcome: 'success',
        targetType: 'registration_form',
        targetId: form.id,
        detail: { before: form, after, changes, passcodeChanged: patch.passcode !== undefined },
      });
      return (await present(ctx, [after]))[0];
    }),
  );

  for (const [action, status] of [
    ['archive', 'archived'],
    ['restore', 'active'],
  ] as const) {
    r.post(
      `/:id/${action}`,
      staffRoute(manage, async (ctx) => {
        const form = await loadForm(ctx, ctx.req.params.id);
        await ctx.m.query('update registration_form set status = $2, updated_at = now() where id = $1', [
          form.id,
          status,
        ]);
        await ctx.audit({
          action: `registration_form.${action}`,
          outcome: 'success',
          targetType: 'registration_form',
          targetId: form.id,
          detail: { code: form.code },
        });
        return (await present(ctx, [(await findForm(ctx.m, form.id))!]))[0];
      }),
    );
  }

  r.delete(
    '/:id',
    staffRoute(manage, async (ctx) => {
      const form = await loadForm(ctx, ctx.req.params.id);
      const used: unknown[] = await ctx.m.query(
        'select 1 from resident_registration where form_id = $1 limit 1',
        [form.id],
      );
      if (used.length)
        throw new HttpError(409, '登録した利用者がいるフォームは削除できません', {
          detail: '登録の記録を残すため、削除せずにアーカイブしてください。',
        });
      await ctx.m.query('delete from registration_form where id = $1', [form.id]);
      await ctx.audit({
        action: 'registration_form.delete',
        outcome: 'success',
        targetType: 'registration_form',
        targetId: form.id,
        detail: { before: form },
      });
      return undefined;
    }),
  );

  return r;
}
