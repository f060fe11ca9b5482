import { Queue, type ConnectionOptions } from 'bullmq';
import type { Clock } from '../clock';
import { nextCheckpoint, timerJobId, type OfferTimerState } from './checkpoints';

export const TIMER_QUEUE = 'offer-timers';
export const MAINTENANCE_QUEUE = 'maintenance';

export interface OfferTimerJob {
  offerId: number;
}

/** Where the loop puts an offer's next checkpoint. Redis only holds what Postgres can rebuild. */
export interface TimerScheduler {
  schedule(timers: OfferTimerState[]): Promise<void>;
}

export const timerJobOptions = {
  removeOnComplete: true,
  // A timer that keeps failing is dropped; the reconciler re-creates it from Postgres.
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
} as const;

export function timerJobFor(timer: OfferTimerState, now: Date) {
  const checkpoint = nextCheckpoint(timer, now);
  return {
    name: checkpoint.kind,
    data: { offerId: timer.offerId } satisfies OfferTimerJob,
    opts: {
      ...timerJobOptions,
      jobId: timerJobId(timer.offerId, checkpoint.at),
      delay: Math.max(0, checkpoint.at.getTime() - now.getTime()),
    },
  };
}

export class BullTimerScheduler implements TimerScheduler {
  readonly queue: Queue<OfferTimerJob>;
  constructor(
    connection: ConnectionOptions,
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.queue = new Queue<OfferTimerJob>(TIMER_QUEUE, { connection, prefix });
  }
  async schedule(timers: OfferTimerState[]): Promise<void> {
    if (timers.length === 0) return;
    const now = this.clock.now();
    await this.queue.addBulk(timers.map((t) => timerJobFor(t, now)));
  }
  close() {
    return this.queue.close();
  }
}
