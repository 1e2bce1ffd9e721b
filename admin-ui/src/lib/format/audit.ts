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
  'delivery.create': '配信の作成',
  'delivery.update': '配信の変更',
  'delivery.copy': '配信のコピー',
  'delivery.send': '配信（今すぐ）',
  'delivery.schedule': '配信の予約',
  'delivery.cancel': '配信の取り消し',
  'delivery.test_send': 'テスト配信',
  'delivery.fire': '予約した配信の開始',
  'delivery.occurrence_skipped': '繰り返し配信の見送り',
  'delivery.export': '配信履歴のCSV出力',
  'delivery.import': '繰り返し配信のCSV一括登録',
  'delivery.asset_upload': '配信用画像のアップロード',
  'delivery.snapshot': '配信先の確定',
  'delivery.run_finished': '配信の完了',
  'delivery.email_snapshot': 'メール配信先の確定',
  'delivery.ab_decided': 'A/Bテストの結果の決定',
  'richmenu.create': 'リッチメニューの作成',
  'richmenu.update': 'リッチメニューの変更',
  'richmenu.delete': 'リッチメニューの削除',
  'richmenu.tab_create': 'タブの追加',
  'richmenu.tab_update': 'タブの変更',
  'richmenu.tab_delete': 'タブの削除',
  'richmenu.tab_image': 'タブ画像の登録',
  'richmenu.publish': 'リッチメニューの公開',
  'richmenu.unpublish': 'リッチメニューの公開停止',
  'richmenu.emergency_on': '緊急モードの開始',
  'richmenu.emergency_off': '緊急モードの終了',
  'attribute.create': '属性項目の作成',
  'attribute.update': '属性項目の変更',
  'attribute.delete': '属性項目の削除',
  'attribute.archive': '属性項目のアーカイブ',
  'attribute.restore': '属性項目の復元',
  'attribute.reorder': '属性項目の並べ替え',
  'registration_form.create': '登録フォームの作成',
  'registration_form.update': '登録フォームの変更',
  'registration_form.delete': '登録フォームの削除',
  'registration_form.archive': '登録フォームのアーカイブ',
  'registration_form.restore': '登録フォームの復元',
  'registration.greeting_update': '友だち追加時のあいさつの変更',
  'resident.login': '住民ページへのログイン',
  'resident.registration_saved': '住民による受信設定の登録',
  'resident.attributes_viewed': '友だちの受信設定の閲覧',
  'resident.attributes_changed': '友だちの受信設定の変更',
  'resident.tester_changed': 'テスターの設定',
  'resident.email_confirmed': 'メールアドレスの確認',
  'segment.create': 'セグメントの作成',
  'segment.update': 'セグメントの変更',
  'segment.delete': 'セグメントの削除',
  'segment.grants_update': 'セグメントの権限の変更',
  'segment.restrictions_update': '配信先の制限の変更',
  'segment.target': 'セグメントの配信先指定',
  'mail.settings_update': 'メール連携の受信設定の変更',
  'mail.sender_add': 'メール連携の送信元の追加',
  'mail.sender_remove': 'メール連携の送信元の削除',
  'mail.rule_create': 'メール連携ルールの作成',
  'mail.rule_update': 'メール連携ルールの変更',
  'mail.rule_delete': 'メール連携ルールの削除',
  'mail.rule_reorder': 'メール連携ルールの並べ替え',
  'garbage.create': 'ごみカレンダーの作成',
  'garbage.update': 'ごみカレンダーの変更',
  'garbage.delete': 'ごみカレンダーの削除',
  'garbage.upload': 'ごみカレンダーのCSV登録',
  'garbage.export': 'ごみカレンダーのCSV出力',
  'garbage.reminders_create': 'ごみ収集日のリマインド配信の作成',
  'mail_subscription.requested': 'メール配信の登録申込み',
  'mail_subscription.confirmed': 'メール配信の登録確認',
  'mail_subscription.settings_saved': 'メール配信の設定変更',
  'mail_subscription.unsubscribed': 'メール配信の解除',
  'mail_subscription.unconfirmed_removed': '未確認のメール配信登録の削除',
  'tenant.channel_set': 'LINEチャネルの設定',
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
  { value: 'delivery.', label: 'メッセージ配信' },
  { value: 'richmenu.', label: 'リッチメニュー' },
  { value: 'segment.', label: 'セグメント' },
  { value: 'attribute.', label: '属性項目' },
  { value: 'registration', label: '登録フォーム・あいさつ' },
  { value: 'resident.', label: '友だち・住民' },
  { value: 'mail.', label: 'メール連携' },
  { value: 'mail_subscription.', label: 'メール配信の登録' },
  { value: 'garbage.', label: 'ごみカレンダー' },
  { value: 'audit.', label: '操作ログ' },
  { value: 'tenant.', label: '自治体（ベンダー操作）' },
  { value: 'vendor.', label: 'ベンダーサポート' },
];

export const AUDIT_TARGET_TYPES: Record<string, string> = {
  staff: '職員',
  organisation: '組織',
  team: 'チーム',
  form: 'フォーム',
  delivery: '配信',
  delivery_asset: '配信用画像',
  richmenu: 'リッチメニュー',
  segment: 'セグメント',
  attribute: '属性項目',
  registration_form: '登録フォーム',
  resident: '友だち・住民',
  mail_rule: 'メール連携ルール',
  mail_sender: 'メール連携の送信元',
  mail_settings: 'メール連携の設定',
  garbage_calendar: 'ごみカレンダー',
  line_channel: 'LINEチャネル',
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
