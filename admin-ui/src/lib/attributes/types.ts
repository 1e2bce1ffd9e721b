/**
 * Residents' attributes as the API carries them (server/src/modules/attributes/attribute.model.ts,
 * registration.service.ts, residents/residents.service.ts). Kept here, beside the screens that
 * use them, so the shared api/types.ts stays small.
 */

export const ITEM_KINDS = ['single', 'multi', 'hierarchy', 'date', 'dates', 'number', 'text'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const ITEM_KIND_LABELS: Record<ItemKind, string> = {
  single: '単一選択',
  multi: '複数選択',
  hierarchy: '階層選択',
  date: '日付',
  dates: '複数の日付',
  number: '数値',
  text: '自由記述',
};

/** What each kind is for, in plain words (the kind picker). */
export const ITEM_KIND_HINTS: Record<ItemKind, string> = {
  single: '選択肢から1つ選ぶ（例：年代、性別）',
  multi: '選択肢からいくつでも選ぶ（例：受け取りたい情報）',
  hierarchy: '地域→地区のように段階的に選ぶ（例：お住まいの地区）',
  date: '日付を1つ入力する（例：生年月日、生年月）',
  dates: '日付をいくつか入力する（例：お子さまの生年月日）',
  number: '数を入力する（例：世帯人数）',
  text: '文章を自由に入力する（例：ご意見）',
};

/** The server's limits (attribute.model.ts LIMITS). */
export const LIMITS = {
  options: 500,
  treeNodes: 3000,
  treeDepth: 4,
  maxDates: 20,
  textMax: 2000,
  labelMax: 100,
  helpMax: 1000,
} as const;

export const CODE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
export const OPTION_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

export interface ChoiceOption {
  code: string;
  label: string;
  archived?: boolean;
}
export interface OptionNode extends ChoiceOption {
  children?: OptionNode[];
}

export interface SingleConfig {
  options: ChoiceOption[];
}
export interface MultiConfig {
  options: ChoiceOption[];
  maxSelect?: number;
}
export interface HierarchyConfig {
  options: OptionNode[];
  leafOnly: boolean;
}
export interface DateConfig {
  precision: 'day' | 'month';
  minDate?: string;
  maxDate?: string;
  notFuture: boolean;
}
export interface DatesConfig extends DateConfig {
  maxCount: number;
}
export interface NumberConfig {
  min?: number;
  max?: number;
  integer: boolean;
  unit?: string;
}
export interface TextConfig {
  maxLength: number;
  multiline: boolean;
}

export interface ConfigByKind {
  single: SingleConfig;
  multi: MultiConfig;
  hierarchy: HierarchyConfig;
  date: DateConfig;
  dates: DatesConfig;
  number: NumberConfig;
  text: TextConfig;
}
export type ItemConfig = ConfigByKind[ItemKind];

export interface AttributeItem {
  id: string;
  code: string;
  kind: ItemKind;
  kindLabel?: string;
  label: string;
  helpText: string;
  required: boolean;
  position: number;
  status: 'active' | 'archived';
  config: ItemConfig;
  createdAt?: string;
  updatedAt?: string;
}

export interface ItemInput {
  code?: string;
  kind?: ItemKind;
  label: string;
  helpText: string;
  required: boolean;
  config: ItemConfig;
}

/** A resident's answer to one item (values.ts AttributeValue). */
export type AttributeValue = string | string[] | number;

export interface RegistrationForm {
  id: string;
  code: string;
  name: string;
  introText: string;
  visibility: 'public' | 'unlisted';
  hasPasscode: boolean;
  askEmail: boolean;
  position: number;
  status: 'active' | 'archived';
  createdAt: string;
  updatedAt: string;
  items: Array<{ id: string; code: string; label: string; kind: ItemKind; status: 'active' | 'archived' }>;
  registeredCount: number;
}

/** What the form editor sends: `passcode` undefined keeps it, null removes it, a string sets it. */
export interface RegistrationFormInput {
  code?: string;
  name: string;
  introText: string;
  visibility: 'public' | 'unlisted';
  passcode?: string | null;
  askEmail: boolean;
  itemIds: string[];
}

export interface GreetingSettings {
  enabled: boolean;
  text: string;
  buttonText: string;
  buttonLabel: string;
  formCode: string | null;
}

/** LINE's limits for the greeting's messages (platform/line/messages.ts LINE_LIMITS). */
export const GREETING_LIMITS = { text: 5000, buttonText: 160, buttonLabel: 20 } as const;

export type ChannelKind = 'production' | 'test';
/** LINE channels, and `mail`: citizens who receive deliveries by e-mail only (DEL-10). */
export type AudienceKind = ChannelKind | 'mail';
export type FriendStatus = 'friend' | 'blocked' | 'unknown';

export const CHANNEL_LABELS: Record<AudienceKind, string> = {
  production: '本番',
  test: 'テスト',
  mail: 'メール',
};
export const FRIEND_STATUS_LABELS: Record<FriendStatus, string> = {
  friend: '友だち',
  blocked: 'ブロック中',
  unknown: '不明',
};
/** For e-mail subscribers the same states mean confirmed, unsubscribed and not yet confirmed. */
export const MAIL_STATUS_LABELS: Record<FriendStatus, string> = {
  friend: '登録済み',
  blocked: '配信停止',
  unknown: '確認待ち',
};
export function statusLabel(kind: AudienceKind, status: FriendStatus): string {
  return (kind === 'mail' ? MAIL_STATUS_LABELS : FRIEND_STATUS_LABELS)[status];
}

export interface ResidentRegistration {
  formId: string;
  formCode: string;
  formName: string;
  registeredAt: string;
  updatedAt: string;
  updatedBy: 'resident' | 'staff';
}

export interface Resident {
  id: string;
  channel: AudienceKind;
  friendStatus: FriendStatus;
  displayName: string | null;
  isTester: boolean;
  followedAt: string | null;
  firstFollowedAt: string | null;
  blockedSince: string | null;
  statusChangedAt: string | null;
  lastEventAt: string | null;
  createdAt: string;
  registrations: ResidentRegistration[];
}

/** GET /api/attributes/residents/:id */
export interface ResidentSettings {
  values: Record<string, AttributeValue>;
  email: string | null;
  /** DEL-10: a new address receives mail only after the resident confirmed it. */
  emailStatus?: 'none' | 'pending' | 'confirmed';
  items: AttributeItem[];
  registrations: Array<{ formCode: string; formName: string; registeredAt: string; updatedAt: string }>;
}
