import { randomBytes } from 'node:crypto';
import sharp, { type Metadata, type Sharp } from 'sharp';
import type { EntityManager } from 'typeorm';
import { config } from '../../platform/config/config.js';
import { HttpError } from '../../platform/http/errors.js';
import { LINE_LIMITS } from '../../platform/line/messages.js';
import { sniffContentType, storage } from '../../platform/storage/storage.js';

/**
 * Images of delivery messages (DEL-6): staff upload a PNG or JPEG; we re-encode it with sharp
 * (which also drops EXIF, so a photo's GPS position never reaches residents), resize it to what
 * LINE accepts, store the results and serve them at public, unguessable URLs, because LINE's
 * servers and residents' phones fetch message images from the sender's own HTTPS server.
 *
 * - `image`: an original (long side ≤ 2,048 px, ≤ 10 MB) for image messages, template thumbnails
 *   and Flex images, and a preview (≤ 240×240, ≤ 1 MB) for image messages' previewImageUrl.
 * - `imagemap`: the picture at the five widths LINE's apps request (`baseUrl/1040`, `/700`,
 *   `/460`, `/300`, `/240`); the message's baseSize is 1040 × the height at that width.
 */

export const ASSET_KINDS = ['image', 'imagemap'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** What staff may upload (before re-encoding): LINE's own ceiling for an original image. */
export const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
/** Decoding guard: a small file may declare an enormous canvas (a "decompression bomb"). */
export const MAX_INPUT_PIXELS = 50_000_000;
/** Long side of a stored original: sharp on phones, far below LINE's 10 MB. */
export const ORIGINAL_MAX_SIDE = 2048;
export const PREVIEW_MAX_SIDE = 240;
export const ORIGINAL_MAX_BYTES = 10 * 1024 * 1024;
export const PREVIEW_MAX_BYTES = 1024 * 1024;
/** Widths LINE's apps request from an imagemap's baseUrl, largest first. */
export const IMAGEMAP_WIDTHS = [1040, 700, 460, 300, 240] as const;
export const IMAGEMAP_MIN_WIDTH = 240;
/**
 * Our own guard, not a documented LINE limit: an imagemap taller than twice its width (2,080 at
 * 1,040) cannot be seen at once on a phone, so its areas could not be tapped sensibly.
 */
export const IMAGEMAP_MAX_HEIGHT = 2 * LINE_LIMITS.imagemapBaseWidth;
/** Images narrower than this are refused for image messages (they would be unreadable). */
export const IMAGE_MIN_SIDE = 16;

export type ImageType = 'image/jpeg' | 'image/png';

export interface StoredVariant {
  name: string;
  width: number;
  height: number;
  bytes: number;
}

export interface AssetRow {
  id: string;
  kind: AssetKind;
  token: string;
  contentType: ImageType;
  width: number;
  height: number;
  sourceBytes: number;
  variants: StoredVariant[];
  createdBy: string | null;
  createdAt: Date;
}

const ASSET_COLUMNS = `a.id, a.kind, a.token, a.content_type as "contentType", a.width, a.height,
  a.source_bytes as "sourceBytes", a.variants, a.created_by as "createdBy", a.created_at as "createdAt"`;

interface Encoded {
  name: string;
  data: Buffer;
  width: number;
  height: number;
}

export interface ProcessedImage {
  contentType: ImageType;
  width: number;
  height: number;
  variants: Encoded[];
  warnings: string[];
}

/** Why an upload cannot be used, in Japanese for staff, with the HTTP status that fits. */
const refuse = (status: number, title: string, detail?: string) =>
  new HttpError(status, title, detail ? { detail } : {});

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)}MB`;

/**
 * Encodes one rendition. Pictures with transparency stay PNG (a logo on a transparent
 * background would otherwise get a black one); everything else becomes a baseline JPEG, which
 * every LINE client shows and which keeps photos small.
 */
async function encode(
  input: Sharp,
  box: { width: number; height?: number; fit: 'inside' | 'fill' },
  png: boolean,
  quality: number,
): Promise<{ data: Buffer; width: number; height: number }> {
  const resized = input.clone().resize({
    width: box.width,
    height: box.height,
    fit: box.fit,
    withoutEnlargement: box.fit === 'inside',
  });
  const out = png
    ? resized.png({ compressionLevel: 9, adaptiveFiltering: true })
    : resized.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: true, chromaSubsampling: '4:2:0' });
  const { data, info } = await out.toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Encodes within a byte budget: lower JPEG quality first, then (PNG) fall back to JPEG. */
async function encodeWithin(
  input: Sharp,
  box: { width: number; height?: number; fit: 'inside' | 'fill' },
  png: boolean,
  maxBytes: number,
): Promise<{ data: Buffer; width: number; height: number; png: boolean }> {
  if (png) {
    const p = await encode(input, box, true, 0);
    if (p.data.length <= maxBytes) return { ...p, png: true };
  }
  for (const quality of [85, 75, 65, 50]) {
    const j = await encode(input, box, false, quality);
    if (j.data.length <= maxBytes) return { ...j, png: false };
  }
  throw refuse(
    422,
    '画像を小さくできませんでした。大きさ（ピクセル数）を小さくした画像をアップロードしてください',
  );
}

/**
 * Checks and converts an upload. The type comes from the bytes (never the file name or the
 * request's Content-Type); the decoder refuses truncated files and oversized canvases.
 */
export async function processImage(data: Buffer, kind: AssetKind): Promise<ProcessedImage> {
  if (data.length === 0) throw refuse(422, '画像ファイルを選んでください');
  if (data.length > UPLOAD_MAX_BYTES)
    throw refuse(413, '画像は10MB以内にしてください', `選んだ画像は${mb(data.length)}です`);
  const sniffed = sniffContentType(data);
  if (sniffed !== 'image/png' && sniffed !== 'image/jpeg')
    throw refuse(
      415,
      '画像はPNGかJPEGにしてください',
      'ほかの形式（GIF、HEIC、WebPなど）はPNGかJPEGに変換してください',
    );

  let input: Sharp;
  let meta: Metadata;
  try {
    // rotate() applies the EXIF orientation before the metadata is dropped on output.
    input = sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate();
    meta = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).metadata();
    // Decoding the whole image here surfaces truncated or corrupt files as a 422, not a 500.
    await input.clone().stats();
  } catch (e) {
    const message = e instanceof Error ? e.message : '';
    if (/pixel limit/i.test(message))
      throw refuse(
        422,
        '画像の大きさ（ピクセル数）が大きすぎます',
        '5,000万ピクセル以下の画像にしてください',
      );
    throw refuse(
      422,
      '画像を読み取れませんでした',
      'ファイルが壊れていないか確かめて、別の画像をお試しください',
    );
  }
  // EXIF orientations 5–8 swap width and height.
  const swapped = (meta.orientation ?? 1) >= 5;
  const width = (swapped ? meta.height : meta.width) ?? 0;
  const height = (swapped ? meta.width : meta.height) ?? 0;
  const png = sniffed === 'image/png' && Boolean(meta.hasAlpha);
  const warnings: string[] = [];

  if (kind === 'image') {
    if (width < IMAGE_MIN_SIDE || height < IMAGE_MIN_SIDE)
      throw refuse(422, `画像が小さすぎます（${IMAGE_MIN_SIDE}ピクセル以上にしてください）`);
    const original = await encodeWithin(
      input,
      { width: ORIGINAL_MAX_SIDE, height: ORIGINAL_MAX_SIDE, fit: 'inside' },
      png,
      ORIGINAL_MAX_BYTES,
    );
    const preview = await encodeWithin(
      input,
      { width: PREVIEW_MAX_SIDE, height: PREVIEW_MAX_SIDE, fit: 'inside' },
      png,
      PREVIEW_MAX_BYTES,
    );
    return {
      contentType: original.png ? 'image/png' : 'image/jpeg',
      width: original.width,
      height: original.height,
      variants: [
        { name: 'original', ...original },
        { name: 'preview', ...preview },
      ],
      warnings,
    };
  }

  if (width < IMAGEMAP_MIN_WIDTH)
    throw refuse(
      422,
      `イメージマップの画像は幅${IMAGEMAP_MIN_WIDTH}ピクセル以上にしてください`,
      `選んだ画像の幅は${width}ピクセルです。幅1040ピクセルの画像がおすすめです`,
    );
  const baseHeight = Math.round((height * LINE_LIMITS.imagemapBaseWidth) / width);
  if (baseHeight > IMAGEMAP_MAX_HEIGHT)
    throw refuse(
      422,
      'イメージマップの画像が縦に長すぎます',
      `高さは幅の2倍まで（幅1040ピクセルなら高さ${IMAGEMAP_MAX_HEIGHT}ピクセルまで）にしてください`,
    );
  if (width < LINE_LIMITS.imagemapBaseWidth)
    warnings.push(
      `画像の幅が${width}ピクセルのため、幅1040ピクセルに拡大して使います。ぼやけて見えるときは、幅1040ピクセル以上の画像をお使いください`,
    );
  const variants: Encoded[] = [];
  let usePng = png;
  for (const w of IMAGEMAP_WIDTHS) {
    const h = Math.max(1, Math.round((baseHeight * w) / LINE_LIMITS.imagemapBaseWidth));
    // Every width must be the same picture in the same format: if the largest had to become
    // JPEG to fit, so do the others.
    const enc = await encodeWithin(input, { width: w, height: h, fit: 'fill' }, usePng, ORIGINAL_MAX_BYTES);
    usePng = enc.png;
    variants.push({ name: String(w), data: enc.data, width: enc.width, height: enc.height });
  }
  return {
    contentType: usePng ? 'image/png' : 'image/jpeg',
    width: LINE_LIMITS.imagemapBaseWidth,
    height: baseHeight,
    variants,
    warnings,
  };
}

export const storageKey = (tenantId: string, token: string, variant: string) =>
  `tenants/${tenantId}/delivery-assets/${token}/${variant}`;

/**
 * The public base of an asset. LINE only fetches HTTPS, so the scheme is always https: in
 * production PUBLIC_ORIGIN is https already; on a local demo (http://localhost) the URLs are
 * still valid message URLs, and the admin preview shows them from its own origin instead.
 */
export function assetBaseUrl(tenantId: string, token: string): string {
  const origin = new URL(config().PUBLIC_ORIGIN);
  origin.protocol = 'https:';
  return `${origin.origin}/media/t/${tenantId}/${token}`;
}

export interface AssetView {
  id: string;
  kind: AssetKind;
  contentType: ImageType;
  width: number;
  height: number;
  bytes: number;
  createdAt: Date;
  /** image: for image messages, template thumbnails and Flex images. */
  originalContentUrl?: string;
  previewImageUrl?: string;
  /** imagemap: the message's baseUrl and baseSize. */
  baseUrl?: string;
  baseSize?: { width: number; height: number };
}

export function assetView(tenantId: string, a: AssetRow): AssetView {
  const base = assetBaseUrl(tenantId, a.token);
  const common = {
    id: a.id,
    kind: a.kind,
    contentType: a.contentType,
    width: a.width,
    height: a.height,
    bytes: a.variants.reduce((n, v) => n + v.bytes, 0),
    createdAt: a.createdAt,
  };
  return a.kind === 'image'
    ? { ...common, originalContentUrl: `${base}/original`, previewImageUrl: `${base}/preview` }
    : { ...common, baseUrl: base, baseSize: { width: a.width, height: a.height } };
}

/** Stores the renditions, then records the asset (a row never points at missing files). */
export async function saveAsset(
  m: EntityManager,
  tenantId: string,
  kind: AssetKind,
  processed: ProcessedImage,
  sourceBytes: number,
  staffId: string | null,
): Promise<AssetRow> {
  const token = randomBytes(16).toString('hex');
  for (const v of processed.variants)
    await storage().put(storageKey(tenantId, token, v.name), v.data, processed.contentType);
  const variants: StoredVariant[] = processed.variants.map((v) => ({
    name: v.name,
    width: v.width,
    height: v.height,
    bytes: v.data.length,
  }));
  const rows: AssetRow[] = await m.query(
    `insert into delivery_asset (tenant_id, kind, token, content_type, width, height, source_bytes, variants, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
     returning id, kind, token, content_type as "contentType", width, height, source_bytes as "sourceBytes",
               variants, created_by as "createdBy", created_at as "createdAt"`,
    [
      tenantId,
      kind,
      token,
      processed.contentType,
      processed.width,
      processed.height,
      sourceBytes,
      JSON.stringify(variants),
      staffId,
    ],
  );
  return rows[0]!;
}

export async function findAssetByToken(m: EntityManager, token: string): Promise<AssetRow | null> {
  if (!/^[0-9a-f]{32}$/.test(token)) return null;
  const rows: AssetRow[] = await m.query(`select ${ASSET_COLUMNS} from delivery_asset a where a.token = $1`, [
    token,
  ]);
  return rows[0] ?? null;
}

/** The latest uploads of the tenant (the composer offers them again). */
export async function recentAssets(m: EntityManager, kind: AssetKind, limit: number): Promise<AssetRow[]> {
  return m.query(
    `select ${ASSET_COLUMNS} from delivery_asset a where a.kind = $1 order by a.created_at desc, a.id limit $2`,
    [kind, limit],
  );
}
