import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { isDomainError } from '../../app/domain/errors';
import { composeNotificationEmail } from '../../app/domain/notifications/notification-email.server';
import { fanOutPending } from '../../app/domain/notifications/fan-out.server';
import {
  approveRegistration,
  CONFLICT_NOTICE,
  declineRegistration,
  registerOpportunity,
} from '../../app/domain/opportunities/registration.server';
import { accept, submitOpportunity, type LoopDeps } from '../../app/domain/routing/loop.server';
import { getLeads } from '../../app/models/leads.server';
import { getOpportunityPage } from '../../app/models/opportunity-page.server';
import { opportunityView } from '../../app/models/opportunity-view.server';
import type * as LeadsRoute from '../../app/routes/leads';
import type * as DetailRoute from '../../app/routes/registrations.$opportunityId';
import type * as ListRoute from '../../app/routes/registrations._index';
import type * as NewRoute from '../../app/routes/registrations.new';
import { checkInvariants } from '../../db/check-invariants';
import {
  customers,
  notifications,
  offers,
  opportunities,
  opportunityEvents,
  partners,
} from '../../db/schema';
import { renderEmail } from '../../emails/render';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The routes read the database the way production does (db.server), so the environment names
// this file's own database before any route is imported.
let database: TestDatabase;
let deps: LoopDeps;
let routes: {
  list: typeof ListRoute;
  create: typeof NewRoute;
  detail: typeof DetailRoute;
  leads: typeof LeadsRoute;
  close: () => Promise<void>;
};
const clock = new ManualClock(Date.now());

interface Actor {
  id: number;
  cookie: string;
  csrf: string;
}

// Partner A works the accounts; partner B registers; partner C is a stranger to both. A's id is
// chosen to be unmistakable in any text it might leak into.
const A = { id: 734_911, name: 'Aurora Vantage Systems', slug: 'aurora-vantage-systems' };
const A_LEAD_NEED = 'Confidential: Zephyr plant-floor storage refresh, 400 seats';
const A_PENDING_NEED = 'Kestrel depot backup appliances for the new hub';
let partnerB: number;
let partnerC: number;
let repA: Actor;
let repB: Actor;
let adminB: Actor;
let repC: Actor;
let manager: Actor;
let coordinator: Actor;
let digestManagerId: number;
let disabledManagerId: number;
let disabledRepBId: number;
/** A vendor record of Zephyr (typed with scheme and www.) on which A holds an accepted lead. */
let zephyrVendorCustomerId: number;
/** B's own record of Kestrel, on which routing has a pending offer out to A. */
let kestrelOwnCustomerId: number;
/** B's own customer nobody else works. */
let quietOwnCustomerId: number;
let aLeadOpportunityId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  const [list, create, detail, leads, dbServer] = await Promise.all([
    import('../../app/routes/registrations._index'),
    import('../../app/routes/registrations.new'),
    import('../../app/routes/registrations.$opportunityId'),
    import('../../app/routes/leads'),
    import('../../app/utils/db.server'),
  ]);
  routes = { list, create, detail, leads, close: () => dbServer.closeDatabase() };

  // Only A covers Austria, so every Austrian lead is offered to A.
  await makePartner(database.db, { id: A.id, name: A.name, slug: A.slug, countries: ['AT'] });
  partnerB = (await makePartner(database.db, { name: 'Birch Networks', countries: ['DE'] })).id;
  partnerC = (await makePartner(database.db, { name: 'Cedar Integration', countries: ['DE'] })).id;

  const actor = async (overrides: Parameters<typeof makeUser>[1]): Promise<Actor> => {
    const user = await makeUser(database.db, { timezone: 'Europe/Berlin', ...overrides });
    const { cookie, session } = await sessionCookieFor(database.db, user.id);
    return { id: user.id, cookie, csrf: session.csrfToken };
  };
  repA = await actor({ role: 'partner_rep', partnerId: A.id });
  repB = await actor({ role: 'partner_rep', partnerId: partnerB, name: 'Bea Birch' });
  adminB = await actor({ role: 'partner_admin', partnerId: partnerB });
  repC = await actor({ role: 'partner_rep', partnerId: partnerC });
  manager = await actor({ role: 'channel_manager', name: 'Mara Manager' });
  coordinator = await actor({ role: 'campaign_coordinator' });
  digestManagerId = (await makeUser(database.db, { role: 'channel_manager', emailDigestOnly: true })).id;
  disabledManagerId = (await makeUser(database.db, { role: 'channel_manager', disabledAt: new Date() })).id;
  disabledRepBId = (
    await makeUser(database.db, { role: 'partner_rep', partnerId: partnerB, disabledAt: new Date() })
  ).id;

  zephyrVendorCustomerId = (
    await makeCustomer(database.db, {
      name: 'Zephyr Tools GmbH',
      domain: 'https://www.Zephyr-Tools.example/',
      country: 'AT',
    })
  ).id;
  const lead = await submitOpportunity(deps, opportunityInput(zephyrVendorCustomerId, { need: A_LEAD_NEED }));
  if (lead.routing.kind !== 'offered') throw new Error('the Zephyr lead was not offered');
  const [offer] = await database.db.select().from(offers).where(eq(offers.opportunityId, lead.opportunityId));
  await accept(deps, { offerId: offer!.id, userId: repA.id });
  aLeadOpportunityId = lead.opportunityId;

  kestrelOwnCustomerId = (
    await makeCustomer(database.db, {
      name: 'Kestrel Logistik',
      domain: 'kestrel-logistik.example',
      country: 'AT',
      ownerPartnerId: partnerB,
    })
  ).id;
  const pending = await submitOpportunity(
    deps,
    opportunityInput(kestrelOwnCustomerId, { need: A_PENDING_NEED }),
  );
  if (pending.routing.kind !== 'offered' || pending.routing.partnerId !== A.id) {
    throw new Error('the Kestrel lead was not offered to A');
  }

  quietOwnCustomerId = (
    await makeCustomer(database.db, {
      name: 'Quiet Harbour AG',
      domain: 'quiet-harbour.example',
      ownerPartnerId: partnerB,
    })
  ).id;
});
afterAll(async () => {
  await routes?.close();
  await database?.drop();
});

