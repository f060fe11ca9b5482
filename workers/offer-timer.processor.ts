import { DelayedError, type Job } from 'bullmq';
import { dueReminder } from '../app/domain/offers/checkpoints';
import { loadTimerState, recordReminder } from '../app/domain/offers/timer-state.server';
import { timerJobFor, type OfferTimerJob } from '../app/domain/offers/timer-queue.server';
import { expireAndReroute, type LoopDeps } from '../app/domain/routing/loop.server';

export type TimerOutcome = 'not_pending' | 'expired' | 'already_resolved' | 'reminded' | 'rescheduled';

/**
 * Fires at an offer's checkpoint and decides from Postgres alone what is due: the deadline has
 * passed → expire and route on; a reminder is due → record it; then the next checkpoint is
 * queued. A second delivery of the same job finds nothing left to do.
 */
export function offerTimerProcessor(deps: LoopDeps) {
  return async (job: Job<OfferTimerJob>, token?: string): Promise<TimerOutcome> => {
    const offer = await loadTimerState(deps.db, job.data.offerId);
    if (!offer || offer.status !== 'pending') return 'not_pending';
    const now = deps.clock.now();
    if (offer.expiresAt.getTime() <= now.getTime()) {
      const expired = await expireAndReroute(deps, offer.offerId);
      return expired ? 'expired' : 'already_resolved';
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
