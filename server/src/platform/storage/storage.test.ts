import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDiskStorage, sniffContentType } from './storage.js';

describe('storage', () => {
  it('stores and reads back a file with its content type', async () => {
    const s = new LocalDiskStorage(await mkdtemp(path.join(os.tmpdir(), 'store-')));
    await s.put('tenants/t1/line-content/123', Buffer.from('abc'), 'image/png');
    expect(await s.get('tenants/t1/line-content/123')).toEqual({
      data: Buffer.from('abc'),
      contentType: 'image/png',
    });
    expect(await s.get('tenants/t1/line-content/none')).toBeNull();
  });
  it('refuses keys that could leave the storage folder', async () => {
    const s = new LocalDiskStorage(os.tmpdir());
    await expect(s.put('../etc/passwd', Buffer.from(''), 'text/plain')).rejects.toThrow(
      /invalid storage key/,
    );
    await expect(s.put('/abs', Buffer.from(''), 'text/plain')).rejects.toThrow(/invalid storage key/);
  });
  it('sniffs types from bytes', () => {
    expect(sniffContentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffContentType(Buffer.from('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffContentType(Buffer.from('<html>'))).toBeNull();
  });
});
