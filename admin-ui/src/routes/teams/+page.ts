import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Feature, Team } from '#lib/api/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const [teams, features] = await Promise.all([
      api.get<{ items: Team[] }>('/api/teams'),
      api.get<{ items: Feature[] }>('/api/features'),
    ]);
    return { teams: teams.items, features: features.items };
  });
