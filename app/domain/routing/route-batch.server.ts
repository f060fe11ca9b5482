import type { Database } from '../../../db/client';
import type { Clock } from '../clock';
import { deadlineFor, windowMs } from '../offers/deadline';
import { claimCapacity, sideEffects } from '../side-effects.server';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';
import { partnerDirectoryOf } from './partner-directory.server';
import { routeOpportunity, type RouteResult } from './route-opportunity.server';
import { candidatesFor, loadRoutingContexts, type RoutableOpportunity } from './routing-context.server';
import { bestCandidate, type ScoredCandidate } from './scoring';
import type { RoutingSettings } from './settings';

/** A guard in the batch statement failed: it wrote nothing, and the batch goes one by one. */
const BATCH_GUARD_FAILED = 'BTN02';

interface Decision {
  opportunity: RoutableOpportunity;
  choice: ScoredCandidate;
}

/**
 * Routes a backlog of waiting opportunities (an import, a campaign, the reconciler's sweep)
 * with the same rules as `routeOpportunity`, but two statements per batch instead of two per
 * opportunity: one read for every opportunity of the batch, decisions made in memory against
 * the partner directory (each decision counting against the partners' capacity for the next),
 * and one statement that writes them all. That statement claims each partner's capacity for
 * all of its offers at once and checks every opportunity's guard (`status = 'new' AND rounds
 * = n`); if any guard fails it aborts itself and writes nothing, and the batch is routed one
 * by one instead. A partner without room for its share is simply left out, and its
 * opportunities routed one by one too. Whatever the path, each opportunity ends offered to
 * exactly one partner, unroutable, or untouched because someone else routed it.
 */
export async function routeBatch(
  db: Database,
  opportunityIds: number[],
  clock: Clock,
): Promise<RouteResult[]> {
  opportunityIds = [...new Set(opportunityIds)];
  if (opportunityIds.length === 0) return [];
  const now = clock.now();
  const { settings, directoryVersion, leads } = await loadRoutingContexts(db, opportunityIds);
  const directory = partnerDirectoryOf(db);
  const decisions: Decision[] = [];
  const oneByOne: number[] = [];
  const results: RouteResult[] = [];
  for (const lead of leads) {
    const { opportunity, preference } = lead;
    if (opportunity.status !== 'new') {
      results.push({ kind: 'not_waiting', opportunityId: opportunity.id, status: opportunity.status });
      continue;
    }
    const eligible = await candidatesFor(db, lead, { now, directoryVersion });
    const best = bestCandidate(eligible, settings.weights, windowMs(settings), preference);
    // Round limits and the unroutable case are rare: the one-by-one path records them.
    if (!best || opportunity.rounds >= settings.roundLimit) {
      oneByOne.push(opportunity.id);
      continue;
    }
    decisions.push({ opportunity, choice: best });
    // Counts against the partner for the rest of this batch, before anything is written.
    directory.noteOffered(best.candidate.id, now);
  }
  const found = new Set(leads.map((lead) => lead.opportunity.id));
  oneByOne.push(...opportunityIds.filter((id) => !found.has(id)));

  const written = decisions.length > 0 ? await writeBatch(db, decisions, settings, now) : [];
  if (written === null) {
    directory.invalidate();
    oneByOne.push(...decisions.map((d) => d.opportunity.id));
  } else {
    const placed = new Set(written.map((w) => w.opportunityId));
    for (const decision of decisions) {
      if (!placed.has(decision.opportunity.id)) {
        directory.noteFull(decision.choice.candidate.id);
        oneByOne.push(decision.opportunity.id);
      }
    }
    results.push(...written);
  }
  for (const id of oneByOne) results.push(await routeOpportunity(db, id, clock));
  return results;
}

/** Null when a guard failed and nothing was written. */
async function writeBatch(
  db: Database,
  decisions: Decision[],
  settings: RoutingSettings,
  now: Date,
): Promise<Extract<RouteResult, { kind: 'offered' }>[] | null> {
  const at = iso(now);
  const expiresAt = deadlineFor(now, { hours: settings.windowHours });
  const reminders = `{${settings.reminderOffsetsHours.join(',')}}`;
  const details = decisions.map((d) =>
    JSON.stringify({
      round: d.opportunity.rounds + 1,
      score: d.choice.score,
      expiresAt: iso(expiresAt),
      byHand: false,
    }),
  );
  const sql = rawSql(db);
  try {
    const [row] = await withDeadlockRetry(
      () => sql`
      WITH input AS (
        SELECT * FROM unnest(${decisions.map((d) => d.opportunity.id)}::int[],
                             ${decisions.map((d) => d.opportunity.rounds)}::int[],
                             ${decisions.map((d) => d.choice.candidate.id)}::int[],
                             ${decisions.map((d) => d.choice.score)}::float8[],
                             ${decisions.map((d) => JSON.stringify(d.choice.breakdown))}::text[],
                             ${details}::text[])
          AS t(opportunity_id, rounds, partner_id, score, breakdown, detail)
      ), demand AS (
        SELECT partner_id, count(*)::int AS n FROM input GROUP BY partner_id
      ) ${claimCapacity(sql, { at, byHand: false })}
      , opportunity AS (
        UPDATE opportunities o SET status = 'offered', rounds = i.rounds + 1, unroutable_reason = NULL,
                                   updated_at = ${at}::timestamptz
        FROM input i JOIN claim c ON c.id = i.partner_id
        WHERE o.id = i.opportunity_id AND o.status = 'new' AND o.rounds = i.rounds
        RETURNING o.id, i.partner_id, i.rounds + 1 AS round, i.score, i.breakdown, i.detail
      ), moved AS (
        INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at,
                            reminder_offsets_hours, score, score_breakdown)
        SELECT id, partner_id, round, 'pending', ${at}::timestamptz, ${iso(expiresAt)}::timestamptz,
               ${reminders}::int[], score, breakdown::jsonb
        FROM opportunity
        RETURNING id AS offer_id, opportunity_id, partner_id
      ) ${sideEffects(sql, 'offered', {
        at,
        actorUserId: null,
        detail: sql`(SELECT o.detail::jsonb FROM opportunity o WHERE o.id = moved.opportunity_id)`,
      })}
      -- Every claimed unit must have become an offer; otherwise undo everything.
      SELECT (SELECT coalesce(json_agg(json_build_array(offer_id, opportunity_id, partner_id)), '[]') FROM moved)::text AS offers,
             CASE WHEN (SELECT count(*) FROM opportunity) = (SELECT coalesce(sum(n), 0) FROM claim) THEN 0
                  ELSE baton_abort(${BATCH_GUARD_FAILED}, 'batch guard failed') END AS checked`,
    );
    return (JSON.parse(row!.offers) as [number, number, number][]).map(
      ([offerId, opportunityId, partnerId]) => ({
        kind: 'offered' as const,
        opportunityId,
        partnerId,
        timer: { offerId, offeredAt: now, expiresAt, reminderOffsetsHours: settings.reminderOffsetsHours },
      }),
    );
  } catch (error) {
    if ((error as { code?: string }).code === BATCH_GUARD_FAILED) return null;
    throw error;
  }
}
