import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { GreetingSettings, RegistrationForm } from '#lib/attributes/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const [greeting, forms] = await Promise.all([
      api.get<GreetingSettings & { defaults: GreetingSettings }>('/api/registration-forms/greeting'),
      api.get<{ items: RegistrationForm[] }>('/api/registration-forms', { status: 'active' }),
    ]);
    return { greeting, forms: forms.items };
  });
