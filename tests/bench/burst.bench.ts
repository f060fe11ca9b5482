import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { systemClock } from '../../app/domain/clock';
import { chunk, mapWithConcurrency } from '../../app/domain/concurrency';
import { BullTimerScheduler } from '../../app/domain/offers/timer-queue.server';
import { checkInvariants } from '../../db/check-invariants';
import { ensureRedis } from '../../db/local-services';
import { freshBenchDatabase } from './bench-database';
import { generateRoutingData } from './routing-data';

/**
 * `npm run bench:burst`: BENCH_BURST (default 100,000) pending offers sharing one deadline, each
 * with its timer job in Redis, and BENCH_WORKERS real worker processes (`npm run worker`,
 * concurrency BENCH_CONCURRENCY). Measures the time from the deadline until every lead of the
 * burst is offered to its next partner (or unroutable). Goal: within 2 minutes.
 * Gives up after BENCH_TIMEOUT_S; the invariant checker runs before the burst and after.
 */
const BURST = Number(process.env.BENCH_BURST ?? 100_000);
const PARTNERS = Number(process.env.BENCH_PARTNERS ?? 10_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 300);
const RECONCILE_EVERY_MS = Number(process.env.BENCH_RECONCILE_EVERY_MS ?? 30_000);
/** Time between the end of the setup and the deadline: the timers and the workers get ready. */
const LEAD_MS = Number(process.env.BENCH_LEAD_MS ?? 15_000 + BURST * 0.15);
/**
 * Capacity each partner has beyond its share of the burst. Routing sends each lead to the best
 * scored partner, so a burst piles onto a few hundred partners; with the usual 40–100 they
 * fill up, their claims fail and those leads are routed one by one (BENCH_ROOM=20 shows it).
 */
const ROOM = Number(process.env.BENCH_ROOM ?? 100_000);
const PREFIX = '{baton-bench-burst}';
const HOUR_MS = 3_600_000;

const round1 = (value: number) => Math.round(value * 10) / 10;
const log = (line: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'burst', ...line }));

const loadAtStart = os.loadavg().map(round1);
const { url, server } = await freshBenchDatabase('baton_bench_burst');
const redisServer = await ensureRedis('.data/bench');
const sql = postgres(url, { max: 4, onnotice: () => {} });
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
const timers = new BullTimerScheduler(redis, PREFIX, systemClock);
const workers: (ChildProcess & { output: string[] })[] = [];
/** Lines the workers logged about failed jobs or errors (a deadlock retried is not one). */
let workerErrors = 0;

