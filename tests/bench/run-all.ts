import os from 'node:os';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { ensurePostgres, ensureRedis } from '../../db/local-services';
import { deleteKeys, measureBurst, type BurstBenchResult } from './burst';
import {
  measureLateness,
  reconcilerPassWatch,
  scheduleEveryPendingTimer,
  type LatenessResult,
  type RedisMemoryResult,
} from './deadlines';
import {
  checkPages,
  createBenchUsers,
  endBenchSessions,
  runHttpLoad,
  type HttpLoadResult,
  type LatencyStats,
} from './http-load';
import {
  cleanUpProcesses,
  MemoryWatch,
  sleep,
  spawnWorker,
  startWebServer,
  stopChild,
  waitForOutput,
  type BenchChild,
  type WebServer,
} from './processes';
import { prepareQueueDatabase, type QueueDatabaseBuild } from './queue-database';
import {
  failedFigures,
  figure,
  formatGoal,
  formatMet,
  formatNumber,
  formatValue,
  ResultsFile,
  table,
  type Figure,
} from './results';
import { measureRouting, type RoutingBenchResult } from './routing';

/**
 * `npm run bench`: every figure of the design's "Scale and speed" in one run, on this machine.
 *
 * 1. The data set: 10,000 partners, 1,000,000 opportunities in every state with ~200,000
 *    pending offers (tests/bench/queue-data.ts, set-based, a few minutes), in its own database.
 * 2. Redis memory per pending offer: every pending offer gets its timer job.
 * 3. Deadline lateness: two real worker processes; offers whose deadlines come 200 a second.
 * 4. Pages: the production web server (`npm start`), 50 signed-in users at once on the inbox
 *    and the routing queue (autocannon).
 * 5. Routing against pgbench (tests/bench/routing.ts, a database of its own).
 * 6. A burst of 100,000 offers sharing one deadline (tests/bench/burst.ts, a database of its own).
 *
 * Each figure is one JSON line, printed and appended to bench/results.jsonl; bench/RESULTS.md is
 * rewritten at the end. Knobs (environment): BENCH_ONLY (lateness,http,routing,burst),
 * BENCH_OPPORTUNITIES, BENCH_DATABASE, BENCH_REUSE=1, BENCH_CHECK_INVARIANTS=0, BENCH_WORKERS,
 * BENCH_CONCURRENCY, BENCH_LATENESS_RATE, BENCH_LATENESS_SECONDS, BENCH_HTTP_USERS,
 * BENCH_HTTP_SECONDS, BENCH_HTTP_PACED_SECONDS, BENCH_BUILD=1, BENCH_ROUTING_OPPORTUNITIES,
 * BENCH_CLIENTS, BENCH_BATCH, BENCH_PGBENCH_SECONDS, BENCH_BURST, BENCH_BURST_TIMEOUT_S,
 * BENCH_PARTNERS. Every child process is stopped at the end, on failure and on Ctrl-C.
 */
const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
  return value;
};
const OPPORTUNITIES = knob('BENCH_OPPORTUNITIES', 1_000_000);
const DATABASE = process.env.BENCH_DATABASE ?? 'baton_bench';
if (!/^[a-z_][a-z0-9_]*$/.test(DATABASE)) throw new Error('BENCH_DATABASE must be a plain lower-case name');
const REUSE = process.env.BENCH_REUSE === '1';
const CHECK_INVARIANTS = process.env.BENCH_CHECK_INVARIANTS !== '0';
const PARTNERS = knob('BENCH_PARTNERS', 10_000);
const WORKERS = knob('BENCH_WORKERS', 2);
const CONCURRENCY = knob('BENCH_CONCURRENCY', 8);
const LATENESS_RATE = knob('BENCH_LATENESS_RATE', 200);
const LATENESS_SECONDS = knob('BENCH_LATENESS_SECONDS', 45);
const LATENESS_WARMUP_S = knob('BENCH_LATENESS_WARMUP_S', 5);
const HTTP_USERS = knob('BENCH_HTTP_USERS', 50);
const HTTP_SECONDS = knob('BENCH_HTTP_SECONDS', 30);
const HTTP_PACED_SECONDS = knob('BENCH_HTTP_PACED_SECONDS', 20);
const ROUTING_OPPORTUNITIES = knob('BENCH_ROUTING_OPPORTUNITIES', 50_000);
const CLIENTS = knob('BENCH_CLIENTS', 8);
const BATCH = knob('BENCH_BATCH', 50);
const PGBENCH_SECONDS = knob('BENCH_PGBENCH_SECONDS', 40);
const BURST = knob('BENCH_BURST', 100_000);
const BURST_TIMEOUT_S = knob('BENCH_BURST_TIMEOUT_S', 480);
const PHASES = ['lateness', 'http', 'routing', 'burst'] as const;
type Phase = (typeof PHASES)[number];
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? PHASES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const name of ONLY) {
  if (!PHASES.includes(name as Phase))
    throw new Error(`BENCH_ONLY: unknown phase ${name} (${PHASES.join(', ')})`);
}
const PREFIX = '{baton-bench-run}';
const ROUTING_PREFIX = '{baton-bench-run-routing}';
const BURST_PREFIX = '{baton-bench-run-burst}';
const WEB_SECRET = 'baton-bench-secret-for-the-production-build';

