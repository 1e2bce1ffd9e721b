import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { AttributeItem, RegistrationForm } from '#lib/attributes/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const status: 'active' | 'archived' = url.searchParams.get('status') === 'archived' ? 'archived' : 'active';
  return loadApi(parent, async () => {
    const [items, forms] = await Promise.all([
      api.get<{ items: AttributeItem[] }>('/api/attributes', { status: 'all' }),
      api.get<{ items: RegistrationForm[] }>('/api/registration-forms', { status: 'all' }),
    ]);
    return { items: items.items, forms: forms.items, status };
  });
};
