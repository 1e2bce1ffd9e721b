import { fromEditNodes, toEditNodes, validateOptions, type EditNode } from './options';
import {
  LIMITS,
  type AttributeItem,
  type DateConfig,
  type DatesConfig,
  type HierarchyConfig,
  type ItemConfig,
  type ItemKind,
  type MultiConfig,
  type NumberConfig,
  type TextConfig,
} from './types';

/**
 * The settings of an item as the editor holds them: numbers as the text typed (an empty box
 * means "no limit"), dates as `YYYY-MM-DD` (or `YYYY-MM` for month precision), options as nodes.
 */
export interface ConfigDraft {
  nodes: EditNode[];
  leafOnly: boolean;
  maxSelect: string;
  precision: 'day' | 'month';
  minDate: string;
  maxDate: string;
  notFuture: boolean;
  maxCount: string;
  min: string;
  max: string;
  integer: boolean;
  unit: string;
  maxLength: string;
  multiline: boolean;
}

export function emptyDraft(): ConfigDraft {
  return {
    nodes: [],
    leafOnly: true,
    maxSelect: '',
    precision: 'day',
    minDate: '',
    maxDate: '',
    notFuture: false,
    maxCount: '5',
    min: '',
    max: '',
    integer: true,
    unit: '',
    maxLength: '200',
    multiline: false,
  };
}

const month = (d: string | undefined) => (d ? d.slice(0, 7) : '');

/** The editor's copy of a stored item's settings. */
export function draftFromItem(item: Pick<AttributeItem, 'kind' | 'config'>): ConfigDraft {
  const d = emptyDraft();
  const c = item.config;
  switch (item.kind) {
    case 'single':
    case 'multi':
      d.nodes = toEditNodes((c as MultiConfig).options);
      d.maxSelect = (c as MultiConfig).maxSelect?.toString() ?? '';
      break;
    case 'hierarchy':
      d.nodes = toEditNodes((c as HierarchyConfig).options);
      d.leafOnly = (c as HierarchyConfig).leafOnly;
      break;
    case 'date':
    case 'dates': {
      const dc = c as DatesConfig;
      d.precision = dc.precision;
      d.minDate = dc.precision === 'month' ? month(dc.minDate) : (dc.minDate ?? '');
      d.maxDate = dc.precision === 'month' ? month(dc.maxDate) : (dc.maxDate ?? '');
      d.notFuture = dc.notFuture;
      if (item.kind === 'dates') d.maxCount = String(dc.maxCount);
      break;
    }
    case 'number': {
      const nc = c as NumberConfig;
      d.min = nc.min?.toString() ?? '';
      d.max = nc.max?.toString() ?? '';
      d.integer = nc.integer;
      d.unit = nc.unit ?? '';
      break;
    }
    case 'text':
      d.maxLength = String((c as TextConfig).maxLength);
      d.multiline = (c as TextConfig).multiline;
      break;
  }
  return d;
}

/** The last day of a `YYYY-MM` month, so "until March 2026" includes all of March. */
function lastOfMonth(ym: string): string {
  const [y, m] = ym.split('-').map(Number);
  const last = new Date(Date.UTC(y!, m!, 0)).getUTCDate();
  return `${ym}-${String(last).padStart(2, '0')}`;
}

function readNumber(
  raw: string,
  path: string,
  what: string,
  errors: Record<string, string>,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const s = raw.trim();
  if (!s) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) {
    errors[path] = `${what}は数字で入力してください`;
    return undefined;
  }
  if (opts.integer && !Number.isInteger(n)) errors[path] = `${what}は整数にしてください`;
  else if (opts.min !== undefined && n < opts.min) errors[path] = `${what}は${opts.min}以上にしてください`;
  else if (opts.max !== undefined && n > opts.max) errors[path] = `${what}は${opts.max}までにしてください`;
  return n;
}

/**
 * The API's `config` for a kind, and the mistakes found on the way (keyed by the paths the server
 * uses, e.g. `config.max`, `config.options.2.label`, so the same places show both).
 */
