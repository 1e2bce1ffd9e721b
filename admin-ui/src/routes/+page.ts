import { api } from '#lib/api/client.ts';
import type { Feature, SecuritySettings } from '#lib/api/types.ts';
import { app } from '#lib/state/app.svelte.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
  await parent();
  const [features, security] = await Promise.allSettled([
    api.get<{ items: Feature[] }>('/api/features'),
    app.session.administration ? api.get<SecuritySettings>('/api/security') : Promise.resolve(null),
  ]);
  return {
    features: features.status === 'fulfilled' ? features.value.items : [],
    security: security.status === 'fulfilled' ? security.value : null,
  };
};
