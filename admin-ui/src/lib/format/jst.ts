/** Dates from the API are ISO-8601 UTC; staff see them in Japan Standard Time. */

const TZ = 'Asia/Tokyo';
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

const dateTimeFmt = new Intl.DateTimeFormat('ja-JP', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

const dateTimeSecFmt = new Intl.DateTimeFormat('ja-JP', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

const dateFmt = new Intl.DateTimeFormat('ja-JP', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

const longDateFmt = new Intl.DateTimeFormat('ja-JP', {
  timeZone: TZ,
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  weekday: 'short',
});

function toDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** 2026/01/05 09:30 (JST); "—" when empty. */
export function formatDateTime(value: string | number | Date | null | undefined, empty = '—'): string {
  const d = toDate(value);
  return d ? dateTimeFmt.format(d) : empty;
}

/** 2026/01/05 09:30:15 (JST). */
export function formatDateTimeSeconds(value: string | number | Date | null | undefined, empty = '—'): string {
  const d = toDate(value);
  return d ? dateTimeSecFmt.format(d) : empty;
}

/** 2026/01/05 (JST). */
export function formatDate(value: string | number | Date | null | undefined, empty = '—'): string {
  const d = toDate(value);
  return d ? dateFmt.format(d) : empty;
}

/** 2026年1月5日(月) (JST). */
export function formatLongDate(value: string | number | Date | null | undefined, empty = '—'): string {
  const d = toDate(value);
  return d ? longDateFmt.format(d) : empty;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function jstMidnightUtcMs(ymd: string): number | null {
  const m = DATE_RE.exec(ymd);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - JST_OFFSET_MS;
  return Number.isNaN(ms) ? null : ms;
}

/** A date picked in JST (`YYYY-MM-DD`) → the ISO instant when that day starts in Japan. */
export function jstDayStartIso(ymd: string): string | undefined {
  const ms = jstMidnightUtcMs(ymd);
  return ms === null ? undefined : new Date(ms).toISOString();
}

/** A date picked in JST → the instant the next day starts in Japan (exclusive upper bound). */
export function jstDayEndIso(ymd: string): string | undefined {
  const ms = jstMidnightUtcMs(ymd);
  return ms === null ? undefined : new Date(ms + 24 * 60 * 60 * 1000).toISOString();
}

/** Today's date in Japan as `YYYY-MM-DD` (for date inputs). */
export function jstToday(now: Date = new Date()): string {
  return new Date(now.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Greeting by the hour in Japan. */
export function greeting(now: Date = new Date()): string {
  const hour = new Date(now.getTime() + JST_OFFSET_MS).getUTCHours();
  if (hour >= 4 && hour < 11) return 'おはようございます';
  if (hour >= 11 && hour < 18) return 'こんにちは';
  return 'こんばんは';
}
