import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { api, setApiHooks, setCsrfToken } from '#lib/api/client.ts';
import { ApiError, TENANT_SUSPENDED } from '#lib/api/problem.ts';
import type { Context, StaffSessionResponse, VendorSessionResponse } from '#lib/api/types.ts';
import { route } from '#lib/nav/url.ts';
import { ANONYMOUS, authBase, normaliseSession, type AppSession } from './session';

export type Failure =
  { kind: 'suspended'; detail?: string } | { kind: 'unreachable'; message: string } | null;

type RawSession = StaffSessionResponse | VendorSessionResponse;

/** Console-wide state: which console this host is, and who is signed in. */
class AppState {
  context = $state<Context | null>(null);
  session = $state<AppSession>({ ...ANONYMOUS });
  failure = $state<Failure>(null);
  /** Why the session could not be read (e.g. this network is not in the IP allow-list). */
  sessionNotice = $state<{ title: string; detail?: string } | null>(null);
  ready = $state(false);

  get kind(): 'tenant' | 'vendor' {
    return this.context?.kind ?? 'tenant';
  }

  get tenantName(): string {
    return this.context?.kind === 'tenant' ? this.context.tenant.nameJa : 'ベンダー管理コンソール';
  }
}

export const app = new AppState();

let booting: Promise<void> | null = null;

/** Applies a session answer (GET session, login, TOTP) and keeps its CSRF token. */
export function applySession(raw: RawSession | null | undefined): AppSession {
  const s = normaliseSession(app.kind, raw);
  if (s.csrfToken) setCsrfToken(s.csrfToken);
  else s.csrfToken = app.session.csrfToken;
  app.session = s;
  return s;
}

export async function refreshSession(): Promise<AppSession> {
  const raw = await api.get<RawSession>(`${authBase(app.kind)}/session`, undefined, { quiet: true });
  return applySession(raw);
}

async function load(): Promise<void> {
  try {
    app.context = await api.get<Context>('/api/context', undefined, { quiet: true });
    app.failure = null;
  } catch (e) {
    if (e instanceof ApiError && e.type === TENANT_SUSPENDED) {
      app.failure = { kind: 'suspended', detail: e.detail };
    } else {
      app.failure = {
        kind: 'unreachable',
        message: e instanceof ApiError ? e.title : 'サーバーに接続できません。',
      };
    }
    app.ready = true;
    return;
  }
  try {
    await refreshSession();
  } catch (e) {
    if (e instanceof ApiError && e.type === TENANT_SUSPENDED) {
      app.failure = { kind: 'suspended', detail: e.detail };
    } else if (e instanceof ApiError && e.status === 403) {
      // e.g. the IP address is not in the allow-list: the login page shows the reason.
      app.session = { ...ANONYMOUS };
      app.sessionNotice = { title: e.title, detail: e.detail };
    } else {
      app.failure = {
        kind: 'unreachable',
        message: e instanceof ApiError ? e.title : 'サーバーに接続できません。',
      };
    }
  }
  app.ready = true;
}

/** Loads context and session once per page load. */
export function bootstrap(): Promise<void> {
  booting ??= load();
  return booting;
}

/** Retries after a failure (e.g. the server came back). */
export function rebootstrap(): Promise<void> {
  booting = null;
  app.ready = false;
  return bootstrap();
}

export async function logout(): Promise<void> {
  try {
    await api.post(`${authBase(app.kind)}/logout`, {}, { quiet: true });
  } catch {
    // Logged out anyway from the console's point of view.
  }
  app.session = { ...ANONYMOUS };
  try {
    await refreshSession();
  } catch {
    // The login page fetches a token again if needed.
  }
  await goto(resolve('/login'), { replaceState: true });
}

function currentPath(): string {
  return typeof window === 'undefined' ? '/' : window.location.pathname + window.location.search;
}

setApiHooks({
  onUnauthenticated: () => {
    if (!app.session.authenticated) return;
    app.session = { ...ANONYMOUS, csrfToken: app.session.csrfToken };
    const next = currentPath();
    const query = `expired=1${next !== '/' ? `&next=${encodeURIComponent(next)}` : ''}`;
    void goto(resolve(route(`/login?${query}`)), { replaceState: true });
  },
  onTotpSetupRequired: () => {
    app.session = { ...app.session, totpSetupRequired: true };
    void goto(resolve('/account/totp'), { replaceState: true });
  },
  onPasswordChangeRequired: () => {
    app.session = { ...app.session, mustChangePassword: true };
    void goto(resolve('/password'), { replaceState: true });
  },
  refreshCsrf: async () => {
    await refreshSession();
  },
});
