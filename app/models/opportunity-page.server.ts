import { aliasedTable, and, arrayContains, asc, desc, eq, inArray, ne, notInArray } from 'drizzle-orm';
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
import { windowMs } from '../domain/offers/deadline';
import { loadRoutingContext } from '../domain/routing/routing-context.server';
import { explainBreakdown, rankCandidates, type ScoreBreakdown } from '../domain/routing/scoring';

export const RUNNERS_UP_SHOWN = 5;
/** The offer-by-hand picker lists at most this many partners; eligible ones come first. */
export const PARTNER_CHOICES_SHOWN = 200;

export type TimelineKind = (typeof opportunityEvents.$inferSelect)['kind'];

/**
 * Everything the channel manager's opportunity page shows: the facts, the customer, the
 * timeline in the order it happened, the offers, the last offer's score and the runners-up.
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

  const [timeline, offerRows, context] = await Promise.all([
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
      })
      .from(offers)
      .innerJoin(partners, eq(partners.id, offers.partnerId))
      .where(eq(offers.opportunityId, opportunityId))
      .orderBy(desc(offers.round)),
    loadRoutingContext(db, opportunityId, now),
  ]);

  const ranked = rankCandidates(
    context.candidates,
    context.settings.weights,
    windowMs(context.settings),
    context.preference,
  );
  const relationshipPartners = await partnersWorkingWith(db, head.opportunity.customerId, opportunityId);
  const names = await partnerNames(
    db,
    ranked.slice(0, PARTNER_CHOICES_SHOWN).map((r) => r.candidate.id),
  );
  const eligible = ranked.slice(0, PARTNER_CHOICES_SHOWN).map((r) => ({
    partnerId: r.candidate.id,
    name: names.get(r.candidate.id) ?? `Partner ${r.candidate.id}`,
    tier: r.candidate.tier,
    score: r.score,
    reasons: explainBreakdown(r.breakdown),
  }));

  const lastOffer = offerRows[0] ?? null;
  const pendingOffer = offerRows.find((o) => o.status === 'pending') ?? null;
  const o = head.opportunity;
  const canOfferByHand = o.status === 'new' || o.status === 'unroutable';
  const otherPartners = canOfferByHand
    ? await otherActivePartners(db, {
        country: o.country,
        productLine: o.productLine,
        exclude: [...context.alreadyOffered, ...eligible.map((e) => e.partnerId)],
        limit: Math.max(0, PARTNER_CHOICES_SHOWN - eligible.length),
      })
    : [];

  return {
    opportunity: o,
    customer: head.customer,
    campaignName: head.campaignName,
    acceptedPartnerName: head.acceptedPartnerName,
    roundLimit: context.settings.roundLimit,
    timeline,
    offers: offerRows,
    lastOffer: lastOffer && {
      ...lastOffer,
      reasons: explainBreakdown(lastOffer.scoreBreakdown as ScoreBreakdown),
    },
    pendingOffer,
    runnersUp: eligible.slice(0, RUNNERS_UP_SHOWN),
    relationshipPartners,
    joinedPartnersFirst: context.preference.joinedPartnersFirst,
    canOfferByHand,
    partnerChoices: [
      ...eligible.map((e) => ({ partnerId: e.partnerId, name: e.name, score: e.score as number | null })),
      ...otherPartners.map((p) => ({ partnerId: p.id, name: p.name, score: null as number | null })),
    ],
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

/**
 * Active partners who cover the lead but are not eligible right now (full or paused): a channel
 * manager may override capacity and pauses by hand, never an inactive partner.
 */
async function otherActivePartners(
  db: Database,
  args: { country: string; productLine: string; exclude: number[]; limit: number },
) {
  if (args.limit === 0) return [];
  return db
    .select({ id: partners.id, name: partners.name })
    .from(partners)
    .where(
      and(
        eq(partners.status, 'active'),
        arrayContains(partners.countries, [args.country]),
        arrayContains(partners.productLines, [args.productLine]),
        args.exclude.length > 0 ? notInArray(partners.id, args.exclude) : undefined,
      ),
    )
    .orderBy(asc(partners.name))
    .limit(args.limit);
}

/**
 * Partners that already hold an accepted lead of this customer: routing offers them a new lead
 * of the same customer before anyone else, and the page says so.
 */
async function partnersWorkingWith(db: Database, customerId: number, exceptOpportunityId: number) {
  const rows = await db
    .selectDistinct({ id: partners.id, name: partners.name })
    .from(opportunities)
    .innerJoin(partners, eq(partners.id, opportunities.acceptedPartnerId))
    .where(and(eq(opportunities.customerId, customerId), ne(opportunities.id, exceptOpportunityId)))
    .orderBy(asc(partners.name));
  return rows;
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
