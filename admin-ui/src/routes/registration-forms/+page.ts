import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { GreetingSettings, RegistrationForm } from '#lib/attributes/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, parent }) => {
  const status: 'active' | 'archived' = url.searchParams.get('status') === 'archived' ? 'archived' : 'active';
  return loadApi(parent, async () => {
    const [forms, greeting] = await Promise.all([
      api.get<{ items: RegistrationForm[] }>('/api/registration-forms', { status: 'all' }),
      api.get<GreetingSettings>('/api/registration-forms/greeting'),
    ]);
    return { forms: forms.items, greeting, status };
  });
};
