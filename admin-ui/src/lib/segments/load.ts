import { api } from '#lib/api/client.ts';
import type { Organisation } from '#lib/api/types.ts';
import type { AttributeItem, CalendarChoice, FormChoice } from './types';

/**
 * What the builder needs: every attribute item (archived ones too: saved conditions may name
 * them), and the garbage-collection calendars for the DEL-5 condition (none when the account may
 * not read them: the condition is then simply not offered), and the forms whose answers may be
 * conditions (SEG-8; none when the forms cannot be read: 「フォームの回答」 is then not offered).
 */
export async function loadBuilderData(): Promise<{
  items: AttributeItem[];
  organisations: Organisation[];
  calendars: CalendarChoice[];
  forms: FormChoice[];
}> {
  const [items, organisations, calendars, forms] = await Promise.all([
    api.get<{ items: AttributeItem[] }>('/api/attributes', { status: 'all' }),
    api.get<{ items: Organisation[] }>('/api/organisations'),
    api
      .get<{ items: CalendarChoice[] }>('/api/garbage-calendars/choices')
      .then((r) => r.items)
      .catch(() => [] as CalendarChoice[]),
    api
      .get<{ items: FormChoice[] }>('/api/segments/form-questions')
      .then((r) => r.items)
      .catch(() => [] as FormChoice[]),
  ]);
  return { items: items.items, organisations: organisations.items, calendars, forms };
}
