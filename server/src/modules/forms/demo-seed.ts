import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  DEFAULT_FORM_SETTINGS,
  compileForm,
  formSettingsSchema,
  parseFormDefinition,
  type FormAnswers,
  type FormDefinition,
  type FormDefinitionInput,
  type FormResponseSource,
  type FormSettings,
} from '../../contracts/index.js';
import { appendToChain } from '../../platform/audit/audit-chain.js';
import { FORM_TEMPLATE_CONTENT } from './form-templates.js';
import { submitResponse, type Submitter } from './form-submit.js';

/**
 * Demo forms with answers for a city's console (scripts/seed-demo.ts): a published 市民満足度調査
 * (the `satisfaction` template) with 120–200 responses over the last five weeks, so 回答一覧 and
 * 集計 have something to show, and for Toyonaka an open パブリックコメント with a few opinions.
 *
 * Responses go through `submitResponse`, the function behind both the resident page's submission
 * (answers in a browser: `web`) and staff entry (paper, phone, counter, e-mail): the engine checks
 * them, personal answers are sealed with the tenant key, facets and the search vector are built,
 * and 受付番号 are counted as in production. Answers come from a pseudo-random generator seeded by
 * the city and the response's number, so every start produces the same data. A form is created
 * once, by its URL code; a form that exists is left alone (staff may have changed it since), so a
 * second run adds nothing.
 */

export const DEMO_SATISFACTION_CODE = 'satisfaction-2026';
export const DEMO_PUBLIC_COMMENT_CODE = 'public-comment-midori';
const SEED_LABEL = 'デモデータ投入';
const DAY_MS = 86_400_000;
const JST_MS = 9 * 3_600_000;

export interface DemoFormsResult {
  created: string[];
  responses: number;
}

/** mulberry32: small, fast and the same everywhere, seeded from a string. */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T extends string>(rnd: () => number, weights: ReadonlyArray<readonly [T, number]>): T {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let x = rnd() * total;
  for (const [v, w] of weights) {
    x -= w;
    if (x < 0) return v;
  }
  return weights[weights.length - 1]![0];
}

/** How many satisfaction responses a city gets (120–200, fixed per city). */
export function satisfactionCount(slug: string): number {
  return 120 + Math.floor(seededRandom(`count:${slug}`)() * 81);
}

// ---------------------------------------------------------------------------------------------
// 市民満足度調査

const AGES = [
  ['u20', 3],
  ['20s', 8],
  ['30s', 13],
  ['40s', 17],
  ['50s', 18],
  ['60s', 18],
  ['70s', 15],
  ['o80', 8],
] as const;
const POLICY_BIAS: Record<string, number> = {
  kosodate: 0.15,
  kenko: 0.35,
  korei: 0,
  bosai: 0.1,
  kankyo: 0.5,
  kotsu: -0.7,
  kyoiku: 0.2,
};
const LEVELS = ['dissatisfied', 'rather_dissatisfied', 'neutral', 'rather_satisfied', 'satisfied'];
const OPINIONS = [
  'バスの本数が少なく、通院や買い物に不便です。デマンド交通の拡充を希望します。',
  '子育て支援センターがとても助かっています。土日も開いていると嬉しいです。',
  '公園の遊具が古くなっているので、点検と更新をお願いします。',
  '防災行政無線が聞き取りにくい地域があります。LINEでの通知はとても便利です。',
  'ごみの分別が分かりにくいので、アプリやLINEで調べられるようにしてほしいです。',
  '駅周辺の駐輪場が不足しています。',
  '市役所の窓口の待ち時間が長いので、オンライン申請を増やしてください。',
  '高齢の親が一人暮らしなので、見守りサービスを充実させてほしいです。',
  '通学路の歩道が狭く危険な箇所があります。',
  '図書館の開館時間を延長してほしいです。',
  '市の広報紙を毎月楽しみに読んでいます。',
  '空き家が増えていて防犯面が心配です。',
  '健康診断の予約がLINEでできるようになると便利だと思います。',
  '地域のお祭りやイベントをもっと増やしてほしいです。',
  '道路の舗装が傷んでいる所が多いので、計画的な補修をお願いします。',
];

