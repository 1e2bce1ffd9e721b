import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Organisation } from '#lib/api/types.ts';
import { jstToday } from '#lib/format/jst.ts';
import { VIEW_SPANS } from '#lib/garbage/calendar.ts';
import type { CalendarDetail, Upcoming } from '#lib/garbage/types.ts';
import type { PageLoad } from './$types';

/** The calendar, its upcoming collections (the view's filters live in the URL) and the organisations. */
export const load: PageLoad = async ({ params, url, parent }) => {
  const sp = url.searchParams;
  const from = /^\d{4}-\d{2}-\d{2}$/.test(sp.get('from') ?? '') ? sp.get('from')! : jstToday();
  const asked = Number(sp.get('days'));
  const days = (VIEW_SPANS as readonly number[]).includes(asked) ? asked : 14;
  const filters = { from, days, district: sp.get('district') ?? '', item: sp.get('item') ?? '' };
  return loadApi(parent, async () => {
    const id = encodeURIComponent(params.id);
    const [calendar, upcoming, organisations] = await Promise.all([
      api.get<CalendarDetail>(`/api/garbage-calendars/${id}`),
      api.get<Upcoming>(`/api/garbage-calendars/${id}/collections`, {
        from,
        days,
        district: filters.district || undefined,
        item: filters.item || undefined,
      }),
      api.get<{ items: Organisation[] }>('/api/organisations').then((r) => r.items),
    ]);
    return { calendar, upcoming, organisations, filters };
  });
};
