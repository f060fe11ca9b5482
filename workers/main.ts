import { ConfigError, parseEnv, workerEmailOptions } from '../app/utils/env.server';
import { surviveLostDatabaseConnections } from '../app/utils/connection-loss.server';
import { startWorker } from './start-worker';

// A Postgres connection lost at the wrong moment must not end the worker (see connection-loss.ts).
surviveLostDatabaseConnections();

/** `npm run worker`: one worker process. Run as many as you like, on as many machines. */
try {
  const env = parseEnv();
  const worker = await startWorker({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    prefix: env.REDIS_PREFIX,
    concurrency: env.WORKER_CONCURRENCY,
    reconcileEveryMs: env.RECONCILE_EVERY_MS,
    stalledMs: env.WORKER_STALLED_MS,
    email: workerEmailOptions(env),
  });
  console.log(`worker ${process.pid} running (concurrency ${env.WORKER_CONCURRENCY})`);
  const shutdown = (signal: string) => {
    console.log(`worker ${process.pid}: ${signal}, finishing the jobs in hand`);
    void worker.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
