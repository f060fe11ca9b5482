import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { findLikelyDuplicates } from '../../app/domain/customers/duplicates.server';
import { mergeCustomers } from '../../app/domain/customers/merge.server';
import { isDomainError } from '../../app/domain/errors';
import {
  accept,
  submitOpportunity,
  takeBackAndReroute,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import type * as MergeRoute from '../../app/routes/customers.$customerId_.merge';
import type * as NewCustomerRoute from '../../app/routes/customers.new';
import type * as OpportunityRoute from '../../app/routes/opportunities.$opportunityId';
import type { UserRole } from '../../app/utils/session.server';
import { checkInvariants } from '../../db/check-invariants';
import {
  campaignAccounts,
  campaigns,
  contacts,
  contactViews,
  customers,
  offers,
  opportunities,
  opportunityEvents,
  partners,
} from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let deps: LoopDeps;
let routes: {
  create: typeof NewCustomerRoute;
  merge: typeof MergeRoute;
  opportunity: typeof OpportunityRoute;
  close: () => Promise<void>;
};
const clock = new ManualClock(Date.now());

interface Viewer {
  userId: number;
  cookie: string;
  csrf: string;
}
let manager: Viewer;
let repA: Viewer;
let coordinator: Viewer;
let partnerA: number;
let partnerB: number;

// Existing records the new ones are checked against.
let acme: number;
let persian: number;
let chinese: number;
let ownedByA: number;
let ownedByB: number;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
  const [create, merge, opportunity, dbServer, loopServer] = await Promise.all([
    import('../../app/routes/customers.new'),
    import('../../app/routes/customers.$customerId_.merge'),
    import('../../app/routes/opportunities.$opportunityId'),
    import('../../app/utils/db.server'),
    import('../../app/utils/loop.server'),
  ]);
  routes = {
    create,
    merge,
    opportunity,
    close: async () => {
      await loopServer.closeLoop();
      await dbServer.closeDatabase();
    },
  };
  const db = database.db;
  partnerA = (await makePartner(db, { name: 'Alpenland IT GmbH' })).id;
  partnerB = (await makePartner(db, { name: 'Brightline Systems Ltd' })).id;
  const viewer = async (role: UserRole, partnerId: number | null = null): Promise<Viewer> => {
    const user = await makeUser(db, { role, partnerId });
    const { cookie, session } = await sessionCookieFor(db, user.id);
    return { userId: user.id, cookie, csrf: session.csrfToken };
  };
  manager = await viewer('channel_manager');
  coordinator = await viewer('campaign_coordinator');
  repA = await viewer('partner_rep', partnerA);

  acme = (
    await makeCustomer(db, { name: 'Acme Widgets GmbH', domain: 'https://www.Acme-Widgets.example/contact' })
  ).id;
  persian = (await makeCustomer(db, { name: 'شرکت پارس تجارت', domain: null, country: 'IR' })).id;
  chinese = (await makeCustomer(db, { name: '北京华为技术有限公司', domain: null, country: 'CN' })).id;
  ownedByA = (
    await makeCustomer(db, {
      name: 'Kaiser Feinmechanik',
      domain: 'kaiser-fm.example',
      ownerPartnerId: partnerA,
    })
  ).id;
  ownedByB = (
    await makeCustomer(db, {
      name: 'Nordlicht Logistik',
      domain: 'nordlicht.example',
      ownerPartnerId: partnerB,
    })
  ).id;
});
afterAll(async () => {
  await routes?.close();
  await database.drop();
});

const vendorCheck = (name: string, domain: string | null = null) =>
  findLikelyDuplicates(database.db, { name, domain, scope: null });

