import type { Sql } from 'postgres';
import type { Database } from '../../../db/client';
import type { Clock } from '../clock';
import { HOUR_MS } from '../clock';
import { notFound } from '../errors';
import type { OfferTimerState } from '../offers/checkpoints';
import { iso, rawSql, withDeadlockRetry } from '../sql.server';
import type { Candidate, RoutingTarget } from './candidate';
import { ineligibility } from './eligibility';
import { candidateOf, partnerDirectoryOf } from './partner-directory.server';
import { candidatesBestFirst, type RoutingPreference, type ScoredCandidate } from './scoring';
import { routingWeightsSchema, type RoutingSettings } from './settings';

export type RouteResult =
  | { kind: 'offered'; opportunityId: number; partnerId: number; timer: OfferTimerState }
  | { kind: 'unroutable'; opportunityId: number; reason: UnroutableReason }
  /** The opportunity is not waiting for a partner (it has a pending offer, or is closed). */
  | { kind: 'not_waiting'; opportunityId: number; status: string };

export type UnroutableReason = 'no_eligible_partner' | 'round_limit_reached';

export interface RoutableOpportunity extends RoutingTarget {
  id: number;
  customerId: number;
  campaignId: number | null;
  status: string;
  rounds: number;
}

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
    const ranked = candidatesBestFirst(
      candidates,
      settings.weights,
      settings.windowHours * HOUR_MS,
      preference,
    );
    let raced = false;
    const directory = partnerDirectoryOf(db);
    for (const choice of ranked) {
      const outcome = await insertOffer(sql, { opportunity, choice, settings, now, offeredByUserId: null });
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

export interface RoutingContext {
  opportunity: RoutableOpportunity | null;
  settings: RoutingSettings;
  candidates: Candidate[];
  alreadyOffered: Set<number>;
  preference: RoutingPreference;
}

/**
 * Everything a routing decision reads: one small statement (the opportunity, the settings, the
 * partners offered this lead before, the customer's existing partners, the campaign's joined
 * partners, the partner directory's version) and the in-memory partner directory.
 * `onlyPartnerId` narrows to that one partner, whatever its state: an offer made by hand.
 */
export async function loadRoutingContext(
  db: Database,
  opportunityId: number,
  now: Date,
  onlyPartnerId: number | null = null,
): Promise<RoutingContext> {
  const [row] = await rawSql(db)`
    WITH o AS (
      SELECT id, customer_id, campaign_id, country::text AS country, product_line, industry, size_segment,
             status, rounds
      FROM opportunities WHERE id = ${opportunityId}
    )
    SELECT
      (SELECT row_to_json(o) FROM o) AS opportunity,
      (SELECT row_to_json(s) FROM (SELECT window_hours, reminder_offsets_hours, round_limit, weights
                                   FROM routing_settings WHERE id = 1) s) AS settings,
      (SELECT coalesce(array_agg(partner_id), '{}') FROM offers WHERE opportunity_id = ${opportunityId}) AS offered_before,
      (SELECT coalesce(array_agg(DISTINCT r.accepted_partner_id), '{}')
         FROM o JOIN opportunities r ON r.customer_id = o.customer_id
        WHERE r.accepted_partner_id IS NOT NULL) AS related,
      (SELECT coalesce(array_agg(cp.partner_id), '{}')
         FROM o JOIN campaign_partners cp ON cp.campaign_id = o.campaign_id AND cp.status = 'joined') AS joined,
      (SELECT c.joined_partners_first FROM o JOIN campaigns c ON c.id = o.campaign_id) AS joined_first,
      (SELECT version FROM partner_directory_version WHERE id = 1) AS directory_version`;
  if (!row) throw new Error('routing context query returned no row');
  const settings = parseSettings(row.settings);
  const alreadyOffered = new Set<number>(row.offered_before);
  const preference = { joinedPartnersFirst: row.joined_first === true };
  const o = parseJson<OpportunityJson>(row.opportunity);
  if (!o) return { opportunity: null, settings, candidates: [], alreadyOffered, preference };
  const opportunity = toRoutable(o);
  const related = new Set<number>(row.related);
  const joined = new Set<number>(row.joined);
  const directory = partnerDirectoryOf(db);
  const version = Number(row.directory_version);
  const pair = (id: number) => ({ inCampaign: joined.has(id), hasRelationship: related.has(id) });
  if (onlyPartnerId !== null) {
    const partner = await directory.get(onlyPartnerId, version);
    const candidates = partner ? [candidateOf(partner, opportunity, pair(partner.id))] : [];
    return { opportunity, settings, candidates, alreadyOffered, preference };
  }
  const candidates = (await directory.covering(opportunity, version))
    .map((partner) => candidateOf(partner, opportunity, pair(partner.id)))
    .filter((c) => ineligibility(c, now, alreadyOffered) === null);
  return { opportunity, settings, candidates, alreadyOffered, preference };
}

/** The JSON columns of the context query, as the query above shapes them. */
export interface OpportunityJson {
  id: number;
  customer_id: number;
  campaign_id: number | null;
  country: string;
  product_line: string;
  industry: string;
  size_segment: string;
  status: string;
  rounds: number;
}
interface SettingsJson {
  window_hours: number;
  reminder_offsets_hours: number[];
  round_limit: number;
  weights: unknown;
}

export function parseJson<T>(value: unknown): T | null {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T | null;
}

export function parseSettings(value: unknown): RoutingSettings {
  const s = parseJson<SettingsJson>(value);
  if (!s) throw new Error('routing_settings has no row: run the migrations');
  return {
    windowHours: s.window_hours,
    reminderOffsetsHours: s.reminder_offsets_hours,
    roundLimit: s.round_limit,
    weights: routingWeightsSchema.parse(s.weights),
  };
}

export function toRoutable(o: OpportunityJson): RoutableOpportunity {
  return {
    id: o.id,
    customerId: o.customer_id,
    campaignId: o.campaign_id,
    country: o.country,
    productLine: o.product_line,
    industry: o.industry,
    sizeSegment: o.size_segment,
    status: o.status,
    rounds: o.rounds,
  };
}

/**
 * Writes the offer, the opportunity's new state, the event and the notification in one
 * statement, so one transaction. It acts only if the opportunity is still waiting in the round
 * we read ('not_waiting' otherwise, nothing written) and the partner still has room (else the
 * statement aborts itself: 'partner_unavailable', nothing written). By hand, a channel manager
 * may go past capacity and pauses, never past an inactive partner.
 */
export async function insertOffer(
  sql: Sql,
  args: {
    opportunity: RoutableOpportunity;
    choice: ScoredCandidate;
    settings: RoutingSettings;
    now: Date;
    offeredByUserId: number | null;
  },
): Promise<OfferTimerState | 'not_waiting' | 'partner_unavailable'> {
  const { opportunity, choice, settings, now, offeredByUserId } = args;
  const expiresAt = new Date(now.getTime() + settings.windowHours * HOUR_MS);
  const round = opportunity.rounds + 1;
  const byHand = offeredByUserId !== null;
  const detail = { round, score: choice.score, expiresAt: iso(expiresAt), byHand };
  const at = iso(now);
  try {
    const [row] = await withDeadlockRetry(
      () => sql`
      WITH opportunity AS (
        UPDATE opportunities SET status = 'offered', rounds = ${round}, unroutable_reason = NULL,
                                 updated_at = ${at}::timestamptz
        WHERE id = ${opportunity.id} AND status = ${opportunity.status} AND rounds = ${opportunity.rounds}
        RETURNING id
      ), claim AS (
        UPDATE partners SET open_load = open_load + 1, last_offered_at = ${at}::timestamptz
        WHERE id = ${choice.candidate.id} AND status = 'active' AND EXISTS (SELECT 1 FROM opportunity)
          AND (${byHand} OR (open_load < max_open
               AND (paused_until IS NULL OR paused_until <= ${at}::timestamptz)))
        RETURNING id
      ), offer AS (
        INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at,
                            reminder_offsets_hours, score, score_breakdown, offered_by_user_id)
        SELECT ${opportunity.id}, claim.id, ${round}, 'pending', ${at}::timestamptz,
               ${iso(expiresAt)}::timestamptz, ${`{${settings.reminderOffsetsHours.join(',')}}`}::int[],
               ${choice.score}, ${JSON.stringify(choice.breakdown)}::jsonb, ${offeredByUserId}::int
        FROM claim
        RETURNING id, partner_id
      ), event AS (
        INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, actor_user_id, kind, detail, at)
        SELECT ${opportunity.id}, id, partner_id, ${offeredByUserId}::int, 'offered',
               ${JSON.stringify(detail)}::jsonb, ${at}::timestamptz
        FROM offer
      ), notification AS (
        INSERT INTO notifications (kind, audience, partner_id, opportunity_id, offer_id, dedupe_key, created_at)
        SELECT 'offer_new', 'partner', partner_id, ${opportunity.id}, id, 'offer-new-' || id, ${at}::timestamptz
        FROM offer
        ON CONFLICT (dedupe_key) DO NOTHING
      )
      -- The opportunity moved on but no offer was made: undo it all by failing the statement.
      SELECT coalesce((SELECT id FROM offer), baton_abort(${PARTNER_UNAVAILABLE}, 'partner unavailable')) AS id
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
    WITH opportunity AS (
      UPDATE opportunities SET status = 'unroutable', unroutable_reason = ${reason}, updated_at = ${at}::timestamptz
      WHERE id = ${opportunity.id} AND status = 'new' AND rounds = ${opportunity.rounds}
      RETURNING id
    ), event AS (
      INSERT INTO opportunity_events (opportunity_id, kind, detail, at)
      SELECT id, 'unroutable', ${detail}::jsonb, ${at}::timestamptz FROM opportunity
    ), notification AS (
      INSERT INTO notifications (kind, audience, opportunity_id, dedupe_key, payload, created_at)
      SELECT 'opportunity_unroutable', 'channel_managers', id, ${`unroutable-${opportunity.id}-${opportunity.rounds}`},
             ${JSON.stringify({ reason })}::jsonb, ${at}::timestamptz
      FROM opportunity
      ON CONFLICT (dedupe_key) DO NOTHING
    )
    SELECT id FROM opportunity`,
  );
  return rows.length === 1 ? { kind: 'unroutable', opportunityId: opportunity.id, reason } : null;
}