try {
  await timers.queue.obliterate({ force: true });
  const setupStarted = performance.now();
  await generateRoutingData(sql, PARTNERS, BURST);
  const burst = await offerEveryLead();
  await sql.unsafe('ANALYZE');
  const before = await checkInvariants(sql, { reconcilerPeriodMs: 30_000 });
  for (const v of before.slice(0, 20)) console.error(`before the burst: ${v.invariant}: ${v.detail}`);
  if (before.length > 0) throw new Error(`${before.length} invariant violations before the burst`);

  // The deadline is set last, so that the setup's own duration cannot eat into the lead time.
  const deadline = new Date(Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000);
  await sql`
    UPDATE offers SET offered_at = ${deadline.toISOString()}::timestamptz - interval '48 hours',
                      expires_at = ${deadline.toISOString()}::timestamptz
    WHERE status = 'pending'`;
  await sql`UPDATE opportunities SET updated_at = ${new Date(deadline.getTime() - 48 * HOUR_MS).toISOString()}::timestamptz`;
  const timerRows = await sql`
    SELECT id, offered_at, expires_at, reminder_offsets_hours FROM offers WHERE status = 'pending' ORDER BY id`;
  const timerStates = timerRows.map((r) => ({
    offerId: r.id as number,
    offeredAt: new Date(r.offered_at as string | Date),
    expiresAt: new Date(r.expires_at as string | Date),
    reminderOffsetsHours: r.reminder_offsets_hours as number[],
  }));
  await mapWithConcurrency(chunk(timerStates, 1000), 4, (page) => timers.schedule(page));
  const queued = await timers.queue.getDelayedCount();

  for (let i = 0; i < WORKERS; i++) workers.push(spawnWorker());
  await Promise.all(workers.map((w) => waitForLine(w, 'running', 60_000)));
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const slackMs = deadline.getTime() - Date.now();
  log({
    phase: 'ready',
    burst,
    partners: PARTNERS,
    queued,
    setup_s: round1(setupSeconds),
    slack_ms: slackMs,
  });
  if (slackMs < 0) console.error(`setup overran the deadline by ${-slackMs} ms: raise BENCH_LEAD_MS`);

  await sleep(Math.max(0, slackMs));
  const giveUpAt = deadline.getTime() + TIMEOUT_S * 1000;
  let expiredAt: number | null = null;
  let doneAt: number | null = null;
  let lastProgress = 0;
  for (;;) {
    const [progress] = await sql`
      SELECT (SELECT count(*)::int FROM offers WHERE status = 'expired') AS expired,
             (SELECT count(*)::int FROM opportunities
              WHERE (status = 'offered' AND rounds >= 2) OR status = 'unroutable') AS settled`;
    const now = Date.now();
    if (expiredAt === null && progress!.expired >= burst) expiredAt = now;
    if (progress!.settled >= burst) {
      doneAt = now;
      break;
    }
    if (now - lastProgress >= 10_000) {
      lastProgress = now;
      log({
        phase: 'progress',
        s: round1((now - deadline.getTime()) / 1000),
        ...progress,
        load: os.loadavg()[0],
      });
    }
    if (now > giveUpAt) break;
    await sleep(200);
  }
  const loadAtEnd = os.loadavg().map(round1);

  const [late] = await sql`
    SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY (detail->>'lateMs')::int) AS p50,
           percentile_disc(0.99) WITHIN GROUP (ORDER BY (detail->>'lateMs')::int) AS p99,
           max((detail->>'lateMs')::int) AS max
    FROM opportunity_events WHERE kind = 'expired'`;
  // From the deadline to the next partner's offer: what the partner waiting for the lead sees.
  const [reoffered] = await sql`
    SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
           percentile_disc(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
           count(*)::int AS n,
           (SELECT count(*)::int FROM opportunities WHERE status = 'unroutable') AS unroutable
    FROM (SELECT extract(epoch FROM offered_at - ${deadline.toISOString()}::timestamptz) * 1000 AS ms
          FROM offers WHERE round = 2) x`;
  const seconds = doneAt === null ? null : (doneAt - deadline.getTime()) / 1000;
  const expiredSeconds = expiredAt === null ? null : (expiredAt - deadline.getTime()) / 1000;
  console.log(
    JSON.stringify({
      bench: 'burst',
      burst,
      partners: PARTNERS,
      room: ROOM,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      seconds: seconds === null ? null : round1(seconds),
      all_expired_s: expiredSeconds === null ? null : round1(expiredSeconds),
      expired_per_s: expiredSeconds === null ? null : Math.round(burst / expiredSeconds),
      rerouted_per_s: seconds === null ? null : Math.round(burst / seconds),
      late_ms_p50: late!.p50,
      late_ms_p99: late!.p99,
      late_ms_max: late!.max,
      reoffered_ms_p50: reoffered!.p50 === null ? null : Math.round(Number(reoffered!.p50)),
      reoffered_ms_p99: reoffered!.p99 === null ? null : Math.round(Number(reoffered!.p99)),
      reoffered: reoffered!.n,
      unroutable: reoffered!.unroutable,
      goal_s: 120,
      met: seconds !== null && seconds <= 120,
      timed_out: doneAt === null,
      worker_errors: workerErrors,
      cpus: os.cpus().length,
      load_start: loadAtStart,
      load_end: loadAtEnd,
    }),
  );

  await stopWorkers();
  const after = await checkInvariants(sql, { reconcilerPeriodMs: 30_000 });
  for (const v of after.slice(0, 20)) console.error(`after the burst: ${v.invariant}: ${v.detail}`);
  log({ phase: 'invariants', violations: after.length });
  if (after.length > 0 || doneAt === null) process.exitCode = 1;
} catch (error) {
  for (const w of workers) console.error(w.output.join('').slice(-2000));
  throw error;
} finally {
  await stopWorkers();
  await timers.close();
  // Every queue of the workers (timers, maintenance, email, imports) lives under the prefix.
  for await (const keys of redis.scanStream({ match: `${PREFIX}:*`, count: 1000 })) {
    if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  }
  redis.disconnect();
  await sql.end({ timeout: 5 });
  await redisServer.stop();
  await server.stop();
}

