import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import sharp, { type Sharp } from 'sharp';
import type { EntityManager } from 'typeorm';
import {
  FORM_FILE_KINDS,
  FORM_LIMITS,
  type CompiledItem,
  type FormAnswers,
  type FormFieldError,
  type FormFileCheck,
  type FormFileRef,
  type FormItemOf,
} from '../../contracts/forms/index.js';
import { decryptField, encryptField } from '../../platform/crypto/tenant-keys.js';
import { HttpError } from '../../platform/http/errors.js';
import { sniffContentType, storage } from '../../platform/storage/storage.js';

/**
 * Files residents (and staff entering a response) attach to file items (FORM-3, APP-4: ≤ 10 MB
 * each, several per item). The type comes from the bytes, never from the name or the browser;
 * images are decoded and re-encoded (which drops EXIF, so a photo's GPS position is not kept)
 * and turned upright; the original name is personal data and stored sealed. An upload belongs to
 * whoever sent it (a LINE resident, a browser, a staff account) until a submission links it to a
 * response; a job removes uploads nobody submitted (form-jobs.ts).
 */

/** The largest upload any item may accept (TZ ⑬ク: 10 MB per file). */
export const FORM_UPLOAD_MAX_BYTES = FORM_LIMITS.fileSizeMbMax * 1024 * 1024;
/** Decoding guard against small files that declare enormous canvases. */
const MAX_INPUT_PIXELS = 60_000_000;
/** Photos are kept sharp enough to read a document, without phone-camera sizes. */
const IMAGE_MAX_SIDE = 4096;

export interface FileOwner {
  residentId: string | null;
  visitorHash: string | null;
  staffId: string | null;
}

export const NAME_PURPOSE = (id: string) => `form_file.name:${id}`;
const storageKey = (tenantId: string, formId: string, id: string) =>
  `tenants/${tenantId}/form-files/${formId}/${id}`;

const refuse = (status: number, title: string, detail?: string) =>
  new HttpError(status, title, detail ? { detail } : {});

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const CFB = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/**
 * The MIME type of an upload from its bytes: the image formats, PDF, Word and Excel (both the
 * OLE and the Office Open XML forms; macro-enabled documents are refused as unknown) and plain
 * text or CSV (UTF-8 or Shift_JIS, no NUL bytes), or null.
 */
export function sniffFormFile(data: Buffer, name: string): string | null {
  const basic = sniffContentType(data);
  if (basic && basic !== 'video/mp4' && basic !== 'audio/mp4') return basic;
  if (data.subarray(4, 8).toString('latin1') === 'ftyp') {
    const brand = data.subarray(8, 12).toString('latin1');
    if (HEIF_BRANDS.has(brand)) return 'image/heic';
    if (brand === 'mif1' || brand === 'msf1') return 'image/heif';
    return null;
  }
  if (data.subarray(0, 8).equals(CFB)) {
    if (data.includes(utf16('WordDocument'))) return 'application/msword';
    if (data.includes(utf16('Workbook')) || data.includes(utf16('Book'))) return 'application/vnd.ms-excel';
    return null;
  }
  if (data.subarray(0, 4).toString('latin1') === 'PK\u0003\u0004') {
    if (!data.includes('[Content_Types].xml') || data.includes('vbaProject.bin')) return null;
    if (data.includes('word/document.xml'))
      return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    if (data.includes('xl/workbook.xml'))
      return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    return null;
  }
  if (!data.includes(0) && (isUtf8(data) || !iconv.decode(data, 'cp932').includes('\ufffd')))
    return /\.csv$/i.test(name) ? 'text/csv' : 'text/plain';
  return null;
}

/** A file name as stored: no folders, no control characters, at most 200 characters. */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"<>|*?:]/g, '_').trim();
  return [...(clean || 'file')].slice(0, 200).join('');
}

function withExtension(name: string, ext: string): string {
  const stem = name.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  return `${stem}.${ext}`;
}

async function encodeImage(
  input: Sharp,
  png: boolean,
  maxBytes: number,
): Promise<{ data: Buffer; png: boolean }> {
  if (png) {
    const p = await input.clone().png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
    if (p.length <= maxBytes) return { data: p, png: true };
  }
  for (const quality of [88, 80, 70, 60]) {
    const j = await input
      .clone()
      .flatten({ background: '#ffffff' })
      .jpeg({ quality, mozjpeg: true })
      .toBuffer();
    if (j.length <= maxBytes) return { data: j, png: false };
  }
  throw refuse(
    422,
    '画像を保存できる大きさにできませんでした',
    '写真の大きさ（ピクセル数）を小さくしてお試しください',
  );
}

