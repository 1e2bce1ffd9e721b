import { createContext } from 'svelte';
import type { ResidentState } from './liff.ts';

/**
 * The signed-in resident as the tenant layout knows it (LIFF sign-in runs once there), read by
 * pages that call the resident's own API: `current` changes from signing-in to signed-in.
 */
export interface ResidentRef {
  readonly current: ResidentState;
}

export const [getResidentRef, setResidentRef] = createContext<ResidentRef>();
