import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import type { RenderedEmail } from './messages';

export interface OutgoingEmail extends RenderedEmail {
  to: string;
  /** Stable per email row, so a receiving system can tell a resend from a new message. */
  messageId: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/**
 * nodemailer over SMTP_URL. Short timeouts: a mail server that hangs should fail the attempt
 * and leave the retry to the queue's backoff, not hold a worker slot for minutes.
 */
export function createMailer(smtpUrl: string, from: string): Mailer {
  // nodemailer ignores every other option when given `url`, so the URL is parsed here.
  const transport = nodemailer.createTransport({
    ...parseConnectionUrl(smtpUrl),
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(email) {
      await transport.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        html: email.html,
        text: email.text,
        messageId: email.messageId,
      });
    },
    close: () => transport.close(),
  };
}

export const messageIdFor = (notificationId: number, host = 'baton.local') =>
  `<notification-${notificationId}@${host}>`;