function satisfactionAnswers(rnd: () => number, village: boolean): FormAnswers {
  const age = pick(rnd, AGES);
  const a: FormAnswers = { age_group: age };
  if (rnd() > 0.04)
    a.gender = pick(rnd, [
      ['female', 52],
      ['male', 44],
      ['other', 1],
      ['no_answer', 3],
    ]);
  const district = pick(rnd, [
    ['hokubu', 34],
    ['chubu', 31],
    ['nanbu', 30],
    ['outside', 5],
  ]);
  a.district = district;
  if (rnd() > 0.05) {
    const old = ['60s', '70s', 'o80'].includes(age);
    a.years_lived = pick(rnd, [
      ['u1', old ? 2 : 8],
      ['y1_5', old ? 4 : 16],
      ['y5_10', old ? 6 : 18],
      ['y10_20', old ? 14 : 24],
      ['o20', old ? 74 : 34],
    ]);
  }
  // One person's general mood, then each field around it: answers correlate as real ones do.
  const mood = (rnd() - 0.5) * 2;
  let sum = 0;
  for (const [policy, bias] of Object.entries(POLICY_BIAS)) {
    let m = 3.1 + bias + mood;
    if (policy === 'kotsu' && ['70s', 'o80'].includes(age)) m -= 0.5;
    if (policy === 'kotsu' && district === 'nanbu') m -= 0.4;
    if (policy === 'kosodate' && ['30s', '40s'].includes(age)) m -= 0.3;
    if (policy === 'korei' && ['70s', 'o80'].includes(age)) m += 0.3;
    if (policy === 'bosai' && district === 'hokubu') m -= 0.3;
    const score = Math.min(5, Math.max(1, Math.round(m + (rnd() + rnd() - 1) * 1.8)));
    sum += score;
    a[`sat_${policy}`] = LEVELS[score - 1]!;
  }
  const avg = sum / Object.keys(POLICY_BIAS).length;
  const stay = avg + (rnd() - 0.5) * 1.6 + (['60s', '70s', 'o80'].includes(age) ? 0.4 : 0);
  a.keep_living = stay >= 3.6 ? 'yes' : stay >= 2.9 ? 'rather_yes' : stay >= 2.2 ? 'rather_no' : 'no';
  if (rnd() < 0.2) {
    const text = OPINIONS[Math.floor(rnd() * OPINIONS.length)]!;
    a.opinion = village ? text.replace(/市役所/g, '役場').replace(/市/g, '村') : text;
  }
  return a;
}

/** Paper questionnaires typed in by staff, and answers sent from the page without LINE login. */
function satisfactionSource(rnd: () => number): FormResponseSource {
  return pick(rnd, [
    ['web', 58],
    ['paper', 30],
    ['counter', 7],
    ['phone', 5],
  ]);
}

// ---------------------------------------------------------------------------------------------
// パブリックコメント (Toyonaka)

const PLAN = '豊中市みどりの基本計画（改定案）';
const COMMENTS: Array<{ source: FormResponseSource; daysAgo: number; answers: FormAnswers }> = [
  {
    source: 'web',
    daysAgo: 11,
    answers: {
      case: 'plan_2026',
      submitter_type: 'resident',
      name: '桜塚 一郎',
      postal_code: '560-0022',
      address: { prefecture: '大阪府', city: '豊中市', town: '北桜塚2丁目1-1' },
      email: 'ichiro@example.jp',
      page_ref: 12,
      section_ref: '第3章「公園の再整備」',
      opinion:
        '近所の公園は樹木が大きくなりすぎて見通しが悪く、夕方は子どもだけで遊ばせるのが不安です。再整備の際は防犯の観点も取り入れてください。',
    },
  },
  {
    source: 'paper',
    daysAgo: 9,
    answers: {
      case: 'plan_2026',
      submitter_type: 'resident',
      name: '緑丘 花子',
      postal_code: '560-0001',
      address: { prefecture: '大阪府', city: '豊中市', town: '北緑丘1丁目2-3' },
      phone: '06-6858-0000',
      opinion: '千里川沿いの桜並木を残してください。高齢者が休めるベンチも増やしてほしいです。',
      reflection: 'partly',
      city_view: '桜並木は保全の対象とします。ベンチの設置は、再整備の設計の中で検討します。',
    },
  },
  {
    source: 'email',
    daysAgo: 6,
    answers: {
      case: 'plan_2026',
      submitter_type: 'business',
      name: '株式会社みどり造園 代表取締役 中桜 次郎',
      postal_code: '561-0881',
      address: { prefecture: '大阪府', city: '豊中市', town: '中桜塚3丁目4-5' },
      email: 'info@midori-zoen.example.jp',
      page_ref: 20,
      section_ref: '第4章「民有地の緑化」',
      opinion: '民有地の緑化助成について、屋上緑化だけでなく壁面緑化も対象にしてはどうでしょうか。',
      reflection: 'reference',
    },
  },
  {
    source: 'web',
    daysAgo: 3,
    answers: {
      case: 'plan_2026',
      submitter_type: 'commuter',
      name: '庄内 三郎',
      postal_code: '561-0834',
      address: { prefecture: '大阪府', city: '豊中市', town: '庄内栄町1丁目1-1' },
      opinion: '庄内地域は公園が少ないので、空き地を活用した小さな広場を増やしてほしいです。',
    },
  },
  {
    source: 'counter',
    daysAgo: 1,
    answers: {
      case: 'plan_2026',
      submitter_type: 'resident',
      name: '桜の町 四郎',
      postal_code: '560-0054',
      address: { prefecture: '大阪府', city: '豊中市', town: '桜の町5丁目6-7' },
      phone: '090-1234-5678',
      page_ref: 8,
      opinion: '街路樹の落ち葉の清掃を、地域の団体と市が協力して行う仕組みをつくってほしいです。',
    },
  },
];

