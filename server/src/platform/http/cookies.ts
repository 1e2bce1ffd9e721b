import { parse, serialize } from 'cookie';
import type { Request, Response } from 'express';
import { config } from '../config/config.js';

/** With HTTPS the __Host- prefix pins a cookie to its exact host: no sibling subdomain can set it. */
export function cookieName(base: 'sid' | 'csrf'): string {
  return config().COOKIE_SECURE ? `__Host-tsunagu_${base}` : `tsunagu_${base}`;
}

export function readCookie(req: Request, base: 'sid' | 'csrf'): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parse(header)[cookieName(base)];
}

export function setCookie(res: Response, base: 'sid' | 'csrf', value: string, maxAgeSeconds?: number): void {
  res.append(
    'Set-Cookie',
    serialize(cookieName(base), value, {
      httpOnly: base === 'sid',
      secure: config().COOKIE_SECURE,
      sameSite: base === 'sid' ? 'lax' : 'strict',
      path: '/',
      ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
    }),
  );
}

export function clearCookie(res: Response, base: 'sid' | 'csrf'): void {
  setCookie(res, base, '', 0);
}
