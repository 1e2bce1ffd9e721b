import { describe, expect, it } from 'vitest';
import { allowlistAllows, parseAllowlist, parseCidr, parseIp } from './cidr';

describe('CIDR parsing', () => {
  it('accepts IPv4 and IPv6 addresses and ranges', () => {
    expect(parseCidr('192.0.2.0/24')?.prefix).toBe(24);
    expect(parseCidr('192.0.2.10')?.prefix).toBe(32);
    expect(parseCidr('2001:db8::/32')?.version).toBe(6);
    expect(parseCidr('::1')?.prefix).toBe(128);
    expect(parseIp('::ffff:10.0.0.1')?.version).toBe(4);
  });

  it('rejects broken values', () => {
    for (const v of [
      '256.1.1.1',
      '10.0.0/8',
      '10.0.0.0/33',
      '2001:db8::/129',
      '1:2:3:4:5:6:7:8:9',
      'abc',
      '01.2.3.4',
      '10.0.0.0/',
    ]) {
      expect(parseCidr(v), v).toBeNull();
    }
  });
});

describe('allow-list', () => {
  it('reads lines, skipping blanks and comments, and reports bad lines in Japanese', () => {
    const r = parseAllowlist('192.0.2.0/24 # 本庁\n\n# 支所\n198.51.100.7\nfoo\n192.0.2.0/24');
    expect(r.entries).toEqual(['192.0.2.0/24', '198.51.100.7']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.line).toBe(5);
    expect(r.errors[0]?.message).toContain('5行目');
  });

  it('checks whether an address is covered', () => {
    expect(allowlistAllows([], '203.0.113.5')).toBe(true);
    expect(allowlistAllows(['192.0.2.0/24'], '192.0.2.99')).toBe(true);
    expect(allowlistAllows(['192.0.2.0/24'], '192.0.3.1')).toBe(false);
    expect(allowlistAllows(['2001:db8::/32'], '2001:db8:1::5')).toBe(true);
    expect(allowlistAllows(['127.0.0.1'], '::ffff:127.0.0.1')).toBe(true);
    expect(allowlistAllows(['0.0.0.0/0'], '8.8.8.8')).toBe(true);
  });
});
