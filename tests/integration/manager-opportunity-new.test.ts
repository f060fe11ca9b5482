import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { toMinorUnits } from '../../app/domain/money';
import type * as NewOpportunityRoute from '../../app/routes/opportunities.new';
import { campaigns, customers, offers, opportunities } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { snapshot } from '../support/db-snapshot';
import { makeCustomer, makePartner } from '../support/factories';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let route: typeof NewOpportunityRoute;
let closeAll: () => Promise<void>;
let manager: { cookie: string; csrf: string; userId: number };

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  process.env.REDIS_PREFIX = testRedisPrefix();
  route = await import('../../app/routes/opportunities.new');
  const { closeDatabase } = await import('../../app/utils/db.server');
  const { closeLoop } = await import('../../app/utils/loop.server');
  closeAll = async () => {
    await closeLoop();
    await closeDatabase();
  };
  const user = await makeUser(database.db, { role: 'channel_manager' });
  const session = await sessionCookieFor(database.db, user.id);
  manager = { cookie: session.cookie, csrf: session.session.csrfToken, userId: user.id };
});
afterAll(async () => {
  await closeAll?.();
  await database.drop();
});

type FormAnswer = { fieldErrors: Record<string, string>; formError: string | null };
const URL_NEW = 'http://localhost/opportunities/new';

const load = async (query = '', cookie = manager.cookie) =>
  unwrap<Awaited<ReturnType<typeof NewOpportunityRoute.loader>>>(
    await settle(() =>
      route.loader({
        request: new Request(`${URL_NEW}${query}`, { headers: { Cookie: cookie } }),
        params: {},
        context: {},
      }),
    ),
  );

const submit = async (fields: Record<string, string>, cookie = manager.cookie) =>
  unwrap<FormAnswer>(
    await settle(() =>
      route.action({
        request: formPost(URL_NEW, { csrf: manager.csrf, ...fields }, { Cookie: cookie }),
        params: {},
        context: {},
      }),
    ),
  );

const lead = (overrides: Record<string, string> = {}) => ({
  need: 'Replace an ageing storage array',
  productLine: 'storage',
  amount: '125000.50',
  currency: 'EUR',
  ...overrides,
});

const createdId = (answer: { status: number; headers: Headers }) => {
  expect(answer.status).toBe(302);
  const match = /^\/opportunities\/(\d+)$/.exec(answer.headers.get('Location') ?? '');
  expect(match).not.toBeNull();
  return Number(match![1]);
};

describe('amounts', () => {
  it('become minor units from the digits, by the currency’s exponent', () => {
    expect(toMinorUnits('125000.50', 'EUR')).toBe(12_500_050);
    expect(toMinorUnits('0.1', 'EUR')).toBe(10);
    expect(toMinorUnits('5000', 'JPY')).toBe(5000);
    expect(toMinorUnits('5000.5', 'JPY')).toBeNull();
    expect(toMinorUnits('1.005', 'EUR')).toBeNull();
    expect(toMinorUnits('-3', 'EUR')).toBeNull();
    expect(toMinorUnits('abc', 'EUR')).toBeNull();
  });
});

