import { checkAction } from './actions.js';
import { checkFlexContainer } from './flex.js';
import { Issues, arr, isObj, type Obj } from './issues.js';

/**
 * LINE's documented limits on message objects that the OpenAPI schemas do not carry (see
 * reference/external-apis.md): text length and LINE emoji, media URLs, imagemap, templates, Flex,
 * quick replies and sender. Runs after the schema check, so shapes are known to be right.
 */
export const TEXT_MAX = 5000;
export const EMOJIS_MAX = 20;
export const ALT_TEXT_MAX = 1500;
export const QUICK_REPLY_MAX = 13;

export function checkMessages(issues: Issues, messages: unknown, prefix = 'messages'): void {
  arr(messages).forEach((m, i) => {
    if (isObj(m)) checkMessage(issues, m, `${prefix}[${i}]`);
  });
}

export function checkMessage(issues: Issues, m: Obj, p: string): void {
  switch (m.type) {
    case 'text':
      checkText(issues, m, p);
      break;
    case 'textV2':
      issues.text(`${p}.text`, m.text, TEXT_MAX, { required: true });
      break;
    case 'sticker':
      issues.text(`${p}.packageId`, m.packageId, 100, { required: true });
      issues.text(`${p}.stickerId`, m.stickerId, 100, { required: true });
      break;
    case 'image':
      issues.httpsUrl(`${p}.originalContentUrl`, m.originalContentUrl);
      issues.httpsUrl(`${p}.previewImageUrl`, m.previewImageUrl);
      break;
    case 'video':
      issues.httpsUrl(`${p}.originalContentUrl`, m.originalContentUrl);
      issues.httpsUrl(`${p}.previewImageUrl`, m.previewImageUrl);
      issues.text(`${p}.trackingId`, m.trackingId, 100);
      break;
    case 'audio':
      issues.httpsUrl(`${p}.originalContentUrl`, m.originalContentUrl);
      if (typeof m.duration !== 'number') issues.add(`${p}.duration`, 'must be specified');
      break;
    case 'location':
      issues.text(`${p}.title`, m.title, 100, { required: true });
      issues.text(`${p}.address`, m.address, 100, { required: true });
      break;
    case 'imagemap':
      checkImagemap(issues, m, p);
      break;
    case 'template':
      issues.text(`${p}.altText`, m.altText, ALT_TEXT_MAX, { required: true });
      checkTemplate(issues, m.template, `${p}.template`);
      break;
    case 'flex':
      issues.text(`${p}.altText`, m.altText, ALT_TEXT_MAX, { required: true });
      checkFlexContainer(issues, m.contents, `${p}.contents`);
      break;
  }
  if (m.quickReply !== undefined) checkQuickReply(issues, m.quickReply, `${p}.quickReply`);
  if (isObj(m.sender)) {
    issues.text(`${p}.sender.name`, m.sender.name, 20, { min: 1 });
    if (m.sender.iconUrl !== undefined) issues.httpsUrl(`${p}.sender.iconUrl`, m.sender.iconUrl, 2000);
  }
}

function checkText(issues: Issues, m: Obj, p: string): void {
  issues.text(`${p}.text`, m.text, TEXT_MAX, { required: true });
  if (m.emojis === undefined) return;
  issues.size(`${p}.emojis`, m.emojis, 0, EMOJIS_MAX);
  const text = typeof m.text === 'string' ? m.text : '';
  arr(m.emojis).forEach((e, j) => {
    const ep = `${p}.emojis[${j}]`;
    if (!isObj(e)) return issues.add(ep, 'must be specified');
    // The index is a UTF-16 offset that must point at a `$` placeholder of the text.
    if (typeof e.index !== 'number' || text[e.index] !== '$')
      issues.add(`${ep}.index`, 'Must point at a $ in the text');
    issues.text(`${ep}.productId`, e.productId, 24, { required: true });
    issues.text(`${ep}.emojiId`, e.emojiId, 3, { required: true });
  });
}

