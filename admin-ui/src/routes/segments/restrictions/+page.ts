import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Team } from '#lib/api/types.ts';
import type { RestrictedGrantee } from '#lib/segments/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const [restrictions, teams] = await Promise.all([
      api.get<{ grantees: RestrictedGrantee[] }>('/api/segments/restrictions'),
      api.get<{ items: Team[] }>('/api/teams'),
    ]);
    return { grantees: restrictions.grantees, teams: teams.items };
  });