describe('finding likely duplicates', () => {
  it.each([
    'acme-widgets.example',
    'ACME-WIDGETS.EXAMPLE',
    'www.acme-widgets.example',
    'https://acme-widgets.example',
    'http://www.acme-widgets.example/about?team=sales#top',
    'acme-widgets.example:443/',
  ])('matches the web domain however it is written: %s', async (domain) => {
    const check = await vendorCheck('A company with another name', domain);
    expect(check.duplicates.map((d) => [d.id, d.reason])).toEqual([[acme, 'same_domain']]);
  });

  it.each(['Acme Widgets', 'ACME WIDGETS LTD', 'Acme-Widgets GmbH & Co. KG', '  acme   widgets, inc. '])(
    'matches the name without case, punctuation or legal form: %s',
    async (name) => {
      const check = await vendorCheck(name);
      expect(check.duplicates.map((d) => [d.id, d.reason])).toEqual([[acme, 'same_name']]);
    },
  );

  it('matches a name that is merely alike, and says how alike', async () => {
    const check = await vendorCheck('Acme Widget');
    expect(check.duplicates).toHaveLength(1);
    expect(check.duplicates[0]).toMatchObject({ id: acme, reason: 'similar_name' });
    expect(check.duplicates[0]!.similarity).toBeGreaterThanOrEqual(0.5);
    expect(check.duplicates[0]!.similarity).toBeLessThan(1);
  });

  it('finds Persian and Chinese names by their exact key', async () => {
    expect((await vendorCheck('  شرکت   پارس تجارت ')).duplicates.map((d) => d.id)).toEqual([persian]);
    expect((await vendorCheck('شرکت پارس تجارت Ltd.')).duplicates.map((d) => d.id)).toEqual([persian]);
    expect((await vendorCheck('北京华为技术有限公司')).duplicates.map((d) => d.id)).toEqual([chinese]);
    expect((await vendorCheck('北京华为技术有限公司 Co., Ltd.')).duplicates.map((d) => d.id)).toEqual([
      chinese,
    ]);
    expect((await vendorCheck('上海电气集团')).duplicates).toEqual([]);
  });

  it('finds nothing for a different company', async () => {
    const check = await vendorCheck('Zeta Robotics', 'zeta-robotics.example');
    expect(check).toEqual({ duplicates: [], hiddenDomainMatch: false });
  });

  it("shows a partner only records it may see, and of another's only that the domain exists", async () => {
    const scope = { partnerId: partnerA };
    const own = await findLikelyDuplicates(database.db, {
      name: 'Kaiser Feinmechanik AG',
      domain: null,
      scope,
    });
    expect(own.duplicates).toEqual([expect.objectContaining({ id: ownedByA, owner: 'Alpenland IT GmbH' })]);

    const vendors = await findLikelyDuplicates(database.db, {
      name: 'Something Else',
      domain: 'https://www.acme-widgets.example/',
      scope,
    });
    expect(vendors).toEqual({ duplicates: [], hiddenDomainMatch: true });

    // A name alike at another partner, on another domain: the partner learns nothing at all.
    const others = await findLikelyDuplicates(database.db, {
      name: 'Nordlicht Logistik',
      domain: 'nordlicht-logistik.example',
      scope,
    });
    expect(others).toEqual({ duplicates: [], hiddenDomainMatch: false });
    // The vendor sees that record, and whose it is.
    expect((await vendorCheck('Nordlicht Logistik')).duplicates).toEqual([
      expect.objectContaining({ id: ownedByB, owner: 'Brightline Systems Ltd', reason: 'same_name' }),
    ]);
  });
});

