/**
 * Message catalog of the resident pages. Japanese is the only language today; another language
 * is added by giving `messages` a second entry with the same keys (the type enforces it).
 */
const ja = {
  'app.name': 'つなぐ',
  'a11y.skipToContent': '本文へ移動',
  'a11y.opensExternal': '（外部サイトが開きます）',
  'nav.label': 'メニュー',
  'nav.home': 'ホーム',
  'home.title': '{city}のご案内',
  'resident.signingIn': 'LINEの情報を確認しています…',
  'resident.greeting': '{name}さん、こんにちは',
  'resident.greetingNoName': 'LINEでログインしています',
  'resident.reopen': 'LINEの{city}公式アカウントから、もう一度ページを開いてください。',
  'home.lead': '{city}の公式LINEアカウントから開くページです。',
  'home.linksHeading': 'リンク集',
  'home.noLinks': '現在ご案内できるリンクはありません。',
  'links.group.city-site': '市のホームページ',
  'links.group.procedures': '手続き',
  'links.group.reservations': '予約',
  'links.group.childcare': '子育て',
  'links.group.disaster-info': '防災',
  'links.group.bus': 'バス',
  'links.group.other': 'その他',
  'suspended.fallbackTitle': 'このサービスは現在ご利用いただけません',
  'suspended.body': 'ご不便をおかけして申し訳ありません。再開までしばらくお待ちください。',
  'suspended.contact': 'お急ぎの方は、お住まいの自治体の窓口へお問い合わせください。',
  'error.notFound.title': 'ページが見つかりません',
  'error.notFound.body': 'お探しのページは移動または削除されたか、URLが間違っている可能性があります。',
  'error.notFound.hint': 'LINEのトーク画面のメニューから、もう一度開いてください。',
  'error.unavailable.title': 'ただいま表示できません',
  'error.unavailable.body': '通信状態をご確認のうえ、しばらくしてからもう一度お試しください。',
  'error.retry': '再読み込み',
  'error.backHome': 'ホームへ戻る',
  'footer.operatedBy': '{city} 公式LINEアカウント',
} as const;

export type MessageKey = keyof typeof ja;
export type Locale = 'ja';

export const messages: Record<Locale, Record<MessageKey, string>> = { ja };

let current: Locale = 'ja';

export function setLocale(locale: Locale): void {
  current = locale;
}

/** Looks up a message and fills `{name}` placeholders; unknown placeholders stay visible. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = messages[current][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
