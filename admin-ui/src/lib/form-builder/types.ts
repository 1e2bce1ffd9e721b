import type { FormDefinition, FormSettings, FormTemplateKey } from '@tsunagu/server/contracts';
import type { FormStatus } from '#lib/api/types.ts';

/**
 * The staff API of forms as the builder uses it (docs: the forms API contract of issue 5):
 * one form with its editable draft, its published versions, its settings and its addresses.
 */

export type { FormSettings };

export interface FormVersionSummary {
  version: number;
  publishedAt: string;
  /** Id of the staff account that published it. */
  publishedBy: string | null;
  /** Who published it, as staff read it (kept when the account is gone). */
  publishedByName?: string | null;
}

export interface FormPermissions {
  update: boolean;
  delete: boolean;
  export: boolean;
  share: boolean;
  publish?: boolean;
  responses?: boolean;
}

export interface FormDetail {
  id: string;
  /** URL-safe code in residents' addresses (/t/<slug>/forms/<code>). */
  code?: string;
  title: string;
  description: string | null;
  organisationId: string;
  organisationName: string | null;
  status: FormStatus;
  draft: FormDefinition;
  draftUpdatedAt: string | null;
  publishedVersion: number | null;
  versions: FormVersionSummary[];
  settings: FormSettings;
  urls: { resident: string; liff: string | null };
  can: FormPermissions;
  createdAt?: string;
  updatedAt?: string;
  responses?: number;
}

/** A template a new form may start from (GET /api/forms/templates). */
export interface FormTemplateInfo {
  key: FormTemplateKey;
  label: string;
  description: string;
}
