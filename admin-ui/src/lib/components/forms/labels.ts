import type { FormStatus, GrantPermission, GranteeType } from '#lib/api/types.ts';

export const FORM_STATUS: Record<FormStatus, { label: string; badge: string }> = {
  draft: { label: '下書き', badge: 'badge-neutral' },
  published: { label: '公開中', badge: 'badge-success' },
  closed: { label: '受付終了', badge: 'badge-warning' },
};

export const FORM_STATUSES: FormStatus[] = ['draft', 'published', 'closed'];

export const GRANT_PERMISSIONS: { value: GrantPermission; label: string; hint: string }[] = [
  { value: 'view', label: '閲覧', hint: 'フォームと回答を見る' },
  { value: 'edit', label: '編集', hint: 'フォームの内容を変更する' },
  { value: 'export', label: 'CSV出力', hint: '回答をCSVで出力する' },
  { value: 'manage', label: '管理', hint: '権限の設定と削除' },
];

export const GRANTEE_TYPES: { value: GranteeType; label: string }[] = [
  { value: 'organisation', label: '組織' },
  { value: 'team', label: 'チーム' },
  { value: 'staff', label: '職員' },
];

export function granteeTypeLabel(t: string): string {
  return GRANTEE_TYPES.find((g) => g.value === t)?.label ?? t;
}
