/**
 * Shapes of the segment API (server/src/modules/segments) as the console reads them: saved
 * segments, their condition trees, counts, the research view and STAFF-7 restrictions.
 */

export type ChannelKind = 'production' | 'test';
export const CHANNEL_KINDS: ChannelKind[] = ['production', 'test'];
export const CHANNEL_LABEL: Record<ChannelKind, string> = {
  production: '本番のアカウント',
  test: 'テスト用のアカウント',
};

// ---------------------------------------------------------------------------------------------
// Attribute items (GET /api/attributes): what residents register in their 受信設定

export type ItemKind = 'single' | 'multi' | 'hierarchy' | 'date' | 'dates' | 'number' | 'text';

export interface OptionNode {
  code: string;
  label: string;
  archived?: boolean;
  children?: OptionNode[];
}

export interface AttributeItem {
  id: string;
  code: string;
  kind: ItemKind;
  kindLabel?: string;
  label: string;
  helpText?: string;
  status: 'active' | 'archived';
  config: {
    options?: OptionNode[];
    leafOnly?: boolean;
    precision?: 'day' | 'month';
    maxCount?: number;
    unit?: string;
    integer?: boolean;
    min?: number;
    max?: number;
  };
}

// ---------------------------------------------------------------------------------------------
// Condition trees (segment.model.ts)

export interface OptionLeaf {
  type: 'option';
  item: string;
  op: 'in' | 'not_in' | 'all';
  codes: string[];
  exact?: boolean;
}
export interface DateLeaf {
  type: 'date';
  item: string;
  /** `anniversary`: the date's anniversary (same month and day, a later year) is `days` from today. */
  op: 'before' | 'after' | 'between' | 'anniversary';
  date?: string;
  from?: string;
  to?: string;
  /** Days from today (negative: before today), instead of a date. */
  days?: number;
  fromDays?: number;
  toDays?: number;
  quantifier?: 'any' | 'all';
}
export interface AgeLeaf {
  type: 'age';
  item: string;
  unit: 'years' | 'months';
  /** Completed years (months), inclusive. */
  min?: number;
  max?: number;
  quantifier?: 'any' | 'all';
}
export type NumberOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'between';
export interface NumberLeaf {
  type: 'number';
  item: string;
  op: NumberOp;
  value?: number;
  min?: number;
  max?: number;
}
export interface AnsweredLeaf {
  type: 'answered';
  item: string;
  answered: boolean;
}
export type FriendStatus = 'friend' | 'blocked' | 'unknown';
export interface FriendStatusLeaf {
  type: 'friend_status';
  statuses: FriendStatus[];
}
export interface FriendPeriodLeaf {
  type: 'friend_period';
  minDays?: number;
  maxDays?: number;
  since?: string;
  until?: string;
}
/** SEG-8: how a form_answer leaf compares (negations include those who did not answer). */
export type FormAnswerOp =
  'answered' | 'not_answered' | 'in' | 'not_in' | 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';
export interface FormAnswerLeaf {
  type: 'form_answer';
  formId: string;
  /** The item's code in the form. */
  question: string;
  op: FormAnswerOp;
  values?: Array<string | number>;
}
/** DEL-5: the resident's district collects (one of) `items` on today + `days` in a garbage calendar. */
export interface GarbageLeaf {
  type: 'garbage';
  calendar: string;
  items?: string[];
  days: number;
}
export type Leaf =
  | GarbageLeaf
  | OptionLeaf
  | DateLeaf
  | AgeLeaf
  | NumberLeaf
  | AnsweredLeaf
  | FriendStatusLeaf
  | FriendPeriodLeaf
  | FormAnswerLeaf;
export type Group =
  | { type: 'and'; conditions: Condition[] }
  | { type: 'or'; conditions: Condition[] }
  | { type: 'not'; condition: Condition };
export type Condition = Leaf | Group;

/** Limits of the server's model (segment.model.ts). */
export const MAX_DEPTH = 6;
export const MAX_LEAVES = 100;
export const GARBAGE_MAX_DAYS = 14;

/** A garbage-collection calendar as the builder offers it (GET /api/garbage-calendars/choices). */
export interface CalendarChoice {
  code: string;
  name: string;
  /** Its item names (燃やせるごみ…); empty before the first upload. */
  items: string[];
}

/** SEG-8: a question as the builder offers it (GET /api/segments/form-questions). */
export type FormQuestionKind = 'choice' | 'number' | 'date' | 'text';
export interface FormQuestionOption {
  code: string;
  label: string;
  /** 0 at the top of a hierarchy. */
  depth: number;
  /** Labels from the top (「北部 › 熊山」). */
  path: string;
}
export interface FormQuestion {
  code: string;
  /** The latest version's label; 「（旧版）」 for questions only older versions have. */
  label: string;
  /** The form item's type (singleChoice, number…). */
  type: string;
  kind: FormQuestionKind;
  /** Choice questions: parents before their children. */
  options?: FormQuestionOption[];
}
/** A published form this account may read, with the questions a condition may name. */
export interface FormChoice {
  id: string;
  title: string;
  questions: FormQuestion[];
}

// ---------------------------------------------------------------------------------------------
// Saved segments

export interface Segment {
  id: string;
  organisationId: string;
  organisationName?: string | null;
  name: string;
  description: string;
  definition: Condition;
  createdAt: string;
  updatedAt: string;
  can?: { update: boolean; delete: boolean; share: boolean; target: boolean };
}

export interface SegmentList {
  items: Segment[];
  total: number;
  page: number;
  pageSize: number;
  /** False for accounts limited to granted segments (STAFF-7). */
  mayTargetAllFriends: boolean;
}

export interface SegmentCount {
  /** Friends of the channel who match. */
  count: number;
  /** Friends of the channel. */
  friends: number;
  /** Residents who match but would not receive (blocked, unknown). */
  excluded?: number;
  channel: ChannelKind;
  tookMs: number;
}

// ---------------------------------------------------------------------------------------------
// Research view (GET /api/attributes/:id/distribution)

export interface Bucket {
  key: string;
  label: string;
  count: number;
  depth?: number;
  archived?: boolean;
}

export interface Distribution {
  item: { id: string; code: string; label: string; kind: ItemKind };
  channel: ChannelKind;
  segmentId: string | null;
  friends: number;
  answered: number;
  unanswered: number;
  unit: 'residents' | 'values';
  buckets: Bucket[];
}

// ---------------------------------------------------------------------------------------------
// STAFF-7

export interface RestrictedGrantee {
  granteeType: 'team' | 'staff';
  granteeId: string;
  granteeName?: string | null;
}
