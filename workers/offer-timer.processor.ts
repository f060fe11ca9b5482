import { DelayedError, type Job } from 'bullmq';
import { dueReminder } from '../app/domain/offers/checkpoints';
import { loadTimerState, recordReminder } from '../app/domain/offers/timer-state.server';
import { timerJobFor, type OfferTimerJob } from '../app/domain/offers/timer-queue.server';
import { expireDueAndReroute, type LoopDeps } from '../app/domain/routing/loop.server';

/**
 * How many due offers one timer job expires and routes on. Small enough that a burst spreads
 * over every worker's slots at once, and that a worker killed mid-job leaves at most this many
 * leads per slot waiting for the reconciler; large enough that a burst costs few statements.
 */
const EXPIRE_PER_JOB = 100;

export type TimerOutcome = 'not_pending' | 'expired' | 'already_resolved' | 'reminded' | 'rescheduled';

/**
 * Fires at an offer's checkpoint and decides from Postgres alone what is due: the deadline has
 * passed → expire it, with other offers due now, and route the leads on; a reminder is due →
 * record it; then the next checkpoint is queued. A second delivery of the same job finds
 * nothing left to do.
 */
export function offerTimerProcessor(deps: LoopDeps) {
  return async (job: Job<OfferTimerJob>, token?: string): Promise<TimerOutcome> => {
    const offer = await loadTimerState(deps.db, job.data.offerId);
    if (!offer || offer.status !== 'pending') return 'not_pending';
    const now = deps.clock.now();
    if (offer.expiresAt.getTime() <= now.getTime()) {
      // This offer and up to 99 others due now go in one statement, the latest due first: in a
      // burst sharing one deadline the jobs arrive earliest first and the batches take from the
      // other end, so the burst is done when they meet, not when the last job has run. An
      // offer another worker holds is skipped, not waited for: it is 'already_resolved' here,
      // and expired by the statement that holds it.
      const { expired } = await expireDueAndReroute(deps, EXPIRE_PER_JOB, { including: offer.offerId });
      return expired.some((e) => e.offerId === offer.offerId) ? 'expired' : 'already_resolved';
    }
    const reminder = dueReminder(offer, now);
    if (reminder) await recordReminder(deps.db, offer, reminder, now);
    const next = timerJobFor(offer, now);
    if (next.opts.jobId === job.id) {
      // Fired before its time (clocks differ between machines): wait in place, same id.
      await job.moveToDelayed(Date.now() + Math.max(1, next.opts.delay), token);
      throw new DelayedError();
    }
    await deps.timers.schedule([offer]);
    return reminder ? 'reminded' : 'rescheduled';
  };
}
