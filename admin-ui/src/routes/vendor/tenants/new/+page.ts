import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Feature } from '#lib/api/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => ({
    modules: (await api.get<{ items: Feature[] }>('/api/vendor/modules')).items,
  }));
