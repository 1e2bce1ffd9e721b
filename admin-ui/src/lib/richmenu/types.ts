/** Rich menus as the API (`/api/richmenus`) returns them. */

export type ChannelKind = 'test' | 'production';
export type MenuKind = 'normal' | 'emergency';

export const CHANNEL_LABEL: Record<ChannelKind, string> = { test: 'テスト', production: '本番' };
export const KIND_LABEL: Record<MenuKind, string> = { normal: '通常', emergency: '緊急' };

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type AreaAction =
  | { type: 'uri'; label?: string; uri: string }
  | { type: 'message'; label?: string; text: string }
  | { type: 'postback'; label?: string; data: string; displayText?: string }
  | { type: 'page'; label?: string; path: string }
  | { type: 'tab'; label?: string; tabId: string }
  | { type: 'submenu'; label?: string; tabId: string }
  | { type: 'form'; label?: string; formCode: string; open: 'page' | 'talk' };

export type ActionType = AreaAction['type'];

export const ACTION_LABEL: Record<ActionType, string> = {
  uri: 'URL',
  message: 'テキスト',
  postback: 'ポストバック',
  page: '住民ページ',
  tab: 'タブ切替',
  submenu: 'サブメニュー',
  form: 'フォーム',
};

/** A form an area can open (GET /api/forms). */
export interface MenuForm {
  code: string;
  title: string;
  status: 'draft' | 'published' | 'closed';
  talkMode: boolean;
}

export const FORM_OPEN_LABEL = {
  page: '入力画面を開く（LINE内ブラウザ）',
  talk: 'トークで1問ずつ回答する',
} as const;
export const ACTION_TYPES = Object.keys(ACTION_LABEL) as ActionType[];

export interface Area {
  bounds: Bounds;
  action: AreaAction;
}

export interface MenuTab {
  id: string;
  setId: string;
  code: string;
  position: number;
  name: string;
  chatBarText: string;
  width: number;
  height: number;
  areas: Area[];
  imageKey: string | null;
  imageType: string | null;
  imageBytes: number | null;
  updatedAt: string;
}

export interface Publication {
  channel: ChannelKind;
  publishedAt: string;
  publishedBy: string | null;
  aliasIds?: string[];
}

export interface MenuSet {
  id: string;
  organisationId: string;
  organisationName?: string | null;
  code: string;
  name: string;
  kind: MenuKind;
  tabCount?: number;
  createdAt: string;
  updatedAt: string;
  published: Publication[];
  can: { update: boolean; publish: boolean; delete: boolean };
}

export interface MenuSetDetail extends MenuSet {
  tabs: MenuTab[];
}

export interface EmergencyState {
  channel: ChannelKind;
  enabled: boolean;
  reason: string | null;
  changedAt: string | null;
  changedBy: string | null;
  emergencySetId: string | null;
  defaultSetId: string | null;
}

export interface PublishResult {
  channel: ChannelKind;
  menus: Array<{ tabId: string; richMenuId: string }>;
  aliasIds: string[];
  defaultRichMenuId: string | null;
  deleted: number;
  publishedAt: string;
}

export interface MenuStats {
  setId: string;
  from: string | null;
  to: string | null;
  tabs: Array<{
    tabId: string;
    name: string;
    areas: Array<{ areaIndex: number; action: string; label: string | null; taps: number }>;
  }>;
}

export const SIZES = [
  { width: 2500, height: 1686, label: '大（2500×1686）' },
  { width: 2500, height: 843, label: '小（2500×843）' },
] as const;
export const MAX_AREAS = 20;
export const CHAT_BAR_TEXT_MAX = 14;
export const IMAGE_MAX_BYTES = 1024 * 1024;
