import nodemailer, { type Transporter } from 'nodemailer';
import { config } from '../config/config.js';

/**
 * Outbound mail through the SMTP server named by SMTP_URL (the city's relay or a mail service in
 * production, the mail emulator in the demo). One pooled transport per process.
 */
let transport: Transporter | null = null;

export function mailConfigured(): boolean {
  return Boolean(config().SMTP_URL);
}

function mailer(): Transporter {
  const url = config().SMTP_URL;
  if (!url) throw new Error('SMTP_URL is not set: outbound mail is off');
  transport ??= nodemailer.createTransport(
    url.startsWith('smtp://') ? `${url}${url.includes('?') ? '&' : '?'}pool=true` : url,
  );
  return transport;
}

export interface OutboundMail {
  to: string;
  subject: string;
  text: string;
  /** Stable id of this mail (e.g. delivery run + resident), so a retried send is recognisable. */
  messageId?: string;
}

export async function sendMail(mail: OutboundMail): Promise<{ messageId: string; accepted: boolean }> {
  const info = await mailer().sendMail({
    from: config().MAIL_FROM,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    messageId: mail.messageId,
  });
  return { messageId: info.messageId, accepted: (info.accepted?.length ?? 0) > 0 };
}

export function closeMailer(): void {
  transport?.close();
  transport = null;
}
