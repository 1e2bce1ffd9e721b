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

/** An <img> that turns into a labelled grey box when the URL cannot be loaded (offline demo). */
export function img(src, alt, attrs = {}) {
  const el = h('img', { src, alt, loading: 'lazy', ...attrs });
  el.addEventListener('error', () => {
    const box = h(
      'span',
      { class: 'img-missing ' + (attrs.class || ''), role: 'img', 'aria-label': alt },
      alt || '画像',
    );
    if (attrs.style) Object.assign(box.style, attrs.style);
    el.replaceWith(box);
  });
  return el;
}
