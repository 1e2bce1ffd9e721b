import { subject } from '@casl/ability';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../platform/http/errors.js';
import { abilityToSql } from '../../platform/permissions/ability-sql.js';
import { buildAbility, SEGMENT_RESTRICTION } from '../../platform/permissions/ability.js';
import { assertMayTarget, mayTarget } from './segment-access.js';

const features = new Set(['segments', 'delivery']);
const own = { id: 's-own', organisationId: 'o1' };
const granted = { id: 's-granted', organisationId: 'o2' };
const foreign = { id: 's-foreign', organisationId: 'o3' };
const grant = { resourceType: 'segment', resourceId: 's-granted', permissions: ['view' as const] };
const restriction = { resourceType: SEGMENT_RESTRICTION, resourceId: 'me', permissions: [] };

describe('STAFF-7: segments an account may deliver to', () => {
  it('an ordinary account uses its organisation’s and granted segments, and may address all friends', () => {
    const a = buildAbility({ role: 'staff', organisationIds: ['o1'], features, grants: [grant] });
    expect(mayTarget(a, { kind: 'segment', segment: own })).toBe(true);
    expect(mayTarget(a, { kind: 'segment', segment: granted })).toBe(true);
    expect(mayTarget(a, { kind: 'segment', segment: foreign })).toBe(false);
    expect(mayTarget(a, { kind: 'all' })).toBe(true);
    expect(mayTarget(a, { kind: 'definition' })).toBe(true);
    expect(a.can('create', subject('Segment', { organisationId: 'o1' }))).toBe(true);
  });

  it('a restricted account uses granted segments only: not its organisation’s, not all friends, no new ones', () => {
    const a = buildAbility({
      role: 'staff',
      organisationIds: ['o1'],
      features,
      grants: [grant, restriction],
    });
    expect(mayTarget(a, { kind: 'segment', segment: granted })).toBe(true);
    expect(mayTarget(a, { kind: 'segment', segment: own })).toBe(false);
    expect(a.can('create', subject('Segment', { organisationId: 'o1' }))).toBe(false);
    expect(() => assertMayTarget(a, { kind: 'all' })).toThrow('友だち全員への配信は許可されていません');
    expect(() => assertMayTarget(a, { kind: 'definition' })).toThrow(
      '条件を指定した配信は許可されていません',
    );
    expect(() => assertMayTarget(a, { kind: 'segment', segment: own })).toThrow(
      'このセグメントに配信する権限がありません',
    );
    try {
      assertMayTarget(a, { kind: 'all' });
    } catch (e) {
      expect(e).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(403);
      expect((e as HttpError).opts.audit).toMatchObject({ action: 'segment.target', outcome: 'denied' });
    }
    // The list the account sees, in SQL, is the granted ids only.
    const q = abilityToSql(a, 'read', 'Segment', { id: 's.id', organisationId: 's.organisation_id' });
    expect(q.sql).toBe('s.id IN (:...ab0)');
    expect(q.params).toEqual({ ab0: ['s-granted'] });
    // Other features are not limited by a segment restriction.
    const forms = abilityToSql(
      buildAbility({
        role: 'staff',
        organisationIds: ['o1'],
        features: new Set(['forms']),
        grants: [restriction],
      }),
      'read',
      'Form',
      { id: 'f.id', organisationId: 'f.organisation_id' },
    );
    expect(forms.sql).toBe('f.organisation_id IN (:...ab0)');
  });

  it('administrators are never restricted', () => {
    const a = buildAbility({ role: 'administrator', organisationIds: [], features, grants: [restriction] });
    expect(mayTarget(a, { kind: 'all' })).toBe(true);
    expect(mayTarget(a, { kind: 'segment', segment: foreign })).toBe(true);
  });
});