const get = (path: string, who: Actor) =>
  new Request(`http://localhost${path}`, { headers: { Cookie: who.cookie } });
const post = (path: string, who: Actor, fields: Record<string, string>) =>
  formPost(`http://localhost${path}`, { csrf: who.csrf, ...fields }, { Cookie: who.cookie });

const loadList = async (who: Actor) =>
  unwrap<Awaited<ReturnType<typeof ListRoute.loader>>>(
    await settle(() => routes.list.loader({ request: get('/registrations', who), params: {}, context: {} })),
  );
const loadDetail = async (who: Actor, id: number | string) =>
  unwrap<Awaited<ReturnType<typeof DetailRoute.loader>>>(
    await settle(() =>
      routes.detail.loader({
        request: get(`/registrations/${id}`, who),
        params: { opportunityId: String(id) },
        context: {},
      }),
    ),
  );
const loadForm = async (who: Actor) =>
  unwrap<Awaited<ReturnType<typeof NewRoute.loader>>>(
    await settle(() =>
      routes.create.loader({ request: get('/registrations/new', who), params: {}, context: {} }),
    ),
  );
const submit = async (who: Actor, fields: Record<string, string>) => {
  const result = await settle(() =>
    routes.create.action({ request: post('/registrations/new', who, fields), params: {}, context: {} }),
  );
  return { result, ...unwrap<{ fieldErrors: Record<string, string>; formError: string | null }>(result) };
};
const decide = async (who: Actor, id: number, fields: Record<string, string>) => {
  const result = await settle(() =>
    routes.detail.action({
      request: post(`/registrations/${id}`, who, fields),
      params: { opportunityId: String(id) },
      context: {},
    }),
  );
  return { result, ...unwrap<{ fieldErrors: Record<string, string>; formError: string | null }>(result) };
};

