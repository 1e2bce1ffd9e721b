/**
 * Capabilities a tenant may have switched on (by the vendor console) and that staff may be
 * granted per team or per account. Keys are stable; labels are what staff see.
 */
export const FEATURES = [
  { key: 'delivery', label: 'メッセージ配信' },
  { key: 'segments', label: 'セグメント・受信設定' },
  { key: 'forms', label: 'フォーム・アンケート' },
  { key: 'reservations', label: '施設・窓口予約' },
  { key: 'chatbot', label: 'チャットボット・FAQ' },
  { key: 'richmenu', label: 'リッチメニュー' },
  { key: 'bosai', label: '防災・避難所' },
  { key: 'reports', label: '市民通報' },
  { key: 'applications', label: '電子申請' },
  { key: 'payments', label: '決済' },
  { key: 'groups', label: 'グループ連絡' },
  { key: 'points', label: 'ポイント・スタンプラリー' },
  { key: 'links', label: '情報リンク（バス等）' },
  { key: 'stats', label: '統計・レポート' },
] as const;

export type FeatureKey = (typeof FEATURES)[number]['key'];
export const FEATURE_KEYS: readonly FeatureKey[] = FEATURES.map((f) => f.key);

export function isFeatureKey(v: string): v is FeatureKey {
  return (FEATURE_KEYS as readonly string[]).includes(v);
}

export const ROLE_LABELS = {
  administrator: '管理者',
  staff: '職員',
  operator: '委託事業者',
  viewer: '閲覧者',
} as const;
