import { eq, asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import {
  accept,
  declineAndReroute,
  expireAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import { offers, opportunities, opportunityEvents, partners } from '../../db/schema';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let deps: LoopDeps;
const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
});
afterAll(() => database.drop());

async function threePartners() {
  // Distinct tiers make the order certain: platinum, then gold, then silver.
  const first = await makePartner(database.db, { tier: 'platinum', countries: ['FR'] });
  const second = await makePartner(database.db, { tier: 'gold', countries: ['FR'] });
  const third = await makePartner(database.db, { tier: 'silver', countries: ['FR'] });
  const customer = await makeCustomer(database.db, { country: 'FR' });
  return { first, second, third, customer };
}

async function offersOf(opportunityId: number) {
  return database.db
    .select()
    .from(offers)
    .where(eq(offers.opportunityId, opportunityId))
    .orderBy(asc(offers.round));
}

describe('the routing loop across three partners', () => {
  it('sends a declined lead to the next partner, an ignored one on at the deadline, and gives an accepted one to its partner', async () => {
    const { first, second, third, customer } = await threePartners();
    const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(routing).toMatchObject({ kind: 'offered', partnerId: first.id });
    const [firstOffer] = await offersOf(opportunityId);
    expect(firstOffer!.expiresAt.getTime() - firstOffer!.offeredAt.getTime()).toBe(48 * HOUR_MS);

    clock.advance(2 * HOUR_MS);
    const declined = await declineAndReroute(deps, {
      offerId: firstOffer!.id,
      userId: null,
      reason: 'no_capacity',
      note: 'Team is full until April',
    });
    expect(declined.next).toMatchObject({ kind: 'offered', partnerId: second.id });

    // The second partner stays silent past the deadline.
    clock.advance(48 * HOUR_MS + 1);
    const [, secondOffer] = await offersOf(opportunityId);
    const expired = await expireAndReroute(deps, secondOffer!.id);
    expect(expired?.next).toMatchObject({ kind: 'offered', partnerId: third.id });

    clock.advance(HOUR_MS);
    const [, , thirdOffer] = await offersOf(opportunityId);
    await accept(deps, { offerId: thirdOffer!.id, userId: null, scope: { partnerId: third.id } });

    const all = await offersOf(opportunityId);
    expect(all.map((o) => [o.partnerId, o.status])).toEqual([
      [first.id, 'declined'],
      [second.id, 'expired'],
      [third.id, 'accepted'],
    ]);
    expect(all[0]!.declineReason).toBe('no_capacity');
    const [opportunity] = await database.db
      .select()
      .from(opportunities)
      .where(eq(opportunities.id, opportunityId));
    expect(opportunity).toMatchObject({ status: 'accepted', acceptedPartnerId: third.id, rounds: 3 });
    const events = await database.db
      .select({ kind: opportunityEvents.kind })
      .from(opportunityEvents)
      .where(eq(opportunityEvents.opportunityId, opportunityId))
      .orderBy(asc(opportunityEvents.id));
    expect(events.map((e) => e.kind)).toEqual([
      'created',
      'offered',
      'declined',
      'offered',
      'expired',
      'offered',
      'accepted',
    ]);

    // Capacity: the two released offers freed their unit, the accepted lead keeps one.
    const loads = await database.db.select({ id: partners.id, openLoad: partners.openLoad }).from(partners);
    const loadOf = (id: number) => loads.find((p) => p.id === id)!.openLoad;
    expect([loadOf(first.id), loadOf(second.id), loadOf(third.id)]).toEqual([0, 0, 1]);
  });

  it('marks the lead unroutable, with the reason, when every partner has declined', async () => {
    const { customer } = await threePartners();
    const { opportunityId } = await submitOpportunity(
      deps,
      opportunityInput(customer.id, { productLine: 'storage' }),
    );
    for (let i = 0; i < 3; i++) {
      const pending = (await offersOf(opportunityId)).find((o) => o.status === 'pending');
      if (!pending) break;
      await declineAndReroute(deps, { offerId: pending.id, userId: null, reason: 'outside_expertise' });
    }
    const [opportunity] = await database.db
      .select()
      .from(opportunities)
      .where(eq(opportunities.id, opportunityId));
    // Earlier tests' French partners are eligible too; all of them were tried before giving up.
    expect(opportunity!.status === 'unroutable' || opportunity!.status === 'offered').toBe(true);
    while ((await offersOf(opportunityId)).some((o) => o.status === 'pending')) {
      const pending = (await offersOf(opportunityId)).find((o) => o.status === 'pending')!;
      await declineAndReroute(deps, { offerId: pending.id, userId: null, reason: 'outside_expertise' });
    }
    const [after] = await database.db.select().from(opportunities).where(eq(opportunities.id, opportunityId));
    expect(after).toMatchObject({ status: 'unroutable', unroutableReason: 'no_eligible_partner' });
    const [last] = await database.db
      .select()
      .from(opportunityEvents)
      .where(eq(opportunityEvents.opportunityId, opportunityId))
      .orderBy(asc(opportunityEvents.id))
      .then((rows) => rows.slice(-1));
    expect(last).toMatchObject({ kind: 'unroutable', detail: { reason: 'no_eligible_partner' } });
  });
});
