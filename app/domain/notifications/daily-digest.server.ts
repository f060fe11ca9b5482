import type { Database } from '../../../db/client';
import { HOUR_MS } from '../clock';
import { EXPIRING_SOON_HOURS } from '../offers/deadline';
import { iso, rawSql } from '../sql.server';

/** Matches the routing queue's "expiring soon". */

/**
 * One digest email row per active channel manager for the UTC day of `now`, with the queue's
 * figures at that moment. Keyed by day and user: a second run the same day adds nothing.
 * Every manager gets it; those who chose the digest only get no email per event.
 */
export async function createDailyDigests(db: Database, now: Date): Promise<number> {
  const at = iso(now);
  const day = at.slice(0, 10);
  const rows = await rawSql(db)`
    WITH figures AS (
      SELECT
        (SELECT count(*) FROM offers WHERE status = 'pending') AS pending,
        (SELECT count(*) FROM offers WHERE status = 'pending'
           AND expires_at <= ${at}::timestamptz + make_interval(hours => ${EXPIRING_SOON_HOURS})) AS expiring_soon,
        (SELECT count(*) FROM opportunities WHERE status = 'unroutable') AS unroutable,
        (SELECT count(*) FROM offers WHERE status = 'accepted'
           AND responded_at > ${iso(new Date(now.getTime() - 24 * HOUR_MS))}::timestamptz) AS accepted_last_day
    )
    INSERT INTO notifications (kind, audience, user_id, recipient_email, dedupe_key, payload, created_at)
    SELECT 'daily_digest', 'user', u.id, u.email, 'digest-' || ${day}::text || '/user-' || u.id,
           jsonb_build_object('pending', f.pending, 'expiringSoon', f.expiring_soon,
                              'unroutable', f.unroutable, 'acceptedLastDay', f.accepted_last_day),
           ${at}::timestamptz
    FROM users u CROSS JOIN figures f
    WHERE u.role = 'channel_manager' AND u.disabled_at IS NULL
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id`;
  return rows.length;
}
