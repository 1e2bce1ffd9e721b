/**
 * Flex Message layout in CSS for the composer's preview, mirroring the LINE emulator's talk view
 * (emulators/line/public/talk/render-flex.js): LINE's size and spacing keywords in pixels, flex
 * factors, offsets and gravity. Returns inline style strings for Svelte's `style` attribute.
 */

type Json = Record<string, unknown>;

export const TEXT_SIZE: Record<string, number> = {
  xxs: 11,
  xs: 13,
  sm: 14,
  md: 16,
  lg: 19,
  xl: 22,
  xxl: 29,
  '3xl': 35,
  '4xl': 48,
  '5xl': 74,
};
export const SPACE: Record<string, number> = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
const IMAGE_SIZE: Record<string, number> = {
  xxs: 40,
  xs: 60,
  sm: 80,
  md: 100,
  lg: 120,
  xl: 140,
  xxl: 160,
  '3xl': 180,
  '4xl': 200,
  '5xl': 220,
};
export const BUBBLE_WIDTH: Record<string, number> = {
  nano: 120,
  micro: 160,
  deca: 220,
  hecto: 241,
  kilo: 260,
  mega: 300,
  giga: 386,
};
const BORDER: Record<string, number> = { none: 0, light: 0.5, normal: 1, medium: 2, 'semi-bold': 3, bold: 4 };

/** A keyword or a literal `12px` / `50%` as CSS; undefined when not given. */
export function px(v: unknown, table: Record<string, number>): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (/(px|%)$/.test(v)) return v;
  return table[v] !== undefined ? `${table[v]}px` : undefined;
}

/** Joins CSS declarations, leaving out those without a value. */
export function css(decls: Record<string, string | number | undefined | null>): string {
  return Object.entries(decls)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}:${v}`)
    .join(';');
}

/** How a component sits in its parent box: flex factor, margin or spacing, offsets, gravity. */
export function placement(c: Json, parentLayout: string, index: number, parentSpacing: string | undefined) {
  const horizontal = parentLayout !== 'vertical';
  const grow = typeof c.flex === 'number' ? c.flex : horizontal ? 1 : 0;
  const absolute = c.position === 'absolute';
  const margin =
    c.margin !== undefined
      ? px(c.margin, SPACE)
      : index > 0 && parentSpacing
        ? px(parentSpacing, SPACE)
        : undefined;
  const offsets = {
    top: px(c.offsetTop, SPACE),
    bottom: px(c.offsetBottom, SPACE),
    left: px(c.offsetStart, SPACE),
    right: px(c.offsetEnd, SPACE),
  };
  const hasOffset = Object.values(offsets).some(Boolean);
  return css({
    flex: horizontal && grow ? `${grow} 0 0` : `${grow} 0 auto`,
    position: absolute ? 'absolute' : hasOffset ? 'relative' : undefined,
    ...offsets,
    [horizontal ? 'margin-left' : 'margin-top']: index > 0 && !absolute ? margin : undefined,
    'align-self':
      c.gravity === 'top'
        ? 'flex-start'
        : c.gravity === 'bottom'
          ? 'flex-end'
          : c.gravity === 'center'
            ? 'center'
            : undefined,
    'min-width': '0',
  });
}

export function boxStyle(c: Json): string {
  const layout = typeof c.layout === 'string' ? c.layout : 'vertical';
  const bg = c.background as Json | undefined;
  return css({
    display: 'flex',
    'flex-direction': layout === 'vertical' ? 'column' : 'row',
    'background-color': c.backgroundColor as string,
    'border-color': c.borderColor as string,
    'border-width': c.borderWidth ? (px(c.borderWidth, BORDER) ?? '1px') : undefined,
    'border-style': c.borderWidth ? 'solid' : undefined,
    'border-radius': px(c.cornerRadius, SPACE),
    width: c.width as string,
    'max-width': c.maxWidth as string,
    height: c.height as string,
    'max-height': c.maxHeight as string,
    padding: px(c.paddingAll, SPACE),
    'padding-top': px(c.paddingTop, SPACE),
    'padding-bottom': px(c.paddingBottom, SPACE),
    'padding-left': px(c.paddingStart, SPACE),
    'padding-right': px(c.paddingEnd, SPACE),
    'justify-content': c.justifyContent as string,
    'align-items': (c.alignItems as string) ?? (layout === 'baseline' ? 'baseline' : undefined),
    background:
      bg && bg.type === 'linearGradient'
        ? `linear-gradient(${String(bg.angle ?? '0deg')}, ${[bg.startColor, bg.centerColor, bg.endColor].filter(Boolean).join(', ')})`
        : undefined,
    position:
      c.position === undefined &&
      Array.isArray(c.contents) &&
      c.contents.some((x) => (x as Json).position === 'absolute')
        ? 'relative'
        : undefined,
  });
}

export function hasPadding(c: Json): boolean {
  return ['paddingAll', 'paddingTop', 'paddingBottom', 'paddingStart', 'paddingEnd'].some(
    (k) => c[k] !== undefined,
  );
}

export function textStyle(c: Json): string {
  return css({
    'font-size': px(c.size, TEXT_SIZE) ?? '14px',
    'font-weight': c.weight === 'bold' ? 700 : undefined,
    color: (c.color as string) || '#111111',
    'text-align': c.align === 'end' ? 'right' : c.align === 'center' ? 'center' : undefined,
    'white-space': c.wrap ? 'pre-wrap' : 'nowrap',
    'font-style': c.style === 'italic' ? 'italic' : undefined,
    'text-decoration': c.decoration && c.decoration !== 'none' ? (c.decoration as string) : undefined,
    'line-height': c.lineSpacing ? `calc(1.4em + ${String(c.lineSpacing)})` : undefined,
    '-webkit-line-clamp': c.maxLines ? String(c.maxLines) : undefined,
  });
}

export function spanStyle(s: Json): string {
  return css({
    'font-size': px(s.size, TEXT_SIZE),
    'font-weight': s.weight === 'bold' ? 700 : undefined,
    color: s.color as string,
    'font-style': s.style === 'italic' ? 'italic' : undefined,
    'text-decoration': s.decoration && s.decoration !== 'none' ? (s.decoration as string) : undefined,
  });
}

export function imageStyle(c: Json, hero: boolean): string {
  const [w, h] = String(c.aspectRatio ?? '1:1')
    .split(':')
    .map(Number);
  return css({
    width: c.size === 'full' || hero ? '100%' : (px(c.size, IMAGE_SIZE) ?? '100px'),
    'max-width': '100%',
    'aspect-ratio': `${w || 1} / ${h || 1}`,
    'background-color': c.backgroundColor as string,
    'align-self': c.align === 'start' ? 'flex-start' : c.align === 'end' ? 'flex-end' : 'center',
    overflow: 'hidden',
  });
}

export function iconSize(c: Json): string {
  return px(c.size, TEXT_SIZE) ?? '16px';
}
