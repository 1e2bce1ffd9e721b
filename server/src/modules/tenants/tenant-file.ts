import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { FEATURE_KEYS, type FeatureKey } from '../../contracts/features.js';

/**
 * Declarative tenant files (tenants/<slug>.yaml): one per municipality, applied by
 * `npm run tenants:apply`. They hold public facts only (names, codes, modules, departments,
 * links, boundary); LINE channel secrets and tokens are set in the vendor console and stored
 * encrypted, never here.
 */

/** 都道府県 in JIS X 0401 order: index + 1 is the prefecture code (the first two digits). */
export const PREFECTURES = [
  '北海道',
  '青森県',
  '岩手県',
  '宮城県',
  '秋田県',
  '山形県',
  '福島県',
  '茨城県',
  '栃木県',
  '群馬県',
  '埼玉県',
  '千葉県',
  '東京都',
  '神奈川県',
  '新潟県',
  '富山県',
  '石川県',
  '福井県',
  '山梨県',
  '長野県',
  '岐阜県',
  '静岡県',
  '愛知県',
  '三重県',
  '滋賀県',
  '京都府',
  '大阪府',
  '兵庫県',
  '奈良県',
  '和歌山県',
  '鳥取県',
  '島根県',
  '岡山県',
  '広島県',
  '山口県',
  '徳島県',
  '香川県',
  '愛媛県',
  '高知県',
  '福岡県',
  '佐賀県',
  '長崎県',
  '熊本県',
  '大分県',
  '宮崎県',
  '鹿児島県',
  '沖縄県',
] as const;

export function prefectureCode(prefecture: string): string | null {
  const i = (PREFECTURES as readonly string[]).indexOf(prefecture);
  return i < 0 ? null : String(i + 1).padStart(2, '0');
}

/**
 * Check digit of a 全国地方公共団体コード (JIS X 0402 / 総務省): multiply the five digits by
 * 6, 5, 4, 3, 2, sum, take the remainder modulo 11; the check digit is the last digit of
 * 11 minus that remainder (so remainder 0 gives 1 and remainder 1 gives 0).
 */
export function localGovCodeCheckDigit(fiveDigits: string): number {
  if (!/^[0-9]{5}$/.test(fiveDigits)) throw new Error(`not five digits: ${fiveDigits}`);
  const sum = [...fiveDigits].reduce((s, d, i) => s + Number(d) * (6 - i), 0);
  return (11 - (sum % 11)) % 10;
}

export function isValidLocalGovCode(code: string): boolean {
  if (!/^[0-9]{6}$/.test(code)) return false;
  const pref = Number(code.slice(0, 2));
  if (pref < 1 || pref > 47) return false;
  return localGovCodeCheckDigit(code.slice(0, 5)) === Number(code[5]);
}

export type Position = [lon: number, lat: number];

/** Ray casting; points exactly on an edge may fall either way, which is fine for geofencing. */
export function ringContains(ring: readonly Position[], [x, y]: Position): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Twice the signed area in degrees² (shoelace); positive means counter-clockwise. */
export function ringSignedArea2(ring: readonly Position[]): number {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[i + 1]!;
    a += x1 * y2 - x2 * y1;
  }
  return a;
}

function segmentsCross(p1: Position, p2: Position, p3: Position, p4: Position): boolean {
  const d = (a: Position, b: Position, c: Position) =>
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  const d1 = d(p3, p4, p1);
  const d2 = d(p3, p4, p2);
  const d3 = d(p1, p2, p3);
  const d4 = d(p1, p2, p4);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Index pairs of non-adjacent edges of a closed ring that cross each other. */
function selfIntersection(ring: readonly Position[]): [number, number] | null {
  const n = ring.length - 1; // edges
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // first and last edges share the closing vertex
      if (segmentsCross(ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!)) return [i, j];
    }
  }
  return null;
}

const featureKey = z.enum(FEATURE_KEYS as unknown as [FeatureKey, ...FeatureKey[]]);

const slugPattern = /^[a-z][a-z0-9-]{1,30}$/;
const japanese = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

export const LINK_KINDS = [
  'city-site',
  'bus-location',
  'bus-timetable',
  'childcare',
  'disaster-info',
  'procedures',
  'reservations',
  'external-service',
  'other',
] as const;

/** Japan's extent (lon 122–154, lat 20–46), so swapped lon/lat pairs are caught. */
const position = z.tuple([z.number().min(122).max(154), z.number().min(20).max(46)]);

const boundarySchema = z
  .object({
    type: z.literal('Polygon'),
    coordinates: z
      .array(
        z
          .array(position)
          .min(9, 'a boundary ring needs 8 to 30 vertices (plus the closing position)')
          .max(31, 'a boundary ring needs 8 to 30 vertices (plus the closing position)'),
      )
      .length(1, 'one outer ring, no holes'),
  })
  .strict()
  .superRefine((b, ctx) => {
    const ring = b.coordinates[0];
    if (!ring || ring.length < 9) return;
    const first = ring[0]!;
    const last = ring[ring.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      ctx.addIssue({
        code: 'custom',
        path: ['coordinates', 0, ring.length - 1],
        message: 'the ring must be closed: the last position must equal the first',
      });
      return;
    }
    const seen = new Set<string>();
    ring.slice(0, -1).forEach((p, i) => {
      const k = `${p[0]},${p[1]}`;
      if (seen.has(k))
        ctx.addIssue({ code: 'custom', path: ['coordinates', 0, i], message: 'repeated vertex' });
      seen.add(k);
    });
    const crossing = selfIntersection(ring);
    if (crossing) {
      ctx.addIssue({
        code: 'custom',
        path: ['coordinates', 0, crossing[1]],
        message: `the ring crosses itself (edges ${crossing[0]} and ${crossing[1]})`,
      });
    }
    if (ringSignedArea2(ring) <= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['coordinates', 0],
        message: 'the outer ring must be counter-clockwise (RFC 7946 right-hand rule)',
      });
    }
  });

