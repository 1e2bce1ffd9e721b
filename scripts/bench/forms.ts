/**
 * Benchmark: form responses at scale (issue 5). Builds a fresh `tsunagu_bench_forms` database, one
 * tenant and a published 30-item form (choices, a district hierarchy, numbers, dates, free text
 * and five personal items), then loads 1,000,000 responses with set-based SQL — every column is
 * computed by one INSERT … SELECT per batch of 50,000 over generate_series; only the sealed
 * personal half (AES-GCM with the tenant's key, bound to each response id) is made in Node and
 * passed as an array, because the database never holds the key. Indexes are rebuilt after the
 * load. Then, through the real HTTP API (staff login, RLS on):
 * - the response list with a filter and a sort (three shapes), p50/p95 over random pages;
 * - the full CSV export (streamed: cursor, back-pressure), its time, size and the process's peak
 *   memory above the baseline (sampled every 20 ms).
 * Figures only, no assertions. Usage: npm run bench:forms [-- runs] [--keep] [--explain] [--responses=N]
 *   --keep reuses the generated database if it is there (skips the load); --responses: a smaller load.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 30);
const keep = args.includes('--keep');
const explain = args.includes('--explain');
const RESPONSES = Number(args.find((a) => a.startsWith('--responses='))?.split('=')[1] ?? 1_000_000);
const BATCH = 50_000;
const db = 'tsunagu_bench_forms';
const adminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const env = {
  NODE_ENV: 'production',
  MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
  LOG_LEVEL: 'error',
  COOKIE_SECURE: 'false',
  ROOT_DOMAIN: 'localhost',
  DATABASE_URL: `postgres://tsunagu_app@127.0.0.1:5432/${db}`,
  DATABASE_OWNER_URL: `postgres://tsunagu_owner@127.0.0.1:5432/${db}`,
  DATABASE_OPS_URL: `postgres://tsunagu_ops@127.0.0.1:5432/${db}`,
  REDIS_URL: 'redis://127.0.0.1:6379/3',
};
Object.assign(process.env, env);

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const PASSWORD = 'Bench-forms-2026';

async function withSuperuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  // The superuser bypasses RLS: only for generating data, never for the measured requests.
  const c = new pg.Client({ connectionString: adminUrl.replace(/\/postgres$/, `/${db}`) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// ------------------------------------------------------------------------------------- the form

const FIVE = ['5', '4', '3', '2', '1'].map((c, i) => ({
  code: `s${c}`,
  label: ['とても満足', '満足', 'ふつう', '不満', 'とても不満'][i]!,
}));
const AREAS = ['hokubu', 'chubu', 'nanbu', 'tobu'];
const DISTRICTS = AREAS.flatMap((a) => Array.from({ length: 10 }, (_, i) => `${a}-${i + 1}`));
const TOPICS = ['kosodate', 'kenko', 'fukushi', 'bosai', 'gomi', 'event'];
const TEXTS = [
  '駐車場が狭く、土日は停められないことがあります。',
  '図書館の開館時間をもう少し延ばしてほしいです。',
  '子育て支援センターの予約がとりやすくなりました。ありがとうございます。',
  '道路の街灯が少なく、夜道が暗くて不安です。',
  '=HYPERLINK("http://example.com") のような入力も文字として扱われるはずです',
  'ごみの分別表がわかりやすくなりました。',
  'バスの本数を増やしてください。通勤に使っています。',
  '',
];

/** Single choices q1…q11 (five levels each). */
const CHOICES = 11;
const ITEMS = [
  ...Array.from({ length: CHOICES }, (_, i) => ({
    type: 'singleChoice',
    code: `q${i + 1}`,
    label: `設問${i + 1}の満足度`,
    options: FIVE,
  })),
  ...['media', 'reason', 'topics'].map((code, i) => ({
    type: 'multipleChoice',
    code,
    label: ['情報を得る手段', '利用した理由', '関心のある分野'][i]!,
    options: TOPICS.map((c) => ({ code: c, label: c })),
  })),
  {
    type: 'hierarchyChoice',
    code: 'district',
    label: 'お住まいの地区',
    options: AREAS.map((a) => ({
      code: a,
      label: a,
      children: Array.from({ length: 10 }, (_, i) => ({ code: `${a}-${i + 1}`, label: `${a}${i + 1}区` })),
    })),
  },
  ...['age', 'household', 'visits', 'score'].map((code) => ({ type: 'number', code, label: code })),
  ...['visit_date', 'start_date', 'end_date'].map((code) => ({ type: 'date', code, label: code })),
  { type: 'shortText', code: 'title', label: '件名' },
  { type: 'longText', code: 'opinion', label: 'ご意見', maxLength: 2000 },
  { type: 'longText', code: 'request', label: 'ご要望', maxLength: 2000 },
  { type: 'shortText', code: 'name', label: '氏名', personal: true },
  { type: 'email', code: 'email', label: 'メール' },
  { type: 'phone', code: 'phone', label: '電話番号' },
  { type: 'address', code: 'address', label: '住所' },
  { type: 'birthday', code: 'birthday', label: '生年月日' },
];
const DEFINITION = { schemaVersion: 1, pages: [{ code: 'p1', sections: [{ code: 's1', items: ITEMS }] }] };

