import type { Queue } from 'bullmq';

export const EMAIL_QUEUE = 'emails';

export interface EmailJob {
  notificationId: number;
}

/**
 * Ten tries with doubling waits: at the default 5 s base the last one comes about 40 minutes
 * after the first, so a mail server down for ten minutes delays mail and loses none.
 */
export const EMAIL_ATTEMPTS = 10;

/** One job per email row, its id derived from the row: adding it twice queues it once. */
export function emailJobFor(notificationId: number, retryBaseMs: number) {
  return {
    name: 'send',
    data: { notificationId } satisfies EmailJob,
    opts: {
      jobId: `email-${notificationId}`,
      attempts: EMAIL_ATTEMPTS,
      backoff: { type: 'exponential', delay: retryBaseMs },
      removeOnComplete: true,
      // A failed job is dropped so that the reconciler can queue its row again under the same id
      // (a job that stalled out leaves its row `sending`); the row keeps the error for the log.
      removeOnFail: true,
    },
  };
}

export async function queueEmails(queue: Queue<EmailJob>, ids: number[], retryBaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await queue.addBulk(ids.map((id) => emailJobFor(id, retryBaseMs)));
}
