import { describe, expect, it } from 'vitest';
import { MANAGE_LINK_DAYS, readManageToken, signManageToken } from './tokens.js';

const TENANT = '7d3f7a52-3a1e-4c6b-9f0a-2b1c3d4e5f60';
const OTHER = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const RESIDENT = 'c0ffee00-1234-4abc-9def-00112233aabb';

describe('manage link tokens (DEL-10)', () => {
  it('open the resident they were issued for, for the address they were issued for', () => {
    const token = signManageToken(TENANT, RESIDENT, 'hash-a');
    expect(token).toMatch(/^[A-Za-z0-9_-]{27}\.[A-Za-z0-9_-]{22}$/);
    const t = readManageToken(TENANT, token)!;
    expect(t.residentId).toBe(RESIDENT);
    expect(t.verify('hash-a')).toBe(true);
    // The address changed since: a link in a mail to the old address opens nothing.
    expect(t.verify('hash-b')).toBe(false);
  });

  it('are refused by another tenant, when altered, and once expired', () => {
    const token = signManageToken(TENANT, RESIDENT, 'hash-a');
    expect(readManageToken(OTHER, token)!.verify('hash-a')).toBe(false);
    const [body, mac] = token.split('.') as [string, string];
    const altered = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}.${mac}`;
    expect(readManageToken(TENANT, altered)?.verify('hash-a') ?? false).toBe(false);
    expect(readManageToken(TENANT, 'not-a-token')).toBeNull();
    const issued = new Date('2026-01-01T00:00:00Z');
    const old = signManageToken(TENANT, RESIDENT, 'hash-a', issued);
    const justBefore = new Date(issued.getTime() + MANAGE_LINK_DAYS * 86_400_000 - 1000);
    expect(readManageToken(TENANT, old, justBefore)?.verify('hash-a')).toBe(true);
    expect(
      readManageToken(TENANT, old, new Date(issued.getTime() + MANAGE_LINK_DAYS * 86_400_000)),
    ).toBeNull();
  });
});