/** The id of the registration an accepted form redirected to. */
function registeredId(result: unknown): number {
  if (!(result instanceof Response)) throw new Error(`expected a redirect, got ${JSON.stringify(result)}`);
  expect(result.status).toBe(302);
  const match = /^\/registrations\/(\d+)$/.exec(result.headers.get('Location') ?? '');
  if (!match) throw new Error(`unexpected redirect to ${result.headers.get('Location')}`);
  return Number(match[1]);
}

const validFields = (overrides: Record<string, string> = {}) => ({
  customerMode: 'existing',
  customerId: String(quietOwnCustomerId),
  need: 'Three new NAS units for the design office',
  productLine: 'storage',
  amount: '48000.00',
  currency: 'EUR',
  campaignId: '',
  ...overrides,
});

/** Nothing of partner A — name, slug, id, or its leads' needs — may be in what B is given. */
async function expectNothingOfA(what: unknown) {
  const text =
    what instanceof Response
      ? `${what.status} ${[...what.headers].join(' ')} ${await what.clone().text()}`
      : JSON.stringify(what);
  for (const secret of [A.name, A.slug, String(A.id), A_LEAD_NEED, A_PENDING_NEED, 'Aurora']) {
    expect(text).not.toContain(secret);
  }
}

function quietWarnings() {
  return vi.spyOn(console, 'warn').mockImplementation(() => {});
}

const countRows = async () => {
  const [o] = await database.db.select({ n: sql<number>`count(*)::int` }).from(opportunities);
  const [c] = await database.db.select({ n: sql<number>`count(*)::int` }).from(customers);
  return { opportunities: o!.n, customers: c!.n };
};

async function openLoadOf(partnerId: number) {
  const [row] = await database.db
    .select({ openLoad: partners.openLoad })
    .from(partners)
    .where(eq(partners.id, partnerId));
  return row!.openLoad;
}

/** Fans out every pending notification and composes the emails of one user, rendered. */
async function emailsFor(userId: number, kind: 'registration_submitted' | 'registration_decided') {
  await fanOutPending(database.db);
  const rows = await database.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.kind, kind)));
  return Promise.all(
    rows.map(async (row) => {
      const composed = await composeNotificationEmail(database.db, row.id, {
        publicUrl: 'https://partners.baton.test',
        secret: 'registrations-test-secret-0123456789abcdef',
        now: clock.now(),
      });
      if (composed.kind !== 'message') throw new Error(`email ${row.id} skipped: ${composed.reason}`);
      return { to: composed.to, ...renderEmail(composed.message) };
    }),
  );
}

