import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { Organisation, Paged, Staff } from '#lib/api/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const sp = url.searchParams;
  const filters = {
    q: sp.get('q') ?? '',
    role: sp.get('role') ?? '',
    organisationId: sp.get('organisationId') ?? '',
    status: sp.get('status') ?? '',
  };
  const query = {
    ...filters,
    sort: sp.get('sort') ?? 'loginId',
    order: sp.get('order') ?? 'asc',
    page: intParam(sp, 'page', 1),
    pageSize: intParam(sp, 'pageSize', 20, 100),
  };
  return loadApi(parent, async () => {
    const [list, orgs] = await Promise.all([
      api.get<Paged<Staff>>('/api/staff', query),
      api.get<{ items: Organisation[] }>('/api/organisations'),
    ]);
    return { list, organisations: orgs.items, filters };
  });
};
