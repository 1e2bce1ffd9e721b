import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Feature, VendorTenant } from '#lib/api/types.ts';
import type { ChannelsView } from '#lib/components/vendor/ChannelSettings.svelte';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const path = `/api/vendor/tenants/${encodeURIComponent(params.id)}`;
    const [tenant, modules, channels] = await Promise.all([
      api.get<VendorTenant>(path),
      api.get<{ items: Feature[] }>('/api/vendor/modules'),
      api.get<ChannelsView>(`${path}/channels`),
    ]);
    return { tenant, modules: modules.items, channels };
  });
