import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Paged } from '#lib/api/types.ts';
import { composerOptions } from '#lib/delivery/load.ts';
import type { DeliveryListItem } from '#lib/delivery/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const [options, recent] = await Promise.all([
      composerOptions(),
      api.get<Paged<DeliveryListItem>>('/api/deliveries', { pageSize: 50, sort: 'updatedAt', order: 'desc' }),
    ]);
    return { ...options, recent: recent.items };
  });
