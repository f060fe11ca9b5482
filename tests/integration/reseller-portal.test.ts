import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { HOUR_MS, ManualClock } from '../../app/domain/clock';
import { submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import type * as InboxRoute from '../../app/routes/inbox';
import type * as OfferRoute from '../../app/routes/inbox.$offerId';
import type * as LeadsRoute from '../../app/routes/leads';
import type * as LeadRoute from '../../app/routes/leads.$opportunityId';
import { contacts, offers, opportunities, opportunityEvents } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { insertPendingOffers } from '../support/bulk-offers';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The routes read the database and Redis the way production does (db.server, loop.server), so
// the environment names this file's own database and key prefix before any route is imported.
let database: TestDatabase;
let deps: LoopDeps;
let routes: {
  inbox: typeof InboxRoute;
  offer: typeof OfferRoute;
  leads: typeof LeadsRoute;
  lead: typeof LeadRoute;
  close: () => Promise<void>;
};
// The pages answer against the real clock, so leads are submitted at times set around it.
const realNow = Date.now();
const clock = new ManualClock(realNow);

interface Rep {
  cookie: string;
  csrf: string;
}
let partnerA: number;
let partnerB: number;
let repA: Rep;
let repB: Rep;
// Only partner A covers Austria: Austrian leads always reach A first.
let austrianCustomerId: number;
let germanCustomerId: number;
const customerName = 'Edelweiss Präzision GmbH';
const customerDomain = 'edelweiss-praezision.example';
const contactName = 'Johanna Brandstätter';
const contactEmail = 'j.brandstaetter@edelweiss-praezision.example';

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  const [inbox, offer, leads, lead, dbServer, loopServer] = await Promise.all([
    import('../../app/routes/inbox'),
    import('../../app/routes/inbox.$offerId'),
    import('../../app/routes/leads'),
    import('../../app/routes/leads.$opportunityId'),
    import('../../app/utils/db.server'),
    import('../../app/utils/loop.server'),
  ]);
  routes = {
    inbox,
    offer,
    leads,
    lead,
    close: async () => {
      await loopServer.closeLoop();
      await dbServer.closeDatabase();
    },
  };

  partnerA = (await makePartner(database.db, { tier: 'platinum', countries: ['DE', 'AT'] })).id;
  partnerB = (await makePartner(database.db, { tier: 'gold', countries: ['DE'] })).id;
  const rep = async (partnerId: number): Promise<Rep> => {
    const user = await makeUser(database.db, {
      role: 'partner_rep',
      partnerId,
      email: `rep-${partnerId}-${Math.random().toString(36).slice(2, 7)}@example.com`,
      timezone: 'Europe/Vienna',
    });
    const { cookie, session } = await sessionCookieFor(database.db, user.id);
    return { cookie, csrf: session.csrfToken };
  };
  repA = await rep(partnerA);
  repB = await rep(partnerB);

  const austrian = await makeCustomer(database.db, {
    name: customerName,
    domain: customerDomain,
    country: 'AT',
  });
  austrianCustomerId = austrian.id;
  await database.db.insert(contacts).values({
    customerId: austrian.id,
    name: contactName,
    email: contactEmail,
    phone: '+43 1 555 0100',
    consentToContact: true,
  });
  germanCustomerId = (await makeCustomer(database.db, { country: 'DE' })).id;
});
afterAll(async () => {
  await routes?.close();
  await database.drop();
});

/** Submits a lead through the real loop as if it had arrived `hoursAgo` hours before now. */
async function leadOfferedHoursAgo(customerId: number, hoursAgo: number) {
  clock.set(realNow - hoursAgo * HOUR_MS);
  const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customerId));
  if (routing.kind !== 'offered') throw new Error(`lead ${opportunityId} was not offered`);
  const [offer] = await database.db
    .select()
    .from(offers)
    .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
  return { opportunityId, offerId: offer!.id, partnerId: offer!.partnerId };
}

const get = (path: string, rep: Rep) =>
  new Request(`http://localhost${path}`, { headers: { Cookie: rep.cookie } });
const post = (path: string, rep: Rep, fields: Record<string, string>) =>
  formPost(`http://localhost${path}`, { csrf: rep.csrf, ...fields }, { Cookie: rep.cookie });

const loadInbox = async (rep: Rep) =>
  unwrap<Awaited<ReturnType<typeof InboxRoute.loader>>>(
    await settle(() => routes.inbox.loader({ request: get('/inbox', rep), params: {}, context: {} })),
  );
