import { DelayedError, type Job } from 'bullmq';
import type { Database } from '../db/client';
import type { Clock } from '../app/domain/clock';
import { composeNotificationEmail } from '../app/domain/notifications/notification-email.server';
import {
  claimEmail,
  markEmailFailed,
  markEmailRetry,
  markEmailSent,
  markEmailSkipped,
} from '../app/domain/notifications/email-delivery.server';
import { EMAIL_ATTEMPTS, type EmailJob } from '../app/domain/notifications/email-queue.server';
import { renderEmail } from '../emails/render';
import { messageIdFor, type Mailer } from '../emails/transport.server';

export interface EmailContext {
  db: Database;
  clock: Clock;
  mailer: Mailer;
  publicUrl: string;
  secret: string;
  /** Longer than any one SMTP conversation: past it, another worker may send the row. */
  leaseMs?: number;
}

export type EmailOutcome = 'sent' | 'skipped' | 'settled';

/**
 * Sends one email row. The row is claimed with a lease before the SMTP conversation and marked
 * sent after it, so two deliveries of the job, or two workers, send it once; only a crash
 * between the server's "250 OK" and the update can repeat it, and then with the same
 * Message-ID. A failure puts the row back with its error and lets BullMQ retry with backoff;
 * the last failure marks it failed, visible in the notification log.
 */
export function emailProcessor(context: EmailContext) {
  return async (job: Job<EmailJob>, token?: string): Promise<EmailOutcome> => {
    const id = job.data.notificationId;
    const claim = await claimEmail(context.db, id, context.clock.now(), context.leaseMs ?? 120_000);
    if (claim.kind === 'settled') return 'settled';
    if (claim.kind === 'busy') {
      // Another sender holds the row: wait for its lease to run out without using up a try.
      const wait = Math.max(100, claim.leaseUntil.getTime() - context.clock.now().getTime() + 100);
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }
    const lease = { id, attempt: claim.attempts };
    try {
      const composed = await composeNotificationEmail(context.db, id, {
        publicUrl: context.publicUrl,
        secret: context.secret,
        now: context.clock.now(),
      });
      if (composed.kind === 'skip') {
        await settleRow(() => markEmailSkipped(context.db, lease, composed.reason));
        return 'skipped';
      }
      const rendered = renderEmail(composed.message);
      await context.mailer.send({ ...rendered, to: composed.to, messageId: messageIdFor(id) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? EMAIL_ATTEMPTS);
      await settleRow(() => (lastTry ? markEmailFailed : markEmailRetry)(context.db, lease, message));
      throw error;
    }
    // The server has the message: losing this update to a dropped connection would leave the row
    // `sending` until its lease ran out, and then send it again.
    await settleRow(() => markEmailSent(context.db, lease, context.clock.now()));
    return 'sent';
  };
}

/** Waits between tries of a settling update: about 8 s in all, enough for a connection to come back. */
const SETTLE_RETRY_MS = [100, 250, 500, 1000, 2000, 4000];

/**
 * A settling update is tried again when it fails (a Postgres connection terminated, a failover):
 * each is conditional on the lease this sender holds, so a repeat changes nothing.
 */
async function settleRow(update: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await update();
    } catch (error) {
      const wait = SETTLE_RETRY_MS[attempt];
      if (wait === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
