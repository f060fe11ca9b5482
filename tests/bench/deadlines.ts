import { Redis } from 'ioredis';
import { createDatabase } from '../../db/client';
import { systemClock } from '../../app/domain/clock';
import { chunk, mapWithConcurrency } from '../../app/domain/concurrency';
import type { OfferTimerState } from '../../app/domain/offers/checkpoints';
import { QueueEvents } from 'bullmq';
import {
  BullTimerScheduler,
  MAINTENANCE_QUEUE,
  TIMER_QUEUE,
} from '../../app/domain/offers/timer-queue.server';
import { pendingTimersAfter } from '../../app/domain/offers/timer-state.server';
import { deleteKeys } from './burst';
import { sleep } from './processes';

const round1 = (value: number) => Math.round(value * 10) / 10;

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

export interface RedisMemoryResult {
  pending_offers: number;
  delayed_jobs: number;
  schedule_s: number;
  used_memory_before: number;
  used_memory_after: number;
  /** INFO used_memory after minus before, per delayed job. */
  bytes_per_offer: number;
  /** MEMORY USAGE of every key of the timer queue, per delayed job (immune to other clients). */
  key_bytes_per_offer: number;
  /** What a million pending offers would take at `bytes_per_offer`. */
  gib_per_million: number;
  shared_redis: boolean;
}

/**
 * Gives every pending offer its timer job, as the reconciler would on an empty Redis, under a
 * private key prefix (emptied first), and measures what they take: INFO's used_memory before
 * and after, and the sum of MEMORY USAGE over the queue's keys (the first is what the server
 * pays, but on a shared Redis other clients move it too; the second ignores them).
 */
export async function scheduleEveryPendingTimer(options: {
  url: string;
  redisUrl: string;
  prefix: string;
  sharedRedis: boolean;
}): Promise<RedisMemoryResult> {
  const database = createDatabase(options.url, { max: 2 });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const timers = new BullTimerScheduler(redis, options.prefix, systemClock);
  try {
    await deleteKeys(redis, `${options.prefix}:*`);
    const states: OfferTimerState[] = [];
    for (let after = 0; ;) {
      const page = await pendingTimersAfter(database.db, after, 10_000);
      if (page.length === 0) break;
      states.push(...page);
      after = page[page.length - 1]!.offerId;
    }
    // The queue's own keys (meta, events) exist before the first job, so they are not counted.
    await timers.queue.getDelayedCount();
    await timers.queue.waitUntilReady();
    await sleep(500);
    const before = await usedMemory(redis);
    const started = performance.now();
    await mapWithConcurrency(chunk(states, 1000), 4, (page) => timers.schedule(page));
    const scheduleSeconds = (performance.now() - started) / 1000;
    await sleep(500);
    const after = await usedMemory(redis);
    // An offer already past its deadline (on a reused data set) has its job waiting, not delayed.
    const counts = await timers.queue.getJobCounts('delayed', 'waiting', 'prioritized');
    const delayed = (counts.delayed ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0);

    let keyBytes = 0;
    for await (const keys of redis.scanStream({ match: `${options.prefix}:${TIMER_QUEUE}:*`, count: 1000 })) {
      const pipeline = redis.pipeline();
      for (const key of keys as string[]) pipeline.memory('USAGE', key, 'SAMPLES', '0');
      for (const [, bytes] of (await pipeline.exec()) ?? []) keyBytes += Number(bytes ?? 0);
    }
    const perOffer = (after - before) / Math.max(1, delayed);
    return {
      pending_offers: states.length,
      delayed_jobs: delayed,
      schedule_s: round1(scheduleSeconds),
      used_memory_before: before,
      used_memory_after: after,
      bytes_per_offer: Math.round(perOffer),
      key_bytes_per_offer: Math.round(keyBytes / Math.max(1, delayed)),
      gib_per_million: Math.round(((perOffer * 1_000_000) / 2 ** 30) * 100) / 100,
      shared_redis: options.sharedRedis,
    };
  } finally {
    await timers.close();
    redis.disconnect();
    await database.close();
  }
}

