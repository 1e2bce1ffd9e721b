/**
 * Form items shown with the 受信設定 field components (lib/components/settings): radios and check
 * boxes, the step-by-step hierarchy picker (also the dropdown: a one-level list, searchable when
 * long), dates, numbers and text. This maps a form item and its answer to the shape those
 * components take and back, so both pages share one set of accessible fields. Pure.
 */
import {
  formatDateJa,
  resolveDateBound,
  type CompiledItem,
  type FormOptionNode,
} from '@tsunagu/server/contracts';
import { t } from '../i18n.ts';
import { pathTo, type DraftValue, type FormItem as FieldItem } from '../registration.ts';

/** The item as a settings field shows it, or null for types with their own component. */
export function fieldItemFor(ci: CompiledItem, required: boolean, today: string): FieldItem | null {
  const item = ci.item;
  if (!('label' in item) || item.type === 'description' || item.type === 'image') return null;
  const base = { code: ci.code, label: item.label ?? '', helpText: item.help, required };
  switch (item.type) {
    case 'singleChoice':
      return { ...base, kind: 'single', config: { options: item.options } };
    case 'multipleChoice':
      return {
        ...base,
        kind: 'multi',
        config: {
          options: item.options,
          ...(item.maxSelect !== undefined ? { maxSelect: item.maxSelect } : {}),
          ...(item.minSelect !== undefined ? { minSelect: item.minSelect } : {}),
        },
      };
    case 'dropdown':
      return { ...base, kind: 'hierarchy', config: { options: item.options, leafOnly: true } };
    case 'hierarchyChoice':
      return { ...base, kind: 'hierarchy', config: { options: item.options, leafOnly: item.leafOnly } };
    case 'number':
      return {
        ...base,
        kind: 'number',
        config: {
          min: item.min,
          max: item.max,
          integer: item.integer,
          ...(item.unit ? { unit: item.unit } : {}),
        },
      };
    case 'shortText':
    case 'longText':
      return {
        ...base,
        kind: 'text',
        config: { maxLength: item.maxLength, multiline: item.type === 'longText' },
      };
    case 'email':
    case 'phone':
    case 'postalCode':
      return { ...base, kind: 'text', config: { maxLength: 254, multiline: false } };
    case 'date': {
      const minDate = item.minDate ? resolveDateBound(item.minDate, today) : undefined;
      const maxDate = item.maxDate ? resolveDateBound(item.maxDate, today) : undefined;
      const range =
        minDate && maxDate
          ? t('forms.date.range', { min: formatDateJa(minDate), max: formatDateJa(maxDate) })
          : minDate
            ? t('forms.date.min', { min: formatDateJa(minDate) })
            : maxDate
              ? t('forms.date.max', { max: formatDateJa(maxDate) })
              : '';
      return {
        ...base,
        helpText: [item.help, range].filter(Boolean).join(' '),
        kind: 'date',
        config: { precision: 'day', minDate, maxDate, notFuture: false },
      };
    }
    case 'birthday':
      return { ...base, kind: 'date', config: { precision: 'day', notFuture: true } };
    default:
      return null;
  }
}

/** The answer as the field component holds it. */
export function fieldValueFor(ci: CompiledItem, value: unknown): DraftValue | undefined {
  const item = ci.item;
  if (value === undefined || value === null) return undefined;
  switch (item.type) {
    case 'multipleChoice':
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    case 'dropdown':
      return typeof value === 'string' && value ? [value] : [];
    case 'hierarchyChoice':
      return typeof value === 'string' && value ? pathTo(item.options as FormOptionNode[], value) : [];
    default:
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  }
}

/** What the field component gave back, as the answer the engine reads (undefined: no answer). */
export function answerFromField(ci: CompiledItem, value: DraftValue): unknown {
  switch (ci.item.type) {
    case 'multipleChoice':
      return Array.isArray(value) && value.length ? value : undefined;
    case 'dropdown':
    case 'hierarchyChoice': {
      const path = Array.isArray(value) ? value : [value];
      return path[path.length - 1] || undefined;
    }
    default:
      return typeof value === 'string' && value !== '' ? value : undefined;
  }
}

/** An item as ItemLegend shows it (the question, 必須 or 任意), for the forms' own fields. */
export function legendItem(code: string, label: string, help: string, required: boolean): FieldItem {
  return { code, label, helpText: help, required, kind: 'text', config: { maxLength: 0, multiline: false } };
}
