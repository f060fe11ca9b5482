import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HOUR_MS, systemClock } from '../../app/domain/clock';
import {
  declineAndReroute,
  submitOpportunity,
  withdraw,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as OpportunityRoute from '../../app/routes/opportunities.$opportunityId';
import { offers, opportunities, opportunityEvents } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The page and its actions run as in production: DATABASE_URL, REDIS_URL and the real clock.
let database: TestDatabase;
let deps: LoopDeps;
let route: typeof OpportunityRoute;
let closeAll: () => Promise<void>;
let manager: { cookie: string; csrf: string; userId: number };
let partnerCookie: string;
let managerName: string;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock: systemClock, timers: new RecordingTimers() };
  route = await import('../../app/routes/opportunities.$opportunityId');
  const { closeDatabase } = await import('../../app/utils/db.server');
  const { closeLoop } = await import('../../app/utils/loop.server');
  closeAll = async () => {
    await closeLoop();
    await closeDatabase();
  };
  const user = await makeUser(database.db, { role: 'channel_manager' });
  const session = await sessionCookieFor(database.db, user.id);
  manager = { cookie: session.cookie, csrf: session.session.csrfToken, userId: user.id };
  managerName = user.name;
  const partner = await makePartner(database.db, { countries: ['IS'] });
  const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
  partnerCookie = (await sessionCookieFor(database.db, rep.id)).cookie;
});
afterAll(async () => {
  await closeAll?.();
  await database.drop();
});

type PageData = Awaited<ReturnType<typeof OpportunityRoute.loader>>;
type ActionAnswer = { intent: string | null; fieldErrors: Record<string, string>; formError: string | null };

const url = (id: number | string) => `http://localhost/opportunities/${id}`;

const loadPage = async (id: number | string, cookie = manager.cookie) =>
  unwrap<PageData>(
    await settle(() =>
      route.loader({
        request: new Request(url(id), { headers: { Cookie: cookie } }),
        params: { opportunityId: String(id) },
        context: {},
      }),
    ),
  );

const act = async (id: number, fields: Record<string, string>, cookie = manager.cookie) =>
  unwrap<ActionAnswer>(
    await settle(() =>
      route.action({
        request: formPost(url(id), { csrf: manager.csrf, ...fields }, { Cookie: cookie }),
        params: { opportunityId: String(id) },
        context: {},
      }),
    ),
  );

async function offersOf(opportunityId: number) {
  return database.db
    .select()
    .from(offers)
    .where(eq(offers.opportunityId, opportunityId))
    .orderBy(asc(offers.round));
}

async function statusOf(opportunityId: number) {
  const [row] = await database.db
    .select({ status: opportunities.status })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId));
  return row!.status;
}

/** A lead in `country` offered to the best of `partnerCount` partners there, tiers in order. */
async function offeredLead(country: string, partnerCount: number) {
  const tiers = ['platinum', 'gold', 'silver', 'registered'] as const;
  const partners = [];
  for (let i = 0; i < partnerCount; i++) {
    partners.push(await makePartner(database.db, { countries: [country], tier: tiers[Math.min(i, 3)] }));
  }
  const customer = await makeCustomer(database.db, { country });
  const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id));
  expect(routing.kind).toBe('offered');
  const [offer] = await offersOf(opportunityId);
  return { opportunityId, partners, offer: offer! };
}

describe('the opportunity page', () => {
  it('shows the timeline in order, the chosen partner’s score and the runners-up', async () => {
    const { opportunityId, partners, offer } = await offeredLead('FR', 8);
    await declineAndReroute(deps, { offerId: offer.id, userId: null, reason: 'no_capacity' });

    const page = await loadPage(opportunityId);
    expect(page.status).toBe(200);
    const { data } = page;
    expect(data.customer.name).toMatch(/^Customer /);
    expect(data.timeline.map((e) => e.kind)).toEqual(['created', 'offered', 'declined', 'offered']);
    expect(data.timeline[2]!.what).toBe(`${partners[0]!.name} declined: No capacity.`);
    expect(data.timeline[3]!.what).toContain(`Offered to ${partners[1]!.name} in round 2`);
    const times = data.timeline.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    expect(data.lastOffer).toMatchObject({ partnerName: partners[1]!.name, round: 2, status: 'pending' });
    expect(data.lastOffer!.reasons.length).toBe(9);
    expect(data.lastOffer!.reasons[0]).toMatch(/\(\+[\d.]+\)$/);

    // Eight partners, two already offered: the five best of the other six, best first.
    expect(data.runnersUp).toHaveLength(5);
    const offeredIds = [partners[0]!.id, partners[1]!.id];
    for (const runner of data.runnersUp) expect(offeredIds).not.toContain(runner.partnerId);
    expect(data.runnersUp[0]!.partnerId).toBe(partners[2]!.id);
    const scores = data.runnersUp.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(data.pendingOffer).toMatchObject({ partnerName: partners[1]!.name });
  });

  it('is not there (404) for a partner user, nor for an unknown or malformed id', async () => {
    const { opportunityId, offer } = await offeredLead('NO', 1);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect((await loadPage(opportunityId, partnerCookie)).status).toBe(404);
      const before = await snapshot(database.db);
      const refused = await act(
        opportunityId,
        { intent: 'withdraw', offerId: String(offer.id) },
        partnerCookie,
      );
      expect(refused.status).toBe(404);
      expect(await snapshot(database.db)).toEqual(before);
    } finally {
      warn.mockRestore();
    }
    expect((await loadPage(999_999)).status).toBe(404);
    expect((await loadPage('abc')).status).toBe(404);
    expect((await loadPage('99999999999999')).status).toBe(404);
  });
});