function checkImagemap(issues: Issues, m: Obj, p: string): void {
  issues.httpsUrl(`${p}.baseUrl`, m.baseUrl, 2000);
  issues.text(`${p}.altText`, m.altText, ALT_TEXT_MAX, { required: true });
  const size = isObj(m.baseSize) ? m.baseSize : {};
  if (size.width !== 1040) issues.add(`${p}.baseSize.width`, 'Must be 1040');
  issues.size(`${p}.actions`, m.actions, m.video ? 0 : 1, 50);
  const height = typeof size.height === 'number' ? size.height : 0;
  arr(m.actions).forEach((a, i) => {
    const ap = `${p}.actions[${i}]`;
    if (!isObj(a)) return;
    issues.text(`${ap}.label`, a.label, 100);
    if (a.type === 'uri') issues.text(`${ap}.linkUri`, a.linkUri, 1000, { required: true });
    if (a.type === 'message') issues.text(`${ap}.text`, a.text, 400, { required: true });
    if (a.type === 'clipboard') issues.text(`${ap}.clipboardText`, a.clipboardText, 1000, { required: true });
    const area = isObj(a.area) ? a.area : {};
    const { x = 0, y = 0, width = 0, height: h = 0 } = area as Record<string, number>;
    if (x < 0 || y < 0 || x + width > 1040 || (height && y + h > height))
      issues.add(`${ap}.area`, 'Must be inside baseSize');
  });
}

function checkTemplate(issues: Issues, t: unknown, p: string): void {
  if (!isObj(t)) return;
  switch (t.type) {
    case 'buttons': {
      if (t.thumbnailImageUrl !== undefined) issues.httpsUrl(`${p}.thumbnailImageUrl`, t.thumbnailImageUrl);
      issues.text(`${p}.title`, t.title, 40);
      const short = t.thumbnailImageUrl !== undefined || t.title !== undefined;
      issues.text(`${p}.text`, t.text, short ? 60 : 160, { required: true });
      issues.size(`${p}.actions`, t.actions, 1, 4);
      arr(t.actions).forEach((a, i) => checkAction(issues, a, `${p}.actions[${i}]`, 'template'));
      if (t.defaultAction !== undefined) checkAction(issues, t.defaultAction, `${p}.defaultAction`, 'flex');
      break;
    }
    case 'confirm':
      issues.text(`${p}.text`, t.text, 240, { required: true });
      issues.size(`${p}.actions`, t.actions, 2, 2);
      arr(t.actions).forEach((a, i) => checkAction(issues, a, `${p}.actions[${i}]`, 'template'));
      break;
    case 'carousel':
      checkCarousel(issues, t, p);
      break;
    case 'image_carousel':
      issues.size(`${p}.columns`, t.columns, 1, 10);
      arr(t.columns).forEach((c, i) => {
        if (!isObj(c)) return;
        issues.httpsUrl(`${p}.columns[${i}].imageUrl`, c.imageUrl);
        checkAction(issues, c.action, `${p}.columns[${i}].action`, 'imageCarousel');
      });
      break;
  }
}

function checkCarousel(issues: Issues, t: Obj, p: string): void {
  issues.size(`${p}.columns`, t.columns, 1, 10);
  const columns = arr(t.columns).filter(isObj);
  // LINE requires every column to look alike: same number of actions, all or none with image/title.
  const first = columns[0];
  columns.forEach((c, i) => {
    const cp = `${p}.columns[${i}]`;
    if (c.thumbnailImageUrl !== undefined) issues.httpsUrl(`${cp}.thumbnailImageUrl`, c.thumbnailImageUrl);
    issues.text(`${cp}.title`, c.title, 40);
    const short = c.thumbnailImageUrl !== undefined || c.title !== undefined;
    issues.text(`${cp}.text`, c.text, short ? 60 : 120, { required: true });
    issues.size(`${cp}.actions`, c.actions, 1, 3);
    arr(c.actions).forEach((a, j) => checkAction(issues, a, `${cp}.actions[${j}]`, 'template'));
    if (c.defaultAction !== undefined) checkAction(issues, c.defaultAction, `${cp}.defaultAction`, 'flex');
    if (first && i > 0) {
      if (arr(c.actions).length !== arr(first.actions).length)
        issues.add(`${cp}.actions`, 'Every column must have the same number of actions');
      if ((c.thumbnailImageUrl === undefined) !== (first.thumbnailImageUrl === undefined))
        issues.add(`${cp}.thumbnailImageUrl`, 'Every column must have a thumbnail image, or none');
      if ((c.title === undefined) !== (first.title === undefined))
        issues.add(`${cp}.title`, 'Every column must have a title, or none');
    }
  });
}

function checkQuickReply(issues: Issues, q: unknown, p: string): void {
  if (!isObj(q)) return;
  issues.size(`${p}.items`, q.items, 1, QUICK_REPLY_MAX);
  arr(q.items).forEach((item, i) => {
    if (!isObj(item)) return;
    if (item.imageUrl !== undefined) issues.httpsUrl(`${p}.items[${i}].imageUrl`, item.imageUrl, 2000);
    checkAction(issues, item.action, `${p}.items[${i}].action`, 'quickReply');
  });
}
