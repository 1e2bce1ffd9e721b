import type { FieldError } from '../../platform/http/errors.js';
import { zodToFieldErrors } from '../../platform/http/errors.js';
import { addDays, jstDate, jstStartOfDay, latestBirthdateForAge } from '../attributes/dates.js';
import {
  segmentDefinitionSchema,
  type AgeLeaf,
  type Condition,
  type DateLeaf,
  type FormAnswerLeaf,
  type FriendPeriodLeaf,
  type FriendStatusLeaf,
  type GarbageLeaf,
  type NumberLeaf,
  type SegmentDefinition,
} from './segment.model.js';

/**
 * Compiles a segment definition into a SQL boolean expression over the resident alias `r`
 * (table `resident`), for queries such as
 *
 *   select r.id from resident r
 *    where r.channel_kind = $1 and r.friend_status = 'friend' and (<expression>)
 *
 * Bind values are appended to `params` and referenced as $n, so the caller's own parameters
 * come first. Every attribute condition is an EXISTS / NOT EXISTS on resident_attribute_value
 * keyed by (item, value): under AND PostgreSQL turns them into hash semi/anti joins fed by the
 * value indexes; under OR and NOT it uses a hashed subplan, so any nesting stays a few index range
 * scans plus one pass over the residents. Items are named by code and looked up once per query
 * (an init plan), so definitions survive relabelling and never embed ids of another tenant.
 *
 * Ages, "days since" and "today" are computed on the JST calendar of `now`, the caller's clock.
 * Must run inside the tenant's transaction: row-level security keeps every table to one tenant.
 */
export function compileSegment(def: SegmentDefinition | unknown, params: unknown[], now: Date): string {
  const parsed = segmentDefinitionSchema.safeParse(def);
  if (!parsed.success) throw new SegmentDefinitionError(zodToFieldErrors(parsed.error));
  return new Compiler(params, now).pred(parsed.data, 'r.id', 'r');
}

