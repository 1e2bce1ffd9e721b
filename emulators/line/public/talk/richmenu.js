// The rich menu at the bottom of the talk: the uploaded image with its tappable areas, and the
// chat bar (chatBarText) that opens and closes it, as in the LINE app.
import { h, img } from './dom.js';

export function renderRichMenu(section, menu, onTap) {
  section.replaceChildren();
  if (!menu) return;
  const { width, height } = menu.size;
  const frame = h('div', { class: 'richmenu-frame', style: { aspectRatio: `${width} / ${height}` } });
  frame.append(
    menu.imageUrl
      ? img(menu.imageUrl, '', { class: 'richmenu-img', alt: '' })
      : h('div', { class: 'img-missing richmenu-img' }, '画像未登録'),
  );
  menu.areas.forEach((area, i) => {
    const b = area.bounds;
    const a = area.action || {};
    frame.append(
      h('button', {
        type: 'button',
        class: 'area',
        'data-area': i,
        'aria-label': a.label || a.text || a.displayText || a.data || a.uri || `エリア${i + 1}`,
        style: {
          left: `${(b.x / width) * 100}%`,
          top: `${(b.y / height) * 100}%`,
          width: `${(b.width / width) * 100}%`,
          height: `${(b.height / height) * 100}%`,
        },
        onclick: () => onTap(i, a),
      }),
    );
  });
  section.append(frame);
}