/**
 * Resolves when the workers' reconciler (a job of the maintenance queue) has completed a pass,
 * or after `timeoutMs`; listen before the workers start. Its first pass checks every pending
 * offer's timer, work that would otherwise overlap the start of a measurement.
 */
export function reconcilerPassWatch(redisUrl: string, prefix: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const events = new QueueEvents(MAINTENANCE_QUEUE, { connection, prefix });
  let completed = 0;
  events.on('completed', () => {
    completed++;
  });
  return {
    ready: () => events.waitUntilReady(),
    async wait(timeoutMs: number): Promise<boolean> {
      const giveUp = Date.now() + timeoutMs;
      while (completed === 0 && Date.now() < giveUp) await sleep(250);
      return completed > 0;
    },
    async close() {
      await events.close();
      connection.disconnect();
    },
  };
}

export interface LatenessResult {
  rate_per_s: number;
  offers: number;
  expired: number;
  /** Worker start of each expiry minus its expires_at (the 'expired' event's `at`). */
  late_ms_p50: number | null;
  late_ms_p99: number | null;
  late_ms_max: number | null;
  /** Offers whose deadlines came first, expired but not counted (the workers warm up). */
  warmup_offers: number;
  /** The seconds of the stream with the latest expiries: offset from the first counted deadline. */
  worst_seconds: { s: number; expiries: number; p50_ms: number; max_ms: number }[];
  /** Expiries per second actually seen, first to last. */
  achieved_per_s: number | null;
  /** From expires_at to the lead's next offer (those re-offered). */
  reoffered: number;
  reoffered_ms_p50: number | null;
  reoffered_ms_p99: number | null;
  unroutable: number;
  schedule_slack_ms: number;
}

/**
 * Deadline lateness at a steady rate: `rate × (warmupS + seconds)` pending offers get deadlines
 * `1/rate` apart, starting `leadMs` from now, and their timers (the running workers take them
 * from there). Per offer, lateness is the moment the worker started the expiry (the 'expired'
 * event's `at`, which expireDueOffers takes from the clock just before its statement) minus
 * `expires_at`; the first `warmupS` seconds of deadlines are not counted (the workers' first
 * expiries open their connections and load the partner directory). Waits until every one has
 * expired or `drainS` after the last deadline.
 */
