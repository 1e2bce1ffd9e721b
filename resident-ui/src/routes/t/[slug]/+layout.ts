import { error } from '@sveltejs/kit';
import { fetchTenantContext } from '#lib/api.ts';
import { t } from '#lib/i18n.ts';
import type { LayoutLoad } from './$types';

/**
 * Every resident page of a tenant needs the tenant's context (name, links). A suspended tenant
 * is not an error: the layout shows a friendly notice instead of the page.
 */
export const load: LayoutLoad = async ({ params, fetch }) => {
  const context = await fetchTenantContext(params.slug, fetch);
  if (context.kind === 'not-found') {
    error(404, { message: t('error.notFound.title'), detail: t('error.notFound.body') });
  }
  if (context.kind === 'unavailable') {
    error(503, { message: t('error.unavailable.title'), detail: t('error.unavailable.body') });
  }
  return { context };
};
