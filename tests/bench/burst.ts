import os from 'node:os';
import postgres, { type Sql } from 'postgres';
import { Redis } from 'ioredis';
import { systemClock } from '../../app/domain/clock';
import { chunk, mapWithConcurrency } from '../../app/domain/concurrency';
import { BullTimerScheduler } from '../../app/domain/offers/timer-queue.server';
import { checkInvariants } from '../../db/check-invariants';
import { createBenchDatabase, dropBenchDatabase } from './bench-database';
import { type BenchChild, type MemoryWatch, sleep, spawnWorker, stopChild, waitForOutput } from './processes';
import { generateRoutingData } from './routing-data';

export interface BurstBenchOptions {
  serverUrl: string;
  redisUrl: string;
  /** Pending offers sharing one deadline. */
  burst: number;
  partners: number;
  /** Real worker processes (`npm run worker`) and the concurrency of each. */
  workers: number;
  concurrency: number;
  /** Gives up this long after the deadline. */
  timeoutS: number;
  reconcileEveryMs: number;
  /** Time between the end of the setup and the deadline: the timers and the workers get ready. */
  leadMs?: number;
  /**
   * Capacity each partner has beyond its share of the burst. Routing sends each lead to the best
   * scored partner, so a burst piles onto a few hundred partners; with the usual 40–100 they
   * fill up, their claims fail and those leads are routed one by one (a room of 20 shows it).
   */
  room: number;
  database?: string;
  prefix?: string;
  /** Where the workers' memory is sampled, as kind "worker". */
  memory?: MemoryWatch;
  /** Progress lines while the burst runs. */
  log?: (line: Record<string, unknown>) => void;
  dropAfter?: boolean;
}

export interface BurstBenchResult {
  burst: number;
  partners: number;
  room: number;
  workers: number;
  concurrency: number;
  setup_s: number;
  /** From the deadline until every lead of the burst is offered again (or unroutable). */
  seconds: number | null;
  all_expired_s: number | null;
  expired_per_s: number | null;
  rerouted_per_s: number | null;
  late_ms_p50: number | null;
  late_ms_p99: number | null;
  late_ms_max: number | null;
  reoffered_ms_p50: number | null;
  reoffered_ms_p99: number | null;
  reoffered: number;
  unroutable: number;
  /** Leads re-offered or unroutable when the bench stopped waiting. */
  settled: number;
  goal_s: number;
  met: boolean;
  timed_out: boolean;
  worker_errors: number;
  invariant_violations: number;
  cpus: number;
  load_start: number[];
  load_end: number[];
}

const HOUR_MS = 3_600_000;
const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * `burst` pending offers sharing one deadline, each with its timer job in Redis, and real worker
 * processes: the time from the deadline until every lead of the burst is offered to its next
 * partner (or unroutable). Goal: within 2 minutes. The invariant checker runs before the burst
 * and after; a violation before it stops the bench.
 */
