// Renders one message object as the LINE app shows it. `onAction(action)` handles taps.
import { h, img, viewable } from './dom.js';
import { renderFlex } from './render-flex.js';

/** LINE emoji images live on LINE's CDN; offline, a smiley stands in (with the ids as a tooltip). */
const emojiUrl = (e) =>
  `https://stickershop.line-scdn.net/sticonshop/v1/sticon/${e.productId}/android/${e.emojiId}.png`;
const stickerUrl = (id) =>
  `https://stickershop.line-scdn.net/stickershop/v1/sticker/${id}/android/sticker.png`;

function emojiNode(e) {
  const fallback = h(
    'span',
    { class: 'emoji', title: `${e.productId}/${e.emojiId}`, role: 'img', 'aria-label': '絵文字' },
    '☺',
  );
  const el = h('img', { class: 'emoji', alt: '絵文字' });
  el.addEventListener('load', () => fallback.replaceWith(el), { once: true });
  el.src = emojiUrl(e);
  return fallback;
}

/** Text with LINE emoji: bot messages mark `$` at each index; user messages replace `length` chars. */
function textWithEmoji(m) {
  const emojis = (m.emojis || []).slice().sort((a, b) => a.index - b.index);
  const out = [];
  let at = 0;
  for (const e of emojis) {
    if (e.index < at) continue;
    out.push(m.text.slice(at, e.index));
    out.push(emojiNode(e));
    at = e.index + (e.length || 1);
  }
  out.push(m.text.slice(at));
  return out;
}

export function renderMessage(m, ctx) {
  switch (m.type) {
    case 'text':
    case 'textV2':
      return h('div', { class: 'bubble text' }, textWithEmoji(m));
    case 'sticker':
      return img(stickerUrl(m.stickerId), `スタンプ ${m.packageId}/${m.stickerId}`, { class: 'sticker' });
    case 'image':
      return h(
        'a',
        { href: viewable(m.originalContentUrl || m.src), target: '_blank', rel: 'noopener', class: 'media' },
        img(m.previewImageUrl || m.src, '画像', { class: 'photo' }),
      );
    case 'video':
      return h(
        'div',
        { class: 'bubble media-note' },
        '▶ 動画',
        img(m.previewImageUrl, '動画のプレビュー', { class: 'photo' }),
      );
    case 'audio':
      return h(
        'div',
        { class: 'bubble media-note' },
        `音声メッセージ（${Math.round((m.duration || 0) / 1000)}秒）`,
      );
    case 'location':
      return h(
        'a',
        {
          class: 'bubble location',
          href: `https://www.openstreetmap.org/?mlat=${m.latitude}&mlon=${m.longitude}#map=17/${m.latitude}/${m.longitude}`,
          target: '_blank',
          rel: 'noopener',
        },
        h('strong', {}, pin(), m.title || '位置情報'),
        h('span', {}, m.address || `${m.latitude}, ${m.longitude}`),
      );
    case 'imagemap':
      return imagemap(m, ctx);
    case 'template':
      return template(m.template, ctx);
    case 'flex':
      return renderFlex(m.contents, ctx.onAction);
    default:
      return h('div', { class: 'bubble' }, `（${m.type} メッセージ）`);
  }
}

/** A map pin drawn in SVG (colour emoji fonts are not everywhere). */
function pin() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'pin');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute(
    'd',
    'M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z',
  );
  path.setAttribute('fill', '#e53935');
  svg.append(path);
  return svg;
}

function imagemap(m, ctx) {
  const { width, height } = m.baseSize || { width: 1040, height: 1040 };
  const el = h('div', { class: 'imagemap', style: { aspectRatio: `${width} / ${height}` } });
  el.append(img(`${m.baseUrl}/1040`, m.altText, { class: 'imagemap-img' }));
  for (const a of m.actions || []) {
    const b = a.area;
    const action =
      a.type === 'uri'
        ? { type: 'uri', uri: a.linkUri, label: a.label }
        : { type: 'message', text: a.text, label: a.label };
    el.append(
      h('button', {
        type: 'button',
        class: 'area',
        'aria-label': a.label || a.text || a.linkUri,
        style: {
          left: `${(b.x / width) * 100}%`,
          top: `${(b.y / height) * 100}%`,
          width: `${(b.width / width) * 100}%`,
          height: `${(b.height / height) * 100}%`,
        },
        onclick: () => ctx.onAction(action),
      }),
    );
  }
  return el;
}

const actionButton = (a, ctx, cls = 'tpl-action') =>
  h('button', { type: 'button', class: cls, onclick: () => ctx.onAction(a) }, a.label || '');

function column(c, ctx, kind) {
  const ratio = kind.imageAspectRatio === 'square' ? '1 / 1' : '1.51 / 1';
  return h(
    'div',
    { class: 'tpl-card' },
    c.thumbnailImageUrl
      ? img(c.thumbnailImageUrl, '', {
          class: 'tpl-thumb',
          style: {
            aspectRatio: ratio,
            objectFit: kind.imageSize === 'contain' ? 'contain' : 'cover',
            backgroundColor: c.imageBackgroundColor,
          },
        })
      : null,
    h(
      'div',
      { class: 'tpl-body' },
      c.title ? h('p', { class: 'tpl-title' }, c.title) : null,
      h('p', { class: 'tpl-text' }, c.text),
    ),
    h(
      'div',
      { class: 'tpl-actions' },
      (c.actions || []).map((a) => actionButton(a, ctx)),
    ),
  );
}

function template(t, ctx) {
  switch (t.type) {
    case 'buttons':
      return column(t, ctx, t);
    case 'confirm':
      return h(
        'div',
        { class: 'tpl-card confirm' },
        h('p', { class: 'tpl-text' }, t.text),
        h(
          'div',
          { class: 'tpl-actions row' },
          t.actions.map((a) => actionButton(a, ctx)),
        ),
      );
    case 'carousel':
      return h(
        'div',
        { class: 'carousel' },
        t.columns.map((c) => column(c, ctx, t)),
      );
    case 'image_carousel':
      return h(
        'div',
        { class: 'carousel' },
        t.columns.map((c) =>
          h(
            'button',
            { type: 'button', class: 'img-col', onclick: () => ctx.onAction(c.action) },
            img(c.imageUrl, c.action.label || '', { class: 'img-col-img' }),
            c.action.label ? h('span', { class: 'img-col-label' }, c.action.label) : null,
          ),
        ),
      );
    default:
      return h('div', { class: 'bubble' }, '（テンプレート）');
  }
}