/**
 * Every opportunity gets one pending offer (round 1) from a partner covering its country and
 * product line, with the rows routing would have written: the 'offered' event, the partner's
 * open_load. Leads no partner covers are removed. Returns how many offers there are.
 */
async function offerEveryLead(): Promise<number> {
  await sql.unsafe(`
    CREATE TEMP TABLE bench_cover AS
    SELECT country, product_line, array_agg(id ORDER BY id) AS ids
    FROM partners p, unnest(p.countries) country, unnest(p.product_lines) product_line
    WHERE p.status = 'active'
    GROUP BY 1, 2`);
  await sql.unsafe(`
    DELETE FROM opportunities o WHERE NOT EXISTS (
      SELECT 1 FROM bench_cover c WHERE c.country = o.country::text AND c.product_line = o.product_line)`);
  // A placeholder window; the real deadline is set once the setup is done.
  await sql.unsafe(`
    INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at,
                        reminder_offsets_hours, score, score_breakdown)
    SELECT o.id, c.ids[1 + (o.id * 7919) % cardinality(c.ids)], 1, 'pending',
           now() - interval '24 hours', now() + interval '24 hours', '{24,4}', 0.5,
           '{"territory": 0.3, "industry": 0.2, "tier": 0.1}'::jsonb
    FROM opportunities o JOIN bench_cover c ON c.country = o.country::text AND c.product_line = o.product_line
    ORDER BY o.id`);
  await sql.unsafe(`
    UPDATE opportunities o SET status = 'offered', rounds = 1, updated_at = f.offered_at
    FROM offers f WHERE f.opportunity_id = o.id`);
  await sql.unsafe(`
    INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, kind, detail, at)
    SELECT opportunity_id, id, partner_id, 'offered', jsonb_build_object('round', 1), offered_at
    FROM offers ORDER BY id`);
  // Room for each partner's share of the burst and for the leads it will be re-offered.
  await sql.unsafe(`UPDATE partners SET max_open = ${ROOM}`);
  await sql.unsafe(`
    UPDATE partners p SET open_load = l.n, max_open = l.n + ${ROOM},
                          last_offered_at = now() - interval '24 hours'
    FROM (SELECT partner_id, count(*)::int AS n FROM offers GROUP BY partner_id) l
    WHERE l.partner_id = p.id`);
  await sql.unsafe(`UPDATE partner_directory_version SET version = version + 1`);
  const [row] = await sql`SELECT count(*)::int AS n FROM offers`;
  return row!.n as number;
}

function spawnWorker() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      REDIS_URL: redisServer.url,
      REDIS_PREFIX: PREFIX,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      RECONCILE_EVERY_MS: String(RECONCILE_EVERY_MS),
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  const keep = (data: Buffer) => {
    const text = data.toString();
    workerErrors += text.split('\n').filter((line) => /failed|error/i.test(line)).length;
    child.output.push(text);
    if (child.output.length > 200) child.output.splice(0, 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function waitForLine(child: ChildProcess & { output: string[] }, text: string, timeoutMs: number) {
  const giveUp = Date.now() + timeoutMs;
  while (!child.output.join('').includes(text)) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${child.output.join('')}`);
    if (Date.now() > giveUp) throw new Error(`worker not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function stopWorkers() {
  await Promise.all(
    workers.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
