import type { ConsoleKind } from '#lib/state/session.ts';
import type { AppPath } from './url';
import type { ManualSlug } from '#lib/manual/pages.ts';

export type IconName =
  | 'home'
  | 'form'
  | 'users'
  | 'org'
  | 'log'
  | 'shield'
  | 'key'
  | 'building'
  | 'help'
  | 'logout'
  | 'plus'
  | 'grid'
  | 'filter'
  | 'chart'
  | 'send';

export type NavSection = 'main' | 'admin' | 'account';

/**
 * One entry of the sidebar. Modules plug in by adding a line here (with their feature key) and a
 * route folder; entries whose feature the account lacks, or that need administration, are hidden.
 */
export interface NavItem {
  href: AppPath;
  label: string;
  icon: IconName;
  section: NavSection;
  /** Feature key (GET /api/features) the account must have. */
  feature?: string;
  /** Only for administrators. */
  admin?: boolean;
  /** Manual page slug under /manual. */
  manual: ManualSlug;
  /** Further path prefixes that belong to this entry. */
  also?: string[];
  /** Text for the quick link card on the home screen. */
  description?: string;
}

export const SECTION_LABELS: Record<NavSection, string> = {
  main: '業務',
  admin: '管理',
  account: 'アカウント',
};

export const TENANT_NAV: NavItem[] = [
  { href: '/', label: 'ホーム', icon: 'home', section: 'main', manual: 'home' },
  {
    href: '/forms',
    label: 'フォーム',
    icon: 'form',
    section: 'main',
    feature: 'forms',
    manual: 'forms',
    description: 'アンケートや申込フォームの一覧と、閲覧権限の設定',
  },
  {
    href: '/deliveries',
    label: 'メッセージ配信',
    icon: 'send',
    section: 'main',
    feature: 'delivery',
    manual: 'deliveries',
    description: 'メッセージの作成・プレビュー・テスト配信、即時・予約・繰り返し配信と配信履歴',
  },
  {
    href: '/richmenus',
    label: 'リッチメニュー',
    icon: 'grid',
    section: 'main',
    feature: 'richmenu',
    manual: 'richmenu',
    description: 'LINEのトーク画面下のメニュー（タブ・タップ領域・画像）の作成と公開、緊急モード',
  },
  {
    href: '/segments',
    label: 'セグメント',
    icon: 'filter',
    section: 'main',
    feature: 'segments',
    manual: 'segments',
    description: '受信設定の回答（地域・年齢など）で配信先を絞り込む条件の作成と、対象人数の確認',
  },
  {
    href: '/segments/research',
    label: '属性の分布',
    icon: 'chart',
    section: 'main',
    feature: 'segments',
    manual: 'segment-research',
    description: '受信設定の項目ごとの回答の集計（地域別・年齢別など）',
  },
  {
    href: '/residents',
    label: '友だち',
    icon: 'users',
    section: 'main',
    feature: 'segments',
    manual: 'residents',
    description: '友だちの一覧、一人ひとりの受信設定の確認・変更、テスト配信を受け取るテスターの登録',
  },
  {
    href: '/attributes',
    label: '属性項目',
    icon: 'log',
    section: 'main',
    feature: 'segments',
    manual: 'attributes',
    description: '住民が受信設定で登録する項目（地区・年代・関心のある分野・お子さまの生年月日など）',
  },
  {
    href: '/registration-forms',
    label: '登録フォーム',
    icon: 'form',
    section: 'main',
    feature: 'segments',
    manual: 'registration-forms',
    description: '受信設定のフォーム（職員専用など）と、友だち追加時に登録をすすめるあいさつ',
  },
  {
    href: '/garbage',
    label: 'ごみ収集日のお知らせ',
    icon: 'send',
    section: 'main',
    feature: 'delivery',
    manual: 'garbage',
    description: '地区ごとのごみカレンダー（CSV）の登録と、収集日の前日に届くお知らせ（リマインド配信）',
  },
  {
    href: '/mail',
    label: 'メール連携',
    icon: 'log',
    section: 'main',
    feature: 'delivery',
    manual: 'mail',
    description: '防災メールなどをLINEで自動配信するルールと、受信したメールの記録',
  },
  {
    href: '/staff',
    label: '職員',
    icon: 'users',
    section: 'admin',
    admin: true,
    manual: 'staff',
    description: '職員アカウントの登録・権限・ロック解除・CSV一括登録',
  },
  {
    href: '/segments/restrictions',
    label: '配信先の制限',
    icon: 'shield',
    section: 'admin',
    admin: true,
    feature: 'segments',
    manual: 'segment-restrictions',
    description: '職員・チームが配信に使えるセグメントを、許可したものだけに制限',
  },
  {
    href: '/organisations',
    label: '組織・チーム',
    icon: 'org',
    section: 'admin',
    admin: true,
    manual: 'organisations',
    also: ['/teams'],
    description: '課・グループとチーム、チームごとの機能権限',
  },
  {
    href: '/audit',
    label: '操作ログ',
    icon: 'log',
    section: 'admin',
    admin: true,
    manual: 'audit',
    description: 'ログインや設定変更の記録の検索・CSV出力・改ざん検知',
  },
  {
    href: '/security',
    label: 'セキュリティ',
    icon: 'shield',
    section: 'admin',
    admin: true,
    manual: 'security',
    description: '接続元IPアドレスの制限、緊急時の解除、二要素認証の必須化',
  },
  {
    href: '/account/totp',
    label: '二要素認証',
    icon: 'key',
    section: 'account',
    manual: 'totp',
  },
  {
    href: '/account/password',
    label: 'パスワード変更',
    icon: 'key',
    section: 'account',
    manual: 'password',
  },
];

export const VENDOR_NAV: NavItem[] = [
  {
    href: '/vendor/tenants',
    label: '自治体一覧',
    icon: 'building',
    section: 'main',
    manual: 'vendor-tenants',
  },
  {
    href: '/account/password',
    label: 'パスワード変更',
    icon: 'key',
    section: 'account',
    manual: 'password',
  },
];

export interface Access {
  features: readonly string[];
  administration: boolean;
  /** Vendor support inside a tenant has no own password or TOTP there. */
  vendorSupport?: boolean;
}

export function canSee(item: Pick<NavItem, 'feature' | 'admin' | 'section'>, access: Access): boolean {
  if (item.section === 'account' && access.vendorSupport) return false;
  if (item.admin && !access.administration) return false;
  if (item.feature && !access.features.includes(item.feature)) return false;
  return true;
}

export function navFor(kind: ConsoleKind): NavItem[] {
  return kind === 'vendor' ? VENDOR_NAV : TENANT_NAV;
}

export function visibleNav(kind: ConsoleKind, access: Access): NavItem[] {
  return navFor(kind).filter((item) => canSee(item, access));
}

function matches(prefix: string, pathname: string): boolean {
  if (prefix === '/') return pathname === '/';
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** The nav entry a path belongs to (longest prefix wins). */
export function navItemFor(kind: ConsoleKind, pathname: string): NavItem | undefined {
  let best: NavItem | undefined;
  let bestLen = -1;
  for (const item of navFor(kind)) {
    for (const prefix of [item.href, ...(item.also ?? [])]) {
      if (matches(prefix, pathname) && prefix.length > bestLen) {
        best = item;
        bestLen = prefix.length;
      }
    }
  }
  return best;
}

export function isCurrent(item: NavItem, pathname: string, kind: ConsoleKind): boolean {
  return navItemFor(kind, pathname) === item;
}
