import type { VendorTenantInput } from '#lib/api/types.ts';

const SLUG = /^[a-z][a-z0-9-]{1,30}$/;

/** Same rules as the server, so mistakes show before sending. */
export function validateTenant(t: VendorTenantInput): Record<string, string> {
  const e: Record<string, string> = {};
  if (!SLUG.test(t.slug)) e.slug = 'スラッグは半角英小文字で始まる英数字・ハイフン2〜31文字にしてください';
  if (!t.nameJa.trim()) e.nameJa = '自治体名を入力してください';
  if (!t.nameEn.trim()) e.nameEn = '英語名を入力してください';
  if (t.prefectureJa.trim().length < 2) e.prefectureJa = '都道府県を選んでください';
  if (!/^[0-9]{6}$/.test(t.localGovCode)) e.localGovCode = '全国地方公共団体コードは6桁の数字です';
  if (!SLUG.test(t.adminSubdomain))
    e.adminSubdomain = 'サブドメインは半角英小文字で始まる英数字・ハイフン2〜31文字にしてください';
  if (t.lineAccountId && t.lineAccountId.length > 50)
    e.lineAccountId = 'LINE公式アカウントIDは50文字以内です';
  return e;
}
