import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../db/client';
import { DECLINE_REASONS, offers, opportunities, partners } from '../../../db/schema';
import type { Clock } from '../clock';
import { DomainError, invalidInput, notFound } from '../errors';
import { recordEvent, recordNotifications } from '../records.server';
import { inTransaction, type Tx } from '../transaction.server';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';
import type { Executor } from '../../../db/client';

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
  const now = clock.now();
  const at = iso(now);
  const [row] = await withDeadlockRetry(
    () => rawSql(db)`
    WITH offer AS (
      UPDATE offers SET status = 'accepted', responded_at = ${at}::timestamptz,
                        responded_by_user_id = ${input.userId}::int
      WHERE id = ${input.offerId} AND status = 'pending' AND expires_at > ${at}::timestamptz
        AND (${input.scope?.partnerId ?? null}::int IS NULL OR partner_id = ${input.scope?.partnerId ?? null}::int)
      RETURNING id, opportunity_id, partner_id, offered_at
    ), opportunity AS (
      UPDATE opportunities o SET status = 'accepted', accepted_partner_id = offer.partner_id,
                                 updated_at = ${at}::timestamptz
      FROM offer WHERE o.id = offer.opportunity_id
    ), partner AS (
      -- The offer's capacity unit stays taken: it is now an open lead.
      UPDATE partners p SET offers_answered = offers_answered + 1, offers_accepted = offers_accepted + 1,
        response_ms_total = response_ms_total
          + greatest(0, (extract(epoch FROM ${at}::timestamptz - offer.offered_at) * 1000)::bigint)
      FROM offer WHERE p.id = offer.partner_id
    ), event AS (
      INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, actor_user_id, kind, at)
      SELECT opportunity_id, id, partner_id, ${input.userId}::int, 'accepted', ${at}::timestamptz FROM offer
    ), notification AS (
      INSERT INTO notifications (kind, audience, partner_id, opportunity_id, offer_id, dedupe_key, created_at)
      SELECT 'offer_accepted', 'partner', partner_id, opportunity_id, id, 'offer-accepted-' || id, ${at}::timestamptz FROM offer
      UNION ALL
      SELECT 'lead_accepted', 'channel_managers', partner_id, opportunity_id, id, 'lead-accepted-' || id, ${at}::timestamptz FROM offer
      ON CONFLICT (dedupe_key) DO NOTHING
    )
    SELECT id, opportunity_id, partner_id FROM offer`,
  );
  if (!row) throw await whyNotPending(db, input.offerId, input.scope, now, true);
  return {
    offerId: row.id as number,
    opportunityId: row.opportunity_id as number,
    partnerId: row.partner_id as number,
  };
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
  const now = clock.now();
  const at = iso(now);
  const detail = JSON.stringify({ reason, note: note ?? null });
  const [row] = await withDeadlockRetry(
    () => rawSql(db)`
    WITH offer AS (
      UPDATE offers SET status = 'declined', decline_reason = ${reason}, decline_note = ${note ?? null},
                        responded_at = ${at}::timestamptz, responded_by_user_id = ${input.userId}::int
      WHERE id = ${input.offerId} AND status = 'pending' AND expires_at > ${at}::timestamptz
        AND (${input.scope?.partnerId ?? null}::int IS NULL OR partner_id = ${input.scope?.partnerId ?? null}::int)
      RETURNING id, opportunity_id, partner_id, offered_at
    ), opportunity AS (
      UPDATE opportunities o SET status = 'new', updated_at = ${at}::timestamptz
      FROM offer WHERE o.id = offer.opportunity_id
    ), partner AS (
      UPDATE partners p SET open_load = open_load - 1, offers_answered = offers_answered + 1,
        response_ms_total = response_ms_total
          + greatest(0, (extract(epoch FROM ${at}::timestamptz - offer.offered_at) * 1000)::bigint)
      FROM offer WHERE p.id = offer.partner_id
    ), event AS (
      INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, actor_user_id, kind, detail, at)
      SELECT opportunity_id, id, partner_id, ${input.userId}::int, 'declined', ${detail}::jsonb, ${at}::timestamptz
      FROM offer
    ), notification AS (
      INSERT INTO notifications (kind, audience, partner_id, opportunity_id, offer_id, dedupe_key, payload, created_at)
      SELECT 'offer_declined', 'partner', partner_id, opportunity_id, id, 'offer-declined-' || id,
             ${JSON.stringify({ reason })}::jsonb, ${at}::timestamptz
      FROM offer
      ON CONFLICT (dedupe_key) DO NOTHING
    )
    SELECT id, opportunity_id, partner_id FROM offer`,
  );
  if (!row) throw await whyNotPending(db, input.offerId, input.scope, now, true);
  return {
    offerId: row.id as number,
    opportunityId: row.opportunity_id as number,
    partnerId: row.partner_id as number,
  };
}

/**
 * The deadline passed without an answer. Returns null when the offer was no longer pending or
 * its deadline is still ahead: a timer delivered twice, or early, changes nothing.
 */
export async function expireOffer(db: Database, offerId: number, clock: Clock) {
  const now = clock.now();
  const at = iso(now);
  const [row] = await withDeadlockRetry(
    () => rawSql(db)`
    WITH offer AS (
      UPDATE offers SET status = 'expired'
      WHERE id = ${offerId} AND status = 'pending' AND expires_at <= ${at}::timestamptz
      RETURNING id, opportunity_id, partner_id, expires_at
    ), opportunity AS (
      UPDATE opportunities o SET status = 'new', updated_at = ${at}::timestamptz
      FROM offer WHERE o.id = offer.opportunity_id
    ), partner AS (
      UPDATE partners p SET open_load = open_load - 1, offers_expired = offers_expired + 1
      FROM offer WHERE p.id = offer.partner_id
    ), event AS (
      -- lateMs: how long after the deadline the expiry ran, the figure the deadline goal is about.
      INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, kind, detail, at)
      SELECT opportunity_id, id, partner_id, 'expired',
             jsonb_build_object('expiresAt', expires_at,
               'lateMs', round(extract(epoch FROM ${at}::timestamptz - expires_at) * 1000)),
             ${at}::timestamptz
      FROM offer
    ), notification AS (
      INSERT INTO notifications (kind, audience, partner_id, opportunity_id, offer_id, dedupe_key, created_at)
      SELECT 'offer_expired', 'partner', partner_id, opportunity_id, id, 'offer-expired-' || id, ${at}::timestamptz
      FROM offer
      ON CONFLICT (dedupe_key) DO NOTHING
    )
    SELECT id, opportunity_id, partner_id FROM offer`,
  );
  if (!row) return null;
  return {
    offerId: row.id as number,
    opportunityId: row.opportunity_id as number,
    partnerId: row.partner_id as number,
  };
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

async function reopenOpportunity(tx: Tx, opportunityId: number, now: Date) {
  await tx
    .update(opportunities)
    .set({ status: 'new', updatedAt: now })
    .where(eq(opportunities.id, opportunityId));
}

/** Explains a conditional update that matched nothing, without changing anything. */
async function whyNotPending(
  tx: Executor,
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
