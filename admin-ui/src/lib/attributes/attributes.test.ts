import { describe, expect, it } from 'vitest';
import { buildConfig, configSummary, draftFromItem, emptyDraft } from './config';
import {
  fromEditNodes,
  matchTree,
  mergeEntries,
  moveAmongSiblings,
  moveUnder,
  parsePasted,
  removeNodes,
  toEditNodes,
  validateOptions,
  type EditNode,
} from './options';
import type { AttributeItem, OptionNode } from './types';
import { changed, formatValue, fromDraft, optionsAt, toDraft } from './values';

const tree: OptionNode[] = [
  {
    code: 'hokubu',
    label: '北部',
    children: [
      { code: 'kumayama', label: '熊山' },
      { code: 'yoshii', label: '吉井', archived: true },
    ],
  },
  { code: 'nanbu', label: '南部', children: [{ code: 'sanyo', label: '山陽' }] },
];

const labels = (nodes: EditNode[]): unknown =>
  nodes.map((n) => (n.children.length ? { [n.label]: labels(n.children) } : n.label));

describe('bulk entry of options', () => {
  it('reads lines of levels with optional codes and reports bad lines by number', () => {
    const r = parsePasted(
      '北部/桜ヶ丘\n\n北部 ／ 緑丘,midori\n南部>山陽\t sanyo2\n/空\n北部/あ/い/う/え\n西部/x,Bad Code',
      {
        hierarchy: true,
      },
    );
    expect(r.entries).toEqual([
      { line: 1, path: ['北部', '桜ヶ丘'], code: undefined },
      { line: 3, path: ['北部', '緑丘'], code: 'midori' },
      { line: 4, path: ['南部', '山陽'], code: 'sanyo2' },
    ]);
    expect(r.errors.map((e) => e.line)).toEqual([5, 6, 7]);
    expect(r.errors[0]!.message).toContain('5行目');
    // A flat list keeps slashes in labels.
    expect(parsePasted('A/B', { hierarchy: false }).entries[0]!.path).toEqual(['A/B']);
  });

  it('merges into the tree by label, keeps existing options and gives new ones unused codes', () => {
    const nodes = toEditNodes(tree);
    const { entries } = parsePasted('北部/熊山\n北部/桜ヶ丘\n東部/大原\n東部/小原,kohara', {
      hierarchy: true,
    });
    const r = mergeEntries(nodes, entries);
    expect(r.added).toBe(4);
    expect(r.existing).toBe(1);
    expect(labels(r.nodes)).toEqual([
      { 北部: ['熊山', '吉井', '桜ヶ丘'] },
      { 南部: ['山陽'] },
      { 東部: ['大原', '小原'] },
    ]);
    const codes = fromEditNodes(r.nodes).flatMap((n) => [n.code, ...(n.children ?? []).map((c) => c.code)]);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toContain('kohara');
    // The tree on screen is not touched by a preview.
    expect(labels(nodes)).toEqual([{ 北部: ['熊山', '吉井'] }, { 南部: ['山陽'] }]);
    const dup = mergeEntries(nodes, parsePasted('西部/x,kumayama', { hierarchy: true }).entries);
    expect(dup.errors[0]!.message).toContain('すでに使われています');
  });

  it('handles 300 districts under 15 areas', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `地域${Math.floor(i / 20) + 1}/地区${i + 1}`).join(
      '\n',
    );
    const r = mergeEntries([], parsePasted(lines, { hierarchy: true }).entries);
    expect(r.nodes).toHaveLength(15);
    expect(r.added).toBe(315);
    expect(validateOptions(r.nodes, { hierarchy: true })).toEqual({});
    expect(matchTree(r.nodes, '地区29').matched.size).toBe(1 + 10);
  });
});

describe('editing a tree', () => {
  it('moves among siblings, under another parent (not into itself, not too deep) and removes', () => {
    const nodes = toEditNodes(tree);
    const [hokubu, nanbu] = nodes;
    const yoshii = hokubu!.children[1]!;
    expect(moveAmongSiblings(nodes, yoshii.key, -1)).toBe(0);
    expect(moveAmongSiblings(nodes, yoshii.key, -1)).toBeNull();
    expect(moveUnder(nodes, [yoshii.key], nanbu!.key)).toEqual({ moved: 1, refused: [] });
    expect(labels(nodes)).toEqual([{ 北部: ['熊山'] }, { 南部: ['山陽', '吉井'] }]);
    expect(moveUnder(nodes, [nanbu!.key], nanbu!.children[0]!.key).refused).toEqual(['南部']);
    expect(moveUnder(nodes, [hokubu!.key], nanbu!.key, 2).refused).toEqual(['北部']);
    expect(removeNodes(nodes, new Set([nanbu!.key]))).toBe(3);
    expect(labels(nodes)).toEqual([{ 北部: ['熊山'] }]);
  });

  it('checks names and codes with the server’s paths and messages', () => {
    const nodes = toEditNodes(tree);
    nodes[0]!.children[0]!.label = ' ';
    nodes[1]!.children[0]!.code = 'kumayama';
    nodes[1]!.code = 'bad code';
    expect(validateOptions(nodes, { hierarchy: true })).toEqual({
      'config.options.0.children.0.label': '選択肢の名前を入力してください',
      'config.options.1.code': '選択肢のコードは英数字・_・- の40文字以内にしてください',
      'config.options.1.children.0.code':
        '選択肢のコード「kumayama」が重複しています（階層全体で一意にしてください）',
    });
    expect(validateOptions([], { hierarchy: false })).toEqual({
      'config.options': '選択肢を1つ以上登録してください',
    });
  });
});

