import { describe, expect, it } from 'vitest';
import { gridBounds, inside, moveRect, rectFromPoints, resizeRect } from './geometry';
import { labelFontSize, LAYOUTS, tilesFor } from './compose';
import { contrast, CUD_PALETTE } from './palette';

const SIZE = { width: 2500, height: 1686 };

describe('area geometry', () => {
  it('draws a rectangle from two points in any direction, clipped to the image', () => {
    expect(rectFromPoints(300, 200, 100, 50, SIZE)).toEqual({ x: 100, y: 50, width: 200, height: 150 });
    expect(rectFromPoints(2400, 1600, 2700, 1800, SIZE)).toEqual({
      x: 2400,
      y: 1600,
      width: 100,
      height: 86,
    });
  });
  it('moves inside the image only', () => {
    expect(moveRect({ x: 10, y: 10, width: 100, height: 100 }, -50, 2000, SIZE)).toEqual({
      x: 0,
      y: 1586,
      width: 100,
      height: 100,
    });
  });
  it('resizes from a handle without inverting or leaving the image', () => {
    const b = { x: 100, y: 100, width: 200, height: 200 };
    expect(resizeRect(b, 'se', 50, 30, SIZE)).toEqual({ x: 100, y: 100, width: 250, height: 230 });
    expect(resizeRect(b, 'nw', 500, -500, SIZE)).toEqual({ x: 280, y: 0, width: 20, height: 300 });
    expect(resizeRect(b, 'e', 5000, 0, SIZE).width).toBe(2400);
  });
  it('grids cover the image exactly', () => {
    const g = gridBounds(3, 2, SIZE);
    expect(g).toHaveLength(6);
    expect(g.every((b) => inside(b, SIZE))).toBe(true);
    expect(g.reduce((s, b) => s + b.width * b.height, 0)).toBe(2500 * 1686);
    expect(g[5]).toEqual({ x: 1667, y: 843, width: 833, height: 843 });
  });
});

describe('composer', () => {
  it('offers layouts for both sizes and keeps typed tiles', () => {
    const six = tilesFor(LAYOUTS.tall[0]!);
    expect(six).toHaveLength(6);
    six[0] = { ...six[0]!, label: 'ごみ' };
    const eight = tilesFor(LAYOUTS.tall[1]!, six);
    expect(eight).toHaveLength(8);
    expect(eight[0]!.label).toBe('ごみ');
    expect(tilesFor(LAYOUTS.short[0]!)).toHaveLength(2);
  });
  it('fits the label in the tile', () => {
    expect(labelFontSize('受信設定', 833, 843)).toBe(143);
    expect(labelFontSize('お問い合わせ窓口です', 625, 843)).toBeLessThan(60);
  });
  it('uses readable text on every CUD colour', () => {
    for (const s of CUD_PALETTE) expect(contrast(s.bg, s.fg), s.name).toBeGreaterThanOrEqual(4.5);
  });
});
