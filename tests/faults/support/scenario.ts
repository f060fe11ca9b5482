import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { systemClock } from '../../../app/domain/clock';
import { BullTimerScheduler } from '../../../app/domain/offers/timer-queue.server';
import { createSession } from '../../../app/utils/session.server';
import { makeUser } from '../../support/auth-fixtures';
import { makeCustomer, makePartner } from '../../support/factories';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../../support/test-database';
import { Driver } from './driver';
import { startMailCounter, type MailCounter } from './mail-counter';
import {
  startOwnRedis,
  startWeb,
  startWorkerProcess,
  type RedisProcess,
  type WebProcess,
  type WorkerProcess,
} from './processes';
import { describeViolations, verify, type FaultTimes, type Verdict } from './verify';
import { PRODUCTION_SESSION_COOKIE, type Session } from './web-client';

/** The worker runs its reconciler this often (RECONCILE_EVERY_MS; 30 s by default). */
export const RECONCILER_PERIOD_MS = 5000;
/**
 * What a busy 2-core machine may add on top of the period: the reconciler's own pass, a worker
 * or Redis reconnecting. Deadlines must be met within period + allowance of the later of the
 * deadline and the recovery.
 */
export const ALLOWANCE_MS = 5000;

const PRODUCT_LINE = 'fault-line';
const PARTNERS = 4;
/** The steady stream runs this long; the fault falls in the middle. */
const LOAD_MS = 24_000;
const BURST_AT_MS = 3000;
const BURST_SIZE = 80;
/** The burst's first offers all expire this long after the burst began. */
const BURST_DEADLINE_AFTER_MS = 12_000;
const SETTLE_TIMEOUT_MS = 60_000;
/** How long a sender holds an email row (workers/email.processor.ts): a killed worker's rows wait this long. */
const EMAIL_LEASE_MS = 120_000;
const APP_SECRET = 'fault-scenarios-secret-0123456789abcdef';

export interface ScenarioContext {
  database: TestDatabase;
  driver: Driver;
  web: WebProcess;
  worker: WorkerProcess;
  ownRedis: RedisProcess | null;
  redisUrl: string;
  mail: MailCounter;
  fault: FaultTimes;
  /** When the burst began and when its first offers all expire (ms), once it has started. */
  burst: { startedAt: number; deadline: number };
  /** Resolves when the burst has begun. */
  burstStarted: Promise<void>;
  /** Sleeps until the given time (ms since the epoch). */
  until(time: number): Promise<void>;
  /** Free-form facts about the fault, shown with the result. */
  facts: string[];
}

export interface ScenarioSpec {
  name: string;
  /** FLUSHALL and SIGKILL need a redis-server of the scenario's own. */
  ownRedis?: boolean;
  /** Runs alongside the load; sets ctx.fault.startedAt / recoveredAt. */
  inject(ctx: ScenarioContext): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  verdict: Verdict;
  facts: string[];
  /** Web or worker exits the scenario did not cause (each restarted, as a process manager would). */
  crashes: number;
  seconds: number;
  settledCleanly: boolean;
}

