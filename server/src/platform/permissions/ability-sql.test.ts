import { describe, expect, it } from 'vitest';
import { subject } from '@casl/ability';
import { buildAbility } from './ability.js';
import { abilityToSql } from './ability-sql.js';

const cols = { id: 'f.id', organisationId: 'f.organisation_id' };

describe('abilityToSql', () => {
  it('administrators get TRUE', () => {
    const a = buildAbility({ role: 'administrator', organisationIds: [], features: new Set(), grants: [] });
    expect(abilityToSql(a, 'read', 'Form', cols).sql).toBe('TRUE');
  });
  it('no feature, no rule: FALSE', () => {
    const a = buildAbility({ role: 'staff', organisationIds: ['o1'], features: new Set(), grants: [] });
    expect(abilityToSql(a, 'read', 'Form', cols)).toEqual({ sql: 'FALSE', params: {} });
  });
  it('own organisations OR granted ids, as parameters', () => {
    const a = buildAbility({
      role: 'staff',
      organisationIds: ['o1', 'o2'],
      features: new Set(['forms']),
      grants: [{ resourceType: 'form', resourceId: 'g1', permissions: ['view'] }],
    });
    const q = abilityToSql(a, 'read', 'Form', cols);
    expect(q.sql).toBe('(f.id IN (:...ab0) OR f.organisation_id IN (:...ab1))');
    expect(q.params).toEqual({ ab0: ['g1'], ab1: ['o1', 'o2'] });
    // The SQL says the same as CASL's in-memory check.
    expect(a.can('read', subject('Form', { id: 'g1', organisationId: 'o9' }))).toBe(true);
    expect(a.can('update', subject('Form', { id: 'g1', organisationId: 'o9' }))).toBe(false);
    expect(abilityToSql(a, 'update', 'Form', cols).sql).toBe('f.organisation_id IN (:...ab0)');
  });
  it('an account without organisations sees nothing of its own', () => {
    const a = buildAbility({ role: 'staff', organisationIds: [], features: new Set(['forms']), grants: [] });
    expect(abilityToSql(a, 'read', 'Form', cols).sql).toBe('FALSE');
  });
  it('operators cannot export or delete their own organisation’s resources unless granted', () => {
    const a = buildAbility({
      role: 'operator',
      organisationIds: ['o1'],
      features: new Set(['forms']),
      grants: [],
    });
    expect(abilityToSql(a, 'export', 'Form', cols).sql).toBe('FALSE');
    expect(a.can('update', subject('Form', { id: 'x', organisationId: 'o1' }))).toBe(true);
  });
  it('refuses fields it cannot map, rather than widening access', () => {
    const a = buildAbility({
      role: 'staff',
      organisationIds: ['o1'],
      features: new Set(['forms']),
      grants: [],
    });
    expect(() => abilityToSql(a, 'read', 'Form', { id: 'f.id' })).toThrow(/no column/);
  });
});
