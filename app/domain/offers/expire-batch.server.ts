import type { Database } from '../../../db/client';
import { sideEffects } from '../side-effects.server';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';

export interface ExpiredOffer {
  offerId: number;
  opportunityId: number;
  partnerId: number;
}

/**
 * Every deadline that has passed, up to `limit` offers, in one statement: for each, the offer
 * expired, its opportunity back to waiting and the side effects of an expiry (side-effects.server.ts:
 * the partner's counters, an 'expired' event with `lateMs`, an 'offer_expired' notification), in
 * one round trip and one commit for the lot, and each partner's row updated once with its count
 * instead of once per offer. `expireOffer` is this with one offer. A burst of offers sharing one deadline would otherwise queue on
 * the busiest partners' rows one expiry at a time.
 *
 * `FOR UPDATE SKIP LOCKED` lets several workers split a burst: each takes the due offers no one
 * else holds. An offer an answer holds at this moment is skipped too: an answer only locks the
 * row once its own guard (`expires_at > now`) has passed, and then it wins. `expires_at` is the
 * only deadline: an accept refuses after it, this takes nothing before it, so an answer racing
 * the deadline has exactly one winner, and a call repeated finds nothing left to do.
 *
 * `including`: an offer to take first if it is due and free (the offer whose timer fired); the
 * rest of the batch are the latest due. The timer jobs of a burst arrive earliest first, each
 * taking its own offer, so the batches work from the other end and the two meet in the middle:
 * taken earliest first, each batch would take the very offers whose jobs come next, and the
 * burst would move no faster than the jobs that find nothing left to do.
 */
export async function expireDueOffers(
  db: Database,
  now: Date,
  limit = 500,
  options: { including?: number } = {},
): Promise<ExpiredOffer[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number ≥ 1, not ${limit}`);
  const at = iso(now);
  const including = options.including ?? null;
  const sql = rawSql(db);
  const rows = await withDeadlockRetry(
    () => sql`
    WITH own AS (
      SELECT id FROM offers
      WHERE id = ${including}::int AND status = 'pending' AND expires_at <= ${at}::timestamptz
      FOR UPDATE SKIP LOCKED
    ), others AS (
      SELECT id FROM offers
      WHERE status = 'pending' AND expires_at <= ${at}::timestamptz AND id IS DISTINCT FROM ${including}::int
      -- Latest first: see above.
      ORDER BY expires_at DESC, id DESC
      LIMIT ${including === null ? limit : limit - 1}
      FOR UPDATE SKIP LOCKED
    ), due AS (
      SELECT id FROM own UNION ALL SELECT id FROM others
    ), moved AS (
      UPDATE offers f SET status = 'expired'
      FROM due WHERE f.id = due.id AND f.status = 'pending'
      RETURNING f.id AS offer_id, f.opportunity_id, f.partner_id, f.expires_at
    ), opportunity AS (
      UPDATE opportunities o SET status = 'new', updated_at = ${at}::timestamptz
      FROM moved WHERE o.id = moved.opportunity_id
    ) ${sideEffects(sql, 'expired', { at, actorUserId: null })}
    SELECT offer_id, opportunity_id, partner_id FROM moved ORDER BY offer_id`,
  );
  return rows.map((row) => ({
    offerId: row.offer_id as number,
    opportunityId: row.opportunity_id as number,
    partnerId: row.partner_id as number,
  }));
}
