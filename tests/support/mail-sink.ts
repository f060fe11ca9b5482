import { startMailCapture, type CaughtMail, type MailCapture } from '../../emails/capture.server';

export type { CaughtMail };

/** What a test waits for: a number of messages in all, or a condition on what was caught. */
export type MailExpectation = number | ((messages: readonly CaughtMail[]) => boolean);

export interface MailSink {
  /** What SMTP_URL should be; the same across stop() and start(). */
  readonly url: string;
  readonly port: number;
  /** Everything caught so far, in arrival order. */
  readonly messages: readonly CaughtMail[];
  /** The messages addressed to one recipient (case-insensitive). */
  to(address: string): CaughtMail[];
  /** The messages carrying this Message-ID, e.g. `<notification-12@baton.local>`. */
  withMessageId(messageId: string): CaughtMail[];
  /** Resolves with every message caught once the expectation holds; rejects after `timeoutMs`. */
  waitFor(expected: MailExpectation, timeoutMs?: number): Promise<CaughtMail[]>;
  /** Plays an outage: the port refuses connections until start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  readonly running: boolean;
}

/** The email row a caught message was sent for, from its Message-ID; null for any other mail. */
export function notificationIdOf(mail: CaughtMail): number | null {
  const match = /^<notification-(\d+)@baton\.local>$/.exec(mail.messageId ?? '');
  return match ? Number(match[1]) : null;
}

/**
 * A real SMTP server (emails/capture.server.ts) that keeps what it receives in memory. The
 * port stays the same across an outage, so the worker's SMTP_URL keeps pointing at it.
 */
export async function startMailSink(options: { port?: number } = {}): Promise<MailSink> {
  const messages: CaughtMail[] = [];
  const onMail = (mail: CaughtMail) => {
    messages.push(mail);
  };
  let capture: MailCapture | null = await startMailCapture({ port: options.port, onMail });
  const { port, url } = capture;

  const sink: MailSink = {
    url,
    port,
    messages,
    get running() {
      return capture !== null;
    },
    to: (address) => messages.filter((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase())),
    withMessageId: (messageId) => messages.filter((m) => m.messageId === messageId),
    async waitFor(expected, timeoutMs = 15_000) {
      const holds =
        typeof expected === 'number' ? () => messages.length >= expected : () => expected(messages);
      const deadline = Date.now() + timeoutMs;
      while (!holds()) {
        if (Date.now() > deadline) {
          const wanted = typeof expected === 'number' ? `${expected} messages` : 'the expected messages';
          throw new Error(
            `mail sink: timed out after ${timeoutMs} ms waiting for ${wanted}; ${messages.length} caught`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return [...messages];
    },
    async stop() {
      const running = capture;
      capture = null;
      await running?.close();
    },
    async start() {
      if (capture) return;
      // The port was just released; another process could take it in between, so retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          capture = await startMailCapture({ port, onMail });
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
  };
  return sink;
}
