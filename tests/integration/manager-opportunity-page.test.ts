import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HOUR_MS, systemClock } from '../../app/domain/clock';
import { updateLeadStage } from '../../app/domain/leads/lead-progress.server';
import { formatMoney } from '../../app/domain/money';
import {
  accept,
  declineAndReroute,
  submitOpportunity,
  withdraw,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as OpportunityRoute from '../../app/routes/opportunities.$opportunityId';
import { notifications, offers, opportunities, opportunityEvents } from '../../db/schema';
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
type ActionAnswer = {
  intent: string | null;
  fieldErrors: Record<string, string>;
  formError: string | null;
  values?: Record<string, string>;
};

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
  it('offers an unroutable lead by hand past routing’s rules only with a reason, and keeps who and why', async () => {
    const customer = await makeCustomer(database.db, { country: 'PT' });
    const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(routing.kind).toBe('unroutable');
    // A partner that joins later, and is full: routing skips it; a manager may override that.
    const partner = await makePartner(database.db, { countries: ['PT'], maxOpen: 0 });

    const page = await loadPage(opportunityId);
    expect(page.data.canOfferByHand).toBe(true);
    const choice = page.data.partnerChoices.skipped.find((p) => p.partnerId === partner.id);
    expect(choice).toEqual({
      partnerId: partner.id,
      overridable: true,
      label: `${partner.name}: It is at capacity, with 0 open leads of the 0 it takes.`,
    });

    const before = await snapshot(database.db);
    const refused = await act(opportunityId, { intent: 'offer', partnerId: String(partner.id), reason: ' ' });
    expect(refused.status).toBe(400);
    expect(refused.data.fieldErrors.reason).toMatch(/^Say why this partner should have the lead/);
    expect(refused.data.values).toEqual({ partnerId: String(partner.id), reason: ' ' });
    expect(await snapshot(database.db)).toEqual(before);

    const reason = 'They finish a project at this customer next week.';
    const answer = await act(opportunityId, { intent: 'offer', partnerId: String(partner.id), reason });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('Location')).toBe(`/opportunities/${opportunityId}?done=offer`);
    const [offer] = await offersOf(opportunityId);
    expect(offer).toMatchObject({
      partnerId: partner.id,
      status: 'pending',
      offeredByUserId: manager.userId,
      overriddenRules: ['at_capacity'],
      overrideReason: reason,
    });
    // The same deadline as any offer, and the partner is told.
    expect(offer!.expiresAt.getTime() - offer!.offeredAt.getTime()).toBe(48 * HOUR_MS);
    const [told] = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.offerId, offer!.id), eq(notifications.kind, 'offer_new')));
    expect(told).toMatchObject({ partnerId: partner.id });
    expect(await statusOf(opportunityId)).toBe('offered');

    const after = await loadPage(opportunityId);
    const line = after.data.timeline.at(-1)!;
    expect(line.what).toContain(`Offered by hand to ${partner.name}`);
    expect(line.what).toContain(
      `Routing skipped this partner (partner at capacity); the channel manager went past it. Reason given: “${reason}”`,
    );
    expect(line.who).toBe(managerName);
    expect(after.data.lastOffer).toMatchObject({ byHand: true, offeredByName: managerName });
    expect(after.data.lastOffer!.override).toContain(reason);
  });

  it('lists every active partner for an unroutable lead: eligible first, the rest with every reason routing skips them', async () => {
    const customer = await makeCustomer(database.db, { country: 'GR' });
    const { opportunityId } = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(await statusOf(opportunityId)).toBe('unroutable');
    const later = new Date(Date.now() + 3 * 24 * HOUR_MS);
    const strong = await makePartner(database.db, { countries: ['GR'], tier: 'platinum' });
    const weak = await makePartner(database.db, { countries: ['GR'], tier: 'registered' });
    const noStorage = await makePartner(database.db, { countries: ['GR'], productLines: ['networking'] });
    const elsewhere = await makePartner(database.db, { countries: ['CY'], productLines: ['networking'] });
    const away = await makePartner(database.db, { countries: ['GR'], pausedUntil: later });
    const suspended = await makePartner(database.db, { countries: ['GR'], status: 'suspended' });

    const { data } = await loadPage(opportunityId);
    expect(data.partnerChoices.eligible.map((p) => p.partnerId)).toEqual([strong.id, weak.id]);
    expect(data.partnerChoices.eligible[0]!.label).toMatch(new RegExp(`^${strong.name}: score [\\d.]+\\.$`));
    const skipped = new Map(data.partnerChoices.skipped.map((p) => [p.partnerId, p.label]));
    expect(skipped.get(noStorage.id)).toBe(`${noStorage.name}: It does not sell storage.`);
    expect(skipped.get(elsewhere.id)).toBe(
      `${elsewhere.name}: It does not cover GR. It does not sell storage.`,
    );
    expect(skipped.get(away.id)).toMatch(new RegExp(`^${away.name}: It is paused until .+\\.$`));
    expect(skipped.has(suspended.id)).toBe(false);
    // The runners-up are the eligible partners, in routing's order.
    expect(data.runnersUp.map((r) => r.partnerId)).toEqual([strong.id, weak.id]);

    // Offering to an eligible partner needs no reason.
    const answer = await act(opportunityId, { intent: 'offer', partnerId: String(weak.id) });
    expect(answer.status).toBe(302);
    const [offer] = await offersOf(opportunityId);
    expect(offer).toMatchObject({ partnerId: weak.id, overriddenRules: [], overrideReason: null });
  });

  it('never offers a lead twice to one partner, however it is asked, and lists that partner as refused', async () => {
    const { opportunityId, offer } = await offeredLead('EE', 1);
    await declineAndReroute(deps, { offerId: offer.id, userId: null, reason: 'no_capacity' });
    expect(await statusOf(opportunityId)).toBe('unroutable');
    const { data } = await loadPage(opportunityId);
    expect(data.partnerChoices.skipped.find((p) => p.partnerId === offer.partnerId)).toMatchObject({
      overridable: false,
      label: expect.stringContaining('It already had an offer for this lead'),
    });
    const before = await snapshot(database.db);
    const again = await act(opportunityId, {
      intent: 'offer',
      partnerId: String(offer.partnerId),
      reason: 'They changed their mind.',
    });
    expect(again.status).toBe(400);
    expect(again.data.fieldErrors.partnerId).toMatch(/already had an offer for this opportunity/);
    expect(await snapshot(database.db)).toEqual(before);
  });

  it('names as first runner-up the partner routing offers next after a decline, never one routing skips', async () => {
    const customer = await makeCustomer(database.db, { country: 'HR' });
    // A partner that already works with the customer (it accepted a networking lead), but does
    // not sell storage: routing skips it for a storage lead, and the page says so.
    const incumbent = await makePartner(database.db, { countries: ['HR'], productLines: ['networking'] });
    const first = await submitOpportunity(deps, opportunityInput(customer.id, { productLine: 'networking' }));
    const [networkingOffer] = await offersOf(first.opportunityId);
    await accept(deps, { offerId: networkingOffer!.id, userId: null });
    const tiers = ['platinum', 'gold', 'silver'] as const;
    const sellers = [];
    for (const tier of tiers) sellers.push(await makePartner(database.db, { countries: ['HR'], tier }));
    const { opportunityId } = await submitOpportunity(deps, opportunityInput(customer.id));
    const [offer] = await offersOf(opportunityId);
    expect(offer!.partnerId).toBe(sellers[0]!.id);

    const { data } = await loadPage(opportunityId);
    expect(data.runnersUp.map((r) => r.partnerId)).not.toContain(incumbent.id);
    expect(data.relationshipNotes).toEqual([
      `${incumbent.name} already works with this customer, but routing skips it for this lead. It does not sell storage.`,
    ]);
    const shownNext = data.runnersUp[0]!.partnerId;
    await declineAndReroute(deps, { offerId: offer!.id, userId: null, reason: 'no_capacity' });
    const [, next] = await offersOf(opportunityId);
    expect(next!.partnerId).toBe(shownNext);

    // The partner that declined is no runner-up, and no relationship is claimed for it.
    const { data: afterDecline } = await loadPage(opportunityId);
    expect(afterDecline.runnersUp.map((r) => r.partnerId)).toEqual([sellers[2]!.id]);
  });

  it('shows a won lead’s amount in its facts and its timeline, and a lost lead’s reason', async () => {
    const { opportunityId, offer, partners } = await offeredLead('SI', 1);
    await accept(deps, { offerId: offer.id, userId: null });
    await updateLeadStage(
      database.db,
      { opportunityId, stage: 'won', wonValueMinor: 9_876_500, userId: null },
      systemClock,
    );
    const { data } = await loadPage(opportunityId);
    expect(data.opportunity.wonValue).toBe(formatMoney(9_876_500, 'EUR'));
    expect(data.timeline.at(-1)!.what).toBe(
      `${partners[0]!.name} won the lead, for ${formatMoney(9_876_500, 'EUR')}.`,
    );

    const lost = await offeredLead('SK', 1);
    await accept(deps, { offerId: lost.offer.id, userId: null });
    await updateLeadStage(
      database.db,
      {
        opportunityId: lost.opportunityId,
        stage: 'lost',
        lostReason: 'competitor',
        lostNote: 'Cheaper offer',
        userId: null,
      },
      systemClock,
    );
    const { data: lostPage } = await loadPage(lost.opportunityId);
    expect(lostPage.opportunity.lostReason).toBe('Went with a competitor');
    expect(lostPage.opportunity.wonValue).toBeNull();
    expect(lostPage.timeline.at(-1)!.what).toBe(
      `${lost.partners[0]!.name} lost the lead: Went with a competitor (“Cheaper offer”).`,
    );
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
      'This partner has already had an offer for this opportunity; a lead is never offered twice to one partner.',
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