export async function measureBurst(options: BurstBenchOptions): Promise<BurstBenchResult> {
  const name = options.database ?? 'baton_bench_burst';
  const prefix = options.prefix ?? '{baton-bench-burst}';
  const leadMs = options.leadMs ?? 15_000 + options.burst * 0.15;
  const log = options.log ?? (() => {});
  const loadAtStart = os.loadavg().map(round1);
  const url = await createBenchDatabase(options.serverUrl, name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const timers = new BullTimerScheduler(redis, prefix, systemClock);
  const workers: BenchChild[] = [];
  const stopWorkers = async () => {
    options.memory?.sample();
    await Promise.all(workers.splice(0).map((w) => stopChild(w)));
  };
  const forget = options.memory?.watch('worker', () => workers.map((w) => w.pid!));
  try {
    await timers.queue.obliterate({ force: true });
    const setupStarted = performance.now();
    await generateRoutingData(sql, options.partners, options.burst);
    const burst = await offerEveryLead(sql, options.room);
    await sql.unsafe('ANALYZE');
    const before = await checkInvariants(sql, { reconcilerPeriodMs: 30_000 });
    for (const v of before.slice(0, 20)) console.error(`before the burst: ${v.invariant}: ${v.detail}`);
    if (before.length > 0) throw new Error(`${before.length} invariant violations before the burst`);

    // The deadline is set last, so that the setup's own duration cannot eat into the lead time.
    const deadline = new Date(Math.ceil((Date.now() + leadMs) / 1000) * 1000);
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

    for (let i = 0; i < options.workers; i++) {
      workers.push(
        spawnWorker(`burst worker ${i + 1}`, {
          DATABASE_URL: url,
          REDIS_URL: options.redisUrl,
          REDIS_PREFIX: prefix,
          WORKER_CONCURRENCY: String(options.concurrency),
          RECONCILE_EVERY_MS: String(options.reconcileEveryMs),
        }),
      );
    }
    await Promise.all(workers.map((w) => waitForOutput(w, 'running', 60_000)));
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const slackMs = deadline.getTime() - Date.now();
    log({
      phase: 'ready',
      burst,
      partners: options.partners,
      queued,
      setup_s: round1(setupSeconds),
      slack_ms: slackMs,
    });
    if (slackMs < 0) console.error(`setup overran the deadline by ${-slackMs} ms: raise BENCH_LEAD_MS`);

    await sleep(Math.max(0, slackMs));
    const giveUpAt = deadline.getTime() + options.timeoutS * 1000;
    let expiredAt: number | null = null;
    let doneAt: number | null = null;
    let lastProgress = 0;
    let settled = 0;
    for (;;) {
      const [progress] = await sql`
        SELECT (SELECT count(*)::int FROM offers WHERE status = 'expired') AS expired,
               (SELECT count(*)::int FROM opportunities
                WHERE (status = 'offered' AND rounds >= 2) OR status = 'unroutable') AS settled`;
      const now = Date.now();
      settled = progress!.settled as number;
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
    const workerErrors = workers.reduce((sum, w) => sum + w.errorLines, 0);

    await stopWorkers();
    const after = await checkInvariants(sql, { reconcilerPeriodMs: 30_000 });
    for (const v of after.slice(0, 20)) console.error(`after the burst: ${v.invariant}: ${v.detail}`);
    log({ phase: 'invariants', violations: after.length });
    const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return {
      burst,
      partners: options.partners,
      room: options.room,
      workers: options.workers,
      concurrency: options.concurrency,
      setup_s: round1(setupSeconds),
      seconds: seconds === null ? null : round1(seconds),
      all_expired_s: expiredSeconds === null ? null : round1(expiredSeconds),
      expired_per_s: expiredSeconds === null ? null : Math.round(burst / expiredSeconds),
      rerouted_per_s: seconds === null ? null : Math.round(burst / seconds),
      late_ms_p50: num(late!.p50),
      late_ms_p99: num(late!.p99),
      late_ms_max: num(late!.max),
      reoffered_ms_p50: reoffered!.p50 === null ? null : Math.round(Number(reoffered!.p50)),
      reoffered_ms_p99: reoffered!.p99 === null ? null : Math.round(Number(reoffered!.p99)),
      reoffered: reoffered!.n as number,
      unroutable: reoffered!.unroutable as number,
      settled,
      goal_s: 120,
      met: seconds !== null && seconds <= 120,
      timed_out: doneAt === null,
      worker_errors: workerErrors,
      invariant_violations: after.length,
      cpus: os.cpus().length,
      load_start: loadAtStart,
      load_end: loadAtEnd,
    };
  } catch (error) {
    for (const w of workers) console.error(w.output.join('').slice(-2000));
    throw error;
  } finally {
    await stopWorkers();
    forget?.();
    await timers.close();
    // Every queue of the workers (timers, maintenance, email, imports) lives under the prefix.
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
    await sql.end({ timeout: 5 });
    if (options.dropAfter) await dropBenchDatabase(options.serverUrl, name);
  }
}

/** Deletes every key matching `pattern` (a bench's own prefix). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let deleted = 0;
  for await (const keys of redis.scanStream({ match: pattern, count: 1000 })) {
    if ((keys as string[]).length > 0) deleted += await redis.del(...(keys as string[]));
  }
  return deleted;
}

/**
 * Every opportunity gets one pending offer (round 1) from a partner covering its country and
 * product line, with the rows routing would have written: the 'offered' event, the partner's
 * open_load. Leads no partner covers are removed. Returns how many offers there are.
 */
async function offerEveryLead(sql: Sql, room: number): Promise<number> {
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
  await sql.unsafe(`UPDATE partners SET max_open = ${room}`);
  await sql.unsafe(`
    UPDATE partners p SET open_load = l.n, max_open = l.n + ${room},
                          last_offered_at = now() - interval '24 hours'
    FROM (SELECT partner_id, count(*)::int AS n FROM offers GROUP BY partner_id) l
    WHERE l.partner_id = p.id`);
  await sql.unsafe(`UPDATE partner_directory_version SET version = version + 1`);
  const [row] = await sql`SELECT count(*)::int AS n FROM offers`;
  return row!.n as number;
}
