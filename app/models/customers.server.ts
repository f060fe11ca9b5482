import { aliasedTable, and, asc, desc, eq, ilike, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { contacts, contactViews, customers, opportunities, partners, users } from '../../db/schema';
import { typedDomainKey } from '../domain/customers/keys.server';
import { ownerLabel } from '../domain/customers/owner-label';
import { customerVisibleWhere, HELD_LEAD_STATUSES } from '../domain/customers/visibility.server';
import type { PartnerScope } from '../domain/partner-scope';
import { containsPattern } from './like-pattern';

/** Rows per page; "Next" carries the last row's id, never an offset. */
export const CUSTOMERS_PER_PAGE = 50;
export const OPPORTUNITIES_SHOWN = 100;
export const CONTACT_VIEWS_SHOWN = 50;

/**
 * The customer records the viewer may see (`scope` null: vendor staff, every record), newest
 * first, from `after` on; `query` matches a fragment of the name or the whole web domain in any
 * spelling (https://www.example.com/ finds example.com). Merged records are never listed.
 * Newest first because the primary key orders it: a million records page as fast as ten.
 */
export async function listCustomers(
  db: Database,
  input: { scope: PartnerScope | null; query: string; after: number | null },
) {
  const owner = aliasedTable(partners, 'owner');
  const query = input.query.trim();
  const pattern = containsPattern(query);
  const rows = await db
    .select({
      id: customers.id,
      name: customers.name,
      domain: customers.domain,
      country: customers.country,
      industry: customers.industry,
      sizeSegment: customers.sizeSegment,
      revenuePotential: customers.revenuePotential,
      ownerPartnerId: customers.ownerPartnerId,
      ownerPartnerName: owner.name,
    })
    .from(customers)
    .leftJoin(owner, eq(owner.id, customers.ownerPartnerId))
    .where(
      and(
        isNull(customers.mergedIntoId),
        customerVisibleWhere(input.scope),
        query
          ? or(ilike(customers.name, pattern), eq(customers.domainKey, typedDomainKey(query)))
          : undefined,
        input.after !== null ? lt(customers.id, input.after) : undefined,
      ),
    )
    .orderBy(desc(customers.id))
    .limit(CUSTOMERS_PER_PAGE + 1);
  const page = rows.slice(0, CUSTOMERS_PER_PAGE);
  return {
    customers: page.map(({ ownerPartnerId, ownerPartnerName, ...row }) => ({
      ...row,
      owner: ownerLabel({ partnerId: ownerPartnerId, partnerName: ownerPartnerName }, input.scope),
    })),
    nextAfter: rows.length > CUSTOMERS_PER_PAGE ? page[page.length - 1]!.id : null,
  };
}

/**
 * One live customer record as the viewer may see it, with its contacts and the opportunities
 * the viewer may see (a partner: only the leads it holds). Null when the record is merged,
 * missing or not visible to the viewer: the caller tells those apart.
 */
export async function getCustomerPage(
  db: Database,
  input: { scope: PartnerScope | null; customerId: number },
) {
  const owner = aliasedTable(partners, 'owner');
  const [head] = await db
    .select({ customer: customers, ownerPartnerName: owner.name })
    .from(customers)
    .leftJoin(owner, eq(owner.id, customers.ownerPartnerId))
    .where(
      and(
        eq(customers.id, input.customerId),
        isNull(customers.mergedIntoId),
        customerVisibleWhere(input.scope),
      ),
    );
  if (!head) return null;
  const holder = aliasedTable(partners, 'holder');
  const [contactRows, opportunityRows] = await Promise.all([
    db
      .select()
      .from(contacts)
      .where(eq(contacts.customerId, input.customerId))
      .orderBy(asc(contacts.name), asc(contacts.id)),
    db
      .select({
        id: opportunities.id,
        need: opportunities.need,
        productLine: opportunities.productLine,
        status: opportunities.status,
        valueMinor: opportunities.valueMinor,
        currency: opportunities.currency,
        holderPartnerId: opportunities.acceptedPartnerId,
        holderName: holder.name,
        updatedAt: opportunities.updatedAt,
      })
      .from(opportunities)
      .leftJoin(holder, eq(holder.id, opportunities.acceptedPartnerId))
      .where(
        and(
          eq(opportunities.customerId, input.customerId),
          input.scope
            ? and(
                eq(opportunities.acceptedPartnerId, input.scope.partnerId),
                inArray(opportunities.status, [...HELD_LEAD_STATUSES]),
              )
            : undefined,
        ),
      )
      .orderBy(desc(opportunities.id))
      .limit(OPPORTUNITIES_SHOWN),
  ]);
  return {
    customer: head.customer,
    owner: ownerLabel(
      { partnerId: head.customer.ownerPartnerId, partnerName: head.ownerPartnerName },
      input.scope,
    ),
    contacts: contactRows,
    opportunities: opportunityRows,
  };
}

export type CustomerPage = NonNullable<Awaited<ReturnType<typeof getCustomerPage>>>;

/** Who at the partners looked at this record's contacts, latest first (vendor staff only). */
export function contactViewsOf(db: Database, customerId: number) {
  return db
    .select({
      id: contactViews.id,
      viewedAt: contactViews.viewedAt,
      userName: users.name,
      userEmail: users.email,
      partnerName: partners.name,
    })
    .from(contactViews)
    .innerJoin(users, eq(users.id, contactViews.userId))
    .innerJoin(partners, eq(partners.id, contactViews.partnerId))
    .where(eq(contactViews.customerId, customerId))
    .orderBy(desc(contactViews.viewedAt), desc(contactViews.id))
    .limit(CONTACT_VIEWS_SHOWN);
}

/** Live records whose name contains `query` (vendor staff): the merge page's search. */
export function searchLiveCustomers(db: Database, query: string, exceptId: number) {
  const pattern = containsPattern(query);
  const owner = aliasedTable(partners, 'owner');
  return db
    .select({
      id: customers.id,
      name: customers.name,
      domain: customers.domain,
      country: customers.country,
      ownerPartnerName: owner.name,
    })
    .from(customers)
    .leftJoin(owner, eq(owner.id, customers.ownerPartnerId))
    .where(
      and(
        isNull(customers.mergedIntoId),
        sql`${customers.id} <> ${exceptId}`,
        or(ilike(customers.name, pattern), eq(customers.domainKey, typedDomainKey(query))),
      ),
    )
    .orderBy(asc(customers.name), asc(customers.id))
    .limit(20);
}

/** One record with its owner's name, merged or not (vendor staff: the merge page). */
export async function getCustomerForMerge(db: Database, customerId: number) {
  const owner = aliasedTable(partners, 'owner');
  const [row] = await db
    .select({ customer: customers, ownerPartnerName: owner.name })
    .from(customers)
    .leftJoin(owner, eq(owner.id, customers.ownerPartnerId))
    .where(eq(customers.id, customerId));
  return row ?? null;
}
