import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { config } from '../config/config.js';

/**
 * Where files live (DESIGN.md: local disk, or S3-compatible behind the same interface). Keys are
 * opaque paths chosen by the caller, always under a tenant prefix; no personal data in them.
 */
export interface FileStorage {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<{ data: Buffer; contentType: string } | null>;
  /** Removes a file; a key that holds nothing is not an error. */
  delete(key: string): Promise<void>;
}

function safeKey(key: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9/_.-]{0,300}$/.test(key) || key.includes('..'))
    throw new Error(`invalid storage key: ${key}`);
  return key;
}

/** Local disk: each file beside a small metadata file; written atomically (temp file + rename). */
export class LocalDiskStorage implements FileStorage {
  constructor(private readonly root: string) {}

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    const file = path.join(this.root, safeKey(key));
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, file);
    await writeFile(`${file}.meta.json`, JSON.stringify({ contentType, size: data.length }));
  }

  async get(key: string): Promise<{ data: Buffer; contentType: string } | null> {
    const file = path.join(this.root, safeKey(key));
    try {
      const [data, meta] = await Promise.all([readFile(file), readFile(`${file}.meta.json`, 'utf8')]);
      return { data, contentType: (JSON.parse(meta) as { contentType: string }).contentType };
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const file = path.join(this.root, safeKey(key));
    await rm(file, { force: true });
    await rm(`${file}.meta.json`, { force: true });
  }
}

let instance: FileStorage | undefined;
export function storage(): FileStorage {
  instance ??= new LocalDiskStorage(config().STORAGE_DIR);
  return instance;
}
export function setStorage(s: FileStorage | undefined): void {
  instance = s;
}

const SIGNATURES: Array<{ type: string; test: (b: Buffer) => boolean }> = [
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { type: 'image/gif', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  {
    type: 'image/webp',
    test: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  { type: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  {
    type: 'video/mp4',
    test: (b) =>
      b.subarray(4, 8).toString('latin1') === 'ftyp' &&
      !b.subarray(8, 11).toString('latin1').startsWith('M4A'),
  },
  {
    type: 'audio/mp4',
    test: (b) =>
      b.subarray(4, 8).toString('latin1') === 'ftyp' && b.subarray(8, 11).toString('latin1') === 'M4A',
  },
];

/** The content type from the bytes themselves (never from a header or a file name), or null. */
export function sniffContentType(data: Buffer): string | null {
  return SIGNATURES.find((s) => s.test(data))?.type ?? null;
}
