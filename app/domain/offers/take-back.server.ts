import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../db/client';
import { offers, opportunities, partners } from '../../../db/schema';
import type { Clock } from '../clock';
import { DomainError, invalidInput, notFound } from '../errors';
import { recordEvent } from '../records.server';
import { inTransaction } from '../transaction.server';

/** A lead can be taken back while its partner is still working it; won and lost are history. */
export const TAKE_BACK_STATUSES = ['accepted', 'contacted', 'proposal'] as const;

export const takeBackReasonSchema = z
  .string({ error: 'Say why the lead is taken back.' })
  .trim()
  .min(3, 'Say why the lead is taken back (at least 3 characters).')
  .max(500, 'At most 500 characters.');

export interface TakeBackInput {
  opportunityId: number;
  /** The channel manager taking the lead back. */
  userId: number;
  reason: unknown;
  /**
   * The partner the manager saw holding the lead. When given and no longer true (the lead was
   * taken back and accepted by someone else meanwhile), nothing changes.
   */
  expectedPartnerId?: number;
}

/**
 * A channel manager takes an accepted lead back from its partner: the opportunity is waiting for
 * routing again, the partner's capacity unit is freed, and the timeline says who and why. With
 * `accepted_partner_id` cleared the partner no longer sees the customer record. The caller
 * routes the lead on (`takeBackAndReroute`); routing never offers it to a partner that already
 * had an offer for it, so it cannot come straight back.
 */
export async function takeLeadBack(db: Database, input: TakeBackInput, clock: Clock) {
  const reason = takeBackReasonSchema.safeParse(input.reason);
  if (!reason.success) throw invalidInput('reason', reason.error.issues[0]!.message);
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [current] = await tx
      .select({ status: opportunities.status, partnerId: opportunities.acceptedPartnerId })
      .from(opportunities)
      .where(eq(opportunities.id, input.opportunityId))
      .for('update');
    if (!current) throw notFound('Opportunity', input.opportunityId);
    const partnerId = current.partnerId;
    const open = (TAKE_BACK_STATUSES as readonly string[]).includes(current.status);
    if (!open || partnerId === null) {
      throw new DomainError(
        'opportunity_not_routable',
        `Lead #${input.opportunityId} is ${current.status}; only a lead a partner is working (accepted, contacted or proposal) can be taken back.`,
      );
    }
    if (input.expectedPartnerId !== undefined && input.expectedPartnerId !== partnerId) {
      throw new DomainError(
        'opportunity_not_routable',
        'Another partner holds this lead now; reload the page before taking it back.',
      );
    }
    const [updated] = await tx
      .update(opportunities)
      .set({ status: 'new', acceptedPartnerId: null, updatedAt: now })
      .where(
        and(
          eq(opportunities.id, input.opportunityId),
          eq(opportunities.acceptedPartnerId, partnerId),
          inArray(opportunities.status, [...TAKE_BACK_STATUSES]),
        ),
      )
      .returning({ id: opportunities.id });
    if (!updated) throw new Error(`opportunity ${input.opportunityId} changed under its row lock`);
    // An open lead holds one unit of the partner's capacity (see partners.open_load).
    await tx
      .update(partners)
      .set({ openLoad: sql`${partners.openLoad} - 1` })
      .where(eq(partners.id, partnerId));
    const [acceptedOffer] = await tx
      .select({ id: offers.id })
      .from(offers)
      .where(
        and(
          eq(offers.opportunityId, input.opportunityId),
          eq(offers.partnerId, partnerId),
          eq(offers.status, 'accepted'),
        ),
      )
      .orderBy(desc(offers.id))
      .limit(1);
    await recordEvent(tx, {
      opportunityId: input.opportunityId,
      kind: 'lead_taken_back',
      at: now,
      offerId: acceptedOffer?.id ?? null,
      partnerId,
      actorUserId: input.userId,
      detail: { reason: reason.data, stage: current.status },
    });
    return { opportunityId: input.opportunityId, partnerId, stage: current.status };
  });
}
