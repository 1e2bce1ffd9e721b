import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { Paged } from '#lib/api/types.ts';
import type { RegistrationForm, Resident } from '#lib/attributes/types.ts';
import { apiFilters, readFilters } from './filters';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const sp = url.searchParams;
  const filters = readFilters(sp);
  const query = {
    ...apiFilters(filters),
    sort: sp.get('sort') ?? 'followedAt',
    order: sp.get('order') ?? 'desc',
    page: intParam(sp, 'page', 1),
    pageSize: intParam(sp, 'pageSize', 20, 100),
  };
  return loadApi(parent, async () => {
    const [list, forms] = await Promise.all([
      api.get<Paged<Resident>>('/api/residents', query),
      api.get<{ items: RegistrationForm[] }>('/api/registration-forms', { status: 'all' }),
    ]);
    return { list, forms: forms.items, filters };
  });
};
