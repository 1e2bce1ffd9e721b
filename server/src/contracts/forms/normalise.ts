/**
 * How the form engine reads what residents type on a Japanese phone keyboard: full-width digits
 * and letters (０９０－１２３４), the long-vowel mark or a dash typed for a hyphen, 〒 before a
 * postal code, +81 before a phone number. Each reader returns the canonical value the server stores
 * or null when the input cannot be read. Pure (String.prototype.normalize only).
 */

/** Every character people type for a hyphen in a number: ASCII, Unicode dashes, minus, ー, ｰ. */
const DASHES = /[-‐‑‒–—―−－ーｰ]/g;

/** Full-width ASCII (ＡＢＣ１２３＠) to half-width, leaving kana and kanji alone. */
export function toHalfWidthAscii(s: string): string {
  return s.replace(/[！-～]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/** Half-width katakana (ｶﾀｶﾅ) to full-width (カタカナ), voiced marks joined; nothing else changes. */
export function toFullWidthKatakana(s: string): string {
  return s.replace(/[｡-ﾟ]+/g, (run) => run.normalize('NFKC'));
}

/** Control characters other than newline and tab are never kept in an answer. */
export function stripControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/**
 * One-line text: trimmed, any run of whitespace or newlines one space. A single full-width space
 * stays as typed (山田\u3000太郎, U+3000): staff read names that way.
 */
export function normaliseLine(s: string): string {
  return stripControls(s)
    .replace(/\s+/g, (run) => (run === '\u3000' ? run : ' '))
    .trim();
}

/** Multi-line text: CRLF/CR to LF, trailing spaces of the whole trimmed. */
export function normaliseMultiline(s: string): string {
  return stripControls(s.replace(/\r\n?/g, '\n')).trim();
}

/** Length as residents count it: characters (code points), so 𠮷 is one. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * A Japanese phone number as digits only ("0594241111", "09012345678"), or null. Spaces,
 * hyphens, brackets and dots are ignored; +81 (with or without the trunk 0 in brackets) becomes 0.
 */
export function normalisePhone(raw: string): string | null {
  let s = toHalfWidthAscii(raw)
    .replace(DASHES, '')
    .replace(/[\s().]/g, '');
  if (s.startsWith('+81')) s = '0' + s.slice(3).replace(/^0/, '');
  if (!/^\d+$/.test(s)) return null;
  return s;
}

/**
 * Whether digits are a Japanese phone number: 10 digits for fixed lines, 0120 and 0570 numbers
 * (0 + a non-zero digit), 11 digits for 020/050/060/070/080/090 and 0800 numbers; `mobile`
 * accepts 070/080/090 only.
 */
export function isPhoneNumber(digits: string, accept: 'any' | 'mobile'): boolean {
  if (accept === 'mobile') return /^0[789]0\d{8}$/.test(digits);
  return /^0[1-9]\d{8}$/.test(digits) || /^0[256789]0\d{8}$/.test(digits);
}

/** A postal code as "NNN-NNNN" (〒, spaces and any dash ignored, full-width digits read), or null. */
export function normalisePostalCode(raw: string): string | null {
  const s = toHalfWidthAscii(raw).replace(/〒/g, '').replace(DASHES, '').replace(/\s/g, '');
  if (!/^\d{7}$/.test(s)) return null;
  return `${s.slice(0, 3)}-${s.slice(3)}`;
}

/** The seven digits of a postal code, as the lookup takes it. */
export function postalDigits(code: string): string {
  return code.replace('-', '');
}

/**
 * An e-mail address, full-width letters read, the domain in lower case; null if it is not one.
 * The local part is checked leniently on purpose: Japanese mobile carriers issued addresses with
 * consecutive dots or a dot before the @ (taro..yamada.@docomo.ne.jp) that RFC 5322 forbids but
 * that receive mail, and a municipality must not turn those residents away.
 */
export function normaliseEmail(raw: string): string | null {
  const s = toHalfWidthAscii(raw).trim();
  if (s.length > 254) return null;
  const at = s.lastIndexOf('@');
  if (at < 1) return null;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1).toLowerCase();
  if (local.length > 64) return null;
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local)) return null;
  if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) return null;
  return `${local}@${domain}`;
}

/** A number typed as text: full-width digits, thousands commas and a leading ＋/－ read. */
export function parseNumberInput(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string') return null;
  const s = toHalfWidthAscii(raw)
    .trim()
    .replace(/^[−ー－]/, '-')
    .replace(/,/g, '');
  if (!/^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** The 47 prefectures in JIS X 0401 order (code = index + 1). */
export const PREFECTURES = [
  '北海道',
  '青森県',
  '岩手県',
  '宮城県',
  '秋田県',
  '山形県',
  '福島県',
  '茨城県',
  '栃木県',
  '群馬県',
  '埼玉県',
  '千葉県',
  '東京都',
  '神奈川県',
  '新潟県',
  '富山県',
  '石川県',
  '福井県',
  '山梨県',
  '長野県',
  '岐阜県',
  '静岡県',
  '愛知県',
  '三重県',
  '滋賀県',
  '京都府',
  '大阪府',
  '兵庫県',
  '奈良県',
  '和歌山県',
  '鳥取県',
  '島根県',
  '岡山県',
  '広島県',
  '山口県',
  '徳島県',
  '香川県',
  '愛媛県',
  '高知県',
  '福岡県',
  '佐賀県',
  '長崎県',
  '熊本県',
  '大分県',
  '宮崎県',
  '鹿児島県',
  '沖縄県',
] as const;
export type Prefecture = (typeof PREFECTURES)[number];
