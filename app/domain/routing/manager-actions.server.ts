import { and, eq, gt } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { offers } from '../../../db/schema';
import type { Clock } from '../clock';
import { DomainError, notFound } from '../errors';
import type { OfferTimerState } from '../offers/checkpoints';
import { recordEvent } from '../records.server';
import { inTransaction } from '../transaction.server';
import { HOUR_MS } from '../clock';
import { insertOffer, loadRoutingContext } from './route-opportunity.server';
import { rawSql } from '../sql.server';
import { scoreCandidate } from './scoring';

/**
 * A channel manager hands a waiting or unroutable lead to a partner of their choosing. Capacity
 * and pauses may be overridden; an inactive partner or a second offer to the same partner not.
 */
export async function offerByHand(
  db: Database,
  input: { opportunityId: number; partnerId: number; userId: number },
  clock: Clock,
): Promise<OfferTimerState> {
  const sql = rawSql(db);
  {
    const now = clock.now();
    const { opportunity, settings, candidates, alreadyOffered } = await loadRoutingContext(
      db,
      input.opportunityId,
      now,
      input.partnerId,
    );
    if (!opportunity) throw notFound('Opportunity', input.opportunityId);
    if (opportunity.status !== 'new' && opportunity.status !== 'unroutable') {
      throw new DomainError(
        'opportunity_not_routable',
        `Opportunity ${opportunity.id} is ${opportunity.status}; only a waiting or unroutable lead can be offered by hand.`,
      );
    }
    const candidate = candidates[0];
    if (!candidate) throw notFound('Partner', input.partnerId);
    if (alreadyOffered.has(candidate.id)) {
      throw new DomainError(
        'partner_not_eligible',
        'This partner has already had an offer for this opportunity.',
        'partnerId',
      );
    }
    // Scored as routing would score it, so the breakdown explains the pick either way.
    const choice = scoreCandidate(candidate, settings.weights, settings.windowHours * HOUR_MS);
    const timer = await insertOffer(sql, {
      opportunity,
      choice,
      settings,
      now,
      offeredByUserId: input.userId,
    });
    if (timer === 'not_waiting') {
      throw new DomainError(
        'opportunity_not_routable',
        'The opportunity changed meanwhile; reload and try again.',
      );
    }
    if (timer === 'partner_unavailable') {
      throw new DomainError(
        'partner_not_eligible',
        `This partner is ${candidate.status}; only active partners can receive leads.`,
        'partnerId',
      );
    }
    return timer;
  }
}

/** Gives the partner more time. Reminders are recomputed from the new deadline. */
export async function extendDeadline(
  db: Database,
  input: { offerId: number; hours: number; userId: number },
  clock: Clock,
): Promise<OfferTimerState> {
  if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > 720) {
    throw new DomainError('invalid_input', 'hours: a whole number of hours from 1 to 720', 'hours');
  }
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [current] = await tx.select().from(offers).where(eq(offers.id, input.offerId));
    if (!current) throw notFound('Offer', input.offerId);
    const expiresAt = new Date(current.expiresAt.getTime() + input.hours * HOUR_MS);
    const [offer] = await tx
      .update(offers)
      .set({ expiresAt })
      .where(and(eq(offers.id, input.offerId), eq(offers.status, 'pending'), gt(offers.expiresAt, now)))
      .returning();
    if (!offer) {
      throw new DomainError(
        'offer_not_pending',
        `This offer is ${current.status === 'pending' ? 'past its deadline' : current.status}; it can no longer be extended.`,
      );
    }
    await recordEvent(tx, {
      opportunityId: offer.opportunityId,
      kind: 'deadline_extended',
      at: now,
      offerId: offer.id,
      partnerId: offer.partnerId,
      actorUserId: input.userId,
      detail: { from: current.expiresAt.toISOString(), to: expiresAt.toISOString() },
    });
    return {
      offerId: offer.id,
      offeredAt: offer.offeredAt,
      expiresAt: offer.expiresAt,
      reminderOffsetsHours: offer.reminderOffsetsHours,
    };
  });
}