describe('saving a new customer', () => {
  const submit = async (viewer: Viewer, fields: Record<string, string>) =>
    unwrap<{
      fieldErrors: Record<string, string>;
      duplicates: { id: number; name: string; owner: string }[];
      hiddenDomainMatch: boolean;
      checked: { name: string; domain: string } | null;
    }>(
      await settle(() =>
        routes.create.action({
          request: formPost(
            'http://localhost/customers/new',
            {
              csrf: viewer.csrf,
              country: 'DE',
              industry: 'manufacturing',
              sizeSegment: 'mid_market',
              revenuePotential: 'B',
              ...fields,
            },
            { Cookie: viewer.cookie },
          ),
          params: {},
          context: {},
        }),
      ),
    );
  const customerCount = async () => (await database.db.select({ id: customers.id }).from(customers)).length;
  const savedId = (location: string | null) => Number(/^\/customers\/(\d+)$/.exec(location ?? '')?.[1]);

  it('shows the likely duplicates first and saves only on an explicit "save anyway"', async () => {
    const before = await customerCount();
    const fields = { name: 'Acme Widgets AG', domain: 'https://acme-widgets.example/' };
    const first = await submit(manager, fields);
    expect(first.status).toBe(409);
    expect(first.data.duplicates.map((d) => d.id)).toEqual([acme]);
    expect(first.data.checked).toEqual(fields);
    expect(await customerCount()).toBe(before);

    const second = await submit(manager, {
      ...fields,
      saveAnyway: 'yes',
      checkedName: first.data.checked!.name,
      checkedDomain: first.data.checked!.domain,
    });
    expect(second.status).toBe(302);
    const [saved] = await database.db
      .select()
      .from(customers)
      .where(eq(customers.id, savedId(second.headers.get('Location'))));
    expect(saved).toMatchObject({
      name: 'Acme Widgets AG',
      domain: 'acme-widgets.example',
      domainKey: 'acme-widgets.example',
      ownerPartnerId: null,
      createdByUserId: manager.userId,
    });
  });

  it('checks again when the name changed after the duplicates were shown', async () => {
    const before = await customerCount();
    const changed = await submit(manager, {
      name: 'ACME WIDGETS',
      domain: '',
      saveAnyway: 'yes',
      checkedName: 'Zeta Robotics',
      checkedDomain: '',
    });
    expect(changed.status).toBe(409);
    expect(await customerCount()).toBe(before);
  });

  it('saves a company with no likely duplicate at once', async () => {
    const saved = await submit(coordinator, { name: 'Zeta Robotics', domain: 'zeta-robotics.example' });
    expect(saved.status).toBe(302);
    expect(savedId(saved.headers.get('Location'))).toBeGreaterThan(0);
  });

  it('gives a partner its own record, and tells it of a vendor record with the domain without naming it', async () => {
    const first = await submit(repA, { name: 'Widgets of Acme', domain: 'acme-widgets.example' });
    expect(first.status).toBe(409);
    expect(first.data.duplicates).toEqual([]);
    expect(first.data.hiddenDomainMatch).toBe(true);
    expect(JSON.stringify(first.data)).not.toMatch(/Acme Widgets GmbH|Brightline/);

    const second = await submit(repA, {
      name: 'Widgets of Acme',
      domain: 'acme-widgets.example',
      saveAnyway: 'yes',
      checkedName: 'Widgets of Acme',
      checkedDomain: 'acme-widgets.example',
    });
    expect(second.status).toBe(302);
    const [saved] = await database.db
      .select()
      .from(customers)
      .where(eq(customers.id, savedId(second.headers.get('Location'))));
    expect(saved!.ownerPartnerId).toBe(partnerA);
  });

  it('refuses bad fields next to each field and saves nothing', async () => {
    const before = await customerCount();
    const refused = await submit(manager, {
      name: ' ',
      domain: 'not a domain',
      country: 'Germany',
      sizeSegment: 'huge',
      revenuePotential: 'E',
    });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.data.fieldErrors).sort()).toEqual(
      ['country', 'domain', 'name', 'revenuePotential', 'sizeSegment'].sort(),
    );
    expect(refused.data.fieldErrors.country).toMatch(/two-letter country code/);
    expect(await customerCount()).toBe(before);
  });
});

