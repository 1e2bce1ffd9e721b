import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FEATURE_KEYS } from '../../contracts/features.js';
import {
  isValidLocalGovCode,
  loadTenantFiles,
  localGovCodeCheckDigit,
  parseTenantFile,
  prefectureCode,
  ringContains,
  ringSignedArea2,
  type Position,
  type TenantFile,
} from './tenant-file.js';

const TENANTS_DIR = fileURLToPath(new URL('../../../../tenants/', import.meta.url));

/** Each city hall (市役所・村役場), approximate, and the code from 総務省's list. */
const EXPECTED: Record<string, { code: string; prefecture: string; hall: Position; account?: string }> = {
  akaiwa: { code: '332135', prefecture: '岡山県', hall: [134.0186, 34.7553], account: '@akaiwa_city' },
  toyoake: { code: '232297', prefecture: '愛知県', hall: [137.0123, 35.0534] },
  tozawa: { code: '063673', prefecture: '山形県', hall: [140.1443, 38.7355] },
  kuwana: { code: '242055', prefecture: '三重県', hall: [136.6838, 35.0622] },
  toyonaka: { code: '272035', prefecture: '大阪府', hall: [135.4696, 34.7814], account: '@toyonakacity' },
};

const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tenant-files-'));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('local government codes (JIS X 0402 check digit)', () => {
  it('computes check digits of known codes', () => {
    expect(localGovCodeCheckDigit('13101')).toBe(6); // 千代田区 131016
    expect(localGovCodeCheckDigit('01100')).toBe(2); // 札幌市 011002
    expect(localGovCodeCheckDigit('01101')).toBe(1); // 札幌市中央区 011011: remainder 0 → 1
    expect(localGovCodeCheckDigit('14100')).toBe(3); // 横浜市 141003
    expect(localGovCodeCheckDigit('13000')).toBe(1); // 東京都 130001: remainder 10 → 1
  });

  it('rejects a wrong check digit, a bad prefecture part and non-digits', () => {
    expect(isValidLocalGovCode('332135')).toBe(true);
    expect(isValidLocalGovCode('332136')).toBe(false);
    expect(isValidLocalGovCode('482135')).toBe(false);
    expect(isValidLocalGovCode('33213')).toBe(false);
    expect(isValidLocalGovCode('33213x')).toBe(false);
  });
});

