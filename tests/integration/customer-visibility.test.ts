import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { mergeCustomers } from '../../app/domain/customers/merge.server';
import {
  accept,
  declineAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as CustomerRoute from '../../app/routes/customers.$customerId';
import type * as CustomersRoute from '../../app/routes/customers._index';
import type * as LeadRoute from '../../app/routes/leads.$opportunityId';
import type * as OpportunityRoute from '../../app/routes/opportunities.$opportunityId';
import type * as TakeBackRoute from '../../app/routes/opportunities.$opportunityId_.take-back';
import type { UserRole } from '../../app/utils/session.server';
import {
  campaignAccounts,
  campaignPartners,
  campaigns,
  contacts,
  contactViews,
  offers,
  opportunities,
} from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

// The routes read the database the way production does (db.server), so the environment names
// this file's own database and Redis prefix before any route module is imported.
let database: TestDatabase;
let deps: LoopDeps;
let routes: {
  list: typeof CustomersRoute;
  page: typeof CustomerRoute;
  lead: typeof LeadRoute;
  opportunity: typeof OpportunityRoute;
  takeBack: typeof TakeBackRoute;
  close: () => Promise<void>;
};
const clock = new ManualClock(Date.now());

interface Viewer {
  userId: number;
  cookie: string;
  csrf: string;
}
type Role = 'repA' | 'adminA' | 'repB' | 'manager' | 'coordinator' | 'admin';
const ROLES: readonly Role[] = ['repA', 'adminA', 'repB', 'manager', 'coordinator', 'admin'];
const viewers = {} as Record<Role, Viewer>;

const PARTNER_B_NAME = 'Brightline Systems Ltd';
let partnerA: number;
let partnerB: number;

/** Each kind of record the matrix is about, by name. */
type Kind =
  | 'vendorOwned'
  | 'contributedByA'
  | 'contributedByB'
  | 'leadAcceptedByA'
  | 'ownedByBLeadAcceptedByA'
  | 'leadOfferedToA'
  | 'leadDeclinedByA'
  | 'campaignJoinedByA'
  | 'campaignInvitedA'
  | 'campaignDeclinedByA'
  | 'mergedIntoARecord'
  | 'mergedIntoVendorRecord';
const records = {} as Record<Kind, number>;
let acceptedLeadId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  const [list, page, lead, opportunity, takeBack, dbServer, loopServer] = await Promise.all([
    import('../../app/routes/customers._index'),
    import('../../app/routes/customers.$customerId'),
    import('../../app/routes/leads.$opportunityId'),
    import('../../app/routes/opportunities.$opportunityId'),
    import('../../app/routes/opportunities.$opportunityId_.take-back'),
    import('../../app/utils/db.server'),
    import('../../app/utils/loop.server'),
  ]);
  routes = {
    list,
    page,
    lead,
    opportunity,
    takeBack,
    close: async () => {
      await loopServer.closeLoop();
      await dbServer.closeDatabase();
    },
  };
  const db = database.db;

  // Only partner A covers Austria: an Austrian lead is always offered to A, and to nobody after.
  partnerA = (await makePartner(db, { name: 'Alpenland IT GmbH', countries: ['DE', 'AT'] })).id;
  partnerB = (await makePartner(db, { name: PARTNER_B_NAME, countries: ['DE'] })).id;
  const viewer = async (role: UserRole, partnerId: number | null = null): Promise<Viewer> => {
    const user = await makeUser(db, { role, partnerId });
    const { cookie, session } = await sessionCookieFor(db, user.id);
    return { userId: user.id, cookie, csrf: session.csrfToken };
  };
  viewers.repA = await viewer('partner_rep', partnerA);
  viewers.adminA = await viewer('partner_admin', partnerA);
  viewers.repB = await viewer('partner_rep', partnerB);
  viewers.manager = await viewer('channel_manager');
  viewers.coordinator = await viewer('campaign_coordinator');
  viewers.admin = await viewer('admin');

  const customer = async (name: string, overrides: Parameters<typeof makeCustomer>[1] = {}) => {
    const row = await makeCustomer(db, { name, ...overrides });
    await db
      .insert(contacts)
      .values({ customerId: row.id, name: `Contact of ${name}`, consentToContact: true });
    return row.id;
  };
  records.vendorOwned = await customer('Vendor Own Werke');
  records.contributedByA = await customer('A Contributed Bau', { ownerPartnerId: partnerA });
  records.contributedByB = await customer('B Contributed Handel', { ownerPartnerId: partnerB });

  const offeredLead = async (customerId: number) => {
    const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customerId));
    if (routing.kind !== 'offered' || routing.partnerId !== partnerA)
      throw new Error('expected an offer to A');
    const [offer] = await db
      .select()
      .from(offers)
      .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
    return { opportunityId, offerId: offer!.id };
  };
  records.leadAcceptedByA = await customer('Lead Accepted Tirol', { country: 'AT' });
  const acceptedLead = await offeredLead(records.leadAcceptedByA);
  await accept(deps, { offerId: acceptedLead.offerId, userId: viewers.repA.userId });
  acceptedLeadId = acceptedLead.opportunityId;

  records.ownedByBLeadAcceptedByA = await customer('B Owned Salzburg', {
    country: 'AT',
    ownerPartnerId: partnerB,
  });
  const crossLead = await offeredLead(records.ownedByBLeadAcceptedByA);
  await accept(deps, { offerId: crossLead.offerId, userId: viewers.repA.userId });

  records.leadOfferedToA = await customer('Lead Offered Wien', { country: 'AT' });
  await offeredLead(records.leadOfferedToA);
  records.leadDeclinedByA = await customer('Lead Declined Graz', { country: 'AT' });
  const declined = await offeredLead(records.leadDeclinedByA);
  await declineAndReroute(deps, {
    offerId: declined.offerId,
    userId: viewers.repA.userId,
    reason: 'no_capacity',
  });

  const campaignWithA = async (name: string, status: 'joined' | 'invited' | 'declined') => {
    const [campaign] = await db.insert(campaigns).values({ name, status: 'active' }).returning();
    await db.insert(campaignPartners).values({ campaignId: campaign!.id, partnerId: partnerA, status });
    const account = await customer(`${name} Target`);
    await db.insert(campaignAccounts).values({ campaignId: campaign!.id, customerId: account });
    return account;
  };
  records.campaignJoinedByA = await campaignWithA('Joined Spring Push', 'joined');
  records.campaignInvitedA = await campaignWithA('Invited Summer Push', 'invited');
  records.campaignDeclinedByA = await campaignWithA('Declined Autumn Push', 'declined');

  records.mergedIntoARecord = await customer('A Contributed Bau (old)', { ownerPartnerId: partnerA });
  await mergeCustomers(
    db,
    { keepId: records.contributedByA, mergeId: records.mergedIntoARecord, userId: viewers.manager.userId },
    clock,
  );
  records.mergedIntoVendorRecord = await customer('Vendor Own Werke (old)', { ownerPartnerId: partnerA });
  await mergeCustomers(
    db,
    { keepId: records.vendorOwned, mergeId: records.mergedIntoVendorRecord, userId: viewers.manager.userId },
    clock,
  );
});
afterAll(async () => {
  await routes?.close();
  await database.drop();
});

