/** Helpers for list screens whose filters, sort and page live in the URL (back button works). */

/**
 * An app path computed at run time, possibly with a query string (`/staff?page=2`). Links and
 * `goto()` pass it through `resolve(route(path))` from `$app/paths`, which adds the base path.
 */
export type AppPath = `/${string}`;

/** Treats a same-site path (e.g. a `next` parameter already checked by `safeNext`) as an app path. */
export function appPath(path: string): AppPath {
  return (path.startsWith('/') ? path : `/${path}`) as AppPath;
}

/**
 * `resolve()` types its argument as one of the app's route ids, which a path computed at run time
 * cannot prove statically. At run time `resolve()` prefixes any `/…` path (query included) with
 * the base path, which is what we need; this narrows the type for that call only.
 */
export function route(path: AppPath): '/' {
  return path as '/';
}

/** The parts of a (possibly read-only) page URL the helpers need. */
export interface UrlLike {
  readonly pathname: string;
  readonly search: string;
}

export type ParamChanges = Record<string, string | number | null | undefined>;

/** `pathname?search` of `url` with some parameters set (empty values remove them). */
export function hrefWith(url: UrlLike, changes: ParamChanges): AppPath {
  const sp = new URLSearchParams(url.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') sp.delete(k);
    else sp.set(k, String(v));
  }
  const s = sp.toString();
  return appPath(s ? `${url.pathname}?${s}` : url.pathname);
}

/** Filters changed: go back to page 1. */
export function hrefWithFilters(url: UrlLike, filters: ParamChanges): AppPath {
  return hrefWith(url, { ...filters, page: null });
}

export type SortOrder = 'asc' | 'desc';

export function currentSort(url: UrlLike, fallback: string, fallbackOrder: SortOrder = 'asc') {
  const sp = new URLSearchParams(url.search);
  const sort = sp.get('sort') || fallback;
  const o = sp.get('order');
  const order: SortOrder = o === 'asc' || o === 'desc' ? o : fallbackOrder;
  return { sort, order };
}

/** Link for a column header: same column flips the order, another column starts ascending. */
export function sortHref(
  url: UrlLike,
  column: string,
  fallback: string,
  fallbackOrder: SortOrder = 'asc',
): AppPath {
  const { sort, order } = currentSort(url, fallback, fallbackOrder);
  const next: SortOrder = sort === column ? (order === 'asc' ? 'desc' : 'asc') : 'asc';
  return hrefWith(url, { sort: column, order: next, page: null });
}

/** Page numbers to offer, with null for gaps: 1 … 4 5 [6] 7 8 … 20 */
export function pageList(current: number, last: number): (number | null)[] {
  if (last <= 7) return Array.from({ length: last }, (_, i) => i + 1);
  const pages = new Set([1, last, current - 1, current, current + 1]);
  if (current <= 3) [2, 3, 4].forEach((p) => pages.add(p));
  if (current >= last - 2) [last - 3, last - 2, last - 1].forEach((p) => pages.add(p));
  const sorted = [...pages].filter((p) => p >= 1 && p <= last).sort((a, b) => a - b);
  const out: (number | null)[] = [];
  sorted.forEach((p, i) => {
    const prev = sorted[i - 1];
    if (prev !== undefined && p - prev > 1) out.push(null);
    out.push(p);
  });
  return out;
}

export function lastPage(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
}
