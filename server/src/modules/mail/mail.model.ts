import { z } from 'zod';
import { LINE_LIMITS } from '../../platform/line/messages.js';

/**
 * Mail-to-LINE (DEL-11, 戸沢村 ⑦ メール連携機能): a mail from an allowed sender becomes a LINE text
 * message — subject first (optional), the body up to a marker (転送元メールの特定のテキスト以降を削除),
 * then a footer — sent to every friend or to a segment by the first rule that matches.
 * Pure functions here; the SMTP listener and the service do the I/O.
 */

const optionalText = (max: number, label: string) =>
  z
    .string()
    .trim()
    .max(max, `${label}は${max}文字以内にしてください`)
    .transform((s) => s || null)
    .nullable()
    .default(null);

export const mailTargetSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('all') }),
    z.strictObject({
      type: z.literal('segment'),
      segmentId: z.uuid({ error: 'セグメントを選んでください' }),
    }),
  ],
  { error: '配信先は「友だち全員」か「セグメント」を選んでください' },
);
export type MailTarget = z.infer<typeof mailTargetSchema>;

export const mailRuleSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'ルール名を入力してください')
    .max(100, 'ルール名は100文字以内にしてください'),
  organisationId: z.uuid({ error: '担当の組織を選んでください' }),
  enabled: z.boolean().default(true),
  subjectContains: optionalText(200, '件名の条件'),
  bodyContains: optionalText(200, '本文の条件'),
  includeSubject: z.boolean().default(true),
  cutMarker: optionalText(200, '区切りのテキスト'),
  footer: optionalText(1000, 'フッター'),
  channelKind: z
    .enum(['production', 'test'], { error: '配信するチャネルを選んでください' })
    .default('production'),
  target: mailTargetSchema,
  emergency: z.enum(['none', 'on', 'off'], { error: '緊急モードの扱いを選んでください' }).default('none'),
});
export type MailRuleInput = z.infer<typeof mailRuleSchema>;
export interface MailRule extends MailRuleInput {
  id: string;
  position: number;
}

/** `bousai@city.example.jp` or a whole domain `@city.example.jp`. */
export const senderPatternSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^([^@\s]+)?@[^@\s]+\.[^@\s]+$/,
    '送信元はメールアドレス（または @ から始まるドメイン）で入力してください',
  );

export function senderAllowed(from: string | null, patterns: string[]): boolean {
  if (!from) return false;
  const address = from.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = address.slice(at);
  return patterns.some((p) => (p.startsWith('@') ? p === domain : p === address));
}

export interface ReceivedMail {
  subject: string;
  text: string;
}

const normalise = (s: string) => s.replace(/\r\n?/g, '\n');

/** The first enabled rule whose conditions (all that are set) appear in the subject and body. */
export function matchRule(rules: MailRule[], mail: ReceivedMail): MailRule | null {
  const ordered = [...rules].sort((a, b) => a.position - b.position);
  return (
    ordered.find(
      (r) =>
        r.enabled &&
        (!r.subjectContains || mail.subject.includes(r.subjectContains)) &&
        (!r.bodyContains || normalise(mail.text).includes(r.bodyContains)),
    ) ?? null
  );
}

const OMITTED = '…（以下省略）';

/**
 * The LINE text of a mail under a rule: 【subject】, the body up to (not including) the marker,
 * the footer; trailing blank lines dropped; cut to LINE's 5,000 characters (counted as LINE counts
 * them, in UTF-16 code units) with the footer kept whole, so the city's sign-off always arrives.
 */
export function composeMailText(
  mail: ReceivedMail,
  rule: Pick<MailRule, 'includeSubject' | 'cutMarker' | 'footer'>,
): string {
  let body = normalise(mail.text);
  if (rule.cutMarker) {
    const at = body.indexOf(rule.cutMarker);
    if (at >= 0) body = body.slice(0, at);
  }
  body = body
    .replace(/[ \t\u3000]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const head = rule.includeSubject && mail.subject.trim() ? `【${mail.subject.trim()}】\n` : '';
  const footer = rule.footer ? `\n\n${normalise(rule.footer).trim()}` : '';
  const max = LINE_LIMITS.textLength;
  let main = head + body;
  if (main.length + footer.length > max) {
    main = main.slice(0, Math.max(0, max - footer.length - OMITTED.length)).replace(/[\uD800-\uDBFF]$/, '');
    main += OMITTED;
  }
  return (main + footer).trim();
}

/** The inbound address's local part: `<tenant slug>-<token>`; answers null for anything else. */
export function parseInboundLocalPart(local: string): { slug: string; token: string } | null {
  const m = /^([a-z0-9-]+)-([a-z0-9]{16,40})$/.exec(local.toLowerCase());
  return m ? { slug: m[1]!, token: m[2]! } : null;
}
