import type { FormDefinition } from '@tsunagu/server/contracts';
import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { intParam } from '#lib/api/query.ts';
import type { FormDetail } from '#lib/form-builder/types.ts';
import { withResponseAccess } from '#lib/form-responses/access.ts';
import { apiParams, readFilters } from '#lib/form-responses/filters.ts';
import { RESPONSES_PAGE_SIZE } from '#lib/form-responses/list-context.ts';
import type { ResponseList } from '#lib/form-responses/types.ts';
import type { PageLoad } from './$types';

/**
 * The response list (FORM-7): filters, sort and page live in the URL under the API's own
 * parameter names; the latest published version names the items (filters and columns).
 */
export const load: PageLoad = async ({ params, url, parent }) => {
  const sp = url.searchParams;
  const filters = readFilters(sp);
  const sort = sp.get('sort') ?? 'submittedAt';
  const order = sp.get('order') === 'asc' ? 'asc' : 'desc';
  const query = {
    ...apiParams(filters),
    sort,
    order,
    page: intParam(sp, 'page', 1),
    pageSize: intParam(sp, 'pageSize', RESPONSES_PAGE_SIZE, 100),
  };
  return loadApi(parent, () =>
    withResponseAccess(async () => {
      const id = encodeURIComponent(params.id);
      const [form, list] = await Promise.all([
        api.get<FormDetail>(`/api/forms/${id}`),
        api.get<ResponseList>(`/api/forms/${id}/responses`, query),
      ]);
      const definition = form.publishedVersion
        ? (
            await api.get<{ definition: FormDefinition }>(
              `/api/forms/${id}/versions/${form.publishedVersion}`,
            )
          ).definition
        : null;
      return { form, list, filters, definition, sort, order };
    }),
  );
};
