import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { CalendarList } from '#lib/garbage/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const sp = url.searchParams;
  const query = {
    sort: sp.get('sort') ?? 'name',
    order: sp.get('order') ?? 'asc',
    page: intParam(sp, 'page', 1),
    pageSize: intParam(sp, 'pageSize', 20, 100),
  };
  return loadApi(parent, async () => {
    const list = await api.get<CalendarList>('/api/garbage-calendars', query);
    return { list };
  });
};
