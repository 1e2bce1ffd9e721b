import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { simpleParser, type AddressObject } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { renderInbox } from './page.js';

/**
 * The demo's and tests' mail system, both ways:
 * - an SMTP catcher: every mail the product sends (DEL-10 deliveries by e-mail, department
 *   notifications) is kept and shown per recipient in a Japanese web view, and listed by an
 *   inspection API for tests;
 * - a sender playing the city's mail system: `POST /_mail/send` (or the web view's form) sends a
 *   mail over SMTP to the product's mail-to-LINE listener (DEL-11), as a forwarded 防災メール would.
 */
export interface CaughtMail {
  id: string;
  receivedAt: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  from: string | null;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  messageId: string | null;
  /** Every header as sent (last one of a name wins), e.g. List-Unsubscribe of DEL-10 deliveries. */
  headers: Record<string, string>;
  bytes: number;
}

export interface SentMail {
  id: string;
  sentAt: string;
  from: string;
  to: string;
  subject: string;
  /** What the receiving SMTP server answered (250 …, or its refusal). */
  response: string;
  accepted: boolean;
}

export interface MailEmulatorOptions {
  /** SMTP port of the catcher (0 = any free port). */
  smtpPort?: number;
  /** HTTP port of the web view and API (0 = any free port). */
  httpPort?: number;
  host?: string;
  /** Where `POST /_mail/send` delivers: the product's inbound SMTP listener. */
  relay?: { host: string; port: number };
  /** Keep at most this many caught mails (oldest dropped). */
  maxMails?: number;
}

export interface RunningMailEmulator {
  smtpPort: number;
  url: string;
  mails: CaughtMail[];
  sent: SentMail[];
  close(): Promise<void>;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? '')).filter(Boolean);

export async function startMailEmulator(opts: MailEmulatorOptions = {}): Promise<RunningMailEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const maxMails = opts.maxMails ?? 5000;
  const mails: CaughtMail[] = [];
  const sent: SentMail[] = [];

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'tsunagu mail emulator',
    onAuth(_auth, _session, done) {
      done(null, { user: 'demo' }); // any credentials: the product may be configured with some
    },
    onData(stream, session, done) {
      simpleParser(stream)
        .then((m) => {
          mails.push({
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: addresses(m.from)[0] ?? null,
            to: addresses(m.to),
            subject: m.subject ?? '',
            text: m.text ?? '',
            html: typeof m.html === 'string' ? m.html : null,
            messageId: m.messageId ?? null,
            headers: Object.fromEntries(
              m.headerLines.map((h) => [
                h.key,
                h.line
                  .slice(h.line.indexOf(':') + 1)
                  .replace(/\r?\n\s+/g, ' ')
                  .trim(),
              ]),
            ),
            bytes: (stream as unknown as { byteLength?: number }).byteLength ?? 0,
          });
          if (mails.length > maxMails) mails.splice(0, mails.length - maxMails);
          done();
        })
        .catch((e: unknown) => done(e instanceof Error ? e : new Error(String(e))));
    },
  });
  await new Promise<void>((resolve) => smtp.listen(opts.smtpPort ?? 2526, host, resolve));
  const smtpPort = ((smtp as unknown as { server: http.Server }).server.address() as AddressInfo).port;

  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));

  const byRecipient = (to: unknown) =>
    typeof to === 'string' && to
      ? mails.filter((m) => m.envelopeTo.includes(to.toLowerCase()) || m.to.includes(to))
      : mails;

  app.get('/_mail/messages', (req, res) => {
    res.json({ messages: byRecipient(req.query.to) });
  });
  app.delete('/_mail/messages', (_req, res) => {
    mails.length = 0;
    sent.length = 0;
    res.json({ ok: true });
  });
  app.get('/_mail/sent', (_req, res) => {
    res.json({ sent });
  });

  async function relay(input: { from?: unknown; to?: unknown; subject?: unknown; text?: unknown }) {
    if (!opts.relay)
      throw Object.assign(new Error('送信先のSMTPサーバーが設定されていません'), { status: 409 });
    const field = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const mail = {
      from: field(input.from),
      to: field(input.to),
      subject: field(input.subject),
      text: field(input.text),
    };
    if (!mail.from || !mail.to)
      throw Object.assign(new Error('送信元と宛先を入力してください'), { status: 400 });
    const transport = nodemailer.createTransport({
      host: opts.relay.host,
      port: opts.relay.port,
      secure: false,
      ignoreTLS: true,
    });
    const entry: SentMail = {
      id: randomUUID(),
      sentAt: new Date().toISOString(),
      ...mail,
      response: '',
      accepted: false,
    };
    try {
      const info = await transport.sendMail(mail);
      entry.response = info.response;
      entry.accepted = info.accepted.length > 0;
    } catch (e) {
      entry.response = e instanceof Error ? e.message : String(e);
    } finally {
      transport.close();
    }
    sent.push(entry);
    return entry;
  }

  app.post('/_mail/send', (req, res) => {
    relay(req.body as Record<string, unknown>)
      .then((entry) => res.status(entry.accepted ? 200 : 422).json(entry))
      .catch((e: Error & { status?: number }) => res.status(e.status ?? 500).json({ error: e.message }));
  });

  // The web view: the form posts here and comes back to the page (works without JavaScript).
  app.post('/send', (req, res) => {
    relay(req.body as Record<string, unknown>)
      .then(() => res.redirect(303, '/#sent'))
      .catch((e: Error) => res.status(400).type('text/plain; charset=utf-8').send(e.message));
  });
  app.get('/', (req, res) => {
    const to = typeof req.query.to === 'string' ? req.query.to : '';
    res.type('html').send(
      renderInbox({
        mails: byRecipient(to),
        recipients: [...new Set(mails.flatMap((m) => m.envelopeTo))],
        to,
        sent,
        relay: opts.relay ?? null,
      }),
    );
  });

  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(opts.httpPort ?? 3902, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    smtpPort,
    url,
    mails,
    sent,
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
