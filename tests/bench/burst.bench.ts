import { ensurePostgres, ensureRedis } from '../../db/local-services';
import { measureBurst } from './burst';
import { cleanUpProcesses } from './processes';

/**
 * `npm run bench:burst`: BENCH_BURST (default 100,000) pending offers sharing one deadline, each
 * with its timer job in Redis, and BENCH_WORKERS real worker processes (`npm run worker`,
 * concurrency BENCH_CONCURRENCY). Measures the time from the deadline until every lead of the
 * burst is offered to its next partner (or unroutable). Goal: within 2 minutes.
 * Gives up after BENCH_TIMEOUT_S; the invariant checker runs before the burst and after.
 * `npm run bench` measures the same with tests/bench/burst.ts, among every other figure.
 */
const BURST = Number(process.env.BENCH_BURST ?? 100_000);
const server = await ensurePostgres('.data/bench', 'postgres');
const redisServer = await ensureRedis('.data/bench');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUpProcesses().finally(() => process.exit(130)));
}
try {
  const result = await measureBurst({
    serverUrl: server.url,
    redisUrl: redisServer.url,
    burst: BURST,
    partners: Number(process.env.BENCH_PARTNERS ?? 10_000),
    workers: Number(process.env.BENCH_WORKERS ?? 2),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
    timeoutS: Number(process.env.BENCH_TIMEOUT_S ?? 300),
    reconcileEveryMs: Number(process.env.BENCH_RECONCILE_EVERY_MS ?? 30_000),
    leadMs: Number(process.env.BENCH_LEAD_MS ?? 15_000 + BURST * 0.15),
    room: Number(process.env.BENCH_ROOM ?? 100_000),
    log: (line) => console.log(JSON.stringify({ bench: 'burst', ...line })),
  });
  console.log(JSON.stringify({ bench: 'burst', ...result }));
  if (result.invariant_violations > 0 || result.timed_out) process.exitCode = 1;
} finally {
  await cleanUpProcesses();
  await redisServer.stop();
  await server.stop();
}