function publicCommentDefinition(): FormDefinitionInput {
  const def = structuredClone(FORM_TEMPLATE_CONTENT.public_comment.definition) as FormDefinitionInput & {
    pages: Array<{ sections: Array<{ items: Array<Record<string, unknown>> }> }>;
  };
  for (const p of def.pages)
    for (const s of p.sections)
      for (const i of s.items) {
        if (i.code === 'case') i.options = [{ code: 'plan_2026', label: PLAN }];
        // The plan's documents, linked from the description (residents read them before commenting).
        if (i.code === 'intro')
          i.text = `${String(i.text)}\n\n${PLAN}の全文（PDF）：https://www.city.toyonaka.example.jp/midori/plan-an.pdf\n概要版（PDF）：https://www.city.toyonaka.example.jp/midori/plan-an-gaiyo.pdf`;
      }
  return def;
}

// ---------------------------------------------------------------------------------------------

interface SeedContext {
  m: EntityManager;
  tenantId: string;
  staffId: string;
  organisationId: string;
}

/** A published form: the row and its version 1, as POST /api/forms and …/publish would leave them. */
async function createPublishedForm(
  ctx: SeedContext,
  f: {
    code: string;
    title: string;
    description: string;
    definition: FormDefinitionInput;
    settings: FormSettings;
  },
): Promise<string> {
  const parsed = parseFormDefinition(f.definition);
  if (!parsed.ok) throw new Error(`demo form ${f.code} does not parse: ${parsed.errors[0]?.message}`);
  const definition: FormDefinition = parsed.definition;
  compileForm(definition, 1);
  const rows: Array<{ id: string }> = await ctx.m.query(
    `insert into form (tenant_id, organisation_id, code, title, description, status, draft, settings, created_by)
     values ($1, $2, $3, $4, $5, 'draft', $6::jsonb, $7::jsonb, $8) returning id`,
    [
      ctx.tenantId,
      ctx.organisationId,
      f.code,
      f.title,
      f.description,
      JSON.stringify(definition),
      JSON.stringify(f.settings),
      ctx.staffId,
    ],
  );
  const id = rows[0]!.id;
  await ctx.m.query(
    `insert into form_version (tenant_id, form_id, version, definition, published_by, published_by_label)
     values ($1, $2, 1, $3::jsonb, $4, $5)`,
    [ctx.tenantId, id, JSON.stringify(definition), ctx.staffId, SEED_LABEL],
  );
  await ctx.m.query(`update form set published_version = 1, status = 'published' where id = $1`, [id]);
  for (const action of ['form.create', 'form.publish'])
    await appendToChain(
      ctx.m,
      { name: 'audit_log', tenantId: ctx.tenantId },
      {
        actorType: 'system',
        actorLabel: SEED_LABEL,
        action,
        outcome: 'success',
        targetType: 'form',
        targetId: id,
        detail: { code: f.code, via: 'seed-demo', ...(action === 'form.publish' ? { version: 1 } : {}) },
      },
    );
  return id;
}

/** One response through the production path: a browser's submission or a staff member's entry. */
async function submit(
  ctx: SeedContext,
  formId: string,
  answers: FormAnswers,
  source: FormResponseSource,
  at: Date,
  key: string,
): Promise<void> {
  const staff = source !== 'web' && source !== 'line';
  const who: Submitter = {
    residentId: null,
    visitorHash: staff ? null : createHash('sha256').update(`demo-visitor:${key}`).digest('hex'),
    staffId: staff ? ctx.staffId : null,
    source,
    actor: staff
      ? { type: 'staff', id: ctx.staffId, label: SEED_LABEL, ip: null, userAgent: null }
      : { type: 'resident', id: null, label: SEED_LABEL, ip: null, userAgent: null },
  };
  await submitResponse(ctx.m, ctx.tenantId, formId, { version: 1, answers }, who, at);
}

/** Midnight JST of the day `days` before `now`'s JST day, as an instant. */
function jstDayStart(now: Date, days: number): number {
  const jst = now.getTime() + JST_MS;
  return Math.floor(jst / DAY_MS) * DAY_MS - days * DAY_MS - JST_MS;
}

