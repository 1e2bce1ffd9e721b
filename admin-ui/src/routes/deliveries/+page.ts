import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { Paged } from '#lib/api/types.ts';
import type { DeliveryListItem } from '#lib/delivery/types.ts';
import type { PageLoad } from './$types';
import { readFilters, readSort } from './filters';

export const load: PageLoad = async ({ url, parent }) => {
  const filters = readFilters(url.searchParams);
  const sort = readSort(url.searchParams);
  const query = {
    ...filters,
    ...sort,
    page: intParam(url.searchParams, 'page', 1),
    pageSize: intParam(url.searchParams, 'pageSize', 20, 100),
  };
  return loadApi(parent, async () => ({
    list: await api.get<Paged<DeliveryListItem>>('/api/deliveries', query),
    filters,
    sort,
  }));
};
