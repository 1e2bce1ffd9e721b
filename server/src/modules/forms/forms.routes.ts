import { Router } from 'express';
import { subject } from '@casl/ability';
import QRCode from 'qrcode';
import { z } from 'zod';
import { canonicalJson } from '../../platform/audit/audit-chain.js';
import {
  compileForm,
  DEFAULT_FORM_SETTINGS,
  FORM_TEMPLATE_LABELS,
  FORM_TEMPLATES,
  FORM_URL_CODE_PATTERN,
  formSettingsPatchSchema,
  formSettingsSchema,
  isInputItem,
  parseFormDefinition,
  type FormDefinition,
} from '../../contracts/index.js';
import { containsPattern } from '../../platform/db/sql.js';
import { abilityToSql } from '../../platform/permissions/ability-sql.js';
import { GRANT_PERMISSIONS } from '../../platform/permissions/ability.js';
import { contentDisposition, csvFileName, toCsv } from '../../platform/http/csv.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { FileResult, StatusResult } from '../../platform/http/results.js';
import { assertCan, staffRoute, type StaffRequest } from '../../platform/http/tenant-route.js';
import { listQuery, parseBody, parseQuery } from '../../platform/http/validation.js';
import { storage } from '../../platform/storage/storage.js';
import { Form } from './form.entity.js';
import { FORM_UPLOAD_MAX_BYTES, fileItem, prepareUpload, saveUpload } from './form-files.js';
import { formFor, permissionsOn, rawBody, uploadName } from './form-access.js';
import { addResponseRoutes } from './form-responses.routes.js';
import { addMessageRoutes } from './form-messages.js';
import { draftDeliveryForForm } from './form-send.js';
import { FORM_TEMPLATE_CONTENT } from './form-templates.js';
import {
  currentVersion,
  formUrls,
  talkModeSql,
  listVersions,
  loadVersion,
  mustLoadForm,
  newFormCode,
  parseDefinitionOr422,
  productionLiffId,
  residentDefinition,
  settingsOf,
  updatedRows,
  type FormRow,
} from './forms.service.js';

/**
 * Staff API of forms (/api/forms, feature `forms`; FORM-1…9, docs/api/admin-api.md): forms owned
 * by an organisation and shared by grants (lists filtered in SQL by the ability), the builder's
 * draft checked by the engine, immutable published versions, opening and closing, settings,
 * duplicates, templates, the form's URL as a QR code, an invitation delivery to a segment and
 * uploads for responses staff enter. Responses: form-responses.routes.ts.
 */

const FORM_COLUMNS = { id: 'f.id', organisationId: 'f.organisation_id' };
const STATUSES = ['draft', 'published', 'closed'] as const;

const title = z
  .string({ error: 'タイトルを入力してください' })
  .trim()
  .min(1, 'タイトルを入力してください')
  .max(200, 'タイトルは200文字以内にしてください');

const createBody = z.object({
  title,
  description: z.string().max(5000, '説明は5000文字以内にしてください').optional(),
  organisationId: z.string().uuid('所属を選択してください'),
  template: z
    .enum(FORM_TEMPLATES, { error: `ひな形は ${FORM_TEMPLATES.join('、')} のいずれかにしてください` })
    .default('blank'),
  code: z
    .string()
    .regex(FORM_URL_CODE_PATTERN, 'URLのコードは英小文字・数字・- の3〜40文字にしてください')
    .optional(),
  /** Kept for older screens: a new form is always a draft. */
  status: z
    .literal('draft', { error: '新しいフォームは下書きとして作られます。公開は「公開」から行ってください' })
    .optional(),
});

