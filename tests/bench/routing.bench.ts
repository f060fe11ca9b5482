import { ensurePostgres, ensureRedis } from '../../db/local-services';
import { measureRouting } from './routing';

/**
 * `npm run bench:routing`: routing throughput against pgbench's TPC-B-like transactions on the
 * same server with the same number of clients, in the same run. Goal: ratio ≥ 0.5.
 * `npm run bench` measures the same with tests/bench/routing.ts, among every other figure.
 */
const server = await ensurePostgres('.data/bench', 'postgres');
const redisServer = await ensureRedis('.data/bench');
try {
  const result = await measureRouting({
    serverUrl: server.url,
    redisUrl: redisServer.url,
    partners: Number(process.env.BENCH_PARTNERS ?? 10_000),
    opportunities: Number(process.env.BENCH_OPPORTUNITIES ?? 100_000),
    clients: Number(process.env.BENCH_CLIENTS ?? 8),
    batch: Number(process.env.BENCH_BATCH ?? 50),
    pgbenchSeconds: Number(process.env.BENCH_PGBENCH_SECONDS ?? 40),
    noTimers: Boolean(process.env.BENCH_NO_TIMERS),
  });
  console.log(JSON.stringify({ bench: 'routing', ...result }));
} finally {
  await redisServer.stop();
  await server.stop();
}
