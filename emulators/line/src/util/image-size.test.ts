import { describe, expect, it } from 'vitest';
import { imageInfo } from './image-size.js';
import { solidPng } from './png.js';

describe('imageInfo', () => {
  it('reads PNG sizes from the IHDR chunk', () => {
    expect(imageInfo(solidPng(2500, 843))).toEqual({ type: 'image/png', width: 2500, height: 843 });
  });

  it('reads JPEG sizes from the first start-of-frame, skipping other segments', () => {
    const app0 = [0xff, 0xe0, 0x00, 0x06, 1, 2, 3, 4];
    const sof2 = [0xff, 0xc2, 0x00, 0x11, 0x08, 0x06, 0x96, 0x09, 0xc4];
    expect(imageInfo(Buffer.from([0xff, 0xd8, ...app0, ...sof2, 0, 0, 0, 0]))).toEqual({
      type: 'image/jpeg',
      width: 2500,
      height: 1686,
    });
  });

  it('refuses anything else', () => {
    expect(imageInfo(Buffer.from('GIF89a....'))).toBeUndefined();
    expect(imageInfo(Buffer.from([0xff, 0xd8, 0xff]))).toBeUndefined();
  });
});
