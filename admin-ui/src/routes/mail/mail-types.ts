/** Shapes of the メール連携 API (server/src/modules/mail/mail.routes.ts). */
export type MailTarget = { type: 'all' } | { type: 'segment'; segmentId: string };

export interface MailRuleInput {
  organisationId: string;
  name: string;
  enabled: boolean;
  subjectContains: string | null;
  bodyContains: string | null;
  includeSubject: boolean;
  cutMarker: string | null;
  footer: string | null;
  channelKind: 'production' | 'test';
  target: MailTarget;
  emergency: 'none' | 'on' | 'off';
}
export interface MailRule extends MailRuleInput {
  id: string;
  position: number;
}
export interface MailSender {
  id: string;
  pattern: string;
  note: string | null;
}
export interface MailSettings {
  inboundAddress: string;
  inboundEnabled: boolean;
  senders: MailSender[];
  rules: MailRule[];
}
export type MailOutcome = 'delivered' | 'refused_sender' | 'no_rule' | 'failed';
export interface MailLogEntry {
  id: string;
  receivedAt: string;
  fromAddress: string | null;
  subject: string | null;
  outcome: MailOutcome;
  ruleName: string | null;
  deliveryId: string | null;
  emergency: string | null;
  messageText: string | null;
  error: string | null;
}
export interface MailLogPage {
  items: MailLogEntry[];
  total: number;
}
export interface SegmentOption {
  id: string;
  name: string;
}

export const OUTCOME: Record<MailOutcome, { label: string; badge: string }> = {
  delivered: { label: '配信', badge: 'badge-success' },
  refused_sender: { label: '送信元を拒否', badge: 'badge-danger' },
  no_rule: { label: '該当ルールなし', badge: 'badge-neutral' },
  failed: { label: '失敗', badge: 'badge-danger' },
};
export const EMERGENCY_LABEL = {
  none: '切り替えない',
  on: '緊急モードをオンにする',
  off: '緊急モードをオフにする',
};
