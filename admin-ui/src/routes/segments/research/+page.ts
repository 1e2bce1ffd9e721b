import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Distribution, AttributeItem, SegmentList, ChannelKind } from '#lib/segments/types.ts';
import type { PageLoad } from './$types';

/**
 * SEG-7 research view: one item's answers, among friends of a channel or of a saved segment.
 * Everything chosen lives in the URL (`?item=…&segment=…&channel=…&by=…&band=…&bucket=…&node=…`).
 */
export const load: PageLoad = async ({ url, parent }) =>
  loadApi(parent, async () => {
    const sp = url.searchParams;
    const [items, segments] = await Promise.all([
      api.get<{ items: AttributeItem[] }>('/api/attributes', { status: 'all' }).then((r) => r.items),
      api.get<SegmentList>('/api/segments', { sort: 'name', order: 'asc', pageSize: 100 }),
    ]);
    const chosen =
      items.find((i) => i.id === sp.get('item')) ?? items.find((i) => i.status === 'active') ?? null;
    const channel: ChannelKind = sp.get('channel') === 'test' ? 'test' : 'production';
    const params = {
      channel,
      segmentId: sp.get('segment') ?? '',
      by: sp.get('by') ?? '',
      band: sp.get('band') ?? '',
      bucket: sp.get('bucket') ?? '',
    };
    const distribution = chosen
      ? await api.get<Distribution>(`/api/attributes/${encodeURIComponent(chosen.id)}/distribution`, params)
      : null;
    return {
      items,
      segments: segments.items,
      item: chosen,
      distribution,
      params,
      node: sp.get('node') ?? '',
    };
  });