const get = (path: string, viewer: Viewer) =>
  new Request(`http://localhost${path}`, { headers: { Cookie: viewer.cookie } });

const loadList = async (viewer: Viewer, query = '') =>
  unwrap<Awaited<ReturnType<typeof CustomersRoute.loader>>>(
    await settle(() =>
      routes.list.loader({ request: get(`/customers${query}`, viewer), params: {}, context: {} }),
    ),
  );
const loadRecord = async (viewer: Viewer, customerId: number) =>
  unwrap<Awaited<ReturnType<typeof CustomerRoute.loader>>>(
    await settle(() =>
      routes.page.loader({
        request: get(`/customers/${customerId}`, viewer),
        params: { customerId: String(customerId) },
        context: {},
      }),
    ),
  );
const loadLead = async (viewer: Viewer, opportunityId: number) =>
  unwrap<Awaited<ReturnType<typeof LeadRoute.loader>>>(
    await settle(() =>
      routes.lead.loader({
        request: get(`/leads/${opportunityId}`, viewer),
        params: { opportunityId: String(opportunityId) },
        context: {},
      }),
    ),
  );

async function viewsOf(customerId: number) {
  return database.db.select().from(contactViews).where(eq(contactViews.customerId, customerId));
}

/** Quiets the refusal log each hidden record writes, and hands it back for checking. */
function quietWarnings() {
  return vi.spyOn(console, 'warn').mockImplementation(() => {});
}

