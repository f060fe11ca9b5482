import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { burstOutcome, countExpiredEvents, countPending, prepareExpiryBurst } from '../support/expiry-burst';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';
import { eventually, spawnWorker, waitForExit } from '../support/worker-process';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const workerEnv = (prefix: string, concurrency: number) => ({
  DATABASE_URL: database.url,
  REDIS_URL: inject('redisUrl'),
  REDIS_PREFIX: prefix,
  WORKER_CONCURRENCY: String(concurrency),
  // A killed worker's jobs are taken over after this long.
  WORKER_STALLED_MS: '2000',
  RECONCILE_EVERY_MS: '2000',
});

async function started(worker: ReturnType<typeof spawnWorker>) {
  await eventually(async () => worker.output.join('').includes('running'), 30_000, 'the worker to start');
}

describe('worker processes', () => {
  it('a worker killed with SIGKILL mid-burst leaves its work to a second worker, and nothing is done twice', async () => {
    const prefix = testRedisPrefix();
    const burst = await prepareExpiryBurst(database, prefix, 2000, 4000);
    try {
      const first = spawnWorker(workerEnv(prefix, 4));
      await started(first);
      await eventually(
        async () => (await countExpiredEvents(database, burst.offerIds)) >= 50,
        60_000,
        'expiries to begin',
      );
      first.kill('SIGKILL');
      await waitForExit(first);
      const doneByFirst = await countExpiredEvents(database, burst.offerIds);
      expect(doneByFirst).toBeLessThan(burst.offerIds.length);

      const second = spawnWorker(workerEnv(prefix, 16));
      await eventually(
        async () => (await countPending(database, burst.offerIds)) === 0,
        120_000,
        'every offer to expire',
      );
      second.kill('SIGTERM');
      await waitForExit(second);
      expect(second.exitCode).toBe(0);

      const outcome = await burstOutcome(database, burst.offerIds);
      expect(outcome).toEqual({
        expired_offers: 2000,
        expired_events: 2000,
        offers_with_two_outcomes: 0,
        leads: 2000,
        leads_with_one_new_offer: 2000,
        partners_with_wrong_load: 0,
      });
    } finally {
      await burst.close();
    }
  });

  it('three workers over 5,000 offers expiring together resolve each offer exactly once', async () => {
    const prefix = testRedisPrefix();
    const burst = await prepareExpiryBurst(database, prefix, 5000, 8000);
    try {
      const workers = [0, 1, 2].map(() => spawnWorker(workerEnv(prefix, 16)));
      await Promise.all(workers.map(started));
      await eventually(
        async () => (await countPending(database, burst.offerIds)) === 0,
        180_000,
        'every offer to expire',
      );
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map(waitForExit));

      const outcome = await burstOutcome(database, burst.offerIds);
      expect(outcome).toEqual({
        expired_offers: 5000,
        expired_events: 5000,
        offers_with_two_outcomes: 0,
        leads: 5000,
        leads_with_one_new_offer: 5000,
        partners_with_wrong_load: 0,
      });
      // The work really was shared: more than one process expired offers.
      const busy = workers.filter((w) => w.exitCode === 0);
      expect(busy).toHaveLength(3);
    } finally {
      await burst.close();
    }
  });
});
