import type { Database } from '../../../db/client';
import { parseJson, rawSql } from '../sql.server';
import type { Candidate, RoutingTarget } from './candidate';
import { ineligibility } from './eligibility';
import { candidateOf, partnerDirectoryOf } from './partner-directory.server';
import type { RoutingPreference } from './scoring';
import type { RoutingSettings } from './settings';
import { routingSettingsFrom, routingSettingsJson } from './settings.server';

export interface RoutableOpportunity extends RoutingTarget {
  id: number;
  customerId: number;
  campaignId: number | null;
  status: string;
  rounds: number;
}

/** What routing knows of one lead when it decides, besides the partner directory. */
export interface LeadRoutingContext {
  opportunity: RoutableOpportunity;
  alreadyOffered: Set<number>;
  /** Partners that have held a lead of this customer. */
  related: Set<number>;
  /** Partners that joined the lead's campaign. */
  joined: Set<number>;
  preference: RoutingPreference;
}

export interface RoutingContexts {
  settings: RoutingSettings;
  /** The partner directory's version the statement saw: candidates come from one at least as new. */
  directoryVersion: number;
  /** One per lead found, in id order; an id with no lead has none. */
  leads: LeadRoutingContext[];
}

/**
 * Everything a routing decision reads, for one lead or a batch: one statement (each lead, the
 * partners offered it before, its customer's existing partners, its campaign's joined partners,
 * the settings, the partner directory's version). The partners themselves come from the
 * in-memory directory (`candidatesFor`), at the moment of each decision, so that a batch sees
 * the capacity its own earlier decisions took.
 */
export async function loadRoutingContexts(db: Database, opportunityIds: number[]): Promise<RoutingContexts> {
  const sql = rawSql(db);
  // The LEFT JOIN keeps one row (settings, version) when no lead is found.
  const rows = await sql`
    SELECT s.settings, s.directory_version, row_to_json(o) AS opportunity,
      (SELECT coalesce(array_agg(f.partner_id), '{}') FROM offers f WHERE f.opportunity_id = o.id) AS offered_before,
      (SELECT coalesce(array_agg(DISTINCT r.accepted_partner_id), '{}') FROM opportunities r
        WHERE r.customer_id = o.customer_id AND r.accepted_partner_id IS NOT NULL) AS related,
      (SELECT coalesce(array_agg(cp.partner_id), '{}') FROM campaign_partners cp
        WHERE cp.campaign_id = o.campaign_id AND cp.status = 'joined') AS joined,
      (SELECT c.joined_partners_first FROM campaigns c WHERE c.id = o.campaign_id) AS joined_first
    FROM (SELECT ${routingSettingsJson(sql)} AS settings,
                 (SELECT version FROM partner_directory_version WHERE id = 1) AS directory_version) s
    LEFT JOIN (SELECT id, customer_id, campaign_id, country::text AS country, product_line, industry,
                      size_segment, status, rounds
               FROM opportunities WHERE id = ANY(${opportunityIds}::int[])) o ON true
    ORDER BY o.id`;
  const first = rows[0];
  if (!first) throw new Error('routing context query returned no row');
  const leads: LeadRoutingContext[] = [];
  for (const row of rows) {
    const o = parseJson<OpportunityJson>(row.opportunity);
    if (!o) continue;
    leads.push({
      opportunity: toRoutable(o),
      alreadyOffered: new Set<number>(row.offered_before),
      related: new Set<number>(row.related),
      joined: new Set<number>(row.joined),
      preference: { joinedPartnersFirst: row.joined_first === true },
    });
  }
  return {
    settings: routingSettingsFrom(first.settings),
    directoryVersion: Number(first.directory_version),
    leads,
  };
}

/**
 * The partners routing may offer this lead to now, from the directory. `onlyPartnerId` narrows
 * to that one partner, whatever its state: an offer made by hand.
 */
export async function candidatesFor(
  db: Database,
  lead: LeadRoutingContext,
  context: { now: Date; directoryVersion: number; onlyPartnerId?: number | null },
): Promise<Candidate[]> {
  const { opportunity, related, joined, alreadyOffered } = lead;
  const directory = partnerDirectoryOf(db);
  const pair = (id: number) => ({ inCampaign: joined.has(id), hasRelationship: related.has(id) });
  if (context.onlyPartnerId != null) {
    const partner = await directory.get(context.onlyPartnerId, context.directoryVersion);
    return partner ? [candidateOf(partner, opportunity, pair(partner.id))] : [];
  }
  return (await directory.covering(opportunity, context.directoryVersion))
    .map((partner) => candidateOf(partner, opportunity, pair(partner.id)))
    .filter((c) => ineligibility(c, context.now, alreadyOffered) === null);
}

export interface RoutingContext {
  opportunity: RoutableOpportunity | null;
  settings: RoutingSettings;
  candidates: Candidate[];
  alreadyOffered: Set<number>;
  preference: RoutingPreference;
}

/** One lead's context and candidates; `opportunity` is null when there is no such lead. */
export async function loadRoutingContext(
  db: Database,
  opportunityId: number,
  now: Date,
  onlyPartnerId: number | null = null,
): Promise<RoutingContext> {
  const { settings, directoryVersion, leads } = await loadRoutingContexts(db, [opportunityId]);
  const lead = leads[0];
  if (!lead) {
    return {
      opportunity: null,
      settings,
      candidates: [],
      alreadyOffered: new Set(),
      preference: { joinedPartnersFirst: false },
    };
  }
  const candidates = await candidatesFor(db, lead, { now, directoryVersion, onlyPartnerId });
  return {
    opportunity: lead.opportunity,
    settings,
    candidates,
    alreadyOffered: lead.alreadyOffered,
    preference: lead.preference,
  };
}

/** The lead's columns as the context query shapes them. */
interface OpportunityJson {
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

function toRoutable(o: OpportunityJson): RoutableOpportunity {
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
