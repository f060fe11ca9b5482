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
import { createDailyDigests } from '../app/domain/notifications/daily-digest.server';
import { EMAIL_QUEUE, type EmailJob } from '../app/domain/notifications/email-queue.server';
import {
  IMPORT_QUEUE,
  importJobFor,
  importsAwaitingWork,
  type ImportJob,
} from '../app/domain/imports/import-queue.server';
import { createMailer } from '../emails/transport.server';
import { emailProcessor } from './email.processor';
import { importProcessor } from './import.processor';
import { createNotificationRelay, restoreEmailJobs } from './notification-relay';
import { offerTimerProcessor } from './offer-timer.processor';
import { reconcile, type ReconcileReport } from './reconciler';

export interface WorkerOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  concurrency: number;
  reconcileEveryMs: number;
  stalledMs: number;
  /** Email: without an SMTP URL the rows are made and wait, visible in the notification log. */
  email: {
    smtpUrl?: string;
    from: string;
    publicUrl: string;
    secret: string;
    retryBaseMs: number;
    digestHourUtc: number;
    /** How often new notifications are fanned out and queued; 1 s by default. */
    relayEveryMs?: number;
  };
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningWorker {
  deps: LoopDeps;
  timerQueue: Queue<OfferTimerJob>;
  emailQueue: Queue<EmailJob>;
  importQueue: Queue<ImportJob>;
  /** Gives every queued or interrupted import its job again (Redis may have lost it); how many. */
  restoreImportsNow(): Promise<number>;
  /** One reconciler pass now; `emailsRequeued` counts the unsettled email rows given a job again. */
  reconcileNow(): Promise<ReconcileReport & { emailsRequeued: number }>;
  /** Fans out and queues the notifications recorded so far, without waiting for the next tick. */
  relayNow(): Promise<{ fannedOut: number; queued: number }>;
  /** Finishes the jobs in hand, then closes every connection. */
  stop(): Promise<void>;
}

/**
 * One worker process's machinery: the timer worker, the reconciler on a BullMQ job scheduler
 * and their connections. Several can run at once, on several machines: BullMQ hands each job
 * to one of them and every job is safe to run twice.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  let stopping: Promise<void> | undefined;
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
  const emailQueue = new Queue<EmailJob>(EMAIL_QUEUE, { connection, prefix: options.prefix });
  const { email } = options;
  const mailer = email.smtpUrl ? createMailer(email.smtpUrl, email.from) : null;
  if (!mailer) log('email: SMTP_URL is not set; emails wait in the notification log');
  const relayNow = createNotificationRelay(database.db, mailer ? emailQueue : null, email.retryBaseMs);
  const reconcileNow = async () => {
    const report = await reconcile(deps, timerQueue);
    const emailsRequeued = mailer
      ? await restoreEmailJobs(database.db, emailQueue, clock.now(), email.retryBaseMs)
      : 0;
    return { ...report, emailsRequeued };
  };

  const timerWorker = new Worker<OfferTimerJob>(TIMER_QUEUE, offerTimerProcessor(deps), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.stalledMs,
    stalledInterval: options.stalledMs,
  });
  const maintenanceWorker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name === 'daily-digest') return { digests: await createDailyDigests(database.db, clock.now()) };
      const report = await reconcileNow();
      if (report.expired || report.routed || report.timersRestored) {
        log(`reconciler: ${JSON.stringify(report)}`);
      }
      return report;
    },
    { connection, prefix: options.prefix, concurrency: 1, lockDuration: 120_000 },
  );
  const emailWorker = mailer
    ? new Worker<EmailJob>(
        EMAIL_QUEUE,
        emailProcessor({ db: database.db, clock, mailer, publicUrl: email.publicUrl, secret: email.secret }),
        {
          connection,
          prefix: options.prefix,
          concurrency: Math.min(options.concurrency, 8),
          lockDuration: options.stalledMs,
          stalledInterval: options.stalledMs,
        },
      )
    : null;
  // Imports are long and heavy (a transaction of up to a minute): one or two at a time.
  const importQueue = new Queue<ImportJob>(IMPORT_QUEUE, { connection, prefix: options.prefix });
  const importWorker = new Worker<ImportJob>(IMPORT_QUEUE, importProcessor(deps), {
    connection,
    prefix: options.prefix,
    concurrency: Math.min(2, Math.max(1, Math.floor(options.concurrency / 4))),
    lockDuration: Math.max(options.stalledMs, 60_000),
    stalledInterval: Math.max(options.stalledMs, 60_000),
  });
  const restoreImportsNow = async () => {
    const ids = await importsAwaitingWork(database.db);
    if (ids.length > 0) await importQueue.addBulk(ids.map(importJobFor));
    return ids.length;
  };
  for (const queue of [timerQueue, maintenanceQueue, emailQueue, importQueue]) {
    queue.on('error', (error) => log(`queue ${queue.name}: ${error.message}`));
  }
  const workers = [timerWorker, maintenanceWorker, importWorker, ...(emailWorker ? [emailWorker] : [])];
  for (const worker of workers) {
    worker.on('failed', (job, error) => log(`job ${job?.id ?? '?'} failed: ${error.message}`));
    worker.on('error', (error) => log(`worker error: ${error.message}`));
  }
  const upsertSchedulers = () =>
    Promise.all([
      maintenanceQueue.upsertJobScheduler(
        'reconcile',
        { every: options.reconcileEveryMs },
        { name: 'reconcile', opts: { removeOnComplete: true, removeOnFail: 100 } },
      ),
      maintenanceQueue.upsertJobScheduler(
        'daily-digest',
        { pattern: `0 ${email.digestHourUtc} * * *`, tz: 'UTC' },
        { name: 'daily-digest', opts: { removeOnComplete: true, removeOnFail: 100 } },
      ),
    ]);
  await upsertSchedulers();

  // The relay runs in-process, not as a job, so that it keeps going when Redis lost every key;
  // it also puts the schedulers back, which a FLUSHALL would otherwise remove until a restart.
  let relayTimer: NodeJS.Timeout | undefined;
  let relayRunning: Promise<unknown> = Promise.resolve();
  let lastSchedulerCheck = Date.now();
  const relayTick = () => {
    relayRunning = (async () => {
      try {
        await relayNow();
        if (Date.now() - lastSchedulerCheck >= options.reconcileEveryMs) {
          lastSchedulerCheck = Date.now();
          await upsertSchedulers();
        }
      } catch (error) {
        log(`notification relay: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!stopping) relayTimer = setTimeout(relayTick, email.relayEveryMs ?? 1000);
    })();
  };
  relayTimer = setTimeout(relayTick, 0);

  // Postgres says which imports need a job; a job Redis lost is added again under its own id
  // (a no-op while it still exists), so an import never waits longer than one period.
  let importRestoreRunning: Promise<unknown> = Promise.resolve();
  const restoreImportsTick = () => {
    importRestoreRunning = restoreImportsNow().catch((error: unknown) =>
      log(`import jobs: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  restoreImportsTick();
  const importRestoreTimer = setInterval(restoreImportsTick, options.reconcileEveryMs);

  const stop = () =>
    (stopping ??= (async () => {
      clearTimeout(relayTimer);
      clearInterval(importRestoreTimer);
      await Promise.all([relayRunning, importRestoreRunning]);
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all([timers.close(), maintenanceQueue.close(), emailQueue.close(), importQueue.close()]);
      mailer?.close();
      connection.disconnect();
      await database.close();
    })());
  return { deps, timerQueue, emailQueue, importQueue, restoreImportsNow, reconcileNow, relayNow, stop };
}
