import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../app/domain/clock';
import { createOpportunity } from '../../app/domain/opportunities/create-opportunity.server';
import { routeBatch } from '../../app/domain/routing/route-batch.server';
import { routeOpportunity } from '../../app/domain/routing/route-opportunity.server';
import { checkInvariants } from '../../db/check-invariants';
import { offers, opportunities, partners } from '../../db/schema';
import { makeCustomer, makePartner, opportunityInput } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function waitingLeads(count: number, overrides: Record<string, unknown> = {}) {
  const customer = await makeCustomer(database.db, { country: 'NL' });
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const { opportunityId } = await createOpportunity(
      database.db,
      opportunityInput(customer.id, { productLine: 'analytics', ...overrides }),
      clock,
    );
    ids.push(opportunityId);
  }
  return ids;
}

async function pendingOffersOf(ids: number[]) {
  return database.db
    .select({ opportunityId: offers.opportunityId, partnerId: offers.partnerId })
    .from(offers)
    .where(sql`${inArray(offers.opportunityId, ids)} AND ${offers.status} = 'pending'`);
}

describe('routing a backlog in batches', () => {
  it('offers every lead once, best partner first, and never past a partner’s capacity', async () => {
    const small = await makePartner(database.db, {
      tier: 'platinum',
      countries: ['NL'],
      productLines: ['analytics'],
      maxOpen: 3,
    });
    const large = await makePartner(database.db, {
      tier: 'gold',
      countries: ['NL'],
      productLines: ['analytics'],
    });
    const ids = await waitingLeads(10);

    const results = await routeBatch(database.db, ids, clock);

    expect(results.map((r) => r.kind)).toEqual(Array(10).fill('offered'));
    const pending = await pendingOffersOf(ids);
    expect(new Set(pending.map((p) => p.opportunityId)).size).toBe(10);
    expect(pending.filter((p) => p.partnerId === small.id)).toHaveLength(3);
    expect(pending.filter((p) => p.partnerId === large.id)).toHaveLength(7);
    const loads = await database.db
      .select({ id: partners.id, openLoad: partners.openLoad })
      .from(partners)
      .where(inArray(partners.id, [small.id, large.id]));
    expect(Object.fromEntries(loads.map((l) => [l.id, l.openLoad]))).toEqual({
      [small.id]: 3,
      [large.id]: 7,
    });
    expect(await checkInvariants(database.client, { reconcilerPeriodMs: 30_000 })).toEqual([]);
  });

  it('leaves alone a lead that someone else routed meanwhile, and routes the rest', async () => {
    await makePartner(database.db, { tier: 'silver', countries: ['NL'], productLines: ['analytics'] });
    const ids = await waitingLeads(5);
    const first = await routeOpportunity(database.db, ids[0]!, clock);
    expect(first.kind).toBe('offered');

    const results = await routeBatch(database.db, ids, clock);

    expect(results.find((r) => r.opportunityId === ids[0])).toMatchObject({
      kind: 'not_waiting',
      status: 'offered',
    });
    expect(results.filter((r) => r.kind === 'offered')).toHaveLength(4);
    expect(await pendingOffersOf(ids)).toHaveLength(5);
  });

  it('racing single routers over the same leads, still one pending offer per lead', async () => {
    const ids = await waitingLeads(40);
    await Promise.all([
      routeBatch(database.db, ids.slice(0, 30), clock),
      routeBatch(database.db, ids.slice(10, 40), clock),
      ...ids.filter((_, i) => i % 3 === 0).map((id) => routeOpportunity(database.db, id, clock)),
    ]);
    const pending = await pendingOffersOf(ids);
    expect(pending).toHaveLength(40);
    expect(new Set(pending.map((p) => p.opportunityId)).size).toBe(40);
    expect(await checkInvariants(database.client, { reconcilerPeriodMs: 30_000 })).toEqual([]);
  });

  it('records a lead that no partner can take as unroutable, with the reason', async () => {
    const ids = await waitingLeads(2, { productLine: 'quantum-computing' });
    const results = await routeBatch(database.db, ids, clock);
    expect(results).toEqual(
      ids.map((opportunityId) => ({ kind: 'unroutable', opportunityId, reason: 'no_eligible_partner' })),
    );
    const rows = await database.db.select().from(opportunities).where(eq(opportunities.id, ids[0]!));
    expect(rows[0]).toMatchObject({ status: 'unroutable', unroutableReason: 'no_eligible_partner' });
  });
});
