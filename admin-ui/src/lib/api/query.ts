export type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];

/** `?a=1&b=x` from an object; empty strings, null and undefined are left out. */
export function buildQuery(params: Record<string, QueryValue> | undefined): string {
  if (!params) return '';
  const sp = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      for (const v of value) sp.append(key, String(v));
    } else {
      sp.set(key, String(value));
    }
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export function withQuery(path: string, params?: Record<string, QueryValue>): string {
  const q = buildQuery(params);
  if (!q) return path;
  return path.includes('?') ? `${path}&${q.slice(1)}` : `${path}${q}`;
}

/** Reads a positive integer from URL search params with a default. */
export function intParam(sp: URLSearchParams, key: string, fallback: number, max?: number): number {
  const n = Number.parseInt(sp.get(key) ?? '', 10);
  if (!Number.isFinite(n) || n < 1) return fallback;
  return max !== undefined ? Math.min(n, max) : n;
}
