import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import {
  accept,
  declineAndReroute,
  submitOpportunity,
  type LoopDeps,
} from '../../app/domain/routing/loop.server';
import { routeBatch } from '../../app/domain/routing/route-batch.server';
import { createOpportunity } from '../../app/domain/opportunities/create-opportunity.server';
import { getOpportunityPage } from '../../app/models/opportunity-page.server';
import { campaignPartners, campaigns, offers } from '../../db/schema';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { RecordingTimers } from '../support/recording-timers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let deps: LoopDeps;
const clock = new ManualClock(new Date('2026-05-04T08:00:00Z'));

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { db: database.db, clock, timers: new RecordingTimers() };
});
afterAll(() => database.drop());

async function pendingPartnerOf(opportunityId: number) {
  const [offer] = await database.db
    .select()
    .from(offers)
    .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
  return offer;
}

describe('who routing offers a lead to first', () => {
  it('a customer’s existing partner gets its next lead first, and the opportunity page says why', async () => {
    const star = await makePartner(database.db, {
      tier: 'platinum',
      countries: ['PT'],
      name: 'Lisboa Prime',
    });
    const incumbent = await makePartner(database.db, {
      tier: 'registered',
      countries: ['PT'],
      name: 'Porto Small IT',
    });
    const customer = await makeCustomer(database.db, { country: 'PT' });

    const firstLead = await submitOpportunity(deps, opportunityInput(customer.id));
    expect(firstLead.routing).toMatchObject({ kind: 'offered', partnerId: star.id });
    const starOffer = await pendingPartnerOf(firstLead.opportunityId);
    await declineAndReroute(deps, { offerId: starOffer!.id, userId: null, reason: 'no_capacity' });
    const incumbentOffer = await pendingPartnerOf(firstLead.opportunityId);
    expect(incumbentOffer!.partnerId).toBe(incumbent.id);
    await accept(deps, { offerId: incumbentOffer!.id, userId: null });

    // The same customer again: the small partner that holds it now comes before the platinum one.
    const secondLead = await submitOpportunity(
      deps,
      opportunityInput(customer.id, { need: 'Expand the array' }),
    );
    expect(secondLead.routing).toMatchObject({ kind: 'offered', partnerId: incumbent.id });
    const page = await getOpportunityPage(database.db, secondLead.opportunityId, clock.now());
    expect(page!.relationshipPartners.map((p) => p.name)).toEqual(['Porto Small IT']);
    expect(page!.lastOffer!.reasons).toContain('you already work with this customer (+30)');
  });

  it('a campaign that chose it offers its leads to joined partners before anyone else, one by one and in batches', async () => {
    const outsider = await makePartner(database.db, { tier: 'platinum', countries: ['GR'] });
    const member = await makePartner(database.db, { tier: 'registered', countries: ['GR'] });
    const [campaign] = await database.db
      .insert(campaigns)
      .values({ name: 'Aegean storage spring', status: 'active', joinedPartnersFirst: true })
      .returning();
    await database.db
      .insert(campaignPartners)
      .values({ campaignId: campaign!.id, partnerId: member.id, status: 'joined' });
    const customer = await makeCustomer(database.db, { country: 'GR' });

    const lead = await submitOpportunity(deps, opportunityInput(customer.id, { campaignId: campaign!.id }));
    expect(lead.routing).toMatchObject({ kind: 'offered', partnerId: member.id });
    // Once the joined partners have had it, everyone else may.
    const offer = await pendingPartnerOf(lead.opportunityId);
    await declineAndReroute(deps, { offerId: offer!.id, userId: null, reason: 'deal_too_small' });
    expect((await pendingPartnerOf(lead.opportunityId))!.partnerId).toBe(outsider.id);
    expect(
      (await getOpportunityPage(database.db, lead.opportunityId, clock.now()))!.joinedPartnersFirst,
    ).toBe(true);

    const batch = await Promise.all(
      [1, 2, 3].map(() =>
        createOpportunity(database.db, opportunityInput(customer.id, { campaignId: campaign!.id }), clock),
      ),
    );
    const routed = await routeBatch(
      database.db,
      batch.map((b) => b.opportunityId),
      clock,
    );
    expect(routed.map((r) => (r.kind === 'offered' ? r.partnerId : r.kind))).toEqual([
      member.id,
      member.id,
      member.id,
    ]);
  });
});
