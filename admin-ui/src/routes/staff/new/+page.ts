import { loadApi } from '#lib/api/load.ts';
import { loadReference } from '#lib/api/reference.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) =>
  loadApi(parent, async () => ({ reference: await loadReference() }));
