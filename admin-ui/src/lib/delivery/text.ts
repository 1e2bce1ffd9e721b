/**
 * Text with LINE emoji as LINE's text message holds it: each emoji is a `$` in the text and an
 * entry `{index, productId, emojiId}` pointing at it (DEL-6). Staff edit the text in an ordinary
 * textarea, so every edit must carry the emoji along: emoji before the edit keep their index,
 * those after it move by the change in length, and an emoji whose `$` was deleted disappears.
 * A `$` typed by hand stays a plain dollar sign (it has no entry).
 */

export interface LineEmoji {
  index: number;
  productId: string;
  emojiId: string;
}

/** The emoji of `prev` carried over to `next` (one contiguous edit, as typing and pasting make). */
export function carryEmoji(prev: string, next: string, emojis: readonly LineEmoji[]): LineEmoji[] {
  if (prev === next) return [...emojis];
  const max = Math.min(prev.length, next.length);
  let p = 0;
  while (p < max && prev[p] === next[p]) p++;
  let s = 0;
  while (s < max - p && prev[prev.length - 1 - s] === next[next.length - 1 - s]) s++;
  const removedEnd = prev.length - s;
  const delta = next.length - prev.length;
  const out: LineEmoji[] = [];
  for (const e of emojis) {
    if (e.index < p) out.push(e);
    else if (e.index >= removedEnd) out.push({ ...e, index: e.index + delta });
  }
  return out.filter((e) => next[e.index] === '$').sort((a, b) => a.index - b.index);
}

/** Inserts an emoji at `at` (the caret), replacing the selection `[at, end)`. */
export function insertEmoji(
  text: string,
  emojis: readonly LineEmoji[],
  at: number,
  end: number,
  emoji: { productId: string; emojiId: string },
): { text: string; emojis: LineEmoji[]; caret: number } {
  const from = Math.max(0, Math.min(at, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  const next = `${text.slice(0, from)}$${text.slice(to)}`;
  const carried = carryEmoji(text, next, emojis).filter((e) => e.index !== from);
  const all = [...carried, { index: from, ...emoji }].sort((a, b) => a.index - b.index);
  return { text: next, emojis: all, caret: from + 1 };
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'emoji'; emoji: LineEmoji };

/** The text split into plain runs and emoji, for previews. */
export function textParts(text: string, emojis: readonly LineEmoji[] | undefined): TextPart[] {
  const sorted = [...(emojis ?? [])].filter((e) => text[e.index] === '$').sort((a, b) => a.index - b.index);
  const parts: TextPart[] = [];
  let at = 0;
  for (const e of sorted) {
    if (e.index < at) continue;
    if (e.index > at) parts.push({ kind: 'text', text: text.slice(at, e.index) });
    parts.push({ kind: 'emoji', emoji: e });
    at = e.index + 1;
  }
  if (at < text.length) parts.push({ kind: 'text', text: text.slice(at) });
  return parts;
}
