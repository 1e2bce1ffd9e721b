/**
 * The engine's only contact with the schedule library (./schedule, a pure recurrence and holiday
 * library): validating a recurring rule, finding its next delivery instant, describing it in
 * Japanese. Everything about calendars lives there; everything about firing lives in the engine.
 */
import type { FieldError } from '../../platform/http/errors.js';
import { describeRule, nextOccurrence, recurrenceRuleSchema, type RecurrenceRule } from './schedule/index.js';

export type { RecurrenceRule } from './schedule/index.js';
/** Japan-time calendar helpers the delivery lists and exports use (dates in JST, times stored in UTC). */
export { addDays, isIsoDate, jstDate, jstStartOfDay, jstTime } from './schedule/index.js';

/**
 * A recurring occurrence missed by more than this (every worker was down) is skipped rather than
 * sent late: 「明日は燃やせるごみの日です」 two days late does harm. One-time deliveries are still
 * sent late, since staff chose that message once and can still cancel it.
 */
export const RECURRING_MISFIRE_TOLERANCE_MS = 60 * 60_000;

export function parseRecurrence(
  input: unknown,
): { ok: true; rule: RecurrenceRule } | { ok: false; errors: FieldError[] } {
  const r = recurrenceRuleSchema.safeParse(input);
  if (r.success) return { ok: true, rule: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => ({
      path: ['schedule', 'rule', ...i.path.map(String)].join('.'),
      message: i.message,
    })),
  };
}

/** The first delivery instant strictly after `after`, or null when the rule has ended. */
export function nextRunAfter(rule: RecurrenceRule, after: Date): Date | null {
  return nextOccurrence(rule, after);
}

export function describeRecurrence(rule: RecurrenceRule): string {
  return describeRule(rule);
}
