import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { AttributeItem } from '#lib/attributes/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const items = await api.get<{ items: AttributeItem[] }>('/api/attributes', { status: 'all' });
    return { codes: items.items.map((i) => i.code) };
  });
