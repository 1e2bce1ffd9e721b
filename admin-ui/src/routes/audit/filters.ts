import { jstDayEndIso, jstDayStartIso } from '#lib/format/jst.ts';

export interface AuditFilters {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  outcome: string;
  /** JST calendar dates, YYYY-MM-DD. */
  from: string;
  to: string;
}

export function readFilters(sp: URLSearchParams): AuditFilters {
  const g = (k: string) => sp.get(k) ?? '';
  return {
    actor: g('actor'),
    action: g('action'),
    targetType: g('targetType'),
    targetId: g('targetId'),
    outcome: g('outcome'),
    from: g('from'),
    to: g('to'),
  };
}

/** Query for the API: dates become the UTC instants of the JST days (to is exclusive). */
export function apiFilters(f: AuditFilters) {
  return {
    actor: f.actor,
    action: f.action,
    targetType: f.targetType,
    targetId: f.targetId,
    outcome: f.outcome,
    from: f.from ? jstDayStartIso(f.from) : undefined,
    to: f.to ? jstDayEndIso(f.to) : undefined,
  };
}
