import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { AttributeItem, RegistrationForm } from '#lib/attributes/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const [item, forms] = await Promise.all([
      api.get<AttributeItem>(`/api/attributes/${encodeURIComponent(params.id)}`),
      api.get<{ items: RegistrationForm[] }>('/api/registration-forms', { status: 'all' }),
    ]);
    return { item, forms: forms.items.filter((f) => f.items.some((i) => i.id === item.id)) };
  });
