import { and, asc, desc, eq, ilike, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import {
  campaignAccounts,
  campaignPartners,
  campaigns,
  customers,
  opportunities,
  partners,
  users,
} from '../../db/schema';
import { rawSql } from '../domain/sql.server';
import { LEAD_STATUSES } from './leads.server';
import { containsPattern } from './like-pattern';

export const CAMPAIGNS_SHOWN = 200;

/** Every campaign, newest first, with its headline figures (money in the campaign's currency). */
export async function listCampaignsForStaff(db: Database) {
  const rows = await rawSql(db)`
    SELECT c.id, c.name, c.status, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on, c.currency, c.budget_minor,
      (SELECT count(*) FROM campaign_partners cp WHERE cp.campaign_id = c.id AND cp.status = 'joined') AS joined,
      (SELECT count(*) FROM campaign_partners cp WHERE cp.campaign_id = c.id) AS invited,
      f.leads, f.accepted, f.won
    FROM campaigns c
      CROSS JOIN LATERAL (
        SELECT count(*) AS leads,
          count(*) FILTER (WHERE o.status IN ('accepted', 'contacted', 'proposal', 'won', 'lost')) AS accepted,
          coalesce(sum(o.won_value_minor) FILTER (WHERE o.status = 'won' AND o.currency = c.currency), 0) AS won
        FROM opportunities o WHERE o.campaign_id = c.id
      ) f
    ORDER BY c.id DESC
    LIMIT ${CAMPAIGNS_SHOWN}`;
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name as string,
    status: r.status as string,
    startsOn: (r.starts_on as string | null) ?? null,
    endsOn: (r.ends_on as string | null) ?? null,
    currency: r.currency as string,
    budgetMinor: Number(r.budget_minor),
    joined: Number(r.joined),
    invited: Number(r.invited),
    leads: Number(r.leads),
    accepted: Number(r.accepted),
    wonMinor: Number(r.won),
  }));
}

/** The campaigns the partner was invited to (whatever it answered), newest first. */
export function listCampaignsForPartner(db: Database, { partnerId }: { partnerId: number }) {
  return db
    .select({
      id: campaigns.id,
      name: campaigns.name,
      status: campaigns.status,
      startsOn: campaigns.startsOn,
      endsOn: campaigns.endsOn,
      invitation: campaignPartners.status,
    })
    .from(campaignPartners)
    .innerJoin(campaigns, eq(campaigns.id, campaignPartners.campaignId))
    .where(eq(campaignPartners.partnerId, partnerId))
    .orderBy(desc(campaigns.id))
    .limit(CAMPAIGNS_SHOWN);
}

export async function campaignExists(db: Database, campaignId: number): Promise<boolean> {
  const [row] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, campaignId));
  return row !== undefined;
}

/** The campaign as vendor staff see it, with its coordinator's name. */
export async function getCampaign(db: Database, campaignId: number) {
  const [row] = await db
    .select({ campaign: campaigns, coordinatorName: users.name })
    .from(campaigns)
    .leftJoin(users, eq(users.id, campaigns.coordinatorUserId))
    .where(eq(campaigns.id, campaignId));
  return row ?? null;
}

/**
 * The campaign as a partner sees it: only when the partner was invited to it, with the
 * partner's own answer. Anything else is simply not found.
 */
export async function getCampaignForPartner(
  db: Database,
  { campaignId, partnerId }: { campaignId: number; partnerId: number },
) {
  const [row] = await db
    .select({
      campaign: campaigns,
      invitation: campaignPartners.status,
      invitedAt: campaignPartners.invitedAt,
      respondedAt: campaignPartners.respondedAt,
    })
    .from(campaignPartners)
    .innerJoin(campaigns, eq(campaigns.id, campaignPartners.campaignId))
    .where(and(eq(campaignPartners.campaignId, campaignId), eq(campaignPartners.partnerId, partnerId)));
  return row ?? null;
}

