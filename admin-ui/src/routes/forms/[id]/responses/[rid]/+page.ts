import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import type { FormDetail } from '#lib/form-builder/types.ts';
import { withResponseAccess } from '#lib/form-responses/access.ts';
import type { ResponseDetail } from '#lib/form-responses/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:form-response');
  return loadApi(parent, () =>
    withResponseAccess(async () => {
      const id = encodeURIComponent(params.id);
      const [form, response] = await Promise.all([
        api.get<FormDetail>(`/api/forms/${id}`),
        api.get<ResponseDetail>(`/api/forms/${id}/responses/${encodeURIComponent(params.rid)}`),
      ]);
      return { form, response };
    }),
  );
};