const patchBody = z.object({
  title: title.optional(),
  description: z.string().max(5000, '説明は5000文字以内にしてください').optional(),
  organisationId: z.string().uuid('所属を選択してください').optional(),
  /** Older screens send the status with the form; it may only close or reopen (see PATCH). */
  status: z.enum(STATUSES).optional(),
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
    .addSelect(talkModeSql('f'), 'talk_mode')
    .where(cond.sql, cond.params);
}

async function organisationName(ctx: StaffRequest, id: string): Promise<string | null> {
  const org: Array<{ name: string }> = await ctx.m.query('select name from organisation where id = $1', [id]);
  return org[0]?.name ?? null;
}

async function formDetail(ctx: StaffRequest, form: FormRow) {
  const versions = await listVersions(ctx.m, form.id);
  const staffIds = [...new Set(versions.map((v) => v.publishedBy).filter((x): x is string => Boolean(x)))];
  const names: Array<{ id: string; display_name: string }> = staffIds.length
    ? await ctx.m.query('select id, display_name from staff_account where id = any($1::uuid[])', [staffIds])
    : [];
  return {
    id: form.id,
    code: form.code,
    title: form.title,
    description: form.description,
    organisationId: form.organisationId,
    organisationName: await organisationName(ctx, form.organisationId),
    status: form.status,
    draft: form.draft,
    draftUpdatedAt: form.draftUpdatedAt,
    publishedVersion: form.publishedVersion,
    versions: versions.map((v) => ({
      version: v.version,
      publishedAt: v.publishedAt,
      publishedBy: v.publishedBy,
      publishedByName: names.find((n) => n.id === v.publishedBy)?.display_name ?? v.publishedByLabel,
    })),
    settings: settingsOf(form),
    urls: formUrls(ctx.tenant.slug, await productionLiffId(ctx.m), form.code),
    responses: form.responses,
    createdAt: form.createdAt,
    updatedAt: form.updatedAt,
    can: permissionsOn(ctx, form),
  };
}

async function audit(
  ctx: StaffRequest,
  action: string,
  form: { id: string },
  detail: Record<string, unknown> = {},
) {
  await ctx.audit({ action, outcome: 'success', targetType: 'form', targetId: form.id, detail });
}

/** Status changes of older screens' PATCH: only closing and reopening a published form. */
function statusChange(form: FormRow, to: (typeof STATUSES)[number]): (typeof STATUSES)[number] {
  if (to === form.status) return to;
  if (to === 'closed' && form.status === 'published') return to;
  if (to === 'published' && form.status === 'closed' && form.publishedVersion) return to;
  const message =
    to === 'published'
      ? '公開するには「公開」を使ってください（内容を確認してから版を作ります）'
      : to === 'draft'
        ? '公開したフォームは下書きに戻せません。受付を止めるには「受付終了」にしてください'
        : 'まだ公開していないフォームは受付終了にできません';
  throw new HttpError(422, '入力内容を確認してください', { errors: [{ path: 'status', message }] });
}

/** Residents must have something to answer; a form of staff-only items cannot be published. */
function checkPublishable(def: FormDefinition): void {
  const residentDef = residentDefinition(def);
  const parsed = parseFormDefinition(residentDef);
  const hasInput = residentDef.pages.some((p) => p.sections.some((s) => s.items.some((i) => isInputItem(i))));
  if (!parsed.ok || !hasInput)
    throw new HttpError(422, 'このままでは公開できません', {
      errors: [
        {
          path: 'definition.pages',
          message: !hasInput
            ? '利用者が回答できる項目がありません。職員用でない入力項目を1つ以上追加してください'
            : `利用者に表示する部分だけでは内容が成り立ちません（${parsed.ok ? '' : parsed.errors[0]?.message}）`,
        },
      ],
    });
}

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
        /** Answerable in the talk (a rich-menu area can start it there). */
        talkMode: (raw[i] as { talk_mode?: boolean }).talk_mode === true,
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
        ['ID', 'タイトル', '状態', '所属', '作成日時', '更新日時', 'URLコード', '公開中の版', '回答数'],
        ...entities.map((f, i) => [
          f.id,
          f.title,
          f.status,
          (raw[i] as { organisation_name?: string }).organisation_name ?? '',
          f.createdAt,
          f.updatedAt,
          f.code,
          f.publishedVersion,
          f.responses,
        ]),
      ];
      return new FileResult(
        toCsv(rows, { encoding }),
        'text/csv; charset=utf-8',
        contentDisposition(csvFileName('フォーム一覧', new Date())),
      );
    }),
  );

  /** Templates a new form may start from (FORM-11 満足度調査, パブリックコメント…). */
  r.get(
    '/templates',
    staffRoute(opts, async () => ({
      items: FORM_TEMPLATES.map((key) => ({
        key,
        label: FORM_TEMPLATE_LABELS[key],
        description: FORM_TEMPLATE_CONTENT[key].description,
      })),
    })),
  );

  r.post(
    '/',
    staffRoute(opts, async (ctx) => {
      const body = parseBody(createBody, ctx.req.body);
      assertCan(ctx, 'create', subject('Form', { organisationId: body.organisationId }), {
        type: 'form',
        id: null,
      });
      if (!(await organisationName(ctx, body.organisationId)))
        throw new HttpError(422, '所属が見つかりません', {
          errors: [{ path: 'organisationId', message: '所属が見つかりません' }],
        });
      const template = FORM_TEMPLATE_CONTENT[body.template];
      const parsed = parseFormDefinition(template.definition);
      if (!parsed.ok)
        throw new Error(`form template ${body.template} does not parse: ${parsed.errors[0]?.message}`);
      const settings = formSettingsSchema.parse({ ...DEFAULT_FORM_SETTINGS, ...template.settings });
      if (body.code) {
        const taken: unknown[] = await ctx.m.query('select 1 from form where code = $1', [body.code]);
        if (taken.length)
          throw new HttpError(409, 'このURLのコードは使われています', {
            errors: [
              {
                path: 'code',
                message: 'このURLのコードはほかのフォームで使われています。別のコードにしてください',
              },
            ],
          });
      }
      const code = body.code ?? (await newFormCode(ctx.m));
      const description = body.description ?? template.description;
      const rows: Array<{ id: string }> = await ctx.m.query(
        `insert into form (tenant_id, organisation_id, code, title, description, status, draft, settings, created_by)
         values ($1, $2, $3, $4, $5, 'draft', $6::jsonb, $7::jsonb, $8) returning id`,
        [
          ctx.tenant.id,
          body.organisationId,
          code,
          body.title,
          description,
          JSON.stringify(parsed.definition),
          JSON.stringify(settings),
          ctx.staff?.id ?? null,
        ],
      );
      const form = await mustLoadForm(ctx.m, rows[0]!.id);
      await audit(ctx, 'form.create', form, {
        after: { title: body.title, organisationId: body.organisationId, code, template: body.template },
      });
      return new StatusResult(201, await formDetail(ctx, form));
    }),
  );

  r.get(
    '/:id',
    staffRoute(opts, async (ctx) => formDetail(ctx, await formFor(ctx, 'read'))),
  );

  r.patch(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update', true);
      const patch = parseBody(patchBody, ctx.req.body);
      if (patch.organisationId && patch.organisationId !== form.organisationId) {
        // Moving a form to another organisation needs the right to create there too.
        assertCan(ctx, 'create', subject('Form', { organisationId: patch.organisationId }), {
          type: 'form',
          id: form.id,
        });
        if (!(await organisationName(ctx, patch.organisationId)))
          throw new HttpError(422, '所属が見つかりません', {
            errors: [{ path: 'organisationId', message: '所属が見つかりません' }],
          });
      }
      const status = patch.status ? statusChange(form, patch.status) : form.status;
      const before = {
        title: form.title,
        description: form.description,
        organisationId: form.organisationId,
        status: form.status,
      };
      const after = {
        title: patch.title ?? form.title,
        description: patch.description ?? form.description,
        organisationId: patch.organisationId ?? form.organisationId,
        status,
      };
      await ctx.m.query(
        'update form set title = $2, description = $3, organisation_id = $4, status = $5, updated_at = now() where id = $1',
        [form.id, after.title, after.description, after.organisationId, after.status],
      );
      await audit(ctx, 'form.update', form, { before, after });
      const updated = await mustLoadForm(ctx.m, form.id);
      // The shape older screens read (the entity's fields) and the detail's.
      return formDetail(ctx, updated);
    }),
  );

  r.delete(
    '/:id',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'delete', true);
      if (form.responses > 0)
        throw new HttpError(409, '回答があるフォームは削除できません', {
          detail: '受付を止めるには「受付終了」にしてください。回答はCSVで保存できます。',
        });
      const files = updatedRows<{ storage_key: string }>(
        await ctx.m.query('delete from form_file where form_id = $1 returning storage_key', [form.id]),
      );
      await ctx.m.query('delete from form where id = $1', [form.id]);
      await ctx.m.query("delete from resource_grant where resource_type = 'form' and resource_id = $1", [
        form.id,
      ]);
      for (const f of files) await storage().delete(f.storage_key);
      await audit(ctx, 'form.delete', form, {
        before: {
          title: form.title,
          code: form.code,
          organisationId: form.organisationId,
          status: form.status,
        },
      });
      return undefined;
    }),
  );

  r.get(
    '/:id/grants',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
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
      // Only those who may delete (own organisation, or a manage grant) may share a form.
      const form = await formFor(ctx, 'delete');
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
      await audit(ctx, 'form.grants_update', form, { grants });
      return { grants };
    }),
  );

  /** The builder saves its draft: it must parse (the builder shows the engine's errors before). */
  r.put(
    '/:id/draft',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update', true);
      const { definition } = parseBody(z.object({ definition: z.unknown() }), ctx.req.body);
      const draft = parseDefinitionOr422(definition);
      const rows = updatedRows<{ draft_updated_at: Date }>(
        await ctx.m.query(
          `update form set draft = $2::jsonb, draft_updated_at = now(), updated_at = now() where id = $1
           returning draft_updated_at`,
          [form.id, JSON.stringify(draft)],
        ),
      );
      const items = draft.pages.reduce((n, p) => n + p.sections.reduce((k, s) => k + s.items.length, 0), 0);
      await audit(ctx, 'form.draft_save', form, { pages: draft.pages.length, items });
      return { draft, draftUpdatedAt: rows[0]!.draft_updated_at };
    }),
  );

  /** The draft becomes the next immutable version, and the form is open to residents. */
  r.post(
    '/:id/publish',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update', true);
      const draft = parseDefinitionOr422(form.draft);
      checkPublishable(draft);
      let version = form.publishedVersion ?? 0;
      const latest = version ? await loadVersion(ctx.m, form.id, version) : null;
      const unchanged = latest && canonicalJson(latest.definition) === canonicalJson(draft);
      if (!unchanged) {
        version += 1;
        compileForm(draft, version);
        await ctx.m.query(
          `insert into form_version (tenant_id, form_id, version, definition, published_by, published_by_label)
           values ($1, $2, $3, $4::jsonb, $5, $6)`,
          [ctx.tenant.id, form.id, version, JSON.stringify(draft), ctx.staff?.id ?? null, ctx.actor.label],
        );
      }
      await ctx.m.query(
        `update form set published_version = $2, status = 'published', updated_at = now() where id = $1`,
        [form.id, version],
      );
      await audit(ctx, 'form.publish', form, {
        version,
        newVersion: !unchanged,
        previousStatus: form.status,
      });
      return { version, status: 'published' };
    }),
  );

  r.post(
    '/:id/close',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update', true);
      if (form.status !== 'published') throw new HttpError(409, '受付中のフォームではありません');
      await ctx.m.query(`update form set status = 'closed', updated_at = now() where id = $1`, [form.id]);
      await audit(ctx, 'form.close', form);
      return { status: 'closed' };
    }),
  );

  r.post(
    '/:id/reopen',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update', true);
      if (form.status !== 'closed' || !form.publishedVersion)
        throw new HttpError(409, '受付を終了したフォームではありません');
      await ctx.m.query(`update form set status = 'published', updated_at = now() where id = $1`, [form.id]);
      await audit(ctx, 'form.reopen', form);
      return { status: 'published' };
    }),
  );

  r.patch(
    '/:id/settings',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update', true);
      const patch = parseBody(formSettingsPatchSchema, ctx.req.body);
      const before = settingsOf(form);
      const checked = parseBody(formSettingsSchema, { ...before, ...patch });
      // Instants are stored in UTC whatever offset the screen sent (shown in JST).
      const utc = (s: string | null) => (s ? new Date(s).toISOString() : null);
      const after = { ...checked, opensAt: utc(checked.opensAt), closesAt: utc(checked.closesAt) };
      await ctx.m.query('update form set settings = $2::jsonb, updated_at = now() where id = $1', [
        form.id,
        JSON.stringify(after),
      ]);
      await audit(ctx, 'form.settings_update', form, { before, after });
      return after;
    }),
  );

  r.post(
    '/:id/duplicate',
    staffRoute(opts, async (ctx) => {
      const source = await formFor(ctx, 'read');
      assertCan(ctx, 'create', subject('Form', { organisationId: source.organisationId }), {
        type: 'form',
        id: source.id,
      });
      const code = await newFormCode(ctx.m);
      const rows: Array<{ id: string }> = await ctx.m.query(
        `insert into form (tenant_id, organisation_id, code, title, description, status, draft, settings, created_by)
         select tenant_id, organisation_id, $2, $3, description, 'draft', draft, settings, $4 from form where id = $1
         returning id`,
        [source.id, code, `${source.title}（コピー）`.slice(0, 200), ctx.staff?.id ?? null],
      );
      const copy = await mustLoadForm(ctx.m, rows[0]!.id);
      await audit(ctx, 'form.duplicate', copy, { from: source.id, code });
      return new StatusResult(201, await formDetail(ctx, copy));
    }),
  );

  r.get(
    '/:id/versions/:version',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const n = parseBody(
        z.coerce.number().int().min(1, '版の番号が正しくありません'),
        ctx.req.params.version,
      );
      const v = await loadVersion(ctx.m, form.id, n);
      if (!v) throw notFound('フォームの版');
      return v;
    }),
  );

  const qrQuery = z.object({
    target: z.enum(['auto', 'liff', 'resident']).default('auto'),
    size: z.coerce.number().int().min(128).max(2048).default(512),
  });
  /** The URL residents open as a QR code (FORM-6): LIFF when the channel has it, else the web page. */
  const qrUrl = async (ctx: StaffRequest, form: FormRow) => {
    const q = parseQuery(qrQuery, ctx.req.query);
    const urls = formUrls(ctx.tenant.slug, await productionLiffId(ctx.m), form.code);
    const url =
      q.target === 'resident'
        ? urls.resident
        : q.target === 'liff'
          ? urls.liff
          : (urls.liff ?? urls.resident);
    if (!url) throw new HttpError(409, 'LINE公式アカウントにLIFFアプリが設定されていません');
    return { url, size: q.size };
  };

  r.get(
    '/:id/qr.svg',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const { url } = await qrUrl(ctx, form);
      const svg = await QRCode.toString(url, { type: 'svg', margin: 4, errorCorrectionLevel: 'M' });
      return new FileResult(
        Buffer.from(svg),
        'image/svg+xml',
        contentDisposition(`${form.title}_QRコード.svg`.replace(/[\\/:*?"<>|]/g, '_')),
      );
    }),
  );

  r.get(
    '/:id/qr.png',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const { url, size } = await qrUrl(ctx, form);
      const png = await QRCode.toBuffer(url, {
        type: 'png',
        width: size,
        margin: 4,
        errorCorrectionLevel: 'M',
      });
      return new FileResult(
        png,
        'image/png',
        contentDisposition(`${form.title}_QRコード.png`.replace(/[\\/:*?"<>|]/g, '_')),
      );
    }),
  );

  /** FORM-6: a draft delivery inviting a segment (or every friend) to the form. */
  r.post(
    '/:id/send',
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'read');
      const d = await draftDeliveryForForm(ctx, form, ctx.req.body, parseBody);
      return new StatusResult(201, { deliveryId: d.id, title: d.title, status: d.status });
    }),
  );

  /** Staff attach files to a response they enter (phone, paper): raw body, `X-File-Name`, `?item=`. */
  r.post(
    '/:id/files',
    rawBody(FORM_UPLOAD_MAX_BYTES, `ファイルは${FORM_UPLOAD_MAX_BYTES / 1024 / 1024}MB以下にしてください`),
    staffRoute(opts, async (ctx) => {
      const form = await formFor(ctx, 'update');
      const { item } = parseQuery(z.object({ item: z.string().max(40) }), ctx.req.query);
      const compiled = await currentVersion(ctx.m, form);
      const fi = fileItem(compiled.items.get(item));
      if (!fi) throw new HttpError(422, 'ファイルを添付する項目が見つかりません');
      const data = Buffer.isBuffer(ctx.req.body) ? (ctx.req.body as Buffer) : Buffer.alloc(0);
      const prepared = await prepareUpload(fi, data, uploadName(ctx.req));
      const ref = await saveUpload(
        ctx.m,
        ctx.tenant.id,
        form.id,
        item,
        { residentId: null, visitorHash: null, staffId: ctx.staff?.id ?? ctx.actor.id },
        prepared,
      );
      await audit(ctx, 'form.file_upload', form, { item, type: ref.type, size: ref.size, fileId: ref.id });
      return new StatusResult(201, ref);
    }),
  );

  addResponseRoutes(r, opts);
  addMessageRoutes(r, opts);
  return r;
}
