import type { Sql } from 'postgres';
import type { OVERRIDABLE_RULES } from '../../../db/enums';
import type { Database } from '../../../db/client';
import type { Clock } from '../clock';
import { notFound } from '../errors';
import type { OfferTimerState } from '../offers/checkpoints';
import { deadlineFor, windowMs } from '../offers/deadline';
import { claimCapacity, sideEffects } from '../side-effects.server';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';
import { partnerDirectoryOf } from './partner-directory.server';
import { loadRoutingContext, type RoutableOpportunity } from './routing-context.server';
import { candidatesBestFirst, type ScoredCandidate } from './scoring';
import type { RoutingSettings } from './settings';

export type RouteResult =
  | { kind: 'offered'; opportunityId: number; partnerId: number; timer: OfferTimerState }
  | { kind: 'unroutable'; opportunityId: number; reason: UnroutableReason }
  /** The opportunity is not waiting for a partner (it has a pending offer, or is closed). */
  | { kind: 'not_waiting'; opportunityId: number; status: string };

/** An offer by hand past routing's rules: which, and the channel manager's reason. */
export interface HandOverride {
  rules: OverridableRule[];
  reason: string;
}

export type OverridableRule = (typeof OVERRIDABLE_RULES)[number];

export type UnroutableReason = 'no_eligible_partner' | 'round_limit_reached';

/** Raised inside the offer statement when the partner's capacity was taken meanwhile. */
const PARTNER_UNAVAILABLE = 'BTN01';

/**
 * Offers a waiting opportunity to the best eligible partner, or marks it unroutable.
 *
 * Two statements and no explicit transaction: one read of everything the decision needs, then
 * one statement that writes the offer only if the opportunity is still waiting in the same
 * round (`status = 'new' AND rounds = n`: the guard that makes two routers of one lead
 * harmless) and the partner still has room (a conditional update of its capacity). Either
 * guard failing writes nothing. This is what keeps routing near pgbench's speed.
 */
export async function routeOpportunity(
  db: Database,
  opportunityId: number,
  clock: Clock,
): Promise<RouteResult> {
  const sql = rawSql(db);
  for (;;) {
    const now = clock.now();
    const { opportunity, settings, candidates, preference } = await loadRoutingContext(
      db,
      opportunityId,
      now,
    );
    if (!opportunity) throw notFound('Opportunity', opportunityId);
    if (opportunity.status !== 'new') {
      return { kind: 'not_waiting', opportunityId, status: opportunity.status };
    }
    if (opportunity.rounds >= settings.roundLimit) {
      const marked = await markUnroutable(sql, opportunity, 'round_limit_reached', now);
      if (marked) return marked;
      continue;
    }
    const ranked = candidatesBestFirst(candidates, settings.weights, windowMs(settings), preference);
    let raced = false;
    const directory = partnerDirectoryOf(db);
    for (const choice of ranked) {
      const outcome = await insertOffer(sql, {
        opportunity,
        choice,
        settings,
        now,
        offeredByUserId: null,
        override: null,
      });
      if (outcome === 'partner_unavailable') {
        directory.noteFull(choice.candidate.id); // filled up or paused since we read it: next best
        continue;
      }
      if (outcome === 'not_waiting') {
        raced = true; // another router got there first: read again and report what it did
        break;
      }
      directory.noteOffered(choice.candidate.id, now);
      return { kind: 'offered', opportunityId, partnerId: choice.candidate.id, timer: outcome };
    }
    if (raced) continue;
    const marked = await markUnroutable(sql, opportunity, 'no_eligible_partner', now);
    if (marked) return marked;
  }
}

/**
 * Writes the offer, the opportunity's new state, the event and the notification in one
 * statement, so one transaction. It acts only if the opportunity is still waiting in the round
 * we read ('not_waiting' otherwise, nothing written) and the partner still has room (else the
 * statement aborts itself: 'partner_unavailable', nothing written). By hand, a channel manager
 * may go past capacity and pauses (and, with `override`, past any rule routing skipped the partner
 * for), never past an inactive partner; the offers table refuses a second offer to a partner.
 */
