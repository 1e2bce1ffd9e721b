/**
 * Verifies the audit hash chain of every tenant (or of the slugs given) and the vendor chain.
 * Exit code 1 and the first broken row (tenant, seq, reason) when a chain was tampered with.
 * Usage: tsx scripts/audit-verify.ts [slug…]
 */
import { withOps, closeDataSources } from '../server/src/platform/db/data-sources.js';
import { verifyAllChains } from '../server/src/modules/audit/audit-verify.js';

const slugs = process.argv.slice(2);
const report = await withOps((m) => verifyAllChains(m, slugs));
let broken = false;
for (const r of report) {
  if (r.result.ok) console.log(`${r.chain}: ok (${r.result.checked} rows)`);
  else {
    broken = true;
    console.log(
      `${r.chain}: BROKEN at seq ${r.result.broken!.seq}: ${r.result.broken!.reason} (${r.result.checked} rows verified before it)`,
    );
  }
}
await closeDataSources();
process.exit(broken ? 1 : 0);
