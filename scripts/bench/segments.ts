/**
 * Benchmark: segment counts over 1,000,000 residents (SEG-6, issue 4). Builds a fresh
 * `tsunagu_bench_segments` database, one tenant with typical attribute items (a 4-area × 60
 * district tree, age band, birth month, children's birthdates, 9 topics of interest, garbage
 * reminder), generates a million residents and about seven million answers with set-based SQL
 * (generate_series, no row-by-row inserts; value indexes rebuilt after the load), then counts
 * typical segments the way the builder does (POST /api/segments/count: countSegment inside a
 * tenant transaction, RLS on) and prints p50/p95 latency per segment. Figures only, no assertions.
 * Usage: npm run bench:segments [-- runs] [--explain] [--keep]
 *   --keep reuses the generated database if it is there (skips the load).
 */
import pg from 'pg';

const args = process.argv.slice(2);
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const explain = args.includes('--explain');
const keep = args.includes('--keep');
const RESIDENTS = 1_000_000;
const db = 'tsunagu_bench_segments';
const adminUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const env = {
  NODE_ENV: 'production',
  MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
  LOG_LEVEL: 'error',
  DATABASE_URL: `postgres://tsunagu_app@127.0.0.1:5432/${db}`,
  DATABASE_OWNER_URL: `postgres://tsunagu_owner@127.0.0.1:5432/${db}`,
  DATABASE_OPS_URL: `postgres://tsunagu_ops@127.0.0.1:5432/${db}`,
  REDIS_URL: 'redis://127.0.0.1:6379/3',
};
Object.assign(process.env, env);

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

