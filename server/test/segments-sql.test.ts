import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDataSources } from '../src/platform/db/data-sources.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { closeRedis } from '../src/platform/queue/redis.js';
import { parseConfig, type AttributeItem, type ItemKind } from '../src/modules/attributes/attribute.model.js';
import { writeResidentValues } from '../src/modules/attributes/attributes.service.js';
import type { AttributeValue } from '../src/modules/attributes/values.js';
import { compileSegment, SegmentDefinitionError } from '../src/modules/segments/segment-sql.js';
import { segmentDefinitionSchema, type Condition } from '../src/modules/segments/segment.model.js';
import { createTestTenant, type TestTenant } from './helpers.js';

/** The controlled clock: 15 June 2026, 12:00 JST. */
const NOW = new Date('2026-06-15T03:00:00Z');

const ITEMS: Array<{ code: string; kind: ItemKind; config: unknown }> = [
  {
    code: 'district',
    kind: 'hierarchy',
    config: {
      leafOnly: false,
      options: [
        {
          code: 'hokubu',
          label: '北部',
          children: [
            { code: 'kumayama', label: '熊山' },
            { code: 'yoshii', label: '吉井' },
          ],
        },
        { code: 'nanbu', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
      ],
    },
  },
  {
    code: 'topics',
    kind: 'multi',
    config: {
      options: [
        { code: 'kosodate', label: '子育て' },
        { code: 'event', label: 'イベント' },
        { code: 'kenshin', label: '検診' },
      ],
    },
  },
  { code: 'children', kind: 'dates', config: { maxCount: 5 } },
  { code: 'birth', kind: 'date', config: {} },
  { code: 'household', kind: 'number', config: {} },
  { code: 'note', kind: 'text', config: { maxLength: 100 } },
];

interface Person {
  name: string;
  status: 'friend' | 'blocked' | 'unknown';
  channel?: 'production' | 'test';
  followedAt: string | null;
  values: Record<string, AttributeValue>;
}

/**
 * A small population where every condition has residents just inside and just outside it.
 * Ages are on 2026-06-15 (JST): 2023-06-16 is still 2, 2023-06-15 turned 3 today.
 */
const PEOPLE: Person[] = [
  {
    name: 'R1',
    status: 'friend',
    followedAt: '2026-06-14T16:00:00Z', // 06-15 01:00 JST: a friend since today
    values: {
      district: 'kumayama',
      topics: ['kosodate', 'event'],
      children: ['2024-01-10', '2019-05-01'],
      birth: '1990-04-01',
      household: 4,
      note: '意見あり',
    },
  },
  {
    name: 'R2',
    status: 'friend',
    followedAt: '2026-05-31T15:30:00Z', // 06-01 00:30 JST: 14 days
    values: {
      district: 'yoshii',
      topics: ['kenshin'],
      children: ['2023-06-16'],
      birth: '1985-12-31',
      household: 1,
    },
  },
  {
    name: 'R3',
    status: 'friend',
    followedAt: '2026-06-01T15:30:00Z', // 06-02 00:30 JST: 13 days
    values: {
      district: 'sanyo',
      topics: ['kosodate'],
      children: ['2023-06-15'],
      birth: '2000-01-01',
      household: 2,
    },
  },
  {
    name: 'R4',
    status: 'blocked',
    followedAt: '2026-01-01T00:00:00Z',
    values: { district: 'kumayama', children: ['2025-01-01'], household: 3 },
  },
  { name: 'R5', status: 'friend', followedAt: '2025-01-01T00:00:00Z', values: {} },
  {
    name: 'R6',
    status: 'friend',
    followedAt: '2026-06-10T00:00:00Z',
    values: { district: 'hokubu', topics: ['event'], household: 6 },
  },
  {
    name: 'R7',
    status: 'friend',
    followedAt: '2026-06-14T14:59:59Z', // 06-14 23:59:59 JST: one day
    values: { children: ['2026-01-20', '2025-02-01'] },
  },
  { name: 'R8', status: 'unknown', followedAt: null, values: { district: 'yoshii' } },
  {
    name: 'T1',
    status: 'friend',
    channel: 'test',
    followedAt: '2026-06-01T00:00:00Z',
    values: { district: 'kumayama', children: ['2025-05-05'] },
  },
];

describe('compileSegment against a crafted population (controlled clock)', () => {
  let t: TestTenant;
  let other: TestTenant;

  async function populate(tt: TestTenant, people: Person[]) {
    await withTenant(tt.tenant.id, async (m) => {
      const items: AttributeItem[] = [];
      for (const [i, def] of ITEMS.entries()) {
        const parsed = parseConfig(def.kind, def.config);
        if (!parsed.ok) throw parsed.error;
        const rows: Array<{ id: string }> = await m.query(
          `insert into attribute_item (tenant_id, code, kind, label, position, config)
           values ($1, $2, $3, $2, $4, $5::jsonb) returning id`,
          [tt.tenant.id, def.code, def.kind, i, JSON.stringify(parsed.config)],
        );
        items.push({
          id: rows[0]!.id,
          code: def.code,
          kind: def.kind,
          label: def.code,
          helpText: '',
          required: false,
          position: i,
          status: 'active',
          config: parsed.config,
        });
      }
      for (const [i, p] of people.entries()) {
        const rows: Array<{ id: string }> = await m.query(
          `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, followed_at, display_name)
           values ($1, $2, $3, $4, $5, $6) returning id`,
          [
            tt.tenant.id,
            p.channel ?? 'production',
            `U${(i + 1).toString(16).padStart(32, '0')}`,
            p.status,
            p.followedAt,
            p.name,
          ],
        );
        const entries = Object.entries(p.values).map(([code, value]) => ({
          item: items.find((x) => x.code === code)!,
          value,
        }));
        await writeResidentValues(m, tt.tenant.id, rows[0]!.id, entries, {});
      }
    });
  }

  beforeAll(async () => {
    t = await createTestTenant('sq');
    other = await createTestTenant('sqo');
    await populate(t, PEOPLE);
    // Another tenant with the same codes and a matching resident: never seen from the first.
    await populate(other, [
      { name: 'X1', status: 'friend', followedAt: '2026-01-01T00:00:00Z', values: { district: 'kumayama' } },
    ]);
  });
  afterAll(async () => {
    await closeDataSources();
    await closeRedis();
  });

  /** Names of residents matching, without the delivery predicate (every status and channel). */
  const who = (def: Condition, tenant = t) =>
    withTenant(tenant.tenant.id, async (m) => {
      const params: unknown[] = [];
      const expr = compileSegment(def, params, NOW);
      const rows: Array<{ display_name: string }> = await m.query(
        `select r.display_name from resident r where ${expr} order by r.display_name`,
        params,
      );
      return rows.map((r) => r.display_name);
    });

  /** The delivery engine's query: friends of one channel, its own parameter first. */
  const audience = (def: Condition, channel: 'production' | 'test' = 'production') =>
    withTenant(t.tenant.id, async (m) => {
      const params: unknown[] = [channel];
      const expr = compileSegment(def, params, NOW);
      const rows: Array<{ display_name: string }> = await m.query(
        `select r.display_name from resident r
          where r.channel_kind = $1 and r.friend_status = 'friend' and (${expr}) order by r.display_name`,
        params,
      );
      return rows.map((r) => r.display_name);
    });

  it('option in / not in / all of; a hierarchy node includes its descendants unless exact', async () => {
    expect(await who({ type: 'option', item: 'district', op: 'in', codes: ['hokubu'] })).toEqual([
      'R1',
      'R2',
      'R4',
      'R6',
      'R8',
      'T1',
    ]);
    expect(await who({ type: 'option', item: 'district', op: 'in', codes: ['hokubu'], exact: true })).toEqual(
      ['R6'],
    );
    expect(await who({ type: 'option', item: 'district', op: 'in', codes: ['sanyo', 'yoshii'] })).toEqual([
      'R2',
      'R3',
      'R8',
    ]);
    // Not in: also those who never answered.
    expect(await who({ type: 'option', item: 'district', op: 'not_in', codes: ['hokubu'] })).toEqual([
      'R3',
      'R5',
      'R7',
    ]);
    expect(await who({ type: 'option', item: 'topics', op: 'all', codes: ['kosodate', 'event'] })).toEqual([
      'R1',
    ]);
    expect(await who({ type: 'option', item: 'topics', op: 'in', codes: ['kosodate', 'kenshin'] })).toEqual([
      'R1',
      'R2',
      'R3',
    ]);
  });

  it('ages in years and months on the JST date of the clock, any or all of several dates', async () => {
    const underThree: Condition = { type: 'age', item: 'children', unit: 'years', max: 2, quantifier: 'any' };
    // R3's child turned 3 today; R2's turns 3 tomorrow.
    expect(await who(underThree)).toEqual(['R1', 'R2', 'R4', 'R7', 'T1']);
    expect(await who({ ...underThree, quantifier: 'all' })).toEqual(['R2', 'R4', 'R7', 'T1']);
    expect(await who({ type: 'age', item: 'children', unit: 'years', min: 3, max: 6 })).toEqual(['R3']);
    // Babies under six months: born after 2025-12-15.
    expect(await who({ type: 'age', item: 'children', unit: 'months', max: 5 })).toEqual(['R7']);
    expect(await who({ type: 'age', item: 'birth', unit: 'years', min: 40 })).toEqual(['R2']);
    // One minute after midnight JST the date is the 16th and R2's child (born 2023-06-16) is 3.
    const params: unknown[] = [];
    compileSegment(underThree, params, new Date('2026-06-15T15:01:00Z'));
    expect(params).toContain('2023-06-16');
  });

  it('dates before, after and between (inclusive)', async () => {
    expect(await who({ type: 'date', item: 'birth', op: 'before', date: '1990-04-01' })).toEqual(['R2']);
    expect(await who({ type: 'date', item: 'birth', op: 'after', date: '1990-04-01' })).toEqual(['R3']);
    expect(
      await who({ type: 'date', item: 'birth', op: 'between', from: '1985-12-31', to: '1990-04-01' }),
    ).toEqual(['R1', 'R2']);
    expect(
      await who({
        type: 'date',
        item: 'children',
        op: 'between',
        from: '2025-01-01',
        to: '2026-12-31',
        quantifier: 'all',
      }),
    ).toEqual(['R4', 'R7', 'T1']);
  });

  it('anniversary (DEL-4): same month and day in an earlier year; 29 February on 28 February of common years', async () => {
    const children = (days: number) => who({ type: 'date', item: 'children', op: 'anniversary', days });
    expect(await children(1)).toEqual(['R2']); // 2023-06-16: its anniversary is tomorrow
    expect(await children(0)).toEqual(['R3']); // 2023-06-15: today
    expect(await children(-45)).toEqual(['R1']); // 2019-05-01: 45 days ago
    expect(await children(200)).toEqual(['R4']); // 2025-01-01: across the year end, 2027-01-01
    expect(await children(100)).toEqual([]);

    const leap = await createTestTenant('sqa');
    await populate(leap, [
      { name: 'L1', status: 'friend', followedAt: null, values: { birth: '2024-02-29' } },
      { name: 'L2', status: 'friend', followedAt: null, values: { birth: '2023-02-28' } },
      { name: 'L3', status: 'friend', followedAt: null, values: { birth: '2027-02-28' } },
      { name: 'L4', status: 'friend', followedAt: null, values: { birth: '2025-03-01' } },
    ]);
    const at = (now: string, days: number) =>
      withTenant(leap.tenant.id, async (m) => {
        const params: unknown[] = [];
        const expr = compileSegment(
          { type: 'date', item: 'birth', op: 'anniversary', days },
          params,
          new Date(now),
        );
        const rows: Array<{ display_name: string }> = await m.query(
          `select r.display_name from resident r where ${expr} order by r.display_name`,
          params,
        );
        return rows.map((r) => r.display_name);
      });
    // 2027 is a common year: on 28 February both the 28th and the leap-day child have their
    // birthday; the child born that very day has none yet.
    expect(await at('2027-02-27T03:00:00Z', 1)).toEqual(['L1', 'L2']);
    expect(await at('2027-03-01T03:00:00Z', 0)).toEqual(['L4']);
    // 2028 is a leap year: 29 February is its own day again.
    expect(await at('2028-02-28T03:00:00Z', 1)).toEqual(['L1']);
    expect(await at('2028-02-28T03:00:00Z', 0)).toEqual(['L2', 'L3']);
  });

  it('anniversary needs days only, within a year', () => {
    const issues = (c: unknown) =>
      segmentDefinitionSchema.safeParse(c).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ type: 'date', item: 'birth', op: 'anniversary' })).toEqual([
      '何日後（前）の記念日かを入力してください',
    ]);
    expect(issues({ type: 'date', item: 'birth', op: 'anniversary', days: 400 })).toEqual([
      '記念日までの日数は366日以内にしてください',
    ]);
    expect(issues({ type: 'date', item: 'birth', op: 'anniversary', days: 3, date: '2026-01-01' })).toEqual([
      '毎年の記念日の条件には日数だけを指定してください',
    ]);
    expect(issues({ type: 'date', item: 'birth', op: 'anniversary', days: -3 })).toEqual([]);
  });

  it('garbage (DEL-5): districts collecting (some of) the items on today + days, areas covering their districts', async () => {
    // A calendar on the district hierarchy, relative to the clock's day (2026-06-15 JST).
    const calendar = async (tt: TestTenant, rows: Array<[string, string, string]>) =>
      withTenant(tt.tenant.id, async (m) => {
        const c: Array<{ id: string }> = await m.query(
          `insert into garbage_calendar (tenant_id, code, name, district_item) values ($1, 'gomi2026', 'テスト2026', 'district') returning id`,
          [tt.tenant.id],
        );
        for (const [date, district, item] of rows)
          await m.query(
            `insert into garbage_collection (tenant_id, calendar_id, collection_date, district_code, item) values ($1, $2, $3, $4, $5)`,
            [tt.tenant.id, c[0]!.id, date, district, item],
          );
      });
    await calendar(t, [
      ['2026-06-15', 'yoshii', '燃やせるごみ'],
      ['2026-06-16', 'kumayama', '燃やせるごみ'],
      ['2026-06-16', 'sanyo', '資源ごみ'],
      ['2026-06-17', 'nanbu', '燃やせるごみ'], // the whole area 南部
      ['2026-06-18', 'hokubu', '資源ごみ'], // the whole area 北部
    ]);
    // Another tenant's calendar of the same code: never seen from the first tenant.
    await calendar(other, [['2026-06-16', 'yoshii', '燃やせるごみ']]);
    const garbage = (days: number, items?: string[]): Condition => ({
      type: 'garbage',
      calendar: 'gomi2026',
      days,
      ...(items ? { items } : {}),
    });

    expect(await who(garbage(1, ['燃やせるごみ']))).toEqual(['R1', 'R4', 'T1']);
    expect(await who(garbage(1, ['資源ごみ']))).toEqual(['R3']);
    expect(await who(garbage(1))).toEqual(['R1', 'R3', 'R4', 'T1']);
    expect(await who(garbage(1, ['燃やせるごみ', '資源ごみ']))).toEqual(['R1', 'R3', 'R4', 'T1']);
    expect(await who(garbage(0, ['燃やせるごみ']))).toEqual(['R2', 'R8']);
    // A row for an area reaches every district under it, and a resident who chose the area.
    expect(await who(garbage(2))).toEqual(['R3']);
    expect(await who(garbage(3, ['資源ごみ']))).toEqual(['R1', 'R2', 'R4', 'R6', 'R8', 'T1']);
    expect(await who(garbage(4))).toEqual([]);
    // Full-width item names are folded as the CSV reader folds them.
    expect(await who(garbage(1, ['燃やせるごみ'.normalize('NFKC')]))).toEqual(['R1', 'R4', 'T1']);
    expect(await who({ type: 'garbage', calendar: 'nothing', days: 1 })).toEqual([]);
    expect(await who(garbage(1, ['燃やせるごみ']), other)).toEqual([]);
    expect(await audience(garbage(1, ['燃やせるごみ']))).toEqual(['R1']);

    // Composed like any condition: under OR, NOT and AND with an answer.
    expect(await who({ type: 'or', conditions: [garbage(0), garbage(1, ['資源ごみ'])] })).toEqual([
      'R2',
      'R3',
      'R8',
    ]);
    expect(await who({ type: 'not', condition: garbage(1) })).toEqual(['R2', 'R5', 'R6', 'R7', 'R8']);
    expect(
      await who({
        type: 'and',
        conditions: [garbage(3), { type: 'option', item: 'topics', op: 'in', codes: ['event'] }],
      }),
    ).toEqual(['R1', 'R6']);

    // "Tomorrow" is the JST day of the clock: one minute after midnight JST it is the 17th's rows.
    const params: unknown[] = ['production'];
    const sql = compileSegment(garbage(1, ['燃やせるごみ']), params, new Date('2026-06-15T15:01:00Z'));
    expect(params).toEqual(['production', 'gomi2026', 'gomi2026', '2026-06-17', ['燃やせるごみ']]);
    expect(sql).not.toContain('gomi2026');
    expect(sql).not.toContain('燃やせる');
  });

  it('garbage conditions need a calendar code and 0–14 days; items, when given, are not empty', () => {
    const issues = (c: unknown) =>
      segmentDefinitionSchema.safeParse(c).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ type: 'garbage', calendar: 'gomi2026', days: 1 })).toEqual([]);
    expect(issues({ type: 'garbage', calendar: 'gomi2026', days: 15 })).toEqual([
      '何日後の収集日かは14日以内にしてください',
    ]);
    expect(issues({ type: 'garbage', calendar: 'gomi2026', days: -1 })).toEqual([
      '何日後の収集日かは0（今日）以上にしてください',
    ]);
    expect(issues({ type: 'garbage', calendar: 'gomi2026' })).toEqual([
      '何日後の収集日かを数値で入力してください',
    ]);
    expect(issues({ type: 'garbage', calendar: "x'; drop", days: 1 })).toEqual([
      'ごみカレンダーのコードが正しくありません',
    ]);
    expect(issues({ type: 'garbage', calendar: 'gomi2026', days: 1, items: [] })).toEqual([
      '品目を1つ以上選んでください（すべての品目なら指定しないでください）',
    ]);
    expect(issues({ type: 'garbage', calendar: 'gomi2026', days: 1, items: ['  '] })).toEqual([
      '品目を入力してください',
    ]);
    expect(issues({ type: 'garbage', calendar: 'gomi2026', days: 1, district: 'A01' })).toHaveLength(1);
  });

  it('number comparisons and answered / not answered', async () => {
    const num = (op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte', value: number) =>
      who({ type: 'number', item: 'household', op, value });
    expect(await num('eq', 4)).toEqual(['R1']);
    expect(await num('ne', 4)).toEqual(['R2', 'R3', 'R4', 'R6']);
    expect(await num('lt', 3)).toEqual(['R2', 'R3']);
    expect(await num('lte', 3)).toEqual(['R2', 'R3', 'R4']);
    expect(await num('gt', 4)).toEqual(['R6']);
    expect(await num('gte', 4)).toEqual(['R1', 'R6']);
    expect(await who({ type: 'number', item: 'household', op: 'between', min: 2, max: 4 })).toEqual([
      'R1',
      'R3',
      'R4',
    ]);
    expect(await who({ type: 'answered', item: 'note', answered: true })).toEqual(['R1']);
    expect(await who({ type: 'answered', item: 'topics', answered: false })).toEqual([
      'R4',
      'R5',
      'R7',
      'R8',
      'T1',
    ]);
  });

  it('friend status and friend period in JST calendar days', async () => {
    expect(await who({ type: 'friend_status', statuses: ['blocked', 'unknown'] })).toEqual(['R4', 'R8']);
    expect(await who({ type: 'friend_period', minDays: 14 })).toEqual(['R2', 'R4', 'R5', 'T1']);
    expect(await who({ type: 'friend_period', maxDays: 0 })).toEqual(['R1']);
    expect(await who({ type: 'friend_period', maxDays: 1 })).toEqual(['R1', 'R7']);
    expect(await who({ type: 'friend_period', since: '2026-06-01', until: '2026-06-02' })).toEqual([
      'R2',
      'R3',
      'T1',
    ]);
  });

  it('nested AND / OR / NOT compose', async () => {
    const north: Condition = { type: 'option', item: 'district', op: 'in', codes: ['hokubu'] };
    const underThree: Condition = { type: 'age', item: 'children', unit: 'years', max: 2, quantifier: 'any' };
    expect(
      await who({
        type: 'or',
        conditions: [
          { type: 'and', conditions: [north, underThree] },
          { type: 'not', condition: { type: 'answered', item: 'district', answered: true } },
        ],
      }),
    ).toEqual(['R1', 'R2', 'R4', 'R5', 'R7', 'T1']);
    expect(
      await who({
        type: 'and',
        conditions: [
          { type: 'not', condition: north },
          {
            type: 'not',
            condition: {
              type: 'or',
              conditions: [underThree, { type: 'answered', item: 'birth', answered: true }],
            },
          },
        ],
      }),
    ).toEqual(['R5']);
  });

  it('"children under 3 in 北部" for a delivery: friends of the channel only, blocked excluded', async () => {
    const def: Condition = {
      type: 'and',
      conditions: [
        { type: 'option', item: 'district', op: 'in', codes: ['hokubu'] },
        { type: 'age', item: 'children', unit: 'years', max: 2, quantifier: 'any' },
      ],
    };
    expect(await who(def)).toEqual(['R1', 'R2', 'R4', 'T1']);
    expect(await audience(def)).toEqual(['R1', 'R2']);
    expect(await audience(def, 'test')).toEqual(['T1']);
  });

  it('binds every value after the caller’s parameters; nothing is interpolated', () => {
    const params: unknown[] = ['production'];
    const sql = compileSegment(
      { type: 'option', item: 'district', op: 'in', codes: ['kumayama'] },
      params,
      NOW,
    );
    expect(sql).toContain('$2::text');
    expect(sql).toContain('$3::text[]');
    expect(sql).not.toContain('kumayama');
    expect(params).toEqual(['production', 'district', ['kumayama']]);
    // Codes are checked before anything is bound.
    expect(() =>
      compileSegment(
        { type: 'option', item: 'district', op: 'in', codes: ["x'; drop table resident; --"] },
        [],
        NOW,
      ),
    ).toThrow(SegmentDefinitionError);
  });

  it('another tenant’s residents are never counted; an unknown item matches nobody', async () => {
    expect(await who({ type: 'option', item: 'district', op: 'in', codes: ['kumayama'] }, other)).toEqual([
      'X1',
    ]);
    expect(await who({ type: 'answered', item: 'nothing', answered: true })).toEqual([]);
  });

  it('agrees with a plain evaluation of the population for hundreds of random nested definitions', async () => {
    // A reference written independently of the compiler: membership computed in JavaScript.
    const TODAY = [2026, 6, 15] as const;
    const parent: Record<string, string> = { kumayama: 'hokubu', yoshii: 'hokubu', sanyo: 'nanbu' };
    const age = (birth: string) => {
      const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
      return TODAY[0] - y - (TODAY[1] < m || (TODAY[1] === m && TODAY[2] < d) ? 1 : 0);
    };
    const daysAsFriend = (at: string) => {
      const jst = new Date(new Date(at).getTime() + 9 * 3600_000).toISOString().slice(0, 10);
      return Math.round((Date.UTC(TODAY[0], TODAY[1] - 1, TODAY[2]) - Date.parse(jst)) / 86_400_000);
    };
    const codesOf = (p: Person, item: string, exact = false): string[] => {
      const v = p.values[item];
      const own = v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
      return exact ? own : [...own, ...own.flatMap((c) => (parent[c] ? [parent[c]!] : []))];
    };
    const dates = (p: Person, item: string) => {
      const v = p.values[item];
      return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
    };
    const holds = (c: Condition, p: Person): boolean => {
      switch (c.type) {
        case 'and':
          return c.conditions.every((x) => holds(x, p));
        case 'or':
          return c.conditions.some((x) => holds(x, p));
        case 'not':
          return !holds(c.condition, p);
        case 'option': {
          const have = codesOf(p, c.item, c.exact);
          if (c.op === 'all') return c.codes.every((x) => have.includes(x));
          const any = c.codes.some((x) => have.includes(x));
          return c.op === 'in' ? any : !any;
        }
        case 'age': {
          const ds = dates(p, c.item);
          const ok = (d: string) =>
            (c.min === undefined || age(d) >= c.min) && (c.max === undefined || age(d) <= c.max);
          return c.quantifier === 'all' ? ds.length > 0 && ds.every(ok) : ds.some(ok);
        }
        case 'number': {
          const v = p.values[c.item];
          if (typeof v !== 'number') return false;
          return c.op === 'gte' ? v >= c.value! : v < c.value!;
        }
        case 'answered':
          return (p.values[c.item] !== undefined) === c.answered;
        case 'friend_status':
          return c.statuses.includes(p.status);
        case 'friend_period':
          return p.followedAt !== null && daysAsFriend(p.followedAt) >= c.minDays!;
        default:
          throw new Error(`no reference for ${c.type}`);
      }
    };
    const LEAVES: Condition[] = [
      { type: 'option', item: 'district', op: 'in', codes: ['hokubu'] },
      { type: 'option', item: 'district', op: 'in', codes: ['hokubu'], exact: true },
      { type: 'option', item: 'district', op: 'not_in', codes: ['yoshii', 'sanyo'] },
      { type: 'option', item: 'topics', op: 'all', codes: ['kosodate', 'event'] },
      { type: 'option', item: 'topics', op: 'in', codes: ['event'] },
      { type: 'age', item: 'children', unit: 'years', max: 2, quantifier: 'any' },
      { type: 'age', item: 'children', unit: 'years', max: 2, quantifier: 'all' },
      { type: 'age', item: 'birth', unit: 'years', min: 30 },
      { type: 'number', item: 'household', op: 'gte', value: 3 },
      { type: 'number', item: 'household', op: 'lt', value: 3 },
      { type: 'answered', item: 'note', answered: true },
      { type: 'answered', item: 'topics', answered: false },
      { type: 'friend_status', statuses: ['friend'] },
      { type: 'friend_period', minDays: 14 },
    ];
    let seed = 20260615;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const tree = (depth: number): Condition => {
      const r = rand();
      if (depth === 0 || r < 0.35) return LEAVES[Math.floor(rand() * LEAVES.length)]!;
      if (r < 0.5) return { type: 'not', condition: tree(depth - 1) };
      const n = 1 + Math.floor(rand() * 3);
      return {
        type: rand() < 0.5 ? 'and' : 'or',
        conditions: Array.from({ length: n }, () => tree(depth - 1)),
      };
    };
    for (let i = 0; i < 300; i++) {
      const def = tree(3);
      const expected = PEOPLE.filter((p) => holds(def, p))
        .map((p) => p.name)
        .sort();
      expect(await who(def), JSON.stringify(def)).toEqual(expected);
    }
  });

  it('refuses malformed definitions (and form-answer conditions on a malformed question) with Japanese messages', () => {
    expect(() => compileSegment({ type: 'and', conditions: [] }, [], NOW)).toThrow(SegmentDefinitionError);
    expect(() =>
      compileSegment({ type: 'option', item: 'district', op: 'near', codes: ['a'] }, [], NOW),
    ).toThrow(/条件は in、not_in、all のいずれか/);
    const survey = () =>
      compileSegment(
        {
          type: 'and',
          conditions: [
            {
              type: 'form_answer',
              formId: '00000000-0000-4000-8000-000000000001',
              question: 'q1"; drop table x; --',
              op: 'in',
              values: ['yes'],
            },
          ],
        },
        [],
        NOW,
      );
    // SEG-8 conditions compile over form_response (forms-segments.test.ts counts them); a question
    // that is not an item code never reaches the SQL.
    expect(survey).toThrow(SegmentDefinitionError);
    expect(survey).toThrow('設問のコードが正しくありません');
  });
});
