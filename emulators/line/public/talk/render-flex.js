// Flex Message renderer: bubble and carousel with box / text / span / image / button / icon /
// separator / spacer / filler, approximating LINE's sizes and spacing keywords.
import { h, img } from './dom.js';

const TEXT_SIZE = {
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
const SPACE = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
const IMAGE_SIZE = {
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
const BUBBLE_WIDTH = { nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 386 };

const px = (v, table, fallback) => {
  if (v === undefined) return fallback;
  if (typeof v === 'string' && /(px|%)$/.test(v)) return v;
  return table[v] !== undefined ? `${table[v]}px` : fallback;
};

/** `onAction(action)` is called when a tappable component is tapped. */
export function renderFlex(container, onAction) {
  if (container.type === 'carousel')
    return h(
      'div',
      { class: 'carousel' },
      (container.contents || []).map((b) => renderBubble(b, onAction)),
    );
  return renderBubble(container, onAction);
}

function renderBubble(b, onAction) {
  const styles = b.styles || {};
  const el = h('div', {
    class: 'flex-bubble',
    style: {
      width: `${BUBBLE_WIDTH[b.size] || BUBBLE_WIDTH.mega}px`,
      direction: b.direction === 'rtl' ? 'rtl' : 'ltr',
    },
  });
  const blocks = [
    ['header', 20],
    ['hero', 0],
    ['body', 20],
    ['footer', 10],
  ];
  let first = true;
  for (const [name, pad] of blocks) {
    const part = b[name];
    if (!part) continue;
    const st = styles[name] || {};
    if (st.separator && !first)
      el.append(h('hr', { class: 'flex-sep', style: { borderColor: st.separatorColor } }));
    first = false;
    const node = renderComponent(part, 'vertical', onAction, name === 'hero');
    const wrap = h(
      'div',
      { class: `flex-block flex-${name}`, style: { backgroundColor: st.backgroundColor } },
      node,
    );
    if (part.type === 'box' && !hasPadding(part)) node.style.padding = `${pad}px`;
    el.append(wrap);
  }
  if (b.action) clickable(el, b.action, onAction);
  return el;
}

const hasPadding = (box) =>
  ['paddingAll', 'paddingTop', 'paddingBottom', 'paddingStart', 'paddingEnd'].some(
    (k) => box[k] !== undefined,
  );

function clickable(el, action, onAction) {
  el.classList.add('tappable');
  el.tabIndex = 0;
  el.setAttribute('role', 'button');
  if (action.label) el.setAttribute('aria-label', action.label);
  el.addEventListener('click', (e) => {
    e.stopPropagation();
    onAction(action);
  });
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onAction(action);
    }
  });
}

function renderComponent(c, parentLayout, onAction, hero = false) {
  const el = component(c, onAction, hero);
  // flex: children of horizontal boxes share the width (default 1); of vertical boxes keep their size (0).
  const horizontal = parentLayout !== 'vertical';
  const grow = c.flex !== undefined ? c.flex : horizontal ? 1 : 0;
  el.style.flex = horizontal && grow ? `${grow} 0 0` : `${grow} 0 auto`;
  if (c.position === 'absolute') {
    el.style.position = 'absolute';
    for (const [k, css] of [
      ['offsetTop', 'top'],
      ['offsetBottom', 'bottom'],
      ['offsetStart', 'left'],
      ['offsetEnd', 'right'],
    ])
      if (c[k] !== undefined) el.style[css] = px(c[k], SPACE, '0');
  } else {
    for (const [k, css] of [
      ['offsetTop', 'top'],
      ['offsetBottom', 'bottom'],
      ['offsetStart', 'left'],
      ['offsetEnd', 'right'],
    ])
      if (c[k] !== undefined) {
        el.style.position = 'relative';
        el.style[css] = px(c[k], SPACE, '0');
      }
  }
  if (c.gravity) el.style.alignSelf = { top: 'flex-start', center: 'center', bottom: 'flex-end' }[c.gravity];
  if (c.action && c.type !== 'button') clickable(el, c.action, onAction);
  return el;
}

function component(c, onAction, hero) {
  switch (c.type) {
    case 'box':
      return box(c, onAction);
    case 'text':
      return text(c);
    case 'image':
      return image(c, hero);
    case 'button':
      return button(c, onAction);
    case 'icon':
      return img(c.url, '', {
        class: 'flex-icon',
        style: { width: px(c.size, TEXT_SIZE, '16px'), height: px(c.size, TEXT_SIZE, '16px') },
      });
    case 'separator':
      return h('hr', { class: 'flex-separator', style: { borderColor: c.color } });
    case 'spacer':
      return h('div', { style: { height: px(c.size, SPACE, '8px') } });
    case 'filler':
      return h('div', {});
    case 'video':
      return c.altContent
        ? component(c.altContent, onAction, hero)
        : h('div', { class: 'img-missing' }, '動画');
    default:
      return h('div', {}, '');
  }
}

