import type { LineMessage } from '@tsunagu/server/contracts';

/** Deliveries as the API (`/api/deliveries`) returns them (DEL-1…3, 6…9). */

export type DeliveryStatus = 'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'failed';
export type ScheduleKind = 'immediate' | 'at' | 'recurring';
export type ChannelKind = 'production' | 'test';
export type RunStatus = 'snapshotting' | 'sending' | 'sent' | 'failed' | 'cancelled';

export type DeliveryTarget =
  | { type: 'all' }
  | { type: 'testers' }
  | { type: 'segment'; segmentId: string }
  | { type: 'residents'; residentIds: string[] };

export const STATUS_LABEL: Record<DeliveryStatus, string> = {
  draft: '下書き',
  scheduled: '予約中',
  sending: '配信中',
  sent: '配信済み',
  cancelled: '取消',
  failed: '失敗',
};

export const STATUS_BADGE: Record<DeliveryStatus, string> = {
  draft: 'badge-neutral',
  scheduled: 'badge-info',
  sending: 'badge-warning',
  sent: 'badge-success',
  cancelled: 'badge-neutral',
  failed: 'badge-danger',
};

/** The history list's 種類: how a delivery is sent. */
export const SCHEDULE_LABEL: Record<ScheduleKind, string> = {
  immediate: '即時',
  at: '予約',
  recurring: '繰り返し',
};

export const CHANNEL_LABEL: Record<ChannelKind, string> = { production: '本番', test: 'テスト' };
/** The LINE account a delivery goes out on, as sentences name it. */
export const ACCOUNT_LABEL: Record<ChannelKind, string> = {
  production: '本番アカウント',
  test: 'テスト用アカウント',
};

export const TARGET_LABEL: Record<DeliveryTarget['type'], string> = {
  all: '友だち全員',
  segment: 'セグメント',
  testers: 'テスター',
  residents: '個別指定',
};

/**
 * Results of a run (opens, clicks, blocks), when the statistics module provides them. LINE gives
 * opens only for audiences of 20 or more and only after a few days.
 */
export interface RunResults {
  opens: {
    status: 'pending' | 'ready' | 'below_threshold' | 'unavailable';
    uniqueImpressions: number | null;
    rate: number | null;
  };
  clicks: { total: number; uniqueResidents: number; rate: number | null };
  blocks: { count: number; rate: number | null };
}

/** DEL-12: '' for ordinary runs; an A/B test's sample runs 'a' and 'b', and 'rest' for the winner. */
export type RunVariant = '' | 'a' | 'b' | 'rest';

export interface RunSummary {
  id: string;
  deliveryId: string;
  purpose: 'production' | 'test';
  variant?: RunVariant;
  /** パターンA, パターンB, 残りの友だち ('' for ordinary runs). */
  variantLabel?: string;
  status: RunStatus;
  statusLabel: string;
  firedFor: string;
  channel: ChannelKind;
  recipients: number | null;
  skippedBlocked: number | null;
  sent: number;
  failed: number;
  pending: number;
  error: string | null;
  snapshotAt: string | null;
  finishedAt: string | null;
  results?: RunResults | null;
  /** DEL-10: the run's mails (zeros when it was not sent by e-mail). */
  email?: { recipients: number; sent: number; failed: number; skipped: number };
}

export interface Delivery {
  id: string;
  organisationId: string;
  organisationName: string | null;
  title: string;
  status: DeliveryStatus;
  statusLabel: string;
  channel: ChannelKind;
  target: DeliveryTarget;
  targetLabel: string;
  /** The segment's name when the target is a segment. */
  targetName?: string | null;
  /** DEL-10: also sent by e-mail to the target's confirmed addresses. */
  email?: boolean;
  messages: LineMessage[];
  /** DEL-12: an A/B test (パターンA is `messages`), or null. */
  abTest?: AbTest | null;
  scheduleKind: ScheduleKind;
  scheduleLabel: string;
  scheduleText: string;
  scheduledAt: string | null;
  recurrence: Record<string, unknown> | null;
  nextRunAt: string | null;
  lastFiredAt: string | null;
  copiedFrom: string | null;
  createdAt: string;
  updatedAt: string;
  can: { update: boolean; send: boolean; copy: boolean; export: boolean };
}

