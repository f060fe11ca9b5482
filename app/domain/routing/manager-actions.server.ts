import { z } from 'zod';
import type { Database } from '../../../db/client';
import type { Clock } from '../clock';
import { DomainError, notFound } from '../errors';
import type { OfferTimerState } from '../offers/checkpoints';
import { deadlineFor, windowMs } from '../offers/deadline';
import { sideEffects } from '../side-effects.server';
import { iso, rawSql, toDate, withDeadlockRetry } from '../sql.server';
import { skipReasons } from './eligibility';
import { insertOffer, type OverridableRule } from './route-opportunity.server';
import { loadRoutingContext } from './routing-context.server';
import { scoreCandidate } from './scoring';

/** Why a channel manager goes past routing's rules: required for a partner routing skips. */
export const overrideReasonSchema = z
  .string({ error: 'Say why this partner should have the lead although routing skips it.' })
  .trim()
  .min(3, 'Say why this partner should have the lead although routing skips it (at least 3 characters).')
  .max(500, 'At most 500 characters.')
  .regex(/^[^\p{Cc}]*$/u, 'Use plain text: no control characters.');

/**
 * A channel manager hands a waiting or unroutable lead to a partner of their choosing. Every rule
 * routing skips a partner for may be overridden (country, product line, capacity, pause, round
 * limit), with a reason that the offer and its timeline event keep; an inactive partner and a
 * second offer to the same partner never.
 */
export async function offerByHand(
  db: Database,
  input: { opportunityId: number; partnerId: number; userId: number; reason?: unknown },
  clock: Clock,
): Promise<OfferTimerState> {
  const sql = rawSql(db);
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
  const skipped = skipReasons(candidate, now, alreadyOffered, {
    used: opportunity.rounds,
    limit: settings.roundLimit,
  });
  if (skipped.includes('already_offered')) {
    throw new DomainError(
      'partner_not_eligible',
      'This partner has already had an offer for this opportunity; a lead is never offered twice to one partner.',
      'partnerId',
    );
  }
  if (skipped.includes('not_active')) throw inactive(candidate.status);
  const typed = input.reason === undefined || input.reason === '' ? null : input.reason;
  let reason: string | null = null;
  if (skipped.length > 0 || typed !== null) {
    const parsed = overrideReasonSchema.safeParse(typed ?? '');
    if (!parsed.success) throw new DomainError('invalid_input', parsed.error.issues[0]!.message, 'reason');
    reason = parsed.data;
  }
  const override = reason === null ? null : { rules: skipped as OverridableRule[], reason };
  // Scored as routing would score it, so the breakdown explains the pick either way.
  const choice = scoreCandidate(candidate, settings.weights, windowMs(settings));
  const timer = await insertOffer(sql, {
    opportunity,
    choice,
    settings,
    now,
    offeredByUserId: input.userId,
    override,
  });
  if (timer === 'not_waiting') {
    throw new DomainError(
      'opportunity_not_routable',
      'The opportunity changed meanwhile; reload and try again.',
    );
  }
  if (timer === 'partner_unavailable') throw inactive('no longer active');
  return timer;
}

const inactive = (status: string) =>
  new DomainError(
    'partner_not_eligible',
    `This partner is ${status}; only active partners can receive leads.`,
    'partnerId',
  );

/**
 * Gives the partner more time: the deadline moves on by `hours` from where it stood. One read,
 * then one statement that moves it only if it still stands there and the offer is still
 * pending and not yet due. Reminders are recomputed from the new deadline.
 */
export async function extendDeadline(
  db: Database,
  input: { offerId: number; hours: number; userId: number },
  clock: Clock,
): Promise<OfferTimerState> {
  if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > 720) {
    throw new DomainError('invalid_input', 'hours: a whole number of hours from 1 to 720', 'hours');
  }
  const now = clock.now();
  const at = iso(now);
  const sql = rawSql(db);
  const [current] = await sql`SELECT status, expires_at FROM offers WHERE id = ${input.offerId}`;
  if (!current) throw notFound('Offer', input.offerId);
  const from = toDate(current.expires_at);
  const expiresAt = deadlineFor(from, { hours: input.hours });
  const [row] = await withDeadlockRetry(
    () => sql`
    WITH moved AS (
      UPDATE offers SET expires_at = ${iso(expiresAt)}::timestamptz
      WHERE id = ${input.offerId} AND status = 'pending' AND expires_at = ${iso(from)}::timestamptz
        AND expires_at > ${at}::timestamptz
      RETURNING id AS offer_id, opportunity_id, partner_id, offered_at, expires_at, reminder_offsets_hours
    ) ${sideEffects(sql, 'deadlineExtended', {
      at,
      actorUserId: input.userId,
      detail: sql`${JSON.stringify({ from: iso(from), to: iso(expiresAt) })}::jsonb`,
    })}
    SELECT offer_id, offered_at, reminder_offsets_hours FROM moved`,
  );
  if (!row) {
    const stillPending = current.status === 'pending' && from.getTime() > now.getTime();
    throw new DomainError(
      'offer_not_pending',
      stillPending
        ? 'This offer changed while you were extending it; reload and try again.'
        : `This offer is ${current.status === 'pending' ? 'past its deadline' : current.status}; it can no longer be extended.`,
    );
  }
  return {
    offerId: row.offer_id,
    offeredAt: toDate(row.offered_at),
    expiresAt,
    reminderOffsetsHours: row.reminder_offsets_hours,
  };
}
