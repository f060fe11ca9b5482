import { aliasedTable, and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import {
  campaigns,
  customers,
  offers,
  opportunities,
  opportunityEvents,
  partners,
  users,
} from '../../db/schema';
import { loadOfferChoices } from '../domain/routing/offer-choices.server';
import { explainBreakdown, type ScoreBreakdown, type ScoredCandidate } from '../domain/routing/scoring';

export const RUNNERS_UP_SHOWN = 5;

export type TimelineKind = (typeof opportunityEvents.$inferSelect)['kind'];

/**
 * Everything the channel manager's opportunity page shows: the facts, the customer, the
 * timeline in the order it happened, the offers, the last offer's score, the runners-up and,
 * for a lead waiting for a partner, every active partner to offer it to by hand.
 * Null when there is no such opportunity.
 */
export async function getOpportunityPage(db: Database, opportunityId: number, now: Date) {
  const actor = aliasedTable(users, 'actor');
  const [head] = await db
    .select({
      opportunity: opportunities,
      customer: customers,
      campaignName: campaigns.name,
      acceptedPartnerName: partners.name,
    })
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .leftJoin(campaigns, eq(campaigns.id, opportunities.campaignId))
    .leftJoin(partners, eq(partners.id, opportunities.acceptedPartnerId))
    .where(eq(opportunities.id, opportunityId));
  if (!head) return null;

  const [timeline, offerRows, choices] = await Promise.all([
    db
      .select({
        id: opportunityEvents.id,
        kind: opportunityEvents.kind,
        at: opportunityEvents.at,
        detail: opportunityEvents.detail,
        offerId: opportunityEvents.offerId,
        partnerName: partners.name,
        actorName: actor.name,
      })
      .from(opportunityEvents)
      .leftJoin(partners, eq(partners.id, opportunityEvents.partnerId))
      .leftJoin(actor, eq(actor.id, opportunityEvents.actorUserId))
      .where(eq(opportunityEvents.opportunityId, opportunityId))
      .orderBy(asc(opportunityEvents.id)),
    db
      .select({
        id: offers.id,
        round: offers.round,
        status: offers.status,
        partnerId: offers.partnerId,
        partnerName: partners.name,
        offeredAt: offers.offeredAt,
        expiresAt: offers.expiresAt,
        respondedAt: offers.respondedAt,
        declineReason: offers.declineReason,
        score: offers.score,
        scoreBreakdown: offers.scoreBreakdown,
        byHand: offers.offeredByUserId,
        offeredByName: actor.name,
        overriddenRules: offers.overriddenRules,
        overrideReason: offers.overrideReason,
      })
      .from(offers)
      .innerJoin(partners, eq(partners.id, offers.partnerId))
      .leftJoin(actor, eq(actor.id, offers.offeredByUserId))
      .where(eq(offers.opportunityId, opportunityId))
      .orderBy(desc(offers.round)),
    loadOfferChoices(db, opportunityId, now, RUNNERS_UP_SHOWN),
  ]);
  if (!choices) return null;

  const o = head.opportunity;
  const canOfferByHand = o.status === 'new' || o.status === 'unroutable';
  const activeRelated = [...choices.related];
  const names = await partnerNames(db, [
    ...choices.runnersUp.map((r) => r.candidate.id),
    ...activeRelated,
    ...(canOfferByHand
      ? [...choices.eligible.map((r) => r.candidate.id), ...choices.skipped.map((s) => s.candidate.id)]
      : []),
  ]);
  const nameOf = (id: number) => names.get(id) ?? `Partner ${id}`;
  const scored = (r: ScoredCandidate) => ({
    partnerId: r.candidate.id,
    name: nameOf(r.candidate.id),
    tier: r.candidate.tier,
    score: r.score,
    reasons: explainBreakdown(r.breakdown),
  });
  const eligibleIds = new Set(choices.eligible.map((r) => r.candidate.id));
  const skippedById = new Map(choices.skipped.map((s) => [s.candidate.id, s]));
  // Only the partners routing would weigh: an inactive related partner is no one's concern here,
  // and the partner holding this very lead is not a relationship to point out.
  const relationshipPartners = activeRelated
    .filter((id) => id !== o.acceptedPartnerId && (eligibleIds.has(id) || skippedById.has(id)))
    .map((id) => ({ partnerId: id, name: nameOf(id), skipped: skippedById.get(id)?.reasons ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const lastOffer = offerRows[0] ?? null;
  const pendingOffer = offerRows.find((offer) => offer.status === 'pending') ?? null;

  return {
    opportunity: o,
    customer: head.customer,
    campaignName: head.campaignName,
    acceptedPartnerName: head.acceptedPartnerName,
    roundLimit: choices.settings.roundLimit,
    timeline,
    offers: offerRows,
    lastOffer: lastOffer && {
      ...lastOffer,
      reasons: explainBreakdown(lastOffer.scoreBreakdown as ScoreBreakdown),
    },
    pendingOffer,
    runnersUp: choices.runnersUp.map(scored),
    roundsLeft: Math.max(0, choices.settings.roundLimit - o.rounds),
    relationshipPartners,
    joinedPartnersFirst: choices.preference.joinedPartnersFirst,
    canOfferByHand,
    partnerChoices: canOfferByHand
      ? {
          eligible: choices.eligible.map(scored),
          skipped: choices.skipped
            .map((s) => ({
              partnerId: s.candidate.id,
              name: nameOf(s.candidate.id),
              reasons: s.reasons,
              overridable: s.overridable,
              openLoad: s.candidate.openLoad,
              maxOpen: s.candidate.maxOpen,
              pausedUntil: s.candidate.pausedUntil,
            }))
            // Those a manager may pick, closest to eligible first; a partner that already had
            // the lead last, since it can only be refused.
            .sort(
              (a, b) =>
                Number(b.overridable) - Number(a.overridable) ||
                a.reasons.length - b.reasons.length ||
                a.name.localeCompare(b.name),
            ),
        }
      : { eligible: [], skipped: [] },
  };
}

export type OpportunityPage = NonNullable<Awaited<ReturnType<typeof getOpportunityPage>>>;

async function partnerNames(db: Database, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: partners.id, name: partners.name })
    .from(partners)
    .where(inArray(partners.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The opportunity's pending offer id, or null: actions check the page was not stale. */
export async function pendingOfferIdOf(db: Database, opportunityId: number): Promise<number | null> {
  const [row] = await db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.opportunityId, opportunityId), eq(offers.status, 'pending')));
  return row?.id ?? null;
}

export async function opportunityExists(db: Database, opportunityId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: opportunities.id })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId));
  return row !== undefined;
}
