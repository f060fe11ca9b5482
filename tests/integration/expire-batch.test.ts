import { and, eq, inArray } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../app/domain/clock';
import { isDomainError } from '../../app/domain/errors';
import { expireDueOffers } from '../../app/domain/offers/expire-batch.server';
import { acceptOffer, expireOffer } from '../../app/domain/offers/lifecycle.server';
import { expireDueAndReroute, type LoopDeps } from '../../app/domain/routing/loop.server';
import { checkInvariants } from '../../db/check-invariants';
import { notifications, offers, opportunities, opportunityEvents, partners } from '../../db/schema';
import { insertPendingOffers } from '../support/bulk-offers';
import { makeCustomer, makePartner } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Every test gets a database of its own: a batch takes every offer due in the database.
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const HOUR_MS = 3_600_000;
const PERIOD_MS = 30_000;
/** Near the real time, so that the invariant checker (which reads now()) sees a live system. */
const deadlineSoon = () => new Date(Math.floor(Date.now() / 1000) * 1000 - 2000);
const at = (date: Date, ms = 0): Clock => ({ now: () => new Date(date.getTime() + ms) });

async function pendingOffersDue(partnerIds: number[], count: number, expiresAt: Date): Promise<number[]> {
  const customer = await makeCustomer(database.db);
  return insertPendingOffers(database.db, {
    customerId: customer.id,
    partnerIds,
    count,
    offeredAt: new Date(expiresAt.getTime() - 48 * HOUR_MS),
    expiresAt,
  });
}

const statusesOf = async (offerIds: number[]) =>
  new Map(
    (
      await database.db
        .select({ id: offers.id, status: offers.status })
        .from(offers)
        .where(inArray(offers.id, offerIds))
    ).map((o) => [o.id, o.status]),
  );

const partnerRow = async (partnerId: number) =>
  (await database.db.select().from(partners).where(eq(partners.id, partnerId)))[0]!;

