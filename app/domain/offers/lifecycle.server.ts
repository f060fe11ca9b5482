import type { PartnerScope } from '../partner-scope';
import { and, eq } from 'drizzle-orm';
import type { Row, Sql } from 'postgres';
import { z } from 'zod';
import type { Database, Executor } from '../../../db/client';
import { offers } from '../../../db/schema';
import { DECLINE_REASONS } from '../../../db/enums';
import type { Clock } from '../clock';
import { DomainError, invalidInput, notFound } from '../errors';
import { sideEffects } from '../side-effects.server';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';
import { expireDueOffers } from './expire-batch.server';

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
  const sql = rawSql(db);
  const [row] = await withDeadlockRetry(
    () => sql`
    WITH moved AS (
      UPDATE offers SET status = 'accepted', responded_at = ${at}::timestamptz,
                        responded_by_user_id = ${input.userId}::int
      WHERE ${answerable(sql, input, at)}
      RETURNING id AS offer_id, opportunity_id, partner_id, offered_at
    ), opportunity AS (
      UPDATE opportunities o SET status = 'accepted', accepted_partner_id = moved.partner_id,
                                 updated_at = ${at}::timestamptz
      FROM moved WHERE o.id = moved.opportunity_id
    ) ${sideEffects(sql, 'accepted', { at, actorUserId: input.userId })}
    SELECT offer_id, opportunity_id, partner_id FROM moved`,
  );
  if (!row) throw await whyNotPending(db, input.offerId, input.scope, now, true);
  return answered(row);
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
  const sql = rawSql(db);
  const [row] = await withDeadlockRetry(
    () => sql`
    WITH moved AS (
      UPDATE offers SET status = 'declined', decline_reason = ${reason}, decline_note = ${note ?? null},
                        responded_at = ${at}::timestamptz, responded_by_user_id = ${input.userId}::int
      WHERE ${answerable(sql, input, at)}
      RETURNING id AS offer_id, opportunity_id, partner_id, offered_at, decline_reason, decline_note
    ), opportunity AS (
      UPDATE opportunities o SET status = 'new', updated_at = ${at}::timestamptz
      FROM moved WHERE o.id = moved.opportunity_id
    ) ${sideEffects(sql, 'declined', { at, actorUserId: input.userId })}
    SELECT offer_id, opportunity_id, partner_id FROM moved`,
  );
  if (!row) throw await whyNotPending(db, input.offerId, input.scope, now, true);
  return answered(row);
}

/** A pending offer, still inside its window, of the answering partner (when scoped). */
function answerable(sql: Sql, input: AnswerInput, at: string) {
  const partnerId = input.scope?.partnerId ?? null;
  return sql`id = ${input.offerId} AND status = 'pending' AND expires_at > ${at}::timestamptz
    AND (${partnerId}::int IS NULL OR partner_id = ${partnerId}::int)`;
}

const answered = (row: Row) => ({
  offerId: row.offer_id as number,
  opportunityId: row.opportunity_id as number,
  partnerId: row.partner_id as number,
});

/**
 * The deadline passed without an answer: the batch expiry with this one offer. Returns null
 * when the offer was no longer pending, its deadline is still ahead, or an answer holds it at
 * this moment (and so wins): a timer delivered twice, or early, changes nothing.
 */
export async function expireOffer(db: Database, offerId: number, clock: Clock) {
  const [expired] = await expireDueOffers(db, clock.now(), 1, { including: offerId });
  return expired ?? null;
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
  const now = clock.now();
  const at = iso(now);
  const sql = rawSql(db);
  const [row] = await withDeadlockRetry(
    () => sql`
    WITH moved AS (
      UPDATE offers SET status = 'withdrawn', responded_at = ${at}::timestamptz,
                        responded_by_user_id = ${input.userId}::int
      WHERE id = ${input.offerId} AND status = 'pending'
      RETURNING id AS offer_id, opportunity_id, partner_id
    ), opportunity AS (
      UPDATE opportunities o SET status = ${input.reroute ? 'new' : 'withdrawn'}, updated_at = ${at}::timestamptz
      FROM moved WHERE o.id = moved.opportunity_id
    ) ${sideEffects(sql, 'withdrawn', {
      at,
      actorUserId: input.userId,
      detail: sql`${JSON.stringify({ reroute: input.reroute })}::jsonb`,
    })}
    SELECT offer_id, opportunity_id, partner_id FROM moved`,
  );
  if (!row) throw await whyNotPending(db, input.offerId, undefined, now, false);
  return answered(row);
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