export interface PreparedUpload {
  data: Buffer;
  name: string;
  type: string;
}

/**
 * Checks an upload against a file item and prepares what is stored: the type from the bytes must
 * be one the item accepts, the size within the item's limit; images are re-encoded upright
 * without metadata (JPEG, or PNG when they have transparency) and shrunk to 4,096 px at most.
 */
export async function prepareUpload(
  item: FormItemOf<'file'>,
  data: Buffer,
  rawName: string,
): Promise<PreparedUpload> {
  const limitMb = item.maxSizeMb;
  const maxBytes = limitMb * 1024 * 1024;
  const kinds = item.accept.map((k) => FORM_FILE_KINDS[k].label).join('・');
  if (data.length === 0) throw refuse(422, 'ファイルが空です。別のファイルを選んでください');
  if (data.length > maxBytes)
    throw refuse(
      413,
      `ファイルは${limitMb}MB以下にしてください`,
      `選んだファイルは${(data.length / 1024 / 1024).toFixed(1)}MBです`,
    );
  const name = cleanFileName(rawName);
  const type = sniffFormFile(data, name);
  const accepted = new Set(item.accept.flatMap((k) => Object.keys(FORM_FILE_KINDS[k].types)));
  if (!type || !accepted.has(type))
    throw refuse(
      415,
      `この項目に添付できるのは${kinds}のファイルです`,
      'ファイルの種類を確かめて、もう一度お選びください',
    );
  if (!type.startsWith('image/')) return { data, name, type };

  let input: Sharp;
  let hasAlpha: boolean;
  try {
    input = sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: IMAGE_MAX_SIDE, height: IMAGE_MAX_SIDE, fit: 'inside', withoutEnlargement: true });
    const meta = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).metadata();
    hasAlpha = Boolean(meta.hasAlpha);
    // Decoding the whole picture here turns a truncated file into a 422, not a 500.
    await input.clone().stats();
  } catch (e) {
    const message = e instanceof Error ? e.message : '';
    if (/pixel limit/i.test(message))
      throw refuse(
        422,
        '写真の大きさ（ピクセル数）が大きすぎます',
        '6,000万ピクセル以下の画像にしてください',
      );
    if (type === 'image/heic' || type === 'image/heif')
      throw refuse(
        415,
        'HEIC形式の写真を読み取れませんでした',
        'JPEG形式の写真を添付してください（iPhoneでは「設定」→「カメラ」→「フォーマット」で「互換性優先」を選べます）',
      );
    throw refuse(
      422,
      '画像を読み取れませんでした',
      'ファイルが壊れていないか確かめて、別の画像をお試しください',
    );
  }
  const encoded = await encodeImage(input, hasAlpha, maxBytes);
  const outType = encoded.png ? 'image/png' : 'image/jpeg';
  if (!accepted.has(outType)) throw refuse(415, `この項目に添付できるのは${kinds}のファイルです`);
  return { data: encoded.data, name: withExtension(name, encoded.png ? 'png' : 'jpg'), type: outType };
}

