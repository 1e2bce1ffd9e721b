import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { composerOptions } from '#lib/delivery/load.ts';
import type { DeliveryDetail } from '#lib/delivery/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:delivery');
  return loadApi(parent, async () => {
    const [delivery, options] = await Promise.all([
      api.get<DeliveryDetail>(`/api/deliveries/${params.id}`),
      composerOptions(),
    ]);
    return { delivery, ...options };
  });
};