// ------------------------------------------------------------------------------------ HTTP client

let port = 0;
let cookie = '';
let csrf = '';
const HOST = 'bench.admin.localhost';

function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; bytes: number }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          host: HOST,
          cookie,
          ...(csrf ? { 'x-csrf-token': csrf } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
        },
      },
      (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const [name] = pair!.split('=');
          cookie = [...cookie.split('; ').filter((x) => x && !x.startsWith(`${name}=`)), pair!].join('; ');
        }
        const json = /json/.test(String(res.headers['content-type']));
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          // A CSV is counted and dropped, as a browser saving to disk would.
          if (json) chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: json ? JSON.parse(Buffer.concat(chunks).toString() || 'null') : null,
            bytes,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

// ------------------------------------------------------------------------------------ the load

async function build(): Promise<{ tenantId: string; formId: string }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  const { setUpDatabase } = await import('../../server/src/platform/db/setup.js');
  await setUpDatabase({
    adminUrl,
    ownerUrl: env.DATABASE_OWNER_URL,
    appUrl: env.DATABASE_URL,
    opsUrl: env.DATABASE_OPS_URL,
  });
  const { withOps } = await import('../../server/src/platform/db/data-sources.js');
  const { withTenant } = await import('../../server/src/platform/db/tenant-context.js');
  const { createTenant } = await import('../../server/src/modules/tenants/tenants.service.js');
  const { hashPassword } = await import('../../server/src/platform/auth/passwords.js');
  const tenant = await withOps((m) =>
    createTenant(m, {
      slug: 'bench',
      nameJa: 'ベンチ市',
      nameEn: 'Bench City',
      prefectureJa: '岡山県',
      localGovCode: '339997',
      adminSubdomain: 'bench',
      lineAccountId: null,
      modules: ['forms'],
    }),
  );
  await withTenant(tenant.id, async (m) => {
    const org: Array<{ id: string }> = await m.query(
      `insert into organisation (tenant_id, code, name) values ($1, 'kikaku', '企画課') returning id`,
      [tenant.id],
    );
    const staff: Array<{ id: string }> = await m.query(
      `insert into staff_account (tenant_id, login_id, display_name, role, password_hash, must_change_password)
       values ($1, 'admin', '管理者', 'administrator', $2, false) returning id`,
      [tenant.id, await hashPassword(PASSWORD)],
    );
    await m.query('insert into staff_membership (tenant_id, staff_id, organisation_id) values ($1, $2, $3)', [
      tenant.id,
      staff[0]!.id,
      org[0]!.id,
    ]);
  });
  await startServer();
  await login();
  const orgs = (await call('GET', '/api/organisations')).body as { items: Array<{ id: string }> };
  const created = await call('POST', '/api/forms', {
    title: '市民アンケート（30問）',
    organisationId: orgs.items[0]!.id,
  });
  const formId = (created.body as { id: string }).id;
  const draft = await call('PUT', `/api/forms/${formId}/draft`, { definition: DEFINITION });
  if (draft.status !== 200) throw new Error(`draft: ${JSON.stringify(draft.body)}`);
  const pub = await call('POST', `/api/forms/${formId}/publish`);
  if (pub.status !== 200) throw new Error(`publish: ${JSON.stringify(pub.body)}`);
  console.log(
    `[${elapsed()}] form published (${ITEMS.length} items); loading ${RESPONSES.toLocaleString()} responses…`,
  );

  // Search vectors of the sample texts, made by the module itself.
  const { compileForm } = await import('../../server/src/contracts/index.js');
  const { searchVectorOf } = await import('../../server/src/modules/forms/form-answers.js');
  const compiled = compileForm(DEFINITION, 1);
  const vectors = TEXTS.map((t) => searchVectorOf(compiled, t ? { opinion: t } : {}));
  const { encryptField } = await import('../../server/src/platform/crypto/tenant-keys.js');
  const { ANSWERS_PURPOSE } = await import('../../server/src/modules/forms/form-submit.js');

  const indexes = await withSuperuser(async (c) => {
    const rows = (
      await c.query(
        `select indexname, indexdef from pg_indexes where tablename = 'form_response' and indexname <> 'form_response_pkey'`,
      )
    ).rows as Array<{ indexname: string; indexdef: string }>;
    // Unique constraints stay (they are constraints); plain indexes are rebuilt after the load.
    const plain = rows.filter((r) => !/UNIQUE/i.test(r.indexdef));
    for (const ix of plain) await c.query(`drop index ${ix.indexname}`);
    return plain;
  });

  const pool = new pg.Pool({ connectionString: adminUrl.replace(/\/postgres$/, `/${db}`), max: 2 });
  const since = Date.now();
  for (let offset = 0; offset < RESPONSES; offset += BATCH) {
    const n = Math.min(BATCH, RESPONSES - offset);
    const ids: string[] = [];
    const sealed: string[] = [];
    await withTenant(tenant.id, async () => {
      for (let i = 0; i < n; i++) {
        const g = offset + i + 1;
        const id = randomUUID();
        ids.push(id);
        const personal = {
          name: `市民 ${g}`,
          email: `resident${g}@example.jp`,
          phone: `090${String(10000000 + g).slice(-8)}`,
          address: { prefecture: '岡山県', city: '赤磐市', town: `下市${g % 500}-${g % 17}` },
          birthday: `19${50 + (g % 50)}-0${1 + (g % 9)}-1${g % 10}`,
        };
        sealed.push(await encryptField(JSON.stringify(personal), ANSWERS_PURPOSE(id)));
      }
    });
    await pool.query(
      `insert into form_response (id, tenant_id, form_id, version, receipt_number, source, answers, personal_enc,
                                  facets, search, status, submitted_at, updated_at)
       select u.id, $1, $2, 1, 'R-2026-' || lpad(x.g::text, 7, '0'), 'line', x.answers, u.enc,
              array_remove(array[${ITEMS.slice(0, CHOICES)
                .map((_, k) => `'q${k + 1}', 'q${k + 1}=' || x.c${k + 1}`)
                .join(', ')},
                     'district', 'district=' || x.d, 'district^' || split_part(x.d, '-', 1),
                     'age', 'household', 'visits', 'score', 'visit_date',
                     case when x.topics is not null then 'topics' end,
                     case when x.t <> 7 then 'opinion' end,
                     'name', 'email', 'phone', 'address', 'birthday'], null)
                || coalesce(array(select 'topics=' || e from jsonb_array_elements_text(x.topics) e), '{}')
                -- range facets by the database's own rule (migration 1765324800000), as facetsOf writes them
                || form_range_facets('age', 'number', x.answers -> 'age')
                || form_range_facets('household', 'number', x.answers -> 'household')
                || form_range_facets('visits', 'number', x.answers -> 'visits')
                || form_range_facets('score', 'number', x.answers -> 'score')
                || form_range_facets('visit_date', 'date', x.answers -> 'visit_date'),
              ($7::text[])[1 + x.t]::tsvector,
              (array['new', 'new', 'in_progress', 'done'])[1 + (x.g % 4)],
              x.at, x.at + (x.g % 3) * interval '1 day'
         from unnest($3::uuid[], $4::text[]) with ordinality as u(id, enc, k)
         cross join lateral (
           select $5::int + u.k::int as g) gg
         cross join lateral (
           select gg.g as g,
                  ${ITEMS.slice(0, CHOICES)
                    .map((_, k) => `'s' || (1 + ((gg.g * ${7 + k * 2} + ${k}) % 5)) as c${k + 1}`)
                    .join(', ')},
                  ($6::text[])[1 + ((gg.g * 13) % 40)] as d,
                  case when gg.g % 3 = 0 then null else jsonb_build_array(
                    (array['kosodate','kenko','fukushi','bosai','gomi','event'])[1 + gg.g % 6],
                    (array['kosodate','kenko','fukushi','bosai','gomi','event'])[1 + (gg.g / 7) % 6]) end as topics,
                  (gg.g % 8) as t,
                  now() - make_interval(secs => (gg.g * 31) % (365 * 86400)) as at) y0
         cross join lateral (
           select y0.*, jsonb_strip_nulls(jsonb_build_object(
             ${ITEMS.slice(0, CHOICES)
               .map((_, k) => `'q${k + 1}', y0.c${k + 1}`)
               .join(', ')},
             'district', y0.d, 'topics', y0.topics,
             'age', 18 + gg.g % 70, 'household', 1 + gg.g % 6, 'visits', gg.g % 12, 'score', (gg.g * 17) % 101,
             'visit_date', to_char(date '2026-01-01' + (gg.g % 365), 'YYYY-MM-DD'),
             'opinion', nullif(($8::text[])[1 + y0.t], ''))) as answers) x`,
      [tenant.id, formId, ids, sealed, offset, DISTRICTS, vectors, TEXTS],
    );
    if ((offset / BATCH) % 4 === 3) console.log(`[${elapsed()}] ${(offset + n).toLocaleString()} responses`);
  }
  await pool.end();
  console.log(`[${elapsed()}] loaded in ${((Date.now() - since) / 1000).toFixed(0)} s; rebuilding indexes…`);
  await withSuperuser(async (c) => {
    await c.query(`set maintenance_work_mem = '1GB'`);
    for (const ix of indexes) await c.query(ix.indexdef);
    await c.query(
      `update form set response_count = $2, receipt_seq = $2, receipt_year = 2026 where id = $1`,
      [formId, RESPONSES],
    );
    await c.query('vacuum analyze form_response');
  });
  console.log(`[${elapsed()}] indexes rebuilt, statistics gathered`);
  return { tenantId: tenant.id, formId };
}