describe('the new-opportunity form', () => {
  it('finds customers by name for the picker', async () => {
    const acme = await makeCustomer(database.db, { name: 'Acme Fasteners GmbH' });
    await makeCustomer(database.db, { name: 'Brightline Optics' });
    const page = await load('?q=acme');
    expect(page.status).toBe(200);
    expect(page.data.customers.map((c) => c.id)).toEqual([acme.id]);
    expect(page.data.mayCreateCustomer).toBe(true);
  });

  it('creates a lead for an existing customer, routes it and opens its page', async () => {
    const partner = await makePartner(database.db, { countries: ['CZ'] });
    const customer = await makeCustomer(database.db, { country: 'CZ' });
    const [campaign] = await database.db
      .insert(campaigns)
      .values({ name: 'Spring storage push', status: 'active' })
      .returning();
    const answer = await submit(
      lead({ customerMode: 'existing', customerId: String(customer.id), campaignId: String(campaign!.id) }),
    );
    const opportunityId = createdId(answer);
    const [row] = await database.db.select().from(opportunities).where(eq(opportunities.id, opportunityId));
    expect(row).toMatchObject({
      customerId: customer.id,
      valueMinor: 12_500_050,
      currency: 'EUR',
      country: 'CZ',
      status: 'offered',
      campaignId: campaign!.id,
      createdByUserId: manager.userId,
    });
    const [offer] = await database.db.select().from(offers).where(eq(offers.opportunityId, opportunityId));
    expect(offer).toMatchObject({ partnerId: partner.id, status: 'pending' });
  });

  it('creates a new customer with the lead, with overrides on the lead only', async () => {
    const answer = await submit(
      lead({
        customerMode: 'new',
        customerName: 'Nordlicht Logistik AG',
        customerDomain: 'nordlicht.example',
        customerCountry: 'ch',
        customerIndustry: 'logistics',
        customerSizeSegment: 'enterprise',
        customerRevenuePotential: 'A',
        currency: 'JPY',
        amount: '5000',
        industry: 'retail',
      }),
    );
    const opportunityId = createdId(answer);
    const [row] = await database.db
      .select({ opportunity: opportunities, customer: customers })
      .from(opportunities)
      .innerJoin(customers, eq(customers.id, opportunities.customerId))
      .where(eq(opportunities.id, opportunityId));
    expect(row!.customer).toMatchObject({
      name: 'Nordlicht Logistik AG',
      country: 'CH',
      industry: 'logistics',
      sizeSegment: 'enterprise',
      revenuePotential: 'A',
      ownerPartnerId: null,
    });
    expect(row!.opportunity).toMatchObject({
      valueMinor: 5000,
      currency: 'JPY',
      country: 'CH',
      industry: 'retail',
      sizeSegment: 'enterprise',
      // No partner covers Switzerland: routed, and found nobody.
      status: 'unroutable',
    });
  });

  it('reports a bad field next to it and saves nothing', async () => {
    const customer = await makeCustomer(database.db);
    const existing = { customerMode: 'existing', customerId: String(customer.id) };
    const newCustomer = {
      customerMode: 'new',
      customerName: 'Valid Name Ltd',
      customerCountry: 'GB',
      customerIndustry: 'finance',
      customerSizeSegment: 'mid_market',
      customerRevenuePotential: 'B',
    };
    const cases: [Record<string, string>, string][] = [
      [lead({ ...existing, amount: 'lots' }), 'amount'],
      [lead({ ...existing, amount: '10.123' }), 'amount'],
      [lead({ ...existing, currency: 'JPY', amount: '10.5' }), 'amount'],
      [lead({ ...existing, need: 'x' }), 'need'],
      [lead({ ...existing, productLine: ' ' }), 'productLine'],
      [lead({ ...existing, currency: 'XXX' }), 'currency'],
      [lead({ ...existing, country: 'Germany' }), 'country'],
      [lead({ ...existing, sizeSegment: 'huge' }), 'sizeSegment'],
      [lead({ ...existing, campaignId: '424242' }), 'campaignId'],
      [lead({ customerMode: 'existing', customerId: '999999' }), 'customerId'],
      [lead({ customerMode: 'existing' }), 'customerId'],
      [lead(), 'customerMode'],
      [lead({ ...newCustomer, customerCountry: 'Great Britain' }), 'customerCountry'],
      [lead({ ...newCustomer, customerName: '' }), 'customerName'],
      [lead({ ...newCustomer, customerDomain: 'https://x' }), 'customerDomain'],
      [lead({ ...newCustomer, customerRevenuePotential: 'E' }), 'customerRevenuePotential'],
      // A bad lead field refuses the new customer too.
      [lead({ ...newCustomer, amount: '' }), 'amount'],
    ];
    const before = await snapshot(database.db);
    const customersBefore = await database.db.select().from(customers).orderBy(asc(customers.id));
    for (const [fields, field] of cases) {
      const answer = await submit(fields);
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.data.fieldErrors[field], JSON.stringify(fields)).toEqual(expect.any(String));
    }
    expect(await snapshot(database.db)).toEqual(before);
    expect(await database.db.select().from(customers).orderBy(asc(customers.id))).toEqual(customersBefore);
  });

  it('is not there (404) for a partner user', async () => {
    const partner = await makePartner(database.db);
    const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: partner.id });
    const { cookie } = await sessionCookieFor(database.db, rep.id);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect((await load('', cookie)).status).toBe(404);
      const before = await snapshot(database.db);
      expect((await submit(lead({ customerMode: 'existing', customerId: '1' }), cookie)).status).toBe(404);
      expect(await snapshot(database.db)).toEqual(before);
    } finally {
      warn.mockRestore();
    }
  });
});
