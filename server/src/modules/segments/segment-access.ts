import { subject } from '@casl/ability';
import { HttpError } from '../../platform/http/errors.js';
import type { AppAbility } from '../../platform/permissions/ability.js';

/**
 * Who a delivery may be addressed to (STAFF-7, TN 3-⑦ 「アカウントごとに配信に利用できるセグメント
 * を指定できること」):
 * - `all`: every friend of the channel;
 * - `segment`: a saved segment (the caller loads it, e.g. with loadSegment, so the organisation is known);
 * - `definition`: conditions composed on the spot and not saved.
 */
export type DeliveryTarget =
  | { kind: 'all' }
  | { kind: 'segment'; segment: { id: string; organisationId: string } }
  | { kind: 'definition' };

/**
 * True when the account may address the target. A saved segment may be used by whoever may see
 * it (own organisation's, or granted). An account limited to granted segments may use those and
 * nothing else: not all friends, not conditions composed on the spot.
 */
export function mayTarget(ability: AppAbility, target: DeliveryTarget): boolean {
  if (target.kind === 'segment')
    return ability.can(
      'read',
      subject('Segment', { id: target.segment.id, organisationId: target.segment.organisationId }),
    );
  return ability.can('target', 'AllFriends');
}

/** Throws an audited 403 (Japanese) unless the account may address the target. */
export function assertMayTarget(ability: AppAbility, target: DeliveryTarget): void {
  if (mayTarget(ability, target)) return;
  const title =
    target.kind === 'segment'
      ? 'このセグメントに配信する権限がありません'
      : target.kind === 'all'
        ? '友だち全員への配信は許可されていません'
        : '条件を指定した配信は許可されていません';
  throw new HttpError(403, title, {
    type: 'urn:tsunagu:forbidden',
    detail: 'このアカウントは、許可されたセグメントにだけ配信できます。',
    audit: {
      action: 'segment.target',
      outcome: 'denied',
      targetType: target.kind === 'segment' ? 'segment' : null,
      targetId: target.kind === 'segment' ? target.segment.id : null,
      detail: { target: target.kind },
    },
  });
}
