import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import { appDataSource } from './data-sources.js';

interface TenantScope {
  tenantId: string;
  manager: EntityManager;
}

const scope = new AsyncLocalStorage<TenantScope>();

/**
 * Runs fn in one transaction whose `app.tenant_id` is set (transaction-local), so every query in
 * it is filtered and checked by the RLS policies of that tenant. The EntityManager travels in
 * AsyncLocalStorage: services call `db()` instead of passing it around.
 */
export async function withTenant<T>(
  tenantId: string,
  fn: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (!/^[0-9a-f-]{36}$/i.test(tenantId)) throw new Error('withTenant: tenantId must be a uuid');
  const ds = await appDataSource();
  return ds.transaction(async (manager) => {
    await manager.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    return scope.run({ tenantId, manager }, () => fn(manager));
  });
}

/** The EntityManager of the current tenant transaction; calling it outside one is a bug. */
export function db(): EntityManager {
  const s = scope.getStore();
  if (!s) throw new Error('db() called outside withTenant(): tenant tables need a tenant context');
  return s.manager;
}

export function currentTenantId(): string {
  const s = scope.getStore();
  if (!s) throw new Error('currentTenantId() called outside withTenant()');
  return s.tenantId;
}

export function inTenantContext(): boolean {
  return scope.getStore() !== undefined;
}
