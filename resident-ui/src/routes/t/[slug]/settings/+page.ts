import { redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { isFormCode } from '#lib/resident-api.ts';
import type { PageLoad } from './$types';

/**
 * The greeting of new friends links one form as `settings?form=<code>` (server greeting.ts,
 * settingsPageUrl); that form lives at settings/<code>/. The rest of the query (the LIFF
 * channel) goes along.
 */
export const load: PageLoad = ({ url, params }) => {
  const form = url.searchParams.get('form');
  if (form && isFormCode(form)) {
    const rest = new URLSearchParams(url.searchParams);
    rest.delete('form');
    const query = rest.size ? `?${rest}` : '';
    redirect(
      307,
      `${resolve('/t/[slug]/settings/[formCode]', { slug: params.slug, formCode: form })}/${query}`,
    );
  }
};
