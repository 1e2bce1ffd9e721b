import { FORM_TEMPLATES, FORM_TEMPLATE_LABELS } from '@tsunagu/server/contracts';
import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { Organisation } from '#lib/api/types.ts';
import type { FormTemplateInfo } from '#lib/form-builder/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => {
    const [organisations, templates] = await Promise.all([
      api.get<{ items: Organisation[] }>('/api/organisations'),
      // The descriptions come with the templates' content from the server; the names alone do too.
      api
        .get<{ items: FormTemplateInfo[] }>('/api/forms/templates')
        .then((r) => r.items)
        .catch(() =>
          FORM_TEMPLATES.map((key) => ({ key, label: FORM_TEMPLATE_LABELS[key], description: '' })),
        ),
    ]);
    return { organisations: organisations.items, templates };
  });