const run = promisify(execFile);
const round1 = (value: number) => Math.round(value * 10) / 10;
const loadNow = () => os.loadavg().map(round1);
const say = (line: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'run', ...line }));

const runStarted = new Date();
const loadAtStart = loadNow();
const server = await ensurePostgres('.data/bench', 'postgres');
const redisService = await ensureRedis('.data/bench');
const sharedRedis = Boolean(process.env.REDIS_URL);
const machine = await machineInfo();
const results = new ResultsFile('bench', { run: runStarted.toISOString(), commit: machine.commit });
const memory = new MemoryWatch(1000);
memory.start();

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`bench: ${signal}, stopping every process it started`);
    void cleanUpProcesses().finally(() => process.exit(130));
  });
}

interface PhaseRecord {
  name: string;
  seconds: number;
  load_start: number[];
  load_end: number[];
  error?: string;
}
const phaseRecords: PhaseRecord[] = [];
let failures = 0;

/** Runs one phase; a failure is recorded (its figures unmeasured) and the run goes on. */
async function phase(
  name: string,
  work: () => Promise<void>,
  onFailure: (error: unknown) => Figure[] = () => [],
): Promise<boolean> {
  const started = performance.now();
  const record: PhaseRecord = { name, seconds: 0, load_start: loadNow(), load_end: [] };
  say({ phase: name, step: 'start', load: record.load_start });
  let ok = true;
  try {
    await work();
  } catch (error) {
    if (interrupted) throw error;
    ok = false;
    failures++;
    record.error = error instanceof Error ? error.message : String(error);
    console.error(`bench: phase ${name} failed:`, error);
    results.add(...onFailure(error));
    await cleanUpProcesses();
  }
  record.seconds = round1((performance.now() - started) / 1000);
  record.load_end = loadNow();
  phaseRecords.push(record);
  say({ phase: name, step: 'end', seconds: record.seconds, load: record.load_end, ok });
  return ok;
}

// What each phase measured, for RESULTS.md.
let dataUrl: string | null = null;
let dataBuild: QueueDatabaseBuild | null = null;
let dataStats: Record<string, unknown> | null = null;
let redisMemory: RedisMemoryResult | null = null;
let lateness: LatenessResult | null = null;
let httpClosed: HttpLoadResult | null = null;
let httpPaced: HttpLoadResult | null = null;
let pageBytes: Record<string, number> | null = null;
let inboxSizes = '';
let routing: RoutingBenchResult | null = null;
let burst: BurstBenchResult | null = null;
let buildNote = '';
const dataWorkers: BenchChild[] = [];
let dataWorkersStopped = false;
async function stopDataWorkers() {
  if (dataWorkersStopped) return;
  dataWorkersStopped = true;
  memory.sample();
  await Promise.all(dataWorkers.map((w) => stopChild(w)));
  const workerErrors = dataWorkers.reduce((sum, w) => sum + w.errorLines, 0);
  if (workerErrors > 0) {
    console.error(`workers logged ${workerErrors} error lines; the last output:`);
    for (const w of dataWorkers) console.error(w.output.join('').slice(-1500));
  }
}
const forgetDataWorkers = memory.watch('worker', () => dataWorkers.map((w) => w.pid!));

const LATENESS_FIGURES = [
  {
    name: 'redis_bytes_per_pending_offer',
    label: 'Redis memory per pending offer (design: about 1 KB)',
    unit: 'B',
    goal: null,
  },
  {
    name: 'deadline_lateness_p50_ms',
    label: 'Deadline lateness p50 at 200 expiries/s',
    unit: 'ms',
    goal: null,
  },
  {
    name: 'deadline_lateness_p99_ms',
    label: 'Deadline lateness p99 at 200 expiries/s',
    unit: 'ms',
    goal: { op: '<=' as const, value: 250 },
  },
];
const httpFigureNames = (paced: boolean) =>
  (['inbox', 'queue'] as const).flatMap((page) =>
    (['p50', 'p95', 'p99', 'errors'] as const).map((stat) => ({
      name: `http_${page}${paced ? '_paced' : ''}_${stat}${stat === 'errors' ? '' : '_ms'}`,
      label: httpLabel(page, stat, paced),
      unit: stat === 'errors' ? 'count' : 'ms',
      goal:
        stat === 'p95'
          ? { op: '<=' as const, value: 100 }
          : stat === 'errors'
            ? { op: '<=' as const, value: 0 }
            : null,
    })),
  );

