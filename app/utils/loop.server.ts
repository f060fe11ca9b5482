import { Redis } from 'ioredis';
import { systemClock } from '../domain/clock';
import { BullTimerScheduler } from '../domain/offers/timer-queue.server';
import type { LoopDeps } from '../domain/routing/loop.server';
import { database } from './db.server';
import { env } from './env.server';
import { shutdownLeftToCaller } from './shutdown.server';

interface TimerHandle {
  connection: Redis;
  scheduler: BullTimerScheduler;
}

// One Redis connection per process, kept on globalThis for the same reason as the database
// pool: Vite's dev server re-imports changed modules, and each import would otherwise leak one.
const processWide = globalThis as typeof globalThis & {
  batonTimers?: TimerHandle;
  batonTimersCloseOnShutdown?: boolean;
};

function timers(): BullTimerScheduler {
  if (!processWide.batonTimers) {
    const { REDIS_URL, REDIS_PREFIX } = env();
    // A web request only adds jobs. If Redis is away the add fails after a couple of retries
    // instead of holding the request: the offer is already in Postgres and the reconciler
    // gives it its timer (see scheduleTimers).
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    connection.on('error', (error) => console.error('[loop] redis:', error.message));
    processWide.batonTimers = {
      connection,
      scheduler: new BullTimerScheduler(connection, REDIS_PREFIX, systemClock),
    };
    closeOnShutdown();
  }
  return processWide.batonTimers.scheduler;
}

/**
 * What the web process hands the routing loop: the shared database pool, the real clock and
 * the offer timers in Redis. Built on first use, so pages that never answer an offer never
 * open a Redis connection.
 */
export function loopDeps(): LoopDeps {
  return { db: database(), clock: systemClock, timers: timers() };
}

/** Closes the timer queue and its connection (tests, shutdown); the next `loopDeps()` opens new ones. */
export async function closeLoop(): Promise<void> {
  const handle = processWide.batonTimers;
  processWide.batonTimers = undefined;
  if (!handle) return;
  await handle.scheduler.close();
  handle.connection.disconnect();
}

// An open Redis connection keeps the event loop alive just like the pool does (see db.server).
function closeOnShutdown() {
  if (processWide.batonTimersCloseOnShutdown || shutdownLeftToCaller()) return;
  processWide.batonTimersCloseOnShutdown = true;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handledElsewhere = process.listenerCount(signal) > 0;
    process.once(signal, () => {
      void closeLoop().finally(() => {
        if (!handledElsewhere) process.kill(process.pid, signal);
      });
    });
  }
}
