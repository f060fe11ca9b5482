import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { killAllStarted } from './support/processes';
import { printTable } from './support/report';
import {
  ALLOWANCE_MS,
  RECONCILER_PERIOD_MS,
  describeResult,
  runScenario,
  type ScenarioContext,
  type ScenarioResult,
  type ScenarioSpec,
} from './support/scenario';

/**
 * `npm run test:faults`: each scenario starts from a busy system (leads created, offers
 * accepted, declined and expiring, through the real web server, worker and mail server), breaks
 * one thing in the middle, and ends with the invariant checker and the ledger of what was done
 * held against the database and the mail server (see support/verify.ts for what passes).
 */

const results: ScenarioResult[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => {
  killAllStarted();
  printTable(results, { reconcilerPeriodMs: RECONCILER_PERIOD_MS, allowanceMs: ALLOWANCE_MS });
});

/** Burst offers that have expired so far (their leads were "burst #…" and this was round 1). */
async function burstExpiries(
  ctx: ScenarioContext,
): Promise<{ expired: number; pending: number; waiting: number }> {
  const [row] = await ctx.database.client<{ expired: number; pending: number; waiting: number }[]>`
    SELECT count(*) FILTER (WHERE f.status = 'expired')::int AS expired,
           count(*) FILTER (WHERE f.status = 'pending')::int AS pending,
           count(*) FILTER (WHERE o.status = 'new')::int AS waiting
    FROM offers f JOIN opportunities o ON o.id = f.opportunity_id
    WHERE o.need LIKE 'burst %' AND f.round = 1`;
  return row!;
}

const scenarios: ScenarioSpec[] = [
  {
    name: 'worker SIGKILL mid-burst, restarted',
    async inject(ctx) {
      await ctx.burstStarted;
      await ctx.until(ctx.burst.deadline);
      // Kill as soon as the burst's expiries are under way.
      const giveUp = Date.now() + 10_000;
      while ((await burstExpiries(ctx)).expired === 0 && Date.now() < giveUp) await sleep(20);
      const before = await burstExpiries(ctx);
      ctx.fault.startedAt = Date.now();
      ctx.fault.workerKills.push(ctx.fault.startedAt);
      await ctx.worker.kill();
      ctx.facts.push(
        `killed with ${before.expired} burst offers expired, ${before.pending} still pending, ` +
          `and ${before.waiting} burst leads waiting to be routed on`,
      );
      await sleep(1000);
      await ctx.worker.restart();
      ctx.fault.recoveredAt = Date.now();
    },
  },
  {
    name: 'Redis FLUSHALL',
    ownRedis: true,
    async inject(ctx) {
      await ctx.burstStarted;
      await ctx.until(ctx.burst.deadline - 1500);
      const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        const keys = await redis.dbsize();
        ctx.fault.startedAt = Date.now();
        await redis.flushall();
        ctx.fault.recoveredAt = Date.now();
        ctx.facts.push(`${keys} keys flushed`);
      } finally {
        redis.disconnect();
      }
    },
  },
  {
    name: 'Redis SIGKILL, restarted empty',
    ownRedis: true,
    async inject(ctx) {
      await ctx.burstStarted;
      await ctx.until(ctx.burst.deadline - 1500);
      ctx.fault.startedAt = Date.now();
      await ctx.ownRedis!.kill();
      await sleep(4000);
      await ctx.ownRedis!.restart();
      ctx.fault.recoveredAt = Date.now();
      ctx.facts.push(`Redis down for ${ctx.fault.recoveredAt - ctx.fault.startedAt} ms`);
    },
  },
  {
    name: 'Postgres: every app and worker connection terminated',
    async inject(ctx) {
      await ctx.burstStarted;
      await ctx.until(ctx.burst.deadline + 100);
      const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
      try {
        const killed: Record<string, number> = {};
        for (let wave = 0; wave < 3; wave++) {
          if (wave === 0) ctx.fault.startedAt = Date.now();
          else await sleep(1000);
          const rows = await admin<{ app: string; n: number }[]>`
            SELECT application_name AS app, count(pg_terminate_backend(pid))::int AS n
            FROM pg_stat_activity
            WHERE datname = ${ctx.database.name} AND application_name IN ('baton-web', 'baton-worker')
            GROUP BY application_name`;
          for (const row of rows) killed[row.app] = (killed[row.app] ?? 0) + row.n;
        }
        ctx.fault.recoveredAt = Date.now();
        ctx.facts.push(
          `connections terminated: web ${killed['baton-web'] ?? 0}, worker ${killed['baton-worker'] ?? 0}`,
        );
        if (!killed['baton-web'] || !killed['baton-worker']) {
          throw new Error(`expected to terminate web and worker connections, got ${JSON.stringify(killed)}`);
        }
      } finally {
        await admin.end();
      }
    },
  },
  {
    name: 'SMTP server down, then back',
    async inject(ctx) {
      await ctx.burstStarted;
      ctx.fault.startedAt = Date.now();
      await ctx.mail.stop();
      const arrivedBefore = ctx.mail.total;
      await ctx.until(ctx.burst.deadline + 5000);
      await ctx.mail.start();
      ctx.fault.recoveredAt = Date.now();
      ctx.facts.push(
        `mail server down for ${ctx.fault.recoveredAt - ctx.fault.startedAt} ms (${arrivedBefore} messages before)`,
      );
    },
  },
  {
    name: 'web SIGKILL with requests in flight',
    async inject(ctx) {
      await ctx.burstStarted;
      await sleep(1500);
      // The kill must cut requests off mid-way; a kill that happened to fall between requests
      // proves nothing, so it is tried again (at most three times).
      for (let attempt = 1; ; attempt++) {
        // More requests on top of the burst's, so that some are surely mid-way.
        const volley = ctx.driver.volley(12);
        await sleep(100);
        const giveUp = Date.now() + 2000;
        while (ctx.driver.requestsInFlight < 8 && Date.now() < giveUp) await sleep(5);
        const inFlight = ctx.driver.requestsInFlight;
        const killedAt = Date.now();
        ctx.fault.startedAt ||= killedAt;
        await ctx.web.kill();
        await sleep(1500);
        await ctx.web.restart();
        ctx.fault.recoveredAt = Date.now();
        await volley;
        const cutOff = ctx.driver.ledger.filter(
          (e) => e.outcome === 'unknown' && e.startedAt < killedAt && e.endedAt >= killedAt,
        ).length;
        ctx.facts.push(
          `kill ${attempt}: ${inFlight} requests in flight, ${cutOff} of them cut off without an answer; ` +
            `web down ${ctx.fault.recoveredAt - killedAt} ms`,
        );
        if (cutOff > 0) return;
        if (attempt === 3) {
          throw new Error(
            `no request was cut off by three kills:\n${ctx.facts.join('\n')}\n${ctx.web.output()}`,
          );
        }
        await sleep(1000);
      }
    },
  },
];

describe('fault scenarios', () => {
  scenarios.forEach((spec, i) => {
    it(spec.name, async () => {
      const result = await runScenario(spec, 1000 + i);
      results.push(result);
      expect(result.verdict.violations.length, describeResult(result)).toBe(0);
      expect(result.settledCleanly, `${spec.name} did not come to rest`).toBe(true);
    });
  });
});