export const describeResult = (result: ScenarioResult) =>
  `${result.name}: ${result.verdict.violations.length} violations\n${describeViolations(result.verdict.violations)}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runScenario(spec: ScenarioSpec, seed: number): Promise<ScenarioResult> {
  const began = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
  };
  try {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const ownRedis = spec.ownRedis ? await startOwnRedis('.data/test-faults') : null;
    if (ownRedis) cleanups.push(() => ownRedis.stop());
    const redisUrl = ownRedis?.url ?? inject('redisUrl');
    const prefix = testRedisPrefix();
    // Last to run: the shared Redis keeps nothing of this scenario (its own Redis is just stopped).
    if (!ownRedis) cleanups.push(() => deleteKeys(redisUrl, prefix));
    const mail = await startMailCounter();
    cleanups.push(() => mail.stop());

    const scene = await seedScene(database);
    const webEnv = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      APP_SECRET,
    };
    const [web, worker] = await Promise.all([
      startWeb(webEnv),
      startWorkerProcess({
        ...webEnv,
        NODE_ENV: 'production',
        WORKER_CONCURRENCY: '8',
        WORKER_STALLED_MS: '3000',
        RECONCILE_EVERY_MS: String(RECONCILER_PERIOD_MS),
        SMTP_URL: mail.url,
        MAIL_FROM: 'Baton <baton@baton.local>',
        PUBLIC_URL: 'http://127.0.0.1:3000',
        EMAIL_RETRY_BASE_MS: '500',
        DIGEST_HOUR_UTC: String((new Date().getUTCHours() + 12) % 24),
      }),
    ]);
    cleanups.push(() => web.stop());
    cleanups.push(() => worker.stop());

    // The driver's own Redis handle: fails fast while Redis is away instead of waiting for it.
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    const timers = new BullTimerScheduler(redis, prefix, systemClock);
    timers.queue.on('error', () => {});
    cleanups.push(async () => {
      await timers.close();
      redis.disconnect();
    });

    const driver = new Driver({
      db: database.db,
      webUrl: () => web.url,
      manager: scene.manager,
      reps: scene.reps,
      customerIds: scene.customerIds,
      productLine: PRODUCT_LINE,
      timers,
      redis,
      timerKeyPrefix: `${timers.queue.getBackend().qualifiedName}:`,
      seed,
      minWindowMs: 3000,
      spanWindowMs: 5000,
      createEveryMs: 500,
    });
    const fault: FaultTimes = { startedAt: 0, recoveredAt: 0, workerKills: [] };
    let startBurst!: () => void;
    const ctx: ScenarioContext = {
      database,
      driver,
      web,
      worker,
      ownRedis,
      redisUrl,
      mail,
      fault,
      burst: { startedAt: 0, deadline: 0 },
      burstStarted: new Promise<void>((resolve) => (startBurst = resolve)),
      until: async (time) => {
        await sleep(Math.max(0, time - Date.now()));
      },
      facts: [],
    };

    const loadStart = Date.now();
    driver.start();
    cleanups.push(() => driver.stopLoad());
    const burst = (async () => {
      await ctx.until(loadStart + BURST_AT_MS);
      ctx.burst.startedAt = Date.now();
      ctx.burst.deadline = ctx.burst.startedAt + BURST_DEADLINE_AFTER_MS;
      startBurst();
      await driver.burst(BURST_SIZE, 8, ctx.burst.deadline);
    })();
    await Promise.all([spec.inject(ctx), burst, ctx.until(loadStart + LOAD_MS)]);
    if (!fault.startedAt) throw new Error(`${spec.name}: the fault was never injected`);
    await driver.stopLoad();

    // A worker that crashed died like a killed one: its leased emails wait, one may go twice.
    const workerDeaths = () => [...fault.workerKills, ...worker.crashes.map((c) => c.at)];
    const settledCleanly = await settle(database, workerDeaths, ctx.facts);
    const verdict = await verify({
      db: database.db,
      client: database.client,
      ledger: driver.ledger,
      mail,
      fault: { ...fault, workerKills: workerDeaths() },
      reconcilerPeriodMs: RECONCILER_PERIOD_MS,
      allowanceMs: ALLOWANCE_MS,
    });
    const crashes = [
      ...web.crashes.map((c) => ({ process: 'web', ...c })),
      ...worker.crashes.map((c) => ({ process: 'worker', ...c })),
    ];
    for (const crash of crashes) {
      ctx.facts.push(
        `the ${crash.process} process crashed ${((crash.at - loadStart) / 1000).toFixed(1)} s into the run ` +
          `and was restarted; its last words:\n${lastWords(crash.output)}`,
      );
    }
    ctx.facts.push(
      `${driver.stats.deadlinesShortened} deadlines shortened, ${driver.stats.timersMissing} of them without the app's timer in Redis`,
    );
    if (driver.errors.length > 0) ctx.facts.push(`driver hiccups: ${driver.errors.slice(0, 3).join(' | ')}`);
    if (!settledCleanly) ctx.facts.push('did not come to rest within the settle timeout');
    if (mail.connectionErrors > 0) {
      ctx.facts.push(
        `the mail server saw ${mail.connectionErrors} connections break (a sender killed mid-conversation)`,
      );
    }
    if (verdict.violations.length > 0) {
      ctx.facts.push(`worker output (tail):\n${worker.output().slice(-3000)}`);
      ctx.facts.push(`web output (tail):\n${web.output().slice(-2000)}`);
    }
    return {
      name: spec.name,
      verdict,
      facts: ctx.facts,
      crashes: crashes.length,
      seconds: (Date.now() - began) / 1000,
      settledCleanly,
    };
  } finally {
    await cleanup();
  }
}

