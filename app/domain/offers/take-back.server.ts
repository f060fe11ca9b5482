import { z } from 'zod';
import type { Database } from '../../../db/client';
import type { Clock } from '../clock';
import { DomainError, invalidInput, notFound } from '../errors';
import { sideEffects } from '../side-effects.server';
import { iso, parseJson, rawSql, withDeadlockRetry } from '../sql.server';

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
  const at = iso(clock.now());
  const sql = rawSql(db);
  const expected = input.expectedPartnerId ?? null;
  // `current` locks the lead, so the stage the event records is the one it was taken back from.
  const [row] = await withDeadlockRetry(
    () => sql`
    WITH current AS (
      SELECT id, status, accepted_partner_id FROM opportunities WHERE id = ${input.opportunityId} FOR UPDATE
    ), moved AS (
      UPDATE opportunities o SET status = 'new', accepted_partner_id = NULL, updated_at = ${at}::timestamptz
      FROM current c
      WHERE o.id = c.id AND c.accepted_partner_id IS NOT NULL AND c.status = ANY(${[...TAKE_BACK_STATUSES]}::text[])
        AND (${expected}::int IS NULL OR c.accepted_partner_id = ${expected}::int)
      RETURNING o.id AS opportunity_id, c.accepted_partner_id AS partner_id, c.status AS stage,
        o.updated_at AS taken_back_at, ${reason.data}::text AS reason,
        (SELECT f.id FROM offers f
          WHERE f.opportunity_id = o.id AND f.partner_id = c.accepted_partner_id AND f.status = 'accepted'
          ORDER BY f.id DESC LIMIT 1) AS offer_id
    ) ${sideEffects(sql, 'takenBack', {
      at,
      actorUserId: input.userId,
      detail: sql`jsonb_build_object('reason', reason, 'stage', stage)`,
    })}
    SELECT (SELECT row_to_json(c) FROM current c) AS current,
           (SELECT row_to_json(m) FROM (SELECT partner_id, stage FROM moved) m) AS moved`,
  );
  const moved = parseJson<{ partner_id: number; stage: string }>(row?.moved);
  if (moved) return { opportunityId: input.opportunityId, partnerId: moved.partner_id, stage: moved.stage };
  const current = parseJson<{ status: string; accepted_partner_id: number | null }>(row?.current);
  if (!current) throw notFound('Opportunity', input.opportunityId);
  const open = (TAKE_BACK_STATUSES as readonly string[]).includes(current.status);
  if (!open || current.accepted_partner_id === null) {
    throw new DomainError(
      'opportunity_not_routable',
      `Lead #${input.opportunityId} is ${current.status}; only a lead a partner is working (accepted, contacted or proposal) can be taken back.`,
    );
  }
  throw new DomainError(
    'opportunity_not_routable',
    'Another partner holds this lead now; reload the page before taking it back.',
  );
}
