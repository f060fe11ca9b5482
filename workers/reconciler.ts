import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { and, asc, eq, gt } from 'drizzle-orm';
import { opportunities } from '../db/schema';
import { pendingTimersAfter } from '../app/domain/offers/timer-state.server';
import { timerJobFor, type OfferTimerJob } from '../app/domain/offers/timer-queue.server';
import { expireDueAndReroute, routeBatchAndSchedule, type LoopDeps } from '../app/domain/routing/loop.server';
import { chunk, mapWithConcurrency } from './concurrency';

export interface ReconcileReport {
  expired: number;
  routed: number;
  timersRestored: number;
  pendingChecked: number;
}

const PAGE = 2000;

/**
 * Repairs everything from Postgres alone, so that losing Redis loses no lead: overdue offers
 * are expired and routed on, waiting opportunities are routed, and every pending offer whose
 * next timer job is missing from Redis gets it back.
 */
export async function reconcile(deps: LoopDeps, timerQueue: Queue<OfferTimerJob>): Promise<ReconcileReport> {
  const report: ReconcileReport = { expired: 0, routed: 0, timersRestored: 0, pendingChecked: 0 };

  for (;;) {
    // Offers another worker holds are skipped: an empty batch means nothing is left to take.
    const { expired } = await expireDueAndReroute(deps);
    if (expired.length === 0) break;
    report.expired += expired.length;
  }

  for (let after = 0; ;) {
    const waiting = await deps.db
      .select({ id: opportunities.id })
      .from(opportunities)
      .where(and(eq(opportunities.status, 'new'), gt(opportunities.id, after)))
      .orderBy(asc(opportunities.id))
      .limit(500);
    if (waiting.length === 0) break;
    const batches = chunk(
      waiting.map((o) => o.id),
      50,
    );
    const results = (await mapWithConcurrency(batches, 4, (ids) => routeBatchAndSchedule(deps, ids))).flat();
    report.routed += results.filter((r) => r.kind !== 'not_waiting').length;
    after = waiting[waiting.length - 1]!.id;
  }

  const backend = timerQueue.getBackend();
  // The Redis backend's client is ioredis underneath; EXISTS in one pipeline per page.
  const redis = (await backend.client) as unknown as Redis;
  const keyPrefix = `${backend.qualifiedName}:`;
  for (let after = 0; ;) {
    const page = await pendingTimersAfter(deps.db, after, PAGE);
    if (page.length === 0) break;
    const now = deps.clock.now();
    const jobs = page.map((timer) => timerJobFor(timer, now));
    const pipeline = redis.pipeline();
    for (const job of jobs) pipeline.exists(keyPrefix + job.opts.jobId);
    const exists = (await pipeline.exec()) ?? [];
    const missing = jobs.filter((_, i) => exists[i]?.[1] !== 1);
    if (missing.length > 0) await timerQueue.addBulk(missing);
    report.timersRestored += missing.length;
    report.pendingChecked += page.length;
    after = page[page.length - 1]!.offerId;
  }
  return report;
}
