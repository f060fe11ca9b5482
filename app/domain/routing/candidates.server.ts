import { and, arrayContains, eq, isNotNull, lt, notExists, or, lte, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../transaction.server';
import { campaignPartners, offers, opportunities, partners } from '../../../db/schema';
import type { Candidate } from './candidate';

export interface CandidateQuery {
  opportunityId: number;
  customerId: number;
  campaignId: number | null;
  country: string;
  productLine: string;
  now: Date;
}

/**
 * Partners that may take this opportunity, narrowed in SQL by the indexed rules (country and
 * product line through GIN, status, pause, capacity, never offered before). `ineligibility()`
 * remains the rule; this query only keeps the candidate list short.
 */
export async function findCandidates(tx: Tx, q: CandidateQuery): Promise<Candidate[]> {
  const [rows, related, joined] = await Promise.all([
    tx
      .select({
        id: partners.id,
        tier: partners.tier,
        status: partners.status,
        countries: partners.countries,
        industries: partners.industries,
        sizeSegments: partners.sizeSegments,
        productLines: partners.productLines,
        maxOpen: partners.maxOpen,
        openLoad: partners.openLoad,
        pausedUntil: partners.pausedUntil,
        lastOfferedAt: partners.lastOfferedAt,
        offersAnswered: partners.offersAnswered,
        offersAccepted: partners.offersAccepted,
        offersExpired: partners.offersExpired,
        responseMsTotal: partners.responseMsTotal,
        leadsWon: partners.leadsWon,
        leadsClosed: partners.leadsClosed,
      })
      .from(partners)
      .where(
        and(
          eq(partners.status, 'active'),
          arrayContains(partners.countries, [q.country]),
          arrayContains(partners.productLines, [q.productLine]),
          or(isNull(partners.pausedUntil), lte(partners.pausedUntil, q.now)),
          lt(partners.openLoad, partners.maxOpen),
          notExists(
            tx
              .select({ one: sql`1` })
              .from(offers)
              .where(and(eq(offers.opportunityId, q.opportunityId), eq(offers.partnerId, partners.id))),
          ),
        ),
      ),
    tx
      .selectDistinct({ partnerId: opportunities.acceptedPartnerId })
      .from(opportunities)
      .where(and(eq(opportunities.customerId, q.customerId), isNotNull(opportunities.acceptedPartnerId))),
    q.campaignId === null
      ? Promise.resolve([])
      : tx
          .select({ partnerId: campaignPartners.partnerId })
          .from(campaignPartners)
          .where(and(eq(campaignPartners.campaignId, q.campaignId), eq(campaignPartners.status, 'joined'))),
  ]);
  const relatedIds = new Set(related.map((r) => r.partnerId));
  const joinedIds = new Set(joined.map((r) => r.partnerId));
  return rows.map((row) => ({
    ...row,
    inCampaign: joinedIds.has(row.id),
    hasRelationship: relatedIds.has(row.id),
  }));
}