describe('merging two records', () => {
  async function opportunityOf(customerId: number) {
    const { opportunityId } = await submitOpportunity(deps, opportunityInput(customerId));
    return opportunityId;
  }

  it('moves opportunities, contacts and campaign accounts to the survivor and writes each timeline', async () => {
    const db = database.db;
    const keep = await makeCustomer(db, { name: 'Merge Keep Maschinenbau' });
    const merge = await makeCustomer(db, { name: 'Merge Keep Maschinenbau GmbH' });
    const keptLead = await opportunityOf(keep.id);
    const movedLeads = [await opportunityOf(merge.id), await opportunityOf(merge.id)];
    await db.insert(contacts).values([
      { customerId: merge.id, name: 'Greta Merge' },
      { customerId: merge.id, name: 'Hans Merge' },
    ]);
    const [both, onlyMerged] = await db
      .insert(campaigns)
      .values([{ name: 'Both are targets' }, { name: 'Only the duplicate is a target' }])
      .returning();
    await db.insert(campaignAccounts).values([
      { campaignId: both!.id, customerId: keep.id },
      { campaignId: both!.id, customerId: merge.id },
      { campaignId: onlyMerged!.id, customerId: merge.id },
    ]);
    await db
      .insert(contactViews)
      .values({ customerId: merge.id, userId: repA.userId, partnerId: partnerA, viewedAt: clock.now() });

    // The page suggests the duplicate first, and previews what moves.
    const page = unwrap<Awaited<ReturnType<typeof MergeRoute.loader>>>(
      await settle(() =>
        routes.merge.loader({
          request: new Request(`http://localhost/customers/${merge.id}/merge?other=${keep.id}&keep=other`, {
            headers: { Cookie: manager.cookie },
          }),
          params: { customerId: String(merge.id) },
          context: {},
        }),
      ),
    );
    expect(page.status).toBe(200);
    expect(page.data.suggestions[0]?.id).toBe(keep.id);
    expect(page.data.preview).toMatchObject({
      keepId: keep.id,
      mergeId: merge.id,
      error: null,
      counts: { opportunities: 2, contacts: 2, campaignAccounts: 1, campaignAccountsAlreadyThere: 1 },
    });

    const confirmed = unwrap(
      await settle(() =>
        routes.merge.action({
          request: formPost(
            `http://localhost/customers/${merge.id}/merge`,
            { csrf: manager.csrf, keepId: String(keep.id), mergeId: String(merge.id) },
            { Cookie: manager.cookie },
          ),
          params: { customerId: String(merge.id) },
          context: {},
        }),
      ),
    );
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get('Location')).toBe(`/customers/${keep.id}?merged=${merge.id}`);

    const leads = await db
      .select({ id: opportunities.id, customerId: opportunities.customerId })
      .from(opportunities)
      .where(inArray(opportunities.id, [keptLead, ...movedLeads]));
    expect(leads.every((o) => o.customerId === keep.id)).toBe(true);
    const people = await db
      .select()
      .from(contacts)
      .where(inArray(contacts.customerId, [keep.id, merge.id]));
    expect(people.map((c) => [c.name, c.customerId]).sort()).toEqual([
      ['Greta Merge', keep.id],
      ['Hans Merge', keep.id],
    ]);
    const targets = await db
      .select()
      .from(campaignAccounts)
      .where(inArray(campaignAccounts.customerId, [keep.id, merge.id]));
    expect(targets.map((t) => [t.campaignId, t.customerId]).sort()).toEqual(
      [
        [both!.id, keep.id],
        [onlyMerged!.id, keep.id],
      ].sort(),
    );
    const [mergedRow] = await db.select().from(customers).where(eq(customers.id, merge.id));
    expect(mergedRow!.mergedIntoId).toBe(keep.id);
    expect(mergedRow!.mergedAt).toBeInstanceOf(Date);
    // Contact views are history: they stay on the record that was viewed.
    expect(await db.select().from(contactViews).where(eq(contactViews.customerId, merge.id))).toHaveLength(1);

    const events = await db
      .select()
      .from(opportunityEvents)
      .where(
        and(
          eq(opportunityEvents.kind, 'customer_merged'),
          inArray(opportunityEvents.opportunityId, [keptLead, ...movedLeads]),
        ),
      );
    expect(events.map((e) => e.opportunityId).sort()).toEqual([keptLead, ...movedLeads].sort());
    for (const event of events) {
      expect(event.detail).toEqual({ from: merge.id, into: keep.id });
      expect(event.actorUserId).toBe(manager.userId);
    }

    // The merge reads in the kept record's timeline and in the moved ones'.
    for (const opportunityId of [keptLead, movedLeads[0]!]) {
      const opportunityPage = unwrap<Awaited<ReturnType<typeof OpportunityRoute.loader>>>(
        await settle(() =>
          routes.opportunity.loader({
            request: new Request(`http://localhost/opportunities/${opportunityId}`, {
              headers: { Cookie: manager.cookie },
            }),
            params: { opportunityId: String(opportunityId) },
            context: {},
          }),
        ),
      );
      expect(opportunityPage.data.timeline.map((e) => e.what)).toContain(
        `Customer record #${merge.id} was merged into #${keep.id}.`,
      );
    }
  });

  it('refuses merging a record into itself, into a merged record, or a record already merged', async () => {
    const db = database.db;
    const live = await makeCustomer(db, { name: 'Refusal Live' });
    const other = await makeCustomer(db, { name: 'Refusal Other' });
    const gone = await makeCustomer(db, { name: 'Refusal Gone' });
    await mergeCustomers(db, { keepId: live.id, mergeId: gone.id, userId: manager.userId }, clock);

    const refusal = async (keepId: number, mergeId: number) => {
      try {
        await mergeCustomers(db, { keepId, mergeId, userId: manager.userId }, clock);
      } catch (error) {
        if (isDomainError(error)) return error.message;
        throw error;
      }
      return 'merged';
    };
    expect(await refusal(live.id, live.id)).toBe(
      'A record cannot be merged into itself; choose the other record to keep.',
    );
    expect(await refusal(gone.id, other.id)).toBe(
      `Customer #${gone.id} was itself merged into #${live.id}; keep that record instead.`,
    );
    expect(await refusal(other.id, gone.id)).toBe(
      `Customer #${gone.id} was already merged into #${live.id}; there is nothing left to merge.`,
    );
    const [untouched] = await db.select().from(customers).where(eq(customers.id, other.id));
    expect(untouched!.mergedIntoId).toBeNull();

    // The page says the same, and changes nothing.
    const answered = unwrap<{ formError: string }>(
      await settle(() =>
        routes.merge.action({
          request: formPost(
            `http://localhost/customers/${other.id}/merge`,
            { csrf: manager.csrf, keepId: String(gone.id), mergeId: String(other.id) },
            { Cookie: manager.cookie },
          ),
          params: { customerId: String(other.id) },
          context: {},
        }),
      ),
    );
    expect(answered.status).toBe(409);
    expect(answered.data.formError).toContain('keep that record instead');
  });

  it('is open to channel managers only', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const viewer of [repA, coordinator]) {
        const page = await settle(() =>
          routes.merge.loader({
            request: new Request(`http://localhost/customers/${acme}/merge`, {
              headers: { Cookie: viewer.cookie },
            }),
            params: { customerId: String(acme) },
            context: {},
          }),
        );
        expect((page as Response).status).toBe(404);
      }
    } finally {
      warn.mockRestore();
    }
  });
});

