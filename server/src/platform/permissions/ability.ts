import { AbilityBuilder, createMongoAbility, type ForcedSubject, type MongoAbility } from '@casl/ability';
import type { StaffRole } from '../../modules/staff/staff.entities.js';

/** `target`: choose as the audience of a delivery (STAFF-7: all friends is refused to restricted accounts). */
export type Action = 'manage' | 'create' | 'read' | 'update' | 'delete' | 'export' | 'target';
/** Administration subjects are only for administrators; the rest are organisation-owned resources. */
export type Subject =
  | 'all'
  | 'Staff'
  | 'Organisation'
  | 'Team'
  | 'AuditLog'
  | 'TenantSecurity'
  | 'Form'
  | 'RichMenuSet'
  | 'Segment'
  | 'AllFriends'
  | 'Delivery';
/** An organisation-owned record as CASL checks it (tagged with subject('Form', …)). */
export interface OwnedRecord {
  id?: string;
  organisationId: string;
}
export type AppSubjects =
  | Subject
  | (ForcedSubject<'Form'> & OwnedRecord)
  | (ForcedSubject<'RichMenuSet'> & OwnedRecord)
  | (ForcedSubject<'Segment'> & OwnedRecord)
  | (ForcedSubject<'Delivery'> & OwnedRecord);
export type AppAbility = MongoAbility<[Action, AppSubjects]>;

export const GRANT_PERMISSIONS = ['view', 'edit', 'export', 'manage'] as const;
export type GrantPermission = (typeof GRANT_PERMISSIONS)[number];

/** Which feature a resource subject belongs to, and the resource_type its grants use. */
export const RESOURCE_SUBJECTS = {
  Form: { feature: 'forms', resourceType: 'form' },
  RichMenuSet: { feature: 'richmenu', resourceType: 'richmenu' },
  Segment: { feature: 'segments', resourceType: 'segment' },
  Delivery: { feature: 'delivery', resourceType: 'delivery' },
} as const satisfies Partial<Record<Subject, { feature: string; resourceType: string }>>;
export type ResourceSubject = keyof typeof RESOURCE_SUBJECTS;

/**
 * STAFF-7: a resource_grant row of this type (resource_id = the grantee's own id, no permissions)
 * limits its grantee, an account or a team, to the segments granted to it: no segments of its
 * organisations, no new segments, and no delivery to all friends. Administrators are never limited.
 */
export const SEGMENT_RESTRICTION = 'segment_restriction';

export interface AbilityInput {
  role: StaffRole;
  organisationIds: string[];
  features: ReadonlySet<string>;
  /** Resource ids granted to the account (directly, or through its organisations and teams). */
  grants: Array<{ resourceType: string; resourceId: string; permissions: GrantPermission[] }>;
}

const GRANT_ACTIONS: Record<GrantPermission, Action[]> = {
  view: ['read'],
  edit: ['read', 'update'],
  export: ['read', 'export'],
  manage: ['read', 'update', 'export', 'delete'],
};

/**
 * One ability per request. Administrators manage everything in their tenant. Everyone else works
 * on resources of the features they hold: those of their own organisations, plus what grants
 * give them. Viewers only read; operators (outsourced) may not export or delete unless granted.
 */
export function buildAbility(input: AbilityInput): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  if (input.role === 'administrator') {
    can('manage', 'all');
    return build();
  }
  const segmentRestricted = input.grants.some((g) => g.resourceType === SEGMENT_RESTRICTION);
  if (!segmentRestricted) can('target', 'AllFriends');
  for (const [subject, meta] of Object.entries(RESOURCE_SUBJECTS) as Array<
    [ResourceSubject, (typeof RESOURCE_SUBJECTS)[ResourceSubject]]
  >) {
    if (!input.features.has(meta.feature)) continue;
    const own = { organisationId: { $in: input.organisationIds } };
    const ownActions: Action[] =
      input.role === 'viewer'
        ? ['read']
        : input.role === 'operator'
          ? ['read', 'create', 'update']
          : ['read', 'create', 'update', 'export', 'delete'];
    if (!(subject === 'Segment' && segmentRestricted)) can(ownActions, subject, own);
    const byAction = new Map<Action, string[]>();
    for (const g of input.grants) {
      if (g.resourceType !== meta.resourceType) continue;
      for (const p of g.permissions) {
        for (const a of GRANT_ACTIONS[p]) {
          if (input.role === 'viewer' && a !== 'read' && a !== 'export') continue;
          byAction.set(a, [...(byAction.get(a) ?? []), g.resourceId]);
        }
      }
    }
    for (const [a, ids] of byAction) can(a, subject, { id: { $in: [...new Set(ids)] } });
  }
  return build();
}

/** True when the role may use the administration screens (staff, organisations, audit, security). */
export function canAdminister(ability: AppAbility): boolean {
  return ability.can('manage', 'Staff');
}
