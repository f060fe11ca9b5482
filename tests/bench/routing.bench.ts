import postgres from 'postgres';
import { Redis } from 'ioredis';
import { createDatabase } from '../../db/client';
import { ensureRedis } from '../../db/local-services';
import { systemClock } from '../../app/domain/clock';
import { BullTimerScheduler } from '../../app/domain/offers/timer-queue.server';
import { routeBatchAndSchedule } from '../../app/domain/routing/loop.server';
import { chunk, mapWithConcurrency } from '../../workers/concurrency';
import { freshBenchDatabase, withDatabaseName } from './bench-database';
import { pgbenchInit, pgbenchTps } from './pgbench';
import { generateRoutingData } from './routing-data';

/**
 * `npm run bench:routing`: routing throughput against pgbench's TPC-B-like transactions on the
 * same server with the same number of clients, in the same run. Goal: ratio ≥ 0.5.
 */
const PARTNERS = Number(process.env.BENCH_PARTNERS ?? 10_000);
const OPPORTUNITIES = Number(process.env.BENCH_OPPORTUNITIES ?? 100_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const PGBENCH_SECONDS = Number(process.env.BENCH_PGBENCH_SECONDS ?? 40);

const { url, server, serverUrl } = await freshBenchDatabase('baton_bench_routing');
const redisServer = await ensureRedis('.data/bench');
const database = createDatabase(url, { max: CLIENTS });
const seedStarted = performance.now();
const admin = postgres(url, { max: 1, onnotice: () => {} });
await generateRoutingData(admin, PARTNERS, OPPORTUNITIES);
await admin.end();
const seedSeconds = (performance.now() - seedStarted) / 1000;

const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
const timers = new BullTimerScheduler(redis, '{baton-bench}', systemClock);
await timers.queue.obliterate({ force: true });
const deps = {
  db: database.db,
  clock: systemClock,
  timers: process.env.BENCH_NO_TIMERS ? { schedule: async () => {} } : timers,
};
const ids = (await database.client`SELECT id FROM opportunities WHERE status = 'new' ORDER BY id`).map(
  (r) => r.id as number,
);

// pgbench runs before and after the routing, and the two are averaged: this machine's speed
// drifts, and a ratio is only fair when both sides saw the same conditions.
const pgbenchDb = 'baton_bench_pgbench';
const pgAdmin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await pgAdmin.unsafe(`DROP DATABASE IF EXISTS ${pgbenchDb} WITH (FORCE)`);
await pgAdmin.unsafe(`CREATE DATABASE ${pgbenchDb}`);
const pgbenchUrl = withDatabaseName(serverUrl, pgbenchDb);
const hasPgbench = await pgbenchInit(pgbenchUrl);
const tpsRuns: number[] = [];
if (hasPgbench) tpsRuns.push(await pgbenchTps(pgbenchUrl, CLIENTS, PGBENCH_SECONDS / 2));

const started = performance.now();
// A backlog is routed the way the product routes one (imports, the reconciler): in batches.
const results = (
  await mapWithConcurrency(chunk(ids, BATCH), CLIENTS, (batch) => routeBatchAndSchedule(deps, batch))
).flat();
const routeSeconds = (performance.now() - started) / 1000;
const offered = results.filter((r) => r.kind === 'offered').length;

if (hasPgbench) tpsRuns.push(await pgbenchTps(pgbenchUrl, CLIENTS, PGBENCH_SECONDS / 2));
await pgAdmin.unsafe(`DROP DATABASE IF EXISTS ${pgbenchDb} WITH (FORCE)`);
await pgAdmin.end();
const tps = hasPgbench ? tpsRuns.reduce((a, b) => a + b, 0) / tpsRuns.length : null;

const routedPerSecond = ids.length / routeSeconds;
console.log(
  JSON.stringify({
    bench: 'routing',
    partners: PARTNERS,
    opportunities: ids.length,
    offered,
    unroutable: results.filter((r) => r.kind === 'unroutable').length,
    clients: CLIENTS,
    batch: BATCH,
    seed_s: Number(seedSeconds.toFixed(1)),
    routed_per_s: Math.round(routedPerSecond),
    pgbench_tps: tps === null ? null : Math.round(tps),
    pgbench_runs: tpsRuns.map(Math.round),
    ratio: tps === null ? null : Number((routedPerSecond / tps).toFixed(2)),
  }),
);
await timers.queue.obliterate({ force: true });
await timers.close();
redis.disconnect();
await database.close();
await redisServer.stop();
await server.stop();
