/**
 * A brand colour per tenant, derived from its slug so every city gets a stable, distinct header
 * without configuration. The colour is dark enough for white text to meet WCAG 2.1 AA
 * (contrast ≥ 4.5:1 for normal text); `tint` is a pale version for backgrounds behind dark text.
 */
export interface TenantColours {
  /** Header background, e.g. '#1d5c8f'. */
  brand: string;
  /** Text on `brand`: always white. */
  onBrand: '#ffffff';
  /** Very light background in the same hue (dark text on it passes AA). */
  tint: string;
}

/** FNV-1a, 32 bit: small, deterministic, spreads similar slugs apart. */
export function hashSlug(slug: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < slug.length; i++) {
    h ^= slug.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)].map((v) => Math.round(v * 255)) as [number, number, number];
}

function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG 2.1 relative luminance of an sRGB colour given as '#rrggbb'. */
export function relativeLuminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((c) => {
    const v = parseInt(c!, 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.1 contrast ratio between two '#rrggbb' colours (1–21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const WHITE = '#ffffff';
/** A little above 4.5 so rounding in browsers never drops below AA. */
const TARGET_CONTRAST = 4.7;

export function tenantColours(slug: string): TenantColours {
  const hash = hashSlug(slug);
  const hue = hash % 360;
  const saturation = 0.55 + ((hash >>> 9) % 20) / 100; // 0.55–0.74
  let lightness = 0.42;
  let brand = toHex(hslToRgb(hue, saturation, lightness));
  while (contrastRatio(brand, WHITE) < TARGET_CONTRAST && lightness > 0.1) {
    lightness -= 0.01;
    brand = toHex(hslToRgb(hue, saturation, lightness));
  }
  const tint = toHex(hslToRgb(hue, Math.min(saturation, 0.6), 0.95));
  return { brand, onBrand: WHITE, tint };
}
