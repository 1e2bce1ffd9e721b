import type { StaffRole } from '#lib/api/types.ts';

export const ROLE_OPTIONS: { value: StaffRole; label: string; description: string }[] = [
  {
    value: 'administrator',
    label: '管理者',
    description: 'すべての機能に加え、職員・組織・操作ログ・セキュリティ設定を管理できます。',
  },
  { value: 'staff', label: '職員', description: 'チームやアカウントで許可された機能で業務を行います。' },
  {
    value: 'operator',
    label: '委託事業者',
    description: '委託された業務の機能だけを利用します（庁外の事業者向け）。',
  },
  { value: 'viewer', label: '閲覧者', description: '許可された画面を閲覧できますが、変更はできません。' },
];
