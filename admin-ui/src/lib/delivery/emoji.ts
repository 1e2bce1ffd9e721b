/**
 * LINE emoji the composer offers (DEL-6). A LINE emoji is named by its set (`productId`) and its
 * number in the set (`emojiId`); LINE publishes which sets an official account may send. The
 * pictures come from LINE's CDN (allowed by the console's image policy); offline, the picker and
 * the preview show the emoji's number instead.
 */

export interface EmojiSet {
  productId: string;
  name: string;
  emojiIds: string[];
}

const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i).padStart(3, '0'));

export const EMOJI_SETS: EmojiSet[] = [
  // LINE's basic emoji set (faces, hearts, signs), free for every official account.
  { productId: '5ac1bfd5040ab15980c9b435', name: 'LINE絵文字', emojiIds: ids(1, 40) },
];

export function emojiImageUrl(e: { productId: string; emojiId: string }): string {
  return `https://stickershop.line-scdn.net/sticonshop/v1/sticon/${e.productId}/android/${e.emojiId}.png`;
}