export async function measureLateness(options: {
  url: string;
  redisUrl: string;
  prefix: string;
  rate: number;
  seconds: number;
  warmupS: number;
  leadMs: number;
  drainS: number;
  log?: (line: Record<string, unknown>) => void;
}): Promise<LatenessResult> {
  const log = options.log ?? (() => {});
  const count = Math.round(options.rate * (options.warmupS + options.seconds));
  const stepMs = 1000 / options.rate;
  const database = createDatabase(options.url, { max: 4 });
  const sql = database.client;
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const timers = new BullTimerScheduler(redis, options.prefix, systemClock);
  try {
    // Offers spread over every partner, none due within the hour anyway; their old timer jobs
    // stay queued and find a settled offer when they fire, as after a shortened deadline.
    const start = new Date(Date.now() + options.leadMs);
    const rows = await sql`
      WITH chosen AS (
        SELECT id, row_number() OVER (ORDER BY hashint4(id), id) - 1 AS n
        FROM (SELECT id FROM offers WHERE status = 'pending' AND expires_at > now() + interval '1 hour'
              ORDER BY hashint4(id), id LIMIT ${count}) c
      )
      UPDATE offers f
      SET expires_at = ${start.toISOString()}::timestamptz + round(chosen.n * ${stepMs}::float8) * interval '1 millisecond'
      FROM chosen WHERE f.id = chosen.id AND f.status = 'pending'
      RETURNING f.id, f.offered_at, f.expires_at, f.reminder_offsets_hours`;
    const states: OfferTimerState[] = rows.map((r) => ({
      offerId: r.id as number,
      offeredAt: new Date(r.offered_at as string | Date),
      expiresAt: new Date(r.expires_at as string | Date),
      reminderOffsetsHours: r.reminder_offsets_hours as number[],
    }));
    const ids = states.map((s) => s.offerId);
    const countedFrom = new Date(start.getTime() + options.warmupS * 1000);
    const counted = states.filter((s) => s.expiresAt >= countedFrom).map((s) => s.offerId);
    // Earliest deadlines first, so that the first ones are queued well before they are due.
    states.sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
    await mapWithConcurrency(chunk(states, 500), 2, (page) => timers.schedule(page));
    const slackMs = start.getTime() - Date.now();
    log({ phase: 'scheduled', offers: ids.length, slack_ms: slackMs });
    if (slackMs < 0) console.error(`lateness: timers queued ${-slackMs} ms after the first deadline`);

    const last = start.getTime() + (ids.length - 1) * stepMs;
    const giveUpAt = last + options.drainS * 1000;
    let lastLog = 0;
    for (;;) {
      await sleep(1000);
      const [progress] = await sql`
        SELECT count(*)::int AS expired FROM opportunity_events
        WHERE kind = 'expired' AND offer_id = ANY(${ids}::int[])`;
      const now = Date.now();
      if (now - lastLog >= 10_000) {
        lastLog = now;
        log({ phase: 'progress', s: round1((now - start.getTime()) / 1000), expired: progress!.expired });
      }
      if (progress!.expired >= ids.length || now > giveUpAt) break;
    }

    const [late] = await sql`
      SELECT count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
             max(ms) AS max,
             extract(epoch FROM max(at) - min(at)) AS span_s
      FROM (SELECT e.at, extract(epoch FROM e.at - f.expires_at) * 1000 AS ms
            FROM opportunity_events e JOIN offers f ON f.id = e.offer_id
            WHERE e.kind = 'expired' AND e.offer_id = ANY(${counted}::int[])) x`;
    const worst = await sql`
      SELECT floor(extract(epoch FROM f.expires_at - ${countedFrom.toISOString()}::timestamptz))::int AS s,
             count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - f.expires_at) * 1000) AS p50,
             max(extract(epoch FROM e.at - f.expires_at) * 1000) AS max
      FROM opportunity_events e JOIN offers f ON f.id = e.offer_id
      WHERE e.kind = 'expired' AND e.offer_id = ANY(${counted}::int[])
      GROUP BY 1 ORDER BY max DESC LIMIT 5`;
    const [next] = await sql`
      SELECT count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
             (SELECT count(*)::int FROM opportunities o JOIN offers f ON f.opportunity_id = o.id
              WHERE f.id = ANY(${counted}::int[]) AND o.status = 'unroutable') AS unroutable
      FROM (SELECT extract(epoch FROM n.offered_at - f.expires_at) * 1000 AS ms
            FROM offers f JOIN offers n ON n.opportunity_id = f.opportunity_id AND n.round = f.round + 1
            WHERE f.id = ANY(${counted}::int[]) AND f.status = 'expired') x`;
    const num = (value: unknown) => (value === null || value === undefined ? null : round1(Number(value)));
    const span = Number(late!.span_s ?? 0);
    return {
      rate_per_s: options.rate,
      offers: counted.length,
      expired: late!.n as number,
      late_ms_p50: num(late!.p50),
      late_ms_p99: num(late!.p99),
      late_ms_max: num(late!.max),
      warmup_offers: ids.length - counted.length,
      worst_seconds: worst.map((w) => ({
        s: w.s as number,
        expiries: w.n as number,
        p50_ms: Math.round(Number(w.p50)),
        max_ms: Math.round(Number(w.max)),
      })),
      achieved_per_s: span > 0 ? round1((late!.n as number) / span) : null,
      reoffered: next!.n as number,
      reoffered_ms_p50: num(next!.p50),
      reoffered_ms_p99: num(next!.p99),
      unroutable: next!.unroutable as number,
      schedule_slack_ms: slackMs,
    };
  } finally {
    await timers.close();
    redis.disconnect();
    await database.close();
  }
}
