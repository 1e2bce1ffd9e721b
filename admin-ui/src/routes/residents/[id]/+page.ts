import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Resident, ResidentSettings } from '#lib/attributes/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const id = encodeURIComponent(params.id);
    const [resident, settings] = await Promise.all([
      api.get<Resident>(`/api/residents/${id}`),
      api.get<ResidentSettings>(`/api/attributes/residents/${id}`),
    ]);
    return { resident, settings };
  });
