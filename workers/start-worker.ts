import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createDatabase } from '../db/client';
import type { Clock } from '../app/domain/clock';
import { systemClock } from '../app/domain/clock';
import {
  BullTimerScheduler,
  MAINTENANCE_QUEUE,
  TIMER_QUEUE,
  type OfferTimerJob,
} from '../app/domain/offers/timer-queue.server';
import type { LoopDeps } from '../app/domain/routing/loop.server';
import { offerTimerProcessor } from './offer-timer.processor';
import { reconcile } from './reconciler';

export interface WorkerOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  concurrency: number;
  reconcileEveryMs: number;
  stalledMs: number;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningWorker {
  deps: LoopDeps;
  timerQueue: Queue<OfferTimerJob>;
  reconcileNow(): ReturnType<typeof reconcile>;
  /** Finishes the jobs in hand, then closes every connection. */
  stop(): Promise<void>;
}

/**
 * One worker process's machinery: the timer worker, the reconciler on a BullMQ job scheduler
 * and their connections. Several can run at once, on several machines: BullMQ hands each job
 * to one of them and every job is safe to run twice.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));
  const database = createDatabase(options.databaseUrl, { max: Math.min(options.concurrency + 4, 40) });
  // Workers block on Redis; BullMQ requires these connections to retry forever.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const timers = new BullTimerScheduler(connection, options.prefix, clock);
  const deps: LoopDeps = {
    db: database.db,
    clock,
    timers,
    log: (message, error) => log(`${message}: ${String(error)}`),
  };
  const timerQueue = timers.queue;
  const maintenanceQueue = new Queue(MAINTENANCE_QUEUE, { connection, prefix: options.prefix });
  const reconcileNow = () => reconcile(deps, timerQueue);

  const timerWorker = new Worker<OfferTimerJob>(TIMER_QUEUE, offerTimerProcessor(deps), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.stalledMs,
    stalledInterval: options.stalledMs,
  });
  const maintenanceWorker = new Worker(
    MAINTENANCE_QUEUE,
    async () => {
      const report = await reconcileNow();
      if (report.expired || report.routed || report.timersRestored) {
        log(`reconciler: ${JSON.stringify(report)}`);
      }
      return report;
    },
    { connection, prefix: options.prefix, concurrency: 1, lockDuration: 120_000 },
  );
  for (const queue of [timerQueue, maintenanceQueue]) {
    queue.on('error', (error) => log(`queue ${queue.name}: ${error.message}`));
  }
  for (const worker of [timerWorker, maintenanceWorker]) {
    worker.on('failed', (job, error) => log(`job ${job?.id ?? '?'} failed: ${error.message}`));
    worker.on('error', (error) => log(`worker error: ${error.message}`));
  }
  await maintenanceQueue.upsertJobScheduler(
    'reconcile',
    { every: options.reconcileEveryMs },
    { name: 'reconcile', opts: { removeOnComplete: true, removeOnFail: 100 } },
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all([timerWorker.close(), maintenanceWorker.close()]);
      await Promise.all([timers.close(), maintenanceQueue.close()]);
      connection.disconnect();
      await database.close();
    })());
  return { deps, timerQueue, reconcileNow, stop };
}
