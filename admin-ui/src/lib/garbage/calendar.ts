/**
 * Pure helpers of the garbage-calendar screens (DEL-5): dates as staff read them, the reminder
 * text's preview, and which registration item most likely is the residents' opt-in.
 */
import type { ChoiceItem } from './types';

const WEEKDAYS = ['日', '月', '火', '水', '木', '金', '土'];

/** 2026-12-01 → 「12月1日（火）」, with the year when it is not `thisYear`. */
export function formatDay(iso: string, thisYear?: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const weekday = WEEKDAYS[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()];
  return `${thisYear !== undefined && y !== thisYear ? `${y}年` : ''}${mo}月${d}日（${weekday}）`;
}

/** 2026-12-01 → 「2026年12月1日」. */
export function formatLong(iso: string | null): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null;
  return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : '—';
}

/** Saturdays and Sundays are shown in their own colours, as on printed calendars. */
export function weekdayOf(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The text of one item's reminder, as the server will make it. */
export function fillTemplate(template: string, placeholder: string, item: string): string {
  return template.split(placeholder).join(item);
}

/** A code staff may accept for a new calendar: gomi + the year. */
export function suggestedCode(year: number): string {
  return `gomi${year}`;
}

/**
 * The registration item residents use to ask for these reminders (Akaiwa's 「ゴミ収集日のお知らせ」
 * 受け取る／受け取らない), guessed from its label so staff need not look for it: a single choice
 * whose label speaks of garbage and of notices. Staff can change or clear it.
 */
export function guessOptIn(items: ChoiceItem[]): { item: string; codes: string[] } | null {
  const found = items.find(
    (i) =>
      i.status === 'active' &&
      i.kind === 'single' &&
      /ごみ|ゴミ/.test(i.label) &&
      /お知らせ|通知|リマインド|案内/.test(i.label),
  );
  const first = found?.options.find((o) => !o.archived);
  return found && first ? { item: found.code, codes: [first.code] } : null;
}

/** Delivery statuses as the delivery screens name them. */
export const DELIVERY_STATUS_LABEL: Record<string, string> = {
  draft: '下書き',
  scheduled: '予約中',
  sending: '配信中',
  sent: '配信済み',
  cancelled: '取消',
  failed: '失敗',
};

/** Lengths of the upcoming view staff can pick (the server allows up to 62 days). */
export const VIEW_SPANS = [7, 14, 31, 62] as const;

/** The ISO date `days` after `iso`. */
export function shiftDate(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** 「10行目 地区コード: 地区コード「Z99」は…」 → 「地区コード「Z99」は…」: the table shows row and column apart. */
export function errorReason(message: string): string {
  return message.replace(/^\d+行目(?: [^:]+)?: /, '');
}

/**
 * The item a new calendar most likely uses for its districts: a collection-district item
 * (「ゴミ収集地区」), else any district item (「お住まいの地区」), else the first choice item.
 */
export function guessDistrictItem(items: ChoiceItem[]): string {
  const active = items.filter((i) => i.status === 'active');
  const by = (re: RegExp) => active.find((i) => re.test(i.label));
  return (by(/(ごみ|ゴミ).*地区|収集地区/) ?? by(/地区|地域/) ?? active[0])?.code ?? '';
}
