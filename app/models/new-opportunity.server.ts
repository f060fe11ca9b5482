import { asc, eq, ilike, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '../../db/client';
import { campaigns, customers } from '../../db/schema';
import { createCustomerRecord, newCustomerRecordSchema } from '../domain/customers/records.server';
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

/** The new-opportunity form's customer: a customer record without an address. */
export const newCustomerSchema = newCustomerRecordSchema.omit({ address: true });
export type NewCustomer = z.output<typeof newCustomerSchema>;

/** A vendor-owned customer record, made from the new-opportunity form. */
export async function createCustomer(db: Database, input: NewCustomer): Promise<{ customerId: number }> {
  return createCustomerRecord(db, {
    record: { ...input, address: undefined },
    ownerPartnerId: null,
    createdByUserId: null,
  });
}
