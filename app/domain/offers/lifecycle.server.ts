import { and, eq, gt, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../db/client';
import { DECLINE_REASONS, offers, opportunities, partners } from '../../../db/schema';
import type { Clock } from '../clock';
import { DomainError, invalidInput, notFound } from '../errors';
import { recordEvent, recordNotifications } from '../records.server';
import { inTransaction, type Tx } from '../transaction.server';

type OfferRow = typeof offers.$inferSelect;

/** Limits an offer lookup to one partner's offers: a foreign id is simply not found. */
export interface PartnerScope {
  partnerId: number;
}

export interface AnswerInput {
  offerId: number;
  /** The partner user answering; null when the answer comes from elsewhere (tests, API). */
  userId: number | null;
  scope?: PartnerScope;
}

export const declineInputSchema = z.object({
  reason: z.enum(DECLINE_REASONS, {
    error: () => `choose one of: ${DECLINE_REASONS.join(', ')}`,
  }),
  note: z.string().trim().max(2000, 'at most 2000 characters').optional(),
});

/**
 * The partner takes the lead. Refused once `expires_at` has passed, even if no timer has run:
 * the deadline is the column, not the moment a job happens to fire.
 */
export async function acceptOffer(db: Database, input: AnswerInput, clock: Clock) {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const offer = await answerPending(tx, input, now, { status: 'accepted' });
    await Promise.all([
      tx
        .update(opportunities)
        .set({ status: 'accepted', acceptedPartnerId: offer.partnerId, updatedAt: now })
        .where(eq(opportunities.id, offer.opportunityId)),
      // The offer's capacity unit stays taken: it is now an open lead.
      tx
        .update(partners)
        .set({
          offersAnswered: sql`${partners.offersAnswered} + 1`,
          offersAccepted: sql`${partners.offersAccepted} + 1`,
          responseMsTotal: sql`${partners.responseMsTotal} + ${responseMs(offer, now)}`,
        })
        .where(eq(partners.id, offer.partnerId)),
      recordEvent(tx, {
        opportunityId: offer.opportunityId,
        kind: 'accepted',
        at: now,
        offerId: offer.id,
        partnerId: offer.partnerId,
        actorUserId: input.userId,
      }),
      recordNotifications(tx, [
        {
          kind: 'offer_accepted',
          audience: 'partner',
          partnerId: offer.partnerId,
          opportunityId: offer.opportunityId,
          offerId: offer.id,
          dedupeKey: `offer-accepted-${offer.id}`,
          createdAt: now,
        },
        {
          kind: 'lead_accepted',
          audience: 'channel_managers',
          partnerId: offer.partnerId,
          opportunityId: offer.opportunityId,
          offerId: offer.id,
          dedupeKey: `lead-accepted-${offer.id}`,
          createdAt: now,
        },
      ]),
    ]);
    return { offerId: offer.id, opportunityId: offer.opportunityId, partnerId: offer.partnerId };
  });
}

/**
 * The partner turns the lead down with a reason from the fixed list. The opportunity goes back
 * to waiting; the caller routes it on at once (see `routeOpportunity`).
 */
export async function declineOffer(
  db: Database,
  input: AnswerInput & { reason: unknown; note?: unknown },
  clock: Clock,
) {
  const parsed = declineInputSchema.safeParse({ reason: input.reason, note: input.note || undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidInput(String(issue.path[0] ?? 'reason'), issue.message);
  }
  const { reason, note } = parsed.data;
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const offer = await answerPending(tx, input, now, {
      status: 'declined',
      declineReason: reason,
      declineNote: note ?? null,
    });
    await Promise.all([
      reopenOpportunity(tx, offer.opportunityId, now),
      tx
        .update(partners)
        .set({
          openLoad: sql`${partners.openLoad} - 1`,
          offersAnswered: sql`${partners.offersAnswered} + 1`,
          responseMsTotal: sql`${partners.responseMsTotal} + ${responseMs(offer, now)}`,
        })
        .where(eq(partners.id, offer.partnerId)),
      recordEvent(tx, {
        opportunityId: offer.opportunityId,
        kind: 'declined',
        at: now,
        offerId: offer.id,
        partnerId: offer.partnerId,
        actorUserId: input.userId,
        detail: { reason, note: note ?? null },
      }),
      recordNotifications(tx, [
        {
          kind: 'offer_declined',
          audience: 'partner',
          partnerId: offer.partnerId,
          opportunityId: offer.opportunityId,
          offerId: offer.id,
          dedupeKey: `offer-declined-${offer.id}`,
          createdAt: now,
          payload: { reason },
        },
      ]),
    ]);
    return { offerId: offer.id, opportunityId: offer.opportunityId, partnerId: offer.partnerId };
  });
}

/**
 * The deadline passed without an answer. Returns null when the offer was no longer pending or
 * its deadline is still ahead: a timer delivered twice, or early, changes nothing.
 */
