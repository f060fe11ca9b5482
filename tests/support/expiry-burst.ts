import { Redis } from 'ioredis';
import { inArray, sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { systemClock } from '../../app/domain/clock';
import { BullTimerScheduler } from '../../app/domain/offers/timer-queue.server';
import { pendingTimersAfter } from '../../app/domain/offers/timer-state.server';
import { offers, opportunityEvents } from '../../db/schema';
import { insertPendingOffers } from './bulk-offers';
import { makeCustomer, makePartner } from './factories';
import type { TestDatabase } from './test-database';

/**
 * `count` pending offers of one partner that all expire `inMs` from now, with their timers in
 * Redis under `prefix`, and two more partners ready to take the leads when they expire.
 */
export async function prepareExpiryBurst(
  database: TestDatabase,
  prefix: string,
  count: number,
  inMs: number,
) {
  const first = await makePartner(database.db, { tier: 'platinum', maxOpen: count });
  await makePartner(database.db, { tier: 'gold', maxOpen: count });
  await makePartner(database.db, { tier: 'silver', maxOpen: count });
  const customer = await makeCustomer(database.db);
  const expiresAt = new Date(Date.now() + inMs);
  const offerIds = await insertPendingOffers(database.db, {
    customerId: customer.id,
    partnerIds: [first.id],
    count,
    offeredAt: new Date(expiresAt.getTime() - 48 * 3_600_000),
    expiresAt,
  });
  const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const scheduler = new BullTimerScheduler(connection, prefix, systemClock);
  for (let after = 0; ;) {
    const page = await pendingTimersAfter(database.db, after, 2000);
    if (page.length === 0) break;
    await scheduler.schedule(page);
    after = page[page.length - 1]!.offerId;
  }
  return {
    offerIds,
    expiresAt,
    scheduler,
    async close() {
      await scheduler.queue.obliterate({ force: true });
      await scheduler.close();
      connection.disconnect();
    },
  };
}

export async function countExpiredEvents(database: TestDatabase, offerIds: number[]): Promise<number> {
  const [row] = await database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(opportunityEvents)
    .where(sql`${opportunityEvents.kind} = 'expired' AND ${inArray(opportunityEvents.offerId, offerIds)}`);
  return row!.n;
}

export async function countPending(database: TestDatabase, offerIds: number[]): Promise<number> {
  const [row] = await database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(offers)
    .where(sql`${offers.status} = 'pending' AND ${inArray(offers.id, offerIds)}`);
  return row!.n;
}

/**
 * What "each offer resolved exactly once" means in the tables: one expired event per offer,
 * and each lead offered exactly once more, to a partner it had not had before.
 */
export async function burstOutcome(database: TestDatabase, offerIds: number[]) {
  const [row] = await database.db.execute<{
    expired_offers: number;
    expired_events: number;
    offers_with_two_outcomes: number;
    leads: number;
    leads_with_one_new_offer: number;
    partners_with_wrong_load: number;
  }>(sql`
    WITH burst AS (SELECT id, opportunity_id FROM offers WHERE id = ANY(${sql.raw(`ARRAY[${offerIds.join(',')}]`)}))
    SELECT
      (SELECT count(*)::int FROM offers f JOIN burst b ON b.id = f.id WHERE f.status = 'expired') AS expired_offers,
      (SELECT count(*)::int FROM opportunity_events e JOIN burst b ON b.id = e.offer_id WHERE e.kind = 'expired') AS expired_events,
      (SELECT count(*)::int FROM (
         SELECT e.offer_id FROM opportunity_events e JOIN burst b ON b.id = e.offer_id
         WHERE e.kind <> 'offered' GROUP BY e.offer_id HAVING count(*) > 1) x) AS offers_with_two_outcomes,
      (SELECT count(DISTINCT opportunity_id)::int FROM burst) AS leads,
      (SELECT count(*)::int FROM (
         SELECT f.opportunity_id FROM offers f JOIN (SELECT DISTINCT opportunity_id FROM burst) b USING (opportunity_id)
         GROUP BY f.opportunity_id HAVING count(*) = 2 AND count(*) FILTER (WHERE f.status = 'pending') = 1) y) AS leads_with_one_new_offer,
      (SELECT count(*)::int FROM partners p WHERE p.open_load <> (
         SELECT count(*) FROM offers f WHERE f.partner_id = p.id AND f.status = 'pending')) AS partners_with_wrong_load`);
  return row!;
}