/** Who was invited and what they answered. */
export function invitedPartners(db: Database, campaignId: number) {
  return db
    .select({
      partnerId: partners.id,
      name: partners.name,
      status: campaignPartners.status,
      invitedAt: campaignPartners.invitedAt,
      respondedAt: campaignPartners.respondedAt,
    })
    .from(campaignPartners)
    .innerJoin(partners, eq(partners.id, campaignPartners.partnerId))
    .where(eq(campaignPartners.campaignId, campaignId))
    .orderBy(asc(partners.name), asc(partners.id));
}

export const TARGET_ACCOUNTS_SHOWN = 500;

/** The campaign's target accounts: the customer records, never their contacts. */
export function targetAccounts(db: Database, campaignId: number) {
  return db
    .select({
      customerId: customers.id,
      name: customers.name,
      domain: customers.domain,
      country: customers.country,
      industry: customers.industry,
      sizeSegment: customers.sizeSegment,
      revenuePotential: customers.revenuePotential,
    })
    .from(campaignAccounts)
    .innerJoin(customers, eq(customers.id, campaignAccounts.customerId))
    .where(eq(campaignAccounts.campaignId, campaignId))
    .orderBy(asc(customers.name), asc(customers.id))
    .limit(TARGET_ACCOUNTS_SHOWN);
}

/**
 * The target accounts a partner may see: those of a campaign its company joined, and nothing
 * for an invitation still open or declined. The scope is in the query, not in the caller.
 */
export async function targetAccountsForPartner(
  db: Database,
  { campaignId, partnerId }: { campaignId: number; partnerId: number },
) {
  const [membership] = await db
    .select({ status: campaignPartners.status })
    .from(campaignPartners)
    .where(
      and(
        eq(campaignPartners.campaignId, campaignId),
        eq(campaignPartners.partnerId, partnerId),
        eq(campaignPartners.status, 'joined'),
      ),
    );
  return membership ? targetAccounts(db, campaignId) : null;
}

/** The partner's own leads from this campaign: those it accepted, in every stage. */
export function campaignLeadsForPartner(
  db: Database,
  { campaignId, partnerId }: { campaignId: number; partnerId: number },
) {
  return db
    .select({
      opportunityId: opportunities.id,
      status: opportunities.status,
      need: opportunities.need,
      productLine: opportunities.productLine,
      valueMinor: opportunities.valueMinor,
      currency: opportunities.currency,
      wonValueMinor: opportunities.wonValueMinor,
      customerName: customers.name,
    })
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .where(
      and(
        eq(opportunities.campaignId, campaignId),
        eq(opportunities.acceptedPartnerId, partnerId),
        inArray(opportunities.status, [...LEAD_STATUSES]),
      ),
    )
    .orderBy(desc(opportunities.updatedAt), desc(opportunities.id))
    .limit(500);
}

export const CUSTOMER_MATCHES_SHOWN = 20;

/** Customers to add as target accounts: a name fragment, live records only, not yet added. */
export async function searchCustomersToTarget(db: Database, campaignId: number, query: string) {
  if (query === '') return [];
  const pattern = containsPattern(query);
  const rows = await db
    .select({
      customerId: customers.id,
      name: customers.name,
      domain: customers.domain,
      country: customers.country,
      alreadyTarget: campaignAccounts.campaignId,
    })
    .from(customers)
    .leftJoin(
      campaignAccounts,
      and(eq(campaignAccounts.customerId, customers.id), eq(campaignAccounts.campaignId, campaignId)),
    )
    .where(and(ilike(customers.name, pattern), isNull(customers.mergedIntoId)))
    .orderBy(asc(customers.name), asc(customers.id))
    .limit(CUSTOMER_MATCHES_SHOWN);
  return rows.map(({ alreadyTarget, ...customer }) => ({
    ...customer,
    alreadyTarget: alreadyTarget !== null,
  }));
}
