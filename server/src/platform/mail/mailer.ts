import nodemailer, { type Transporter } from 'nodemailer';
import { config } from '../config/config.js';

/**
 * Outbound mail through the SMTP server named by SMTP_URL (the city's relay or a mail service in
 * production, the mail emulator in the demo). One pooled transport per process.
 */
let transport: Transporter | null = null;
let transportUrl: string | null = null;

export function mailConfigured(): boolean {
  return Boolean(config().SMTP_URL);
}

function mailer(): Transporter {
  const url = config().SMTP_URL;
  if (!url) throw new Error('SMTP_URL is not set: outbound mail is off');
  // A changed configuration (tests point it at an emulator of their own) gets a new transport.
  if (transport && transportUrl !== url) closeMailer();
  transportUrl = url;
  transport ??= nodemailer.createTransport({
    url: url.startsWith('smtp://') ? `${url}${url.includes('?') ? '&' : '?'}pool=true` : url,
    // A send that hangs must end well before a delivery row's claim lease (delivery-email.ts),
    // so a sweeper never resumes a mail that is still being sent. Options in SMTP_URL win.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return transport;
}

/** The address part of MAIL_FROM (`name <addr>` or `addr`). */
export function mailFromAddress(): string {
  const from = config().MAIL_FROM;
  return /<([^<>\s]+)>/.exec(from)?.[1] ?? from.trim();
}

export interface OutboundMail {
  to: string;
  subject: string;
  text: string;
  /** An HTML alternative of `text`. */
  html?: string;
  /** Display name of the sender (e.g. the city); the address is always MAIL_FROM's. */
  fromName?: string;
  /** Stable id of this mail (e.g. delivery run + resident), so a retried send is recognisable. */
  messageId?: string;
  /** Extra headers (List-Unsubscribe …). */
  headers?: Record<string, string>;
}

export async function sendMail(mail: OutboundMail): Promise<{ messageId: string; accepted: boolean }> {
  const info = await mailer().sendMail({
    from: mail.fromName ? { name: mail.fromName, address: mailFromAddress() } : config().MAIL_FROM,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    messageId: mail.messageId,
    ...(mail.headers ? { headers: mail.headers } : {}),
  });
  return { messageId: info.messageId, accepted: (info.accepted?.length ?? 0) > 0 };
}

/**
 * A refusal that sending again cannot change: the SMTP server answered 5xx (unknown mailbox,
 * policy), or the message itself was unusable. Connection failures, timeouts and 4xx are
 * temporary: the caller retries later.
 */
export function isPermanentMailError(e: unknown): boolean {
  const err = e as { responseCode?: unknown; code?: unknown };
  if (typeof err?.responseCode === 'number') return err.responseCode >= 500 && err.responseCode < 600;
  return err?.code === 'EENVELOPE' || err?.code === 'EMESSAGE';
}

/** The SMTP status code of a failure, if the server answered one (never its text: it may name the address). */
export function mailErrorCode(e: unknown): number | null {
  const code = (e as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' ? code : null;
}

export function closeMailer(): void {
  transport?.close();
  transport = null;
}