export async function expireOffer(db: Database, offerId: number, clock: Clock) {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [offer] = await tx
      .update(offers)
      .set({ status: 'expired' })
      .where(and(eq(offers.id, offerId), eq(offers.status, 'pending'), lte(offers.expiresAt, now)))
      .returning();
    if (!offer) return null;
    await Promise.all([
      reopenOpportunity(tx, offer.opportunityId, now),
      tx
        .update(partners)
        .set({ openLoad: sql`${partners.openLoad} - 1`, offersExpired: sql`${partners.offersExpired} + 1` })
        .where(eq(partners.id, offer.partnerId)),
      recordEvent(tx, {
        opportunityId: offer.opportunityId,
        kind: 'expired',
        at: now,
        offerId: offer.id,
        partnerId: offer.partnerId,
        detail: {
          expiresAt: offer.expiresAt.toISOString(),
          lateMs: now.getTime() - offer.expiresAt.getTime(),
        },
      }),
      recordNotifications(tx, [
        {
          kind: 'offer_expired',
          audience: 'partner',
          partnerId: offer.partnerId,
          opportunityId: offer.opportunityId,
          offerId: offer.id,
          dedupeKey: `offer-expired-${offer.id}`,
          createdAt: now,
        },
      ]),
    ]);
    return { offerId: offer.id, opportunityId: offer.opportunityId, partnerId: offer.partnerId };
  });
}

/**
 * A channel manager takes a pending offer back. With `reroute` the lead goes on to the next
 * partner (the caller routes it); without, the opportunity is withdrawn from routing.
 */
export async function withdrawOffer(
  db: Database,
  input: { offerId: number; userId: number | null; reroute: boolean },
  clock: Clock,
) {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [offer] = await tx
      .update(offers)
      .set({ status: 'withdrawn', respondedAt: now, respondedByUserId: input.userId })
      .where(and(eq(offers.id, input.offerId), eq(offers.status, 'pending')))
      .returning();
    if (!offer) throw await whyNotPending(tx, input.offerId, undefined, now, false);
    await Promise.all([
      input.reroute
        ? reopenOpportunity(tx, offer.opportunityId, now)
        : tx
            .update(opportunities)
            .set({ status: 'withdrawn', updatedAt: now })
            .where(eq(opportunities.id, offer.opportunityId)),
      tx
        .update(partners)
        .set({ openLoad: sql`${partners.openLoad} - 1` })
        .where(eq(partners.id, offer.partnerId)),
      recordEvent(tx, {
        opportunityId: offer.opportunityId,
        kind: 'withdrawn',
        at: now,
        offerId: offer.id,
        partnerId: offer.partnerId,
        actorUserId: input.userId,
        detail: { reroute: input.reroute },
      }),
      recordNotifications(tx, [
        {
          kind: 'offer_withdrawn',
          audience: 'partner',
          partnerId: offer.partnerId,
          opportunityId: offer.opportunityId,
          offerId: offer.id,
          dedupeKey: `offer-withdrawn-${offer.id}`,
          createdAt: now,
        },
      ]),
    ]);
    return { offerId: offer.id, opportunityId: offer.opportunityId, partnerId: offer.partnerId };
  });
}

function responseMs(offer: OfferRow, now: Date) {
  return Math.max(0, now.getTime() - offer.offeredAt.getTime());
}

async function reopenOpportunity(tx: Tx, opportunityId: number, now: Date) {
  await tx
    .update(opportunities)
    .set({ status: 'new', updatedAt: now })
    .where(eq(opportunities.id, opportunityId));
}

/** The one conditional update of an answer: pending, before the deadline, within scope. */
async function answerPending(
  tx: Tx,
  input: AnswerInput,
  now: Date,
  change: Partial<Pick<OfferRow, 'status' | 'declineReason' | 'declineNote'>>,
): Promise<OfferRow> {
  const [offer] = await tx
    .update(offers)
    .set({ ...change, respondedAt: now, respondedByUserId: input.userId })
    .where(
      and(
        eq(offers.id, input.offerId),
        eq(offers.status, 'pending'),
        gt(offers.expiresAt, now),
        input.scope ? eq(offers.partnerId, input.scope.partnerId) : undefined,
      ),
    )
    .returning();
  if (offer) return offer;
  throw await whyNotPending(tx, input.offerId, input.scope, now, true);
}

/** Explains a conditional update that matched nothing, without changing anything. */
async function whyNotPending(
  tx: Tx,
  offerId: number,
  scope: PartnerScope | undefined,
  now: Date,
  deadlineMatters: boolean,
): Promise<DomainError> {
  const [offer] = await tx
    .select({ status: offers.status, expiresAt: offers.expiresAt, partnerId: offers.partnerId })
    .from(offers)
    .where(and(eq(offers.id, offerId), scope ? eq(offers.partnerId, scope.partnerId) : undefined));
  if (!offer) return notFound('Offer', offerId);
  if (offer.status !== 'pending') {
    return new DomainError('offer_not_pending', `This offer is already ${offer.status}.`);
  }
  if (deadlineMatters && offer.expiresAt.getTime() <= now.getTime()) {
    return new DomainError(
      'deadline_passed',
      `The response window closed at ${offer.expiresAt.toISOString()}; the lead has moved on.`,
    );
  }
  return new DomainError('offer_not_pending', 'This offer changed while you were answering; try again.');
}
