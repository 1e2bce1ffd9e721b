import { api } from '#lib/api/client.ts';
import { loadApi } from '#lib/api/load.ts';
import { ApiError } from '#lib/api/problem.ts';
import type { Grant, Organisation, Team } from '#lib/api/types.ts';
import type { FormDetail } from '#lib/form-builder/types.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent, depends }) => {
  depends('app:form');
  return loadApi(parent, async () => {
    const id = encodeURIComponent(params.id);
    const [form, organisations, teams, grants] = await Promise.all([
      api.get<FormDetail>(`/api/forms/${id}`),
      api.get<{ items: Organisation[] }>('/api/organisations'),
      api.get<{ items: Team[] }>('/api/teams').catch(() => ({ items: [] as Team[] })),
      api
        .get<{ grants?: Grant[]; items?: Grant[] }>(`/api/forms/${id}/grants`)
        .then((r) => ({ grants: r.grants ?? r.items ?? [], error: null as string | null }))
        .catch((e: unknown) => ({
          grants: [] as Grant[],
          error: e instanceof ApiError ? e.title : '読み込めませんでした',
        })),
    ]);
    return {
      form,
      organisations: organisations.items,
      teams: teams.items,
      grants: grants.grants,
      grantsError: grants.error,
    };
  });
};
