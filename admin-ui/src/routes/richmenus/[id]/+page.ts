import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { MenuForm, MenuSet, MenuSetDetail } from '#lib/richmenu/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:richmenu');
  return loadApi(parent, async () => {
    const [set, list, forms] = await Promise.all([
      api.get<MenuSetDetail>(`/api/richmenus/${params.id}`),
      api.get<{ items: MenuSet[] }>('/api/richmenus'),
      // Forms an area can open; staff without the forms feature type a code instead.
      api
        .get<{ items: MenuForm[] }>('/api/forms', { sort: 'title', order: 'asc', pageSize: '100' })
        .then((r) => r.items.map(({ code, title, status, talkMode }) => ({ code, title, status, talkMode })))
        .catch(() => null),
    ]);
    // Sub-menu targets: the tabs of the other sets.
    const others = await Promise.all(
      list.items
        .filter((s) => s.id !== set.id && (s.tabCount ?? 0) > 0)
        .map((s) => api.get<MenuSetDetail>(`/api/richmenus/${s.id}`).catch(() => null)),
    );
    const submenus = others.flatMap((s) =>
      s ? s.tabs.map((t) => ({ id: t.id, name: `${s.name} › ${t.name}` })) : [],
    );
    return { set, submenus, forms };
  });
};