describe('item settings', () => {
  it('builds each kind’s config and finds mistakes at the server’s paths', () => {
    const d = emptyDraft();
    d.min = '10';
    d.max = '1';
    d.unit = '人';
    expect(buildConfig('number', d).errors).toEqual({ 'config.max': '最大値は最小値以上にしてください' });
    d.max = '20';
    expect(buildConfig('number', d)).toEqual({
      config: { integer: true, min: 10, max: 20, unit: '人' },
      errors: {},
    });

    const m = emptyDraft();
    m.precision = 'month';
    m.minDate = '2020-04';
    m.maxDate = '2024-02';
    m.maxCount = '5';
    m.notFuture = true;
    expect(buildConfig('dates', m).config).toEqual({
      precision: 'month',
      minDate: '2020-04-01',
      maxDate: '2024-02-29',
      notFuture: true,
      maxCount: 5,
    });
    m.maxCount = '21';
    expect(buildConfig('dates', m).errors['config.maxCount']).toBe(
      '登録できる日付の数は20までにしてください',
    );

    const t = emptyDraft();
    t.maxLength = '';
    expect(buildConfig('text', t).errors).toEqual({ 'config.maxLength': '文字数を入力してください' });
  });

  it('reads a stored item back into the editor unchanged', () => {
    const item = {
      kind: 'dates' as const,
      config: {
        precision: 'month' as const,
        minDate: '2020-04-01',
        maxDate: '2024-02-29',
        notFuture: true,
        maxCount: 3,
      },
    };
    const d = draftFromItem(item);
    expect([d.minDate, d.maxDate, d.maxCount]).toEqual(['2020-04', '2024-02', '3']);
    expect(buildConfig('dates', d).config).toEqual(item.config);
    expect(configSummary({ kind: 'hierarchy', config: { options: tree, leafOnly: true } })).toBe(
      '選択肢 5件・2段',
    );
  });
});

describe('a resident’s answers', () => {
  const item = (kind: AttributeItem['kind'], config: AttributeItem['config']): AttributeItem => ({
    id: kind,
    code: kind,
    kind,
    label: kind,
    helpText: '',
    required: false,
    position: 0,
    status: 'active',
    config,
  });
  const district = item('hierarchy', { options: tree, leafOnly: true });
  const birthMonths = item('dates', { precision: 'month', notFuture: true, maxCount: 3 });
  const household = item('number', { integer: true, unit: '人' });

  it('turns stored answers into inputs and back', () => {
    expect(toDraft(district, 'sanyo')).toEqual(['nanbu', 'sanyo']);
    expect(optionsAt(tree, ['nanbu'])!.map((o) => o.code)).toEqual(['sanyo']);
    expect(optionsAt(tree, ['nanbu', 'sanyo'])).toBeNull();
    expect(fromDraft(district, ['nanbu', 'sanyo'])).toBe('sanyo');
    expect(toDraft(birthMonths, ['2021-05-01'])).toEqual(['2021-05']);
    expect(fromDraft(birthMonths, ['2021-05', ' '])).toEqual(['2021-05']);
    expect(fromDraft(household, '3')).toBe(3);
    expect(fromDraft(household, '3人')).toBe('3人');
    expect(fromDraft(household, '')).toBeNull();
  });

  it('notices what changed', () => {
    expect(changed(birthMonths, ['2021-05-01'], ['2021-05'])).toBe(false);
    expect(changed(birthMonths, ['2021-05-01'], ['2021-06'])).toBe(true);
    const topics = item('multi', { options: [] });
    expect(changed(topics, ['a', 'b'], ['b', 'a'])).toBe(false);
    expect(changed(household, undefined, '')).toBe(false);
    expect(changed(household, 2, '')).toBe(true);
  });

  it('says answers in words', () => {
    expect(formatValue(district, 'sanyo')).toBe('南部 › 山陽');
    expect(formatValue(birthMonths, ['2021-05-01', '2023-11-01'])).toBe('2021年5月、2023年11月');
    expect(formatValue(household, 4)).toBe('4人');
    expect(formatValue(household, undefined)).toBe('未回答');
  });
});

describe('pasting into a new item', () => {
  it('drops the blank rows a new item starts with', () => {
    const blank: EditNode = { key: 'b1', code: 'o1', label: '', archived: false, saved: false, children: [] };
    const r = mergeEntries([blank], parsePasted('北部/桜ヶ丘', { hierarchy: true }).entries);
    expect(labels(r.nodes)).toEqual([{ 北部: ['桜ヶ丘'] }]);
  });
});
