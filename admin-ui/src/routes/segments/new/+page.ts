import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { loadBuilderData } from '#lib/segments/load.ts';
import type { Segment } from '#lib/segments/types.ts';
import type { PageLoad } from './$types';

/** `?from=<id>`: a copy of that segment to start from (duplicate), saved only when staff save it. */
export const load: PageLoad = async ({ url, parent }) =>
  loadApi(parent, async () => {
    const from = url.searchParams.get('from');
    const [builder, source] = await Promise.all([
      loadBuilderData(),
      from ? api.get<Segment>(`/api/segments/${encodeURIComponent(from)}`) : Promise.resolve(null),
    ]);
    return { ...builder, source };
  });