export function buildConfig(
  kind: ItemKind,
  d: ConfigDraft,
): { config: ItemConfig; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  switch (kind) {
    case 'single':
    case 'multi':
    case 'hierarchy': {
      Object.assign(errors, validateOptions(d.nodes, { hierarchy: kind === 'hierarchy' }));
      const options = fromEditNodes(d.nodes);
      if (kind === 'hierarchy') return { config: { options, leafOnly: d.leafOnly }, errors };
      if (kind === 'single') return { config: { options }, errors };
      const maxSelect = readNumber(d.maxSelect, 'config.maxSelect', '選択できる数', errors, {
        integer: true,
        min: 1,
      });
      return { config: maxSelect === undefined ? { options } : { options, maxSelect }, errors };
    }
    case 'date':
    case 'dates': {
      const c: DateConfig = { precision: d.precision, notFuture: d.notFuture };
      const toIso = (v: string, end: boolean) =>
        d.precision === 'month' && /^\d{4}-\d{2}$/.test(v) ? (end ? lastOfMonth(v) : `${v}-01`) : v;
      if (d.minDate) c.minDate = toIso(d.minDate, false);
      if (d.maxDate) c.maxDate = toIso(d.maxDate, true);
      for (const [k, what] of [
        ['minDate', '最小の日付'],
        ['maxDate', '最大の日付'],
      ] as const) {
        const v = c[k];
        if (v && !/^\d{4}-\d{2}-\d{2}$/.test(v))
          errors[`config.${k}`] = `${what}は YYYY-MM-DD の形式の正しい日付にしてください`;
      }
      if (c.minDate && c.maxDate && c.minDate > c.maxDate)
        errors['config.maxDate'] = '最大の日付は最小の日付以降にしてください';
      if (kind === 'date') return { config: c, errors };
      const maxCount = readNumber(d.maxCount, 'config.maxCount', '登録できる日付の数', errors, {
        integer: true,
        min: 1,
        max: LIMITS.maxDates,
      });
      if (maxCount === undefined && !errors['config.maxCount'])
        errors['config.maxCount'] = '登録できる日付の数を入力してください';
      return { config: { ...c, maxCount: maxCount ?? 1 }, errors };
    }
    case 'number': {
      const c: NumberConfig = { integer: d.integer };
      const min = readNumber(d.min, 'config.min', '最小値', errors);
      const max = readNumber(d.max, 'config.max', '最大値', errors);
      if (min !== undefined) c.min = min;
      if (max !== undefined) c.max = max;
      if (min !== undefined && max !== undefined && min > max)
        errors['config.max'] = '最大値は最小値以上にしてください';
      if (d.unit.trim()) {
        c.unit = d.unit.trim();
        if ([...c.unit].length > 10) errors['config.unit'] = '単位は10文字以内にしてください';
      }
      return { config: c, errors };
    }
    case 'text': {
      const maxLength = readNumber(d.maxLength, 'config.maxLength', '文字数', errors, {
        integer: true,
        min: 1,
        max: LIMITS.textMax,
      });
      if (maxLength === undefined && !errors['config.maxLength'])
        errors['config.maxLength'] = '文字数を入力してください';
      return { config: { maxLength: maxLength ?? 200, multiline: d.multiline }, errors };
    }
  }
}

/** A short description of an item's settings for lists ("選択肢 18件・階層2段", "1〜20人"). */
export function configSummary(item: Pick<AttributeItem, 'kind' | 'config'>): string {
  const c = item.config;
  switch (item.kind) {
    case 'single':
    case 'multi': {
      const opts = (c as MultiConfig).options;
      const hidden = opts.filter((o) => o.archived).length;
      const max = (c as MultiConfig).maxSelect;
      return [
        `選択肢 ${opts.length}件${hidden ? `（非表示 ${hidden}件）` : ''}`,
        item.kind === 'multi' && max ? `${max}個まで` : '',
      ]
        .filter(Boolean)
        .join('・');
    }
    case 'hierarchy': {
      const nodes = toEditNodes((c as HierarchyConfig).options);
      let count = 0;
      let depth = 0;
      const go = (list: EditNode[], d: number) =>
        list.forEach((n) => {
          count++;
          depth = Math.max(depth, d);
          go(n.children, d + 1);
        });
      go(nodes, 1);
      return `選択肢 ${count}件・${depth}段`;
    }
    case 'date':
    case 'dates': {
      const dc = c as DatesConfig;
      return [
        dc.precision === 'month' ? '年月' : '年月日',
        item.kind === 'dates' ? `${dc.maxCount}件まで` : '',
        dc.notFuture ? '未来の日付なし' : '',
        dc.minDate || dc.maxDate ? `${dc.minDate ?? ''}〜${dc.maxDate ?? ''}` : '',
      ]
        .filter(Boolean)
        .join('・');
    }
    case 'number': {
      const nc = c as NumberConfig;
      const unit = nc.unit ?? '';
      const range =
        nc.min !== undefined || nc.max !== undefined
          ? `${nc.min ?? ''}${nc.min !== undefined ? unit : ''}〜${nc.max ?? ''}${nc.max !== undefined ? unit : ''}`
          : '';
      return [nc.integer ? '整数' : '小数可', range].filter(Boolean).join('・');
    }
    case 'text': {
      const tc = c as TextConfig;
      return `${tc.maxLength}文字まで${tc.multiline ? '・複数行' : ''}`;
    }
  }
}