describe('a registration nobody else works', () => {
  it('is approved into the partner’s accepted lead, in My leads, with every invariant holding', async () => {
    const loadBefore = await openLoadOf(partnerB);
    const form = await loadForm(repB);
    expect(form.status).toBe(200);
    expect(form.data.customers.map((c) => c.id)).toEqual([kestrelOwnCustomerId, quietOwnCustomerId]);

    const { result } = await submit(repB, validFields());
    const id = registeredId(result);
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, id));
    expect(row).toMatchObject({
      status: 'registered',
      source: 'partner_registration',
      registeredByPartnerId: partnerB,
      registrationConflict: false,
      createdByUserId: repB.id,
      customerId: quietOwnCustomerId,
      valueMinor: 4_800_000,
    });

    const answer = await loadDetail(repB, id);
    expect(answer.status).toBe(200);
    expect(answer.data.registration).toMatchObject({
      statusLabel: 'Awaiting a decision',
      conflictNotice: null,
    });

    const approved = await decide(manager, id, { intent: 'approve', returnTo: 'list' });
    expect(approved.result).toBeInstanceOf(Response);
    expect((approved.result as Response).headers.get('Location')).toBe('/registrations');

    const [lead] = await database.db.select().from(opportunities).where(eq(opportunities.id, id));
    expect(lead).toMatchObject({ status: 'accepted', acceptedPartnerId: partnerB, rounds: 1 });
    const leadOffers = await database.db.select().from(offers).where(eq(offers.opportunityId, id));
    expect(leadOffers).toHaveLength(1);
    expect(leadOffers[0]).toMatchObject({
      partnerId: partnerB,
      round: 1,
      status: 'accepted',
      score: 0,
      offeredByUserId: manager.id,
    });
    expect(await openLoadOf(partnerB)).toBe(loadBefore + 1);

    const myLeads = await getLeads(database.db, { partnerId: partnerB });
    expect(myLeads.map((l) => l.opportunityId)).toContain(id);
    const leadsPage = unwrap<Awaited<ReturnType<typeof LeadsRoute.loader>>>(
      await settle(() => routes.leads.loader({ request: get('/leads', repB), params: {}, context: {} })),
    );
    expect(leadsPage.data.leads.map((l) => l.opportunityId)).toContain(id);
    const mine = await loadDetail(repB, id);
    expect(mine.data.registration).toMatchObject({ leadUrl: `/leads/${id}` });
    expect(mine.data.registration?.statusLabel).toMatch(/^Approved/);

    // The manager's opportunity page tells the story in its timeline.
    const page = await getOpportunityPage(database.db, id, new Date());
    const timeline = opportunityView(page!, new Date()).timeline;
    expect(timeline.map((e) => e.kind)).toEqual([
      'registered',
      'registration_approved',
      'offered',
      'accepted',
    ]);
    expect(timeline[0]!.what).toBe('Birch Networks registered this opportunity.');

    expect(await checkInvariants(database.client, { reconcilerPeriodMs: 30_000 })).toEqual([]);
  });
});