/** The definition is malformed (422 for staff; a bug when it comes from a saved segment). */
export class SegmentDefinitionError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`セグメントの条件が正しくありません: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  }
}

/** A well-formed condition this version cannot evaluate (kept for conditions added ahead of their module). */
export class SegmentNotSupportedError extends Error {}

/** Item codes of forms (FORM_CODE_PATTERN): safe to write into a jsonpath. */
const FORM_ITEM_CODE = /^[a-z][a-z0-9_]{0,39}$/;
const NEGATED_FORM_OPS = { not_answered: 'answered', not_in: 'in', ne: 'eq' } as const;
const FORM_COMPARISONS = { eq: '==', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** A condition that is one EXISTS over the values of an item: its rows are the matching residents. */
interface ValueTest {
  /** The item's code, or SQL yielding its id (a garbage calendar names its district item). */
  item: string | (() => string);
  where: (v: string) => string | null;
}

/**
 * Two forms of every condition:
 * - a predicate on a resident id (`pred`): AND is a conjunction of EXISTS / NOT EXISTS, which
 *   PostgreSQL turns into (parallel) hash semi and anti joins;
 * - a set of resident ids (`set`, a SELECT of `rid`), used where a predicate would not become a
 *   join: the children of OR (a UNION of their sets) and a negated group (NOT EXISTS over its
 *   set). So `(北部 AND 子育て) OR NOT answered` is one semi join over a union, not three hashed
 *   subplans probed resident by resident. UNION rather than UNION ALL: its size estimate is the
 *   sum of its parts (a UNION ALL made unique is guessed at 200 rows), which keeps PostgreSQL
 *   from probing the residents one by one for a union of a hundred thousand ids.
 */
class Compiler {
  private alias = 0;
  private readonly today: string;

  constructor(
    private readonly params: unknown[],
    now: Date,
  ) {
    this.today = jstDate(now);
  }

  private bind(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${this.params.length}::${cast}`;
  }

  private next(prefix: string): string {
    return `${prefix}${this.alias++}`;
  }

  private itemId(item: ValueTest['item']): string {
    if (typeof item === 'function') return item();
    return `(SELECT ai.id FROM attribute_item ai WHERE ai.code = ${this.bind(item, 'text')})`;
  }

  /** EXISTS over the values of one item for the resident `rid`. */
  private exists(t: ValueTest, rid: string, negate = false): string {
    const v = this.next('v');
    const item = this.itemId(t.item);
    const extra = t.where(v);
    return (
      `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM resident_attribute_value ${v}` +
      ` WHERE ${v}.resident_id = ${rid} AND ${v}.item_id = ${item}` +
      (extra ? ` AND ${extra}` : '') +
      ')'
    );
  }

  /** The residents with a matching value of one item (ids may repeat: one per matching row). */
  private valueSet(t: ValueTest): string {
    const v = this.next('v');
    const item = this.itemId(t.item);
    const extra = t.where(v);
    return (
      `SELECT ${v}.resident_id AS rid FROM resident_attribute_value ${v}` +
      ` WHERE ${v}.item_id = ${item}` +
      (extra ? ` AND ${extra}` : '')
    );
  }

  /** The leaf as one positive value test, when it is one (the cheap case for sets). */
  private valueTest(c: Condition): ValueTest | null {
    switch (c.type) {
      case 'option':
        if (c.op !== 'in') return null;
        return {
          item: c.item,
          where: (v) =>
            `${v}.option_code = ANY(${this.bind([...new Set(c.codes)], 'text[]')})` +
            (c.exact ? ` AND NOT ${v}.implied` : ''),
        };
      case 'date':
        if ((c.quantifier ?? 'any') !== 'any') return null;
        return { item: c.item, where: (v) => this.dateRange(v, c) };
      case 'age':
        if ((c.quantifier ?? 'any') !== 'any') return null;
        return { item: c.item, where: (v) => this.ageRange(v, c) };
      case 'number':
        return { item: c.item, where: (v) => this.numberCompare(v, c) };
      case 'answered':
        return c.answered ? { item: c.item, where: () => null } : null;
      case 'garbage':
        return this.garbage(c);
      default:
        return null;
    }
  }

  /**
   * DEL-5: values of the calendar's district item that name a district collecting (one of) the
   * items on today + days. Both lookups go through the calendar's code (an init plan each), so a
   * saved definition keeps working when the calendar is uploaded again. A hierarchy answer also
   * has rows for the areas above the district: a calendar row for a whole area (熊山地域) thus
   * reaches every district under it, and a row for a district only that district.
   */
  private garbage(c: GarbageLeaf): ValueTest {
    const items = c.items ? [...new Set(c.items.map((i) => i.normalize('NFKC').trim()))] : null;
    return {
      item: () =>
        `(SELECT ai.id FROM attribute_item ai WHERE ai.code = ` +
        `(SELECT gc.district_item FROM garbage_calendar gc WHERE gc.code = ${this.bind(c.calendar, 'text')}))`,
      where: (v) =>
        `${v}.option_code IN (SELECT g.district_code FROM garbage_collection g` +
        ` WHERE g.calendar_id = (SELECT gc.id FROM garbage_calendar gc WHERE gc.code = ${this.bind(c.calendar, 'text')})` +
        ` AND g.collection_date = ${this.bind(addDays(this.today, c.days), 'date')}` +
        (items ? ` AND g.item = ANY(${this.bind(items, 'text[]')})` : '') +
        ')',
    };
  }

  /** The condition as a predicate on resident id `rid`; `row` is a resident alias when one is at hand. */
  pred(c: Condition, rid: string, row: string | null): string {
    switch (c.type) {
      case 'and':
        return `(${c.conditions.map((x) => this.pred(x, rid, row)).join(' AND ')})`;
      case 'or': {
        const s = this.next('s');
        return `EXISTS (SELECT 1 FROM (${c.conditions.map((x) => this.set(x)).join(' UNION ')}) ${s} WHERE ${s}.rid = ${rid})`;
      }
      case 'not': {
        const inner = c.condition;
        if (inner.type === 'not') return this.pred(inner.condition, rid, row);
        const t = this.valueTest(inner);
        if (t) return this.exists(t, rid, true);
        const s = this.next('s');
        return `NOT EXISTS (SELECT 1 FROM (${this.set(inner)}) ${s} WHERE ${s}.rid = ${rid})`;
      }
      case 'option': {
        if (c.op === 'not_in')
          return this.exists(
            {
              item: c.item,
              where: (v) =>
                `${v}.option_code = ANY(${this.bind([...new Set(c.codes)], 'text[]')})` +
                (c.exact ? ` AND NOT ${v}.implied` : ''),
            },
            rid,
            true,
          );
        if (c.op === 'all')
          return `(${[...new Set(c.codes)]
            .map((code) =>
              this.exists(
                {
                  item: c.item,
                  where: (v) =>
                    `${v}.option_code = ${this.bind(code, 'text')}` +
                    (c.exact ? ` AND NOT ${v}.implied` : ''),
                },
                rid,
              ),
            )
            .join(' AND ')})`;
        return this.exists(this.valueTest(c)!, rid);
      }
      case 'date':
      case 'age': {
        const inRange = (v: string) => (c.type === 'date' ? this.dateRange(v, c) : this.ageRange(v, c));
        if ((c.quantifier ?? 'any') === 'any') return this.exists({ item: c.item, where: inRange }, rid);
        // Every date in range, and at least one date.
        return (
          `(${this.exists({ item: c.item, where: (v) => `${v}.date_value IS NOT NULL` }, rid)}` +
          ` AND ${this.exists({ item: c.item, where: (v) => `${v}.date_value IS NOT NULL AND NOT (${inRange(v)})` }, rid, true)})`
        );
      }
      case 'number':
      case 'garbage':
        return this.exists(this.valueTest(c)!, rid);
      case 'answered':
        return this.exists({ item: c.item, where: () => null }, rid, !c.answered);
      case 'friend_status':
      case 'friend_period': {
        if (row) return this.residentPredicate(c, row);
        const rr = this.next('rr');
        return `EXISTS (SELECT 1 FROM resident ${rr} WHERE ${rr}.id = ${rid} AND ${this.residentPredicate(c, rr)})`;
      }
      case 'form_answer': {
        const { positive, negated } = this.formAnswerPositive(c);
        const fa = this.next('fa');
        return (
          `${negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM form_response ${fa}` +
          ` WHERE ${fa}.resident_id = ${rid} AND ${this.formAnswerWhere(positive, fa)})`
        );
      }
    }
  }

  /** A form_answer leaf as its positive form and whether it is negated (not_in is NOT in…). */
  private formAnswerPositive(c: FormAnswerLeaf): { positive: FormAnswerLeaf; negated: boolean } {
    const op = NEGATED_FORM_OPS[c.op as keyof typeof NEGATED_FORM_OPS];
    return op ? { positive: { ...c, op }, negated: true } : { positive: c, negated: false };
  }

  /**
   * SEG-8: a condition on the responses (form_response, alias `fa`) one resident sent to a form,
   * over non-personal answers only (personal ones are sealed; the forms module checks definitions
   * against the form before they are saved). `answered` and `in` use the responses' facets (GIN;
   * `in` on a hierarchy includes the options under a chosen one); comparisons use a jsonpath that
   * finds the item at the top level and in every entry of a repeating section. Any of the
   * resident's responses may match.
   */
  private formAnswerWhere(c: FormAnswerLeaf, fa: string): string {
    if (!FORM_ITEM_CODE.test(c.question))
      throw new SegmentDefinitionError([{ path: 'question', message: '設問のコードが正しくありません' }]);
    const q = c.question;
    const values = c.values ?? [];
    const form = `${fa}.form_id = ${this.bind(c.formId, 'uuid')}`;
    switch (c.op) {
      case 'answered':
        return `${form} AND ${fa}.facets @> ${this.bind([q], 'text[]')}`;
      case 'in':
        return `${form} AND ${fa}.facets && ${this.bind(
          values.flatMap((v) => [`${q}=${v}`, `${q}^${v}`]),
          'text[]',
        )}`;
      default: {
        const cmp = FORM_COMPARISONS[c.op as keyof typeof FORM_COMPARISONS];
        if (!cmp || values.length !== 1)
          throw new SegmentDefinitionError([{ path: 'values', message: '比べる値を1つ指定してください' }]);
        return (
          `${form} AND jsonb_path_exists(${fa}.answers, ${this.bind(`$.**."${q}" ? (@ ${cmp} $v)`, 'jsonpath')},` +
          ` jsonb_build_object('v', ${this.bind(JSON.stringify(values[0]), 'jsonb')}))`
        );
      }
    }
  }

  /** The condition as a SELECT of matching resident ids (`rid`). */
  private set(c: Condition): string {
    if (c.type === 'form_answer' && !this.formAnswerPositive(c).negated) {
      const fa = this.next('fa');
      return `SELECT ${fa}.resident_id AS rid FROM form_response ${fa} WHERE ${fa}.resident_id IS NOT NULL AND ${this.formAnswerWhere(c, fa)}`;
    }
    const t = this.valueTest(c);
    if (t) return this.valueSet(t);
    if (c.type === 'or') return c.conditions.map((x) => this.set(x)).join(' UNION ');
    if (c.type === 'and') {
      // Drive from the first child that is a cheap set; the others filter it.
      const driver = c.conditions.find((x) => this.isCheapSet(x));
      if (driver) {
        const d = this.next('d');
        const rest = c.conditions.filter((x) => x !== driver);
        const from = `SELECT ${d}.rid FROM (${this.set(driver)}) ${d}`;
        return rest.length
          ? `${from} WHERE ${rest.map((x) => this.pred(x, `${d}.rid`, null)).join(' AND ')}`
          : from;
      }
    }
    // Everything else (negations, friend conditions) filters the tenant's residents.
    const rr = this.next('rr');
    return `SELECT ${rr}.id AS rid FROM resident ${rr} WHERE ${this.pred(c, `${rr}.id`, rr)}`;
  }

  /** Positive value tests and unions of them: sets read from the value indexes only. */
  private isCheapSet(c: Condition): boolean {
    if (c.type === 'or') return c.conditions.every((x) => this.isCheapSet(x));
    return c.type !== 'and' && c.type !== 'not' && this.valueTestShape(c);
  }

  private valueTestShape(c: Condition): boolean {
    switch (c.type) {
      case 'option':
        return c.op === 'in';
      case 'date':
      case 'age':
        return (c.quantifier ?? 'any') === 'any';
      case 'number':
      case 'garbage':
        return true;
      case 'answered':
        return c.answered;
      case 'form_answer':
        return !this.formAnswerPositive(c).negated;
      default:
        return false;
    }
  }

  private residentPredicate(c: FriendStatusLeaf | FriendPeriodLeaf, row: string): string {
    if (c.type === 'friend_status') return `${row}.friend_status = ANY(${this.bind(c.statuses, 'text[]')})`;
    return this.friendPeriod(c, row);
  }

  private dateRange(v: string, c: DateLeaf): string {
    // A bound given in days from today is fixed to a date here, on the caller's JST calendar.
    const at = (abs: string | undefined, rel: number | undefined) =>
      this.bind(abs ?? addDays(this.today, rel!), 'date');
    if (c.op === 'anniversary') return this.anniversary(v, addDays(this.today, c.days!));
    if (c.op === 'before') return `${v}.date_value < ${at(c.date, c.days)}`;
    if (c.op === 'after') return `${v}.date_value > ${at(c.date, c.days)}`;
    return `${v}.date_value BETWEEN ${at(c.from, c.fromDays)} AND ${at(c.to, c.toDays)}`;
  }

  /**
   * Dates whose anniversary is `on`: same month and day in an earlier year (the date itself is
   * not its own anniversary). In a common year 28 February is also the anniversary of 29 February,
   * as Japanese law counts ages (年齢計算ニ関スル法律). Compares month and day of every value of the
   * item: fine for a daily job; an expression index would serve it if it ever mattered.
   */
  private anniversary(v: string, on: string): string {
    const [y, m, d] = on.split('-').map(Number) as [number, number, number];
    const commonYear = new Date(Date.UTC(y, 1, 29)).getUTCMonth() !== 1;
    const days = m === 2 && d === 28 && commonYear ? [28, 29] : [d];
    return (
      `extract(month from ${v}.date_value) = ${this.bind(m, 'int')}` +
      ` AND extract(day from ${v}.date_value) = ANY(${this.bind(days, 'int[]')})` +
      ` AND ${v}.date_value < ${this.bind(on, 'date')}`
    );
  }

  /**
   * Completed years/months of age on today's JST date between min and max (inclusive):
   * age ≥ min ⇔ born on or before today − min; age ≤ max ⇔ born after today − (max + 1).
   */
  private ageRange(v: string, c: AgeLeaf): string {
    const parts: string[] = [];
    if (c.min !== undefined)
      parts.push(`${v}.date_value <= ${this.bind(latestBirthdateForAge(this.today, c.min, c.unit), 'date')}`);
    if (c.max !== undefined)
      parts.push(
        `${v}.date_value > ${this.bind(latestBirthdateForAge(this.today, c.max + 1, c.unit), 'date')}`,
      );
    return parts.join(' AND ');
  }

  private numberCompare(v: string, c: NumberLeaf): string {
    const col = `${v}.number_value`;
    if (c.op === 'between')
      return `${col} BETWEEN ${this.bind(c.min, 'numeric')} AND ${this.bind(c.max, 'numeric')}`;
    const op = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' }[c.op];
    return `${col} ${op} ${this.bind(c.value, 'numeric')}`;
  }

  /**
   * Days as a friend count JST calendar days since the latest follow: followed yesterday is one
   * day. "At least n days" ⇔ followed before the start of (today − n + 1).
   */
  private friendPeriod(c: FriendPeriodLeaf, row: string): string {
    const col = `${row}.followed_at`;
    const parts = [`${col} IS NOT NULL`];
    const at = (date: string) => this.bind(jstStartOfDay(date).toISOString(), 'timestamptz');
    if (c.minDays !== undefined) parts.push(`${col} < ${at(addDays(this.today, -c.minDays + 1))}`);
    if (c.maxDays !== undefined) parts.push(`${col} >= ${at(addDays(this.today, -c.maxDays))}`);
    if (c.since) parts.push(`${col} >= ${at(c.since)}`);
    if (c.until) parts.push(`${col} < ${at(addDays(c.until, 1))}`);
    return `(${parts.join(' AND ')})`;
  }
}

/** The delivery audience predicate: friends of one channel (blocked and unknown never receive). */
export function audienceSql(channelParam: string): string {
  return `r.channel_kind = ${channelParam} AND r.friend_status = 'friend'`;
}
