import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { RestrictedGrantee, SegmentList } from '#lib/segments/types.ts';
import { app } from '#lib/state/app.svelte.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const sp = url.searchParams;
  const filters = { q: sp.get('q') ?? '' };
  const query = {
    ...filters,
    sort: sp.get('sort') ?? 'updatedAt',
    order: sp.get('order') ?? 'desc',
    page: intParam(sp, 'page', 1),
    pageSize: intParam(sp, 'pageSize', 20, 100),
  };
  return loadApi(parent, async () => {
    const [list, restrictions] = await Promise.all([
      api.get<SegmentList>('/api/segments', query),
      // Administrators see at a glance whether some accounts are limited (STAFF-7).
      app.session.administration
        ? api
            .get<{ grantees: RestrictedGrantee[] }>('/api/segments/restrictions')
            .then((r) => r.grantees)
            .catch(() => null)
        : Promise.resolve(null),
    ]);
    return { list, restrictions, filters };
  });
};
