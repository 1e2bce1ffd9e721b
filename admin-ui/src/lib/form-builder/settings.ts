import {
  FORM_COMPLETION_MESSAGE_MAX,
  FORM_NOTIFY_EMAILS_MAX,
  formErrorMap,
  formSettingsSchema,
  type FormSettings,
} from '@tsunagu/server/contracts';

/**
 * The settings tab (FORM-5, FORM-9): times entered in Japan time on any computer, the
 * department's addresses one per line, checked with the server's own schema (formSettingsSchema)
 * so the messages before saving are the ones the server would give, at the same fields.
 */

const JST_OFFSET_MS = 9 * 3600 * 1000;

/** An ISO instant → the value of an `<input type="datetime-local">` in Japan time. */
export function toJstLocal(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  return new Date(t + JST_OFFSET_MS).toISOString().slice(0, 16);
}

/** `2026-04-01T09:00` typed as Japan time → the ISO instant; null when empty or not a time. */
export function fromJstLocal(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi) - JST_OFFSET_MS;
  const check = new Date(ms + JST_OFFSET_MS);
  // 2026-02-30 would roll over to March: refuse it rather than save another day.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return new Date(ms).toISOString();
}

/** Addresses typed one per line (commas and spaces also separate them); blanks and repeats dropped. */
export function parseEmails(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(/[\s,、，;；]+/)) {
    const e = raw.normalize('NFKC').trim();
    if (!e || seen.has(e.toLowerCase())) continue;
    seen.add(e.toLowerCase());
    out.push(e);
  }
  return out;
}

export const NOTIFY_EMAILS_MAX = FORM_NOTIFY_EMAILS_MAX;
export const COMPLETION_MESSAGE_MAX = FORM_COMPLETION_MESSAGE_MAX;

export interface SettingsForm {
  answersPerResident: 'one' | 'many';
  editableAfterSubmit: boolean;
  opensAt: string;
  closesAt: string;
  /** '' = no limit. */
  responseLimit: string;
  notifyEmails: string;
  completionMessage: string;
  sendCompletionToTalk: boolean;
  requireLineLogin: boolean;
  /** 受付番号の頭文字 (R → R-2026-000123). */
  receiptPrefix: string;
  /** FORM-10 会話形式: answering in the LINE talk. */
  talkMode: boolean;
  /** '' = no keyword (start from a button or the rich menu only). */
  talkKeyword: string;
}

export function toSettingsForm(s: FormSettings): SettingsForm {
  return {
    answersPerResident: s.answersPerResident,
    editableAfterSubmit: s.editableAfterSubmit,
    opensAt: toJstLocal(s.opensAt),
    closesAt: toJstLocal(s.closesAt),
    responseLimit: s.responseLimit === null ? '' : String(s.responseLimit),
    notifyEmails: s.notifyEmails.join('\n'),
    completionMessage: s.completionMessage,
    sendCompletionToTalk: s.sendCompletionToTalk,
    requireLineLogin: s.requireLineLogin,
    receiptPrefix: s.receiptPrefix,
    talkMode: s.talkMode,
    talkKeyword: s.talkKeyword ?? '',
  };
}

/** The settings to send, or the messages by field (the API's field names). */
export function fromSettingsForm(
  f: SettingsForm,
): { ok: true; settings: FormSettings } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const opensAt = f.opensAt.trim() ? fromJstLocal(f.opensAt) : null;
  const closesAt = f.closesAt.trim() ? fromJstLocal(f.closesAt) : null;
  if (f.opensAt.trim() && !opensAt) errors.opensAt = '受付開始の日時を正しく入力してください';
  if (f.closesAt.trim() && !closesAt) errors.closesAt = '受付終了の日時を正しく入力してください';
  let responseLimit: number | null = null;
  const limit = f.responseLimit.normalize('NFKC').trim().replace(/,/g, '');
  if (limit) {
    if (!/^\d+$/.test(limit)) errors.responseLimit = '回答数の上限は整数で入力してください（上限なしは空欄）';
    else responseLimit = Number(limit);
  }
  const candidate = {
    answersPerResident: f.answersPerResident,
    editableAfterSubmit: f.editableAfterSubmit,
    opensAt,
    closesAt,
    responseLimit,
    notifyEmails: parseEmails(f.notifyEmails),
    completionMessage: f.completionMessage.trim(),
    sendCompletionToTalk: f.sendCompletionToTalk,
    requireLineLogin: f.requireLineLogin,
    receiptPrefix: f.receiptPrefix.normalize('NFKC').trim().toUpperCase(),
    talkMode: f.talkMode,
    talkKeyword: f.talkKeyword.trim() || null,
  };
  const parsed = formSettingsSchema.safeParse(candidate, { error: formErrorMap });
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      // A bad address is named, so staff find it among several lines.
      const message =
        field === 'notifyEmails' && typeof issue.path[1] === 'number'
          ? `「${candidate.notifyEmails[issue.path[1]]}」：${issue.message}`
          : issue.message;
      errors[field] ??= message;
    }
  if (Object.keys(errors).length || !parsed.success) return { ok: false, errors };
  return { ok: true, settings: parsed.data };
}

/**
 * The completion message as the talk shows it (the server's form-jobs.ts completionText): staff's
 * text, the form's title and the 受付番号 — prefix, JST year and a number counted per form and
 * year, here an example.
 */
export function completionText(message: string, formTitle: string, prefix: string, now = new Date()): string {
  const year = new Date(now.getTime() + JST_OFFSET_MS).getUTCFullYear();
  const p = prefix.normalize('NFKC').trim().toUpperCase() || 'R';
  return `${message.trim()}\n\nフォーム：${formTitle}\n受付番号：${p}-${year}-000001`;
}
