import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, maskDetail, rowHash } from './audit-chain.js';

describe('audit chain primitives', () => {
  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('masks secrets entirely and e-mail addresses partly', () => {
    expect(
      maskDetail({ password: 'x', after: { email: 'tanaka@city.jp', totpSecret: 'S', name: '田中' } }),
    ).toEqual({
      password: '***',
      after: { email: 't***@city.jp', totpSecret: '***', name: '田中' },
    });
  });
  it('a row hash covers every field and the previous hash', () => {
    const row = {
      tenantId: 't',
      seq: 1,
      occurredAt: new Date('2026-01-01T00:00:00Z'),
      actorType: 'staff' as const,
      actorId: 'a',
      actorLabel: 'A',
      action: 'x',
      targetType: null,
      targetId: null,
      outcome: 'success' as const,
      detail: {},
      ip: null,
      userAgent: null,
      prevHash: GENESIS_HASH,
    };
    const h = rowHash(row);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(rowHash({ ...row, detail: { a: 1 } })).not.toBe(h);
    expect(rowHash({ ...row, prevHash: 'f'.repeat(64) })).not.toBe(h);
  });
});
