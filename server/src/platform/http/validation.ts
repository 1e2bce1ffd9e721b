import { z } from 'zod';
import { HttpError, zodToFieldErrors } from './errors.js';

// Validation messages reach staff and residents: Japanese by default.
z.config(z.locales.ja());

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success)
    throw new HttpError(422, '入力内容を確認してください', { errors: zodToFieldErrors(r.error) });
  return r.data;
}

export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const r = schema.safeParse(query ?? {});
  if (!r.success)
    throw new HttpError(400, '検索条件が正しくありません', { errors: zodToFieldErrors(r.error) });
  return r.data;
}

export const uuidParam = z.string().uuid({ message: 'IDの形式が正しくありません' });

/** Page, size and order of a server-side list; `sort` is checked against the caller's allowed keys. */
export function listQuery<K extends string>(sortKeys: readonly [K, ...K[]], defaultSort: K) {
  return z.object({
    page: z.coerce.number().int().min(1).max(100000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
    sort: z.enum(sortKeys).default(defaultSort),
    order: z.enum(['asc', 'desc']).default('asc'),
  });
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
