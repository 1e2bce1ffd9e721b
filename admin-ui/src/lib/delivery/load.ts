import { api } from '#lib/api/client.ts';
import { errorMessage } from '#lib/api/problem.ts';
import type { Organisation, Paged } from '#lib/api/types.ts';
import { app } from '#lib/state/app.svelte.ts';
import type { SegmentOption } from './types';

/**
 * What the composer needs besides the delivery: organisations to own it and the segments this
 * account may send to. Segments need their own feature: without it the composer offers every
 * friend and the testers only, and says why.
 */
export async function composerOptions() {
  // Without the segments feature the list would be refused (and the refusal audited): skip it.
  const withSegments = app.session.features.includes('segments');
  const [organisations, segs] = await Promise.all([
    api.get<{ items: Organisation[] }>('/api/organisations').catch(() => ({ items: [] as Organisation[] })),
    !withSegments
      ? Promise.resolve({
          items: [] as SegmentOption[],
          mayTargetAllFriends: undefined,
          error: 'セグメントを使うには「セグメント・受信設定」の権限が必要です。',
        })
      : api
          .get<Paged<SegmentOption> & { mayTargetAllFriends?: boolean }>('/api/segments', {
            pageSize: 100,
            sort: 'name',
            order: 'asc',
          })
          .then((r) => ({ ...r, error: '' }))
          .catch((e: unknown) => ({
            items: [] as SegmentOption[],
            mayTargetAllFriends: undefined,
            error: `セグメントを読み込めません（${errorMessage(e)}）`,
          })),
  ]);
  return {
    organisations: organisations.items,
    segments: segs.items.filter((s) => s.can?.target !== false),
    segmentsError: segs.error,
    mayTargetAll: segs.mayTargetAllFriends ?? true,
  };
}
