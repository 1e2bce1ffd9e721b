import type { Bounds } from './types';

/** Pure rectangle maths for the area editor (image pixels, integers, inside the image). */

export interface Size {
  width: number;
  height: number;
}

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export const HANDLES: Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** Smallest area the mouse may draw (a click is not an area). */
export const MIN_SIDE = 20;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The rectangle spanned by two points, clipped to the image. */
export function rectFromPoints(ax: number, ay: number, bx: number, by: number, size: Size): Bounds {
  const x1 = clamp(Math.round(Math.min(ax, bx)), 0, size.width);
  const y1 = clamp(Math.round(Math.min(ay, by)), 0, size.height);
  const x2 = clamp(Math.round(Math.max(ax, bx)), 0, size.width);
  const y2 = clamp(Math.round(Math.max(ay, by)), 0, size.height);
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** `b` moved by (dx, dy), kept inside the image. */
export function moveRect(b: Bounds, dx: number, dy: number, size: Size): Bounds {
  return {
    ...b,
    x: clamp(Math.round(b.x + dx), 0, size.width - b.width),
    y: clamp(Math.round(b.y + dy), 0, size.height - b.height),
  };
}

/** `b` with one edge or corner dragged by (dx, dy); never smaller than MIN_SIDE nor outside. */
export function resizeRect(b: Bounds, handle: Handle, dx: number, dy: number, size: Size): Bounds {
  let left = b.x;
  let top = b.y;
  let right = b.x + b.width;
  let bottom = b.y + b.height;
  if (handle.includes('w')) left = clamp(Math.round(left + dx), 0, right - MIN_SIDE);
  if (handle.includes('e')) right = clamp(Math.round(right + dx), left + MIN_SIDE, size.width);
  if (handle.includes('n')) top = clamp(Math.round(top + dy), 0, bottom - MIN_SIDE);
  if (handle.includes('s')) bottom = clamp(Math.round(bottom + dy), top + MIN_SIDE, size.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** Whether `b` lies inside the image (what the server checks too). */
export function inside(b: Bounds, size: Size): boolean {
  return (
    b.x >= 0 &&
    b.y >= 0 &&
    b.width >= 1 &&
    b.height >= 1 &&
    b.x + b.width <= size.width &&
    b.y + b.height <= size.height
  );
}

/** Tiles of a cols×rows grid covering the image exactly (the last column/row takes the remainder). */
export function gridBounds(cols: number, rows: number, size: Size): Bounds[] {
  const out: Bounds[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = Math.round((c * size.width) / cols);
      const y = Math.round((r * size.height) / rows);
      const x2 = Math.round(((c + 1) * size.width) / cols);
      const y2 = Math.round(((r + 1) * size.height) / rows);
      out.push({ x, y, width: x2 - x, height: y2 - y });
    }
  }
  return out;
}
