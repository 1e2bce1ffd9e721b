import { describe, expect, it } from 'vitest';
import { ipAllowed, isValidCidr, normaliseCidr } from './client-ip.js';

describe('IP allow-list', () => {
  it('an empty list allows everyone', () => expect(ipAllowed('203.0.113.1', [])).toBe(true));
  it('matches IPv4 and IPv6 ranges, including IPv4-mapped addresses', () => {
    const list = ['10.0.0.0/8', '2001:db8::/32'];
    expect(ipAllowed('10.1.2.3', list)).toBe(true);
    expect(ipAllowed('::ffff:10.1.2.3', list)).toBe(true);
    expect(ipAllowed('2001:db8::5', list)).toBe(true);
    expect(ipAllowed('11.0.0.1', list)).toBe(false);
    expect(ipAllowed('garbage', list)).toBe(false);
  });
  it('validates and normalises entries', () => {
    expect(isValidCidr('192.0.2.1')).toBe(true);
    expect(isValidCidr('192.0.2.0/33')).toBe(false);
    expect(isValidCidr('example.jp')).toBe(false);
    expect(normaliseCidr('192.0.2.1')).toBe('192.0.2.1/32');
    expect(normaliseCidr('2001:db8::1')).toBe('2001:db8::1/128');
  });
});
