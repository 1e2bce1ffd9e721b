import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { Paged, VendorTenant } from '#lib/api/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const sp = url.searchParams;
  const filters = { q: sp.get('q') ?? '', status: sp.get('status') ?? '' };
  const query = {
    ...filters,
    sort: sp.get('sort') ?? 'slug',
    order: sp.get('order') ?? 'asc',
    page: intParam(sp, 'page', 1),
    pageSize: intParam(sp, 'pageSize', 20, 100),
  };
  return loadApi(parent, async () => ({
    list: await api.get<Paged<VendorTenant>>('/api/vendor/tenants', query),
    filters,
  }));
};