async function startServer() {
  if (port) return;
  const { buildApp } = await import('../../server/src/app.js');
  const server = http.createServer(buildApp());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  server.unref();
}

async function login() {
  const s = await call('GET', '/api/auth/session');
  csrf = (s.body as { csrfToken: string }).csrfToken;
  const res = await call('POST', '/api/auth/login', { loginId: 'admin', password: PASSWORD });
  if (res.status !== 200) throw new Error(`login: ${JSON.stringify(res.body)}`);
  csrf = (res.body as { csrfToken?: string }).csrfToken ?? csrf;
}

// ------------------------------------------------------------------------------------ measuring

let ids: { tenantId: string; formId: string } | undefined;
const existing = await withSuperuser(async (c) =>
  c
    .query(
      `select t.id as "tenantId", f.id as "formId" from tenant t join form f on f.tenant_id = t.id where t.slug = 'bench'`,
    )
    .then((r) => r.rows[0] as { tenantId: string; formId: string } | undefined),
).catch(() => undefined);
if (keep && existing) {
  ids = existing;
  console.log('reusing the generated database (--keep)');
  await startServer();
  await login();
} else ids = await build();
const { formId } = ids;
const total = await withSuperuser(async (c) =>
  Number(
    (await c.query('select count(*)::int as n from form_response where form_id = $1', [formId])).rows[0].n,
  ),
);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const q = (o: Record<string, unknown>) =>
  new URLSearchParams(
    Object.entries(o).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  ).toString();