try {
  if (ONLY.has('lateness') || ONLY.has('http')) {
    const ok = await phase(
      'data',
      async () => {
        const prepared = await prepareQueueDatabase({
          serverUrl: server.url,
          name: DATABASE,
          opportunities: OPPORTUNITIES,
          reuse: REUSE,
          check: CHECK_INVARIANTS,
        });
        dataUrl = prepared.url;
        dataBuild = prepared.build;
        dataStats = await statsOf(prepared.url);
        say({ phase: 'data', reused: prepared.build === null, ...prepared.build, ...dataStats });
      },
      (error) =>
        failedFigures(
          [
            ...(ONLY.has('lateness') ? LATENESS_FIGURES : []),
            ...(ONLY.has('http') ? httpFigureNames(false) : []),
          ],
          error,
        ),
    );

    if (ok && dataUrl) {
      const url: string = dataUrl;
      await phase(
        'timers',
        async () => {
          redisMemory = await scheduleEveryPendingTimer({
            url,
            redisUrl: redisService.url,
            prefix: PREFIX,
            sharedRedis,
          });
          say({ phase: 'timers', ...redisMemory });
          results.add(
            figure(
              'redis_bytes_per_pending_offer',
              'Redis memory per pending offer (design: about 1 KB)',
              redisMemory.bytes_per_offer,
              'B',
              null,
              {
                key_bytes_per_offer: redisMemory.key_bytes_per_offer,
                delayed_jobs: redisMemory.delayed_jobs,
                gib_per_million: redisMemory.gib_per_million,
                shared_redis: sharedRedis,
              },
            ),
          );
          const reconciled = reconcilerPassWatch(redisService.url, PREFIX);
          await reconciled.ready();
          for (let i = 0; i < WORKERS; i++) {
            dataWorkers.push(
              spawnWorker(`worker ${i + 1}`, {
                DATABASE_URL: url,
                REDIS_URL: redisService.url,
                REDIS_PREFIX: PREFIX,
                WORKER_CONCURRENCY: String(CONCURRENCY),
              }),
            );
          }
          try {
            await Promise.all(dataWorkers.map((w) => waitForOutput(w, 'running', 60_000)));
            // The first reconciler pass checks every pending offer's timer: let it finish.
            const passed = await reconciled.wait(180_000);
            say({ phase: 'timers', first_reconciler_pass: passed ? 'done' : 'not done after 180 s' });
          } finally {
            await reconciled.close();
          }
          await sleep(2000);
        },
        (error) => failedFigures(LATENESS_FIGURES, error),
      );

      if (ONLY.has('lateness') && dataWorkers.length > 0) {
        await phase(
          'lateness',
          async () => {
            lateness = await measureLateness({
              url,
              redisUrl: redisService.url,
              prefix: PREFIX,
              rate: LATENESS_RATE,
              seconds: LATENESS_SECONDS,
              warmupS: LATENESS_WARMUP_S,
              leadMs: 10_000,
              drainS: 60,
              log: (line) => say({ phase: 'lateness', ...line }),
            });
            say({ phase: 'lateness', ...lateness });
            const details = {
              rate_per_s: lateness.rate_per_s,
              offers: lateness.offers,
              expired: lateness.expired,
              max_ms: lateness.late_ms_max,
              achieved_per_s: lateness.achieved_per_s,
              workers: WORKERS,
              concurrency: CONCURRENCY,
            };
            const allExpired = lateness.expired === lateness.offers;
            results.add(
              figure(
                'deadline_lateness_p50_ms',
                LATENESS_FIGURES[1]!.label,
                lateness.late_ms_p50,
                'ms',
                null,
                details,
              ),
              {
                ...figure(
                  'deadline_lateness_p99_ms',
                  LATENESS_FIGURES[2]!.label,
                  lateness.late_ms_p99,
                  'ms',
                  {
                    op: '<=',
                    value: 250,
                  },
                  details,
                ),
                ...(allExpired
                  ? {}
                  : { met: false, error: `${lateness.offers - lateness.expired} offers not expired` }),
              },
            );
          },
          (error) => failedFigures(LATENESS_FIGURES.slice(1), error),
        );
      }

      // The workers stop before the pages are measured: their pools (up to concurrency + 4
      // connections each) and the web server's must fit in the server's max_connections, which
      // other users of a shared Postgres need too.
      await stopDataWorkers();

      if (ONLY.has('http')) {
        let web: WebServer | null = null;
        let forgetWeb = (): void => {};
        await phase(
          'http',
          async () => {
            buildNote = await ensureBuild();
            const users = await createBenchUsers(url, {
              reps: Math.ceil(HTTP_USERS / 2),
              managers: Math.floor(HTTP_USERS / 2),
            });
            const pending = users.flatMap((u) => (u.pendingOffers === null ? [] : [u.pendingOffers]));
            inboxSizes = `${formatNumber(Math.min(...pending))} to ${formatNumber(Math.max(...pending))} pending offers each`;
            web = await startWebServer({
              DATABASE_URL: url,
              REDIS_URL: redisService.url,
              REDIS_PREFIX: PREFIX,
              NODE_ENV: 'production',
              APP_SECRET: WEB_SECRET,
            });
            const started: WebServer = web;
            forgetWeb = memory.watch('web', () => started.serverPids());
            // Twice: the first pass compiles and caches what the first requests need.
            const serverLog = () => started.child.output.join('');
            await checkPages(started.url, users, serverLog);
            pageBytes = await checkPages(started.url, users, serverLog);
            httpClosed = await runHttpLoad(started.url, users, {
              seconds: HTTP_SECONDS,
              serverPids: started.serverPids,
            });
            say({ phase: 'http', mode: 'closed', ...httpClosed, paths: undefined });
            results.add(...httpFigures(httpClosed, false));
            if (HTTP_PACED_SECONDS > 0) {
              // The stress run's last requests are still being answered when it closes its
              // connections: let the server drain them, or they would delay the first paced ones.
              await sleep(5000);
              httpPaced = await runHttpLoad(started.url, users, {
                seconds: HTTP_PACED_SECONDS,
                pagesPerSecond: 1,
                serverPids: started.serverPids,
              });
              say({ phase: 'http', mode: 'paced', ...httpPaced, paths: undefined });
              results.add(...httpFigures(httpPaced, true));
            }
            const errorLines = started.child.output
              .join('')
              .split('\n')
              .filter((l) => /error/i.test(l));
            if (errorLines.length > 0)
              console.error(`web server errors:\n${errorLines.slice(-10).join('\n')}`);
          },
          (error) => failedFigures(httpFigureNames(false), error),
        );
        if (web) {
          memory.sample();
          forgetWeb();
          await (web as WebServer).stop();
        }
        await endBenchSessions(url).catch(() => {});
      }
    }
    await stopDataWorkers();
    const redis = new Redis(redisService.url, { maxRetriesPerRequest: null });
    await deleteKeys(redis, `${PREFIX}:*`);
    redis.disconnect();
  }
  forgetDataWorkers();

  if (ONLY.has('routing')) {
    await phase(
      'routing',
      async () => {
        routing = await measureRouting({
          serverUrl: server.url,
          redisUrl: redisService.url,
          partners: PARTNERS,
          opportunities: ROUTING_OPPORTUNITIES,
          clients: CLIENTS,
          batch: BATCH,
          pgbenchSeconds: PGBENCH_SECONDS,
          database: 'baton_bench_run_routing',
          pgbenchDatabase: 'baton_bench_run_pgbench',
          prefix: ROUTING_PREFIX,
          dropAfter: true,
        });
        say({ phase: 'routing', ...routing });
        results.add(
          figure(
            'routing_vs_pgbench_ratio',
            'Routing throughput / pgbench TPC-B tps',
            routing.ratio,
            'ratio',
            { op: '>=', value: 0.5 },
            {
              routed_per_s: routing.routed_per_s,
              pgbench_tps: routing.pgbench_tps,
              pgbench_runs: routing.pgbench_runs,
              clients: routing.clients,
              opportunities: routing.opportunities,
              ...(routing.ratio === null ? { error: 'pgbench is not installed' } : {}),
            },
          ),
        );
      },
      (error) =>
        failedFigures(
          [
            {
              name: 'routing_vs_pgbench_ratio',
              label: 'Routing throughput / pgbench TPC-B tps',
              unit: 'ratio',
              goal: { op: '>=', value: 0.5 },
            },
          ],
          error,
        ),
    );
  }

  if (ONLY.has('burst')) {
    await phase(
      'burst',
      async () => {
        burst = await measureBurst({
          serverUrl: server.url,
          redisUrl: redisService.url,
          burst: BURST,
          partners: PARTNERS,
          workers: WORKERS,
          concurrency: CONCURRENCY,
          timeoutS: BURST_TIMEOUT_S,
          reconcileEveryMs: 30_000,
          room: 100_000,
          database: 'baton_bench_run_burst',
          prefix: BURST_PREFIX,
          memory,
          log: (line) => say({ phase: 'burst', ...line }),
          dropAfter: true,
        });
        say({ phase: 'burst', ...burst });
        results.add({
          ...figure(
            'burst_rerouted_s',
            `Burst of ${formatNumber(BURST)} offers: all expired and re-offered`,
            burst.seconds,
            's',
            { op: '<=', value: 120 },
            {
              burst: burst.burst,
              all_expired_s: burst.all_expired_s,
              rerouted_per_s: burst.rerouted_per_s,
              workers: burst.workers,
              concurrency: burst.concurrency,
              invariant_violations: burst.invariant_violations,
            },
          ),
          ...(burst.timed_out
            ? {
                error: `not done after ${BURST_TIMEOUT_S} s: ${formatNumber(burst.settled)} of ${formatNumber(burst.burst)} re-offered`,
              }
            : {}),
        });
      },
      (error) =>
        failedFigures(
          [
            {
              name: 'burst_rerouted_s',
              label: 'Burst: all expired and re-offered',
              unit: 's',
              goal: { op: '<=', value: 120 },
            },
          ],
          error,
        ),
    );
  }

  memory.stop();
  const web = memory.peak('web');
  const worker = memory.peak('worker');
  if (ONLY.has('http')) {
    results.add(
      figure(
        'web_peak_rss_mib',
        'Peak memory (RSS) of the web server process',
        web ? round1(web.peakMiB) : null,
        'MiB',
        null,
        {
          processes: web?.processes ?? 0,
        },
      ),
    );
  }
  if (ONLY.has('lateness') || ONLY.has('http') || ONLY.has('burst')) {
    results.add(
      figure(
        'worker_peak_rss_mib',
        'Peak memory (RSS) of one worker process',
        worker ? round1(worker.peakMiB) : null,
        'MiB',
        null,
        {
          processes: worker?.processes ?? 0,
          peak_sum_of_workers_mib: worker ? round1(worker.peakTotalRssMiB) : null,
        },
      ),
    );
  }
} finally {
  await cleanUpProcesses();
}

