import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Organisation } from '#lib/api/types.ts';
import type { EmergencyState, MenuSet } from '#lib/richmenu/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const [sets, emergency, organisations] = await Promise.all([
      api.get<{ items: MenuSet[] }>('/api/richmenus'),
      api.get<{ channels: EmergencyState[] }>('/api/richmenus/emergency'),
      api.get<{ items: Organisation[] }>('/api/organisations').catch(() => ({ items: [] as Organisation[] })),
    ]);
    return { sets: sets.items, emergency: emergency.channels, organisations: organisations.items };
  });
