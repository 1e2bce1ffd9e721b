import { config } from '../../platform/config/config.js';

/**
 * Links in the mails of DEL-10. Pages are resident-ui's (`/t/<slug>/mail/…`); the token travels in
 * the fragment, which browsers never send to a server, so it stays out of access logs and Referer
 * headers. The one-click unsubscribe of List-Unsubscribe-Post (RFC 8058) is a POST by the mail
 * provider to the API and cannot use a fragment: its token is in the query.
 */
const origin = () => config().PUBLIC_ORIGIN.replace(/\/+$/, '');

export function signupPageUrl(slug: string): string {
  return `${origin()}/t/${slug}/mail/`;
}

export function confirmPageUrl(slug: string, token: string): string {
  return `${origin()}/t/${slug}/mail/confirm/#token=${token}`;
}

export function managePageUrl(slug: string, token: string): string {
  return `${origin()}/t/${slug}/mail/manage/#token=${token}`;
}

export function oneClickUnsubscribeUrl(slug: string, token: string): string {
  return `${origin()}/api/t/${slug}/mail-subscription/unsubscribe?token=${encodeURIComponent(token)}`;
}