const loadAtEnd = loadNow();
const wallSeconds = (Date.now() - runStarted.getTime()) / 1000;
await results.writeMarkdown(markdown());
say({ step: 'done', wall_s: round1(wallSeconds), results: results.markdownPath, failures });
await redisService.stop();
await server.stop();
if (failures > 0) process.exitCode = 1;

// --- helpers --------------------------------------------------------------------------------------

function httpLabel(page: 'inbox' | 'queue', stat: string, paced: boolean) {
  const name = page === 'inbox' ? 'Reseller inbox' : 'Routing queue';
  const how = paced ? '50 users, 1 page/s each' : '50 users at once';
  return stat === 'errors' ? `${name}: errors and non-2xx (${how})` : `${name} ${stat} (${how})`;
}

function httpFigures(load: HttpLoadResult, paced: boolean): Figure[] {
  return (['inbox', 'queue'] as const).flatMap((page) => {
    const stats = load.pages[page];
    const details = {
      requests: stats.requests,
      per_s: stats.per_s,
      connections: load.connections,
      seconds: load.seconds,
      pages_per_second: load.pages_per_second,
      web_cpu_share: load.web_cpu_share,
      web_cpu_ms_per_page: load.web_cpu_ms_per_page,
      machine_cpu_busy: load.machine_cpu_busy,
    };
    const value = (v: number | null) => (stats.requests === 0 ? null : v);
    const name = (stat: string) => `http_${page}${paced ? '_paced' : ''}_${stat}`;
    return [
      figure(name('p50_ms'), httpLabel(page, 'p50', paced), value(stats.p50_ms), 'ms', null, details),
      figure(
        name('p95_ms'),
        httpLabel(page, 'p95', paced),
        value(stats.p95_ms),
        'ms',
        { op: '<=', value: 100 },
        details,
      ),
      figure(name('p99_ms'), httpLabel(page, 'p99', paced), value(stats.p99_ms), 'ms', null, {
        ...details,
        max_ms: stats.max_ms,
      }),
      figure(
        name('errors'),
        httpLabel(page, 'errors', paced),
        stats.errors + stats.non_2xx,
        'count',
        { op: '<=', value: 0 },
        {
          ...details,
          errors: stats.errors,
          non_2xx: stats.non_2xx,
        },
      ),
    ];
  });
}