/** Stores a prepared upload and records it for its owner; answers `{id, name, size, type}`. */
export async function saveUpload(
  m: EntityManager,
  tenantId: string,
  formId: string,
  itemCode: string,
  owner: FileOwner,
  upload: PreparedUpload,
): Promise<FormFileRef> {
  const id = randomUUID();
  const key = storageKey(tenantId, formId, id);
  await storage().put(key, upload.data, upload.type);
  await m.query(
    `insert into form_file (id, tenant_id, form_id, item_code, resident_id, visitor_hash, staff_id, name_enc, content_type, size, storage_key)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      tenantId,
      formId,
      itemCode,
      owner.residentId,
      owner.visitorHash,
      owner.staffId,
      await encryptField(upload.name, NAME_PURPOSE(id)),
      upload.type,
      upload.data.length,
      key,
    ],
  );
  return { id, name: upload.name, size: upload.data.length, type: upload.type };
}

interface FileRow {
  id: string;
  form_id: string;
  item_code: string;
  response_id: string | null;
  resident_id: string | null;
  visitor_hash: string | null;
  staff_id: string | null;
  name_enc: string;
  content_type: string;
  size: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function ownedBy(row: FileRow, owner: FileOwner): boolean {
  if (owner.staffId) return row.staff_id !== null;
  if (owner.residentId) return row.resident_id === owner.residentId;
  return owner.visitorHash !== null && row.visitor_hash === owner.visitorHash;
}

/**
 * The server's own check of a submission's files (the engine only saw what the page declared):
 * each one was uploaded to this form's item by this owner (staff: by any staff account), is not
 * attached to another response, and its stored size and sniffed type fit the item. Errors are
 * per file at the engine's paths; the clean answers carry the stored name, size and type.
 */
export async function checkSubmittedFiles(
  m: EntityManager,
  formId: string,
  answers: FormAnswers,
  checks: FormFileCheck[],
  owner: FileOwner,
  responseId: string | null,
): Promise<{ errors: FormFieldError[]; answers: FormAnswers; fileIds: string[] }> {
  const ids = checks.flatMap((c) => c.files.map((f) => f.id)).filter((id) => UUID.test(id));
  const rows: FileRow[] = ids.length
    ? await m.query(
        `select id, form_id, item_code, response_id, resident_id, visitor_hash, staff_id, name_enc, content_type, size
           from form_file where id = any($1::uuid[])`,
        [ids],
      )
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const errors: FormFieldError[] = [];
  const out = structuredClone(answers);
  const fileIds: string[] = [];
  for (const check of checks) {
    const refs: FormFileRef[] = [];
    for (const [i, f] of check.files.entries()) {
      const path = `${check.path}.${i}`;
      const row = byId.get(f.id);
      if (!row || row.form_id !== formId || row.item_code !== check.item || !ownedBy(row, owner)) {
        errors.push({ path, message: `「${f.name}」が見つかりません。もう一度添付してください` });
        continue;
      }
      if (row.response_id && row.response_id !== responseId) {
        errors.push({ path, message: `「${f.name}」はほかの回答に添付済みです。もう一度添付してください` });
        continue;
      }
      if (row.size > check.maxBytes) {
        errors.push({
          path,
          message: `「${f.name}」は${Math.round(check.maxBytes / 1024 / 1024)}MBを超えています。小さいファイルにしてください`,
        });
        continue;
      }
      if (!check.mimeTypes.includes(row.content_type)) {
        errors.push({ path, message: `「${f.name}」はこの項目に添付できない種類のファイルです` });
        continue;
      }
      refs.push({
        id: row.id,
        name: await decryptField(row.name_enc, NAME_PURPOSE(row.id)),
        size: row.size,
        type: row.content_type,
      });
      fileIds.push(row.id);
    }
    setAtPath(out, check.path.replace(/^answers\./, ''), refs);
  }
  return { errors, answers: out, fileIds };
}

/** Sets a value at an engine path (`photo`, `children.1.photo`) of an answer set. */
function setAtPath(answers: FormAnswers, path: string, value: unknown): void {
  const parts = path.split('.');
  let at: Record<string, unknown> | unknown[] = answers as Record<string, unknown>;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    const next: unknown = Array.isArray(at) ? at[Number(key)] : at[key];
    if (typeof next !== 'object' || next === null) return;
    at = next as Record<string, unknown> | unknown[];
  }
  const last = parts[parts.length - 1]!;
  if (Array.isArray(at)) at[Number(last)] = value;
  else at[last] = value;
}

/** Ids of the uploads an answer set names (drafts keep them from the clean-up). */
export function fileIdsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) fileIdsIn(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.id === 'string' && typeof o.name === 'string' && 'size' in o && UUID.test(o.id))
      out.push(o.id);
    else for (const v of Object.values(o)) fileIdsIn(v, out);
  }
  return out;
}

/** A file item of the version, as an upload names it (`?item=`), or null. */
export function fileItem(ci: CompiledItem | undefined): FormItemOf<'file'> | null {
  return ci?.item.type === 'file' ? ci.item : null;
}

/** An attached file for staff to download (the response's, by id). */
export async function readResponseFile(
  m: EntityManager,
  responseId: string,
  fileId: string,
): Promise<{ data: Buffer; type: string; name: string } | null> {
  if (!UUID.test(fileId)) return null;
  const rows: Array<{ id: string; storage_key: string; content_type: string; name_enc: string }> =
    await m.query(
      'select id, storage_key, content_type, name_enc from form_file where id = $1 and response_id = $2',
      [fileId, responseId],
    );
  const row = rows[0];
  if (!row) return null;
  const stored = await storage().get(row.storage_key);
  if (!stored) return null;
  return {
    data: stored.data,
    type: row.content_type,
    name: await decryptField(row.name_enc, NAME_PURPOSE(row.id)),
  };
}
