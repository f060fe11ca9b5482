import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { notificationIdOf, type CaughtMail } from '../../support/mail-sink';

/**
 * A real SMTP server that counts what it accepts per email row (the Message-ID names the row)
 * and when. It is configured like emails/capture.server.ts, which tests/support/mail-sink.ts
 * uses, with one difference the fault scenarios need: a connection that breaks (a worker killed
 * in mid-conversation resets its socket) is an error the server reports, and here it is
 * listened for instead of ending the test process. The port stays the same across an outage.
 */
export interface MailCounter {
  readonly url: string;
  /** Arrival times (ms) per notification row id. */
  readonly arrivals: ReadonlyMap<number, number[]>;
  /** Messages whose Message-ID names no email row. */
  readonly strangers: number;
  readonly total: number;
  /** Broken connections seen (a worker killed mid-conversation). */
  readonly connectionErrors: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startMailCounter(): Promise<MailCounter> {
  const arrivals = new Map<number, number[]>();
  let strangers = 0;
  let total = 0;
  let connectionErrors = 0;
  let closing = false;

  const listen = async (port: number) => {
    closing = false;
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'counter' }),
      size: 10 * 1024 * 1024,
      logger: false,
      // An outage must not wait for the senders' pooled connections to go.
      closeTimeout: 1000,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            // Refused while closing: a "250 OK" the sender may never read would make the count
            // differ from what the sender believes was accepted (as emails/capture.server.ts).
            if (closing)
              throw Object.assign(new Error('Mail counter is shutting down'), { responseCode: 421 });
            total++;
            const id = notificationIdOf({ messageId: parsed.messageId ?? null } as CaughtMail);
            if (id === null) strangers++;
            else arrivals.set(id, [...(arrivals.get(id) ?? []), Date.now()]);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    server.on('error', () => {
      connectionErrors++;
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return server;
  };

  let server: SMTPServer | null = await listen(0);
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    arrivals,
    get strangers() {
      return strangers;
    },
    get total() {
      return total;
    },
    get connectionErrors() {
      return connectionErrors;
    },
    async stop() {
      const running = server;
      server = null;
      if (!running) return;
      closing = true;
      await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async start() {
      if (server) return;
      // The port was just released; another process could take it in between, so retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          server = await listen(port);
          return;
        } catch (error) {
          if (attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
  };
}
