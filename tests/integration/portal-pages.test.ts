import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import {
  accept,
  declineAndReroute,
  expireAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as IndexRoute from '../../app/routes/_index';
import type * as QueueRoute from '../../app/routes/queue';
import { contacts, offers } from '../../db/schema';
import { makeUser, sessionCookieFor } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The pages read the database the way production does, through DATABASE_URL and db.server;
// so the environment names this file's own database before any route module is imported.
let database: TestDatabase;
let deps: LoopDeps;
let routes: {
  queue: typeof QueueRoute;
  index: typeof IndexRoute;
  closeDatabase: () => Promise<void>;
};
// The queue page measures deadlines against the real clock, so the scenario is set around it.
const realNow = Date.now();
const clock = new ManualClock(realNow);

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  const [queue, index, dbServer] = await Promise.all([
    import('../../app/routes/queue'),
    import('../../app/routes/_index'),
    import('../../app/utils/db.server'),
  ]);
  routes = { queue, index, closeDatabase: dbServer.closeDatabase };
  const manager = await makeUser(database.db, { role: 'channel_manager' });
  managerCookie = (await sessionCookieFor(database.db, manager.id)).cookie;
});
afterAll(async () => {
  await routes?.closeDatabase();
  await database.drop();
});

// The queue is for channel managers: the page is read as one who has signed in.
let managerCookie: string;
const loadQueue = async () =>
  (
    await routes.queue.loader({
      request: new Request('http://localhost/queue', { headers: { Cookie: managerCookie } }),
      params: {},
      context: {},
    })
  ).data;

async function pendingOfferOf(opportunityId: number) {
  const [offer] = await database.db
    .select()
    .from(offers)
    .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
  return offer!;
}

/** Submits a lead as if it had arrived `hoursAgo` hours before now. */
async function leadOfferedHoursAgo(customerId: number, hoursAgo: number, overrides = {}) {
  clock.set(realNow - hoursAgo * HOUR_MS);
  const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customerId, overrides));
  return { opportunityId, routing };
}

describe('the routing queue page', () => {
  const customerName = 'Kestrel Fine Foods GmbH';
  const customerDomain = 'kestrel-foods.example';
  const contactName = 'Margarete Vogel';
  const contactEmail = 'm.vogel@kestrel-foods.example';
  let scenario: Record<
    'soon' | 'declinedThenReoffered' | 'expiredThenReoffered' | 'fresh' | 'newest',
    number
  >;
  let unroutableId: number;
  let firstPartnerName: string;

  beforeAll(async () => {
    const first = await makePartner(database.db, {
      tier: 'platinum',
      countries: ['PT'],
      name: 'Lisboa Data',
    });
    await makePartner(database.db, { tier: 'silver', countries: ['PT'], name: 'Porto Systems' });
    firstPartnerName = first.name;
    const customer = await makeCustomer(database.db, {
      name: customerName,
      domain: customerDomain,
      country: 'PT',
    });
    await database.db
      .insert(contacts)
      .values({ customerId: customer.id, name: contactName, email: contactEmail });

    // Made in an order unlike their deadlines, so that the page's order must come from expires_at.
    const fresh = await leadOfferedHoursAgo(customer.id, 10); // deadline in 38 h
    const newest = await leadOfferedHoursAgo(customer.id, 0); // in 48 h
    const soon = await leadOfferedHoursAgo(customer.id, 46); // in 2 h

    const declined = await leadOfferedHoursAgo(customer.id, 20);
    await declineAndReroute(deps, {
      offerId: (await pendingOfferOf(declined.opportunityId)).id,
      userId: null,
      reason: 'deal_too_small',
    }); // re-offered to the second partner, deadline in 28 h

    const expired = await leadOfferedHoursAgo(customer.id, 60); // its first deadline was 12 h ago
    clock.set(realNow - 11 * HOUR_MS);
    await expireAndReroute(deps, (await pendingOfferOf(expired.opportunityId)).id); // next deadline in 37 h

    const taken = await leadOfferedHoursAgo(customer.id, 1);
    await accept(deps, { offerId: (await pendingOfferOf(taken.opportunityId)).id, userId: null });

    const nobody = await leadOfferedHoursAgo(customer.id, 3, { productLine: 'mainframes' });
    expect(nobody.routing).toMatchObject({ kind: 'unroutable', reason: 'no_eligible_partner' });
    unroutableId = nobody.opportunityId;

    scenario = {
      soon: soon.opportunityId,
      declinedThenReoffered: declined.opportunityId,
      expiredThenReoffered: expired.opportunityId,
      fresh: fresh.opportunityId,
      newest: newest.opportunityId,
    };
  });

  it('lists the pending offers nearest deadline first, with their countdowns', async () => {
    const page = await loadQueue();
    expect(page.pendingOffers!.rows.map((o) => o.opportunityId)).toEqual([
      scenario.soon,
      scenario.declinedThenReoffered,
      scenario.expiredThenReoffered,
      scenario.fresh,
      scenario.newest,
    ]);
    const deadlines = page.pendingOffers!.rows.map((o) => Date.parse(o.expiresAt));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    expect(Date.parse(page.pendingOffers!.rows[0]!.expiresAt)).toBe(realNow + 2 * HOUR_MS);
    expect(page.pendingOffers!.rows[0]).toMatchObject({
      need: 'Replace an ageing storage array',
      productLine: 'storage',
      country: 'PT',
      valueMinor: 12_500_000,
      currency: 'EUR',
      value: '€125,000.00',
      partnerName: firstPartnerName,
      round: 1,
    });
    expect(page.pendingOffers!.rows[1]).toMatchObject({ partnerName: 'Porto Systems', round: 2 });
  });

  it('counts pending, soon-expiring, unroutable and accepted leads', async () => {
    const page = await loadQueue();
    expect(page.counts).toEqual({ pending: 5, expiringSoon: 1, unroutable: 1, accepted: 1 });
  });

  it('shows the unroutable lead with the unmet need and its reason', async () => {
    const page = await loadQueue();
    expect(page.unroutable!.rows).toEqual([
      expect.objectContaining({
        opportunityId: unroutableId,
        productLine: 'mainframes',
        unroutableReason: 'no_eligible_partner',
        reason: 'No eligible partner left',
      }),
    ]);
  });

  it('shows recent declines and expiries, latest first, with the decline reason', async () => {
    const page = await loadQueue();
    expect(page.recentEndings!.rows.map((e) => [e.opportunityId, e.outcome, e.declineReason])).toEqual([
      [scenario.expiredThenReoffered, 'expired', null],
      [scenario.declinedThenReoffered, 'declined', 'deal_too_small'],
    ]);
    expect(page.recentEndings!.rows[1]).toMatchObject({
      partnerName: firstPartnerName,
      reason: 'Deal too small',
    });
  });

  it('never carries the customer’s name or contacts', async () => {
    const page = JSON.stringify(await loadQueue());
    for (const secret of [customerName, customerDomain, contactName, contactEmail]) {
      expect(page).not.toContain(secret);
    }
  });
});

describe('the home page', () => {
  it('sends a visitor to sign in, and a signed-in channel manager to the routing queue', async () => {
    const anonymous = await routes.index.loader({
      request: new Request('http://localhost/'),
      params: {},
      context: {},
    });
    expect(anonymous.headers.get('Location')).toBe('/sign-in');
    const manager = await routes.index.loader({
      request: new Request('http://localhost/', { headers: { cookie: managerCookie } }),
      params: {},
      context: {},
    });
    expect(manager.status).toBe(302);
    expect(manager.headers.get('Location')).toBe('/queue');
  });
});
