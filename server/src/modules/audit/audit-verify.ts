import type { EntityManager } from 'typeorm';
import { verifyChain, type VerifyResult } from '../../platform/audit/audit-chain.js';

/** Verifies tenants' chains (all, or the given slugs) and the vendor chain, on the ops pool. */
export async function verifyAllChains(
  m: EntityManager,
  slugs: string[] = [],
): Promise<Array<{ chain: string; result: VerifyResult }>> {
  const tenants: Array<{ id: string; slug: string }> = await m.query(
    `select id, slug from tenant where cardinality($1::text[]) = 0 or slug = any($1::text[]) order by slug`,
    [slugs],
  );
  const out: Array<{ chain: string; result: VerifyResult }> = [];
  for (const t of tenants) {
    out.push({
      chain: `tenant ${t.slug}`,
      result: await verifyChain(m, { name: 'audit_log', tenantId: t.id }),
    });
  }
  if (slugs.length === 0)
    out.push({ chain: 'vendor', result: await verifyChain(m, { name: 'vendor_audit_log', tenantId: null }) });
  return out;
}