export interface DeliveryListItem extends Delivery {
  runs: number;
  lastRun: RunSummary | null;
}

export interface DeliveryDetail extends Delivery {
  runs: RunSummary[];
  /** DEL-12: each fired occurrence's A/B test, newest first. */
  abTests?: AbOccurrence[];
}

export interface AbTest {
  variantB: LineMessage[];
  /** The sample's share of the target (half gets A, half B). */
  samplePercent: number;
  decideAfterMinutes: number;
}

export interface AbFigures {
  sent: number;
  clickers: number;
  rate: number | null;
}

export interface AbOccurrence {
  firedFor: string;
  samplePercent: number;
  decideAt: string;
  runs: { a: string; b: string; rest: string | null };
  decision: {
    decidedAt: string;
    winner: 'a' | 'b';
    reason: 'higher_rate' | 'tie' | 'no_clicks' | 'other_not_sent';
    reasonLabel: string;
    a: AbFigures;
    b: AbFigures;
  } | null;
}

/** A/B test limits (the server checks the same). */
export const AB_SAMPLE_PERCENT = { min: 10, max: 50 } as const;
export const AB_DECIDE_MINUTES = { min: 30, max: 2880 } as const;

/** 「30分」「2時間」「1時間30分」: a decision time as staff read it. */
export function minutesText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h ? `${h}時間` : ''}${m || !h ? `${m}分` : ''}`;
}

export interface Audience {
  reachable: number;
  skipped: number;
  /** Confirmed e-mail addresses the target reaches (mail subscribers and LINE friends). */
  email?: { recipients: number };
}

export interface TestSendResult {
  runId: string;
  /** Every run of the test send: an A/B delivery sends パターンA and パターンB. */
  runIds?: string[];
  channel: ChannelKind;
  recipients: number;
}

export interface SegmentOption {
  id: string;
  name: string;
  organisationName: string | null;
  can?: { target?: boolean };
}

export interface Asset {
  id: string;
  kind: 'image' | 'imagemap';
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  originalContentUrl?: string;
  previewImageUrl?: string;
  baseUrl?: string;
  baseSize?: { width: number; height: number };
  warnings?: string[];
}

export interface SchedulePreview {
  description: string;
  next: string[];
  ended: boolean;
}

/** When a delivery goes out, for headings: a one-time time in the console's date format. */
export function scheduleDisplay(
  d: Pick<Delivery, 'scheduleKind' | 'scheduleLabel' | 'scheduleText' | 'scheduledAt'>,
): string {
  if (d.scheduleKind === 'at' && d.scheduledAt) {
    const at = new Intl.DateTimeFormat('ja-JP', {
      timeZone: 'Asia/Tokyo',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(new Date(d.scheduledAt));
    return `${d.scheduleLabel}：${at}`;
  }
  return d.scheduleKind === 'recurring' ? `${d.scheduleLabel}：${d.scheduleText}` : d.scheduleLabel;
}

/** The target as staff read it: 「セグメント：子育て世帯」. */
export function targetText(d: Pick<Delivery, 'target' | 'targetName'>): string {
  const base = TARGET_LABEL[d.target.type];
  if (d.target.type === 'segment') return d.targetName ? `${base}：${d.targetName}` : base;
  if (d.target.type === 'residents') return `${base}（${d.target.residentIds.length}人）`;
  return base;
}

const pct = new Intl.NumberFormat('ja-JP', { style: 'percent', maximumFractionDigits: 1 });
const num = new Intl.NumberFormat('ja-JP');

export const formatCount = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : num.format(n);
export const formatRate = (r: number | null | undefined) =>
  r === null || r === undefined ? '—' : pct.format(r);

/** 開封率 as the list shows it: a rate, or why there is none. */
export function openRateText(results: RunResults | null | undefined): string {
  if (!results) return '—';
  switch (results.opens.status) {
    case 'pending':
      return '集計中';
    case 'below_threshold':
      return '20人未満のため非表示';
    case 'unavailable':
      return '—';
    case 'ready':
      return formatRate(results.opens.rate);
  }
}

export function clickRateText(results: RunResults | null | undefined): string {
  if (!results) return '—';
  return results.clicks.rate === null
    ? formatCount(results.clicks.uniqueResidents) + '人'
    : formatRate(results.clicks.rate);
}
