import { Job, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { timerJobId } from '../../app/domain/offers/checkpoints';
import { BullTimerScheduler, type OfferTimerJob } from '../../app/domain/offers/timer-queue.server';
import { submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { notifications, offers } from '../../db/schema';
import { offerTimerProcessor } from '../../workers/offer-timer.processor';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let connection: Redis;
let scheduler: BullTimerScheduler;
let deps: LoopDeps;
const clock = new ManualClock(new Date('2026-07-06T10:00:00Z'));
const prefix = testRedisPrefix();

beforeAll(async () => {
  database = await createTestDatabase();
  connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  scheduler = new BullTimerScheduler(connection, prefix, clock);
  deps = { db: database.db, clock, timers: scheduler };
});
afterAll(async () => {
  await scheduler.queue.obliterate({ force: true });
  await scheduler.close();
  connection.disconnect();
  await database.drop();
});

/** The job as BullMQ would hand it to the processor, read back from Redis. */
async function jobFromRedis(queue: Queue<OfferTimerJob>, id: string) {
  const job = await Job.fromId<OfferTimerJob>(queue, id);
  expect(job, `timer job ${id} in Redis`).toBeTruthy();
  return job!;
}

describe('a timer job delivered twice', () => {
  it('expires and re-routes once; the second delivery changes nothing', async () => {
    await makePartner(database.db, { tier: 'platinum' });
    await makePartner(database.db, { tier: 'silver' });
    const customer = await makeCustomer(database.db);
    const { routing } = await submitOpportunity(deps, opportunityInput(customer.id));
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    const offerId = routing.timer.offerId;

    // The first timer is the 24-hour reminder; move to the deadline and fire the deadline job.
    clock.advance(48 * HOUR_MS);
    const deadlineJobId = timerJobId(offerId, routing.timer.expiresAt);
    await scheduler.schedule([routing.timer]);
    const job = await jobFromRedis(scheduler.queue, deadlineJobId);
    const process = offerTimerProcessor(deps);

    expect(await process(job)).toBe('expired');
    const afterFirst = await snapshot(database.db);
    expect(await process(job)).toBe('not_pending');
    expect(await snapshot(database.db)).toEqual(afterFirst);
    const [offer] = await database.db.select().from(offers).where(eq(offers.id, offerId));
    expect(offer!.status).toBe('expired');
  });

  it('records one reminder however often the reminder job runs, and queues the next checkpoint', async () => {
    const customer = await makeCustomer(database.db);
    await makePartner(database.db, { tier: 'platinum', productLines: ['security'] });
    const { routing } = await submitOpportunity(
      deps,
      opportunityInput(customer.id, { productLine: 'security' }),
    );
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    const { offerId, expiresAt } = routing.timer;
    const reminderAt = new Date(expiresAt.getTime() - 24 * HOUR_MS);
    const job = await jobFromRedis(scheduler.queue, timerJobId(offerId, reminderAt));

    clock.set(reminderAt);
    const process = offerTimerProcessor(deps);
    expect(await process(job)).toBe('reminded');
    const afterFirst = await snapshot(database.db);
    expect(await process(job)).toBe('reminded');
    expect(await snapshot(database.db)).toEqual(afterFirst);
    const reminders = await database.db
      .select()
      .from(notifications)
      .where(eq(notifications.offerId, offerId));
    expect(reminders.filter((n) => n.kind === 'offer_reminder')).toHaveLength(1);
    // The 4-hour reminder is next: one job for it, whatever the number of deliveries.
    const nextAt = new Date(expiresAt.getTime() - 4 * HOUR_MS);
    const next = await jobFromRedis(scheduler.queue, timerJobId(offerId, nextAt));
    expect(await next.isDelayed()).toBe(true);
    // Two deliveries added one job between them. (The reminder job itself is still in Redis
    // only because this test called the processor by hand instead of through a worker.)
    const delayed = await scheduler.queue.getDelayed();
    expect(
      delayed
        .filter((j) => j.data.offerId === offerId)
        .map((j) => j.id)
        .sort(),
    ).toEqual([timerJobId(offerId, nextAt), timerJobId(offerId, reminderAt)].sort());
  });
});
