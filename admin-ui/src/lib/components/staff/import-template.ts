/** A starter CSV (UTF-8 with BOM so Excel opens it correctly) offered on the import screen. */
export const IMPORT_COLUMNS = [
  '操作',
  'ログインID',
  '氏名',
  'メールアドレス',
  '権限',
  '所属',
  'チーム',
] as const;

const rows = [
  IMPORT_COLUMNS.join(','),
  '登録,yamada.taro,山田 太郎,yamada@example.lg.jp,職員,SOMU;KIKAKU,広報チーム',
  '更新,suzuki.hanako,鈴木 花子,,閲覧者,SHIMIN,',
  '削除,old.account,,,,,',
];

export const IMPORT_TEMPLATE = `\uFEFF${rows.join('\r\n')}\r\n`;
export const IMPORT_TEMPLATE_HREF = `data:text/csv;charset=utf-8,${encodeURIComponent(IMPORT_TEMPLATE)}`;

export const ACTION_LABELS: Record<string, string> = {
  create: '登録',
  update: '更新',
  delete: '削除',
  unchanged: '変更なし',
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}
