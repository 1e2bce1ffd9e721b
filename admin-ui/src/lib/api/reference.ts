import { api } from './client';
import type { Feature, Organisation, Team } from './types';

export interface Reference {
  organisations: Organisation[];
  teams: Team[];
  features: Feature[];
}

/** Organisations, teams and features: the vocabulary of the staff and permission screens. */
export async function loadReference(): Promise<Reference> {
  const [o, t, f] = await Promise.all([
    api.get<{ items: Organisation[] }>('/api/organisations'),
    api.get<{ items: Team[] }>('/api/teams'),
    api.get<{ items: Feature[] }>('/api/features'),
  ]);
  return { organisations: o.items, teams: t.items, features: f.items };
}