describe('the blind conflict', () => {
  let viaPendingOffer: number;
  let viaDomain: number;

  it('flags a registration for the partner’s own customer on which another partner has an offer', async () => {
    const { result } = await submit(
      repB,
      validFields({ customerId: String(kestrelOwnCustomerId), need: 'Tape library for Kestrel' }),
    );
    viaPendingOffer = registeredId(result);
    await expectNothingOfA(result);
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, viaPendingOffer));
    expect(row!.registrationConflict).toBe(true);
    const [event] = await database.db
      .select()
      .from(opportunityEvents)
      .where(
        and(eq(opportunityEvents.opportunityId, viaPendingOffer), eq(opportunityEvents.kind, 'registered')),
      );
    expect(event!.detail).toEqual({ conflict: true });
  });

  it('flags a new customer whose domain, spelt differently, is an account another partner holds a lead for', async () => {
    const { result } = await submit(
      repB,
      validFields({
        customerMode: 'new',
        customerId: '',
        customerName: 'Zephyr Werkzeuge',
        customerDomain: 'zephyr-tools.example',
        customerCountry: 'at',
        customerIndustry: 'manufacturing',
        customerSizeSegment: 'mid_market',
        need: 'Upgrade Zephyr’s backup to immutable snapshots',
      }),
    );
    viaDomain = registeredId(result);
    await expectNothingOfA(result);
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, viaDomain));
    expect(row!.registrationConflict).toBe(true);
    const [customer] = await database.db.select().from(customers).where(eq(customers.id, row!.customerId));
    expect(customer).toMatchObject({ ownerPartnerId: partnerB, country: 'AT', createdByUserId: repB.id });
    expect(customer!.id).not.toBe(zephyrVendorCustomerId);
  });

  it('tells the registering partner only that the account is already being worked', async () => {
    for (const id of [viaPendingOffer, viaDomain]) {
      const page = await loadDetail(repB, id);
      expect(page.status).toBe(200);
      expect(page.data.registration?.conflictNotice).toBe(CONFLICT_NOTICE);
      expect(page.data.manager).toBeNull();
      await expectNothingOfA(page.data);
    }
    const list = await loadList(adminB);
    expect(list.data.mode).toBe('partner');
    const flagged = list.data.registrations.filter((r) => r.conflictNotice === CONFLICT_NOTICE);
    expect(flagged.map((r) => r.opportunityId).sort()).toEqual([viaPendingOffer, viaDomain].sort());
    await expectNothingOfA(list.data);

    // The domain itself answers no more than that either.
    const direct = await registerOpportunity(
      database.db,
      { partnerId: partnerB },
      repB.id,
      {
        customer: { kind: 'existing', customerId: kestrelOwnCustomerId },
        need: 'Spare disks for Kestrel',
        productLine: 'storage',
        valueMinor: 100_000,
        currency: 'EUR',
      },
      clock,
    );
    expect(Object.keys(direct).sort()).toEqual(['conflict', 'opportunityId']);
    expect(direct.conflict).toBe(true);
    await declineRegistration(
      database.db,
      {
        opportunityId: direct.opportunityId,
        userId: manager.id,
        reason: 'Duplicate of an earlier registration',
      },
      clock,
    );
  });

  it('shows the channel manager the conflict with the name of the partner working the account', async () => {
    const list = await loadList(manager);
    expect(list.status).toBe(200);
    expect(list.data.mode).toBe('manager');
    const byId = new Map(list.data.awaiting.map((r) => [r.opportunityId, r]));
    expect(byId.get(viaPendingOffer)).toMatchObject({ conflictFlagged: true, workingPartners: [A.name] });
    expect(byId.get(viaDomain)).toMatchObject({
      conflictFlagged: true,
      workingPartners: [A.name],
      partnerName: 'Birch Networks',
    });
    const detail = await loadDetail(manager, viaDomain);
    expect(detail.data.manager?.workingPartners).toEqual([A.name]);
    expect(detail.data.canDecide).toBe(true);
  });

  it('emails the channel managers who follow events, saying it is a conflict and who registered it', async () => {
    const mails = await emailsFor(manager.id, 'registration_submitted');
    const conflictMail = mails.find((m) => m.subject.includes(`#${viaDomain}`));
    expect(conflictMail?.subject).toMatch(/^Conflict: Birch Networks registered lead/);
    expect(conflictMail?.text).toContain('https://partners.baton.test/registrations');
    for (const userId of [digestManagerId, disabledManagerId, repB.id, repA.id, coordinator.id]) {
      const rows = await database.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, userId), eq(notifications.kind, 'registration_submitted')));
      expect(rows, `user ${userId}`).toHaveLength(0);
    }
  });

  it('declined with a reason, the partner sees the reason — in the portal and by email, still blind', async () => {
    const reason = 'The customer already works with another reseller on this project';
    const refused = await decide(manager, viaDomain, { intent: 'decline', reason: '  ' });
    expect(refused.status).toBe(400);
    expect(refused.data.fieldErrors.reason).toMatch(/Say why/);

    const declined = await decide(manager, viaDomain, { intent: 'decline', reason });
    expect((declined.result as Response).headers.get('Location')).toBe(`/registrations/${viaDomain}`);
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, viaDomain));
    expect(row!.status).toBe('registration_declined');

    const page = await loadDetail(repB, viaDomain);
    expect(page.data.registration).toMatchObject({ statusLabel: 'Declined', declineReason: reason });
    await expectNothingOfA(page.data);

    const mails = [
      ...(await emailsFor(repB.id, 'registration_decided')),
      ...(await emailsFor(adminB.id, 'registration_decided')),
    ];
    const declinedMails = mails.filter((m) =>
      m.subject.startsWith(`Registration declined: lead #${viaDomain},`),
    );
    expect(declinedMails.map((m) => m.to).sort()).toEqual((await recipientsOfDecision(viaDomain)).sort());
    expect(declinedMails).toHaveLength(2);
    for (const mail of declinedMails) {
      expect(mail.text).toContain(reason);
      await expectNothingOfA(mail);
      // Email leaves our control: not even the partner's own customer is named in it.
      expect(mail.text).not.toContain('Zephyr Werkzeuge');
    }
    const disabled = await database.db
      .select()
      .from(notifications)
      .where(eq(notifications.userId, disabledRepBId));
    expect(disabled).toHaveLength(0);
  });

  it('refuses deciding twice, and deciding what is not a registration', async () => {
    const again = await decide(manager, viaDomain, { intent: 'approve' });
    expect(again.status).toBe(409);
    expect(again.data.formError).toBe(
      `Registration ${viaDomain} was already declined; a registration is decided once.`,
    );
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, viaDomain));
    expect(row!.status).toBe('registration_declined');

    await expect(
      approveRegistration(database.db, { opportunityId: viaDomain, userId: manager.id }, clock),
    ).rejects.toSatisfy((e) => isDomainError(e, 'invalid_input'));
    await expect(
      declineRegistration(
        database.db,
        { opportunityId: aLeadOpportunityId, userId: manager.id, reason: 'nope' },
        clock,
      ),
    ).rejects.toSatisfy((e) => isDomainError(e, 'not_found'));
    const notRegistration = await decide(manager, aLeadOpportunityId, {
      intent: 'decline',
      reason: 'Not ours',
    });
    expect(notRegistration.status).toBe(404);
  });

  it('keeps another partner’s users away from B’s registrations', async () => {
    const warn = quietWarnings();
    try {
      expect((await loadDetail(repC, viaPendingOffer)).status).toBe(404);
      expect((await loadDetail(repA, viaPendingOffer)).status).toBe(404);
      expect(
        warn.mock.calls.some((call) => String(call[0]).includes(`foreign registration ${viaPendingOffer}`)),
      ).toBe(true);
      const cList = await loadList(repC);
      expect(cList.data.registrations).toEqual([]);
      // Partner users, B's own included, may not decide.
      for (const who of [repC, repB, adminB]) {
        const attempt = await decide(who, viaPendingOffer, { intent: 'approve' });
        expect(attempt.status).toBe(404);
      }
      expect((await loadList(coordinator)).status).toBe(404);
      expect((await loadForm(manager)).status).toBe(404);
    } finally {
      warn.mockRestore();
    }
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, viaPendingOffer));
    expect(row!.status).toBe('registered');
  });
});

