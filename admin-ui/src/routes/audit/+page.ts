import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { AuditEntry, Paged } from '#lib/api/types.ts';
import type { PageLoad } from './$types';
import { apiFilters, readFilters } from './filters';

export const load: PageLoad = async ({ url, parent }) => {
  const filters = readFilters(url.searchParams);
  const query = {
    ...apiFilters(filters),
    page: intParam(url.searchParams, 'page', 1),
    pageSize: intParam(url.searchParams, 'pageSize', 50, 100),
  };
  return loadApi(parent, async () => ({
    list: await api.get<Paged<AuditEntry>>('/api/audit', query),
    filters,
  }));
};
