import { withOps } from '../../platform/db/data-sources.js';

/**
 * Removes expired staff and vendor sessions and spent vendor-entry tickets of every tenant.
 * Cross-tenant housekeeping, hence the ops pool; idempotent, safe to run at any time.
 */
export async function purgeExpiredSessions(): Promise<{ staff: number; vendor: number; tickets: number }> {
  return withOps(async (m) => {
    const staff: [unknown[], number] = await m.query('delete from staff_session where expires_at < now()');
    const vendor: [unknown[], number] = await m.query('delete from vendor_session where expires_at < now()');
    const tickets: [unknown[], number] = await m.query(
      "delete from vendor_entry_ticket where expires_at < now() - interval '1 day'",
    );
    return { staff: staff[1], vendor: vendor[1], tickets: tickets[1] };
  });
}