async function recipientsOfDecision(opportunityId: number) {
  const rows = await database.db
    .select({ email: notifications.recipientEmail })
    .from(notifications)
    .where(
      and(
        eq(notifications.opportunityId, opportunityId),
        eq(notifications.kind, 'registration_decided'),
        eq(notifications.audience, 'user'),
      ),
    );
  return rows.map((r) => r.email!);
}

describe('the registration form', () => {
  it('rejects bad input field by field and saves nothing', async () => {
    const before = await countRows();
    const { status, data } = await submit(repB, {
      customerMode: 'new',
      customerName: '',
      customerDomain: 'zephyr tools',
      customerCountry: 'Deutschland',
      customerIndustry: '',
      customerSizeSegment: 'huge',
      need: 'x',
      productLine: '',
      amount: '12,5',
      currency: 'EUR',
    });
    expect(status).toBe(400);
    expect(Object.keys(data.fieldErrors).sort()).toEqual(
      [
        'amount',
        'customerCountry',
        'customerDomain',
        'customerIndustry',
        'customerName',
        'customerSizeSegment',
        'need',
        'productLine',
      ].sort(),
    );
    // One rule for a customer's domain wherever it is typed (customers.new too): a pasted
    // https:// address is fine, words are not.
    expect(data.fieldErrors.customerDomain).toContain('Enter a web domain such as example.com');
    expect(await countRows()).toEqual(before);
  });

  it('refuses a customer record of another company as if it did not exist', async () => {
    const before = await countRows();
    for (const customerId of [zephyrVendorCustomerId, 999_999, 0]) {
      const { status, data } = await submit(repB, validFields({ customerId: String(customerId) }));
      expect(status).toBe(400);
      expect(data.fieldErrors.customerId).toBe('Choose one of your company’s customers, or add a new one.');
    }
    const badCampaign = await submit(repB, validFields({ campaignId: '12345' }));
    expect(badCampaign.status).toBe(400);
    expect(Object.keys(badCampaign.data.fieldErrors)).toEqual(['campaignId']);
    expect(await countRows()).toEqual(before);
  });
});
