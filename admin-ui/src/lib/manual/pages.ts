import type { ConsoleKind } from '#lib/state/session.ts';

/** The in-app operation manual (PLAT-9): one route per screen under /manual/<slug>. */
export type ManualSlug =
  | 'login'
  | 'password'
  | 'totp'
  | 'home'
  | 'forms'
  | 'deliveries'
  | 'richmenu'
  | 'attributes'
  | 'registration-forms'
  | 'residents'
  | 'segments'
  | 'segment-research'
  | 'segment-restrictions'
  | 'garbage'
  | 'mail'
  | 'staff'
  | 'staff-import'
  | 'organisations'
  | 'audit'
  | 'security'
  | 'vendor-tenants';

export interface ManualPage {
  slug: ManualSlug;
  title: string;
  summary: string;
  console: ConsoleKind | 'both';
  /** Only administrators see it. */
  admin?: boolean;
  /** Feature key the account must have. */
  feature?: string;
  /** The screen this page explains. */
  screen: `/${string}`;
}

export const MANUAL_PAGES: ManualPage[] = [
  {
    slug: 'login',
    screen: '/login',
    title: 'ログイン',
    summary: 'ログインID・パスワードと確認コードでのログイン、ロックされたとき',
    console: 'both',
  },
  {
    slug: 'password',
    screen: '/account/password',
    title: 'パスワードの変更',
    summary: '初回ログイン時の変更と、パスワードの決まり',
    console: 'both',
  },
  {
    slug: 'totp',
    screen: '/account/totp',
    title: '二要素認証',
    summary: '認証アプリの登録と解除',
    console: 'tenant',
  },
  { slug: 'home', screen: '/', title: 'ホーム', summary: 'ホーム画面の見かたとメニュー', console: 'tenant' },
  {
    slug: 'forms',
    screen: '/forms',
    title: 'フォーム一覧',
    summary:
      'フォームの作成（ひな形・項目・条件・繰り返し）、プレビュー、公開とバージョン、受付の設定、URL・QRコード・配信、閲覧権限の設定',
    console: 'tenant',
    feature: 'forms',
  },
  {
    slug: 'deliveries',
    screen: '/deliveries',
    title: 'メッセージ配信',
    summary:
      'メッセージの作成（テキスト・絵文字・画像・イメージマップ・ボタン・カード）、テスト配信、即時・予約・繰り返し配信、A/Bテスト、CSV一括登録、配信履歴',
    console: 'tenant',
    feature: 'delivery',
  },
  {
    slug: 'richmenu',
    screen: '/richmenus',
    title: 'リッチメニュー',
    summary: 'メニューの作成（タブ・タップ領域・画像）、公開、緊急モード、タップ数',
    console: 'tenant',
    feature: 'richmenu',
  },
  {
    slug: 'segments',
    screen: '/segments',
    title: 'セグメント',
    summary: '配信先を絞り込む条件の作り方（グループ・地域・年齢・日付）、対象人数、共有',
    console: 'tenant',
    feature: 'segments',
  },
  {
    slug: 'segment-research',
    screen: '/segments/research',
    title: '属性の分布',
    summary: '受信設定の項目ごとの回答の集計、セグメントでの絞り込み、地域の内訳',
    console: 'tenant',
    feature: 'segments',
  },
  {
    slug: 'segment-restrictions',
    screen: '/segments/restrictions',
    title: '配信先の制限',
    summary: '職員・チームが使えるセグメントを、許可したものだけにする',
    console: 'tenant',
    admin: true,
    feature: 'segments',
  },
  {
    slug: 'attributes',
    screen: '/attributes',
    title: '属性項目',
    summary:
      '住民が登録する項目（地区・年代・お子さまの生年月日など）の作成、選択肢の階層、並べ替え、アーカイブ',
    console: 'tenant',
    feature: 'segments',
  },
  {
    slug: 'registration-forms',
    screen: '/registration-forms',
    title: '登録フォームと友だち追加時のあいさつ',
    summary: '受信設定のフォーム（職員専用など）の作成と、新しい友だちに登録をすすめるあいさつ',
    console: 'tenant',
    feature: 'segments',
  },
  {
    slug: 'residents',
    screen: '/residents',
    title: '友だち',
    summary: '友だちの一覧と検索、一人ひとりの受信設定の確認・変更、テスターの登録',
    console: 'tenant',
    feature: 'segments',
  },
  {
    slug: 'garbage',
    screen: '/garbage',
    title: 'ごみ収集日のお知らせ',
    summary:
      'ごみカレンダーのCSV登録（エラーの直し方）、これからの収集日の確認、収集日の前日に届くリマインド配信の作り方',
    console: 'tenant',
    feature: 'delivery',
  },
  {
    slug: 'mail',
    screen: '/mail',
    title: 'メール連携',
    summary: '届いたメールをLINEで配信するルール（区切り・フッター・配信先・緊急モード）と受信記録',
    console: 'tenant',
    feature: 'delivery',
  },
  {
    slug: 'staff',
    screen: '/staff',
    title: '職員管理',
    summary: '職員の登録・編集・削除、ロック解除、パスワード再発行',
    console: 'tenant',
    admin: true,
  },
  {
    slug: 'staff-import',
    screen: '/staff/import',
    title: '職員のCSV出力・一括登録',
    summary: 'CSVファイルでの一括登録・更新・削除',
    console: 'tenant',
    admin: true,
  },
  {
    slug: 'organisations',
    screen: '/organisations',
    title: '組織・チーム・権限',
    summary: '課・グループとチームの管理、機能の権限',
    console: 'tenant',
    admin: true,
  },
  {
    slug: 'audit',
    screen: '/audit',
    title: '操作ログ',
    summary: '操作の記録の検索、CSV出力、改ざん検知',
    console: 'tenant',
    admin: true,
  },
  {
    slug: 'security',
    screen: '/security',
    title: 'セキュリティ設定',
    summary: '接続元IPアドレスの制限、緊急時の制限解除、二要素認証の必須化',
    console: 'tenant',
    admin: true,
  },
  {
    slug: 'vendor-tenants',
    screen: '/vendor/tenants',
    title: '自治体の管理',
    summary: '自治体の登録・編集、利用停止・再開、サポートとしての入室',
    console: 'vendor',
  },
];

export function manualPage(slug: string): ManualPage | undefined {
  return MANUAL_PAGES.find((p) => p.slug === slug);
}

/** Pages this account may read, in display order. */
export function manualPagesFor(
  kind: ConsoleKind,
  access: { administration: boolean; features: readonly string[] } | null,
): ManualPage[] {
  return MANUAL_PAGES.filter((p) => {
    if (p.console !== 'both' && p.console !== kind) return false;
    if (!access) return p.slug === 'login' || p.slug === 'password';
    if (p.admin && !access.administration) return false;
    if (p.feature && !access.features.includes(p.feature)) return false;
    return true;
  });
}
