import { asc, eq, ilike, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { campaigns, customers, REVENUE_POTENTIALS, SIZE_SEGMENTS } from '../../db/schema';
import { containsPattern } from './like-pattern';

export const CUSTOMERS_SHOWN = 50;

/** The currencies the form offers; the exponent (minor units per unit) comes from Intl. */

/** Customers whose name contains `query`, by name; the picker's options. */
export async function searchCustomers(db: Database, query: string) {
  const pattern = containsPattern(query);
  return db
    .select({
      id: customers.id,
      name: customers.name,
      domain: customers.domain,
      country: customers.country,
    })
    .from(customers)
    .where(query ? ilike(customers.name, pattern) : undefined)
    .orderBy(asc(customers.name), asc(customers.id))
    .limit(CUSTOMERS_SHOWN);
}

/** Campaigns a lead can come from: those running or being prepared. */
export async function openCampaigns(db: Database) {
  return db
    .select({ id: campaigns.id, name: campaigns.name })
    .from(campaigns)
    .where(inArray(campaigns.status, ['active', 'draft']))
    .orderBy(asc(campaigns.name))
    .limit(200);
}

export async function campaignIsOpen(db: Database, campaignId: number): Promise<boolean> {
  const [row] = await db
    .select({ status: campaigns.status })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId));
  return row !== undefined && row.status !== 'completed';
}

export async function customerExists(db: Database, customerId: number): Promise<boolean> {
  const [row] = await db.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId));
  return row !== undefined;
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters.`)
    .transform((s) => (s === '' ? undefined : s))
    .optional();

export const newCustomerSchema = z.object({
  name: z.string({ error: 'Enter the company name.' }).trim().min(2, 'Enter the company name.').max(200),
  domain: optionalText(253).pipe(
    z
      .string()
      .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'Enter a domain such as example.com, without https://.')
      .optional(),
  ),
  country: z
    .string({ error: 'Enter a two-letter country code such as DE.' })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'Enter a two-letter country code such as DE.'),
  industry: z
    .string({ error: 'Enter the industry.' })
    .trim()
    .min(1, 'Enter the industry.')
    .max(100, 'At most 100 characters.'),
  sizeSegment: z.enum(SIZE_SEGMENTS, { error: 'Choose a size segment.' }),
  revenuePotential: z.enum(REVENUE_POTENTIALS, { error: 'Choose a revenue potential from A to D.' }),
});
export type NewCustomer = z.output<typeof newCustomerSchema>;

/**
 * A vendor-owned customer record, made from the new-opportunity form. Lives here until a
 * customers domain module exists (app/domain/customers/).
 */
export async function createCustomer(db: Database, input: NewCustomer): Promise<{ customerId: number }> {
  const [row] = await db
    .insert(customers)
    .values({
      name: input.name,
      domain: input.domain ?? null,
      country: input.country,
      industry: input.industry,
      sizeSegment: input.sizeSegment,
      revenuePotential: input.revenuePotential,
      ownerPartnerId: null,
    })
    .returning({ id: customers.id });
  return { customerId: row!.id };
}