describe('the five tenant files', () => {
  let tenants: TenantFile[];

  it('all validate', async () => {
    tenants = await loadTenantFiles(TENANTS_DIR);
    expect(tenants.map((t) => t.slug).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('carry each municipality’s real code with a correct check digit and matching prefecture', async () => {
    tenants ??= await loadTenantFiles(TENANTS_DIR);
    for (const t of tenants) {
      const want = EXPECTED[t.slug]!;
      expect(t.localGovCode, t.slug).toBe(want.code);
      expect(isValidLocalGovCode(t.localGovCode), t.slug).toBe(true);
      expect(t.prefecture, t.slug).toBe(want.prefecture);
      expect(t.localGovCode.slice(0, 2), t.slug).toBe(prefectureCode(t.prefecture));
      expect(Number(t.localGovCode[5]), t.slug).toBe(localGovCodeCheckDigit(t.localGovCode.slice(0, 5)));
    }
  });

  it('have unique slugs, subdomains, codes and LINE accounts only where the spec names one', async () => {
    tenants ??= await loadTenantFiles(TENANTS_DIR);
    for (const key of ['slug', 'adminSubdomain', 'localGovCode'] as const) {
      expect(new Set(tenants.map((t) => t[key])).size, key).toBe(tenants.length);
    }
    for (const t of tenants) expect(t.lineAccountId, t.slug).toBe(EXPECTED[t.slug]!.account);
  });

  it('enable only known modules, each at most once', async () => {
    tenants ??= await loadTenantFiles(TENANTS_DIR);
    for (const t of tenants) {
      expect(
        t.modules.every((m) => FEATURE_KEYS.includes(m)),
        t.slug,
      ).toBe(true);
      expect(new Set(t.modules).size, t.slug).toBe(t.modules.length);
    }
    const bySlug = Object.fromEntries(tenants.map((t) => [t.slug, new Set(t.modules)]));
    // A few spec-driven facts that must not silently disappear.
    expect(bySlug.akaiwa!.has('groups')).toBe(true); // AK 4-(13) 連絡機能
    expect(bySlug.akaiwa!.has('links')).toBe(true); // AK 4-(12) bus timetables
    expect(bySlug.tozawa!.has('points')).toBe(true); // TZ ⑩ ポイント・スタンプラリー
    expect(bySlug.toyoake!.has('applications')).toBe(true); // TY 6(1)ア オンライン申請
    expect(bySlug.kuwana!.has('applications')).toBe(false); // KW has forms, not JPKI e-applications
    expect(bySlug.toyonaka!.has('chatbot')).toBe(true); // TN (8) ごみの分別
  });

  it('have closed, counter-clockwise boundary rings of 8–30 vertices around the city hall', async () => {
    tenants ??= await loadTenantFiles(TENANTS_DIR);
    for (const t of tenants) {
      const ring = t.boundary.coordinates[0]! as Position[];
      expect(ring[0], t.slug).toEqual(ring[ring.length - 1]);
      expect(ring.length - 1, t.slug).toBeGreaterThanOrEqual(8);
      expect(ring.length - 1, t.slug).toBeLessThanOrEqual(30);
      expect(ringSignedArea2(ring), t.slug).toBeGreaterThan(0);
      expect(ringContains(ring, EXPECTED[t.slug]!.hall), `${t.slug} city hall`).toBe(true);
    }
  });

  it('do not contain each other’s city halls (boundaries are not just big boxes)', async () => {
    tenants ??= await loadTenantFiles(TENANTS_DIR);
    for (const t of tenants) {
      for (const [other, e] of Object.entries(EXPECTED)) {
        if (other === t.slug) continue;
        expect(ringContains(t.boundary.coordinates[0]! as Position[], e.hall), `${t.slug} ∌ ${other}`).toBe(
          false,
        );
      }
    }
  });

  it('contain no credentials and only https links', async () => {
    for (const name of Object.keys(EXPECTED)) {
      const text = await readFile(path.join(TENANTS_DIR, `${name}.yaml`), 'utf8');
      const withoutComments = text.replace(/(^|\s)#.*$/gm, '');
      expect(withoutComments, name).not.toMatch(/secret|token|password|channel/i);
    }
    tenants ??= await loadTenantFiles(TENANTS_DIR);
    for (const t of tenants) for (const l of t.links) expect(l.url, t.slug).toMatch(/^https:\/\//);
  });
});

describe('problems are reported with the file and the path', () => {
  async function akaiwaText(): Promise<string> {
    return readFile(path.join(TENANTS_DIR, 'akaiwa.yaml'), 'utf8');
  }

  it('names the file and each problem’s path', async () => {
    const broken = (await akaiwaText())
      .replace("localGovCode: '332135'", "localGovCode: '332136'")
      .replace('  - richmenu', '  - rich-menu')
      .replace(/\n {6}- \[133\.9936, 34\.7196\]\s*$/, '\n      - [133.9937, 34.7196]\n');
    const dir = await tempDirWith({ 'akaiwa.yaml': broken });
    const err = await loadTenantFiles(dir).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    const file = path.join(dir, 'akaiwa.yaml');
    expect(err!.message).toContain(`${file}: localGovCode: check digit`);
    expect(err!.message).toContain(`${file}: modules.0:`);
    expect(err!.message).toMatch(
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: boundary\\.coordinates\\.0\\.\\d+: the ring must be closed`,
      ),
    );
  });

  it('reports YAML syntax errors, unknown keys, credentials and a slug that differs from the file name', async () => {
    const text = await akaiwaText();
    const dir = await tempDirWith({
      'bad-yaml.yaml': 'slug: [unclosed\n',
      'extra.yaml': text
        .replace('slug: akaiwa', 'slug: extra\nmascot: モモちゃん')
        .replace('adminSubdomain: akaiwa', 'adminSubdomain: extra'),
      'leak.yaml': text.replace('slug: akaiwa', 'slug: leak\nchannelSecret: abc'),
      'other-name.yaml': text,
    });
    const err = await loadTenantFiles(dir).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain(`${path.join(dir, 'bad-yaml.yaml')}: (yaml):`);
    expect(msg).toContain(`${path.join(dir, 'extra.yaml')}: (root): Unrecognized key`);
    expect(msg).toContain(
      `${path.join(dir, 'leak.yaml')}: channelSecret: credentials must not be in tenant files`,
    );
    expect(msg).toContain(`${path.join(dir, 'other-name.yaml')}: slug: must match the file name`);
  });

  it('reports duplicates across files', async () => {
    const text = await akaiwaText();
    const dir = await tempDirWith({
      'akaiwa.yaml': text,
      'akaiwa2.yaml': text.replace('slug: akaiwa', 'slug: akaiwa2'),
    });
    const msg = ((await loadTenantFiles(dir).catch((e: Error) => e)) as Error).message;
    expect(msg).toContain(`${path.join(dir, 'akaiwa2.yaml')}: adminSubdomain: akaiwa is already used by`);
    expect(msg).toContain(`${path.join(dir, 'akaiwa2.yaml')}: localGovCode: 332135 is already used by`);
    expect(msg).toContain(
      `${path.join(dir, 'akaiwa2.yaml')}: lineAccountId: @akaiwa_city is already used by`,
    );
  });

  it('checks prefecture against the code, swapped coordinates and self-crossing rings', () => {
    const base = {
      slug: 'test',
      name: { ja: 'テスト市', en: 'Test City' },
      prefecture: '岡山県',
      localGovCode: '232297',
      adminSubdomain: 'test',
      modules: ['delivery'],
      departments: [{ code: 'somu', name: '総務課' }],
      boundary: {
        type: 'Polygon',
        coordinates: [
          [
            [34.7, 133.9],
            [134.1, 34.7],
            [134.1, 34.9],
            [133.9, 34.9],
            [133.95, 34.95],
            [133.9, 34.95],
            [133.85, 34.9],
            [133.85, 34.8],
            [34.7, 133.9],
          ],
        ],
      },
    };
    const r = parseTenantFile(JSON.stringify(base));
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toContainEqual(expect.stringMatching(/^boundary\.coordinates\.0\.0\.0: /));
    const fixed = structuredClone(base);
    fixed.boundary.coordinates[0]![0] = [133.9, 34.7];
    fixed.boundary.coordinates[0]![8] = [133.9, 34.7];
    const r2 = parseTenantFile(JSON.stringify(fixed));
    expect(r2.ok ? [] : r2.problems).toEqual(['localGovCode: a code in 岡山県 starts with 33']);
    const crossing = structuredClone(fixed);
    crossing.localGovCode = '332135';
    crossing.boundary.coordinates[0]![2] = [133.8, 34.75];
    const r3 = parseTenantFile(JSON.stringify(crossing));
    expect(r3.ok ? [] : r3.problems).toContainEqual(
      expect.stringMatching(/^boundary\.coordinates\.0\.\d+: the ring crosses itself/),
    );
  });
});