type Outcome = 'shown' | 'hidden' | { redirectTo: Kind };
const PARTNER_A: Record<Kind, Outcome> = {
  vendorOwned: 'hidden',
  contributedByA: 'shown',
  contributedByB: 'hidden',
  leadAcceptedByA: 'shown',
  ownedByBLeadAcceptedByA: 'shown',
  leadOfferedToA: 'hidden',
  leadDeclinedByA: 'hidden',
  campaignJoinedByA: 'shown',
  campaignInvitedA: 'hidden',
  campaignDeclinedByA: 'hidden',
  mergedIntoARecord: { redirectTo: 'contributedByA' },
  mergedIntoVendorRecord: 'hidden',
};
const PARTNER_B: Record<Kind, Outcome> = {
  vendorOwned: 'hidden',
  contributedByA: 'hidden',
  contributedByB: 'shown',
  leadAcceptedByA: 'hidden',
  ownedByBLeadAcceptedByA: 'shown',
  leadOfferedToA: 'hidden',
  leadDeclinedByA: 'hidden',
  campaignJoinedByA: 'hidden',
  campaignInvitedA: 'hidden',
  campaignDeclinedByA: 'hidden',
  mergedIntoARecord: 'hidden',
  mergedIntoVendorRecord: 'hidden',
};
const VENDOR: Record<Kind, Outcome> = {
  vendorOwned: 'shown',
  contributedByA: 'shown',
  contributedByB: 'shown',
  leadAcceptedByA: 'shown',
  ownedByBLeadAcceptedByA: 'shown',
  leadOfferedToA: 'shown',
  leadDeclinedByA: 'shown',
  campaignJoinedByA: 'shown',
  campaignInvitedA: 'shown',
  campaignDeclinedByA: 'shown',
  mergedIntoARecord: { redirectTo: 'contributedByA' },
  mergedIntoVendorRecord: { redirectTo: 'vendorOwned' },
};
const MATRIX: Record<Role, Record<Kind, Outcome>> = {
  repA: PARTNER_A,
  adminA: PARTNER_A,
  repB: PARTNER_B,
  manager: VENDOR,
  coordinator: VENDOR,
  admin: VENDOR,
};

