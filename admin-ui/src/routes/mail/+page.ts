import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Organisation } from '#lib/api/types.ts';
import type { PageLoad } from './$types';
import type { MailLogPage, MailSettings, SegmentOption } from './mail-types.ts';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const [settings, log, organisations, segments] = await Promise.all([
      api.get<MailSettings>('/api/mail/settings'),
      api.get<MailLogPage>('/api/mail/log?pageSize=50'),
      api.get<{ items: Organisation[] }>('/api/organisations'),
      // Segments are offered as targets when the account may use them (STAFF-7).
      api.get<{ items: SegmentOption[] }>('/api/segments').catch(() => ({ items: [] as SegmentOption[] })),
    ]);
    return { settings, log, organisations: organisations.items, segments: segments.items };
  });
