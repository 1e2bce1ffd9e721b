/** IP allow-list helpers (SEC-2). The server validates again; this only gives early feedback. */

function parseIpv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255 || (p.length > 1 && p.startsWith('0'))) return null;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseIpv6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl !== -1) {
    if (s.indexOf('::', dbl + 1) !== -1) return null;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const toGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as string;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(Number.parseInt(it, 16));
      }
    }
    return out;
  };
  const h = toGroups(head);
  const t = toGroups(tail);
  if (!h || !t) return null;
  let groups: number[];
  if (dbl !== -1) {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return null;
    groups = [...h, ...new Array<number>(missing).fill(0), ...t];
  } else {
    groups = h;
  }
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

export interface ParsedIp {
  version: 4 | 6;
  value: bigint;
}

export function parseIp(s: string): ParsedIp | null {
  const trimmed = s.trim();
  if (trimmed.startsWith('::ffff:') && trimmed.includes('.')) {
    const v4 = parseIpv4(trimmed.slice(7));
    if (v4 !== null) return { version: 4, value: v4 };
  }
  const v4 = parseIpv4(trimmed);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseIpv6(trimmed);
  if (v6 !== null) return { version: 6, value: v6 };
  return null;
}

export interface ParsedCidr extends ParsedIp {
  prefix: number;
}

/** "192.0.2.0/24", "2001:db8::/32" or a single address. */
export function parseCidr(s: string): ParsedCidr | null {
  const [addr, prefixText, extra] = s.trim().split('/');
  if (extra !== undefined || !addr) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  if (prefixText === undefined) return { ...ip, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > max) return null;
  return { ...ip, prefix };
}

export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.version !== ip.version) return false;
  const bits = BigInt(cidr.version === 4 ? 32 : 128);
  const shift = bits - BigInt(cidr.prefix);
  return cidr.value >> shift === ip.value >> shift;
}

export interface AllowlistLineError {
  line: number;
  value: string;
  message: string;
}

/** One entry per line; blank lines and `#` comments are ignored. */
export function parseAllowlist(text: string): { entries: string[]; errors: AllowlistLineError[] } {
  const entries: string[] = [];
  const errors: AllowlistLineError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const value = raw.replace(/#.*/, '').trim();
    if (!value) return;
    if (!parseCidr(value)) {
      errors.push({
        line: i + 1,
        value,
        message: `${i + 1}行目「${value}」はIPアドレスまたはCIDR（例: 192.0.2.0/24）として正しくありません`,
      });
    } else if (!entries.includes(value)) {
      entries.push(value);
    }
  });
  return { entries, errors };
}

/** Whether `ip` is allowed by any entry (an empty list allows everyone). */
export function allowlistAllows(entries: readonly string[], ip: string): boolean {
  if (entries.length === 0) return true;
  const parsed = parseIp(ip);
  if (!parsed) return false;
  return entries.some((e) => {
    const c = parseCidr(e);
    return c ? cidrContains(c, parsed) : false;
  });
}
