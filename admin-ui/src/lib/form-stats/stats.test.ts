import { describe, expect, it } from 'vitest';
import {
  crossCandidates,
  crossCsv,
  crossCsvName,
  crossMatrix,
  csvCell,
  filterProblem,
  formatNumber,
  histogramBars,
  optionBars,
  percent,
  readStatsFilters,
  statsQuery,
  type CrossTab,
  type FormStats,
} from './stats';

describe('filters in the URL', () => {
  it('reads days, statuses and sources, ignoring what the API would refuse', () => {
    const f = readStatsFilters(
      new URLSearchParams('createdFrom=2026-11-01&createdTo=20261130&status=done,bogus,new&source=paper'),
    );
    expect(f).toEqual({
      createdFrom: '2026-11-01',
      createdTo: '',
      status: ['new', 'done'],
      source: ['paper'],
    });
    expect(statsQuery(f)).toEqual({ createdFrom: '2026-11-01', status: 'new,done', source: 'paper' });
    expect(statsQuery(readStatsFilters(new URLSearchParams('')))).toEqual({});
  });

  it('refuses a range that ends before it starts', () => {
    expect(
      filterProblem({ createdFrom: '2026-11-10', createdTo: '2026-11-01', status: [], source: [] }),
    ).toMatch(/始まり以降/);
    expect(
      filterProblem({ createdFrom: '2026-11-01', createdTo: '2026-11-01', status: [], source: [] }),
    ).toBeNull();
  });
});

describe('percentages', () => {
  it('gives one decimal and 0.0% for nothing', () => {
    expect(percent(1, 3)).toBe('33.3%');
    expect(percent(2, 3)).toBe('66.7%');
    expect(percent(0, 0)).toBe('0.0%');
    expect(formatNumber(1234.567)).toBe('1,234.57');
    expect(formatNumber(null)).toBe('—');
  });

  it('measures options against the responses that answered the question', () => {
    const bars = optionBars({
      code: 'q',
      label: 'Q',
      type: 'multipleChoice',
      typeLabel: '複数選択',
      personal: false,
      repeat: null,
      answered: 4,
      options: [
        { code: 'a', label: 'A', count: 4 },
        { code: 'b', label: 'B', count: 1 },
      ],
    });
    expect(bars.map((b) => [b.percent, b.share])).toEqual([
      ['100.0%', 100],
      ['25.0%', 25],
    ]);
  });

  it('names histogram bins as ranges of whole numbers, or of decimals with 以上・未満', () => {
    const ages = histogramBars({
      count: 10,
      min: 18,
      max: 41,
      mean: 30,
      median: 29,
      integral: true,
      histogram: [
        { from: 10, to: 20, count: 2 },
        { from: 20, to: 30, count: 5 },
        { from: 30, to: 40, count: 0 },
        { from: 40, to: 50, count: 3 },
      ],
    });
    expect(ages.map((b) => [b.label, b.count, b.percent])).toEqual([
      ['10〜19', 2, '20.0%'],
      ['20〜29', 5, '50.0%'],
      ['30〜39', 0, '0.0%'],
      ['40〜49', 3, '30.0%'],
    ]);
    expect(ages[1]!.share).toBe(50);
    const ones = histogramBars({
      count: 2,
      min: 1,
      max: 2,
      mean: 1.5,
      median: 1.5,
      integral: true,
      histogram: [
        { from: 1, to: 2, count: 1 },
        { from: 2, to: 3, count: 1 },
      ],
    });
    expect(ones.map((b) => b.label)).toEqual(['1', '2']);
    const decimals = histogramBars({
      count: 1,
      min: 0.3,
      max: 0.3,
      mean: 0.3,
      median: 0.3,
      integral: false,
      histogram: [{ from: 0.2, to: 0.4, count: 1 }],
    });
    expect(decimals[0]!.label).toBe('0.2以上0.4未満');
  });

  it('offers only non-personal choices outside repeating sections for cross tabulation', () => {
    const base = { type: 'singleChoice', typeLabel: '単一選択', answered: 0 } as const;
    const stats: FormStats = {
      total: 0,
      questions: [
        { ...base, code: 'a', label: 'A', personal: false, repeat: null, options: [] },
        { ...base, code: 'b', label: 'B', personal: true, repeat: null },
        { ...base, code: 'c', label: 'C', personal: false, repeat: 'kids', options: [] },
        { ...base, code: 'd', label: 'D', type: 'number', personal: false, repeat: null },
      ],
    };
    expect(crossCandidates(stats).map((q) => q.code)).toEqual(['a']);
  });
});

const ct: CrossTab = {
  total: 5,
  row: {
    code: 'age',
    label: '年代',
    options: [
      { code: 'y', label: '若年' },
      { code: 'o', label: '高齢' },
      { code: 'm', label: '中年' },
    ],
  },
  col: {
    code: 'sat',
    label: '満足度',
    options: [
      { code: 'good', label: '=満足' },
      { code: 'bad', label: '不満, とても' },
    ],
  },
  cells: [
    { row: 'y', col: 'good', count: 2 },
    { row: 'y', col: 'bad', count: 1 },
    { row: 'o', col: 'good', count: 1 },
    { row: 'o', col: null, count: 1 },
    { row: 'gone', col: 'bad', count: 1 },
  ],
};

describe('cross tabulation', () => {
  it('lays every option out with totals, unknown codes and 未回答 last', () => {
    const m = crossMatrix(ct);
    expect(m.rows.map((r) => r.label)).toEqual(['若年', '高齢', '中年', 'gone']);
    expect(m.cols.map((c) => c.label)).toEqual(['=満足', '不満, とても', '未回答']);
    expect(m.counts).toEqual([
      [2, 1, 0],
      [1, 0, 1],
      [0, 0, 0],
      [0, 1, 0],
    ]);
    expect(m.rowTotals).toEqual([3, 2, 0, 1]);
    expect(m.colTotals).toEqual([3, 2, 1]);
    expect(m.grandTotal).toBe(6);
    expect(m.responses).toBe(5);
  });

  it('writes a CSV Excel opens: BOM, CRLF, quoted commas, formulas neutralised, row percentages', () => {
    const csv = crossCsv(crossMatrix(ct));
    expect(csv.startsWith('\uFEFF件数\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[1]).toBe(`年代 ＼ 満足度,'=満足,"不満, とても",未回答,計`);
    expect(lines[2]).toBe('若年,2,1,0,3');
    expect(lines[6]).toBe('計,3,2,1,6');
    expect(lines[10]).toBe('若年,66.7%,33.3%,0.0%,100.0%');
    expect(lines[12]).toBe('中年,0.0%,0.0%,0.0%,0.0%');
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('－1')).toBe("'－1");
    expect(csvCell(-1)).toBe('-1');
    expect(crossCsvName('満足度/調査', crossMatrix(ct))).toBe('満足度_調査_クロス集計_年代×満足度.csv');
  });
});
