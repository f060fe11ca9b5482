import type { Database } from '../../../db/client';
import type { Clock } from '../clock';
import { HOUR_MS } from '../clock';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';
import { ineligibility } from './eligibility';
import { candidateOf, partnerDirectoryOf } from './partner-directory.server';
import {
  parseJson,
  parseSettings,
  routeOpportunity,
  toRoutable,
  type OpportunityJson,
  type RoutableOpportunity,
  type RouteResult,
} from './route-opportunity.server';
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
  const sql = rawSql(db);
  const rows = await sql`
    SELECT row_to_json(o) AS opportunity,
      (SELECT coalesce(array_agg(f.partner_id), '{}') FROM offers f WHERE f.opportunity_id = o.id) AS offered_before,
      (SELECT coalesce(array_agg(DISTINCT r.accepted_partner_id), '{}') FROM opportunities r
        WHERE r.customer_id = o.customer_id AND r.accepted_partner_id IS NOT NULL) AS related,
      (SELECT coalesce(array_agg(cp.partner_id), '{}') FROM campaign_partners cp
        WHERE cp.campaign_id = o.campaign_id AND cp.status = 'joined') AS joined,
      (SELECT c.joined_partners_first FROM campaigns c WHERE c.id = o.campaign_id) AS joined_first,
      s.settings, s.directory_version
    FROM (SELECT id, customer_id, campaign_id, country::text AS country, product_line, industry, size_segment,
                 status, rounds
          FROM opportunities WHERE id = ANY(${opportunityIds}::int[])) o
    CROSS JOIN (SELECT (SELECT row_to_json(x) FROM (SELECT window_hours, reminder_offsets_hours, round_limit, weights
                                                    FROM routing_settings WHERE id = 1) x) AS settings,
                       (SELECT version FROM partner_directory_version WHERE id = 1) AS directory_version) s
    ORDER BY o.id`;
  const first = rows[0];
  if (!first) return Promise.all(opportunityIds.map((id) => routeOpportunity(db, id, clock)));
  const settings = parseSettings(first.settings);
  const directory = partnerDirectoryOf(db);
  const decisions: Decision[] = [];
  const oneByOne: number[] = [];
  const results: RouteResult[] = [];
  for (const row of rows) {
    const opportunity = toRoutable(parseJson<OpportunityJson>(row.opportunity)!);
    if (opportunity.status !== 'new') {
      results.push({ kind: 'not_waiting', opportunityId: opportunity.id, status: opportunity.status });
      continue;
    }
    const alreadyOffered = new Set<number>(row.offered_before);
    const related = new Set<number>(row.related);
    const joined = new Set<number>(row.joined);
    const partners = await directory.covering(opportunity, Number(row.directory_version));
    const eligible = partners
      .map((p) =>
        candidateOf(p, opportunity, { inCampaign: joined.has(p.id), hasRelationship: related.has(p.id) }),
      )
      .filter((c) => ineligibility(c, now, alreadyOffered) === null);
    const best = bestCandidate(eligible, settings.weights, settings.windowHours * HOUR_MS, {
      joinedPartnersFirst: row.joined_first === true,
    });
    // Round limits and the unroutable case are rare: the one-by-one path records them.
    if (!best || opportunity.rounds >= settings.roundLimit) {
      oneByOne.push(opportunity.id);
      continue;
    }
    decisions.push({ opportunity, choice: best });
    // Counts against the partner for the rest of this batch, before anything is written.
    directory.noteOffered(best.candidate.id, now);
  }
  const found = new Set(rows.map((r) => parseJson<OpportunityJson>(r.opportunity)!.id));
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
  const expiresAt = new Date(now.getTime() + settings.windowHours * HOUR_MS);
  const reminders = `{${settings.reminderOffsetsHours.join(',')}}`;
  const details = decisions.map((d) =>
    JSON.stringify({
      round: d.opportunity.rounds + 1,
      score: d.choice.score,
      expiresAt: iso(expiresAt),
      byHand: false,
    }),
  );
  try {
    const [row] = await withDeadlockRetry(
      () => rawSql(db)`
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
      ), locked AS (
        -- In id order, so that two batches sharing partners queue instead of deadlocking.
        SELECT id FROM partners WHERE id IN (SELECT partner_id FROM demand) ORDER BY id FOR NO KEY UPDATE
      ), claim AS (
        UPDATE partners p SET open_load = p.open_load + d.n, last_offered_at = ${at}::timestamptz
        FROM demand d
        WHERE p.id = d.partner_id AND p.id IN (SELECT id FROM locked)
          AND p.status = 'active' AND p.open_load + d.n <= p.max_open
          AND (p.paused_until IS NULL OR p.paused_until <= ${at}::timestamptz)
        RETURNING p.id, d.n
      ), opportunity AS (
        UPDATE opportunities o SET status = 'offered', rounds = i.rounds + 1, unroutable_reason = NULL,
                                   updated_at = ${at}::timestamptz
        FROM input i JOIN claim c ON c.id = i.partner_id
        WHERE o.id = i.opportunity_id AND o.status = 'new' AND o.rounds = i.rounds
        RETURNING o.id, i.partner_id, i.rounds + 1 AS round, i.score, i.breakdown, i.detail
      ), offer AS (
        INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at,
                            reminder_offsets_hours, score, score_breakdown)
        SELECT id, partner_id, round, 'pending', ${at}::timestamptz, ${iso(expiresAt)}::timestamptz,
               ${reminders}::int[], score, breakdown::jsonb
        FROM opportunity
        RETURNING id, opportunity_id, partner_id
      ), event AS (
        INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, kind, detail, at)
        SELECT f.opportunity_id, f.id, f.partner_id, 'offered', o.detail::jsonb, ${at}::timestamptz
        FROM offer f JOIN opportunity o ON o.id = f.opportunity_id
      ), notification AS (
        INSERT INTO notifications (kind, audience, partner_id, opportunity_id, offer_id, dedupe_key, created_at)
        SELECT 'offer_new', 'partner', partner_id, opportunity_id, id, 'offer-new-' || id, ${at}::timestamptz
        FROM offer
        ON CONFLICT (dedupe_key) DO NOTHING
      )
      -- Every claimed unit must have become an offer; otherwise undo everything.
      SELECT (SELECT coalesce(json_agg(json_build_array(id, opportunity_id, partner_id)), '[]') FROM offer)::text AS offers,
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