export const tenantFileSchema = z
  .object({
    slug: z
      .string()
      .regex(slugPattern, 'lowercase letters, digits and hyphens, starting with a letter (2–31)'),
    name: z
      .object({
        ja: z.string().trim().min(1).max(40).regex(japanese, 'Japanese name expected'),
        en: z.string().trim().min(1).max(60),
      })
      .strict(),
    prefecture: z.string().refine((p) => prefectureCode(p) !== null, 'not a prefecture name (e.g. 岡山県)'),
    localGovCode: z
      .string()
      .regex(/^[0-9]{6}$/, "six digits, quoted in YAML (e.g. '332135')")
      .refine(isValidLocalGovCode, 'check digit or prefecture part is wrong (JIS X 0402)'),
    adminSubdomain: z.string().regex(slugPattern, 'a DNS label: lowercase letters, digits and hyphens'),
    lineAccountId: z
      .string()
      .regex(/^@[a-z0-9._-]{2,30}$/, 'a LINE account ID such as @akaiwa_city')
      .optional(),
    modules: z
      .array(featureKey)
      .min(1)
      .refine((m) => new Set(m).size === m.length, 'modules must not repeat'),
    departments: z
      .array(
        z
          .object({
            code: z
              .string()
              .regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and hyphens')
              .max(40),
            name: z.string().trim().min(1).max(60).regex(japanese, 'Japanese name expected'),
          })
          .strict(),
      )
      .min(1)
      .superRefine((deps, ctx) => {
        const seen = new Set<string>();
        deps.forEach((d, i) => {
          if (seen.has(d.code))
            ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `duplicate code ${d.code}` });
          seen.add(d.code);
        });
      }),
    links: z
      .array(
        z
          .object({
            kind: z.enum(LINK_KINDS),
            label: z.string().trim().min(1).max(60),
            url: z.url().refine((u) => u.startsWith('https://'), 'links must use https'),
          })
          .strict(),
      )
      .default([]),
    boundary: boundarySchema,
  })
  .strict()
  .superRefine((t, ctx) => {
    const pref = prefectureCode(t.prefecture);
    if (pref && /^[0-9]{6}$/.test(t.localGovCode) && t.localGovCode.slice(0, 2) !== pref) {
      ctx.addIssue({
        code: 'custom',
        path: ['localGovCode'],
        message: `a code in ${t.prefecture} starts with ${pref}`,
      });
    }
  });

export type TenantFile = z.infer<typeof tenantFileSchema>;

const SECRET_KEY = /secret|token|password|passwd|private[-_]?key|api[-_]?key/i;

/** Keys that look like credentials, anywhere in the parsed document. */
function secretKeyPaths(value: unknown, at: (string | number)[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretKeyPaths(v, [...at, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(SECRET_KEY.test(k) ? [[...at, k].join('.')] : []),
      ...secretKeyPaths(v, [...at, k]),
    ]);
  }
  return [];
}

function issuePath(p: readonly PropertyKey[]): string {
  return p.length ? p.map(String).join('.') : '(root)';
}

/**
 * Validates one file's text. Returns the tenant or the list of problems as `path: message`.
 * `expectedSlug` (from the file name) must match the slug inside.
 */
export function parseTenantFile(
  text: string,
  expectedSlug?: string,
): { ok: true; tenant: TenantFile } | { ok: false; problems: string[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    return { ok: false, problems: doc.errors.map((e) => `(yaml): ${e.message.split('\n')[0]}`) };
  }
  const data: unknown = doc.toJS();
  const secrets = secretKeyPaths(data);
  if (secrets.length) {
    return {
      ok: false,
      problems: secrets.map(
        (p) => `${p}: credentials must not be in tenant files (set LINE channels in the vendor console)`,
      ),
    };
  }
  const parsed = tenantFileSchema.safeParse(data);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`) };
  }
  if (expectedSlug !== undefined && parsed.data.slug !== expectedSlug) {
    return { ok: false, problems: [`slug: must match the file name (${expectedSlug}.yaml)`] };
  }
  return { ok: true, tenant: parsed.data };
}

/**
 * Reads every `*.yaml` in `dir` (sorted by name), validates each and checks that slugs,
 * admin subdomains, LINE account IDs and local government codes are unique across files.
 * Throws one Error listing every problem as `<file>: <path>: <message>`.
 */
export async function loadTenantFiles(dir: string): Promise<TenantFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort();
  const problems: string[] = [];
  const tenants: Array<{ file: string; tenant: TenantFile }> = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const result = parseTenantFile(await readFile(file, 'utf8'), name.slice(0, -'.yaml'.length));
    if (result.ok) tenants.push({ file, tenant: result.tenant });
    else problems.push(...result.problems.map((p) => `${file}: ${p}`));
  }
  const unique: Array<[keyof TenantFile, (t: TenantFile) => string | undefined]> = [
    ['slug', (t) => t.slug],
    ['adminSubdomain', (t) => t.adminSubdomain],
    ['localGovCode', (t) => t.localGovCode],
    ['lineAccountId', (t) => t.lineAccountId],
  ];
  for (const [key, get] of unique) {
    const owner = new Map<string, string>();
    for (const { file, tenant } of tenants) {
      const v = get(tenant);
      if (v === undefined) continue;
      const other = owner.get(v);
      if (other) problems.push(`${file}: ${key}: ${v} is already used by ${other}`);
      else owner.set(v, file);
    }
  }
  if (problems.length) {
    throw new Error(`Invalid tenant files in ${dir}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return tenants.map((t) => t.tenant);
}