describe('the visibility matrix', () => {
  it.each(ROLES)('%s sees exactly the records it may, on the list and on each page', async (role) => {
    const viewer = viewers[role];
    const expected = MATRIX[role];
    const kinds = Object.keys(expected) as Kind[];

    const list = await loadList(viewer);
    expect(list.status).toBe(200);
    const listed = new Set(list.data.customers.map((c) => c.id));
    for (const kind of kinds) {
      // Merged records are never listed, whoever looks; the survivor is.
      expect({ kind, listed: listed.has(records[kind]) }).toEqual({
        kind,
        listed: expected[kind] === 'shown',
      });
    }

    const warn = quietWarnings();
    try {
      for (const kind of kinds) {
        const page = await loadRecord(viewer, records[kind]);
        const outcome = expected[kind];
        if (outcome === 'shown') {
          expect({ kind, status: page.status }).toEqual({ kind, status: 200 });
          expect(page.data.customer.id).toBe(records[kind]);
          expect(page.data.contacts.length).toBeGreaterThan(0);
        } else if (outcome === 'hidden') {
          expect({ kind, status: page.status }).toEqual({ kind, status: 404 });
        } else {
          expect({ kind, status: page.status, location: page.headers.get('Location') }).toEqual({
            kind,
            status: 302,
            location: `/customers/${records[outcome.redirectTo]}`,
          });
        }
      }
      const hidden = kinds.filter((k) => expected[k] === 'hidden');
      // Every hidden record is logged as a foreign id, and answered like one that does not exist.
      expect(warn).toHaveBeenCalledTimes(hidden.length);
      expect((await loadRecord(viewer, 2_000_000_000)).status).toBe(404);
      expect(warn).toHaveBeenCalledTimes(hidden.length);
    } finally {
      warn.mockRestore();
    }
  });

  it("never shows a partner another partner's name, only that another partner owns the record", async () => {
    const list = await loadList(viewers.repA);
    expect(list.data.customers.find((c) => c.id === records.ownedByBLeadAcceptedByA)?.owner).toBe(
      'Another partner',
    );
    expect(list.data.customers.find((c) => c.id === records.leadAcceptedByA)?.owner).toBe('Vendor');
    expect(list.data.customers.find((c) => c.id === records.contributedByA)?.owner).toBe('Alpenland IT GmbH');
    expect(JSON.stringify(list.data)).not.toContain(PARTNER_B_NAME);
    const page = await loadRecord(viewers.repA, records.ownedByBLeadAcceptedByA);
    expect(page.data.customer.owner).toBe('Another partner');
    expect(JSON.stringify(page.data)).not.toContain(PARTNER_B_NAME);

    // Vendor staff see who owns what.
    const staff = await loadList(viewers.manager);
    expect(staff.data.customers.find((c) => c.id === records.ownedByBLeadAcceptedByA)?.owner).toBe(
      PARTNER_B_NAME,
    );
  });

  it('finds records by a fragment of the name or by the web domain, within what the viewer may see', async () => {
    const byName = await loadList(viewers.repA, '?q=tirol');
    expect(byName.data.customers.map((c) => c.id)).toEqual([records.leadAcceptedByA]);
    const partnerSearch = await loadList(viewers.repA, '?q=werke');
    expect(partnerSearch.data.customers).toEqual([]);
    const staffSearch = await loadList(viewers.manager, '?q=werke');
    expect(staffSearch.data.customers.map((c) => c.id)).toEqual([records.vendorOwned]);
  });

  it('pages through the list with a cursor, never repeating a record', async () => {
    for (let i = 0; i < 55; i++) await makeCustomer(database.db, { name: `Paging Filler ${i}` });
    const first = await loadList(viewers.admin);
    expect(first.data.customers).toHaveLength(50);
    expect(first.data.nextHref).toMatch(/^\/customers\?after=\d+$/);
    const second = await loadList(viewers.admin, first.data.nextHref!.replace('/customers', ''));
    const firstIds = new Set(first.data.customers.map((c) => c.id));
    expect(second.data.customers.length).toBeGreaterThan(0);
    expect(second.data.customers.some((c) => firstIds.has(c.id))).toBe(false);
    const ids = [...first.data.customers, ...second.data.customers].map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });
});

describe('contact views', () => {
  it("records every time a partner user's page shows the contacts, and only for partner users", async () => {
    const customerId = records.leadAcceptedByA;
    const before = (await viewsOf(customerId)).length;
    expect((await loadRecord(viewers.repA, customerId)).status).toBe(200);
    expect((await loadLead(viewers.repA, acceptedLeadId)).status).toBe(200);
    for (const staff of ['manager', 'coordinator', 'admin'] as const) {
      expect((await loadRecord(viewers[staff], customerId)).status).toBe(200);
    }
    const views = (await viewsOf(customerId)).slice(before);
    expect(views).toHaveLength(2);
    for (const view of views) {
      expect(view).toMatchObject({ customerId, userId: viewers.repA.userId, partnerId: partnerA });
    }
  });

  it("shows managers who looked at a record's contacts, and nobody else", async () => {
    const customerId = records.contributedByA;
    await loadRecord(viewers.adminA, customerId);
    const manager = await loadRecord(viewers.manager, customerId);
    expect(manager.data.contactViews?.[0]?.partner).toBe('Alpenland IT GmbH');
    expect(manager.data.contactViews?.length).toBeGreaterThan(0);
    expect((await loadRecord(viewers.admin, customerId)).data.contactViews).not.toBeNull();
    expect((await loadRecord(viewers.coordinator, customerId)).data.contactViews).toBeNull();
    expect((await loadRecord(viewers.adminA, customerId)).data.contactViews).toBeNull();
  });

  it('shows a partner only its own leads among the record’s opportunities', async () => {
    const partner = await loadRecord(viewers.repA, records.leadAcceptedByA);
    expect(partner.data.opportunities.map((o) => o.id)).toEqual([acceptedLeadId]);
    expect(partner.data.opportunities[0]!.href).toBe(`/leads/${acceptedLeadId}`);
    const owner = await loadRecord(viewers.repB, records.ownedByBLeadAcceptedByA);
    // B owns the record, but the lead on it is A's: B sees no opportunity, and no name of A.
    expect(owner.data.opportunities).toEqual([]);
    expect(JSON.stringify(owner.data)).not.toContain('Alpenland');
    const staff = await loadRecord(viewers.manager, records.leadAcceptedByA);
    expect(staff.data.opportunities[0]).toMatchObject({
      id: acceptedLeadId,
      holder: 'Alpenland IT GmbH',
      href: `/opportunities/${acceptedLeadId}`,
    });
  });
});

