import { checkAction } from './actions.js';
import { Issues, arr, isObj, type Obj } from './issues.js';

/**
 * Rich-menu rules beyond the schema: width 800–2500 px, height at least 250 px, width/height at
 * least 1.45, name ≤300, chatBarText ≤14, 1–20 areas each inside the menu, allowed actions.
 */
export const RICHMENU_MAX_AREAS = 20;
export const RICHMENU_MAX_PER_CHANNEL = 1000;
export const ALIAS_MAX_PER_CHANNEL = 1000;
export const ALIAS_ID = /^[a-z0-9_-]{1,32}$/;

export function checkRichMenu(issues: Issues, m: Obj): void {
  const size = isObj(m.size) ? m.size : undefined;
  if (!size) issues.add('size', 'must be specified');
  const width = typeof size?.width === 'number' ? size.width : 0;
  const height = typeof size?.height === 'number' ? size.height : 0;
  if (size) {
    if (width < 800 || width > 2500) issues.add('size.width', 'Must be between 800 and 2500');
    if (height < 250) issues.add('size.height', 'Must be greater than or equal to 250');
    if (width && height && width / height < 1.45)
      issues.add('size', 'The aspect ratio (width / height) must be at least 1.45');
  }
  if (typeof m.selected !== 'boolean') issues.add('selected', 'must be specified');
  issues.text('name', m.name, 300, { required: true });
  issues.text('chatBarText', m.chatBarText, 14, { required: true });
  issues.size('areas', m.areas, 1, RICHMENU_MAX_AREAS);
  arr(m.areas).forEach((a, i) => {
    const p = `areas[${i}]`;
    if (!isObj(a)) return issues.add(p, 'must be specified');
    const b = isObj(a.bounds) ? (a.bounds as Record<string, number>) : undefined;
    if (!b) issues.add(`${p}.bounds`, 'must be specified');
    else {
      for (const k of ['x', 'y', 'width', 'height'])
        if (typeof b[k] !== 'number') issues.add(`${p}.bounds.${k}`, 'must be specified');
      if (size && (b.x! + b.width! > width || b.y! + b.height! > height))
        issues.add(`${p}.bounds`, 'The area must be inside the rich menu');
    }
    checkAction(issues, a.action, `${p}.action`, 'richmenu');
  });
}
