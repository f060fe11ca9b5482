import { Redis } from 'ioredis';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../app/domain/clock';
import { timerJobFor } from '../../app/domain/offers/timer-queue.server';
import { BullTimerScheduler } from '../../app/domain/offers/timer-queue.server';
import { pendingTimersAfter } from '../../app/domain/offers/timer-state.server';
import type { LoopDeps } from '../../app/domain/routing/loop.server';
import { startPrivateRedis, type LocalService } from '../../db/local-services';
import { offers, opportunities } from '../../db/schema';
import { reconcile } from '../../workers/reconciler';
import { insertPendingOffers } from '../support/bulk-offers';
import { makeCustomer, makePartner } from '../support/factories';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// FLUSHALL wipes a whole server, so this file gets a redis-server of its own.
let redisServer: LocalService;
let database: TestDatabase;
let connection: Redis;
let scheduler: BullTimerScheduler;
const prefix = testRedisPrefix();

beforeAll(async () => {
  redisServer = await startPrivateRedis('.data/test-flush');
  database = await createTestDatabase();
  connection = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  scheduler = new BullTimerScheduler(connection, prefix, systemClock);
});
afterAll(async () => {
  await scheduler.close();
  connection.disconnect();
  await database.drop();
  await redisServer.stop();
});

describe('losing every key in Redis', () => {
  it('loses no lead: one reconciler pass expires the overdue offers, routes them on and restores every timer', async () => {
    const first = await makePartner(database.db, { tier: 'platinum', maxOpen: 2000 });
    const others = [
      await makePartner(database.db, { tier: 'gold', maxOpen: 2000 }),
      await makePartner(database.db, { tier: 'silver', maxOpen: 2000 }),
    ];
    const customer = await makeCustomer(database.db);
    const now = Date.now();
    const overdueIds = await insertPendingOffers(database.db, {
      customerId: customer.id,
      partnerIds: [first.id],
      count: 300,
      offeredAt: new Date(now - 49 * 3_600_000),
      expiresAt: new Date(now - 60_000),
    });
    const futureIds = await insertPendingOffers(database.db, {
      customerId: customer.id,
      partnerIds: [first.id],
      count: 700,
      offeredAt: new Date(now - 3_600_000),
      expiresAt: new Date(now + 47 * 3_600_000),
    });
    await scheduler.schedule(await pendingTimersAfter(database.db, 0, 5000));
    expect(await scheduler.queue.getDelayedCount()).toBeGreaterThan(0);

    await connection.flushall();
    expect(await connection.dbsize()).toBe(0);

    const deps: LoopDeps = { db: database.db, clock: systemClock, timers: scheduler };
    const report = await reconcile(deps, scheduler.queue);
    expect(report.expired).toBe(300);

    const overdue = await database.db.select().from(offers).where(inArray(offers.id, overdueIds));
    expect(overdue.every((o) => o.status === 'expired')).toBe(true);
    const successors = await database.db
      .select({ opportunityId: offers.opportunityId, partnerId: offers.partnerId })
      .from(offers)
      .where(
        inArray(
          offers.partnerId,
          others.map((p) => p.id),
        ),
      );
    expect(new Set(successors.map((s) => s.opportunityId))).toEqual(
      new Set(overdue.map((o) => o.opportunityId)),
    );

    // Every pending offer (the 700 untouched and the 300 new ones) has its next timer in Redis.
    const pending = await pendingTimersAfter(database.db, 0, 5000);
    expect(pending).toHaveLength(1000);
    const keyPrefix = `${scheduler.queue.getBackend().qualifiedName}:`;
    const nowDate = new Date();
    const present = await Promise.all(
      pending.map((t) => connection.exists(keyPrefix + timerJobFor(t, nowDate).opts.jobId)),
    );
    expect(present.filter((p) => p !== 1)).toHaveLength(0);
    expect(pending.map((t) => t.offerId)).toEqual(expect.arrayContaining(futureIds));

    // No opportunity lost: each is offered with exactly one pending offer.
    const [orphans] = await database.db.execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM opportunities o
      WHERE (SELECT count(*) FROM offers f WHERE f.opportunity_id = o.id AND f.status = 'pending') <> 1`);
    expect(orphans!.n).toBe(0);
    const statuses = await database.db
      .selectDistinct({ status: opportunities.status })
      .from(opportunities)
      .where(eq(opportunities.customerId, customer.id));
    expect(statuses).toEqual([{ status: 'offered' }]);

    // A second pass finds nothing left to repair.
    expect(await reconcile(deps, scheduler.queue)).toMatchObject({
      expired: 0,
      routed: 0,
      timersRestored: 0,
    });
  });
});
