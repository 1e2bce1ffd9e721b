import { api } from '#lib/api/client.ts';
import type { Organisation } from '#lib/api/types.ts';
import type { AttributeItem, CalendarChoice } from './types';

/**
 * What the builder needs: every attribute item (archived ones too: saved conditions may name
 * them), and the garbage-collection calendars for the DEL-5 condition (none when the account may
 * not read them: the condition is then simply not offered).
 */
export async function loadBuilderData(): Promise<{
  items: AttributeItem[];
  organisations: Organisation[];
  calendars: CalendarChoice[];
}> {
  const [items, organisations, calendars] = await Promise.all([
    api.get<{ items: AttributeItem[] }>('/api/attributes', { status: 'all' }),
    api.get<{ items: Organisation[] }>('/api/organisations'),
    api
      .get<{ items: CalendarChoice[] }>('/api/garbage-calendars/choices')
      .then((r) => r.items)
      .catch(() => [] as CalendarChoice[]),
  ]);
  return { items: items.items, organisations: organisations.items, calendars };
}