const loadOffer = async (rep: Rep, offerId: number | string) =>
  unwrap<Awaited<ReturnType<typeof OfferRoute.loader>>>(
    await settle(() =>
      routes.offer.loader({
        request: get(`/inbox/${offerId}`, rep),
        params: { offerId: String(offerId) },
        context: {},
      }),
    ),
  );
const answer = async (rep: Rep, offerId: number, fields: Record<string, string>) =>
  unwrap<{ fieldErrors: Record<string, string>; formError: string | null }>(
    await settle(() =>
      routes.offer.action({
        request: post(`/inbox/${offerId}`, rep, fields),
        params: { offerId: String(offerId) },
        context: {},
      }),
    ),
  );
const loadLead = async (rep: Rep, opportunityId: number) =>
  unwrap<Awaited<ReturnType<typeof LeadRoute.loader>>>(
    await settle(() =>
      routes.lead.loader({
        request: get(`/leads/${opportunityId}`, rep),
        params: { opportunityId: String(opportunityId) },
        context: {},
      }),
    ),
  );
const moveLead = async (rep: Rep, opportunityId: number, fields: Record<string, string>) =>
  unwrap<{ fieldErrors: Record<string, string> }>(
    await settle(() =>
      routes.lead.action({
        request: post(`/leads/${opportunityId}`, rep, fields),
        params: { opportunityId: String(opportunityId) },
        context: {},
      }),
    ),
  );

async function offerRow(offerId: number) {
  const [row] = await database.db.select().from(offers).where(eq(offers.id, offerId));
  return row!;
}
async function opportunityRow(opportunityId: number) {
  const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, opportunityId));
  return row!;
}
const eventCount = async (opportunityId: number) =>
  (
    await database.db
      .select()
      .from(opportunityEvents)
      .where(eq(opportunityEvents.opportunityId, opportunityId))
  ).length;

/** Quiets the refusal log that every foreign id writes, and hands it back for checking. */
function quietWarnings() {
  return vi.spyOn(console, 'warn').mockImplementation(() => {});
}

