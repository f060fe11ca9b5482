import { gt, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import {
  acceptOffer,
  declineOffer,
  expireOffer,
  withdrawOffer,
} from '../../app/domain/offers/lifecycle.server';
import { takeLeadBack } from '../../app/domain/offers/take-back.server';
import { createOpportunity } from '../../app/domain/opportunities/create-opportunity.server';
import { extendDeadline, offerByHand } from '../../app/domain/routing/manager-actions.server';
import { routeOpportunity } from '../../app/domain/routing/route-opportunity.server';
import { TRANSITIONS, type Transition } from '../../app/domain/side-effects.server';
import { notifications, opportunityEvents, partners } from '../../db/schema';
import { makeUser } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Every transition of the loop writes exactly the side effects its entry in TRANSITIONS names
 * (side-effects.server.ts): one event of its kind, its notifications, and its partner counters.
 * The table is what a new side effect is added to, so this checks the table against the rows.
 */
let database: TestDatabase;
const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
let partnerId: number;
let managerId: number;
let customerId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  partnerId = (await makePartner(database.db, { countries: ['PT'], maxOpen: 50 })).id;
  customerId = (await makeCustomer(database.db, { country: 'PT' })).id;
  managerId = (await makeUser(database.db, { role: 'channel_manager' })).id;
});
afterAll(() => database.drop());

type Counters = Pick<
  typeof partners.$inferSelect,
  'openLoad' | 'offersAnswered' | 'offersAccepted' | 'offersExpired'
>;

async function counters(): Promise<Counters> {
  const [row] = await database.db
    .select({
      openLoad: partners.openLoad,
      offersAnswered: partners.offersAnswered,
      offersAccepted: partners.offersAccepted,
      offersExpired: partners.offersExpired,
    })
    .from(partners)
    .where(inArray(partners.id, [partnerId]));
  return row!;
}

/** The rows `work` wrote besides its own change, as the table would predict them. */
async function effectsOf(work: () => Promise<unknown>) {
  const [lastEvent] = await database.db
    .$client`SELECT coalesce(max(id), 0)::int AS id FROM opportunity_events`;
  const [lastNotification] = await database.db
    .$client`SELECT coalesce(max(id), 0)::int AS id FROM notifications`;
  const before = await counters();
  await work();
  const after = await counters();
  const events = await database.db
    .select({ kind: opportunityEvents.kind })
    .from(opportunityEvents)
    .where(gt(opportunityEvents.id, lastEvent!.id));
  const sent = await database.db
    .select({ kind: notifications.kind })
    .from(notifications)
    .where(gt(notifications.id, lastNotification!.id));
  return {
    events: events.map((e) => e.kind),
    notifications: sent.map((n) => n.kind).sort(),
    counters: {
      openLoad: after.openLoad - before.openLoad,
      answered: after.offersAnswered - before.offersAnswered,
      accepted: after.offersAccepted - before.offersAccepted,
      expired: after.offersExpired - before.offersExpired,
    },
  };
}

function predicted(transition: Transition, partnerCounters?: Partial<Record<string, number>>) {
  const spec = TRANSITIONS[transition];
  const partner = spec.partner as {
    openLoad: number;
    answered?: true;
    accepted?: true;
    expired?: true;
  } | null;
  return {
    events: [spec.event],
    notifications: spec.notifications.map((n) => n.kind).sort(),
    counters: partnerCounters ?? {
      openLoad: partner?.openLoad ?? 0,
      answered: partner?.answered ? 1 : 0,
      accepted: partner?.accepted ? 1 : 0,
      expired: partner?.expired ? 1 : 0,
    },
  };
}

async function newLead(overrides: Record<string, unknown> = {}) {
  return (await createOpportunity(database.db, opportunityInput(customerId, overrides), clock)).opportunityId;
}

async function offered(opportunityId: number) {
  const routed = await routeOpportunity(database.db, opportunityId, clock);
  if (routed.kind !== 'offered') throw new Error(`expected an offer, got ${routed.kind}`);
  return routed.timer.offerId;
}

const claimOne = { openLoad: 1, answered: 0, accepted: 0, expired: 0 };
const nothing = { openLoad: 0, answered: 0, accepted: 0, expired: 0 };

describe('the side effects of every transition', () => {
  it('an offer by routing and by hand: its event and notification, and one unit of capacity claimed', async () => {
    const lead = await newLead();
    expect(await effectsOf(() => routeOpportunity(database.db, lead, clock))).toEqual(
      predicted('offered', claimOne),
    );
    const unplaced = await newLead({ productLine: 'networking' });
    await routeOpportunity(database.db, unplaced, clock);
    expect(
      await effectsOf(() =>
        offerByHand(
          database.db,
          { opportunityId: unplaced, partnerId, userId: managerId, reason: 'They sell networking too.' },
          clock,
        ),
      ),
    ).toEqual(predicted('offered', claimOne));
  });

  it('accept, then take back', async () => {
    const offerId = await offered(await newLead());
    clock.advance(HOUR_MS);
    let opportunityId = 0;
    expect(
      await effectsOf(async () => {
        opportunityId = (await acceptOffer(database.db, { offerId, userId: null }, clock)).opportunityId;
      }),
    ).toEqual(predicted('accepted'));
    expect(
      await effectsOf(() =>
        takeLeadBack(
          database.db,
          { opportunityId, userId: managerId, reason: 'The partner went quiet.' },
          clock,
        ),
      ),
    ).toEqual(predicted('takenBack'));
  });

  it('extend, then decline', async () => {
    const offerId = await offered(await newLead());
    expect(
      await effectsOf(() => extendDeadline(database.db, { offerId, hours: 24, userId: managerId }, clock)),
    ).toEqual(predicted('deadlineExtended', nothing));
    expect(
      await effectsOf(() =>
        declineOffer(database.db, { offerId, userId: null, reason: 'no_capacity' }, clock),
      ),
    ).toEqual(predicted('declined'));
  });

  it('expire and withdraw', async () => {
    const expiring = await offered(await newLead());
    const withdrawn = await offered(await newLead());
    clock.advance(49 * HOUR_MS);
    expect(await effectsOf(() => expireOffer(database.db, expiring, clock))).toEqual(predicted('expired'));
    const again = await offered(await newLead());
    expect(
      await effectsOf(() =>
        withdrawOffer(database.db, { offerId: again, userId: managerId, reroute: false }, clock),
      ),
    ).toEqual(predicted('withdrawn'));
    // The other offer is past its deadline too; withdrawing it still writes the same.
    expect(
      await effectsOf(() =>
        withdrawOffer(database.db, { offerId: withdrawn, userId: managerId, reroute: false }, clock),
      ),
    ).toEqual(predicted('withdrawn'));
  });

  it('a lead no partner covers becomes unroutable, once per round', async () => {
    const lead = await newLead({ productLine: 'security' });
    expect(await effectsOf(() => routeOpportunity(database.db, lead, clock))).toEqual(
      predicted('unroutable', nothing),
    );
  });
});