const LISTS: Array<{ name: string; query: Record<string, unknown> }> = [
  {
    name: 'filter 設問1 = とても満足 (20%), newest first',
    query: { filters: [{ item: 'q1', op: 'equals', value: 's5' }], sort: 'submittedAt', order: 'desc' },
  },
  {
    name: 'filter 地区 in 北部 (25%), sort by 年齢 (an answer)',
    query: { filters: [{ item: 'district', op: 'in', values: ['hokubu'] }], sort: 'item:age', order: 'asc' },
  },
  {
    name: 'filter 関心 in 子育て + 年齢 30–49, sort by 受付番号',
    query: {
      filters: [
        { item: 'topics', op: 'in', values: ['kosodate'] },
        { item: 'age', op: 'range', min: 30, max: 49 },
      ],
      sort: 'receiptNumber',
      order: 'desc',
    },
  },
  {
    name: 'filter 来庁日 in April 2026 (a date range), newest first',
    query: {
      filters: [{ item: 'visit_date', op: 'range', min: '2026-04-01', max: '2026-04-30' }],
      sort: 'submittedAt',
      order: 'desc',
    },
  },
  { name: 'full text 「駐車場」, newest first', query: { q: '駐車場' } },
  { name: 'full text 「体育館」 (in no response), newest first', query: { q: '体育館' } },
];

