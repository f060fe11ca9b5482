import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
}

export interface MailCapture {
  port: number;
  /** What SMTP_URL should be for mail to land here. */
  url: string;
  close(): Promise<void>;
}

/**
 * A local SMTP server that keeps what it receives instead of delivering it: `npm run demo`
 * shows the catch in the portal, and the tests read it to follow links. It speaks plain SMTP
 * on 127.0.0.1 only (no STARTTLS offered, any login accepted).
 */
export async function startMailCapture(options: {
  port?: number;
  onMail: (mail: CaughtMail) => Promise<void> | void;
}): Promise<MailCapture> {
  let closing = false;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'capture' }),
    size: 10 * 1024 * 1024,
    logger: false,
    // Tests stop the server to play an outage: pooled client connections must not hold it open.
    closeTimeout: 1000,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          // A message whose "250 OK" may never reach the sender (the server force-closes its
          // connections a moment after `close()`) is refused instead: the sender retries it,
          // and what was caught stays exactly what was acknowledged, as with a real MTA.
          if (closing) throw Object.assign(new Error('Mail capture is shutting down'), { responseCode: 421 });
          await options.onMail({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? null,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  // A sender that drops its connection mid-message (a worker killed while sending) must not
  // take the capture, and the process hosting it, down: an SMTP server with no 'error'
  // listener throws it.
  server.on('error', (error: Error) => console.warn(`[mail capture] ${error.message}`));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
      }),
  };
}