describe('the opportunity page’s actions', () => {
  it('offers an unroutable lead by hand to the chosen partner', async () => {
    const customer = await makeCustomer(database.db, { country: 'PT' });
    const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(routing.kind).toBe('unroutable');
    // A partner that joins later, and is full: routing would pass it over, a manager may not.
    const partner = await makePartner(database.db, { countries: ['PT'], maxOpen: 0 });

    const page = await loadPage(opportunityId);
    expect(page.data.canOfferByHand).toBe(true);
    expect(page.data.partnerChoices.map((p) => p.partnerId)).toContain(partner.id);

    const answer = await act(opportunityId, { intent: 'offer', partnerId: String(partner.id) });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('Location')).toBe(`/opportunities/${opportunityId}?done=offer`);
    const [offer] = await offersOf(opportunityId);
    expect(offer).toMatchObject({
      partnerId: partner.id,
      status: 'pending',
      offeredByUserId: manager.userId,
    });
    expect(await statusOf(opportunityId)).toBe('offered');
    const after = await loadPage(opportunityId);
    expect(after.data.timeline.at(-1)!.what).toContain(`Offered by hand to ${partner.name}`);
    expect(after.data.timeline.at(-1)!.who).toBe(managerName);
  });

  it('extends the deadline by the hours asked', async () => {
    const { opportunityId, offer } = await offeredLead('AT', 1);
    const answer = await act(opportunityId, { intent: 'extend', offerId: String(offer.id), hours: '30' });
    expect(answer.status).toBe(302);
    const [extended] = await offersOf(opportunityId);
    expect(extended!.expiresAt.getTime() - offer.expiresAt.getTime()).toBe(30 * HOUR_MS);
    const [event] = await database.db
      .select()
      .from(opportunityEvents)
      .where(eq(opportunityEvents.kind, 'deadline_extended'));
    expect(event).toMatchObject({ opportunityId, actorUserId: manager.userId });
  });

  it('answers bad input with 400 and a message next to the field, and changes nothing', async () => {
    const { opportunityId, offer } = await offeredLead('DK', 1);
    const unroutableCustomer = await makeCustomer(database.db, { country: 'LU' });
    const { opportunityId: unroutableId } = await submitOpportunity(
      deps,
      opportunityInput(unroutableCustomer.id),
    );
    const inactive = await makePartner(database.db, { countries: ['LU'], status: 'inactive' });
    const offerId = String(offer.id);
    const cases: [number, Record<string, string>, string][] = [
      [opportunityId, { intent: 'extend', offerId, hours: '0' }, 'hours'],
      [opportunityId, { intent: 'extend', offerId, hours: '721' }, 'hours'],
      [opportunityId, { intent: 'extend', offerId, hours: 'two days' }, 'hours'],
      [opportunityId, { intent: 'extend', offerId, hours: '1.5' }, 'hours'],
      [opportunityId, { intent: 'extend', offerId: 'x', hours: '5' }, 'offerId'],
      [opportunityId, { intent: 'extend', hours: '5' }, 'offerId'],
      // Withdraw, re-route and take-back are confirmed on pages of their own, not posted here.
      [opportunityId, { intent: 'withdraw', offerId }, 'intent'],
      [unroutableId, { intent: 'offer', partnerId: '' }, 'partnerId'],
      [unroutableId, { intent: 'offer', partnerId: '99999999' }, 'partnerId'],
      [unroutableId, { intent: 'offer', partnerId: String(inactive.id) }, 'partnerId'],
    ];
    const before = await snapshot(database.db);
    for (const [id, fields, field] of cases) {
      const answer = await act(id, fields);
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.data.fieldErrors[field], JSON.stringify(fields)).toEqual(expect.any(String));
      // Words for a person, never a stack trace.
      expect(answer.data.fieldErrors[field]).not.toMatch(/\n\s+at |Error:/);
    }
    expect(await snapshot(database.db)).toEqual(before);
    // A partner who already had this lead: the domain's refusal, in words, next to the field.
    const { opportunityId: declinedId, offer: declinedOffer } = await offeredLead('SE', 1);
    await declineAndReroute(deps, { offerId: declinedOffer.id, userId: null, reason: 'no_capacity' });
    expect(await statusOf(declinedId)).toBe('unroutable');
    const settled = await snapshot(database.db);
    const again = await act(declinedId, { intent: 'offer', partnerId: String(declinedOffer.partnerId) });
    expect(again.status).toBe(400);
    expect(again.data.fieldErrors.partnerId).toBe(
      'This partner has already had an offer for this opportunity.',
    );
    expect(await snapshot(database.db)).toEqual(settled);
  });

  it('explains an action on a stale page instead of failing', async () => {
    const { opportunityId, offer } = await offeredLead('FI', 1);
    await withdraw(deps, { offerId: offer.id, userId: null, reroute: false });
    const before = await snapshot(database.db);
    const answer = await act(opportunityId, { intent: 'extend', offerId: String(offer.id), hours: '5' });
    expect(answer.status).toBe(409);
    expect(answer.data.formError).toMatch(/no pending offer/);
    const offerAgain = await act(opportunityId, { intent: 'offer', partnerId: String(offer.partnerId) });
    expect(offerAgain.status).toBe(409);
    expect(offerAgain.data.formError).toMatch(/only a waiting or unroutable lead/);
    expect(await snapshot(database.db)).toEqual(before);
  });
});