describe('taking a lead back', () => {
  const takeBack = async (viewer: Viewer, opportunityId: number, fields: Record<string, string>) =>
    unwrap<{ fieldErrors: Record<string, string>; formError: string | null }>(
      await settle(() =>
        routes.takeBack.action({
          request: formPost(
            `http://localhost/opportunities/${opportunityId}/take-back`,
            { csrf: viewer.csrf, ...fields },
            { Cookie: viewer.cookie },
          ),
          params: { opportunityId: String(opportunityId) },
          context: {},
        }),
      ),
    );

  it('offers the form to a manager while a partner holds the lead, and requires a reason', async () => {
    const page = unwrap<Awaited<ReturnType<typeof OpportunityRoute.loader>>>(
      await settle(() =>
        routes.opportunity.loader({
          request: get(`/opportunities/${acceptedLeadId}`, viewers.manager),
          params: { opportunityId: String(acceptedLeadId) },
          context: {},
        }),
      ),
    );
    expect(page.data.takeBack).toEqual({ partnerId: partnerA });
    const coordinator = unwrap<Awaited<ReturnType<typeof OpportunityRoute.loader>>>(
      await settle(() =>
        routes.opportunity.loader({
          request: get(`/opportunities/${acceptedLeadId}`, viewers.coordinator),
          params: { opportunityId: String(acceptedLeadId) },
          context: {},
        }),
      ),
    );
    expect(coordinator.data.takeBack).toBeNull();

    const noReason = await takeBack(viewers.manager, acceptedLeadId, {
      partnerId: String(partnerA),
      reason: ' ',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.data.fieldErrors.reason).toMatch(/why/);
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, acceptedLeadId));
    expect(row).toMatchObject({ status: 'accepted', acceptedPartnerId: partnerA });
  });

  it("ends the partner's access to the customer record, the list entry and the lead", async () => {
    const customerId = records.leadAcceptedByA;
    expect((await loadRecord(viewers.repA, customerId)).status).toBe(200);
    expect((await loadList(viewers.repA)).data.customers.map((c) => c.id)).toContain(customerId);

    const done = await takeBack(viewers.manager, acceptedLeadId, {
      partnerId: String(partnerA),
      reason: 'Customer asked for a different reseller',
    });
    expect(done.status).toBe(302);
    expect(done.headers.get('Location')).toBe(`/opportunities/${acceptedLeadId}?done=takeBack`);

    const warn = quietWarnings();
    try {
      expect((await loadRecord(viewers.repA, customerId)).status).toBe(404);
      expect((await loadRecord(viewers.adminA, customerId)).status).toBe(404);
      expect((await loadLead(viewers.repA, acceptedLeadId)).status).toBe(404);
    } finally {
      warn.mockRestore();
    }
    expect((await loadList(viewers.repA)).data.customers.map((c) => c.id)).not.toContain(customerId);
    // Vendor staff still see it, of course.
    expect((await loadRecord(viewers.manager, customerId)).status).toBe(200);

    // Routing did not offer it straight back: only A covers Austria, so nobody is left.
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, acceptedLeadId));
    expect(row).toMatchObject({ status: 'unroutable', acceptedPartnerId: null });
    const offersOfLead = await database.db
      .select()
      .from(offers)
      .where(eq(offers.opportunityId, acceptedLeadId));
    expect(offersOfLead.filter((o) => o.status === 'pending')).toEqual([]);
  });

  it('refuses a second take-back of a lead nobody holds, and a rep may not take leads back', async () => {
    const again = await takeBack(viewers.manager, acceptedLeadId, {
      partnerId: String(partnerA),
      reason: 'Clicked twice',
    });
    expect(again.status).toBe(409);
    expect(again.data.formError).toMatch(/only a lead a partner is working/);

    const warn = quietWarnings();
    try {
      expect(
        (await takeBack(viewers.repA, acceptedLeadId, { partnerId: String(partnerA), reason: 'Mine' }))
          .status,
      ).toBe(404);
    } finally {
      warn.mockRestore();
    }
  });
});
