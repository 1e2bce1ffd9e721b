import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Organisation } from '#lib/api/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => ({
    organisations: (await api.get<{ items: Organisation[] }>('/api/organisations')).items,
  }));
