import type {
  FormDefinition,
  FormResponseFile,
  FormResponseList,
  FormResponseListItem,
  FormResponseNeighbours,
  FormResponseStatus,
} from '@tsunagu/server/contracts';

/**
 * The staff API of a form's responses as the response screens use it (docs/api/admin-api.md
 * 「Form responses」, decision 0011).
 */

export type ResponseListItem = FormResponseListItem;
export type ResponseList = FormResponseList;
export type ResponseFile = FormResponseFile;
export type ResponseNeighbours = FormResponseNeighbours;

/** A message sent to the respondent's LINE talk from the response (FORM-10 ⑧). */
export interface ResponseMessage {
  id: string;
  text: string;
  status: 'pending' | 'sent' | 'failed';
  createdAt: string;
  sentAt: string | null;
  sentByLabel: string | null;
}

export interface ResponseDetail extends ResponseListItem {
  formId: string;
  memo: string;
  enteredBy: string | null;
  updatedBy: string | null;
  files: ResponseFile[];
  /** The definition of the version this response answered. */
  definition: FormDefinition;
  /** Present once the server offers messages to respondents; the section is hidden without them. */
  messages?: ResponseMessage[];
  canMessage?: boolean;
  messageBlockedReason?: string | null;
}

export const MESSAGE_TEXT_MAX = 1000;

export const MESSAGE_STATUS_LABELS: Record<ResponseMessage['status'], { label: string; badge: string }> = {
  pending: { label: '送信待ち', badge: 'badge-neutral' },
  sent: { label: '送信済み', badge: 'badge-success' },
  failed: { label: '送信できませんでした', badge: 'badge-danger' },
};

export const RESPONSE_STATUS_BADGES: Record<FormResponseStatus, string> = {
  new: 'badge-warning',
  in_progress: 'badge-info',
  done: 'badge-success',
  on_hold: 'badge-neutral',
  cancelled: 'badge-neutral',
};
