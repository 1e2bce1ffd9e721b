import type { LiffConfig } from './api.ts';

/** The part of the LIFF SDK the pages use (LINE's, or the emulator's stand-in in the demo). */
interface Liff {
  init(config: { liffId: string }): Promise<void>;
  isLoggedIn(): boolean;
  login(opts?: { redirectUri?: string }): void;
  getIDToken(): string | null;
  isInClient?(): boolean;
  closeWindow?(): void;
}

export type ResidentState =
  | { kind: 'none' }
  | { kind: 'signing-in' }
  | { kind: 'signed-in'; displayName: string | null; csrfToken: string }
  | { kind: 'failed' };

/**
 * Which LIFF app opened the page: the test channel's app registers its URL with `?channel=test`,
 * the production one without. Null when the tenant has no LIFF app for that channel.
 */
export function pickLiffApp(config: LiffConfig | undefined, channelParam: string | null): string | null {
  const channel = channelParam === 'test' ? 'test' : 'production';
  return config?.apps.find((a) => a.channel === channel)?.liffId ?? null;
}

function loadSdk(src: string): Promise<Liff> {
  const existing = (window as unknown as { liff?: Liff }).liff;
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    s.onload = () => {
      const liff = (window as unknown as { liff?: Liff }).liff;
      if (liff) resolve(liff);
      else reject(new Error('LIFF SDK did not load'));
    };
    s.onerror = () => reject(new Error('LIFF SDK did not load'));
    document.head.append(s);
  });
}

/**
 * Signs the resident in: LIFF gives the raw ID token, the server verifies it with LINE and opens
 * a session bound to this city. The page never trusts a profile decoded in the browser.
 */
export async function signInResident(
  slug: string,
  config: LiffConfig,
  liffId: string,
  fetchFn: typeof fetch = fetch,
): Promise<ResidentState> {
  const liff = await loadSdk(config.sdkUrl);
  await liff.init({ liffId });
  if (!liff.isLoggedIn()) {
    liff.login();
    return { kind: 'signing-in' };
  }
  const idToken = liff.getIDToken();
  if (!idToken) return { kind: 'failed' };
  const session = await fetchFn(`/api/t/${slug}/session`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'tsunagu' },
    body: JSON.stringify({ idToken }),
  });
  if (!session.ok) return { kind: 'failed' };
  const me = await fetchFn(`/api/t/${slug}/me`, { credentials: 'same-origin' });
  if (!me.ok) return { kind: 'failed' };
  const body = (await me.json()) as { resident?: { displayName?: string | null }; csrfToken?: string };
  if (typeof body.csrfToken !== 'string') return { kind: 'failed' };
  return { kind: 'signed-in', displayName: body.resident?.displayName ?? null, csrfToken: body.csrfToken };
}

/** The first state of a page: signing in when a LIFF app of this city opened it, else none. */
export function initialResidentState(liffId: string | null): ResidentState {
  return liffId ? { kind: 'signing-in' } : { kind: 'none' };
}

/** True when the page runs in LINE's in-app browser, where it can close itself (back to the talk). */
export function canCloseWindow(): boolean {
  const liff = (window as unknown as { liff?: Liff }).liff;
  try {
    return Boolean(liff?.isInClient?.() && liff.closeWindow);
  } catch {
    return false;
  }
}

export function closeWindow(): void {
  (window as unknown as { liff?: Liff }).liff?.closeWindow?.();
}
