import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { loadReference } from '#lib/api/reference.ts';
import type { Staff } from '#lib/api/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const [staff, reference] = await Promise.all([
      api.get<Staff>(`/api/staff/${encodeURIComponent(params.id)}`),
      loadReference(),
    ]);
    return { staff, reference };
  });
