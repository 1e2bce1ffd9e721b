/** Japanese names for audit log codes (unknown codes are shown as they are). */

export const AUDIT_ACTIONS: Record<string, string> = {
  'auth.login': 'ログイン',
  'auth.logout': 'ログアウト',
  'auth.locked': 'アカウントのロック',
  'auth.totp': '確認コードの入力',
  'auth.totp_enable': '二要素認証の設定',
  'auth.totp_disable': '二要素認証の解除',
  'auth.password_change': 'パスワードの変更',
  'access.denied': '権限のない操作',
  'access.ip_refused': '許可されていないIPアドレスからの接続',
  'access.csrf_refused': '不正なリクエスト（CSRF）',
  'staff.create': '職員の登録',
  'staff.update': '職員の変更',
  'staff.delete': '職員の削除',
  'staff.unlock': 'ロックの解除',
  'staff.reissue_password': 'パスワードの再発行',
  'staff.reset_totp': '二要素認証のリセット',
  'staff.export': '職員のCSV出力',
  'staff.import': '職員のCSV一括登録',
  'organisation.create': '組織の登録',
  'organisation.update': '組織の変更',
  'organisation.delete': '組織の削除',
  'team.create': 'チームの登録',
  'team.update': 'チームの変更',
  'team.delete': 'チームの削除',
  'security.update': 'セキュリティ設定の変更',
  'security.override_on': 'IP制限の緊急解除（開始）',
  'security.override_off': 'IP制限の緊急解除（終了）',
  'audit.export': '操作ログのCSV出力',
  'audit.verify': '操作ログの改ざん検知',
  'form.create': 'フォームの作成',
  'form.update': 'フォームの変更',
  'form.delete': 'フォームの削除',
  'form.export': 'フォームのCSV出力',
  'form.grants_update': 'フォームの権限の変更',
  'tenant.create': '自治体の登録',
  'tenant.update': '自治体情報の変更',
  'tenant.suspend': '自治体の利用停止',
  'tenant.resume': '自治体の利用再開',
  'vendor.enter': 'ベンダーサポートの入室',
  'vendor.enter_requested': 'ベンダーサポートの入室申請',
  'vendor.login': 'ベンダーのログイン',
  'vendor.logout': 'ベンダーのログアウト',
  'vendor.password_change': 'ベンダーのパスワード変更',
};

/** Filter choices: the server matches the action by prefix. */
export const AUDIT_ACTION_GROUPS: { value: string; label: string }[] = [
  { value: 'auth.', label: 'ログイン・認証' },
  { value: 'access.', label: 'アクセス拒否' },
  { value: 'staff.', label: '職員' },
  { value: 'organisation.', label: '組織' },
  { value: 'team.', label: 'チーム' },
  { value: 'security.', label: 'セキュリティ設定' },
  { value: 'form.', label: 'フォーム' },
  { value: 'audit.', label: '操作ログ' },
  { value: 'tenant.', label: '自治体（ベンダー操作）' },
  { value: 'vendor.', label: 'ベンダーサポート' },
];

export const AUDIT_TARGET_TYPES: Record<string, string> = {
  staff: '職員',
  organisation: '組織',
  team: 'チーム',
  form: 'フォーム',
  security: 'セキュリティ設定',
  tenant_security: 'セキュリティ設定',
  tenant: '自治体',
  audit: '操作ログ',
};

export const AUDIT_OUTCOMES: Record<string, string> = { success: '成功', denied: '拒否', failure: '失敗' };

export const ACTOR_TYPES: Record<string, string> = {
  staff: '職員',
  vendor: 'ベンダー',
  system: 'システム',
  resident: '住民',
  anonymous: '未ログイン',
};

export function actionLabel(action: string): string {
  return AUDIT_ACTIONS[action] ?? action;
}

export function targetTypeLabel(t: string | null | undefined): string {
  if (!t) return '—';
  return AUDIT_TARGET_TYPES[t] ?? t;
}

export function outcomeLabel(o: string): string {
  return AUDIT_OUTCOMES[o] ?? o;
}

export function actorTypeLabel(t: string): string {
  return ACTOR_TYPES[t] ?? t;
}

/** Pretty JSON for the detail view (masked by the server already). */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail, null, 2);
  } catch {
    return String(detail);
  }
}