export async function insertOffer(
  sql: Sql,
  args: {
    opportunity: RoutableOpportunity;
    choice: ScoredCandidate;
    settings: RoutingSettings;
    now: Date;
    offeredByUserId: number | null;
    /** By hand: the rules routing skipped the partner for, and the manager's reason for going past them. */
    override: HandOverride | null;
  },
): Promise<OfferTimerState | 'not_waiting' | 'partner_unavailable'> {
  const { opportunity, choice, settings, now, offeredByUserId, override } = args;
  const expiresAt = deadlineFor(now, { hours: settings.windowHours });
  const round = opportunity.rounds + 1;
  const byHand = offeredByUserId !== null;
  const detail = {
    round,
    score: choice.score,
    expiresAt: iso(expiresAt),
    byHand,
    ...(override ? { overriddenRules: override.rules, overrideReason: override.reason } : {}),
  };
  const at = iso(now);
  try {
    const [row] = await withDeadlockRetry(
      () => sql`
      WITH opportunity AS (
        UPDATE opportunities SET status = 'offered', rounds = ${round}, unroutable_reason = NULL,
                                 updated_at = ${at}::timestamptz
        WHERE id = ${opportunity.id} AND status = ${opportunity.status} AND rounds = ${opportunity.rounds}
        RETURNING id
      ), demand AS (
        SELECT ${choice.candidate.id}::int AS partner_id, 1 AS n FROM opportunity
      ) ${claimCapacity(sql, { at, byHand })}
      , moved AS (
        INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at,
                            reminder_offsets_hours, score, score_breakdown, offered_by_user_id,
                            overridden_rules, override_reason)
        SELECT ${opportunity.id}, claim.id, ${round}, 'pending', ${at}::timestamptz,
               ${iso(expiresAt)}::timestamptz, ${`{${settings.reminderOffsetsHours.join(',')}}`}::int[],
               ${choice.score}, ${JSON.stringify(choice.breakdown)}::jsonb, ${offeredByUserId}::int,
               ${`{${override?.rules.join(',') ?? ''}}`}::text[], ${override?.reason ?? null}::text
        FROM claim
        RETURNING id AS offer_id, opportunity_id, partner_id
      ) ${sideEffects(sql, 'offered', {
        at,
        actorUserId: offeredByUserId,
        detail: sql`${JSON.stringify(detail)}::jsonb`,
      })}
      -- The opportunity moved on but no offer was made: undo it all by failing the statement.
      SELECT coalesce((SELECT offer_id FROM moved), baton_abort(${PARTNER_UNAVAILABLE}, 'partner unavailable')) AS id
      FROM opportunity`,
    );
    if (!row) return 'not_waiting';
    return {
      offerId: row.id,
      offeredAt: now,
      expiresAt,
      reminderOffsetsHours: settings.reminderOffsetsHours,
    };
  } catch (error) {
    if ((error as { code?: string }).code === PARTNER_UNAVAILABLE) return 'partner_unavailable';
    throw error;
  }
}

/** Null when the opportunity moved on meanwhile (another router got there first). */
async function markUnroutable(
  sql: Sql,
  opportunity: RoutableOpportunity,
  reason: UnroutableReason,
  now: Date,
): Promise<RouteResult | null> {
  const at = iso(now);
  const detail = JSON.stringify({ reason, rounds: opportunity.rounds });
  const rows = await withDeadlockRetry(
    () => sql`
    WITH moved AS (
      UPDATE opportunities SET status = 'unroutable', unroutable_reason = ${reason}, updated_at = ${at}::timestamptz
      WHERE id = ${opportunity.id} AND status = 'new' AND rounds = ${opportunity.rounds}
      RETURNING NULL::int AS offer_id, id AS opportunity_id, NULL::int AS partner_id, rounds, unroutable_reason
    ) ${sideEffects(sql, 'unroutable', { at, actorUserId: null, detail: sql`${detail}::jsonb` })}
    SELECT opportunity_id FROM moved`,
  );
  return rows.length === 1 ? { kind: 'unroutable', opportunityId: opportunity.id, reason } : null;
}
