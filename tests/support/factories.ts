import { customers, partners } from '../../db/schema';
import type { Database } from '../../db/client';
import { asciiFormOf } from '../../app/domain/customers/web-domain';

let sequence = 0;
const next = () => ++sequence;

export async function makePartner(db: Database, overrides: Partial<typeof partners.$inferInsert> = {}) {
  const n = next();
  const [row] = await db
    .insert(partners)
    .values({
      slug: `partner-${n}-${Math.random().toString(36).slice(2, 7)}`,
      name: `Partner ${n}`,
      tier: 'gold',
      countries: ['DE'],
      industries: ['manufacturing'],
      sizeSegments: ['mid_market'],
      productLines: ['storage'],
      maxOpen: 100,
      ...overrides,
    })
    .returning();
  return row!;
}

export async function makeCustomer(db: Database, overrides: Partial<typeof customers.$inferInsert> = {}) {
  const n = next();
  const domain = overrides.domain === undefined ? `customer-${n}.example` : overrides.domain;
  const [row] = await db
    .insert(customers)
    .values({
      name: `Customer ${n}`,
      domain,
      domainAscii: asciiFormOf(domain),
      country: 'DE',
      industry: 'manufacturing',
      sizeSegment: 'mid_market',
      revenuePotential: 'B',
      ...overrides,
    })
    .returning();
  return row!;
}

export const opportunityInput = (customerId: number, overrides: Record<string, unknown> = {}) => ({
  customerId,
  need: 'Replace an ageing storage array',
  productLine: 'storage',
  valueMinor: 12_500_000,
  currency: 'EUR',
  ...overrides,
});