describe('expiring every offer due at once', () => {
  it('takes exactly the offers whose deadline has passed, latest first, up to the limit', async () => {
    const partner = await makePartner(database.db, { maxOpen: 1000 });
    const deadline = new Date('2026-06-01T12:00:00Z');
    const earlier = await pendingOffersDue([partner.id], 3, new Date(deadline.getTime() - 60_000));
    const due = await pendingOffersDue([partner.id], 10, deadline);
    const aMillisecondLater = await pendingOffersDue([partner.id], 5, new Date(deadline.getTime() + 1));

    const first = await expireDueOffers(database.db, deadline, 4);
    expect(first.map((e) => e.offerId)).toEqual(due.slice(6));
    const rest = await expireDueOffers(database.db, deadline);
    expect(rest.map((e) => e.offerId)).toEqual([...earlier, ...due.slice(0, 6)]);
    expect(await expireDueOffers(database.db, deadline)).toEqual([]);

    const statuses = await statusesOf([...earlier, ...due, ...aMillisecondLater]);
    for (const id of [...earlier, ...due]) expect(statuses.get(id)).toBe('expired');
    for (const id of aMillisecondLater) expect(statuses.get(id)).toBe('pending');
    expect(first[0]).toMatchObject({ partnerId: partner.id });
    expect((await partnerRow(partner.id)).openLoad).toBe(5);
  });

  it('takes the offer whose timer fired first, whatever its place among the due', async () => {
    const partner = await makePartner(database.db, { maxOpen: 1000 });
    const deadline = new Date('2026-06-01T12:00:00Z');
    const due = await pendingOffersDue([partner.id], 10, deadline);
    const notDue = await pendingOffersDue([partner.id], 1, new Date(deadline.getTime() + 1));

    const batch = await expireDueOffers(database.db, deadline, 3, { including: due[7] });
    // Its own offer, then the latest due: here the two others after it.
    expect(batch.map((e) => e.offerId).sort((a, b) => a - b)).toEqual([due[7], due[8], due[9]]);
    // An offer not yet due is not taken, even when named; its place in the batch stays empty.
    expect(await expireDueOffers(database.db, deadline, 3, { including: notDue[0] })).toHaveLength(2);
    expect((await statusesOf(notDue)).get(notDue[0]!)).toBe('pending');
  });

  it('writes the same rows as expiring the offers one by one', async () => {
    const first = await makePartner(database.db, { maxOpen: 10 });
    const second = await makePartner(database.db, { maxOpen: 10 });
    const deadline = new Date('2026-06-01T12:00:00Z');
    const [oneByOne] = await pendingOffersDue([first.id], 1, deadline);
    const [inBatch] = await pendingOffersDue([second.id], 1, deadline);

    expect(await expireOffer(database.db, oneByOne!, at(deadline, 250))).toMatchObject({
      offerId: oneByOne,
      partnerId: first.id,
    });
    expect(await expireDueOffers(database.db, new Date(deadline.getTime() + 250))).toEqual([
      expect.objectContaining({ offerId: inBatch, partnerId: second.id }),
    ]);

    const rowsOf = async (offerId: number) => {
      const [offer] = await database.db.select().from(offers).where(eq(offers.id, offerId));
      const [opportunity] = await database.db
        .select()
        .from(opportunities)
        .where(eq(opportunities.id, offer!.opportunityId));
      const events = await database.db
        .select()
        .from(opportunityEvents)
        .where(and(eq(opportunityEvents.offerId, offerId), eq(opportunityEvents.kind, 'expired')));
      const sent = await database.db.select().from(notifications).where(eq(notifications.offerId, offerId));
      const partner = await partnerRow(offer!.partnerId);
      return {
        offer: { status: offer!.status, respondedAt: offer!.respondedAt },
        opportunity: { status: opportunity!.status, updatedAt: opportunity!.updatedAt },
        events: events.map((e) => ({
          opportunityId: e.opportunityId === offer!.opportunityId,
          partnerId: e.partnerId === offer!.partnerId,
          actorUserId: e.actorUserId,
          at: e.at,
          detail: e.detail,
        })),
        notifications: sent.map((n) => ({
          kind: n.kind,
          audience: n.audience,
          partnerId: n.partnerId === offer!.partnerId,
          opportunityId: n.opportunityId === offer!.opportunityId,
          dedupeKey: n.dedupeKey.replace(String(offerId), '<id>'),
          payload: n.payload,
          status: n.status,
          createdAt: n.createdAt,
        })),
        partner: { openLoad: partner.openLoad, offersExpired: partner.offersExpired },
      };
    };
    const expected = await rowsOf(oneByOne!);
    expect(expected.events).toEqual([
      expect.objectContaining({ detail: { expiresAt: expect.any(String), lateMs: 250 } }),
    ]);
    expect(expected.notifications).toEqual([
      expect.objectContaining({ kind: 'offer_expired', dedupeKey: 'offer-expired-<id>' }),
    ]);
    expect(expected.partner).toEqual({ openLoad: 0, offersExpired: 1 });
    expect(await rowsOf(inBatch!)).toEqual(expected);
  });

  it('counts each partner once for all of its offers in the batch', async () => {
    const busy = await makePartner(database.db, { maxOpen: 1000 });
    const quiet = await makePartner(database.db, { maxOpen: 1000 });
    const deadline = new Date('2026-06-01T12:00:00Z');
    await pendingOffersDue([busy.id], 300, deadline);
    await pendingOffersDue([quiet.id], 20, deadline);
    await pendingOffersDue([busy.id], 5, new Date(deadline.getTime() + HOUR_MS));

    const expired = await expireDueOffers(database.db, deadline, 500);
    expect(expired).toHaveLength(320);
    expect(await partnerRow(busy.id)).toMatchObject({ openLoad: 5, offersExpired: 300 });
    expect(await partnerRow(quiet.id)).toMatchObject({ openLoad: 0, offersExpired: 20 });
    const events = await database.db
      .select({ offerId: opportunityEvents.offerId })
      .from(opportunityEvents)
      .where(eq(opportunityEvents.kind, 'expired'));
    expect(events.map((e) => e.offerId).sort()).toEqual(expired.map((e) => e.offerId).sort());
  });

  it('skips offers another transaction holds instead of waiting for them', async () => {
    const partner = await makePartner(database.db, { maxOpen: 1000 });
    const deadline = new Date('2026-06-01T12:00:00Z');
    const due = await pendingOffersDue([partner.id], 20, deadline);
    const held = due.slice(0, 5);

    let releaseHold!: () => void;
    const holding = new Promise<void>((resolve) => (releaseHold = resolve));
    let heldNow!: () => void;
    const locked = new Promise<void>((resolve) => (heldNow = resolve));
    const holder = database.client.begin(async (tx) => {
      await tx`SELECT id FROM offers WHERE id = ANY(${held}::int[]) FOR UPDATE`;
      heldNow();
      await holding;
    });
    await locked;
    const whileHeld = await expireDueOffers(database.db, deadline);
    releaseHold();
    await holder;
    expect(whileHeld.map((e) => e.offerId)).toEqual(due.slice(5));
    const afterwards = await expireDueOffers(database.db, deadline);
    expect(afterwards.map((e) => e.offerId)).toEqual(held);
  });

  it('lets concurrent workers split a set of due offers without overlap or loss', async () => {
    const owners = await Promise.all(
      Array.from({ length: 7 }, () => makePartner(database.db, { maxOpen: 1000 })),
    );
    const deadline = new Date('2026-06-01T12:00:00Z');
    const due = await pendingOffersDue(
      owners.map((p) => p.id),
      1200,
      deadline,
    );
    const worker = async () => {
      const taken: number[] = [];
      for (;;) {
        const batch = await expireDueOffers(database.db, deadline, 150);
        if (batch.length === 0) return taken;
        taken.push(...batch.map((e) => e.offerId));
      }
    };
    const takenByEach = await Promise.all([worker(), worker(), worker(), worker()]);
    const all = takenByEach.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort((a, b) => a - b)).toEqual(due);
    for (const owner of owners) {
      const row = await partnerRow(owner.id);
      expect(row.openLoad).toBe(0);
      expect(row.offersExpired).toBeGreaterThan(0);
    }
    const totalExpired = (await Promise.all(owners.map((o) => partnerRow(o.id)))).reduce(
      (sum, p) => sum + p.offersExpired,
      0,
    );
    expect(totalExpired).toBe(1200);
  });

  it('gives an accept racing the deadline exactly one winner, and leaves every invariant holding', async () => {
    const first = await makePartner(database.db, { maxOpen: 1000 });
    const next = await makePartner(database.db, { maxOpen: 1000 });
    const deadline = deadlineSoon();
    const offerIds = await pendingOffersDue([first.id], 200, deadline);
    const depsAt = (ms: number): LoopDeps => ({
      db: database.db,
      clock: at(deadline, ms),
      timers: new RecordingTimers(),
    });
    // The partner clicks within the last milliseconds while batches expire on the deadline.
    const accepts = offerIds.map((offerId, i) =>
      acceptOffer(
        database.db,
        { offerId, userId: null, scope: { partnerId: first.id } },
        at(deadline, -(i % 3)),
      ),
    );
    const sweeps = [0, 1, 0, 1].map(async (ms) => {
      for (let round = 0; round < 5; round++) await expireDueAndReroute(depsAt(ms), 40);
    });
    const outcomes = await Promise.allSettled(accepts);
    await Promise.all(sweeps);
    // Whatever a sweep skipped while an accept held it, and the accept then lost, is taken now.
    while ((await expireDueAndReroute(depsAt(2))).expired.length > 0);

    const statuses = await statusesOf(offerIds);
    offerIds.forEach((offerId, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'fulfilled') expect(statuses.get(offerId)).toBe('accepted');
      else {
        expect(isDomainError(outcome.reason)).toBe(true);
        expect(statuses.get(offerId)).toBe('expired');
      }
      // At the deadline itself the accept is refused: the deadline is expires_at.
      if (i % 3 === 0) expect(outcome.status).toBe('rejected');
    });
    const expired = offerIds.filter((id) => statuses.get(id) === 'expired');
    expect(expired.length).toBeGreaterThanOrEqual(Math.ceil(offerIds.length / 3));

    const answers = await database.db
      .select({ offerId: opportunityEvents.offerId, kind: opportunityEvents.kind })
      .from(opportunityEvents)
      .where(and(inArray(opportunityEvents.offerId, offerIds)));
    for (const offerId of offerIds) {
      expect(answers.filter((e) => e.offerId === offerId && e.kind !== 'offered')).toEqual([
        { offerId, kind: statuses.get(offerId) },
      ]);
    }
    // Every expired lead went straight on to the other partner.
    const successors = await database.db.select().from(offers).where(eq(offers.partnerId, next.id));
    const [firstOffers] = [await database.db.select().from(offers).where(inArray(offers.id, expired))];
    expect(successors.map((o) => o.opportunityId).sort()).toEqual(
      firstOffers.map((o) => o.opportunityId).sort(),
    );
    expect(await checkInvariants(database.client, { reconcilerPeriodMs: PERIOD_MS })).toEqual([]);
  });
});
