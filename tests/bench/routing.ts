import postgres from 'postgres';
import { Redis } from 'ioredis';
import { createDatabase } from '../../db/client';
import { systemClock } from '../../app/domain/clock';
import { BullTimerScheduler } from '../../app/domain/offers/timer-queue.server';
import { routeBatchAndSchedule } from '../../app/domain/routing/loop.server';
import { chunk, mapWithConcurrency } from '../../workers/concurrency';
import { createBenchDatabase, dropBenchDatabase, withDatabaseName } from './bench-database';
import { pgbenchInit, pgbenchTps } from './pgbench';
import { generateRoutingData } from './routing-data';

export interface RoutingBenchOptions {
  /** The Postgres server (any database on it); the bench makes its own databases there. */
  serverUrl: string;
  redisUrl: string;
  partners: number;
  opportunities: number;
  /** Routing lanes and pgbench clients: the same number on both sides. */
  clients: number;
  /** Leads per routing batch (ADR 006). */
  batch: number;
  /** pgbench's time, split in two halves: before the routing and after. */
  pgbenchSeconds: number;
  /** Route without queueing timers. */
  noTimers?: boolean;
  database?: string;
  pgbenchDatabase?: string;
  prefix?: string;
  /** Drop both databases at the end. */
  dropAfter?: boolean;
}

export interface RoutingBenchResult {
  partners: number;
  opportunities: number;
  offered: number;
  unroutable: number;
  clients: number;
  batch: number;
  seed_s: number;
  route_s: number;
  routed_per_s: number;
  pgbench_tps: number | null;
  pgbench_runs: number[];
  ratio: number | null;
}

/**
 * Routing throughput against pgbench's TPC-B-like transactions on the same server with the same
 * number of clients, in the same run: a fresh database of `partners` partners and
 * `opportunities` waiting leads, routed in batches the way the product routes a backlog
 * (imports, the reconciler). Goal: ratio ≥ 0.5.
 */
export async function measureRouting(options: RoutingBenchOptions): Promise<RoutingBenchResult> {
  const name = options.database ?? 'baton_bench_routing';
  const pgbenchDb = options.pgbenchDatabase ?? 'baton_bench_pgbench';
  const prefix = options.prefix ?? '{baton-bench}';
  const url = await createBenchDatabase(options.serverUrl, name);
  const database = createDatabase(url, { max: options.clients });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const timers = new BullTimerScheduler(redis, prefix, systemClock);
  const pgAdmin = postgres(options.serverUrl, { max: 1, onnotice: () => {} });
  try {
    const seedStarted = performance.now();
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await generateRoutingData(admin, options.partners, options.opportunities);
    await admin.end();
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    await timers.queue.obliterate({ force: true });
    const deps = {
      db: database.db,
      clock: systemClock,
      timers: options.noTimers ? { schedule: async () => {} } : timers,
    };
    const ids = (await database.client`SELECT id FROM opportunities WHERE status = 'new' ORDER BY id`).map(
      (r) => r.id as number,
    );

    // pgbench runs before and after the routing, and the two are averaged: this machine's speed
    // drifts, and a ratio is only fair when both sides saw the same conditions.
    await pgAdmin.unsafe(`DROP DATABASE IF EXISTS ${pgbenchDb} WITH (FORCE)`);
    await pgAdmin.unsafe(`CREATE DATABASE ${pgbenchDb}`);
    const pgbenchUrl = withDatabaseName(options.serverUrl, pgbenchDb);
    const hasPgbench = await pgbenchInit(pgbenchUrl);
    const tpsRuns: number[] = [];
    if (hasPgbench) tpsRuns.push(await pgbenchTps(pgbenchUrl, options.clients, options.pgbenchSeconds / 2));

    const started = performance.now();
    const results = (
      await mapWithConcurrency(chunk(ids, options.batch), options.clients, (batch) =>
        routeBatchAndSchedule(deps, batch),
      )
    ).flat();
    const routeSeconds = (performance.now() - started) / 1000;

    if (hasPgbench) tpsRuns.push(await pgbenchTps(pgbenchUrl, options.clients, options.pgbenchSeconds / 2));
    await pgAdmin.unsafe(`DROP DATABASE IF EXISTS ${pgbenchDb} WITH (FORCE)`);
    const tps = hasPgbench ? tpsRuns.reduce((a, b) => a + b, 0) / tpsRuns.length : null;
    const routedPerSecond = ids.length / routeSeconds;
    return {
      partners: options.partners,
      opportunities: ids.length,
      offered: results.filter((r) => r.kind === 'offered').length,
      unroutable: results.filter((r) => r.kind === 'unroutable').length,
      clients: options.clients,
      batch: options.batch,
      seed_s: Number(seedSeconds.toFixed(1)),
      route_s: Number(routeSeconds.toFixed(1)),
      routed_per_s: Math.round(routedPerSecond),
      pgbench_tps: tps === null ? null : Math.round(tps),
      pgbench_runs: tpsRuns.map(Math.round),
      ratio: tps === null ? null : Number((routedPerSecond / tps).toFixed(2)),
    };
  } finally {
    await timers.queue.obliterate({ force: true }).catch(() => {});
    await timers.close();
    redis.disconnect();
    await database.close();
    await pgAdmin.end();
    if (options.dropAfter) {
      await dropBenchDatabase(options.serverUrl, pgbenchDb);
      await dropBenchDatabase(options.serverUrl, name);
    }
  }
}
