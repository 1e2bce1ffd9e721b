import { appDataSource } from '../db/data-sources.js';
import { Tenant } from './tenant.entity.js';

export type HostKind = { kind: 'tenant'; subdomain: string } | { kind: 'vendor' } | { kind: 'public' };

/**
 * Admin consoles are chosen by Host: `<sub>.admin.<root>` is a city's console, `admin.<root>`
 * the vendor console; anything else serves resident pages and webhooks (tenant in the path).
 */
export function classifyHost(hostHeader: string | undefined, rootDomain: string): HostKind {
  const host = (hostHeader ?? '').toLowerCase().replace(/:\d+$/, '');
  const root = rootDomain.toLowerCase();
  if (host === `admin.${root}`) return { kind: 'vendor' };
  const suffix = `.admin.${root}`;
  if (host.endsWith(suffix)) {
    const sub = host.slice(0, -suffix.length);
    if (/^[a-z][a-z0-9-]{1,30}$/.test(sub)) return { kind: 'tenant', subdomain: sub };
  }
  return { kind: 'public' };
}

/** The tenant table is global (no RLS); the app role may read it. */
export async function findTenantBySubdomain(sub: string): Promise<Tenant | null> {
  const ds = await appDataSource();
  return ds.getRepository(Tenant).findOne({ where: { adminSubdomain: sub } });
}

export async function findTenantBySlug(slug: string): Promise<Tenant | null> {
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(slug)) return null;
  const ds = await appDataSource();
  return ds.getRepository(Tenant).findOne({ where: { slug } });
}
