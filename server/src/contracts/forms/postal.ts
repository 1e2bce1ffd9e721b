/**
 * Postal code → address, as the form engine sees it: an injected lookup, so the same engine runs
 * on the server (backed by the bundled Japan Post dataset, modules/forms/postal-lookup.ts) and in
 * the browser (backed by answers the page fetched from the server). See docs/decisions/0010.
 */

export interface PostalAddress {
  /** "NNN-NNNN" */
  postalCode: string;
  /** 都道府県, e.g. 三重県 */
  prefecture: string;
  /** 市区町村 (with 郡 where Japan Post writes it), e.g. 桑名市, 最上郡戸沢村 */
  city: string;
  /** 町域, e.g. 寿町; '' where Japan Post lists the city only (「以下に掲載がない場合」) */
  town: string;
}

/**
 * The addresses of a postal code given as seven digits. `[]`: no such postal code. `undefined`:
 * not known yet (a browser still fetching it), so the engine neither fills nor refuses.
 */
export type PostalLookup = (digits: string) => readonly PostalAddress[] | undefined;

/** What a postal code fills into an address: the parts all its addresses share ('' otherwise). */
export interface PostalFill {
  prefecture: string;
  city: string;
  town: string;
}

/**
 * The fill for a list of addresses: one address fills everything; several (a code covering many
 * 町域, like 452-0961) fill what they have in common and leave the town for the resident to pick
 * or type. Null when there is nothing in common.
 */
export function postalFill(addresses: readonly PostalAddress[]): PostalFill | null {
  const first = addresses[0];
  if (!first) return null;
  const same = (k: keyof PostalFill) => addresses.every((a) => a[k] === first[k]);
  if (!same('prefecture')) return null;
  const city = same('city') ? first.city : '';
  const town = city && same('town') ? first.town : '';
  return { prefecture: first.prefecture, city, town };
}
