/**
 * The resident pages' view of the API (same origin: /api/...). Only what the shell needs:
 * `GET /api/t/:slug/context` → `{ tenant: { slug, nameJa, nameEn, links[] } }`, or a
 * problem+json (403 `urn:tsunagu:tenant-suspended`, 404 unknown tenant).
 */

export interface TenantLink {
  kind: string;
  label: string;
  url: string;
}

export interface TenantContext {
  slug: string;
  nameJa: string;
  nameEn: string;
  links: TenantLink[];
  /** Modules switched on for the tenant, when the API provides them (used to filter the nav). */
  modules?: string[];
  /** The LIFF SDK to load and the tenant's LIFF apps, one per channel (production / test). */
  liff?: LiffConfig;
}

export interface LiffConfig {
  sdkUrl: string;
  apps: Array<{ channel: 'production' | 'test'; liffId: string }>;
}

function parseLiff(v: unknown): LiffConfig | undefined {
  if (!isRecord(v) || typeof v.sdkUrl !== 'string' || !Array.isArray(v.apps)) return undefined;
  const apps = v.apps.flatMap((a) =>
    isRecord(a) && (a.channel === 'production' || a.channel === 'test') && typeof a.liffId === 'string'
      ? [{ channel: a.channel, liffId: a.liffId } as const]
      : [],
  );
  return { sdkUrl: v.sdkUrl, apps };
}

export type ContextResult =
  | { kind: 'ok'; tenant: TenantContext }
  | { kind: 'suspended'; title: string; detail: string | null }
  | { kind: 'not-found' }
  | { kind: 'unavailable'; status: number | null };

export const SUSPENDED_TYPE = 'urn:tsunagu:tenant-suspended';

/** Same rule as the server: lowercase letters, digits and hyphens, starting with a letter. */
export function isTenantSlug(slug: string): boolean {
  return /^[a-z][a-z0-9-]{1,30}$/.test(slug);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keeps only well-formed http(s) links; anything else is dropped rather than rendered. */
function parseLinks(v: unknown): TenantLink[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((l) => {
    if (!isRecord(l)) return [];
    const { kind, label, url } = l;
    if (typeof label !== 'string' || typeof url !== 'string' || !label.trim()) return [];
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return [];
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return [];
    return [{ kind: typeof kind === 'string' ? kind : 'other', label: label.trim(), url: parsed.href }];
  });
}

export function parseTenantContext(body: unknown): TenantContext | null {
  if (!isRecord(body) || !isRecord(body.tenant)) return null;
  const t = body.tenant;
  if (typeof t.slug !== 'string' || typeof t.nameJa !== 'string' || typeof t.nameEn !== 'string') return null;
  const modules = Array.isArray(t.modules)
    ? t.modules.filter((m): m is string => typeof m === 'string')
    : undefined;
  return {
    slug: t.slug,
    nameJa: t.nameJa,
    nameEn: t.nameEn,
    links: parseLinks(t.links),
    ...(modules ? { modules } : {}),
    ...(parseLiff(body.liff) ? { liff: parseLiff(body.liff) } : {}),
  };
}

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

export async function fetchTenantContext(
  slug: string,
  fetchFn: typeof fetch = fetch,
): Promise<ContextResult> {
  if (!isTenantSlug(slug)) return { kind: 'not-found' };
  let res: Response;
  try {
    res = await fetchFn(`/api/t/${slug}/context`, {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    });
  } catch {
    return { kind: 'unavailable', status: null };
  }
  if (res.ok) {
    const tenant = parseTenantContext(await readJson(res));
    return tenant ? { kind: 'ok', tenant } : { kind: 'unavailable', status: res.status };
  }
  const problem = await readJson(res);
  if (res.status === 403 && isRecord(problem) && problem.type === SUSPENDED_TYPE) {
    return {
      kind: 'suspended',
      title: typeof problem.title === 'string' ? problem.title : 'このサービスは現在ご利用いただけません',
      detail: typeof problem.detail === 'string' ? problem.detail : null,
    };
  }
  if (res.status === 404) return { kind: 'not-found' };
  return { kind: 'unavailable', status: res.status };
}
