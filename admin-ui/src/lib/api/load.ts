import { error } from '@sveltejs/kit';
import { ApiError } from './problem';

/**
 * Runs the API calls of a page `load`, after the root layout's guard. A failure becomes the error page with the API's Japanese
 * title; a lost session or a forced password change is handled by the client's hooks (they
 * navigate away), so the error shown meanwhile is never seen for long.
 */
export async function loadApi<T>(parent: () => Promise<unknown>, fn: () => Promise<T>): Promise<T> {
  // The root layout decides first whether this page may load at all (signed in, allowed).
  await parent();
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError) {
      const status = e.status >= 400 && e.status <= 599 ? e.status : 503;
      error(status, { message: e.detail ? `${e.title}（${e.detail}）` : e.title, status });
    }
    throw e;
  }
}
