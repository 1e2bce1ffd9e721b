import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { LocalDiskStorage, setStorage } from '../src/platform/storage/storage.js';
import { AdminClient, createStaff, createTestTenant, testApp, type TestTenant } from './helpers.js';

/** Images for delivery messages: upload, re-encoding to LINE's limits, public serving, isolation. */
describe('/api/deliveries/assets and /media', () => {
  let dir: string;
  let a: TestTenant;
  let b: TestTenant;
  let staffA: AdminClient;
  let staffB: AdminClient;
  let noFeature: AdminClient;

  const upload = (c: AdminClient, data: Buffer, kind = 'image', type = 'application/octet-stream') =>
    c.post(`/api/deliveries/assets?kind=${kind}`).set('Content-Type', type).send(data);
  /** Our public URL as LINE would fetch it, requested from the app under test. */
  const fetchPublic = (url: string) => request(testApp()).get(new URL(url).pathname).set('Host', 'localhost');

  const photo = (width: number, height: number, opts: { orientation?: number } = {}) =>
    sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
      .jpeg({ quality: 90 })
      .withMetadata({
        ...(opts.orientation ? { orientation: opts.orientation } : {}),
        // A camera's maker and software tags: must not reach residents.
        exif: { IFD0: { Make: 'TestCam', Software: 'secret-tool' } },
      })
      .toBuffer();
  const logo = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 4, background: { r: 0, g: 90, b: 170, alpha: 0.5 } } })
      .png()
      .toBuffer();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tsunagu-assets-'));
    setStorage(new LocalDiskStorage(dir));
    a = await createTestTenant('asa', ['ka']);
    b = await createTestTenant('asb', ['ka']);
    const login = async (t: TestTenant, opts: Parameters<typeof createStaff>[1]) => {
      const s = await createStaff(t.tenant.id, opts);
      const c = AdminClient.forTenant(t.tenant);
      expect((await c.login(s.loginId)).status).toBe(200);
      return c;
    };
    staffA = await login(a, { role: 'staff', orgIds: [a.orgs.ka!], featuresAllow: ['delivery'] });
    staffB = await login(b, { role: 'staff', orgIds: [b.orgs.ka!], featuresAllow: ['delivery'] });
    noFeature = await login(a, { role: 'staff', orgIds: [a.orgs.ka!], featuresAllow: ['forms'] });
  });

  afterAll(async () => {
    setStorage(undefined);
    await rm(dir, { recursive: true, force: true });
    await closeDataSources();
    await closeRedis();
  });

  let imageUrls: { originalContentUrl: string; previewImageUrl: string } = {
    originalContentUrl: '',
    previewImageUrl: '',
  };

  it('re-encodes a photo: upright, within 2,048 px and 10 MB, metadata dropped, a ≤240 px preview', async () => {
    // 3000×2000 stored sideways with EXIF orientation 6 (rotate 90°): shown 2000×3000.
    const input = await photo(3000, 2000, { orientation: 6 });
    expect((await sharp(input).metadata()).exif?.toString('latin1')).toContain('TestCam');
    const res = await upload(staffA, input);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ kind: 'image', contentType: 'image/jpeg', width: 1365, height: 2048 });
    const { originalContentUrl, previewImageUrl } = res.body as typeof imageUrls;
    imageUrls = { originalContentUrl, previewImageUrl };
    // LINE fetches only HTTPS: the URL uses PUBLIC_ORIGIN's host with https.
    expect(originalContentUrl).toMatch(
      new RegExp(`^https://localhost(:\\d+)?/media/t/${a.tenant.id}/[0-9a-f]{32}/original$`),
    );
    expect(previewImageUrl).toBe(originalContentUrl.replace(/original$/, 'preview'));

    const original = await fetchPublic(originalContentUrl);
    expect(original.status).toBe(200);
    expect(original.headers['content-type']).toBe('image/jpeg');
    expect(original.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const meta = await sharp(original.body as Buffer).metadata();
    expect([meta.width, meta.height]).toEqual([1365, 2048]);
    expect(meta.exif).toBeUndefined();
    expect((original.body as Buffer).length).toBeLessThanOrEqual(10 * 1024 * 1024);

    const preview = await fetchPublic(previewImageUrl);
    expect(preview.status).toBe(200);
    const pm = await sharp(preview.body as Buffer).metadata();
    expect(Math.max(pm.width!, pm.height!)).toBe(240);
    expect((preview.body as Buffer).length).toBeLessThanOrEqual(1024 * 1024);

    // Unchanged bytes at a token: a client that has them gets 304.
    const again = await fetchPublic(originalContentUrl).set('If-None-Match', original.headers.etag!);
    expect(again.status).toBe(304);
  });

  it('keeps a transparent PNG a PNG and does not enlarge small pictures', async () => {
    const res = await upload(staffA, await logo(300, 120));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ contentType: 'image/png', width: 300, height: 120 });
    const original = await fetchPublic(res.body.originalContentUrl);
    expect(original.headers['content-type']).toBe('image/png');
    expect((await sharp(original.body as Buffer).metadata()).hasAlpha).toBe(true);
  });

  it('makes an imagemap at the five widths LINE requests from baseUrl', async () => {
    const res = await upload(staffA, await photo(1200, 800), 'imagemap');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'imagemap',
      baseSize: { width: 1040, height: 693 },
      warnings: [],
    });
    const base = res.body.baseUrl as string;
    expect(base).toMatch(/\/media\/t\/[0-9a-f-]{36}\/[0-9a-f]{32}$/);
    for (const w of [1040, 700, 460, 300, 240]) {
      const img = await fetchPublic(`${base}/${w}`);
      expect(img.status, `width ${w}`).toBe(200);
      expect(img.headers['content-type']).toBe('image/jpeg');
      const m = await sharp(img.body as Buffer).metadata();
      expect(m.width).toBe(w);
      expect(m.height).toBe(Math.round((693 * w) / 1040));
    }
    expect((await fetchPublic(`${base}/original`)).status).toBe(404);

    // A narrow picture is enlarged, with a warning that says so.
    const narrow = await upload(staffA, await photo(600, 600), 'imagemap');
    expect(narrow.status).toBe(201);
    expect(narrow.body.baseSize).toEqual({ width: 1040, height: 1040 });
    expect(narrow.body.warnings[0]).toContain('拡大して使います');
    const tall = await upload(staffA, await photo(500, 1200), 'imagemap');
    expect(tall.status).toBe(422);
    expect(tall.body.title).toBe('イメージマップの画像が縦に長すぎます');
  });

  it('the uploaded URLs make valid image and imagemap messages of a delivery', async () => {
    const map = (await upload(staffA, await photo(1040, 520), 'imagemap')).body;
    const res = await staffA.post('/api/deliveries', {
      title: '画像つきのお知らせ',
      organisationId: a.orgs.ka,
      messages: [
        { type: 'image', ...imageUrls },
        {
          type: 'imagemap',
          baseUrl: map.baseUrl,
          altText: '広報紙',
          baseSize: map.baseSize,
          actions: [
            { type: 'uri', linkUri: 'https://example.jp/', area: { x: 0, y: 0, width: 520, height: 520 } },
            { type: 'message', text: '詳しく', area: { x: 520, y: 0, width: 520, height: 520 } },
          ],
        },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('refuses what is not a usable PNG or JPEG, in Japanese', async () => {
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
    const r1 = await upload(staffA, gif, 'image', 'image/png');
    expect(r1.status).toBe(415);
    expect(r1.body.title).toBe('画像はPNGかJPEGにしてください');
    const r2 = await upload(staffA, Buffer.from('これは画像ではありません'));
    expect(r2.status).toBe(415);
    const jpeg = await photo(400, 300);
    const r3 = await upload(staffA, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    expect(r3.status).toBe(422);
    expect(r3.body.title).toBe('画像を読み取れませんでした');
    const r4 = await upload(staffA, Buffer.alloc(0));
    expect(r4.status).toBe(422);
    const big = Buffer.concat([jpeg, Buffer.alloc(11 * 1024 * 1024)]);
    const r5 = await upload(staffA, big);
    expect(r5.status).toBe(413);
    expect(r5.body.title).toBe('画像は10MB以内にしてください');
    const r6 = await upload(staffA, await photo(8, 8));
    expect(r6.status).toBe(422);
    const r7 = await upload(staffA, jpeg, 'video');
    expect(r7.status).toBe(400);
  });

  it('needs the delivery feature; audits uploads without their content', async () => {
    const denied = await upload(noFeature, await photo(100, 100));
    expect(denied.status).toBe(403);
    const rows: Array<{ action: string; detail: Record<string, unknown> }> = await withTenant(
      a.tenant.id,
      (m) =>
        m.query(`select action, detail from audit_log where action = 'delivery.asset_upload' order by seq`),
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows[0]!.detail).toMatchObject({
      kind: 'image',
      contentType: 'image/jpeg',
      width: 1365,
      height: 2048,
    });
  });

  it('keeps tenants apart: lists and public URLs', async () => {
    const own = await staffB.get('/api/deliveries/assets?kind=image');
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([]);
    const listA = await staffA.get('/api/deliveries/assets?kind=image');
    expect(listA.body.items.map((i: { originalContentUrl: string }) => i.originalContentUrl)).toContain(
      imageUrls.originalContentUrl,
    );
    // Tenant A's token under tenant B's id is not found (RLS), nor a made-up token or variant.
    const swapped = imageUrls.originalContentUrl.replace(a.tenant.id, b.tenant.id);
    expect((await fetchPublic(swapped)).status).toBe(404);
    expect(
      (await fetchPublic(imageUrls.originalContentUrl.replace(/[0-9a-f]{32}/, '0'.repeat(32)))).status,
    ).toBe(404);
    expect((await fetchPublic(imageUrls.originalContentUrl.replace(/original$/, 'secret'))).status).toBe(404);
  });
});
