import { and, eq, lt, or, isNull, lte, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { offers, opportunities, partners } from '../../../db/schema';
import type { Clock } from '../clock';
import { HOUR_MS } from '../clock';
import { notFound } from '../errors';
import type { OfferTimerState } from '../offers/checkpoints';
import { recordEvent, recordNotifications } from '../records.server';
import { inTransaction, type Tx } from '../transaction.server';
import type { RoutingTarget } from './candidate';
import { findCandidates } from './candidates.server';
import { ineligibility } from './eligibility';
import { rankCandidates, type ScoredCandidate } from './scoring';
import { loadRoutingSettings } from './settings.server';
import type { RoutingSettings } from './settings';

export type RouteResult =
  | { kind: 'offered'; opportunityId: number; partnerId: number; timer: OfferTimerState }
  | { kind: 'unroutable'; opportunityId: number; reason: UnroutableReason }
  /** The opportunity is not waiting for a partner (it has a pending offer, or is closed). */
  | { kind: 'not_waiting'; opportunityId: number; status: string };

export type UnroutableReason = 'no_eligible_partner' | 'round_limit_reached';

type OpportunityRow = typeof opportunities.$inferSelect;

/**
 * Offers a waiting opportunity to the best eligible partner, or marks it unroutable.
 * The opportunity row is locked first, so two routers of the same lead serialise; the
 * partner's capacity is claimed by a conditional update, so two leads cannot overfill it.
 */
export async function routeOpportunity(
  db: Database,
  opportunityId: number,
  clock: Clock,
): Promise<RouteResult> {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [opportunity] = await tx
      .select()
      .from(opportunities)
      .where(eq(opportunities.id, opportunityId))
      .for('update');
    if (!opportunity) throw notFound('Opportunity', opportunityId);
    if (opportunity.status !== 'new') {
      return { kind: 'not_waiting', opportunityId, status: opportunity.status };
    }
    const settings = await loadRoutingSettings(tx);
    if (opportunity.rounds >= settings.roundLimit) {
      return markUnroutable(tx, opportunity, 'round_limit_reached', now);
    }
    const ranked = await rankedCandidates(tx, opportunity, settings, now);
    for (const choice of ranked) {
      const claimed = await claimCapacity(tx, choice.candidate.id, now, false);
      if (claimed) {
        const timer = await createOffer(tx, { opportunity, choice, settings, now, offeredByUserId: null });
        return { kind: 'offered', opportunityId, partnerId: choice.candidate.id, timer };
      }
    }
    return markUnroutable(tx, opportunity, 'no_eligible_partner', now);
  });
}

export async function rankedCandidates(
  tx: Tx,
  opportunity: OpportunityRow,
  settings: RoutingSettings,
  now: Date,
): Promise<ScoredCandidate[]> {
  const target: RoutingTarget = opportunity;
  const candidates = await findCandidates(tx, {
    opportunityId: opportunity.id,
    customerId: opportunity.customerId,
    campaignId: opportunity.campaignId,
    country: opportunity.country,
    productLine: opportunity.productLine,
    now,
  });
  // The query already excluded partners offered this lead before.
  const eligible = candidates.filter((c) => ineligibility(c, target, now, new Set()) === null);
  return rankCandidates(eligible, target, settings.weights, settings.windowHours * HOUR_MS);
}

/**
 * Takes one unit of the partner's capacity. By hand, a channel manager may go past capacity
 * and pauses, but never offer to a partner that is not active.
 */
export async function claimCapacity(tx: Tx, partnerId: number, now: Date, byHand: boolean) {
  const rows = await tx
    .update(partners)
    .set({ openLoad: sql`${partners.openLoad} + 1`, lastOfferedAt: now })
    .where(
      byHand
        ? and(eq(partners.id, partnerId), eq(partners.status, 'active'))
        : and(
            eq(partners.id, partnerId),
            eq(partners.status, 'active'),
            lt(partners.openLoad, partners.maxOpen),
            or(isNull(partners.pausedUntil), lte(partners.pausedUntil, now)),
          ),
    )
    .returning({ id: partners.id });
  return rows.length === 1;
}

export async function createOffer(
  tx: Tx,
  args: {
    opportunity: OpportunityRow;
    choice: ScoredCandidate;
    settings: RoutingSettings;
    now: Date;
    offeredByUserId: number | null;
  },
): Promise<OfferTimerState> {
  const { opportunity, choice, settings, now } = args;
  const partnerId = choice.candidate.id;
  const expiresAt = new Date(now.getTime() + settings.windowHours * HOUR_MS);
  const round = opportunity.rounds + 1;
  const [offer] = await tx
    .insert(offers)
    .values({
      opportunityId: opportunity.id,
      partnerId,
      round,
      status: 'pending',
      offeredAt: now,
      expiresAt,
      reminderOffsetsHours: settings.reminderOffsetsHours,
      score: choice.score,
      scoreBreakdown: choice.breakdown,
      offeredByUserId: args.offeredByUserId,
    })
    .returning({ id: offers.id });
  const offerId = offer!.id;
  await Promise.all([
    tx
      .update(opportunities)
      .set({ status: 'offered', rounds: round, unroutableReason: null, updatedAt: now })
      .where(eq(opportunities.id, opportunity.id)),
    recordEvent(tx, {
      opportunityId: opportunity.id,
      kind: 'offered',
      at: now,
      offerId,
      partnerId,
      actorUserId: args.offeredByUserId,
      detail: {
        round,
        score: choice.score,
        expiresAt: expiresAt.toISOString(),
        byHand: args.offeredByUserId !== null,
      },
    }),
    recordNotifications(tx, [
      {
        kind: 'offer_new',
        audience: 'partner',
        partnerId,
        opportunityId: opportunity.id,
        offerId,
        dedupeKey: `offer-new-${offerId}`,
        createdAt: now,
      },
    ]),
  ]);
  return { offerId, offeredAt: now, expiresAt, reminderOffsetsHours: settings.reminderOffsetsHours };
}

async function markUnroutable(
  tx: Tx,
  opportunity: OpportunityRow,
  reason: UnroutableReason,
  now: Date,
): Promise<RouteResult> {
  await Promise.all([
    tx
      .update(opportunities)
      .set({ status: 'unroutable', unroutableReason: reason, updatedAt: now })
      .where(eq(opportunities.id, opportunity.id)),
    recordEvent(tx, {
      opportunityId: opportunity.id,
      kind: 'unroutable',
      at: now,
      detail: { reason, rounds: opportunity.rounds },
    }),
    recordNotifications(tx, [
      {
        kind: 'opportunity_unroutable',
        audience: 'channel_managers',
        opportunityId: opportunity.id,
        dedupeKey: `unroutable-${opportunity.id}-${opportunity.rounds}`,
        createdAt: now,
        payload: { reason },
      },
    ]),
  ]);
  return { kind: 'unroutable', opportunityId: opportunity.id, reason };
}
