/**
 * Shared set-up of the forms tests: residents with a LIFF session (rows written directly, as the
 * session route would after verifying an ID token), their requests to the resident API, and
 * forms built and published through the staff API.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { expect } from 'vitest';
import type { FormDefinitionInput } from '../src/contracts/index.js';
import { newToken, tokenDigest } from '../src/platform/auth/tokens.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import type { Tenant } from '../src/platform/tenancy/tenant.entity.js';
import { testApp, type AdminClient } from './helpers.js';

export const lineUserId = () => `U${randomBytes(16).toString('hex')}`;
const rnd = () => randomBytes(1)[0]!;

/** A resident of a tenant's channel with a live LIFF session. */
export class ResidentClient {
  private constructor(
    readonly tenant: Tenant,
    readonly id: string,
    readonly lineUserId: string,
    private readonly cookie: string,
    public csrf: string,
    /** Each resident comes from an address of their own (per-IP limits are the city's NAT's). */
    readonly ip = `10.${rnd()}.${rnd()}.${rnd()}`,
  ) {}

  static async signIn(
    tenant: Tenant,
    opts: { lineUserId?: string; channel?: 'production' | 'test'; friend?: boolean } = {},
  ): Promise<ResidentClient> {
    const uid = opts.lineUserId ?? lineUserId();
    const token = newToken();
    const csrf = newToken();
    const id = await withTenant(tenant.id, async (m) => {
      const rows: Array<{ id: string }> = await m.query(
        `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, followed_at)
         values ($1, $2, $3, $4, now()) returning id`,
        [tenant.id, opts.channel ?? 'production', uid, opts.friend === false ? 'blocked' : 'friend'],
      );
      await m.query(
        `insert into resident_session (id, tenant_id, resident_id, csrf_token, expires_at)
         values ($1, $2, $3, $4, now() + interval '1 hour')`,
        [tokenDigest(token), tenant.id, rows[0]!.id, csrf],
      );
      return rows[0]!.id;
    });
    return new ResidentClient(tenant, id, uid, `tsunagu_rsid=${token}`, csrf);
  }

  private url(path: string): string {
    return `/api/t/${this.tenant.slug}${path}`;
  }
  get(path: string) {
    return request(testApp())
      .get(this.url(path))
      .set('Host', 'localhost')
      .set('X-Forwarded-For', this.ip)
      .set('Cookie', this.cookie);
  }
  put(path: string, body: unknown, csrf = this.csrf) {
    return request(testApp())
      .put(this.url(path))
      .set('Host', 'localhost')
      .set('X-Forwarded-For', this.ip)
      .set('Cookie', this.cookie)
      .set('X-CSRF-Token', csrf)
      .send(body as object);
  }
  post(path: string, body: unknown, csrf = this.csrf) {
    return request(testApp())
      .post(this.url(path))
      .set('Host', 'localhost')
      .set('X-Forwarded-For', this.ip)
      .set('Cookie', this.cookie)
      .set('X-CSRF-Token', csrf)
      .send(body as object);
  }
  delete(path: string, csrf = this.csrf) {
    return request(testApp())
      .delete(this.url(path))
      .set('Host', 'localhost')
      .set('X-Forwarded-For', this.ip)
      .set('Cookie', this.cookie)
      .set('X-CSRF-Token', csrf);
  }
  upload(code: string, item: string, data: Buffer, name: string, type = 'application/octet-stream') {
    return request(testApp())
      .post(this.url(`/forms/${code}/files?item=${item}`))
      .set('Host', 'localhost')
      .set('X-Forwarded-For', this.ip)
      .set('Cookie', this.cookie)
      .set('X-CSRF-Token', this.csrf)
      .set('Content-Type', type)
      .set('X-File-Name', encodeURIComponent(name))
      .send(data);
  }
}

/** Creates a form through the staff API, saves `definition` as its draft, sets `settings`, publishes it. */
export async function publishedForm(
  admin: AdminClient,
  organisationId: string,
  definition: FormDefinitionInput,
  settings: Record<string, unknown> = {},
  title = 'テストフォーム',
): Promise<{ id: string; code: string; version: number }> {
  const created = await admin.post('/api/forms', { title, organisationId });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  const draft = await admin.put(`/api/forms/${id}/draft`, { definition });
  expect(draft.status, JSON.stringify(draft.body)).toBe(200);
  if (Object.keys(settings).length) {
    const s = await admin.patch(`/api/forms/${id}/settings`, settings);
    expect(s.status, JSON.stringify(s.body)).toBe(200);
  }
  const pub = await admin.post(`/api/forms/${id}/publish`);
  expect(pub.status, JSON.stringify(pub.body)).toBe(200);
  return { id, code: created.body.code as string, version: pub.body.version as number };
}

/** A one-page form with the kinds of items the tests need (choices, a hierarchy, numbers, text, personal items, a file, a repeating section, a staff-only item). */
export const APPLICATION: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: '申込',
      sections: [
        {
          code: 's_main',
          items: [
            { type: 'shortText', code: 'name', label: '氏名', required: true, personal: true },
            { type: 'phone', code: 'phone', label: '電話番号' },
            {
              type: 'hierarchyChoice',
              code: 'area',
              label: 'お住まいの地区',
              required: true,
              options: [
                {
                  code: 'north',
                  label: '北部',
                  children: [
                    { code: 'kuma', label: '熊山' },
                    { code: 'yoshii', label: '吉井' },
                  ],
                },
                { code: 'south', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
              ],
            },
            {
              type: 'singleChoice',
              code: 'age_group',
              label: '年代',
              options: [
                { code: 'young', label: '39歳以下' },
                { code: 'middle', label: '40〜64歳' },
                { code: 'senior', label: '65歳以上' },
              ],
            },
            {
              type: 'multipleChoice',
              code: 'topics',
              label: '関心のある分野',
              options: [
                { code: 'kosodate', label: '子育て' },
                { code: 'bosai', label: '防災' },
                { code: 'kenko', label: '健康' },
              ],
            },
            { type: 'number', code: 'people', label: '参加人数', min: 1, max: 10, unit: '人' },
            { type: 'date', code: 'visit', label: '希望日' },
            { type: 'longText', code: 'opinion', label: 'ご意見', maxLength: 500 },
            {
              type: 'shortText',
              code: 'other_reason',
              label: 'その他の理由',
              showWhen: { op: 'equals', item: 'age_group', value: 'senior' },
            },
            {
              type: 'file',
              code: 'photo',
              label: '写真',
              accept: ['image', 'pdf'],
              maxFiles: 2,
              maxSizeMb: 1,
            },
          ],
        },
        {
          code: 'kids',
          title: 'お子さま',
          repeat: { min: 0, max: 3, itemName: 'お子さま' },
          items: [
            { type: 'shortText', code: 'kid_name', label: 'お名前', personal: true },
            {
              type: 'singleChoice',
              code: 'kid_grade',
              label: '学年',
              options: [
                { code: 'g1', label: '1年生' },
                { code: 'g2', label: '2年生' },
              ],
            },
          ],
        },
        {
          code: 's_staff',
          title: '職員用',
          staffOnly: true,
          items: [
            {
              type: 'singleChoice',
              code: 'checked',
              label: '確認',
              options: [
                { code: 'ok', label: '確認済み' },
                { code: 'ng', label: '要確認' },
              ],
            },
          ],
        },
      ],
    },
  ],
};
