import type { FormDefinition } from '@tsunagu/server/contracts';
import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { FormDetail } from '#lib/form-builder/types.ts';
import type { PageLoad } from './$types';

/**
 * A response staff enter from a phone call, a paper form or the counter (FORM-4): the form and
 * the definition of its published version (staff-only items included; the builder's draft is not
 * what residents answer).
 */
export const load: PageLoad = async ({ params, parent }) =>
  loadApi(parent, async () => {
    const id = encodeURIComponent(params.id);
    const form = await api.get<FormDetail>(`/api/forms/${id}`);
    const published = form.publishedVersion
      ? await api.get<{ version: number; definition: FormDefinition }>(
          `/api/forms/${id}/versions/${form.publishedVersion}`,
        )
      : null;
    return { form, published };
  });
