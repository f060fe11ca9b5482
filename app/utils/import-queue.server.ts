import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { IMPORT_QUEUE, importJobFor, type ImportJob } from '../domain/imports/import-queue.server';
import { env } from './env.server';
import { shutdownLeftToCaller } from './shutdown.server';

interface ImportQueueHandle {
  connection: Redis;
  queue: Queue<ImportJob>;
}

// One queue and Redis connection per process, on globalThis like the timers in loop.server:
// Vite's dev server re-imports changed modules, and each import would otherwise leak one.
const processWide = globalThis as typeof globalThis & {
  batonImportQueue?: ImportQueueHandle;
  batonImportQueueClosesOnShutdown?: boolean;
};

function importQueue(): Queue<ImportJob> {
  if (!processWide.batonImportQueue) {
    const { REDIS_URL, REDIS_PREFIX } = env();
    // A web request only adds a job; with Redis away it fails fast instead of hanging, and the
    // worker's periodic restore gives the queued import its job (see restoreImportsNow).
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    connection.on('error', (error) => console.error('[imports] redis:', error.message));
    processWide.batonImportQueue = {
      connection,
      queue: new Queue<ImportJob>(IMPORT_QUEUE, { connection, prefix: REDIS_PREFIX }),
    };
    closeOnShutdown();
  }
  return processWide.batonImportQueue.queue;
}

/**
 * Hands an import to the workers. The import is already `queued` in Postgres; if Redis cannot
 * take the job now, the worker's restore adds it within one reconciler period.
 */
export async function enqueueImport(importId: number): Promise<void> {
  const job = importJobFor(importId);
  try {
    await importQueue().add(job.name, job.data, job.opts);
  } catch (error) {
    console.error(`[imports] could not queue import ${importId}; the worker will pick it up:`, error);
  }
}

/** Closes the queue and its connection (tests, shutdown). */
export async function closeImportQueue(): Promise<void> {
  const handle = processWide.batonImportQueue;
  processWide.batonImportQueue = undefined;
  if (!handle) return;
  await handle.queue.close();
  handle.connection.disconnect();
}

function closeOnShutdown() {
  if (processWide.batonImportQueueClosesOnShutdown || shutdownLeftToCaller()) return;
  processWide.batonImportQueueClosesOnShutdown = true;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handledElsewhere = process.listenerCount(signal) > 0;
    process.once(signal, () => {
      void closeImportQueue().finally(() => {
        if (!handledElsewhere) process.kill(process.pid, signal);
      });
    });
  }
}