describe('the reseller inbox', () => {
  it("shows the partner's own pending offers, nearest deadline first, without the customer's identity", async () => {
    const older = await leadOfferedHoursAgo(austrianCustomerId, 20);
    const newer = await leadOfferedHoursAgo(austrianCustomerId, 10);
    expect([older.partnerId, newer.partnerId]).toEqual([partnerA, partnerA]);

    const inbox = await loadInbox(repA);
    expect(inbox.status).toBe(200);
    const ids = inbox.data.offers.map((o) => o.offerId);
    expect(ids.indexOf(older.offerId)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(older.offerId)).toBeLessThan(ids.indexOf(newer.offerId));
    const deadlines = inbox.data.offers.map((o) => Date.parse(o.expiresAt));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));

    const card = inbox.data.offers.find((o) => o.offerId === older.offerId)!;
    expect(Object.fromEntries(card.facts)).toMatchObject({
      'Product line': 'storage',
      Value: '€50k–250k',
      Country: 'AT',
      Industry: 'manufacturing',
      Size: 'Mid-market',
      Campaign: 'None',
    });
    // The deadline is printed in the rep's own time zone (Vienna is CET or CEST, never UTC).
    expect(card.deadline).toMatch(/CES?T|GMT\+[12]/);

    const page = JSON.stringify(inbox.data);
    for (const secret of [customerName, customerDomain, contactName, contactEmail, '12500000', '125,000']) {
      expect(page).not.toContain(secret);
    }

    // Another company's rep sees none of it.
    const other = await loadInbox(repB);
    expect(other.data.offers.map((o) => o.offerId)).not.toContain(older.offerId);
  });

  it('pages a long inbox 50 at a time by deadline, each offer once, with the total', async () => {
    // Partner C covers France only, so none of this file's leads reach it but these 120.
    const partnerC = (await makePartner(database.db, { countries: ['FR'] })).id;
    const user = await makeUser(database.db, { role: 'partner_rep', partnerId: partnerC });
    const { cookie, session } = await sessionCookieFor(database.db, user.id);
    const repC = { cookie, csrf: session.csrfToken };
    const customerId = (await makeCustomer(database.db, { country: 'FR' })).id;
    const offeredAt = new Date(realNow - HOUR_MS);
    // Two deadlines, 60 offers each: the pages must break ties on the deadline by id.
    for (const hours of [30, 5]) {
      const expiresAt = new Date(realNow + hours * HOUR_MS);
      await insertPendingOffers(database.db, {
        customerId,
        partnerIds: [partnerC],
        count: 60,
        offeredAt,
        expiresAt,
      });
    }
    const expected = (
      await database.db
        .select({ id: offers.id })
        .from(offers)
        .where(eq(offers.partnerId, partnerC))
        .orderBy(asc(offers.expiresAt), asc(offers.id))
    ).map((o) => o.id);

    const pages: { offers: { offerId: number }[]; total: number; next: string | null }[] = [];
    let path = '/inbox';
    for (;;) {
      const answer = unwrap<Awaited<ReturnType<typeof InboxRoute.loader>>>(
        await settle(() => routes.inbox.loader({ request: get(path, repC), params: {}, context: {} })),
      );
      expect(answer.status).toBe(200);
      pages.push(answer.data);
      if (!answer.data.next) break;
      path = `/inbox?${new URLSearchParams({ after: answer.data.next }).toString()}`;
      expect(pages.length).toBeLessThan(5);
    }
    expect(pages.map((page) => page.offers.length)).toEqual([50, 50, 20]);
    expect(pages.every((page) => page.total === 120)).toBe(true);
    expect(pages.flatMap((page) => page.offers.map((o) => o.offerId))).toEqual(expected);

    // A broken page link shows the first page and says so.
    const broken = unwrap<Awaited<ReturnType<typeof InboxRoute.loader>>>(
      await settle(() =>
        routes.inbox.loader({ request: get('/inbox?after=yesterday_1', repC), params: {}, context: {} }),
      ),
    );
    expect(broken.data).toMatchObject({ badLink: true, paged: false, total: 120 });
    expect(broken.data.offers.map((o) => o.offerId)).toEqual(expected.slice(0, 50));
  });

  it('explains why the partner got the lead, still without the customer', async () => {
    const lead = await leadOfferedHoursAgo(austrianCustomerId, 1);
    const page = await loadOffer(repA, lead.offerId);
    expect(page.status).toBe(200);
    expect(page.data.open).toBe(true);
    expect(page.data.reasons.length).toBeGreaterThan(0);
    expect(page.data.reasons.join(' ')).toContain('partner tier');
    expect(page.data.declineReasons.map((r) => r.label)).toContain('No capacity');
    const text = JSON.stringify(page.data);
    for (const secret of [customerName, customerDomain, contactName, contactEmail]) {
      expect(text).not.toContain(secret);
    }
  });

  it("answers 404 for another partner's offer, and for one that does not exist, and logs the foreign one", async () => {
    const lead = await leadOfferedHoursAgo(austrianCustomerId, 1);
    const warn = quietWarnings();
    try {
      expect((await loadOffer(repB, lead.offerId)).status).toBe(404);
      expect((await answer(repB, lead.offerId, { intent: 'accept' })).status).toBe(404);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[0]![0])).toContain(`foreign offer ${lead.offerId}`);
      expect((await loadOffer(repA, 999_999)).status).toBe(404);
      expect((await loadOffer(repA, 'abc')).status).toBe(404);
    } finally {
      warn.mockRestore();
    }
    expect((await offerRow(lead.offerId)).status).toBe('pending');
  });

  it('refuses an answer without the CSRF token, changing nothing', async () => {
    const lead = await leadOfferedHoursAgo(austrianCustomerId, 1);
    const request = formPost(
      `http://localhost/inbox/${lead.offerId}`,
      { intent: 'accept' },
      { Cookie: repA.cookie },
    );
    const refused = unwrap(
      await settle(() =>
        routes.offer.action({ request, params: { offerId: String(lead.offerId) }, context: {} }),
      ),
    );
    expect(refused.status).toBe(403);
    expect((await offerRow(lead.offerId)).status).toBe('pending');
  });
});