describe('taking a lead back', () => {
  it('frees the partner, routes the lead to someone else, and leaves every invariant intact', async () => {
    const db = database.db;
    // Two partners cover the Netherlands; whoever gets the lead first, the other gets it next.
    const first = await makePartner(db, { name: 'Polder One', countries: ['NL'] });
    const second = await makePartner(db, { name: 'Polder Two', countries: ['NL'] });
    const customer = await makeCustomer(db, { name: 'Tulpen Techniek BV', country: 'NL' });
    const { opportunityId, routing } = await submitOpportunity(deps, opportunityInput(customer.id));
    if (routing.kind !== 'offered') throw new Error('expected an offer');
    const holder = routing.partnerId;
    const other = holder === first.id ? second.id : first.id;
    const [offer] = await db
      .select()
      .from(offers)
      .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
    await accept(deps, { offerId: offer!.id, userId: null });
    const loadOf = async (partnerId: number) =>
      (await db.select({ openLoad: partners.openLoad }).from(partners).where(eq(partners.id, partnerId)))[0]!
        .openLoad;
    expect(await loadOf(holder)).toBe(1);

    const result = await takeBackAndReroute(deps, {
      opportunityId,
      userId: manager.userId,
      reason: 'The customer asked for another reseller',
    });
    expect(result).toMatchObject({
      partnerId: holder,
      stage: 'accepted',
      next: { kind: 'offered', partnerId: other },
    });
    expect(await loadOf(holder)).toBe(0);
    expect(await loadOf(other)).toBe(1);
    const [event] = await db
      .select()
      .from(opportunityEvents)
      .where(
        and(
          eq(opportunityEvents.opportunityId, opportunityId),
          eq(opportunityEvents.kind, 'lead_taken_back'),
        ),
      );
    expect(event).toMatchObject({
      partnerId: holder,
      actorUserId: manager.userId,
      offerId: offer!.id,
      detail: { reason: 'The customer asked for another reseller', stage: 'accepted' },
    });

    expect(await checkInvariants(database.url, { reconcilerPeriodMs: 60_000 })).toEqual([]);
  });

  it('refuses a lead that is not being worked, and a missing reason, changing nothing', async () => {
    const db = database.db;
    const customer = await makeCustomer(db, { name: 'Nobody Holds This', country: 'NL' });
    const { opportunityId } = await submitOpportunity(deps, opportunityInput(customer.id));
    const [before] = await db.select().from(opportunities).where(eq(opportunities.id, opportunityId));
    await expect(
      takeBackAndReroute(deps, { opportunityId, userId: manager.userId, reason: 'Because' }),
    ).rejects.toThrow(/only a lead a partner is working/);
    await expect(
      takeBackAndReroute(deps, { opportunityId, userId: manager.userId, reason: '' }),
    ).rejects.toThrow(/reason/);
    const [after] = await db.select().from(opportunities).where(eq(opportunities.id, opportunityId));
    expect(after).toEqual(before);
  });
});