async function withSuperuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  // The superuser bypasses RLS: only for generating data, never for the measured queries.
  const c = new pg.Client({ connectionString: adminUrl.replace(/\/postgres$/, `/${db}`) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const AREAS = [
  { code: 'hokubu', label: '北部', n: 15 },
  { code: 'chubu', label: '中部', n: 20 },
  { code: 'nanbu', label: '南部', n: 15 },
  { code: 'tobu', label: '東部', n: 10 },
];
const TOPICS = ['kosodate', 'kenshin', 'event', 'bosai', 'fukushi', 'kankyo', 'shisei', 'sangyo', 'kotsu'];
const TOPIC_RATE = [0.22, 0.3, 0.35, 0.45, 0.18, 0.15, 0.12, 0.1, 0.2];
const AGE_BANDS = ['u19', '20s', '30s', '40s', '50s', '60s', '70s', 'o80'];

const ITEMS = [
  {
    code: 'district',
    kind: 'hierarchy',
    label: 'お住まいの地区',
    config: {
      leafOnly: true,
      options: AREAS.map((a) => ({
        code: a.code,
        label: a.label,
        children: Array.from({ length: a.n }, (_, i) => ({
          code: `${a.code}-${i + 1}`,
          label: `${a.label}${i + 1}区`,
        })),
      })),
    },
  },
  {
    code: 'age_band',
    kind: 'single',
    label: '年代',
    config: { options: AGE_BANDS.map((c) => ({ code: c, label: c })) },
  },
  { code: 'birth_month', kind: 'date', label: '生年月', config: { precision: 'month', notFuture: true } },
  {
    code: 'children',
    kind: 'dates',
    label: 'お子さまの生年月日',
    config: { precision: 'day', maxCount: 5, notFuture: true },
  },
  {
    code: 'topics',
    kind: 'multi',
    label: '受け取りたい情報',
    config: { options: TOPICS.map((c) => ({ code: c, label: c })) },
  },
  {
    code: 'garbage_reminder',
    kind: 'single',
    label: 'ゴミ収集日のお知らせ',
    config: {
      options: [
        { code: 'yes', label: '受け取る' },
        { code: 'no', label: '受け取らない' },
      ],
    },
  },
];

async function build(): Promise<string> {
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
  const { parseConfig } = await import('../../server/src/modules/attributes/attribute.model.js');
  const tenant = await withOps((m) =>
    createTenant(m, {
      slug: 'bench',
      nameJa: 'ベンチ市',
      nameEn: 'Bench City',
      prefectureJa: '岡山県',
      localGovCode: '339998',
      adminSubdomain: 'bench',
      lineAccountId: null,
      modules: ['segments'],
    }),
  );
  await withTenant(tenant.id, async (m) => {
    for (const [i, it] of ITEMS.entries()) {
      const parsed = parseConfig(it.kind as never, it.config);
      if (!parsed.ok) throw parsed.error;
      await m.query(
        `insert into attribute_item (tenant_id, code, kind, label, position, config) values ($1, $2, $3, $4, $5, $6::jsonb)`,
        [tenant.id, it.code, it.kind, it.label, i, JSON.stringify(parsed.config)],
      );
    }
  });
  console.log(`[${elapsed()}] schema and items ready; generating ${RESIDENTS.toLocaleString()} residents…`);

  await withSuperuser(async (c) => {
    const item = async (code: string) =>
      (await c.query('select id from attribute_item where code = $1', [code])).rows[0].id as string;
    const tid = tenant.id;
    // Value indexes are dropped for the load and rebuilt after: much faster than maintaining them.
    const indexes = (
      await c.query(`select indexname, indexdef from pg_indexes where tablename = 'resident_attribute_value'`)
    ).rows as Array<{ indexname: string; indexdef: string }>;
    for (const ix of indexes) await c.query(`drop index ${ix.indexname}`);
    await c.query('select setseed(0.42)');
    await c.query(
      `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, status_changed_at, first_followed_at, followed_at, blocked_since)
       select $1, 'production', 'U' || lpad(to_hex(i), 32, '0'), s.status,
              s.followed, s.followed, case when s.status = 'unknown' then null else s.followed end,
              case when s.status = 'blocked' then s.followed + interval '30 days' end
         from (select i, case when r < 0.93 then 'friend' when r < 0.99 then 'blocked' else 'unknown' end as status,
                      now() - random() * interval '1095 days' as followed
                 from (select i, random() as r from generate_series(1, $2::int) i) x) s`,
      [tid, RESIDENTS],
    );
    console.log(`[${elapsed()}] residents inserted`);

    const leaves = AREAS.flatMap((a) => Array.from({ length: a.n }, (_, i) => `${a.code}-${i + 1}`));
    const areaOf = leaves.map((l) => l.split('-')[0]!);
    const district = await item('district');
    // Skewed: the first districts of the list are the large ones.
    await c.query(
      `insert into resident_attribute_value (tenant_id, resident_id, item_id, option_code)
       select $1, id, $2, ($3::text[])[1 + floor(power(random(), 1.4) * $4)::int] from resident where random() < 0.9`,
      [tid, district, leaves, leaves.length],
    );
    await c.query(
      `insert into resident_attribute_value (tenant_id, resident_id, item_id, option_code, implied)
       select v.tenant_id, v.resident_id, v.item_id, p.area, true
         from resident_attribute_value v join unnest($2::text[], $3::text[]) as p(leaf, area) on p.leaf = v.option_code
        where v.item_id = $1`,
      [district, leaves, areaOf],
    );
    await c.query(
      `insert into resident_attribute_value (tenant_id, resident_id, item_id, option_code)
       select $1, id, $2, ($3::text[])[1 + floor(random() * 8)::int] from resident where random() < 0.85`,
      [tid, await item('age_band'), AGE_BANDS],
    );
    await c.query(
      `insert into resident_attribute_value (tenant_id, resident_id, item_id, date_value)
       select $1, id, $2, date '1930-01-01' + make_interval(months => floor(random() * 936)::int)
         from resident where random() < 0.7`,
      [tid, await item('birth_month')],
    );
    await c.query(
      `insert into resident_attribute_value (tenant_id, resident_id, item_id, date_value, ordinal)
       select $1, r.id, $2, current_date - floor(random() * 5475)::int, g - 1
         from (select id, 1 + floor(random() * 2.2)::int as n from resident where random() < 0.3) r,
              generate_series(1, r.n) g`,
      [tid, await item('children')],
    );
    const topics = await item('topics');
    for (const [i, code] of TOPICS.entries()) {
      await c.query(
        `insert into resident_attribute_value (tenant_id, resident_id, item_id, option_code, ordinal)
         select $1, id, $2, $3, $4 from resident where random() < $5`,
        [tid, topics, code, i, TOPIC_RATE[i]],
      );
    }
    await c.query(
      `insert into resident_attribute_value (tenant_id, resident_id, item_id, option_code)
       select $1, id, $2, case when random() < 0.7 then 'yes' else 'no' end from resident where random() < 0.6`,
      [tid, await item('garbage_reminder')],
    );
    const rows = (await c.query('select count(*)::int as n from resident_attribute_value')).rows[0]
      .n as number;
    console.log(`[${elapsed()}] ${rows.toLocaleString()} answers inserted; rebuilding indexes…`);
    await c.query(`set maintenance_work_mem = '512MB'`);
    for (const ix of indexes) await c.query(ix.indexdef);
    await c.query('vacuum analyze resident');
    await c.query('vacuum analyze resident_attribute_value');
    console.log(`[${elapsed()}] indexes rebuilt, statistics gathered`);
  });
  return tenant.id;
}

let tenantId: string;
const exists = await withSuperuser(async (c) =>
  c.query(`select id from tenant where slug = 'bench'`).then((r) => r.rows[0]?.id as string | undefined),
).catch(() => undefined);
if (keep && exists) {
  tenantId = exists;
  console.log('reusing the generated database (--keep)');
} else tenantId = await build();

const { withTenant } = await import('../../server/src/platform/db/tenant-context.js');
const { closeDataSources } = await import('../../server/src/platform/db/data-sources.js');
const { countSegment, prepareCountQuery } =
  await import('../../server/src/modules/segments/segments.service.js');
const { compileSegment } = await import('../../server/src/modules/segments/segment-sql.js');
const { audienceSql } = await import('../../server/src/modules/segments/segment-sql.js');
type Condition = import('../../server/src/modules/segments/segment.model.js').Condition;

const north: Condition = { type: 'option', item: 'district', op: 'in', codes: ['hokubu'] };
const underThree: Condition = { type: 'age', item: 'children', unit: 'years', max: 2 };
const SEGMENTS: Array<{ name: string; def: Condition }> = [
  { name: 'district in 北部 (node incl. its 15 districts)', def: north },
  { name: 'children under 3', def: underThree },
  {
    name: 'interests any of 2 (子育て, 検診)',
    def: { type: 'option', item: 'topics', op: 'in', codes: ['kosodate', 'kenshin'] },
  },
  {
    name: 'age band 30s/40s AND district 中部',
    def: {
      type: 'and',
      conditions: [
        { type: 'option', item: 'age_band', op: 'in', codes: ['30s', '40s'] },
        { type: 'option', item: 'district', op: 'in', codes: ['chubu'] },
      ],
    },
  },
  {
    name: 'NOT subscribed to イベント',
    def: { type: 'option', item: 'topics', op: 'not_in', codes: ['event'] },
  },
  { name: 'children under 3 in 北部', def: { type: 'and', conditions: [north, underThree] } },
  {
    name: 'OR/NOT mix: (北部 AND 子育て) OR NOT answered age band',
    def: {
      type: 'or',
      conditions: [
        {
          type: 'and',
          conditions: [north, { type: 'option', item: 'topics', op: 'in', codes: ['kosodate'] }],
        },
        { type: 'answered', item: 'age_band', answered: false },
      ],
    },
  },
];

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
console.log(
  `\nsegment counts, ${runs} runs each after one warm-up (friends of the production channel, RLS on):`,
);
console.log(
  `${'segment'.padEnd(58)} ${'count'.padStart(9)}  ${'p50 ms'.padStart(7)}  ${'p95 ms'.padStart(7)}`,
);
for (const s of SEGMENTS) {
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const r = await withTenant(tenantId, (m) => countSegment(m, s.def, 'production', new Date()));
    if (i > 0) times.push(performance.now() - started);
    count = r.count;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${s.name.padEnd(58)} ${count.toLocaleString().padStart(9)}  ${pct(times, 50).toFixed(0).padStart(7)}  ${pct(times, 95).toFixed(0).padStart(7)}`,
  );
  if (explain) {
    const plan = await withTenant(tenantId, async (m) => {
      const params: unknown[] = ['production'];
      const expr = compileSegment(s.def, params, new Date());
      await prepareCountQuery(m);
      return m.query(
        `explain (analyze, buffers, costs off) select count(*) from resident r where ${audienceSql('$1')} and (${expr})`,
        params,
      );
    });
    for (const row of plan as Array<{ 'QUERY PLAN': string }>) console.log(`    ${row['QUERY PLAN']}`);
  }
}

// The delivery snapshot reads the ids, not just a count.
const snap: number[] = [];
for (let i = 0; i <= 5; i++) {
  const started = performance.now();
  await withTenant(tenantId, async (m) => {
    const params: unknown[] = ['production'];
    const expr = compileSegment(SEGMENTS[0]!.def, params, new Date());
    await prepareCountQuery(m);
    return m.query(`select r.id from resident r where ${audienceSql('$1')} and (${expr})`, params);
  });
  if (i > 0) snap.push(performance.now() - started);
}
snap.sort((a, b) => a - b);
console.log(
  `\nselecting the ids of "${SEGMENTS[0]!.name}" (delivery snapshot read): p50 ${pct(snap, 50).toFixed(0)} ms`,
);
console.log(`total ${elapsed()}`);
await closeDataSources();
