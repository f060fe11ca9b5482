import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '../../app/domain/errors';
import { accept, expireAndReroute, type LoopDeps } from '../../app/domain/routing/loop.server';
import { offers, opportunityEvents } from '../../db/schema';
import { insertPendingOffers } from '../support/bulk-offers';
import { makeCustomer, makePartner } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const RACES = 200;

describe('an accept racing the expiry at the deadline', () => {
  it('has exactly one winner for each of 200 offers, and the event log agrees', async () => {
    const partnerA = await makePartner(database.db, { maxOpen: 1000 });
    const partnerB = await makePartner(database.db, { maxOpen: 1000 });
    const customer = await makeCustomer(database.db);
    const expiresAt = new Date('2026-05-04T12:00:00Z');
    const offeredAt = new Date(expiresAt.getTime() - 48 * 3_600_000);
    const offerIds = await insertPendingOffers(database.db, {
      customerId: customer.id,
      partnerIds: [partnerA.id],
      count: RACES,
      offeredAt,
      expiresAt,
    });
    // The partner clicks within the last milliseconds; the timer fires on the deadline or just after.
    const depsAt = (ms: number): LoopDeps => ({
      db: database.db,
      clock: { now: () => new Date(expiresAt.getTime() + ms) },
      timers: new RecordingTimers(),
    });
    const outcomes = await Promise.all(
      offerIds.map(async (offerId, i) => {
        const acceptAt = -(i % 3); // 0, -1 or -2 ms before the deadline
        const [accepted, expired] = await Promise.allSettled([
          accept(depsAt(acceptAt), { offerId, userId: null, scope: { partnerId: partnerA.id } }),
          expireAndReroute(depsAt(i % 2), offerId),
        ]);
        return { offerId, accepted, expired };
      }),
    );

    for (const { accepted, expired } of outcomes) {
      const acceptWon = accepted.status === 'fulfilled';
      const expiryWon = expired.status === 'fulfilled' && expired.value !== null;
      expect(acceptWon !== expiryWon).toBe(true);
      if (!acceptWon) {
        expect(accepted.status === 'rejected' && isDomainError(accepted.reason)).toBe(true);
      }
    }
    const finalOffers = await database.db.select().from(offers).where(inArray(offers.id, offerIds));
    expect(finalOffers.every((o) => o.status === 'accepted' || o.status === 'expired')).toBe(true);
    // At the deadline itself (acceptAt 0) the accept is refused: the deadline is expires_at.
    const atDeadline = outcomes.filter((_, i) => i % 3 === 0);
    expect(atDeadline.every((o) => o.accepted.status === 'rejected')).toBe(true);

    const events = await database.db
      .select({
        offerId: opportunityEvents.offerId,
        kind: opportunityEvents.kind,
        n: sql<number>`count(*)::int`,
      })
      .from(opportunityEvents)
      .where(inArray(opportunityEvents.offerId, offerIds))
      .groupBy(opportunityEvents.offerId, opportunityEvents.kind);
    for (const offer of finalOffers) {
      const kinds = events.filter((e) => e.offerId === offer.id);
      expect(kinds.filter((k) => k.kind !== 'offered')).toEqual([
        { offerId: offer.id, kind: offer.status, n: 1 },
      ]);
    }
    // Every expired lead went straight on to the other partner.
    const expiredOnes = finalOffers.filter((o) => o.status === 'expired');
    expect(expiredOnes.length).toBeGreaterThan(0);
    const successors = await database.db.select().from(offers).where(eq(offers.partnerId, partnerB.id));
    expect(successors.map((o) => o.opportunityId).sort()).toEqual(
      expiredOnes.map((o) => o.opportunityId).sort(),
    );
  });
});
