import type { OfferTimerState } from '../../app/domain/offers/checkpoints';
import type { TimerScheduler } from '../../app/domain/offers/timer-queue.server';

/**
 * For tests of the domain alone, where the clock is moved by hand and timers are fired by the
 * test: keeps what would have gone to Redis. Worker tests use the real BullMQ scheduler.
 */
export class RecordingTimers implements TimerScheduler {
  readonly scheduled: OfferTimerState[] = [];
  async schedule(timers: OfferTimerState[]): Promise<void> {
    this.scheduled.push(...timers);
  }
}