function box(c, onAction) {
  const layout = c.layout || 'vertical';
  const el = h('div', {
    class: `flex-box flex-${layout}`,
    style: {
      backgroundColor: c.backgroundColor,
      borderColor: c.borderColor,
      borderWidth: c.borderWidth
        ? px(c.borderWidth, { none: 0, light: 0.5, normal: 1, medium: 2, 'semi-bold': 3, bold: 4 }, '1px')
        : undefined,
      borderStyle: c.borderWidth ? 'solid' : undefined,
      borderRadius: px(c.cornerRadius, SPACE, undefined),
      width: c.width,
      maxWidth: c.maxWidth,
      height: c.height,
      maxHeight: c.maxHeight,
      padding: px(c.paddingAll, SPACE, undefined),
      paddingTop: px(c.paddingTop, SPACE, undefined),
      paddingBottom: px(c.paddingBottom, SPACE, undefined),
      paddingLeft: px(c.paddingStart, SPACE, undefined),
      paddingRight: px(c.paddingEnd, SPACE, undefined),
      justifyContent: c.justifyContent,
      alignItems: c.alignItems || (layout === 'baseline' ? 'baseline' : undefined),
      background:
        c.background && c.background.type === 'linearGradient'
          ? `linear-gradient(${c.background.angle || '0deg'}, ${[
              c.background.startColor,
              c.background.centerColor,
              c.background.endColor,
            ]
              .filter(Boolean)
              .join(', ')})`
          : undefined,
    },
  });
  const gap = c.spacing ? (SPACE[c.spacing] ?? parseInt(c.spacing, 10)) : 0;
  (c.contents || []).forEach((child, i) => {
    const node = renderComponent(child, layout, onAction);
    const m =
      child.margin !== undefined ? px(child.margin, SPACE, '0px') : i > 0 && gap ? `${gap}px` : undefined;
    if (m && i > 0 && child.position !== 'absolute')
      node.style[layout === 'vertical' ? 'marginTop' : 'marginLeft'] = m;
    el.append(node);
  });
  if (c.position === undefined && (c.contents || []).some((x) => x.position === 'absolute'))
    el.style.position = 'relative';
  return el;
}

function text(c) {
  const size = px(c.size, TEXT_SIZE, '14px');
  const el = h('p', {
    class: 'flex-text',
    style: {
      fontSize: size,
      fontWeight: c.weight === 'bold' ? '700' : undefined,
      color: c.color || '#111111',
      textAlign: c.align === 'end' ? 'right' : c.align === 'center' ? 'center' : undefined,
      whiteSpace: c.wrap ? 'pre-wrap' : 'nowrap',
      fontStyle: c.style === 'italic' ? 'italic' : undefined,
      textDecoration: c.decoration && c.decoration !== 'none' ? c.decoration : undefined,
      lineHeight: c.lineSpacing ? `calc(1.4em + ${c.lineSpacing})` : undefined,
      WebkitLineClamp: c.maxLines ? String(c.maxLines) : undefined,
    },
  });
  if (c.maxLines) el.classList.add('clamp');
  if (Array.isArray(c.contents) && c.contents.length) {
    for (const s of c.contents)
      el.append(
        h(
          'span',
          {
            style: {
              fontSize: s.size ? px(s.size, TEXT_SIZE, undefined) : undefined,
              fontWeight: s.weight === 'bold' ? '700' : undefined,
              color: s.color,
              fontStyle: s.style === 'italic' ? 'italic' : undefined,
              textDecoration: s.decoration && s.decoration !== 'none' ? s.decoration : undefined,
            },
          },
          s.text,
        ),
      );
  } else el.textContent = c.text ?? '';
  return el;
}

function image(c, hero) {
  const [w, hh] = String(c.aspectRatio || '1:1')
    .split(':')
    .map(Number);
  const width = c.size === 'full' || hero ? '100%' : px(c.size, IMAGE_SIZE, '100px');
  const wrap = h('div', {
    class: 'flex-image',
    style: {
      width,
      maxWidth: '100%',
      aspectRatio: `${w || 1} / ${hh || 1}`,
      backgroundColor: c.backgroundColor,
      alignSelf: c.align === 'start' ? 'flex-start' : c.align === 'end' ? 'flex-end' : 'center',
    },
  });
  wrap.append(img(c.url, '', { style: { objectFit: c.aspectMode === 'cover' ? 'cover' : 'contain' } }));
  return wrap;
}

function button(c, onAction) {
  const style = c.style || 'link';
  const el = h(
    'button',
    {
      type: 'button',
      class: `flex-button flex-button-${style} ${c.height === 'sm' ? 'sm' : ''}`,
      style: style === 'link' ? { color: c.color } : { backgroundColor: c.color },
    },
    (c.action && c.action.label) || '',
  );
  if (c.action) el.addEventListener('click', () => onAction(c.action));
  return el;
}
