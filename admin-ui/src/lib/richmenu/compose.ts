import { gridBounds, type Size } from './geometry';
import { TILE_ICONS, type TileIcon } from './icons';
import { CUD_PALETTE } from './palette';
import type { Bounds } from './types';

/** The in-browser tile composer (MENU-7): a grid of coloured tiles with an icon and a label. */

export interface Layout {
  id: string;
  label: string;
  cols: number;
  rows: number;
}

export const LAYOUTS: Record<'tall' | 'short', Layout[]> = {
  tall: [
    { id: '3x2', label: '3列×2段（6マス）', cols: 3, rows: 2 },
    { id: '4x2', label: '4列×2段（8マス）', cols: 4, rows: 2 },
    { id: '2x2', label: '2列×2段（4マス）', cols: 2, rows: 2 },
  ],
  short: [
    { id: '2x1', label: '2列×1段（2マス）', cols: 2, rows: 1 },
    { id: '3x1', label: '3列×1段（3マス）', cols: 3, rows: 1 },
  ],
};

export const layoutsFor = (size: Size): Layout[] => (size.height > 1000 ? LAYOUTS.tall : LAYOUTS.short);

export interface Tile {
  label: string;
  icon: TileIcon;
  bg: string;
  fg: string;
}

const DEFAULT_TILES: Array<Pick<Tile, 'label' | 'icon'>> = [
  { label: 'ホーム', icon: 'home' },
  { label: 'ごみの日', icon: 'trash' },
  { label: 'お知らせ', icon: 'megaphone' },
  { label: 'イベント', icon: 'calendar' },
  { label: '施設マップ', icon: 'pin' },
  { label: '受信設定', icon: 'settings' },
  { label: 'バス', icon: 'bus' },
  { label: 'お問い合わせ', icon: 'phone' },
];

/** Starting tiles for a layout, keeping what was typed into earlier tiles. */
export function tilesFor(layout: Layout, previous: Tile[] = []): Tile[] {
  return Array.from({ length: layout.cols * layout.rows }, (_, i) => {
    if (previous[i]) return previous[i];
    const d = DEFAULT_TILES[i % DEFAULT_TILES.length]!;
    const sw = CUD_PALETTE[i % 9]!;
    return { ...d, bg: sw.bg, fg: sw.fg };
  });
}

export function tileBounds(layout: Layout, size: Size): Bounds[] {
  return gridBounds(layout.cols, layout.rows, size);
}

/** Font size (px) that fits `label` on one line in a tile of width `w`, height `h`. */
export function labelFontSize(label: string, w: number, h: number): number {
  const chars = Math.max(1, [...label].length);
  return Math.floor(Math.min(h * 0.17, (w * 0.86) / chars));
}

const FONT = '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif';

/** Draws the tiles onto a canvas of exactly `size` pixels. */
export function drawTiles(ctx: CanvasRenderingContext2D, layout: Layout, tiles: Tile[], size: Size): void {
  ctx.clearRect(0, 0, size.width, size.height);
  const gap = 6;
  tileBounds(layout, size).forEach((b, i) => {
    const t = tiles[i];
    if (!t) return;
    ctx.fillStyle = '#FFFFFF';
    ctx.fillRect(b.x, b.y, b.width, b.height);
    ctx.fillStyle = t.bg;
    ctx.fillRect(b.x + gap, b.y + gap, b.width - 2 * gap, b.height - 2 * gap);
    const path = TILE_ICONS[t.icon]?.path;
    const hasLabel = t.label.trim().length > 0;
    const iconSize = Math.min(b.width, b.height) * (hasLabel ? 0.42 : 0.6);
    const cx = b.x + b.width / 2;
    const iconTop = b.y + b.height * (hasLabel ? 0.14 : 0.2);
    if (path) {
      ctx.save();
      ctx.translate(cx - iconSize / 2, iconTop);
      ctx.scale(iconSize / 24, iconSize / 24);
      ctx.strokeStyle = t.fg;
      ctx.lineWidth = 1.8;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.stroke(new Path2D(path));
      ctx.restore();
    }
    if (hasLabel) {
      const fs = labelFontSize(t.label, b.width, b.height);
      ctx.fillStyle = t.fg;
      ctx.font = `bold ${fs}px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const y = path ? iconTop + iconSize + (b.y + b.height - iconTop - iconSize) / 2 : b.y + b.height / 2;
      ctx.fillText(t.label.trim(), cx, y, b.width * 0.9);
    }
  });
}

/** The canvas as PNG, or as JPEG (falling quality) when the PNG exceeds `maxBytes`. */
export async function canvasToImage(canvas: HTMLCanvasElement, maxBytes: number): Promise<Blob> {
  const blob = (type: string, q?: number) =>
    new Promise<Blob>((res, rej) =>
      canvas.toBlob((b) => (b ? res(b) : rej(new Error('画像を作れませんでした'))), type, q),
    );
  const png = await blob('image/png');
  if (png.size <= maxBytes) return png;
  for (const q of [0.92, 0.85, 0.75, 0.6, 0.45]) {
    const jpg = await blob('image/jpeg', q);
    if (jpg.size <= maxBytes) return jpg;
  }
  throw new Error('画像を1MB以内にできませんでした。文字やアイコンを減らしてください');
}
