import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Feature, VendorTenant } from '#lib/api/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const [tenant, modules] = await Promise.all([
      api.get<VendorTenant>(`/api/vendor/tenants/${encodeURIComponent(params.id)}`),
      api.get<{ items: Feature[] }>('/api/vendor/modules'),
    ]);
    return { tenant, modules: modules.items };
  });
