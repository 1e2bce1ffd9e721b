/**
 * カラーユニバーサルデザイン推奨配色セット (CUD ver.4) — colours told apart by people with
 * colour-vision deficiencies — each with a text colour readable on it (WCAG contrast ≥ 4.5 where
 * the colour allows, else the better of black and white).
 */
export interface Swatch {
  name: string;
  bg: string;
  fg: string;
}

export const CUD_PALETTE: Swatch[] = [
  { name: '赤', bg: '#FF2800', fg: '#000000' },
  { name: '黄', bg: '#FAF500', fg: '#000000' },
  { name: '緑', bg: '#35A16B', fg: '#000000' },
  { name: '青', bg: '#0041FF', fg: '#FFFFFF' },
  { name: '空色', bg: '#66CCFF', fg: '#000000' },
  { name: 'ピンク', bg: '#FF99A0', fg: '#000000' },
  { name: 'オレンジ', bg: '#FF9900', fg: '#000000' },
  { name: '紫', bg: '#9A0079', fg: '#FFFFFF' },
  { name: '茶', bg: '#663300', fg: '#FFFFFF' },
  { name: '明るい灰', bg: '#C8C8CB', fg: '#000000' },
  { name: 'クリーム', bg: '#FFFF99', fg: '#000000' },
  { name: '白', bg: '#FFFFFF', fg: '#000000' },
];

function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
}

/** WCAG contrast ratio of two #RRGGBB colours. */
export function contrast(a: string, b: string): number {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (l1 + 0.05) / (l2 + 0.05);
}

/** Black or white, whichever reads better on `bg`. */
export function textOn(bg: string): string {
  return contrast(bg, '#000000') >= contrast(bg, '#FFFFFF') ? '#000000' : '#FFFFFF';
}