/**
 * Four partners selling the scenario's product line in Germany with a rep each, a channel
 * manager who creates the leads, three customers, and a one-hour window without reminders
 * (the driver shortens each deadline to seconds).
 */
async function seedScene(database: TestDatabase) {
  const { db } = database;
  await db.execute(
    sql`UPDATE routing_settings SET window_hours = 1, reminder_offsets_hours = '{}' WHERE id = 1`,
  );
  const session = async (userId: number): Promise<Session> => {
    const { token, session: row } = await createSession(userId, { db, clock: systemClock });
    return { userId, cookie: `${PRODUCTION_SESSION_COOKIE}=${token}`, csrf: row.csrfToken };
  };
  const reps = new Map<number, Session>();
  const tiers = ['platinum', 'gold', 'silver', 'registered'] as const;
  for (let i = 0; i < PARTNERS; i++) {
    const partner = await makePartner(db, {
      tier: tiers[i % tiers.length],
      productLines: [PRODUCT_LINE],
      countries: ['DE'],
      maxOpen: 1000,
    });
    const rep = await makeUser(db, { role: 'partner_rep', partnerId: partner.id });
    reps.set(partner.id, await session(rep.id));
  }
  const manager = await makeUser(db, { role: 'channel_manager' });
  const customerIds: number[] = [];
  for (let i = 0; i < 3; i++) customerIds.push((await makeCustomer(db)).id);
  return { manager: await session(manager.id), reps, customerIds };
}

/**
 * Waits until the system is at rest: no short deadline left, no lead waiting for routing, no
 * event waiting for fan-out, no email row waiting to be sent (a row leased by a killed worker
 * is waited for until its lease has run out and a period more). False on timeout; the checks
 * then say what was left.
 */
async function settle(
  database: TestDatabase,
  workerDeaths: () => number[],
  facts: string[],
): Promise<boolean> {
  const began = Date.now();
  let deadline = began + SETTLE_TIMEOUT_MS;
  let leased = 0;
  for (;;) {
    const [state] = [
      ...(await database.db.execute<{
        short_pending: number;
        waiting: number;
        unsent: number;
        lease_ms: string | null;
        leased: number;
      }>(sql`
        SELECT
          (SELECT count(*)::int FROM offers WHERE status = 'pending' AND expires_at < now() + interval '30 minutes') AS short_pending,
          (SELECT count(*)::int FROM opportunities WHERE status = 'new') AS waiting,
          (SELECT count(*)::int FROM notifications WHERE status IN ('pending', 'sending')) AS unsent,
          (SELECT (extract(epoch FROM max(lease_until)) * 1000)::bigint::text FROM notifications
            WHERE status = 'sending'
              AND lease_until <= ${new Date(Math.max(0, ...workerDeaths()) + EMAIL_LEASE_MS + 1000).toISOString()}::timestamptz
          ) AS lease_ms,
          (SELECT count(*)::int FROM notifications
            WHERE status = 'sending'
              AND lease_until <= ${new Date(Math.max(0, ...workerDeaths()) + EMAIL_LEASE_MS + 1000).toISOString()}::timestamptz
          ) AS leased`)),
    ];
    if (state && state.short_pending === 0 && state.waiting === 0 && state.unsent === 0) {
      if (leased > 0) {
        facts.push(
          `${leased} email rows leased by the killed worker waited for their lease to run out; ` +
            `the system came to rest ${((Date.now() - began) / 1000).toFixed(0)} s after the load stopped`,
        );
      }
      return true;
    }
    leased = Math.max(leased, state?.leased ?? 0);
    // A killed worker's lease holds its email until it runs out; wait for that, then a period.
    if (state?.lease_ms && workerDeaths().length > 0) {
      deadline = Math.max(deadline, Number(state.lease_ms) + RECONCILER_PERIOD_MS + ALLOWANCE_MS);
    }
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

/** The lines of a crashed process's output that say why: the error, without the stack frames. */
function lastWords(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '' && !/^\s+at /.test(line));
  return lines.slice(-8).join('\n');
}

/** Every key under the scenario's prefix, deleted from a Redis other tests share. */
async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
