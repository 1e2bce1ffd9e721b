import { api } from '#lib/api/client.ts';
import type { Organisation } from '#lib/api/types.ts';
import type { AttributeItem } from './types';

/** What the builder needs: every attribute item (archived ones too: saved conditions may name them). */
export async function loadBuilderData(): Promise<{ items: AttributeItem[]; organisations: Organisation[] }> {
  const [items, organisations] = await Promise.all([
    api.get<{ items: AttributeItem[] }>('/api/attributes', { status: 'all' }),
    api.get<{ items: Organisation[] }>('/api/organisations'),
  ]);
  return { items: items.items, organisations: organisations.items };
}
