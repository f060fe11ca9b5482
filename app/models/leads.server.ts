import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { campaigns, contacts, customers, opportunities } from '../../db/schema';

/** The statuses of an opportunity a partner has accepted: its lead, in every stage. */
export const LEAD_STATUSES = ['accepted', 'contacted', 'proposal', 'won', 'lost'] as const;
export const LEADS_SHOWN = 200;

export const STATUS_LABELS: Record<string, string> = {
  accepted: 'Accepted',
  contacted: 'Contacted',
  proposal: 'Proposal',
  won: 'Won',
  lost: 'Lost',
};

/** The partner's accepted leads, most recently changed first. */
export function getLeads(db: Database, { partnerId }: { partnerId: number }) {
  return db
    .select({
      opportunityId: opportunities.id,
      status: opportunities.status,
      need: opportunities.need,
      productLine: opportunities.productLine,
      valueMinor: opportunities.valueMinor,
      currency: opportunities.currency,
      wonValueMinor: opportunities.wonValueMinor,
      lostReason: opportunities.lostReason,
      updatedAt: opportunities.updatedAt,
      customerName: customers.name,
    })
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .where(
      and(eq(opportunities.acceptedPartnerId, partnerId), inArray(opportunities.status, [...LEAD_STATUSES])),
    )
    .orderBy(desc(opportunities.updatedAt), desc(opportunities.id))
    .limit(LEADS_SHOWN);
}

/** One of the partner's leads with the full customer record and contacts; null for anyone else's. */
export async function getLead(
  db: Database,
  { opportunityId, partnerId }: { opportunityId: number; partnerId: number },
) {
  const [row] = await db
    .select({
      opportunity: opportunities,
      customer: customers,
      campaignName: campaigns.name,
    })
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .leftJoin(campaigns, eq(campaigns.id, opportunities.campaignId))
    .where(
      and(
        eq(opportunities.id, opportunityId),
        eq(opportunities.acceptedPartnerId, partnerId),
        inArray(opportunities.status, [...LEAD_STATUSES]),
      ),
    );
  if (!row) return null;
  const customerContacts = await db
    .select()
    .from(contacts)
    .where(eq(contacts.customerId, row.customer.id))
    .orderBy(asc(contacts.name), asc(contacts.id));
  return { ...row, contacts: customerContacts };
}

/** Whether an opportunity id exists at all: tells a foreign id (logged) from a mistyped one. */
export async function opportunityExists(db: Database, opportunityId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: opportunities.id })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId));
  return row !== undefined;
}