describe('answering an offer', () => {
  it('accepting takes the rep to the lead, and the full customer record then opens', async () => {
    const lead = await leadOfferedHoursAgo(austrianCustomerId, 2);
    const warn = quietWarnings();
    try {
      // Before accepting, the lead page is not there even for the partner it is offered to.
      expect((await loadLead(repA, lead.opportunityId)).status).toBe(404);
    } finally {
      warn.mockRestore();
    }

    const accepted = await answer(repA, lead.offerId, { intent: 'accept' });
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get('Location')).toBe(`/leads/${lead.opportunityId}`);
    expect((await offerRow(lead.offerId)).status).toBe('accepted');

    const page = await loadLead(repA, lead.opportunityId);
    expect(page.status).toBe(200);
    expect(page.data.customer).toMatchObject({ name: customerName, domain: customerDomain });
    expect(page.data.contacts).toEqual([expect.objectContaining({ name: contactName, email: contactEmail })]);
    expect(page.data.lead).toMatchObject({ status: 'accepted', value: '€125,000.00' });

    const list = unwrap<Awaited<ReturnType<typeof LeadsRoute.loader>>>(
      await routes.leads.loader({ request: get('/leads', repA), params: {}, context: {} }),
    );
    expect(list.data.leads).toContainEqual(
      expect.objectContaining({ opportunityId: lead.opportunityId, status: 'accepted', customerName }),
    );
  });

  it('declining without a reason gives a field error and changes nothing', async () => {
    const lead = await leadOfferedHoursAgo(austrianCustomerId, 2);
    const eventsBefore = await eventCount(lead.opportunityId);
    const refused = await answer(repA, lead.offerId, { intent: 'decline', reason: '', note: 'busy' });
    expect(refused.status).toBe(400);
    expect(refused.data.fieldErrors.reason).toBe('Choose why you are declining this lead.');
    const wrongReason = await answer(repA, lead.offerId, { intent: 'decline', reason: 'bored' });
    expect(wrongReason.status).toBe(400);
    expect(wrongReason.data.fieldErrors.reason).toBeDefined();
    expect((await offerRow(lead.offerId)).status).toBe('pending');
    expect(await eventCount(lead.opportunityId)).toBe(eventsBefore);
  });

  it('declining with a reason sends the lead on to the next partner at once', async () => {
    const lead = await leadOfferedHoursAgo(germanCustomerId, 2);
    const [decliner, other] = lead.partnerId === partnerA ? [repA, partnerB] : [repB, partnerA];
    const declined = await answer(decliner, lead.offerId, {
      intent: 'decline',
      reason: 'no_capacity',
      note: 'Fully booked until spring',
    });
    expect(declined.status).toBe(302);
    expect(declined.headers.get('Location')).toBe('/inbox');
    expect(await offerRow(lead.offerId)).toMatchObject({
      status: 'declined',
      declineReason: 'no_capacity',
      declineNote: 'Fully booked until spring',
    });
    const [next] = await database.db
      .select()
      .from(offers)
      .where(and(eq(offers.opportunityId, lead.opportunityId), eq(offers.status, 'pending')));
    expect(next?.partnerId).toBe(other);
  });

  it("an answer after the deadline is refused with the domain's message, changing nothing", async () => {
    // Offered 49 hours ago with a 48-hour window: an hour overdue, not yet expired by a timer.
    const lead = await leadOfferedHoursAgo(austrianCustomerId, 49);
    const page = await loadOffer(repA, lead.offerId);
    expect(page.data.open).toBe(false);

    const late = await answer(repA, lead.offerId, { intent: 'accept' });
    expect(late.status).toBe(409);
    expect(late.data.formError).toMatch(/^The response window closed at .+; the lead has moved on\.$/);
    const lateDecline = await answer(repA, lead.offerId, { intent: 'decline', reason: 'no_capacity' });
    expect(lateDecline.status).toBe(409);
    expect(lateDecline.data.formError).toContain('The response window closed');
    expect((await offerRow(lead.offerId)).status).toBe('pending');
  });
});

