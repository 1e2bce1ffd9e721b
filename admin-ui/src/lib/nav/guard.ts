import type { AppSession, ConsoleKind } from '#lib/state/session.ts';
import { canSee, navItemFor } from './nav';
import { manualPage } from '#lib/manual/pages.ts';
import { appPath, type AppPath } from './url';

/** Paths anyone may open before signing in. */
const PUBLIC_PATHS = ['/login', '/manual', '/manual/login', '/manual/password'];

/** Only accepts same-site paths as a place to return to after login. */
export function safeNext(next: string | null | undefined): AppPath | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  if (next.startsWith('/login') || next.startsWith('/password')) return null;
  return appPath(next);
}

export function homeFor(kind: ConsoleKind): AppPath {
  return kind === 'vendor' ? '/vendor/tenants' : '/';
}

/**
 * Where the console must send the user instead of `pathname`, or null to stay.
 * (Permissions inside a page are checked by `accessProblem`.)
 */
export function guardRedirect(
  kind: ConsoleKind,
  session: AppSession,
  pathname: string,
  search: string,
): AppPath | null {
  const here = pathname + search;
  if (!session.authenticated || session.stage !== 'active') {
    if (PUBLIC_PATHS.includes(pathname)) return null;
    return here === '/' ? '/login' : appPath(`/login?next=${encodeURIComponent(here)}`);
  }
  if (session.mustChangePassword) {
    if (pathname === '/password' || pathname.startsWith('/manual')) return null;
    return '/password';
  }
  if (session.totpSetupRequired) {
    if (pathname === '/account/totp' || pathname.startsWith('/manual')) return null;
    return '/account/totp';
  }
  if (pathname === '/login' || pathname === '/password') {
    const next = safeNext(new URLSearchParams(search).get('next'));
    return next ?? homeFor(kind);
  }
  if (kind === 'vendor') {
    const allowed = ['/vendor', '/account/password', '/manual'];
    if (!allowed.some((p) => pathname === p || pathname.startsWith(`${p}/`))) return '/vendor/tenants';
    if (pathname === '/vendor') return '/vendor/tenants';
  } else if (pathname === '/vendor' || pathname.startsWith('/vendor/')) {
    return '/';
  }
  return null;
}

export type AccessProblem = null | 'admin' | 'feature' | 'console';

/** Whether the signed-in account may open this screen (rendered as a clear refusal, not a redirect). */
export function accessProblem(kind: ConsoleKind, session: AppSession, pathname: string): AccessProblem {
  const access = {
    features: session.features,
    administration: session.administration,
    vendorSupport: Boolean(session.vendorSupport),
  };
  if (pathname.startsWith('/manual/')) {
    const page = manualPage(pathname.slice('/manual/'.length));
    if (!page) return null;
    if (page.console !== 'both' && page.console !== kind) return 'console';
    if (page.admin && !session.administration) return 'admin';
    if (page.feature && !session.features.includes(page.feature)) return 'feature';
    return null;
  }
  const item = navItemFor(kind, pathname);
  if (!item || canSee(item, access)) return null;
  return item.admin && !session.administration ? 'admin' : 'feature';
}
