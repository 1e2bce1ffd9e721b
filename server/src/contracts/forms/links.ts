/**
 * Web addresses inside a form's description text (a public comment's plan documents, a page with
 * details) as parts a page can render as links, without any HTML from staff reaching the page.
 * Only http(s) addresses count; Japanese punctuation and closing brackets after an address are not
 * part of it (「…はこちら：https://example.jp/plan.pdf。」).
 */
export interface TextPart {
  text: string;
  /** Set when the part is a web address. */
  href?: string;
}

const URL_PATTERN = /https?:\/\/[^\s<>"'「」『』（）()【】、。，．！？]+/g;
const TRAILING = /[.,:;!?)\]}]+$/;

function isWebAddress(url: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = TRAILING.exec(url)?.[0] ?? '';
    if (trailing) url = url.slice(0, -trailing.length);
    if (!isWebAddress(url)) continue;
    const start = match.index;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