/** What `npm start` runs, from package.json. */
function startScript(): string {
  try {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts?: Record<string, string> };
    return manifest.scripts?.start ?? '?';
  } catch {
    return '?';
  }
}

/** The newest modification time of the files the web build is made from. */
function newestSource(): number {
  let newest = 0;
  const visit = (entry: string) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) {
      for (const child of readdirSync(entry)) visit(path.join(entry, child));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of ['app', 'emails', 'db', 'public', 'vite.config.ts', 'package-lock.json']) visit(entry);
  return newest;
}

/**
 * Builds the production web app (`npx remix vite:build`) when there is none, when it is older
 * than its sources, or when BENCH_BUILD=1; says which build the pages were measured on.
 */
async function ensureBuild(): Promise<string> {
  const serverBuild = 'build/server/index.js';
  const stale = existsSync(serverBuild) && statSync(serverBuild).mtimeMs < newestSource();
  if (process.env.BENCH_BUILD === '1' || !existsSync(serverBuild) || stale) {
    say({ phase: 'http', step: 'npx remix vite:build', stale });
    const child = spawn('npx', ['remix', 'vite:build'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (data: Buffer) => {
      output = (output + data.toString()).slice(-5000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`npx remix vite:build failed (${code}):\n${output}`);
    return `built by this run${stale ? ', the existing one being older than its sources' : ''}`;
  }
  return `the existing build/ of ${statSync(serverBuild).mtime.toISOString().slice(0, 16)}Z, newer than its sources`;
}

async function statsOf(url: string): Promise<Record<string, unknown>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`
      SELECT
        (SELECT count(*)::int FROM partners) AS partners,
        (SELECT count(*)::int FROM customers) AS customers,
        (SELECT count(*)::int FROM opportunities) AS opportunities,
        (SELECT count(*)::int FROM offers) AS offers,
        (SELECT count(*)::int FROM offers WHERE status = 'pending') AS pending_offers,
        (SELECT count(*)::int FROM opportunity_events) AS events,
        (SELECT pg_size_pretty(pg_database_size(current_database()))) AS size`;
    const byStatus =
      await sql`SELECT status, count(*)::int AS n FROM opportunities GROUP BY status ORDER BY status`;
    return {
      ...row,
      by_status: Object.fromEntries(byStatus.map((r) => [r.status as string, r.n as number])),
    };
  } finally {
    await sql.end();
  }
}

async function machineInfo() {
  const text = async (command: string, args: string[]) => {
    try {
      return (await run(command, args)).stdout.trim();
    } catch {
      return null;
    }
  };
  const sql = postgres(server.url, { max: 1, onnotice: () => {} });
  const [pg] = await sql`SELECT current_setting('server_version') AS version`;
  await sql.end();
  const redis = new Redis(redisService.url, { maxRetriesPerRequest: null });
  const redisVersion = /^redis_version:(.+)$/m.exec(await redis.info('server'))?.[1]?.trim() ?? null;
  redis.disconnect();
  const status = await text('git', ['status', '--porcelain']);
  return {
    commit: (await text('git', ['rev-parse', '--short', 'HEAD'])) ?? 'unknown',
    dirty: status !== null && status.length > 0,
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: String(pg!.version),
    redis: redisVersion,
    pgbench: await text('pgbench', ['--version']),
  };
}

function markdown(): string {
  const f = results.figures;
  const lines: string[] = [];
  const date = runStarted.toISOString().replace('T', ' ').slice(0, 16);
  lines.push('# Benchmark results', '');
  lines.push(
    `Written by \`npm run bench\` (tests/bench/run-all.ts) on ${date} UTC; every run rewrites this file and appends`,
    'its figures to `bench/results.jsonl` (one JSON line each).',
    '',
  );
  lines.push(
    `- Commit: \`${machine.commit}\`${machine.dirty ? ' with uncommitted changes in the working tree' : ''}`,
    `- Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memory_gib} GiB; Node ${machine.node}; PostgreSQL ${machine.postgres}; Redis ${machine.redis ?? '?'}; ${machine.pgbench ?? 'no pgbench'}`,
    `- Postgres and Redis: ${process.env.DATABASE_URL ? 'the server of DATABASE_URL' : 'embedded Postgres'}, ${sharedRedis ? 'the Redis of REDIS_URL (shared with other clients)' : 'a private redis-server'}; everything on 127.0.0.1`,
    `- Load average (1, 5, 15 min): ${loadAtStart.join(', ')} at the start, ${loadAtEnd.join(', ')} at the end`,
    `- Wall time: ${formatNumber(round1(wallSeconds / 60))} min${ONLY.size < PHASES.length ? `; phases run: ${[...ONLY].join(', ')} (BENCH_ONLY)` : ''}`,
    '',
  );
  lines.push(
    '**The machine is shared and noisy**: other work (test suites, builds, other benches) may run on the same',
    `${machine.cores} cores during a run, and the load average above says how much. Single figures move by tens of`,
    'percent between runs; compare runs, not one number, and read the phase loads below.',
    '',
  );
  lines.push('## Figures', '');
  lines.push(
    table(
      ['figure', 'value', 'goal', 'met'],
      f.map((x) => [
        x.label + (x.error ? ` (${x.error.split('\n')[0]!.slice(0, 120)})` : ''),
        formatValue(x),
        formatGoal(x),
        formatMet(x),
      ]),
      ['l', 'r', 'l', 'l'],
    ),
    '',
  );
  const missed = f.filter((x) => x.met === false).map((x) => x.label);
  lines.push(
    missed.length === 0
      ? 'Every goal measured was met.'
      : `Goals missed: ${missed.length} of ${f.filter((x) => x.met !== null).length}.`,
    '',
  );

  lines.push('## Data set', '');
  if (dataStats) {
    const s = dataStats as Record<string, unknown> & { by_status: Record<string, number> };
    lines.push(
      `Database \`${DATABASE}\` (${s.size}), ${dataBuild ? `built by this run in ${formatNumber((dataBuild as QueueDatabaseBuild).build_s)} s (set-based INSERT … SELECT, tests/bench/queue-data.ts), invariants ${(dataBuild as QueueDatabaseBuild).invariants}, VACUUM ANALYZE ${formatNumber((dataBuild as QueueDatabaseBuild).vacuum_analyze_s)} s` : 'reused from an earlier run (BENCH_REUSE=1)'}:`,
      `${formatNumber(s.partners as number)} partners, ${formatNumber(s.customers as number)} customers, ${formatNumber(s.opportunities as number)} opportunities (${Object.entries(
        s.by_status,
      )
        .map(([k, v]) => `${k} ${formatNumber(v)}`)
        .join(
          ', ',
        )}), ${formatNumber(s.offers as number)} offers of which ${formatNumber(s.pending_offers as number)} pending, ${formatNumber(s.events as number)} timeline events.`,
      'Redis memory, lateness and pages are measured on it. Routing and the burst build their own databases',
      `(${formatNumber(PARTNERS)} partners each; see below), as \`npm run bench:routing\` and \`npm run bench:burst\` do.`,
      '',
    );
  } else lines.push('Not built in this run.', '');

  lines.push('## How each figure was measured', '');
  if (redisMemory) {
    const r = redisMemory as RedisMemoryResult;
    lines.push(
      `**Redis per pending offer.** Every pending offer (${formatNumber(r.pending_offers)}) got its timer job under a private prefix in ${formatNumber(r.schedule_s)} s`,
      `(${formatNumber(r.delayed_jobs)} timer jobs). INFO used_memory grew from ${formatNumber(r.used_memory_before)} to ${formatNumber(r.used_memory_after)} bytes:`,
      `${formatNumber(r.bytes_per_offer)} B per offer, ${formatNumber(r.gib_per_million)} GiB per million pending offers (the design allows about 1 KB, 1 GB per million).`,
      `MEMORY USAGE summed over the queue's keys gives ${formatNumber(r.key_bytes_per_offer)} B per offer${r.shared_redis ? '; the Redis is shared, so other clients move used_memory a little too' : ''}.`,
      '',
    );
  }
  if (lateness) {
    const l = lateness as LatenessResult;
    lines.push(
      `**Deadline lateness.** ${WORKERS} worker processes (\`node --import tsx workers/main.ts\`, concurrency ${CONCURRENCY}, reconciler every 30 s) on the data set with every`,
      `pending offer's timer queued and the workers' first reconciler pass done; ${formatNumber(l.warmup_offers + l.offers)} pending offers were given deadlines ${formatNumber(1000 / l.rate_per_s)} ms apart`,
      `(${l.rate_per_s}/s for ${LATENESS_WARMUP_S + LATENESS_SECONDS} s) and their timers; the first ${LATENESS_WARMUP_S} s (${formatNumber(l.warmup_offers)} offers, while the workers open their connections and load the partner directory) are not counted.`,
      "Lateness per offer = the moment the worker started the expiry (the `expired` event's `at`, the clock read just before",
      'the expiry statement in `expireDueAndReroute`) minus `expires_at`; no instrumentation was added to the app.',
      `Expired ${formatNumber(l.expired)} of ${formatNumber(l.offers)}, ${formatNumber(l.achieved_per_s)}/s from first to last; lateness p50 ${formatNumber(l.late_ms_p50)} ms, p99 ${formatNumber(l.late_ms_p99)} ms, max ${formatNumber(l.late_ms_max)} ms.`,
      `From the deadline to the lead's next offer: p50 ${formatNumber(l.reoffered_ms_p50)} ms, p99 ${formatNumber(l.reoffered_ms_p99)} ms (${formatNumber(l.reoffered)} re-offered, ${formatNumber(l.unroutable)} unroutable).`,
      `The timers were queued ${formatNumber(l.schedule_slack_ms)} ms before the first deadline. The latest seconds (from the first counted deadline): ${l.worst_seconds
        .map(
          (w) =>
            `${w.s} s, ${w.expiries} expiries, p50 ${formatNumber(w.p50_ms)} ms, max ${formatNumber(w.max_ms)} ms`,
        )
        .join('; ')}.`,
      '',
    );
  }
  if (httpClosed) {
    const closed = httpClosed as HttpLoadResult;
    lines.push(
      `**Pages.** The production build (${buildNote}) served by \`npm run start\` (\`${startScript()}\`, NODE_ENV=production); the workers were stopped first.`,
      `${closed.connections} signed-in users at once, each on its own connection with its own session (made by the app's \`createSession\`):`,
      `${Math.ceil(HTTP_USERS / 2)} partner reps on \`/inbox\`, of partners from the busiest quarter taken at even steps from the top (${inboxSizes}),`,
      `${Math.floor(HTTP_USERS / 2)} channel managers on \`/queue\``,
      "with a mix of filters (none, a status, a country, a partner, a product line, a search). Each request is a browser's document GET",
      `(Accept: text/html; the largest pages were ${formatNumber(pageBytes?.inbox ?? null)} and ${formatNumber(pageBytes?.queue ?? null)} bytes). autocannon, in the bench's own process on the same machine:`,
      `first ${formatNumber(closed.seconds)} s with each user asking again as soon as the answer is in (50 requests always in flight: a stress test),`,
      httpPaced
        ? `then ${formatNumber((httpPaced as HttpLoadResult).seconds)} s with each user asking once a second, the users spread evenly over the second (a steady 50 pages/s, closer to 50 people at work). Latency is to the last byte of the page.`
        : 'Latency is to the last byte of the page.',
      '',
    );
    const rows: (string | number)[][] = [];
    const row = (mode: string, page: string, s: LatencyStats) => [
      mode,
      page,
      s.requests,
      formatNumber(s.per_s),
      formatNumber(s.p50_ms),
      formatNumber(s.p95_ms),
      formatNumber(s.p99_ms),
      formatNumber(s.max_ms),
      s.errors,
      s.non_2xx,
    ];
    for (const [mode, load] of [
      ['at once', closed],
      ['1/s each', httpPaced as HttpLoadResult | null],
    ] as const) {
      if (!load) continue;
      rows.push(row(mode, '**/inbox, every rep**', load.pages.inbox));
      rows.push(row(mode, '**/queue, every manager**', load.pages.queue));
      for (const [path, s] of Object.entries(load.paths))
        if (path !== '/inbox') rows.push(row(mode, path, s));
    }
    lines.push(
      table(
        ['load', 'page', 'requests', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'non-2xx'],
        rows,
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
    );
  }
  if (httpClosed) {
    const cpu = [
      ['at once', httpClosed as HttpLoadResult],
      ['1/s each', httpPaced as HttpLoadResult | null],
    ] as const;
    lines.push(
      `The web server's own CPU time (utime + stime of its processes in /proc) over each load: ${cpu
        .filter(([, load]) => load !== null)
        .map(
          ([mode, load]) =>
            `${mode}, ${formatNumber(load!.web_cpu_share)} CPU-seconds per second (1 = one core all along), ${formatNumber(load!.web_cpu_ms_per_page)} ms per page, while autocannon used ${formatNumber(load!.client_cpu_share)} and the machine's ${machine.cores} cores were ${formatNumber(Math.round(load!.machine_cpu_busy * 100))} % busy (everyone's work)`,
        )
        .join('; ')}.`,
      '',
    );
  }
  if (routing) {
    const r = routing as RoutingBenchResult;
    lines.push(
      `**Routing.** A fresh database of ${formatNumber(r.partners)} partners and ${formatNumber(r.opportunities)} waiting leads (tests/bench/routing-data.ts), routed in batches of ${r.batch}`,
      `on ${r.clients} connections with timers queued (the way imports and the reconciler route a backlog): ${formatNumber(r.routed_per_s)} leads/s over ${formatNumber(r.route_s)} s`,
      `(${formatNumber(r.offered)} offered, ${formatNumber(r.unroutable)} unroutable). pgbench TPC-B-like (scale 10, ${r.clients} clients, 2 threads) on the same server, before and after the routing:`,
      `${r.pgbench_runs.map((t) => formatNumber(t)).join(' and ')} tps, mean ${formatNumber(r.pgbench_tps)}. Ratio ${formatNumber(r.ratio)}.`,
      '',
    );
  }
  if (burst) {
    const b = burst as BurstBenchResult;
    lines.push(
      `**Burst.** A fresh database of ${formatNumber(b.partners)} partners and ${formatNumber(b.burst)} pending offers sharing one deadline, each with its timer job;`,
      b.timed_out
        ? `${b.workers} worker processes, concurrency ${b.concurrency}. **Not done** when the bench stopped waiting, ${BURST_TIMEOUT_S} s after the deadline: ${formatNumber(b.settled)} of ${formatNumber(b.burst)} leads offered again (or unroutable)${b.all_expired_s === null ? ', not every offer expired yet' : `, every offer expired after ${formatNumber(b.all_expired_s)} s`}.`
        : `${b.workers} worker processes, concurrency ${b.concurrency}. Every offer expired ${formatNumber(b.all_expired_s)} s after the deadline and every lead was offered again (or unroutable) after ${formatNumber(b.seconds)} s (${formatNumber(b.rerouted_per_s)} leads/s).`,
      `Expiry lateness p50 ${formatNumber(b.late_ms_p50)} ms, p99 ${formatNumber(b.late_ms_p99)} ms; re-offered p50 ${formatNumber(b.reoffered_ms_p50)} ms, p99 ${formatNumber(b.reoffered_ms_p99)} ms after the deadline (${formatNumber(b.reoffered)} re-offered).`,
      `Invariant violations after the burst (db/check-invariants.ts): ${b.invariant_violations}${b.timed_out && b.invariant_violations > 0 ? ' (the offers still pending past their deadline when the workers were stopped)' : ''}.`,
      '',
    );
  }
  const web = memory.peak('web');
  const worker = memory.peak('worker');
  if (web || worker) {
    lines.push(
      "**Memory.** The kernel's high-water mark (VmHWM in /proc/<pid>/status) of each process, sampled every second and",
      `just before it is stopped: web server ${web ? `${formatNumber(round1(web.peakMiB))} MiB` : '–'} (the server process under npm);`,
      `worker ${worker ? `${formatNumber(round1(worker.peakMiB))} MiB at most for one of ${worker.processes} worker processes (data set and burst), ${formatNumber(round1(worker.peakTotalRssMiB))} MiB for the workers of one phase together` : '–'}.`,
      '',
    );
  }

  lines.push('## Phases', '');
  lines.push(
    table(
      ['phase', 'seconds', 'load at start', 'load at end', 'result'],
      phaseRecords.map((p) => [
        p.name,
        formatNumber(p.seconds),
        p.load_start.join(', '),
        p.load_end.join(', '),
        p.error ? `failed: ${p.error.split('\n')[0]!.slice(0, 150)}` : 'ok',
      ]),
      ['l', 'r', 'l', 'l', 'l'],
    ),
    '',
  );
  lines.push(
    'Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 npm run bench`',
    '(without them, an embedded Postgres and a private redis-server). `BENCH_REUSE=1` keeps the data set of an earlier run;',
    '`BENCH_ONLY=lateness,http,routing,burst` picks phases; the other knobs are listed at the top of tests/bench/run-all.ts.',
    '',
  );
  return lines.join('\n');
}
