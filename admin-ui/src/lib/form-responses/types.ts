import type {
  FormAnswers,
  FormDefinition,
  FormResponseSource,
  FormResponseStatus,
} from '@tsunagu/server/contracts';

/**
 * The staff API of a form's responses as the response screens use it (docs/api/admin-api.md
 * 「Form responses」, decision 0011).
 */

export interface ResponseListItem {
  id: string;
  receiptNumber: string;
  version: number;
  status: FormResponseStatus;
  source: FormResponseSource;
  residentId: string | null;
  submittedAt: string;
  updatedAt: string;
  hasMemo: boolean;
  /** Every answer of the response (personal ones too: staff who may read the form may read them). */
  answers: FormAnswers;
}

export interface ResponseList {
  items: ResponseListItem[];
  total: number;
  page: number;
  pageSize: number;
}

export interface ResponseFile {
  id: string;
  item: string;
  name: string;
  size: number;
  type: string;
}

/** A message sent to the respondent's LINE talk from the response (FORM-10 ⑧). */
export interface ResponseMessage {
  id: string;
  text: string;
  status: 'pending' | 'sent' | 'failed';
  createdAt: string;
  sentAt: string | null;
  sentByLabel: string | null;
}

/** GET …/responses/:rid/neighbours: where the response is in the list it was opened from. */
export interface ResponseNeighbours {
  position: number | null;
  total: number;
  previous: { id: string; receiptNumber: string } | null;
  next: { id: string; receiptNumber: string } | null;
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
