import type { Queue } from 'bullmq';
import type { Database } from '../db/client';
import { fanOutPending } from '../app/domain/notifications/fan-out.server';
import { freshEmailIds, unsettledEmailIds } from '../app/domain/notifications/email-delivery.server';
import { queueEmails, type EmailJob } from '../app/domain/notifications/email-queue.server';

const BATCH = 500;

/**
 * Turns what the routing loop recorded into email jobs: fans pending events out to their
 * recipients, then queues the email rows made since the last run. Runs every second in each
 * worker; several at once split the events (SKIP LOCKED) and queue each email once (job ids).
 * It remembers the last id it queued, so that a backlog is not queued again every second.
 */
export function createNotificationRelay(
  db: Database,
  /** Null while no mail server is configured: the email rows wait, visible in the log. */
  queue: Queue<EmailJob> | null,
  retryBaseMs: number,
) {
  let queuedUpTo = 0;
  let runs = 0;
  return async function relayNotifications(): Promise<{ fannedOut: number; queued: number }> {
    let fannedOut = 0;
    for (;;) {
      const created = await fanOutPending(db, BATCH);
      fannedOut += created.length;
      if (created.length < BATCH) break;
    }
    let queued = 0;
    if (!queue) return { fannedOut, queued };
    // Every tenth run looks again from the start: a row whose id was taken before a later one's
    // but committed after it is queued within ten runs instead of at the reconciler's sweep.
    let after = runs++ % 10 === 0 ? 0 : queuedUpTo;
    for (;;) {
      const ids = await freshEmailIds(db, after, 2000);
      if (ids.length === 0) break;
      await queueEmails(queue, ids, retryBaseMs);
      queued += ids.length;
      after = ids[ids.length - 1]!;
      queuedUpTo = Math.max(queuedUpTo, after);
    }
    return { fannedOut, queued };
  };
}

/**
 * After Redis lost its jobs: every email row not yet settled gets its job back. Rows waiting
 * for a retry keep their job (same id, the add is ignored); the lost ones are queued again.
 */
export async function restoreEmailJobs(
  db: Database,
  queue: Queue<EmailJob>,
  now: Date,
  retryBaseMs: number,
): Promise<number> {
  let restored = 0;
  for (let after = 0; ;) {
    const ids = await unsettledEmailIds(db, now, after, 2000);
    if (ids.length === 0) break;
    await queueEmails(queue, ids, retryBaseMs);
    restored += ids.length;
    after = ids[ids.length - 1]!;
  }
  return restored;
}
