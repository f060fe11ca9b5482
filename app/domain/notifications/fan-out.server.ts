import type { Database } from '../../../db/client';
import { rawSql } from '../sql.server';

/**
 * The routing loop records one notification row per event, inside the event's own statement
 * (`audience` partner, channel_managers, …). Fan-out turns each into one email row per person
 * who should read it, and marks the event `fanned_out`, in one statement: a crash leaves either
 * both or neither. Email rows are keyed `<event key>/user-<id>`, so running it twice, or on two
 * workers at once (SKIP LOCKED), makes no second email.
 *
 * Who reads what:
 * - offers made, reminded, expired, withdrawn or given more time, and leads taken back: the
 *   partner's active users;
 * - the confirmation of an accept or decline: the user who answered;
 * - a campaign invitation: the invited partner's active admins;
 * - unroutable and accepted leads: every active channel manager who has not chosen the digest
 *   only, and, for a campaign's lead, the campaign's coordinator.
 * - a partner's registration: those channel managers; its approval or decline: the
 *   registering partner's active users.
 */
export async function fanOutPending(db: Database, limit = 500): Promise<number[]> {
  const rows = await rawSql(db)`
    WITH events AS (
      SELECT id, kind, partner_id, opportunity_id, offer_id, dedupe_key, payload, created_at
      FROM notifications
      WHERE status = 'pending' AND audience <> 'user'
      ORDER BY id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), recipients AS (
      SELECT e.id AS event_id, u.id AS user_id, u.email
      FROM events e JOIN users u ON u.partner_id = e.partner_id
      WHERE e.kind IN ('offer_new', 'offer_reminder', 'offer_expired', 'offer_withdrawn', 'offer_extended',
                       'lead_taken_back')
        AND u.disabled_at IS NULL
      UNION
      SELECT e.id, u.id, u.email
      FROM events e JOIN offers o ON o.id = e.offer_id JOIN users u ON u.id = o.responded_by_user_id
      WHERE e.kind IN ('offer_accepted', 'offer_declined') AND u.disabled_at IS NULL
      UNION
      -- A campaign invitation: the invited partner's admins, who answer for the company.
      SELECT e.id, u.id, u.email
      FROM events e JOIN users u ON u.partner_id = e.partner_id
      WHERE e.kind = 'campaign_invitation' AND u.role = 'partner_admin' AND u.disabled_at IS NULL
      UNION
      SELECT e.id, u.id, u.email
      FROM events e CROSS JOIN users u
      WHERE e.kind IN ('opportunity_unroutable', 'lead_accepted')
        AND u.role = 'channel_manager' AND NOT u.email_digest_only AND u.disabled_at IS NULL
      UNION
      -- Deal registration: a new one to every manager on per-event email; the decision to the
      -- registering partner's people.
      SELECT e.id, u.id, u.email
      FROM events e CROSS JOIN users u
      WHERE e.kind = 'registration_submitted'
        AND u.role = 'channel_manager' AND NOT u.email_digest_only AND u.disabled_at IS NULL
      UNION
      SELECT e.id, u.id, u.email
      FROM events e JOIN users u ON u.partner_id = e.partner_id
      WHERE e.kind = 'registration_decided' AND u.disabled_at IS NULL
      UNION
      SELECT e.id, u.id, u.email
      FROM events e
        JOIN opportunities op ON op.id = e.opportunity_id
        JOIN campaigns c ON c.id = op.campaign_id
        JOIN users u ON u.id = c.coordinator_user_id
      WHERE e.kind = 'lead_accepted' AND u.disabled_at IS NULL
    ), emails AS (
      INSERT INTO notifications (kind, audience, partner_id, user_id, opportunity_id, offer_id, parent_id,
                                 recipient_email, dedupe_key, payload, created_at)
      SELECT e.kind, 'user', e.partner_id, r.user_id, e.opportunity_id, e.offer_id, e.id,
             r.email, e.dedupe_key || '/user-' || r.user_id, e.payload, e.created_at
      FROM events e JOIN recipients r ON r.event_id = e.id
      ORDER BY e.id, r.user_id
      ON CONFLICT (dedupe_key) DO NOTHING
      RETURNING id
    ), done AS (
      UPDATE notifications SET status = 'fanned_out' WHERE id IN (SELECT id FROM events)
    )
    SELECT id FROM emails ORDER BY id`;
  return rows.map((r) => Number(r.id));
}
