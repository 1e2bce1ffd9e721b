import { checkAction } from './actions.js';
import { Issues, arr, isObj, type Obj } from './issues.js';

/**
 * Flex Message limits the schema cannot carry: a bubble's JSON at most 30 KB, a carousel at most
 * 12 bubbles and 50 KB (read as 30,000 / 50,000 bytes, the stricter reading of LINE's "KB"),
 * required component fields, HTTPS media URLs, and action rules per component.
 */
export const FLEX_BUBBLE_MAX_BYTES = 30_000;
export const FLEX_CAROUSEL_MAX_BYTES = 50_000;
export const FLEX_CAROUSEL_MAX_BUBBLES = 12;

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

export function checkFlexContainer(issues: Issues, c: unknown, path: string): void {
  if (!isObj(c)) return issues.add(path, 'must be specified');
  if (c.type === 'bubble') {
    if (bytes(c) > FLEX_BUBBLE_MAX_BYTES)
      issues.add(path, `Bubble JSON must be at most ${FLEX_BUBBLE_MAX_BYTES} bytes`);
    checkBubble(issues, c, path);
  } else if (c.type === 'carousel') {
    issues.size(`${path}.contents`, c.contents, 1, FLEX_CAROUSEL_MAX_BUBBLES);
    if (bytes(c) > FLEX_CAROUSEL_MAX_BYTES)
      issues.add(path, `Carousel JSON must be at most ${FLEX_CAROUSEL_MAX_BYTES} bytes`);
    arr(c.contents).forEach((b, i) => {
      const p = `${path}.contents[${i}]`;
      if (!isObj(b) || b.type !== 'bubble')
        return issues.add(`${p}.type`, 'Must be one of the following values: [bubble]');
      if (bytes(b) > FLEX_BUBBLE_MAX_BYTES)
        issues.add(p, `Bubble JSON must be at most ${FLEX_BUBBLE_MAX_BYTES} bytes`);
      checkBubble(issues, b, p);
    });
  }
}

function checkBubble(issues: Issues, b: Obj, path: string): void {
  for (const block of ['header', 'body', 'footer']) {
    if (b[block] === undefined) continue;
    if (!isObj(b[block]) || (b[block] as Obj).type !== 'box')
      issues.add(`${path}.${block}.type`, 'Must be one of the following values: [box]');
    else checkComponent(issues, b[block], `${path}.${block}`, false);
  }
  if (b.hero !== undefined) {
    const t = isObj(b.hero) ? b.hero.type : undefined;
    if (t !== 'box' && t !== 'image' && t !== 'video')
      issues.add(`${path}.hero.type`, 'Must be one of the following values: [box, image, video]');
    else checkComponent(issues, b.hero, `${path}.hero`, false);
  }
  if (b.action !== undefined) checkAction(issues, b.action, `${path}.action`, 'flex');
}

const BASELINE_CHILDREN = ['icon', 'text', 'filler', 'span'];

function checkComponent(issues: Issues, c: unknown, path: string, inBaseline: boolean): void {
  if (!isObj(c)) return issues.add(path, 'must be specified');
  if (inBaseline && !BASELINE_CHILDREN.includes(c.type as string))
    issues.add(`${path}.type`, `Must be one of the following values: [${BASELINE_CHILDREN.join(', ')}]`);
  if (c.action !== undefined && c.type !== 'button') checkAction(issues, c.action, `${path}.action`, 'flex');
  switch (c.type) {
    case 'box': {
      if (!['horizontal', 'vertical', 'baseline'].includes(c.layout as string))
        issues.add(`${path}.layout`, 'Must be one of the following values: [horizontal, vertical, baseline]');
      if (!Array.isArray(c.contents)) issues.add(`${path}.contents`, 'must be specified');
      arr(c.contents).forEach((x, i) =>
        checkComponent(issues, x, `${path}.contents[${i}]`, c.layout === 'baseline'),
      );
      if (c.backgroundImage !== undefined) issues.httpsUrl(`${path}.backgroundImage`, c.backgroundImage);
      break;
    }
    case 'button':
      checkAction(issues, c.action, `${path}.action`, 'flexButton');
      break;
    case 'image':
    case 'icon':
      issues.httpsUrl(`${path}.url`, c.url);
      break;
    case 'video':
      issues.httpsUrl(`${path}.url`, c.url);
      issues.httpsUrl(`${path}.previewUrl`, c.previewUrl);
      if (c.altContent === undefined) issues.add(`${path}.altContent`, 'must be specified');
      break;
    case 'text':
      if (c.text === undefined && !Array.isArray(c.contents)) issues.add(`${path}.text`, 'must be specified');
      arr(c.contents).forEach((x, i) => {
        if (!isObj(x) || x.type !== 'span')
          issues.add(`${path}.contents[${i}].type`, 'Must be one of the following values: [span]');
        else issues.text(`${path}.contents[${i}].text`, x.text, 5000, { required: true });
      });
      break;
    case 'span':
      issues.text(`${path}.text`, c.text, 5000, { required: true });
      break;
  }
}
