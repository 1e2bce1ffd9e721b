// A tiny element builder: h('div', {class: 'x', onclick: fn, style: {...}}, child, 'text').
// Text always goes through text nodes, so message content can never inject markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'style') Object.assign(el.style, v);
    else if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * LINE only takes https image URLs, so the product names its own images https:// on its origin;
 * a local demo serves that origin over plain http (localhost, *.localhost, 127.0.0.1). The talk
 * view fetches such local images over http, as LINE's servers would fetch them over https.
 */
export function viewable(src) {
  try {
    const u = new URL(src);
    const local =
      u.hostname === 'localhost' || u.hostname.endsWith('.localhost') || u.hostname === '127.0.0.1';
    if (u.protocol === 'https:' && local) {
      u.protocol = 'http:';
      return u.href;
    }
  } catch {
    // Not an absolute URL: leave it to the browser.
  }
  return src;
}

/**
 * An image that shows a labelled grey box until (and unless) the URL loads: the demo runs offline,
 * and LINE's message images are external HTTPS URLs.
 */
export function img(src, alt, attrs = {}) {
  const box = h(
    'span',
    { class: 'img-missing ' + (attrs.class || ''), role: 'img', 'aria-label': alt || '画像' },
    alt || '画像',
  );
  if (attrs.style) Object.assign(box.style, attrs.style);
  const el = h('img', { alt, ...attrs });
  el.addEventListener('load', () => box.replaceWith(el), { once: true });
  el.src = viewable(src);
  return box;
}
