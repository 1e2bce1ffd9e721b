import { z } from 'zod';
import {
  CHOICE_KINDS,
  indexOptions,
  optionLabel,
  type AttributeItem,
} from '../attributes/attribute.model.js';
import { isHhMm, isIsoDate, type District } from '../delivery/schedule/index.js';
import { CHANNEL_KINDS } from '../line/channels.service.js';
import { CALENDAR_CODE_PATTERN, type Condition } from '../segments/segment.model.js';

/**
 * Garbage-collection calendars (DEL-5, Akaiwa 5-① 「地域（地区）のゴミ収集日リマインド通知機能」):
 * what staff send, checked at the edge with Japanese messages, and the pure parts of the
 * evening-before reminders (the segment each reminder is sent to, its suggested text).
 */

/** The file of a year of daily rows for a few hundred districts (GARBAGE_CSV_MAX_ROWS) fits. */
export const UPLOAD_MAX_BYTES = 12 * 1024 * 1024;
/** The upcoming view shows at most this many days at once (two months). */
export const MAX_VIEW_DAYS = 62;

const name = z
  .string({ error: '名前を入力してください' })
  .trim()
  .min(1, '名前を入力してください')
  .max(100, '名前は100文字以内にしてください');

export const calendarSchema = z.strictObject({
  code: z
    .string({ error: 'コードを入力してください' })
    .trim()
    .regex(
      CALENDAR_CODE_PATTERN,
      'コードは英小文字で始まる英小文字・数字・_・- の40文字以内にしてください（例: gomi2026）',
    ),
  name,
  districtItem: z
    .string({ error: '地区の項目を選んでください' })
    .min(1, '地区の項目を選んでください')
    .max(40, '地区の項目を選んでください'),
});
export type CalendarInput = z.infer<typeof calendarSchema>;

export const calendarPatchSchema = z.strictObject({
  name: name.optional(),
  districtItem: calendarSchema.shape.districtItem.optional(),
});

const isoDay = (what: string) =>
  z
    .string({ error: `${what}を入力してください` })
    .refine(isIsoDate, `${what}は YYYY-MM-DD の形で指定してください`);

export const collectionsQuery = z.object({
  from: isoDay('開始日').optional(),
  days: z.coerce
    .number({ error: '日数を数値で指定してください' })
    .int('日数は整数で指定してください')
    .min(1, '日数は1以上にしてください')
    .max(MAX_VIEW_DAYS, `日数は${MAX_VIEW_DAYS}日以内にしてください`)
    .default(14),
  district: z.string().trim().max(40).optional(),
  item: z.string().trim().max(50).optional(),
});

/** 「{品目}」 in a reminder text is replaced by the item's name. */
export const ITEM_PLACEHOLDER = '{品目}';
export const DEFAULT_REMINDER_TEMPLATE = `明日は${ITEM_PLACEHOLDER}の収集日です。朝8時30分までに、決められた場所に出してください。`;
export const DEFAULT_REMINDER_TIME = '19:00';

export const remindersSchema = z.strictObject({
  organisationId: z.uuid({ error: '所属を選択してください' }),
  channel: z
    .enum(CHANNEL_KINDS, { error: '配信チャネルは production か test にしてください' })
    .default('production'),
  time: z
    .string({ error: '配信時刻を入力してください' })
    .refine(isHhMm, '配信時刻は「19:00」の形（00:00〜23:59）で入力してください')
    .default(DEFAULT_REMINDER_TIME),
  /** The residents' opt-in (Akaiwa's garbage_reminder = yes); null sends to everyone of the district. */
  optIn: z
    .strictObject({
      item: z.string({ error: '受け取りの設定の項目を選んでください' }).min(1).max(40),
      codes: z
        .array(z.string().min(1).max(40), { error: '受け取る人の選択肢を選んでください' })
        .min(1, '受け取る人の選択肢を1つ以上選んでください')
        .max(50),
    })
    .nullable()
    .default(null),
  /** The calendar's items to make reminders for; all of them when left out. */
  items: z.array(z.string().trim().min(1).max(50)).min(1, '品目を1つ以上選んでください').max(50).optional(),
  template: z
    .string({ error: 'お知らせの文を入力してください' })
    .trim()
    .min(1, 'お知らせの文を入力してください')
    .max(1000, 'お知らせの文は1000文字以内にしてください')
    .default(DEFAULT_REMINDER_TEMPLATE),
});
export type RemindersInput = z.infer<typeof remindersSchema>;

/**
 * The districts a calendar's CSV may name: every option of the district item (areas of a
 * hierarchy too: a row for an area covers the districts under it), archived ones included
 * (residents may still have them). A name two options share is given with its path
 * (「山陽地域 › 山陽」), so a name in the file always means one district.
 */
export function districtsOf(item: Pick<AttributeItem, 'kind' | 'config'>): District[] {
  const index = indexOptions(item);
  const count = new Map<string, number>();
  for (const o of index.values()) {
    const key = o.label.normalize('NFKC');
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return [...index.values()].map((o) => ({
    code: o.code,
    name: (count.get(o.label.normalize('NFKC')) ?? 0) > 1 ? optionLabel(index, o.code) : o.label,
  }));
}

/** Districts are the options of a choice item (single, multi or hierarchy). */
export function isDistrictItem(item: Pick<AttributeItem, 'kind'>): boolean {
  return CHOICE_KINDS.has(item.kind);
}

/** The suggested text of one item's reminder. */
export function reminderText(template: string, item: string): string {
  return template.split(ITEM_PLACEHOLDER).join(item);
}

/** The segment of one item's reminder: its collection tomorrow, and the opt-in when there is one. */
export function reminderDefinition(
  calendarCode: string,
  item: string,
  optIn: RemindersInput['optIn'],
): Condition {
  const garbage: Condition = { type: 'garbage', calendar: calendarCode, items: [item], days: 1 };
  return {
    type: 'and',
    conditions: optIn
      ? [garbage, { type: 'option', item: optIn.item, op: 'in', codes: [...new Set(optIn.codes)] }]
      : [garbage],
  };
}
