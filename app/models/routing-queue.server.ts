import { and, asc, count, desc, eq, inArray, lte } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { offers, opportunities, opportunityEvents, partners } from '../../db/schema';
import { HOUR_MS } from '../domain/clock';

export const PENDING_OFFERS_SHOWN = 100;
export const UNROUTABLE_SHOWN = 50;
export const RECENT_ENDINGS_SHOWN = 20;
/** Matches the last default reminder: an offer this close to its deadline needs watching. */
export const EXPIRING_SOON_HOURS = 4;

/**
 * What a channel manager watches: the pending offers by deadline, the leads nobody could take,
 * and the offers that recently ended without an acceptance. It reads opportunities, offers and
 * partners only, never customers or contacts, so no customer identity can reach the page.
 */
export async function getRoutingQueue(db: Database, now: Date) {
  const expiringBy = new Date(now.getTime() + EXPIRING_SOON_HOURS * HOUR_MS);
  // One read-only snapshot, so that the counts agree with the lists printed beside them.
  return db.transaction(
    async (tx) => {
      const [pendingOffers, counts, unroutable, recentEndings] = await Promise.all([
        // Walks the partial index offers_pending_expires_at_idx.
        tx
          .select({
            offerId: offers.id,
            opportunityId: offers.opportunityId,
            round: offers.round,
            offeredAt: offers.offeredAt,
            expiresAt: offers.expiresAt,
            partnerId: partners.id,
            partnerName: partners.name,
            need: opportunities.need,
            productLine: opportunities.productLine,
            country: opportunities.country,
            valueMinor: opportunities.valueMinor,
            currency: opportunities.currency,
          })
          .from(offers)
          .innerJoin(opportunities, eq(opportunities.id, offers.opportunityId))
          .innerJoin(partners, eq(partners.id, offers.partnerId))
          .where(eq(offers.status, 'pending'))
          .orderBy(asc(offers.expiresAt), asc(offers.id))
          .limit(PENDING_OFFERS_SHOWN),
        Promise.all([
          tx.select({ n: count() }).from(offers).where(eq(offers.status, 'pending')),
          // Includes offers already past their deadline that the timer has not yet expired.
          tx
            .select({ n: count() })
            .from(offers)
            .where(and(eq(offers.status, 'pending'), lte(offers.expiresAt, expiringBy))),
          tx.select({ n: count() }).from(opportunities).where(eq(opportunities.status, 'unroutable')),
          tx.select({ n: count() }).from(opportunities).where(eq(opportunities.status, 'accepted')),
        ]).then(([pending, expiringSoon, unroutableCount, accepted]) => ({
          pending: pending[0]?.n ?? 0,
          expiringSoon: expiringSoon[0]?.n ?? 0,
          unroutable: unroutableCount[0]?.n ?? 0,
          accepted: accepted[0]?.n ?? 0,
        })),
        // Newest first by id: the (status, id) index answers it without sorting every unroutable lead.
        tx
          .select({
            opportunityId: opportunities.id,
            need: opportunities.need,
            productLine: opportunities.productLine,
            country: opportunities.country,
            valueMinor: opportunities.valueMinor,
            currency: opportunities.currency,
            rounds: opportunities.rounds,
            unroutableReason: opportunities.unroutableReason,
            since: opportunities.updatedAt,
          })
          .from(opportunities)
          .where(eq(opportunities.status, 'unroutable'))
          .orderBy(desc(opportunities.id))
          .limit(UNROUTABLE_SHOWN),
        // From the timeline rather than the offers: its ids follow the moment of the decline or
        // expiry, while an offer's id follows the moment it was made.
        tx
          .select({
            offerId: offers.id,
            opportunityId: offers.opportunityId,
            outcome: opportunityEvents.kind,
            at: opportunityEvents.at,
            round: offers.round,
            declineReason: offers.declineReason,
            partnerId: partners.id,
            partnerName: partners.name,
            need: opportunities.need,
            productLine: opportunities.productLine,
          })
          .from(opportunityEvents)
          .innerJoin(offers, eq(offers.id, opportunityEvents.offerId))
          .innerJoin(partners, eq(partners.id, offers.partnerId))
          .innerJoin(opportunities, eq(opportunities.id, offers.opportunityId))
          .where(inArray(opportunityEvents.kind, ['declined', 'expired']))
          .orderBy(desc(opportunityEvents.id))
          .limit(RECENT_ENDINGS_SHOWN),
      ]);
      return { pendingOffers, counts, unroutable, recentEndings };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

export type RoutingQueue = Awaited<ReturnType<typeof getRoutingQueue>>;
