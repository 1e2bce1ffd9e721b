import { parse, serialize } from 'cookie';
import type { Request, Response } from 'express';
import { config } from '../config/config.js';

/** With HTTPS the __Host- prefix pins a cookie to its exact host: no sibling subdomain can set it. */
export type CookieBase = 'sid' | 'csrf' | 'rsid';

export function cookieName(base: CookieBase): string {
  return config().COOKIE_SECURE ? `__Host-tsunagu_${base}` : `tsunagu_${base}`;
}

export function readCookie(req: Request, base: CookieBase): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parse(header)[cookieName(base)];
}

export function setCookie(res: Response, base: CookieBase, value: string, maxAgeSeconds?: number): void {
  res.append(
    'Set-Cookie',
    serialize(cookieName(base), value, {
      httpOnly: base !== 'csrf',
      secure: config().COOKIE_SECURE,
      sameSite: base === 'csrf' ? 'strict' : 'lax',
      path: '/',
      ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
    }),
  );
}

export function clearCookie(res: Response, base: CookieBase): void {
  setCookie(res, base, '', 0);
}
