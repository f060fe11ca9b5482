import type { Database } from '../../../db/client';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';

export interface ExpiredOffer {
  offerId: number;
  opportunityId: number;
  partnerId: number;
}

/**
 * Every deadline that has passed, up to `limit` offers, in one statement: the same rows as
 * `expireOffer` writes for each (the offer expired, its opportunity back to waiting, the
 * partner's counters, an 'expired' event with `lateMs`, an 'offer_expired' notification), but
 * one round trip and one commit for the lot, and each partner's row updated once with its count
 * instead of once per offer. A burst of offers sharing one deadline would otherwise queue on
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
  const rows = await withDeadlockRetry(
    () => rawSql(db)`
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
    ), offer AS (
      UPDATE offers f SET status = 'expired'
      FROM due WHERE f.id = due.id AND f.status = 'pending'
      RETURNING f.id, f.opportunity_id, f.partner_id, f.expires_at
    ), opportunity AS (
      UPDATE opportunities o SET status = 'new', updated_at = ${at}::timestamptz
      FROM offer WHERE o.id = offer.opportunity_id
    ), expired_per_partner AS (
      SELECT partner_id, count(*)::int AS n FROM offer GROUP BY partner_id
    ), locked AS (
      -- In id order, as routeBatch locks them, so that concurrent batches sharing partners
      -- queue behind each other instead of deadlocking.
      SELECT id FROM partners WHERE id IN (SELECT partner_id FROM expired_per_partner)
      ORDER BY id FOR NO KEY UPDATE
    ), partner AS (
      UPDATE partners p SET open_load = p.open_load - e.n, offers_expired = p.offers_expired + e.n
      FROM expired_per_partner e
      WHERE p.id = e.partner_id AND p.id IN (SELECT id FROM locked)
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
    SELECT id, opportunity_id, partner_id FROM offer ORDER BY id`,
  );
  return rows.map((row) => ({
    offerId: row.id as number,
    opportunityId: row.opportunity_id as number,
    partnerId: row.partner_id as number,
  }));
}