export async function seedDemoForms(
  m: EntityManager,
  tenant: { id: string; slug: string; nameJa: string },
  now = new Date(),
): Promise<DemoFormsResult> {
  const out: DemoFormsResult = { created: [], responses: 0 };
  const staff: Array<{ id: string }> = await m.query(
    `select id from staff_account order by (lower(login_id) = 'admin') desc, created_at limit 1`,
  );
  const orgs: Array<{ id: string }> = await m.query(
    'select id from organisation order by sort_order, code limit 1',
  );
  if (!staff[0] || !orgs[0]) return out;
  const ctx: SeedContext = { m, tenantId: tenant.id, staffId: staff[0].id, organisationId: orgs[0].id };
  const exists = async (code: string) =>
    ((await m.query('select 1 from form where code = $1', [code])) as unknown[]).length > 0;
  const village = tenant.nameJa.endsWith('村');

  if (!(await exists(DEMO_SATISFACTION_CODE))) {
    const template = FORM_TEMPLATE_CONTENT.satisfaction;
    let definition = template.definition;
    if (village)
      definition = JSON.parse(
        JSON.stringify(definition)
          .replace(/市政/g, '村政')
          .replace(/市内/g, '村内')
          .replace(/市民/g, '村民')
          .replace(/市外/g, '村外'),
      ) as FormDefinitionInput;
    const settings = formSettingsSchema.parse({
      ...DEFAULT_FORM_SETTINGS,
      ...template.settings,
      // Mailed with the paper questionnaire as a QR code too: answerable without LINE login.
      answersPerResident: 'many',
      requireLineLogin: false,
      receiptPrefix: 'M',
      // Friends can also answer it question by question in the talk (a rich-menu area starts it).
      talkMode: true,
      completionMessage: village
        ? 'ご協力ありがとうございました。結果は村のホームページでお知らせします。'
        : template.settings?.completionMessage,
    });
    const formId = await createPublishedForm(ctx, {
      code: DEMO_SATISFACTION_CODE,
      title: `${village ? '村民' : '市民'}満足度調査（令和8年度）`,
      description: village
        ? '毎年実施している村民満足度調査です。村づくりの参考にします。'
        : template.description,
      definition,
      settings,
    });
    out.created.push(DEMO_SATISFACTION_CODE);
    const n = satisfactionCount(tenant.slug);
    const days = 35;
    const start = jstDayStart(now, days);
    for (let i = 0; i < n; i++) {
      const rnd = seededRandom(`satisfaction:${tenant.slug}:${i}`);
      // Most answers arrive soon after the survey is announced; times stay in order with 受付番号.
      const p = 1 - Math.pow(1 - (i + rnd()) / n, 0.7);
      const dayPos = p * days;
      const day = Math.floor(dayPos);
      const at = new Date(start + day * DAY_MS + (8 + (dayPos - day) * 14) * 3_600_000);
      await submit(
        ctx,
        formId,
        satisfactionAnswers(rnd, village),
        satisfactionSource(rnd),
        at,
        `${tenant.slug}:${i}`,
      );
      out.responses++;
    }
  }

  if (tenant.slug === 'toyonaka' && !(await exists(DEMO_PUBLIC_COMMENT_CODE))) {
    const template = FORM_TEMPLATE_CONTENT.public_comment;
    const settings = formSettingsSchema.parse({
      ...DEFAULT_FORM_SETTINGS,
      ...template.settings,
      // Anyone may comment (also people working in the city), by LINE, browser, paper or mail.
      requireLineLogin: false,
      // Friends of the LINE account start it in the talk by sending this word (FORM-10).
      talkKeyword: 'パブコメ',
      opensAt: new Date(jstDayStart(now, 14)).toISOString(),
      closesAt: new Date(jstDayStart(now, -21) - 1000).toISOString(),
    });
    const formId = await createPublishedForm(ctx, {
      code: DEMO_PUBLIC_COMMENT_CODE,
      title: `パブリックコメント：${PLAN}`,
      description: `${PLAN}について、ご意見を募集します。`,
      definition: publicCommentDefinition(),
      settings,
    });
    out.created.push(DEMO_PUBLIC_COMMENT_CODE);
    // Answers to items the template has (an item added or removed there later is not an error here).
    const codes = new Set(
      publicCommentDefinition().pages.flatMap((p) =>
        p.sections.flatMap((sec) => sec.items.map((i) => i.code)),
      ),
    );
    for (const [i, c] of COMMENTS.entries()) {
      const at = new Date(jstDayStart(now, c.daysAgo) + (10 + i) * 3_600_000);
      const answers = Object.fromEntries(Object.entries(c.answers).filter(([k]) => codes.has(k)));
      await submit(ctx, formId, answers, c.source, at, `toyonaka-pc:${i}`);
      out.responses++;
    }
  }
  return out;
}
