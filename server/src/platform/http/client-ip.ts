import ipaddr from 'ipaddr.js';
import type { Request } from 'express';

/** The caller's address as Express computed it (trust proxy hops from config), IPv4 unmapped. */
export function clientIp(req: Request): string {
  const raw = req.ip ?? req.socket.remoteAddress ?? '';
  try {
    const addr = ipaddr.process(raw);
    return addr.toString();
  } catch {
    return raw;
  }
}

/** True when the allow-list is empty (not configured) or one of its CIDR blocks holds ip. */
export function ipAllowed(ip: string, allowlist: string[]): boolean {
  if (allowlist.length === 0) return true;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  return allowlist.some((cidr) => {
    try {
      const [range, bits] = ipaddr.parseCIDR(cidr);
      const a = addr.kind() === range.kind() ? addr : null;
      return a !== null && a.match(range, bits);
    } catch {
      return false;
    }
  });
}

export function isValidCidr(s: string): boolean {
  try {
    ipaddr.parseCIDR(s.includes('/') ? s : s.includes(':') ? `${s}/128` : `${s}/32`);
    return true;
  } catch {
    return false;
  }
}

/** Normalises "192.0.2.1" to "192.0.2.1/32" and "2001:db8::1" to ".../128". */
export function normaliseCidr(s: string): string {
  const withBits = s.includes('/') ? s : s.includes(':') ? `${s}/128` : `${s}/32`;
  const [range, bits] = ipaddr.parseCIDR(withBits);
  return `${range.toString()}/${bits}`;
}
