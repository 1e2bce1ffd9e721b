import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { ApiError } from '#lib/api/problem.ts';
import type { FormDetail } from '#lib/form-builder/types.ts';
import {
  filterProblem,
  readStatsFilters,
  statsQuery,
  type CrossTab,
  type FormStats,
} from '#lib/form-stats/stats.ts';
import type { PageLoad } from './$types';

/**
 * 集計 (FORM-7/8): the form, its per-question statistics and, when two items are chosen
 * (?row=&col=), their cross tabulation, all under the filters in the URL. A cross tabulation the
 * server refuses (an item gone from the form) is shown as a message on the page, not an error page.
 */
export const load: PageLoad = async ({ params, url, parent }) => {
  const filters = readStatsFilters(url.searchParams);
  const problem = filterProblem(filters);
  const query = problem ? {} : statsQuery(filters);
  const row = url.searchParams.get('row') ?? '';
  const col = url.searchParams.get('col') ?? '';
  return loadApi(parent, async () => {
    const id = encodeURIComponent(params.id);
    const [form, stats] = await Promise.all([
      api.get<FormDetail>(`/api/forms/${id}`),
      api.get<FormStats>(`/api/forms/${id}/stats`, query),
    ]);
    let crosstab: CrossTab | null = null;
    let crosstabError: string | null = null;
    if (row && col && form.publishedVersion) {
      try {
        crosstab = await api.get<CrossTab>(`/api/forms/${id}/crosstab`, { ...query, row, col });
      } catch (e) {
        if (!(e instanceof ApiError) || e.status >= 500) throw e;
        crosstabError = e.errors[0]?.message ?? e.title;
      }
    }
    return { form, stats, filters, filterProblem: problem, row, col, crosstab, crosstabError };
  });
};
