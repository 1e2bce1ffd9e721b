import { describe, expect, it } from 'vitest';
import { acceptAttribute, checkChosenFiles, formatBytes, isAccepted, isImageFile } from './files.ts';
import type { FileItem } from './files.ts';
import { testForm } from './test-fixture.ts';

const photos = testForm().items.get('photos')!.item as FileItem;
const MB = 1024 * 1024;

describe('files before upload', () => {
  it('accepts what the item’s kinds allow, by type or (when the browser does not say) by name', () => {
    expect(isAccepted(photos, { name: 'a.jpg', type: 'image/jpeg' })).toBe(true);
    expect(isAccepted(photos, { name: 'IMG_0001.HEIC', type: '' })).toBe(true);
    expect(isAccepted(photos, { name: 'a.pdf', type: 'application/pdf' })).toBe(false);
    expect(isAccepted(photos, { name: 'a.exe', type: 'application/octet-stream' })).toBe(false);
    expect(acceptAttribute(photos)).toContain('image/jpeg');
    expect(acceptAttribute(photos)).toContain('.heic');
    expect(isImageFile({ name: 'x.HEIC', type: '' })).toBe(true);
    expect(isImageFile({ name: 'x.pdf', type: 'application/pdf' })).toBe(false);
  });

  it('refuses too large, wrong kind, empty and one too many, in plain words, and keeps the rest', () => {
    const files = [
      { name: '大きい.jpg', size: 6 * MB, type: 'image/jpeg' },
      { name: '申請書.pdf', size: 1000, type: 'application/pdf' },
      { name: '空.png', size: 0, type: 'image/png' },
      { name: '1枚目.jpg', size: 2 * MB, type: 'image/jpeg' },
      { name: '2枚目.png', size: 1000, type: 'image/png' },
    ];
    const r = checkChosenFiles(photos, files, 1);
    expect(r.accepted.map((f) => f.name)).toEqual(['1枚目.jpg']);
    expect(r.problems).toEqual([
      '「大きい.jpg」は6.0MBあります。5MB以下のファイルにしてください',
      '「申請書.pdf」は添付できない種類のファイルです（画像のみ）',
      '「空.png」は中身のないファイルです。別のファイルを選んでください',
      '「2枚目.png」は添付できません。ファイルは2件までです',
    ]);
  });

  it('writes sizes as phones do', () => {
    expect(formatBytes(900)).toBe('900B');
    expect(formatBytes(1536)).toBe('1.5KB');
    expect(formatBytes(300 * 1024)).toBe('300KB');
    expect(formatBytes(2.5 * MB)).toBe('2.5MB');
  });
});
