import { api } from '#lib/api/client.ts';
import { ApiError } from '#lib/api/problem.ts';
import type { ChannelKind, SegmentCount } from './types';

/**
 * Counts of saved segments asked for on the list screen, kept while the console stays open so
 * going back to the list does not count again. A count belongs to one version of a segment
 * (its `updatedAt`) and one channel; it says when it was counted.
 */
export interface CachedCount {
  result?: SegmentCount;
  error?: string;
  at?: Date;
  busy: boolean;
}

class SegmentCounts {
  entries = $state<Record<string, CachedCount>>({});
  channel = $state<ChannelKind>('production');

  key(id: string, updatedAt: string, channel: ChannelKind = this.channel): string {
    return `${id}|${updatedAt}|${channel}`;
  }

  get(id: string, updatedAt: string): CachedCount | undefined {
    return this.entries[this.key(id, updatedAt)];
  }

  async count(id: string, updatedAt: string): Promise<void> {
    const channel = this.channel;
    const key = this.key(id, updatedAt, channel);
    this.entries[key] = { ...this.entries[key], busy: true };
    try {
      const result = await api.get<SegmentCount>(`/api/segments/${encodeURIComponent(id)}/count`, {
        channel,
      });
      this.entries[key] = { result, at: new Date(), busy: false };
    } catch (e) {
      this.entries[key] = { error: e instanceof ApiError ? e.title : '数えられませんでした', busy: false };
    }
  }
}

export const segmentCounts = new SegmentCounts();
