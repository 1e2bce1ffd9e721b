import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Grant, Team } from '#lib/api/types.ts';
import { loadBuilderData } from '#lib/segments/load.ts';
import type { Segment } from '#lib/segments/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const id = encodeURIComponent(params.id);
    const [segment, builder] = await Promise.all([
      api.get<Segment>(`/api/segments/${id}`),
      loadBuilderData(),
    ]);
    // Sharing is for those who may manage the segment; others need not load it.
    const [grants, teams] = segment.can?.share
      ? await Promise.all([
          api.get<{ grants: Grant[] }>(`/api/segments/${id}/grants`).then((r) => r.grants),
          api.get<{ items: Team[] }>('/api/teams').then(
            (r) => r.items,
            () => [] as Team[],
          ),
        ])
      : [[] as Grant[], [] as Team[]];
    return { segment, ...builder, grants, teams };
  });
