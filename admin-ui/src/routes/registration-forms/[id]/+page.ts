import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { AttributeItem, ChannelKind, RegistrationForm } from '#lib/attributes/types.ts';
import { app } from '#lib/state/app.svelte.ts';
import type { PageLoad } from './$types';

interface ResidentContext {
  liff: { apps: Array<{ channel: ChannelKind; liffId: string }> };
}

export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const slug = app.context?.kind === 'tenant' ? app.context.tenant.slug : '';
    const [form, items, liffApps] = await Promise.all([
      api.get<RegistrationForm>(`/api/registration-forms/${encodeURIComponent(params.id)}`),
      api.get<{ items: AttributeItem[] }>('/api/attributes', { status: 'active' }),
      // The tenant's LIFF apps (public ids): the links that open this form inside LINE.
      api
        .get<ResidentContext>(`/api/t/${encodeURIComponent(slug)}/context`)
        .then((c) => c.liff.apps)
        .catch(() => []),
    ]);
    return { form, items: items.items, liffApps };
  });
