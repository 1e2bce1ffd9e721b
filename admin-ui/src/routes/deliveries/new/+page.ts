import { loadApi } from '#lib/api/load.ts';
import { composerOptions } from '#lib/delivery/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => loadApi(parent, () => composerOptions());