describe('working a lead', () => {
  async function acceptedLead() {
    const lead = await leadOfferedHoursAgo(austrianCustomerId, 1);
    expect((await answer(repA, lead.offerId, { intent: 'accept' })).status).toBe(302);
    return lead.opportunityId;
  }

  it('moves through the stages, the won amount read in the lead currency', async () => {
    const opportunityId = await acceptedLead();
    const contacted = await moveLead(repA, opportunityId, { stage: 'contacted' });
    expect(contacted.status).toBe(302);
    expect((await opportunityRow(opportunityId)).status).toBe('contacted');

    const won = await moveLead(repA, opportunityId, { stage: 'won', wonAmount: '118,250.50' });
    expect(won.status).toBe(302);
    expect(await opportunityRow(opportunityId)).toMatchObject({ status: 'won', wonValueMinor: 11_825_050 });
    const page = await loadLead(repA, opportunityId);
    expect(page.data.lead).toMatchObject({ status: 'won', wonValue: '€118,250.50' });
    expect(page.data.nextStages).toEqual([]);
  });

  it('bad input gives a field error beside the field and changes nothing', async () => {
    const opportunityId = await acceptedLead();
    const eventsBefore = await eventCount(opportunityId);

    const noAmount = await moveLead(repA, opportunityId, { stage: 'won', wonAmount: '' });
    expect(noAmount.status).toBe(400);
    expect(noAmount.data.fieldErrors.wonAmount).toContain('Enter an amount in');
    const badAmount = await moveLead(repA, opportunityId, { stage: 'won', wonAmount: '12.345' });
    expect(badAmount.data.fieldErrors.wonAmount).toBe('EUR amounts have at most 2 decimal places.');
    const notANumber = await moveLead(repA, opportunityId, { stage: 'won', wonAmount: 'lots' });
    expect(notANumber.data.fieldErrors.wonAmount).toBeDefined();
    const noReason = await moveLead(repA, opportunityId, { stage: 'lost', lostReason: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.data.fieldErrors.lostReason).toBe('A lost lead needs a reason.');
    const noStage = await moveLead(repA, opportunityId, {});
    expect(noStage.data.fieldErrors.stage).toBe('Choose the stage the lead has reached.');

    expect((await opportunityRow(opportunityId)).status).toBe('accepted');
    expect(await eventCount(opportunityId)).toBe(eventsBefore);

    // A move the domain refuses (backwards) is shown beside the stage too.
    expect((await moveLead(repA, opportunityId, { stage: 'proposal' })).status).toBe(302);
    const backwards = await moveLead(repA, opportunityId, { stage: 'contacted' });
    expect(backwards.status).toBe(400);
    expect(backwards.data.fieldErrors.stage).toBe('A lead at proposal cannot go back to contacted.');

    const lost = await moveLead(repA, opportunityId, {
      stage: 'lost',
      lostReason: 'price',
      lostNote: 'Too dear',
    });
    expect(lost.status).toBe(302);
    expect(await opportunityRow(opportunityId)).toMatchObject({ status: 'lost', lostReason: 'price' });
  });

  it('a rep of another partner can neither open nor move the lead (404)', async () => {
    const opportunityId = await acceptedLead();
    const warn = quietWarnings();
    try {
      expect((await loadLead(repB, opportunityId)).status).toBe(404);
      expect((await moveLead(repB, opportunityId, { stage: 'contacted' })).status).toBe(404);
      expect(String(warn.mock.calls[0]![0])).toContain(`foreign lead ${opportunityId}`);
    } finally {
      warn.mockRestore();
    }
    expect((await opportunityRow(opportunityId)).status).toBe('accepted');
    const list = unwrap<Awaited<ReturnType<typeof LeadsRoute.loader>>>(
      await routes.leads.loader({ request: get('/leads', repB), params: {}, context: {} }),
    );
    expect(list.data.leads.map((l) => l.opportunityId)).not.toContain(opportunityId);
  });
});

describe('how the reseller pages print amounts', () => {
  it('shows a value as a band, never the exact figure', async () => {
    const { valueBand } = await import('../../app/models/inbox.server');
    expect(valueBand(950_000, 'EUR')).toBe('under €10k');
    expect(valueBand(1_000_000, 'EUR')).toBe('€10k–50k');
    expect(valueBand(12_500_000, 'EUR')).toBe('€50k–250k');
    expect(valueBand(60_000_000, 'GBP')).toBe('£250k–1M');
    expect(valueBand(100_000_000, 'USD')).toBe('US$1M and more');
    // Yen have no minor unit: 5,000,000 in minor units is ¥5,000,000.
    expect(valueBand(5_000_000, 'JPY')).toBe('JP¥1M and more');
  });

  it('reads a typed amount into minor units of the lead currency, without floating-point drift', async () => {
    const { parseAmountToMinor } = await import('../../app/domain/money');
    expect(parseAmountToMinor('0.29', 'EUR')).toEqual({ ok: true, minor: 29 });
    expect(parseAmountToMinor(' 1,234,567.5 ', 'EUR')).toEqual({ ok: true, minor: 123_456_750 });
    expect(parseAmountToMinor('5000', 'JPY')).toEqual({ ok: true, minor: 5000 });
    expect(parseAmountToMinor('5000.5', 'JPY')).toEqual({
      ok: false,
      reason: 'JPY amounts have no decimals.',
    });
    expect(parseAmountToMinor('-5', 'EUR').ok).toBe(false);
    expect(parseAmountToMinor('1,23.00', 'EUR').ok).toBe(false);
    expect(parseAmountToMinor('1e6', 'EUR').ok).toBe(false);
  });
});