console.log(
  `\nresponse list (pageSize 50, over HTTP): the first view of a filter (its count computed), then ${runs} random pages 1–100 (the count kept):`,
);
console.log(
  `${'list'.padEnd(56)} ${'total'.padStart(9)}  ${'first ms'.padStart(8)}  ${'p50 ms'.padStart(7)}  ${'p95 ms'.padStart(7)}`,
);
for (const l of LISTS) {
  const times: number[] = [];
  let total = 0;
  let first = 0;
  for (let i = 0; i <= runs; i++) {
    const page = 1 + Math.floor(Math.random() * 100);
    const started = performance.now();
    const res = await call(
      'GET',
      `/api/forms/${formId}/responses?${q({ ...l.query, page: String(page), pageSize: '50' })}`,
    );
    if (res.status !== 200) throw new Error(`${l.name}: ${res.status} ${JSON.stringify(res.body)}`);
    if (i > 0) times.push(performance.now() - started);
    else first = performance.now() - started;
    total = (res.body as { total: number }).total;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${l.name.padEnd(56)} ${total.toLocaleString().padStart(9)}  ${first.toFixed(0).padStart(8)}  ${pct(times, 50).toFixed(0).padStart(7)}  ${pct(times, 95).toFixed(0).padStart(7)}`,
  );
}

if (explain) {
  const { withTenant } = await import('../../server/src/platform/db/tenant-context.js');
  const { allCompiledVersions } = await import('../../server/src/modules/forms/forms.service.js');
  const { responseWhere, responseOrder, responseListSchema } =
    await import('../../server/src/modules/forms/form-responses.js');
  for (const l of LISTS) {
    const plan = await withTenant(ids.tenantId, async (m) => {
      const versions = await allCompiledVersions(m, formId);
      const parsed = responseListSchema.parse(Object.fromEntries(new URLSearchParams(q(l.query))));
      const params: unknown[] = [];
      const where = responseWhere(formId, versions, parsed, params);
      const order = responseOrder(versions, parsed.sort, parsed.order, params);
      return m.query(
        `explain (analyze, buffers, costs off) select fr.id from form_response fr where ${where} order by ${order} limit 50 offset 2450`,
        params,
      );
    });
    console.log(`\n  ${l.name}`);
    for (const row of plan as Array<{ 'QUERY PLAN': string }>) console.log(`    ${row['QUERY PLAN']}`);
  }
}

// A fifth of the rows first: a streamed export's peak memory does not grow with the number of rows.
const EXPORTS: Array<{ encoding: string; filters?: unknown; what: string }> = [
  {
    encoding: 'utf8',
    filters: [{ item: 'q1', op: 'equals', value: 's5' }],
    what: 'CSV export of 設問1 = とても満足',
  },
  { encoding: 'utf8', what: 'full CSV export' },
  { encoding: 'sjis', what: 'full CSV export' },
];
for (const { encoding, filters, what } of EXPORTS) {
  global.gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const u = process.memoryUsage();
    peakRss = Math.max(peakRss, u.rss);
    peakHeap = Math.max(peakHeap, u.heapUsed);
  }, 20);
  const started = performance.now();
  const res = await call(
    'GET',
    `/api/forms/${formId}/responses.csv?${q({ encoding, ...(filters ? { filters } : {}) })}`,
  );
  const rows = filters
    ? Number(
        (
          (await call('GET', `/api/forms/${formId}/responses?${q({ filters, pageSize: '1' })}`)).body as {
            total: number;
          }
        ).total,
      )
    : total;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  console.log(
    `\n${what} (${encoding}, ${rows.toLocaleString()} rows, status ${res.status}): ${seconds.toFixed(1)} s, ` +
      `${mb(res.bytes)}, ${(rows / seconds).toFixed(0)} rows/s; ` +
      `peak RSS ${mb(peakRss)} (baseline ${mb(baseline.rss)}, +${mb(peakRss - baseline.rss)}), ` +
      `peak heap ${mb(peakHeap)} (baseline ${mb(baseline.heapUsed)}, +${mb(peakHeap - baseline.heapUsed)})`,
  );
}

const { closeDataSources } = await import('../../server/src/platform/db/data-sources.js');
const { closeRedis } = await import('../../server/src/platform/queue/redis.js');
// An export's read transaction commits after its last byte was sent: let the last one finish.
await new Promise((r) => setTimeout(r, 1000));
await closeDataSources();
await closeRedis();
console.log(`\n[${elapsed()}] done`);
process.exit(0);
