/**
 * Where the console shows a message image from. Images staff uploaded are ours
 * (`…/media/t/<tenant>/<token>/<variant>`, https because LINE only fetches https); the console
 * loads them from its own origin, which also works on a local demo without TLS. Other URLs are
 * not loaded (the console's image policy allows only its own origin and LINE's emoji CDN): the
 * preview shows a labelled box instead.
 */
const OWN_MEDIA = /^https?:\/\/[^/]+(\/media\/t\/[0-9a-f-]{36}\/[0-9a-f]{32}(?:\/[a-z0-9]+)?)$/;

export function ownMediaPath(url: string | undefined | null): string | null {
  if (!url) return null;
  const m = OWN_MEDIA.exec(url);
  return m ? m[1]! : null;
}

/** The image at an imagemap's baseUrl as LINE's apps request it (width 1040 or smaller). */
export function imagemapImage(baseUrl: string, width = 1040): string {
  return `${baseUrl.replace(/\/+$/, '')}/${width}`;
}
