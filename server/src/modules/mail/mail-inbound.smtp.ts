import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { logger } from '../../platform/log/logger.js';
import { parseInboundLocalPart } from './mail.model.js';
import { knownRecipient, receiveMail } from './mail-inbound.service.js';

/** An SMTP error the client sees (its code tells the sending MTA whether to retry). */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): string | null {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list.flatMap((x) => x.value).find((v) => v.address)?.address ?? null;
}

interface Recipient {
  tenantId: string;
  slug: string;
  token: string;
}

/**
 * The inbound SMTP endpoint of mail-to-LINE (DEL-11). Recipients are checked at RCPT TO (an
 * unknown address is refused before any data is sent); the mail is parsed, then each tenant's
 * rules decide. It answers 250 only once the log row (and the delivery, if any) are committed:
 * a database failure answers 451 so the sending MTA retries, and the Message-ID makes a retry
 * after a lost answer harmless. Plain SMTP without auth: in production it sits behind the city
 * domain's MTA, which terminates TLS and forwards to this port.
 */
export function createInboundSmtp(opts: { maxBytes: number }): SMTPServer {
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    banner: 'tsunagu mail-to-LINE',
    size: opts.maxBytes,
    logger: false,
    async onRcptTo(address, session: SMTPServerSession & { recipients?: Recipient[] }, done) {
      try {
        const [local] = address.address.split('@');
        const parsed = parseInboundLocalPart(local ?? '');
        const tenantId = parsed ? await knownRecipient(parsed.slug, parsed.token) : null;
        if (!parsed || !tenantId) return done(smtpError(550, '5.1.1 No such recipient'));
        (session.recipients ??= []).push({ tenantId, ...parsed });
        done();
      } catch (e) {
        logger.error({ err: e instanceof Error ? e.message : String(e) }, 'mail RCPT check failed');
        done(smtpError(451, '4.3.0 Temporary failure, try again later'));
      }
    },
    onData(stream, session: SMTPServerSession & { recipients?: Recipient[] }, done) {
      simpleParser(stream)
        .then(async (mail) => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
            return done(smtpError(552, '5.3.4 Message too big'));
          for (const r of session.recipients ?? []) {
            const result = await receiveMail(r.tenantId, {
              slug: r.slug,
              token: r.token,
              messageId: mail.messageId ?? null,
              from: firstAddress(mail.from),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
            });
            logger.info({ tenantId: r.tenantId, outcome: result.outcome }, 'mail received');
            if (result.outcome === 'refused_sender')
              return done(smtpError(550, '5.7.1 Sender not allowed for this address'));
          }
          done();
        })
        .catch((e: unknown) => {
          logger.error({ err: e instanceof Error ? e.message : String(e) }, 'mail processing failed');
          done(smtpError(451, '4.3.0 Temporary failure, try again later'));
        });
    },
  });
  server.on('error', (e) => logger.error({ err: e.message }, 'SMTP listener error'));
  return server;
}

export async function listenInboundSmtp(
  server: SMTPServer,
  port: number,
  host: string,
): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
