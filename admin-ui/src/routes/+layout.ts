import { redirect } from '@sveltejs/kit';
import { guardRedirect } from '#lib/nav/guard.ts';
import { app, bootstrap } from '#lib/state/app.svelte.ts';
import type { LayoutLoad } from './$types';

// A single-page app: the Express server serves build/index.html for every console path.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';

export const load: LayoutLoad = async ({ url }) => {
  await bootstrap();
  if (app.failure) return {};
  const target = guardRedirect(app.kind, app.session, url.pathname, url.search);
  if (target && target !== url.pathname + url.search) redirect(307, target);
  return {};
};
